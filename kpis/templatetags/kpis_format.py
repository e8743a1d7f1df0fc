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


@register.filter
def fit_class(text: str) -> str:
    """A smaller type for a figure too long for its column of the printed
    table ("12.345.678"): numbers never wrap inside, and never run into the
    next column (tests/kpis/export/test_layout.py)."""
    longest = max((len(part) for part in str(text).split()), default=0)
    return "fit-smaller" if longest > 11 else "fit-small" if longest > 9 else ""
