"""Warnings on the figures of reports (issue 14 §2, docs/data-quality.md):
the rules are kpis.quality; this module reads what they need, for one report
or many, in a fixed number of queries (five) whatever the number of reports."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.utils.translation import gettext as _

from kpis import formatting, permissions
from kpis.models import (
    DataValue,
    Indicator,
    ReportStatus,
    ValueType,
    WarningAcknowledgement,
    WarningKind,
    YearlyReport,
)
from kpis.quality import HISTORY_YEARS, change_ratio, flat_check, jump_check
from kpis.services.values import rules_active, rules_check

# Peers' figures of this year count once submitted (drafts may be half typed);
# figures of earlier years only once approved, as on the entry page.
_CURRENT_STATUSES = (ReportStatus.SUBMITTED, ReportStatus.APPROVED)


@dataclass(frozen=True)
class FigureWarning:
    report_id: int
    indicator: Indicator
    kind: str
    value: Decimal
    message: str
    rule_code: str = ""
    acknowledged_by: str = ""
    acknowledged_at: datetime | None = None
    acknowledged_note: str = ""

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None


@dataclass
class FigureQuality:
    """One figure of a report: its change against the same period a year
    earlier and its warnings (acknowledged ones included)."""

    indicator: Indicator
    value: Decimal | None
    previous: Decimal | None
    warnings: list[FigureWarning] = field(default_factory=list)

    @property
    def change(self) -> Decimal | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def change_text(self) -> str:
        """+120 (+12,5 %) in the Vietnamese way; empty without both figures."""
        if self.change is None or self.indicator.value_type == ValueType.YES_NO:
            return ""
        text = formatting.signed(self.change, self.indicator.decimals)
        if self.previous:
            text += f" ({formatting.signed(self.change / self.previous * 100, 1)} %)"
        return text

    @property
    def open_warnings(self) -> list[FigureWarning]:
        return [warning for warning in self.warnings if warning.is_open]


def _indicators_by_report(reports: list[YearlyReport]) -> dict[int, list[Indicator]]:
    """What report_entry_indicators gives each report, in one query for all."""
    candidates = Indicator.objects.filter(sector_id__in={r.sector_id for r in reports}, formula="")
    return {report.pk: [i for i in candidates if i.sector_id == report.sector_id
                        and i.frequency == report.reporting_period.frequency
                        and report.org_unit.level in i.entry_levels]
            for report in reports}


def _ratio_text(ratio: Decimal) -> str:
    """One decimal (10; 1,8; 0,2), two significant digits below a tenth (0,0041):
    a fall to a tiny share never reads "0 times"."""
    decimals = 1 if ratio >= Decimal("0.1") else 1 - ratio.adjusted()
    shown = formatting.rounded(ratio, decimals)
    return formatting.number(shown, formatting.significant_decimals(shown))


def _jump_message(indicator: Indicator, finding, previous: Decimal) -> str:
    ratio = _ratio_text(finding.ratio)
    if finding.score is not None:
        return _("Gấp %(ratio)s lần cùng kỳ năm trước (%(previous)s), khác xa mức thay đổi thường thấy của "
                 "đơn vị và các đơn vị cùng cấp (điểm z hiệu chỉnh %(score)s).") % {
            "ratio": ratio, "previous": formatting.figure(previous, indicator.decimals),
            "score": formatting.figure(Decimal(str(round(finding.score, 1))), 1)}
    return _("Gấp %(ratio)s lần cùng kỳ năm trước (%(previous)s), vượt ngưỡng %(threshold)s lần.") % {
        "ratio": ratio, "previous": formatting.figure(previous, indicator.decimals),
        "threshold": formatting.number(finding.threshold, 2 if finding.threshold % 1 else 0)}


def _own_figures(reports: list[YearlyReport], units: set[int], periods: set[int], years: set[int]):
    """The units' own figures of every sector (rules read across sectors), this
    year and the history: by (unit, indicator, period) → year; by (unit, year,
    period) → code → value; and whose report each code's figure is. One query."""
    own_rows = DataValue.objects.filter(
        org_unit_id__in=units, period__in=periods, year__gte=min(years) - HISTORY_YEARS, year__lte=max(years),
    ).values_list("org_unit_id", "indicator_id", "indicator__code", "year", "period", "value", "report__status",
                  "report_id")
    own: dict[tuple[int, int, int], dict[int, tuple[Decimal, str]]] = defaultdict(dict)
    codes_of: dict[tuple[int, int, int], dict[str, Decimal]] = defaultdict(dict)
    report_of: dict[tuple[int, int, int], dict[str, int]] = defaultdict(dict)
    for unit_id, indicator_id, code, year, period, value, status, report_id in own_rows:
        own[(unit_id, indicator_id, period)][year] = (value, status)
        codes_of[(unit_id, year, period)][code] = value
        report_of[(unit_id, year, period)][code] = report_id
    return own, codes_of, report_of


