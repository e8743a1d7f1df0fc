"""How figures, targets, statuses and dates read in a report, in the active
language (Vietnamese: 9.391, 92,7, "ngày 13 tháng 01 năm 2021")."""

from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from kpis.formatting import figure, is_percent_unit, signed, significant_decimals, unit_name
from kpis.models import ComparisonOperator, Indicator, ProgressStatus, ValueType


def indicator_value(indicator: Indicator, value: Decimal | None) -> str:
    return figure(value, indicator.decimals, indicator.value_type)


def change_text(indicator: Indicator, change: Decimal | None, change_pct: Decimal | None) -> str:
    """"+33 (+3,6%)"; yes/no indicators have no change to show."""
    if change is None or indicator.value_type == ValueType.YES_NO:
        return ""
    text = signed(change, indicator.decimals)
    if change_pct is not None and change != 0:
        text += f" ({signed(change_pct, 1)}%)"
    return text


def unit_label(indicator: Indicator) -> str:
    return unit_name(indicator)


def target_text(indicator: Indicator, target) -> str:
    """"≥ 60%", as targets are written in plans; the PDF draws ≥ and ≤ with
    its fallback font (fonts.py), as Tinos lacks them."""
    if target is None:
        return ""
    value = indicator_value(indicator, target.value) if indicator.value_type == ValueType.YES_NO \
        else figure(target.value, min(indicator.decimals, significant_decimals(target.value)))
    if is_percent_unit(indicator.unit):
        value += indicator.unit
    words = {
        ComparisonOperator.GTE: "≥ %(value)s",
        ComparisonOperator.LTE: "≤ %(value)s",
        ComparisonOperator.EQ: _("đạt %(value)s"),
    }.get(target.operator, "%(value)s")
    return words % {"value": value}


def target_year_text(target) -> str:
    return _("năm %(year)s") % {"year": target.year} if target is not None else ""


def status_label(status: str | None, has_value: bool = True) -> str:
    """The status in words (never shown by colour alone)."""
    if status is None:
        return ""
    if status == ProgressStatus.NO_DATA and not has_value:
        return _("Chưa có số liệu")
    return str(ProgressStatus(status).label) if status in ProgressStatus.values else status


def achievement_text(pct: Decimal | None) -> str:
    if pct is None:
        return ""
    return _("%(pct)s%% mục tiêu") % {"pct": figure(pct, 1)}


def long_date(day: date) -> str:
    """Decree 30/2020: days 1–9 and months 1–2 take a leading zero."""
    return _("ngày %(day)s tháng %(month)s năm %(year)s") % {
        "day": f"{day.day:02d}",
        "month": f"{day.month:02d}" if day.month <= 2 else str(day.month),
        "year": day.year,
    }


def roman(number_: int) -> str:
    numerals = ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    result = ""
    for value, letters in numerals:
        while number_ >= value:
            result += letters
            number_ -= value
    return result
