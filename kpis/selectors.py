"""Reads for pages, each in a fixed number of queries whatever the data size."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, OuterRef, Subquery

from kpis.models import (
    Aggregate,
    DataValue,
    Indicator,
    Milestone,
    OrgUnit,
    ReportStatus,
    Sector,
    SectorVersion,
    Target,
    YearlyReport,
)
from kpis.periods import YEAR_PART, Frequency, Period, kind_of
from kpis.rules import unit_active_q

# --- The tree of a year ----------------------------------------------------------------------
# Every page, selector and export that lists units asks these (the rule: kpis.rules.unit_active_in),
# so 2024 shows a province's districts and 2025 the communes placed directly under it.


def units_active_in(year: int):
    """The units of the tree of ``year`` (a queryset: callers narrow it further)."""
    return OrgUnit.objects.filter(unit_active_q(year))


def children_in(unit: OrgUnit | int, year: int):
    """The units directly below ``unit`` in the tree of ``year``."""
    return units_active_in(year).filter(parent=unit)


def report_entry_indicators(report: YearlyReport) -> list[Indicator]:
    """The indicators staff enter in this report: the sector's entered
    indicators declared for the report's org-unit level whose frequency is
    the report's period's (a yearly report holds the yearly indicators, a
    quarterly one the quarterly indicators)."""
    level = report.org_unit.level
    frequency = report.reporting_period.frequency
    return [
        indicator
        for indicator in Indicator.objects.filter(sector=report.sector, formula="", frequency=frequency)
        if level in indicator.entry_levels
    ]


@dataclass(frozen=True)
class ValueChange:
    when: datetime
    user: str
    kind: str  # "+" created, "~" changed, "-" deleted (simple-history's history_type)
    old: Decimal | None
    new: Decimal | None
    comment: str


@dataclass
class EntryRow:
    indicator: Indicator
    value: DataValue | None
    last_year: Decimal | None
    changes: list[ValueChange] = field(default_factory=list)


def report_entry_rows(report: YearlyReport) -> list[EntryRow]:
    """What the report page shows per indicator: this period's figure, the same
    period's a year earlier, and the figure's history. Four queries."""
    indicators = report_entry_indicators(report)
    ids = [indicator.pk for indicator in indicators]
    # The report's own period: a quarter's report shows that quarter and the same quarter a year earlier.
    current = {
        value.indicator_id: value
        for value in DataValue.objects.filter(
            indicator_id__in=ids, org_unit=report.org_unit, year=report.year, period=report.period
        )
    }
    last_year = dict(
        DataValue.objects.filter(
            indicator_id__in=ids, org_unit=report.org_unit, year=report.year - 1, period=report.period,
            report__status=ReportStatus.APPROVED,
        ).values_list("indicator_id", "value")
    )
    history = (
        DataValue.history.filter(indicator_id__in=ids, org_unit=report.org_unit, year=report.year,
                                 period=report.period)
        .select_related("history_user")
        .order_by("indicator_id", "history_date", "history_id")
    )
    changes: dict[int, list[ValueChange]] = defaultdict(list)
    previous: dict[int, Decimal | None] = {}
    for record in history:
        new = None if record.history_type == "-" else record.value
        changes[record.indicator_id].append(
            ValueChange(
                when=record.history_date,
                user=record.history_user.get_username() if record.history_user else "",
                kind=record.history_type,
                old=previous.get(record.indicator_id),
                new=new,
                comment=record.comment,
            )
        )
        previous[record.indicator_id] = new
    return [
        EntryRow(
            indicator=indicator,
            value=current.get(indicator.pk),
            last_year=last_year.get(indicator.pk),
            changes=list(reversed(changes.get(indicator.pk, []))),
        )
        for indicator in indicators
    ]


@dataclass(frozen=True)
class WorkflowStep:
    when: datetime
    user: str
    status: str
    status_label: str
    reason: str


def report_timeline(report: YearlyReport) -> list[WorkflowStep]:
    """Each change of status, oldest first, with who, when and why. One query."""
    steps, last_status = [], None
    records = report.history.select_related("history_user").order_by("history_date", "history_id")
    for record in records:
        if record.status == last_status:
            continue
        last_status = record.status
        steps.append(
            WorkflowStep(
                when=record.history_date,
                user=record.history_user.get_username() if record.history_user else "",
                status=record.status,
                status_label=record.get_status_display(),
                reason=record.history_change_reason or "",
            )
        )
    return steps


ALL_PERIODS = "all"


def _period_filter(period: Period | None, frequency: str | None) -> dict:
    """One period; every period of a frequency; every period (``ALL_PERIODS``);
    by default the yearly figures only, what the API gave before periods existed."""
    if period is not None:
        return {"year": period.year, "period": period.part}
    if frequency == ALL_PERIODS:
        return {}
    kind = kind_of(frequency or Frequency.YEAR)
    return {"period": YEAR_PART} if not kind else {"period__gt": kind * 100, "period__lt": (kind + 1) * 100}


def aggregates_for_api(*, indicator=None, org_unit=None, year: int | None = None, sector=None,
                       level: str | None = None, year_from: int | None = None, year_to: int | None = None,
                       period: Period | None = None, frequency: str | None = None):
    """Aggregates with what the API shows of them, in one query per page: an
    entered cell carries the source and comment of its approved value."""
    # One figure per cell at most: without .order_by() the model's default ordering
    # would join four tables into each of the page's 2 × 500 subqueries for nothing.
    entered = DataValue.objects.filter(
        indicator=OuterRef("indicator"), org_unit=OuterRef("org_unit"), year=OuterRef("year"),
        period=OuterRef("period"), report__status=ReportStatus.APPROVED).order_by()
    cells = Aggregate.objects.select_related("indicator", "org_unit", "target").annotate(
        entered_source=Subquery(entered.values("source")[:1]),
        entered_comment=Subquery(entered.values("comment")[:1]),
    )
    exact = {"indicator": indicator, "org_unit": org_unit, "year": year, "indicator__sector": sector,
             "org_unit__level": level, "year__gte": year_from, "year__lte": year_to}
    return (cells.filter(**{name: wanted for name, wanted in exact.items() if wanted is not None})
            .filter(**_period_filter(period, frequency)))


def org_units_for_api(*, level: str | None = None, valid_in: int | None = None, parent=None):
    units = OrgUnit.objects.select_related("parent").prefetch_related("successors")
    if level is not None:
        units = units.filter(level=level)
    if parent is not None:
        units = units.filter(parent=parent)
    if valid_in is not None:
        units = units.filter(unit_active_q(valid_in))
    return units


def indicators_for_api(*, sector=None):
    indicators = Indicator.objects.select_related("sector").prefetch_related("definition_changes")
    return indicators if sector is None else indicators.filter(sector=sector)


def targets_for_api(*, indicator=None, org_unit=None, year: int | None = None):
    targets = Target.objects.select_related("indicator", "org_unit")
    exact = {"indicator": indicator, "org_unit": org_unit, "year": year}
    return targets.filter(**{name: wanted for name, wanted in exact.items() if wanted is not None})


def milestones_for_api(*, sector=None, org_unit=None, status: str | None = None):
    milestones = Milestone.objects.select_related("sector", "org_unit")
    exact = {"sector": sector, "org_unit": org_unit, "status": status}
    return milestones.filter(**{name: wanted for name, wanted in exact.items() if wanted is not None})


def lineage_kind(org_unit: OrgUnit) -> str | None:
    """How a unit came to be, for pages to say whether its past is
    reconstructed: "merger" (every predecessor went wholly into it, so its
    past is theirs combined), "split" (a predecessor was shared with other
    units, so its past is unknown) or None (no predecessors). One query."""
    shares = list(OrgUnit.successors.through.objects.filter(
        from_orgunit__in=OrgUnit.successors.through.objects.filter(to_orgunit=org_unit).values("from_orgunit"),
    ).values("from_orgunit").annotate(successors=Count("to_orgunit")).values_list("successors", flat=True))
    if not shares:
        return None
    return "merger" if max(shares) == 1 else "split"
# --- Sector names by date (issue 12) ------------------------------------------------------------


@dataclass(frozen=True)
class SectorName:
    """What a sector is called, in both languages, and who owns it, on a day."""

    name: str
    name_en: str
    owner_agency: str


def sector_name_day(*, year: int, today: date) -> date:
    """The day whose sector names a page or report of ``year`` shows: the
    year's last day, or today while the year runs (a name from a later date
    would put the Sở KH&CN's name on a 2020 table)."""
    return min(date(year, 12, 31), today)


def sector_names_on(*, on: date) -> dict[int, SectorName]:
    """Per sector id, its latest dated name from ``on`` or before; sectors
    missing here keep their own name (``sector_name_on``). One query."""
    names = {}
    for version in SectorVersion.objects.filter(valid_from__lte=on).order_by("sector_id", "valid_from"):
        names[version.sector_id] = SectorName(version.name, version.name_en, version.owner_agency)
    return names


def sector_name_on(sector: Sector, on: date, *, names: dict[int, SectorName] | None = None) -> SectorName:
    """The sector's name on the day. Pass ``names`` (``sector_names_on``) to
    name many sectors with one query."""
    if names is None:
        names = {version.sector_id: SectorName(version.name, version.name_en, version.owner_agency)
                 for version in SectorVersion.objects.filter(sector=sector, valid_from__lte=on)
                 .order_by("valid_from")}
    return names.get(sector.pk) or SectorName(sector.name, sector.name_en, sector.owner_agency)