def _visible_reports(user, reports: list[YearlyReport], report_of) -> set[int] | None:
    if user is None:
        return None
    shown_ids = {report.pk for report in reports}
    others = {report_id for report in reports for report_id in
              report_of.get((report.org_unit_id, report.year, report.period), {}).values()} - shown_ids
    return permissions.report_ids_visible_to(user, others) | shown_ids


def _peer_figures(reports: list[YearlyReport], indicators, years: set[int], periods: set[int]):
    """The figures of the units beside each report's unit (same parent), this
    year and last: (parent, indicator, period) → unit → year. One query."""
    parents = {report.org_unit.parent_id for report in reports if report.org_unit.parent_id}
    peers: dict[tuple[int, int, int], dict[int, dict[int, Decimal]]] = defaultdict(lambda: defaultdict(dict))
    if not parents:
        return peers
    for parent_id, unit_id, indicator_id, year, period, value, status in DataValue.objects.filter(
            org_unit__parent_id__in=parents, year__in=years | {year - 1 for year in years}, period__in=periods,
            indicator_id__in={i.pk for group in indicators.values() for i in group},
            report__status__in=_CURRENT_STATUSES,
    ).values_list("org_unit__parent_id", "org_unit_id", "indicator_id", "year", "period", "value", "report__status"):
        peers[(parent_id, indicator_id, period)][unit_id][year] = (value, status)
    return peers


def _acknowledgements(reports: list[YearlyReport]) -> dict[tuple, list[WarningAcknowledgement]]:
    found: dict[tuple, list[WarningAcknowledgement]] = defaultdict(list)
    for ack in WarningAcknowledgement.objects.filter(report_id__in=[r.pk for r in reports]).select_related("user"):
        found[(ack.report_id, ack.indicator_id, ack.kind, ack.rule_code)].append(ack)
    return found


def _peer_ratios(peers, report: YearlyReport, indicator: Indicator) -> list[Decimal]:
    ratios = []
    year = report.year
    for peer_id, by_year in peers.get((report.org_unit.parent_id, indicator.pk, report.period), {}).items():
        this, last = by_year.get(year), by_year.get(year - 1)
        if peer_id == report.org_unit_id or this is None or last is None or last[1] != ReportStatus.APPROVED:
            continue
        if (ratio := change_ratio(this[0], last[0])) is not None:
            ratios.append(ratio)
    return ratios


def _findings(report, indicator, current, previous, approved, peers, broken) -> list[tuple[str, str, str]]:
    """The figure's warnings as (kind, rule code, message)."""
    found: list[tuple[str, str, str]] = []
    year = report.year
    if indicator.value_type != ValueType.YES_NO:
        own_ratios = [ratio for y in sorted(approved) if y < year - 1
                      and (ratio := change_ratio(approved.get(y + 1), approved[y])) is not None]
        finding = jump_check(ratio=change_ratio(current, previous), own_ratios=own_ratios,
                             peer_ratios=_peer_ratios(peers, report, indicator),
                             max_change_ratio=indicator.max_change_ratio)
        if finding is not None:
            found.append((WarningKind.JUMP, "", _jump_message(indicator, finding, previous)))
    if flat_check(indicator=indicator, current=current, previous=previous):
        found.append((WarningKind.FLAT, "", _("Bằng đúng số liệu cùng kỳ năm trước (%(previous)s) dù là "
                                              "chỉ tiêu cộng dồn theo kỳ: có thể đã chép số cũ.") % {
            "previous": formatting.figure(previous, indicator.decimals)}))
    for violation in broken:
        if indicator.code in violation.codes:
            found.append((WarningKind.RULE, violation.rule.code, violation.message))
    return found


