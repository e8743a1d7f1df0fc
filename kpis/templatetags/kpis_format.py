from decimal import Decimal

from django import template

from kpis import formatting

register = template.Library()


@register.filter
def number(value: Decimal | int | float | None, decimals: int = 0) -> str:
    """A figure in the active language's format with grouping: 9.391 and 92,7
    in Vietnamese, 9,391 and 92.7 in English; empty for no value. The rule
    lives in ``kpis.formatting.number`` (rounds half up)."""
    return formatting.number(value, decimals)
