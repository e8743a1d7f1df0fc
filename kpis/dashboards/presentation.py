"""How the dashboards say things: localized names, status badges (a symbol and a
word, never colour alone), formulas in words, sparkline geometry. No queries.

The selectors return plain data; the ``*Text`` mixins at the end of this module
give their data classes the text the templates and tables show, so every
wording and format of the dashboards lives here."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from kpis.formatting import (  # noqa: F401
    figure,
    number,
    signed,
    unit_gap,
    unit_name,
    unit_name_on,
    unit_period,
    with_unit,
)
from kpis.formulas import Binary, Expr, FormulaError, Number, Ref, Unary, parse_formula
from kpis.models import ComparisonOperator, MilestoneStatus, OrgUnitLevel, ProgressStatus, ReportStatus, ValueType
from kpis.periods import TimeAggregation
from kpis.rules import REPORT_MISSING_SYMBOL, REPORT_NOT_EXPECTED_SYMBOL, REPORT_STATUS_SYMBOLS


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


def progress_badge(status: str | None) -> Badge | None:
    if not status:
        return None
    return Badge(status, _PROGRESS_SYMBOLS.get(status, "?"), str(ProgressStatus(status).label))


MISSING = "missing"
NOT_EXPECTED = "not_expected"


def report_legend() -> list[Badge]:
    """Every report badge, in the order the completeness page explains them."""
    return [report_badge(status) for status in (ReportStatus.APPROVED, ReportStatus.SUBMITTED, ReportStatus.DRAFT,
                                                ReportStatus.RETURNED, MISSING, NOT_EXPECTED)]


def report_badge(status: str) -> Badge:
    if status == MISSING:
        return Badge(MISSING, REPORT_MISSING_SYMBOL, _("Chưa có báo cáo"))
    if status == NOT_EXPECTED:
        return Badge(NOT_EXPECTED, REPORT_NOT_EXPECTED_SYMBOL, _("Không phải báo cáo"))
    return Badge(status, REPORT_STATUS_SYMBOLS[status], str(ReportStatus(status).label))


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


OPERATOR_SYMBOLS = {operator.value: str(operator.label) for operator in ComparisonOperator}
def no_information_badge(since: date) -> Badge:
    """A milestone past due whose last known status is older than its due date."""
    return Badge("no-information", "?", _("Không có thông tin từ %(date)s") % {
        "date": date_format(since, "SHORT_DATE_FORMAT")})




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


RECONSTRUCTED_MARK = "†"


def reconstructed_title() -> str:
    return _("Số liệu dựng lại từ các đơn vị trước sáp nhập")


def reconstructed_note(*, change: bool) -> str:
    """Said once under a table that shows a reconstructed figure (docs/boundaries.md)."""
    note = _("† Số liệu dựng lại: cộng từ các đơn vị trước khi sáp nhập (xem Về ranh giới).")
    if change:
        note += " " + _("Thay đổi có dấu † được tính so với số liệu dựng lại của năm trước.")
    return note


def sparkline(values: list[tuple[int, Decimal]], *, width: int = 120, height: int = 32,
              pad: int = 3, reconstructed: frozenset[int] = frozenset()) -> dict | None:
    """SVG geometry for a small trend line (a polyline's ``points`` and the last
    point), or None with fewer than two figures. The reconstructed years come
    first (they are before the unit existed): their part of the line, up to the
    first real figure, is ``dashed_points``, drawn differently."""
    if len(values) < 2:
        return None
    years = [year for year, _v in values]
    numbers = [float(value) for _y, value in values]
    low, high = min(numbers), max(numbers)
    span_x = (max(years) - min(years)) or 1
    span_y = (high - low) or 1.0
    points = []
    for year, value in zip(years, numbers, strict=False):
        x = pad + (year - min(years)) * (width - 2 * pad) / span_x
        y = height - pad - ((value - low) * (height - 2 * pad) / span_y if high != low else (height - 2 * pad) / 2)
        points.append((round(x, 1), round(y, 1)))
    split = next((i for i, year in enumerate(years) if year not in reconstructed), len(years))
    solid = points[split:]
    dashed = points[:split + 1] if split else []
    return {
        "width": width, "height": height,
        "points": " ".join(f"{x},{y}" for x, y in solid) if len(solid) > 1 else "",
        "dashed_points": " ".join(f"{x},{y}" for x, y in dashed),
        "last_x": points[-1][0], "last_y": points[-1][1],
    }


def no_data_message(year: int) -> str:
    return _("Chưa có số liệu năm %(year)s") % {"year": year}


# ---------------------------------------------------------------------------
# The text of the selectors' data classes. Each mixin reads only the fields
# its class declares (named in its docstring).


def level_label(level: str) -> str:
    return str(OrgUnitLevel(level).label) if level in OrgUnitLevel.values else level


class UnitText:
    """For ``UnitView`` (``level``)."""

    @property
    def level_label(self) -> str:
        return level_label(self.level)


class UnitPeriodText:
    """For ``UnitView`` (``valid_from``, ``valid_to``)."""

    @property
    def period(self) -> str:
        return unit_period(self.valid_from, self.valid_to)


def unit_links(units, *, year_of, on: date) -> SafeString:
    """Links to the units' pages, each opened at ``year_of(unit)`` (a year it
    exists in), named as on the day ``on``: an abolished unit "(cũ)", so the
    old Cần Thơ city and the new one read apart."""
    def href(unit) -> str:
        year = year_of(unit)
        return reverse("kpis:unit", args=[unit.code]) + (f"?year={year}" if year else "")

    return format_html_join(", ", '<a href="{}">{}</a>', (
        (href(u), unit_name_on(u.name, valid_to=u.valid_to, day=on)) for u in units))


def _sentence(text: str, **values) -> SafeString:
    """A translated sentence with links put in: the sentence is escaped here, the links already were."""
    return mark_safe(conditional_escape(text) % values)


class LineageText:
    """For ``Lineage`` (``unit``, ``predecessors``, ``successors``, ``split_from``, ``merged``,
    ``named_on``): "formed in … from …", "merged into … from …", and why a split unit has no past."""

    @property
    def sentences(self) -> list[SafeString]:
        unit, said, on = self.unit, [], self.named_on
        if self.predecessors:
            links = unit_links(self.predecessors, year_of=lambda u: u.valid_to, on=on)
            said.append(_sentence(_("Thành lập năm %(year)s từ %(units)s.") if unit.valid_from
                                  else _("Thành lập từ %(units)s."), year=unit.valid_from, units=links))
        if self.split_from:
            links = unit_links(self.split_from, year_of=lambda u: u.valid_to, on=on)
            said.append(_sentence(
                _("Đơn vị được chia tách từ %(units)s nên không có số liệu trước năm %(year)s: phần của "
                  "đơn vị trong số liệu cũ không được biết.") if unit.valid_from
                else _("Đơn vị được chia tách từ %(units)s nên không có số liệu trước khi thành lập."),
                year=unit.valid_from, units=links))
        if self.successors:
            links = unit_links(self.successors, year_of=lambda u: u.valid_from, on=on)
            dated, undated = ((_("Sáp nhập vào %(units)s từ năm %(year)s."), _("Sáp nhập vào %(units)s."))
                              if self.merged else
                              (_("Chia tách thành %(units)s từ năm %(year)s."), _("Chia tách thành %(units)s.")))
            said.append(_sentence(dated if unit.ended else undated, year=unit.ended, units=links))
        return said


class IndicatorText:
    """For ``IndicatorView`` (``unit``, ``decimals``, ``value_type``)."""

    def show(self, value: Decimal | None) -> str:
        return figure(value, self.decimals, self.value_type)

    @property
    def unit_gap(self) -> str:
        return unit_gap(self.unit)

    def with_unit(self, text: str) -> str:
        return with_unit(text, self.unit, self.value_type)

    def shown_with_unit(self, value: Decimal | None) -> str:
        return self.with_unit(self.show(value))


class TargetText:
    """For ``TargetView`` (``operator``)."""

    @property
    def symbol(self) -> str:
        return OPERATOR_SYMBOLS.get(self.operator, self.operator)


class ProgressText:
    """A progress badge for a row with a ``cell`` (or None)."""

    @property
    def badge(self) -> Badge | None:
        return progress_badge(self.cell.status) if self.cell else None


class CardText(ProgressText):
    """For ``Card`` (``indicator``, ``cell``, ``latest``, ``series``, ``target``, ``reconstructed_years``)."""

    @cached_property
    def value_text(self) -> str:
        return self.indicator.show(self.cell.value) if self.cell else ""

    @cached_property
    def latest_text(self) -> str:
        return self.indicator.shown_with_unit(self.latest.value) if self.latest else ""

    @cached_property
    def change_text(self) -> str:
        if not self.cell or self.cell.change is None or self.indicator.value_type == ValueType.YES_NO:
            return ""
        return signed(self.cell.change, self.indicator.decimals)

    @cached_property
    def change_pct_text(self) -> str:
        if (not self.cell or self.cell.change_pct is None
                or self.indicator.value_type in (ValueType.YES_NO, ValueType.PERCENT)):
            return ""
        return signed(self.cell.change_pct, 1) + "%"

    @cached_property
    def arrow(self) -> tuple[str, str]:
        if not self.change_text:
            return "", ""
        return change_arrow(self.cell.change)

    @cached_property
    def change_is_good(self) -> bool | None:
        if not self.cell or not self.cell.change:
            return None
        return (self.cell.change > 0) == self.indicator.higher_is_better

    @cached_property
    def target_text(self) -> str:
        if not self.target:
            return ""
        return f"{self.target.symbol} {self.indicator.shown_with_unit(self.target.value)}"

    @cached_property
    def achievement_text(self) -> str:
        if not self.cell or self.cell.achievement_pct is None:
            return ""
        return number(self.cell.achievement_pct, 0) + "%"

    @cached_property
    def spark(self) -> dict | None:
        return sparkline(self.series, reconstructed=self.reconstructed_years)

    @cached_property
    def change_across_break(self) -> bool:
        """The change is measured from a reconstructed previous year."""
        return bool(self.cell) and self.cell.year - 1 in self.reconstructed_years

    @cached_property
    def status_across_break(self) -> bool:
        """The progress is measured from a reconstructed baseline year."""
        return bool(self.cell and self.target and self.target.baseline_year in self.reconstructed_years)

    @cached_property
    def series_rows(self) -> list[tuple[int, str]]:
        return [(year, self.indicator.show(value) + (RECONSTRUCTED_MARK if year in self.reconstructed_years else ""))
                for year, value in self.series]


class PeriodChangeText:
    """For ``PeriodChange`` (``indicator``, ``against``, ``value``, ``change``, ``change_pct``)."""

    @property
    def against_label(self) -> str:
        return self.against.label

    @property
    def change_text(self) -> str:
        if self.change is None or self.indicator.value_type == ValueType.YES_NO:
            return ""
        return signed(self.change, self.indicator.decimals)

    @property
    def change_pct_text(self) -> str:
        if self.change_pct is None or self.indicator.value_type in (ValueType.YES_NO, ValueType.PERCENT):
            return ""
        return signed(self.change_pct, 1) + "%"

    @property
    def arrow(self) -> tuple[str, str]:
        return change_arrow(self.change) if self.change_text else ("", "")

    @property
    def change_is_good(self) -> bool | None:
        if not self.change:
            return None
        return (self.change > 0) == self.indicator.higher_is_better

    @property
    def value_text(self) -> str:
        return self.indicator.shown_with_unit(self.value) if self.value is not None else ""


class PeriodPanelText:
    """For ``PeriodPanel`` (``indicator``, ``year``, ``choices``, ``selected``, ``cell``, ``previous``,
    ``year_earlier``, ``to_date_parts``, ``to_date``, ``to_date_missing``, ``year_figure``, ``missing``,
    ``target``, ``trend``)."""

    @property
    def selected_label(self) -> str:
        return self.selected.label if self.selected else ""

    @property
    def value_text(self) -> str:
        return self.indicator.show(self.cell.value) if self.cell else ""

    @property
    def options(self) -> list[tuple[str, str, bool]]:
        """(code, label, selected) of the period selector."""
        return [(found.code, found.label, found == self.selected) for found in self.choices]

    @property
    def changes(self) -> list:
        """Against the period just before, then against the same period a year earlier."""
        return [(self.previous, "previous"), (self.year_earlier, "year_earlier")]

    @property
    def is_flow(self) -> bool:
        return self.indicator.time_aggregation == TimeAggregation.SUM

    @property
    def to_date_until(self) -> str:
        """The last part counted into the year to date: "Quý 3/2025"."""
        return self.to_date_parts[-1].label if self.to_date_parts else ""

    @property
    def to_date_label(self) -> str:
        """What the year-to-date figure is, by the indicator's time aggregation."""
        until = {"until": self.to_date_until}
        if self.indicator.time_aggregation == TimeAggregation.SUM:
            return _("Lũy kế đến %(until)s") % until
        if self.indicator.time_aggregation == TimeAggregation.AVERAGE:
            return _("Trung bình từ đầu năm đến %(until)s") % until
        return _("Số mới nhất (%(until)s)") % until

    @property
    def to_date_text(self) -> str:
        return self.indicator.shown_with_unit(self.to_date) if self.to_date is not None else ""

    @property
    def to_date_missing_text(self) -> str:
        """Why there is no year-to-date figure: the parts it lacks."""
        if not self.to_date_missing:
            return ""
        return _("chưa tính được: thiếu %(parts)s") % {"parts": ", ".join(p.label for p in self.to_date_missing)}

    @property
    def missing_text(self) -> str:
        """"Năm 2025 chưa đủ số liệu: thiếu Quý 4/2025." """
        if not self.missing:
            return ""
        return _("Năm %(year)s chưa đủ số liệu: thiếu %(parts)s.") % {
            "year": self.year, "parts": ", ".join(part.label for part in self.missing)}

    @property
    def target_to_date(self) -> bool:
        """During the year (no yearly figure yet) the year's target is set beside the year to date."""
        return bool(self.target and not self.year_figure and self.to_date is not None
                    and self.indicator.time_aggregation != TimeAggregation.NONE)

    @property
    def target_to_date_label(self) -> str:
        return _("Mục tiêu năm %(year)s so với %(what)s") % {"year": self.year,
                                                             "what": self.to_date_label[:1].lower()
                                                             + self.to_date_label[1:]}

    @property
    def target_text(self) -> str:
        return f"{self.target.symbol} {self.indicator.shown_with_unit(self.target.value)}" if self.target else ""

    @property
    def to_date_share_text(self) -> str:
        """The year to date as a share of a yearly target to reach (≥ or >) on a flow: "đạt 70% mục tiêu năm"."""
        if not (self.target_to_date and self.is_flow and self.target.operator in (">=", ">")
                and self.target.value > 0):
            return ""
        share = number(self.to_date * 100 / self.target.value, 0) + "%"
        return _("đã đạt %(share)s mục tiêu năm") % {"share": share}

    @property
    def trend_rows(self) -> list[tuple[str, str]]:
        return [(point.period.label, self.indicator.show(point.value)) for point in self.trend]

    @property
    def trend_labels(self) -> list[str]:
        """The chart's axis: "Q3/2025", "T7/2025", "H1/2025"."""
        return [f"{point.period.short_label}/{point.period.year}" for point in self.trend]