def _warning(report, indicator, current, kind, rule_code, message, acknowledgements) -> FigureWarning:
    ack = next((a for a in acknowledgements.get((report.pk, indicator.pk, kind, rule_code), [])
                if a.value == current), None)
    return FigureWarning(
        report_id=report.pk, indicator=indicator, kind=kind, value=current, message=message, rule_code=rule_code,
        acknowledged_by=(ack.user.get_username() if ack and ack.user else ""),
        acknowledged_at=ack.at if ack else None, acknowledged_note=ack.note if ack else "")


def reports_quality(reports: Iterable[YearlyReport], *, user=None) -> dict[int, list[FigureQuality]]:
    """For each report (id), one FigureQuality per indicator it holds, in the
    page's order. Reports need ``org_unit`` loaded (select_related). Queries:
    indicators, the units' own figures, the peers' figures, the active rules,
    the acknowledgements: five. With ``user``, a rule's message shows another
    report's figure only if the user may see that report (as entry does;
    that check adds the queries of ``report_ids_visible_to``)."""
    reports = list(reports)
    if not reports:
        return {}
    indicators = _indicators_by_report(reports)
    periods, years = {report.period for report in reports}, {report.year for report in reports}
    own, codes_of, report_of = _own_figures(reports, {report.org_unit_id for report in reports}, periods, years)
    visible = _visible_reports(user, reports, report_of)
    peers = _peer_figures(reports, indicators, years, periods)
    rules = rules_active()
    acknowledgements = _acknowledgements(reports)
    result = {}
    for report in reports:
        key = (report.org_unit_id, report.year, report.period)
        hidden = frozenset() if visible is None else frozenset(
            code for code, report_id in report_of.get(key, {}).items() if report_id not in visible)
        broken = rules_check(codes_of.get(key, {}), rules=rules, hidden_codes=hidden)
        rows = []
        for indicator in indicators[report.pk]:
            history = own.get((report.org_unit_id, indicator.pk, report.period), {})
            current = history.get(report.year, (None, None))[0]
            approved = {y: value for y, (value, status) in history.items()
                        if y < report.year and status == ReportStatus.APPROVED}
            previous = approved.get(report.year - 1)
            row = FigureQuality(indicator=indicator, value=current, previous=previous)
            rows.append(row)
            if current is not None:
                row.warnings += [_warning(report, indicator, current, kind, rule_code, message, acknowledgements)
                                 for kind, rule_code, message in
                                 _findings(report, indicator, current, previous, approved, peers, broken)]
        result[report.pk] = rows
    return result


def report_quality(report: YearlyReport, *, user=None) -> list[FigureQuality]:
    """The figures of one report with their changes and warnings (five queries,
    plus the visibility check with ``user``)."""
    return reports_quality([report], user=user)[report.pk]


@dataclass
class UnitWarnings:
    report: YearlyReport
    warnings: list[FigureWarning]


@dataclass
class SectorWarnings:
    sector_name: str
    units: list[UnitWarnings]

    @property
    def count(self) -> int:
        return sum(len(unit.warnings) for unit in self.units)


def open_warnings_by_sector(reports: Iterable[YearlyReport], *, user=None) -> list[SectorWarnings]:
    """The open warnings of the given reports (with sector and org_unit
    loaded), grouped by sector then unit in the reports' order."""
    reports = list(reports)
    quality = reports_quality(reports, user=user)
    groups: dict[int, SectorWarnings] = {}
    for report in reports:
        warnings = [w for row in quality[report.pk] for w in row.open_warnings]
        if not warnings:
            continue
        group = groups.setdefault(report.sector_id, SectorWarnings(report.sector.name, []))
        group.units.append(UnitWarnings(report, warnings))
    return list(groups.values())
