"""How the dashboards say things: localized names, status badges (a symbol and a
word, never colour alone), formulas in words, sparkline geometry. No queries."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from kpis.formulas import Binary, Expr, FormulaError, Number, Ref, Unary, parse_formula
from kpis.models import MilestoneStatus, ProgressStatus, ReportStatus
from kpis.templatetags.kpis_format import number


def is_english() -> bool:
    return (get_language() or "vi").startswith("en")


def localized(obj, field: str = "name") -> str:
    """``name_en`` (or ``<field>_en``) in English when it is filled in, else the Vietnamese text."""
    if is_english():
        english = getattr(obj, f"{field}_en", "")
        if english:
            return english
    return getattr(obj, field)


@dataclass(frozen=True)
class Badge:
    """What a status looks like: a CSS modifier (colour), a symbol and a word."""

    key: str
    symbol: str
    label: str


# Progress, ordered from best to worst; the dots read like a gauge without colour.
_PROGRESS_SYMBOLS = {
    ProgressStatus.ACHIEVED: "✓",
    ProgressStatus.ON_TRACK: "●●●",
    ProgressStatus.NEEDS_ACCELERATION: "●●○",
    ProgressStatus.LIMITED_PROGRESS: "●○○",
    ProgressStatus.DETERIORATION: "▼",
    ProgressStatus.NOT_ACHIEVED: "✗",
    ProgressStatus.NO_DATA: "?",
}
PROGRESS_ORDER = list(_PROGRESS_SYMBOLS)


def progress_badge(status: str | None) -> Badge | None:
    if not status:
        return None
    return Badge(status, _PROGRESS_SYMBOLS.get(status, "?"), str(ProgressStatus(status).label))


_REPORT_SYMBOLS = {
    ReportStatus.APPROVED: "✓",
    ReportStatus.SUBMITTED: "↑",
    ReportStatus.DRAFT: "✎",
    ReportStatus.RETURNED: "↩",
}
MISSING = "missing"
NOT_EXPECTED = "not_expected"


def report_badge(status: str) -> Badge:
    if status == MISSING:
        return Badge(MISSING, "○", _("Chưa có báo cáo"))
    if status == NOT_EXPECTED:
        return Badge(NOT_EXPECTED, "–", _("Không phải báo cáo"))
    return Badge(status, _REPORT_SYMBOLS[status], str(ReportStatus(status).label))


_MILESTONE_SYMBOLS = {
    MilestoneStatus.DONE: "✓",
    MilestoneStatus.IN_PROGRESS: "◔",
    MilestoneStatus.NOT_STARTED: "○",
    MilestoneStatus.CANCELLED: "✗",
}


def milestone_badge(status: str) -> Badge:
    return Badge(status, _MILESTONE_SYMBOLS.get(status, "?"), str(MilestoneStatus(status).label))


def overdue_badge() -> Badge:
    return Badge("overdue", "!", _("Quá hạn"))


def no_information_badge(since: date) -> Badge:
    """A milestone past due whose last known status is older than its due date."""
    return Badge("no-information", "?", _("Không có thông tin từ %(date)s") % {
        "date": date_format(since, "SHORT_DATE_FORMAT")})


OPERATOR_SYMBOLS = {">=": "≥", "<=": "≤", "=": "="}


def figure(value: Decimal | None, decimals: int, value_type: str = "") -> str:
    """A figure the way the page shows it: Vietnamese or English grouping and
    decimals, ``Có``/``Không`` for yes/no; empty for no value."""
    if value is None:
        return ""
    if value_type == "yes_no":
        return _("Có") if value else _("Không")
    return number(value, decimals)


def signed(value: Decimal | None, decimals: int) -> str:
    """A change with its sign: +33, −1,5 (a real minus sign), 0."""
    if value is None:
        return ""
    rounded = round(Decimal(value), decimals)
    if rounded > 0:
        return "+" + number(rounded, decimals)
    if rounded < 0:
        return "−" + number(-rounded, decimals)
    return number(0, decimals)


def change_arrow(change: Decimal | None) -> tuple[str, str]:
    """(symbol, word) for the direction of a change."""
    if change is None:
        return "", ""
    if change > 0:
        return "▲", pgettext("change", "tăng")
    if change < 0:
        return "▼", pgettext("change", "giảm")
    return "▶", pgettext("change", "không đổi")


_WORD_OPERATORS = {"+": "+", "-": "−", "*": "×", "/": "÷"}
_PRECEDENCE = {"+": 0, "-": 0, "*": 1, "/": 1}


def formula_in_words(formula: str, names: dict[str, str]) -> str:
    """``BTS / POPULATION * 10000`` → ``Số trạm BTS ÷ Dân số × 10.000``."""
    try:
        expr = parse_formula(formula)
    except FormulaError:
        return formula
    return _words(expr, names)


def _words(expr: Expr, names: dict[str, str], parent: int = -1, right: bool = False) -> str:
    if isinstance(expr, Number):
        decimals = max(0, -expr.value.normalize().as_tuple().exponent)
        return number(expr.value, decimals)
    if isinstance(expr, Ref):
        return names.get(expr.code, expr.code)
    if isinstance(expr, Unary):
        return _WORD_OPERATORS.get(expr.op, expr.op) + _words(expr.operand, names, 2)
    if isinstance(expr, Binary):
        level = _PRECEDENCE[expr.op]
        text = (f"{_words(expr.left, names, level)} {_WORD_OPERATORS[expr.op]} "
                f"{_words(expr.right, names, level, right=True)}")
        if level < parent or (right and level == parent):
            return f"({text})"
        return text
    return str(expr)


def sparkline(values: list[tuple[int, Decimal]], *, width: int = 120, height: int = 32,
              pad: int = 3) -> dict | None:
    """SVG geometry for a small trend line (a polyline's ``points`` and the last
    point), or None with fewer than two figures."""
    if len(values) < 2:
        return None
    years = [year for year, _v in values]
    numbers = [float(value) for _y, value in values]
    low, high = min(numbers), max(numbers)
    span_x = (max(years) - min(years)) or 1
    span_y = (high - low) or 1.0
    points = []
    for year, value in zip(years, numbers):
        x = pad + (year - min(years)) * (width - 2 * pad) / span_x
        y = height - pad - ((value - low) * (height - 2 * pad) / span_y if high != low else (height - 2 * pad) / 2)
        points.append((round(x, 1), round(y, 1)))
    return {
        "width": width, "height": height,
        "points": " ".join(f"{x},{y}" for x, y in points),
        "last_x": points[-1][0], "last_y": points[-1][1],
    }