class OptionText:
    """For ``UnitOption`` (``depth``)."""

    @property
    def indent(self) -> str:
        return "— " * self.depth


class MilestoneText:
    """For ``MilestoneRow`` (``status``, ``overdue``, ``status_outdated``, ``status_as_of``)."""

    @property
    def badge(self) -> Badge:
        return milestone_badge(self.status)

    @property
    def overdue_badge(self) -> Badge | None:
        """"Quá hạn", or "no information since …" when the status is too old to say so."""
        if getattr(self, "status_outdated", False):
            return no_information_badge(self.status_as_of)
        return overdue_badge() if self.overdue else None


class ReportText:
    """A report-status badge for a row with a ``status``."""

    @property
    def badge(self) -> Badge:
        return report_badge(self.status)


class IndicatorPageText:
    """For ``IndicatorPage`` (``indicator``, ``targets``, ``components``)."""

    @property
    def target_rows(self) -> list:
        return [(t, f"{t.symbol} {self.indicator.shown_with_unit(t.value)}") for t in self.targets]

    @property
    def entry_levels_text(self) -> str:
        return ", ".join(level_label(level).lower() if level in OrgUnitLevel.values else level
                         for level in self.indicator.entry_levels)

    @property
    def formula_words(self) -> str:
        if not self.indicator.formula:
            return ""
        return formula_in_words(self.indicator.formula, dict(self.components))


