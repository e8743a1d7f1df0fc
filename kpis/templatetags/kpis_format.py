from decimal import Decimal

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def number(value: Decimal | int | float | None, decimals: int = 0) -> str:
    """A figure in the active language's format with grouping: 9.391 and 92,7
    in Vietnamese, 9,391 and 92.7 in English. Empty for no value."""
    if value is None or value == "":
        return ""
    return number_format(Decimal(value), int(decimals), use_l10n=True, force_grouping=True)
