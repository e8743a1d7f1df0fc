from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def number(value: Decimal | int | float | None, decimals: int = 0) -> str:
    """A figure in the active language's format with grouping: 9.391 and 92,7
    in Vietnamese, 9,391 and 92.7 in English. Empty for no value. Rounds half
    up (41,3965 → 41,4), where Django's number_format would cut the digits."""
    if value is None or value == "":
        return ""
    places = int(decimals)
    rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return number_format(rounded, places, use_l10n=True, force_grouping=True)