# --- the national view's selectors -------------------------------------------------
# Built here rather than in the template: a hundred indicators and every province
# that ever existed cost the template engine more than the page's queries. Each
# option is rendered once per data version (kpis.dashboards.memo); a request only
# picks the selected one.


class SelectOptions:
    """A selector's ``<option>`` list rendered once, each option both plain and
    selected, with any fixed markup between them (``<optgroup>`` tags)."""

    def __init__(self, parts: list[tuple[str | None, str, str]]):
        self.parts = parts  # (code, plain, selected); code None for fixed markup, the same both ways

    def html(self, chosen: str) -> SafeString:
        return mark_safe("".join(selected if code == chosen else plain for code, plain, selected in self.parts))


def _option(code: str, *text) -> tuple[str, str, str]:
    label = "".join(conditional_escape(part) for part in text)
    value = conditional_escape(code)
    return code, f'<option value="{value}">{label}</option>', f'<option value="{value}" selected>{label}</option>'


def indicator_choices(groups) -> SelectOptions:
    """``<optgroup>`` per sector (``groups``: (sector, indicators))."""
    parts: list[tuple[str | None, str, str]] = []
    for sector, found in groups:
        opening = format_html('<optgroup label="{}">', sector.name)
        parts.append((None, opening, opening))
        parts += [_option(i.code, i.name) for i in found]
        parts.append((None, "</optgroup>", "</optgroup>"))
    return SelectOptions(parts)


def indicator_options(groups, chosen: str) -> SafeString:
    """``<optgroup>`` per sector (``groups``: (sector, indicators)), the chosen indicator selected."""
    return indicator_choices(groups).html(chosen)


def _years_of(unit) -> str:
    if unit.valid_from and unit.valid_to:
        return f" ({unit.valid_from}–{unit.valid_to})"
    if unit.valid_from:
        return " (%s)" % (_("từ %(year)s") % {"year": unit.valid_from})
    if unit.valid_to:
        return " (%s)" % (_("đến %(year)s") % {"year": unit.valid_to})
    return ""


def trend_unit_choices(units) -> SelectOptions:
    """The root, then its provinces marked with a dash and the years they exist."""
    return SelectOptions([_option(u.code, "— " if index else "", u.name, _years_of(u))
                          for index, u in enumerate(units)])


def trend_unit_options(units, chosen: str) -> SafeString:
    """The root, then its provinces marked with a dash and the years they exist."""
    return trend_unit_choices(units).html(chosen)
