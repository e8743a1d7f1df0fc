"""Every read behind the dashboards, each in a fixed number of queries whatever
the data size: one query per kind of thing (all cards of a unit at once, all
targets at once…), never one per card, row or year.

Figures come only from ``Aggregate`` (approved figures, rolled up and derived by
``kpis.aggregation``); ``DataValue`` is never read here. Milestones and report
statuses are not figures and are read from their own tables.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.utils import timezone

from kpis import milestones as milestone_rules
from kpis.cutoffs import grouped_span
from kpis.dashboards import presentation as p
from kpis.due_dates import DueDates
from kpis.formatting import vietnamese_order
from kpis.models import (
    Aggregate,
    AggregateMethod,
    DefinitionChange,
    Indicator,
    Milestone,
    OrgUnit,
    OrgUnitLevel,
    ReportStatus,
    Sector,
    Target,
    YearlyReport,
)
from kpis.periods import YEAR_PART, Frequency, Period, TimeAggregation, kind_of
from kpis.rules import applicable_target, unit_active_in, unit_active_q
from kpis.rules import higher_is_better as _higher_is_better
from kpis.selectors import SectorName, children_in, sector_name_day, sector_name_on, sector_names_on, units_active_in

# ---------------------------------------------------------------------------
# Plain data the templates and tables read (no lazy relations, no queries).


@dataclass(frozen=True)
class UnitView(p.UnitText, p.UnitPeriodText):
    id: int
    code: str
    name: str
    level: str
    parent_id: int | None
    valid_from: int | None = None
    valid_to: int | None = None

    @classmethod
    def of(cls, unit: OrgUnit) -> UnitView:
        return cls(unit.pk, unit.code, p.localized(unit), unit.level, unit.parent_id, unit.valid_from,
                   unit.valid_to)

    def is_active_in(self, year: int) -> bool:
        return unit_active_in(valid_from=self.valid_from, valid_to=self.valid_to, year=year)

    @property
    def ended(self) -> int | None:
        """The first year the unit is no longer in the tree (its successors' first year)."""
        return self.valid_to + 1 if self.valid_to is not None else None

    def years_of(self, years) -> list[int]:
        """The given years in which the unit exists, latest first (a year selector's choices)."""
        return sorted({y for y in years if self.is_active_in(y)}, reverse=True)


@dataclass(frozen=True)
class SectorView:
    id: int
    code: str
    name: str
    position: int

    @classmethod
    def of(cls, sector: Sector, names: dict[int, SectorName] | None = None) -> SectorView:
        """Named as on the day of ``names`` (kpis.selectors.sector_names_on), else by its own name."""
        return cls(sector.pk, sector.code, p.localized(sector_name_on(sector, timezone.localdate(), names=names or {})),
                   sector.position)


@dataclass(frozen=True)
class IndicatorView(p.IndicatorText):
    id: int
    code: str
    name: str
    sector_id: int
    unit: str
    decimals: int
    value_type: str
    direction: str
    is_key: bool
    position: int
    definition: str
    source: str
    formula: str
    aggregation: str
    entry_levels: tuple[str, ...]
    frequency: str = Frequency.YEAR
    time_aggregation: str = ""

    @classmethod
    def of(cls, indicator: Indicator) -> IndicatorView:
        return cls(
            indicator.pk, indicator.code, p.localized(indicator), indicator.sector_id,
            p.unit_name(indicator), indicator.decimals, indicator.value_type, indicator.direction,
            indicator.is_key, indicator.position, p.localized(indicator, "definition"), indicator.source,
            indicator.formula, indicator.aggregation, tuple(indicator.entry_levels or ()),
            indicator.frequency, indicator.time_aggregation,
        )

    @property
    def higher_is_better(self) -> bool:
        return _higher_is_better(self.direction)



class InTreeOfYear:
    """For a page's data with ``unit`` and ``year``."""

    @property
    def unit_exists(self) -> bool:
        """Whether the unit is in the tree of the year shown (false on an old unit's page for a later year)."""
        return self.unit.is_active_in(self.year)


CELL_FIELDS = ("indicator_id", "org_unit_id", "year", "value", "method", "children_count",
               "expected_children", "is_complete", "previous_value", "change", "change_pct", "target_id",
               "status", "achievement_pct", "reconstructed", "period")


@dataclass(frozen=True)
class Cell:
    """One Aggregate row."""

    indicator_id: int
    org_unit_id: int
    year: int
    value: Decimal
    method: str
    children_count: int
    expected_children: int
    is_complete: bool
    previous_value: Decimal | None
    change: Decimal | None
    change_pct: Decimal | None
    target_id: int | None
    status: str | None
    achievement_pct: Decimal | None
    # Last, with a default: cells cached before the field existed still read as not reconstructed.
    reconstructed: bool = False  # a year before the unit existed, from the units merged into it
    period: int = YEAR_PART  # kpis.periods: 0 the year, else a half-year, quarter or month

    @property
    def partial(self) -> bool:
        """A roll-up that is missing some units below."""
        return self.method == AggregateMethod.ROLLUP and not self.is_complete


def _cells(queryset) -> list[Cell]:
    return [Cell(*row) for row in queryset.values_list(*CELL_FIELDS)]


@dataclass(frozen=True)
class TargetView(p.TargetText):
    id: int
    indicator_id: int
    org_unit_id: int
    year: int
    operator: str
    value: Decimal
    baseline_year: int | None
    source: str


def _targets(queryset) -> dict[int, list[TargetView]]:
    """Targets by indicator, earliest year first."""
    found: dict[int, list[TargetView]] = defaultdict(list)
    for row in queryset.order_by("year").values_list(
            "id", "indicator_id", "org_unit_id", "year", "operator", "value", "baseline_year", "source"):
        found[row[1]].append(TargetView(*row))
    return found


def target_for(targets: list[TargetView], year: int) -> TargetView | None:
    """The target that applies to ``year`` (kpis.rules, the aggregation's rule
    too, so the badge and the target shown always agree)."""
    return applicable_target(targets, year)


@dataclass
class Card(p.CardText):
    """An indicator at one unit in one year, with its trend and target."""

    indicator: IndicatorView
    unit_code: str
    year: int
    cell: Cell | None
    latest: Cell | None  # the most recent earlier figure when ``year`` has none
    series: list[tuple[int, Decimal]]
    target: TargetView | None
    reconstructed_years: frozenset[int] = frozenset()  # of the series: drawn as reconstructed


def _card(indicator: IndicatorView, unit_code: str, year: int, cells: list[Cell],
          targets: list[TargetView]) -> Card:
    """``cells``: this indicator's cells at the unit, any order."""
    by_year = {cell.year: cell for cell in cells}
    earlier = sorted(y for y in by_year if y < year)
    cell = by_year.get(year)
    return Card(
        indicator=indicator, unit_code=unit_code, year=year, cell=cell,
        latest=by_year[earlier[-1]] if cell is None and earlier else None,
        series=[(y, by_year[y].value) for y in sorted(by_year) if y <= year],
        target=target_for(targets, year),
        reconstructed_years=frozenset(y for y, found in by_year.items() if y <= year and found.reconstructed),
    )


# ---------------------------------------------------------------------------
# Org units and years.

_LEVEL_RANK = Case(*[When(level=level, then=Value(rank)) for rank, level in enumerate(OrgUnitLevel.values)],
                   default=Value(len(OrgUnitLevel.values)), output_field=IntegerField())


def unit_by_code(code: str) -> OrgUnit | None:
    """One query; up to three levels of ancestors come with it."""
    return OrgUnit.objects.select_related("parent__parent__parent").filter(code=code).first()


def default_unit(year: int | None = None) -> OrgUnit | None:
    """The home unit (setting PORTAL_HOME_UNIT) when it exists in the tree of
    ``year``, else the top of that tree (a country before a province when
    there are several); without a year, a top unit still in existence before
    an abolished one. One query."""
    home = settings.PORTAL_HOME_UNIT or ""
    units = units_active_in(year) if year is not None else OrgUnit.objects.all()
    return (units.select_related("parent__parent__parent")
            .filter(Q(code=home) | Q(parent__isnull=True) if home else Q(parent__isnull=True))
            .order_by(Case(When(code=home, then=Value(0)), default=Value(1)),
                      F("valid_to").desc(nulls_first=True), _LEVEL_RANK, "code").first())


def ancestors_of(unit: OrgUnit) -> list[UnitView]:
    """Root first, from what ``unit_by_code`` brought along (no query)."""
    chain, current = [], unit
    for _depth in range(3):
        if current.parent_id is None:
            break
        if "parent" not in current._state.fields_cache:  # deeper than what was fetched
            break
        current = current.parent
        chain.append(UnitView.of(current))
    return list(reversed(chain))


@dataclass(frozen=True)
class UnitOption(p.OptionText):
    code: str
    label: str
    depth: int


def unit_options(unit: OrgUnit, year: int) -> list[UnitOption]:
    """The units a selector offers around ``unit`` in the tree of ``year``: the
    top units and the units under them, ``unit``'s ancestors, siblings and
    children, in tree order; ``unit`` itself always, so an old unit's page
    still shows what it is about. One query."""
    ancestor_ids = [a.id for a in ancestors_of(unit)]
    roots = units_active_in(year).filter(parent__isnull=True).values("id")  # a subquery on the parent index
    condition = (Q(parent__isnull=True) | Q(parent_id__in=roots) | Q(parent_id=unit.pk)
                 | Q(pk__in=ancestor_ids))
    if unit.parent_id:
        condition |= Q(parent_id=unit.parent_id)
    units = list((units_active_in(year).filter(condition) | OrgUnit.objects.filter(pk=unit.pk)).order_by("code"))
    children: dict[int | None, list[OrgUnit]] = defaultdict(list)
    ids = {u.pk for u in units}
    for u in units:
        children[u.parent_id if u.parent_id in ids else None].append(u)
    for siblings in children.values():
        siblings.sort(key=lambda u: (OrgUnitLevel.values.index(u.level) if u.level in OrgUnitLevel.values
                                     else 99, u.code))
    options: list[UnitOption] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for u in children.get(parent_id, []):
            options.append(UnitOption(u.code, p.localized(u), depth))
            walk(u.pk, depth + 1)

    walk(None, 0)
    return options


def unit_years(unit: OrgUnit) -> Counter:
    """How many figures ``unit`` has in each year. One query (index on unit, year)."""
    return Counter(dict(Aggregate.objects.filter(org_unit=unit, period=YEAR_PART).order_by().values("year")
                        .annotate(n=Count("id")).values_list("year", "n")))


def site_identity() -> dict:
    """The name the header shows: the home unit's (setting PORTAL_HOME_UNIT)
    when it exists, else the top unit's when this year's tree has one top;
    and whether the menu offers the national view (a country-level unit
    exists). Two queries."""
    home = settings.PORTAL_HOME_UNIT or ""
    tops = Q(parent__isnull=True) & unit_active_q(timezone.localdate().year)
    units = list(OrgUnit.objects.filter(tops | Q(code=home))
                 .order_by(Case(When(code=home, then=Value(0)), default=Value(1)), "code")[:2])
    national = OrgUnit.objects.filter(level=OrgUnitLevel.COUNTRY).exists()
    if units and home and units[0].code == home:
        return {"place": p.localized(units[0]), "national": national}
    return {"place": p.localized(units[0]) if len(units) == 1 else "", "national": national}


def _pick_year(requested: int | None, data_years, fallback=()) -> int:
    """The requested year, else the latest year with at least half as many
    figures as the best-filled year (so a year whose first reports have just
    been approved does not replace a complete one), else the latest year of
    ``fallback``, else last year. ``data_years``: one entry per figure, or a Counter."""
    if requested is not None:
        return requested
    for years in (data_years, fallback):
        counts = years if isinstance(years, Counter) else Counter(years)
        if counts:
            best = max(counts.values())
            return max(year for year, n in counts.items() if n * 2 >= best)
    return timezone.localdate().year - 1


# ---------------------------------------------------------------------------
# Milestones.


@dataclass(frozen=True)
class MilestoneRow(p.MilestoneText):
    code: str
    title: str
    sector: str
    org_unit: str
    due: date
    status: str
    completed_on: date | None
    evidence: str
    source: str
    overdue: bool
    status_as_of: date | None = None
    status_outdated: bool = False  # past due, open, status older than the due date (kpis.milestones)


def milestones_annotated(queryset=None):
    """Milestones with ``overdue`` (open and past due by a current status) and
    ``status_outdated`` (open and past due by a status older than the due date):
    overdue ones first, then those without news, then by due date."""
    today = timezone.localdate()
    queryset = queryset if queryset is not None else Milestone.objects.all()
    return (queryset.select_related("sector", "org_unit")
            .annotate(overdue=Case(When(milestone_rules.overdue(today), then=Value(1)),
                                   default=Value(0), output_field=IntegerField()),
                      status_outdated=Case(When(milestone_rules.status_outdated(today), then=Value(1)),
                                           default=Value(0), output_field=IntegerField()))
            .order_by("-overdue", "-status_outdated", "due", "code"))


def milestone_rows(queryset) -> list[MilestoneRow]:
    return [
        MilestoneRow(
            code=m.code, title=p.localized(m, "title"), sector=p.localized(m.sector),
            org_unit=p.localized(m.org_unit) if m.org_unit else "", due=m.due, status=m.status,
            completed_on=m.completed_on, evidence=m.evidence, source=m.source, overdue=bool(m.overdue),
            status_as_of=m.status_as_of, status_outdated=bool(m.status_outdated),
        )
        for m in queryset
    ]


# ---------------------------------------------------------------------------
# Overview and sector pages.


@dataclass
class SectorBlock:
    sector: SectorView
    cards: list[Card]
    indicator_count: int


@dataclass
class Overview(InTreeOfYear):
    unit: UnitView
    year: int
    blocks: list[SectorBlock]
    other_sectors: list[SectorBlock]
    milestones: list[MilestoneRow]


def overview(unit: OrgUnit, year: int | None, years: Counter) -> Overview:
    """Key indicators of every sector at ``unit`` (those with a figure or a
    target there): five queries (sectors, indicators, the unit's figures of
    the key indicators over all years, their targets, the year's milestones)."""
    sectors = list(Sector.objects.all())
    indicators = [IndicatorView.of(i) for i in Indicator.objects.all()]
    keys = [i for i in indicators if i.is_key]
    cells: dict[int, list[Cell]] = defaultdict(list)
    for cell in _cells(Aggregate.objects.filter(org_unit=unit, period=YEAR_PART,
                                                   indicator_id__in=[i.id for i in keys])):
        cells[cell.indicator_id].append(cell)
    year = _pick_year(year, [c.year for found in cells.values() for c in found], years)
    names = sector_names_on(on=sector_name_day(year=year, today=timezone.localdate()))
    sectors = [SectorView.of(s, names) for s in sectors]
    targets = _targets(Target.objects.filter(org_unit=unit, indicator_id__in=[i.id for i in keys]))
    milestone_units = [a.id for a in ancestors_of(unit)] + [unit.pk]
    milestones = milestone_rows(milestones_annotated(
        Milestone.objects.filter(due__year=year).filter(Q(org_unit__isnull=True)
                                                        | Q(org_unit_id__in=milestone_units))))
    blocks = _sector_blocks(sectors, indicators, [
        # A key indicator that has neither a figure nor a target at this unit does not apply to it
        # (a province-only ratio on a district's overview): no empty card for it.
        _card(i, unit.code, year, cells.get(i.id, []), targets.get(i.id, []))
        for i in keys if i.id in cells or i.id in targets])
    return Overview(UnitView.of(unit), year, [b for b in blocks if b.cards],
                    [b for b in blocks if not b.cards and b.indicator_count], milestones)


def _sector_blocks(sectors: list[SectorView], indicators: list[IndicatorView], cards: list[Card]) -> list[SectorBlock]:
    """Every sector with its cards and its number of indicators."""
    counts = Counter(indicator.sector_id for indicator in indicators)
    return [SectorBlock(sector, [card for card in cards if card.indicator.sector_id == sector.id], counts[sector.id])
            for sector in sectors]


@dataclass
class SectorPage(InTreeOfYear):
    sector: SectorView
    unit: UnitView
    year: int
    cards: list[Card]


def sector_by_code(code: str) -> Sector | None:
    return Sector.objects.filter(code=code).first()


def sector_page(sector: Sector, unit: OrgUnit, year: int | None, years: Counter) -> SectorPage:
    """Every indicator of a sector at ``unit``: three queries (indicators, figures, targets)."""
    indicators = [IndicatorView.of(i) for i in Indicator.objects.filter(sector=sector)]
    ids = [i.id for i in indicators]
    cells: dict[int, list[Cell]] = defaultdict(list)
    for cell in _cells(Aggregate.objects.filter(org_unit=unit, period=YEAR_PART, indicator_id__in=ids)):
        cells[cell.indicator_id].append(cell)
    year = _pick_year(year, [c.year for found in cells.values() for c in found], years)
    targets = _targets(Target.objects.filter(org_unit=unit, indicator_id__in=ids))
    cards = [_card(i, unit.code, year, cells.get(i.id, []), targets.get(i.id, [])) for i in indicators]
    names = sector_names_on(on=sector_name_day(year=year, today=timezone.localdate()))
    return SectorPage(SectorView.of(sector, names), UnitView.of(unit), year, cards)


@dataclass
class SectorSummary:
    sector: SectorView
    indicators: int
    key: int


def sector_index() -> list[SectorSummary]:
    """Sectors with their number of indicators. Two queries."""
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for sector_id, is_key in Indicator.objects.values_list("sector_id", "is_key"):
        counts[sector_id][0] += 1
        counts[sector_id][1] += int(is_key)
    names = sector_names_on(on=timezone.localdate())
    return [SectorSummary(SectorView.of(s, names), *counts[s.pk]) for s in Sector.objects.all()]


# ---------------------------------------------------------------------------
# Indicator page.


@dataclass(frozen=True)
class DefinitionChangeView:
    year: int
    description: str
    source: str


@dataclass
class MatrixRow:
    unit: UnitView
    is_self: bool
    cells: dict[int, Cell]


@dataclass
class Bar:
    unit: UnitView
    value: Decimal
    partial: bool


@dataclass
class IndicatorPage(p.IndicatorPageText, InTreeOfYear):
    indicator: IndicatorView
    sector: SectorView
    unit: UnitView
    year: int
    headline: Card
    years: list[int]  # years with a figure at the unit or a unit below, oldest first
    matrix: list[MatrixRow]
    bars: list[Bar]  # units below in ``year``, best first
    children_count: int
    targets: list[TargetView]
    definition_changes: list[DefinitionChangeView]
    components: list[tuple[str, str]] = field(default_factory=list)  # (code, name) of a formula's indicators
    periods: PeriodPanel | None = None  # the unit's figures by quarter or month, when it has any

    @property
    def has_partial(self) -> bool:
        return any(cell.partial for row in self.matrix for cell in row.cells.values())

    @property
    def chart_years(self) -> list[int]:
        """The trend chart's x axis: every year from the first figure to the last target."""
        years = [y for y in self.years if y in self.matrix[0].cells] or [self.year]
        last = max([*years, *(t.year for t in self.targets)])
        return list(range(min(years), last + 1))

    @property
    def target_line(self) -> list[Decimal | None]:
        """The target that applies to each year of the chart (a step line)."""
        line = []
        for year in self.chart_years:
            target = target_for(self.targets, year)
            line.append(target.value if target else None)
        return line


def indicator_by_code(code: str) -> Indicator | None:
    return Indicator.objects.select_related("sector").filter(code=code).first()


def _matrix_rows(indicator: Indicator, unit: OrgUnit, unit_view: UnitView
                 ) -> tuple[list[MatrixRow], dict[Period, Cell]]:
    """The unit and every unit ever below it (the year is picked from their
    figures, then the tree of that year kept) with their yearly figures, and
    the unit's own figures of periods shorter than a year. One query for the
    units, one for the figures."""
    below = [UnitView.of(u) for u in OrgUnit.objects.filter(parent=unit).order_by("code")]
    rows = [MatrixRow(unit_view, True, {})] + [MatrixRow(child, False, {}) for child in below]
    by_unit = {row.unit.id: row for row in rows}
    shorter: dict[Period, Cell] = {}
    for cell in _cells(Aggregate.objects.filter(indicator=indicator, org_unit_id__in=list(by_unit))
                       .filter(Q(period=YEAR_PART) | Q(org_unit=unit))):
        if cell.period == YEAR_PART:
            by_unit[cell.org_unit_id].cells[cell.year] = cell
        else:
            shorter[Period(cell.year, cell.period)] = cell
    return rows, shorter


def _formula_components(indicator: Indicator) -> list[tuple[str, str]]:
    """A derived indicator's components as (code, name); one query."""
    if not indicator.formula:
        return []
    from kpis.formulas import parse_formula, referenced_codes

    try:
        codes = referenced_codes(parse_formula(indicator.formula))
    except ValueError:
        codes = frozenset()
    return sorted({i.code: p.localized(i) for i in Indicator.objects.filter(code__in=codes)}.items())


def indicator_page(indicator: Indicator, unit: OrgUnit, year: int | None,
                   period: Period | None = None) -> IndicatorPage:
    """An indicator at a unit and the units directly below it in the tree of
    the year shown (2024: the districts; 2025: the communes placed under the
    province), over every year; with the unit's own figures by half-year,
    quarter or month when it has any (``period``: the one asked for, which
    also sets the year). Six queries (units below, figures, targets,
    definition changes, the components' names for a formula, the sector's
    name of the year)."""
    view = IndicatorView.of(indicator)
    unit_view = UnitView.of(unit)
    rows, shorter = _matrix_rows(indicator, unit, unit_view)
    own = rows[0].cells
    # A year under way counts by its quarters or months, so the page opens on it.
    year = _pick_year(period.year if period else year, [*own, *{found.year for found in shorter} - set(own)],
                      [y for row in rows for y in row.cells])
    rows = [row for row in rows if row.is_self or row.unit.is_active_in(year)]
    children = [row.unit for row in rows[1:]]
    years = sorted({y for row in rows for y in row.cells})
    targets = _targets(Target.objects.filter(indicator=indicator, org_unit=unit)).get(indicator.pk, [])
    changes = [DefinitionChangeView(c.year, p.localized(c, "description"), c.source)
               for c in DefinitionChange.objects.filter(indicator=indicator).order_by("year")]
    components = _formula_components(indicator)
    bars = sorted(
        (Bar(row.unit, row.cells[year].value, row.cells[year].partial) for row in rows[1:] if year in row.cells),
        key=lambda bar: (-bar.value if view.higher_is_better else bar.value, bar.unit.name),
    )
    headline = _card(view, unit.code, year, list(own.values()), targets)
    panel = (period_panel(view, unit.code, year, period if period and not period.is_year else None, shorter,
                          own.get(year), target_for(targets, year)) if shorter else None)
    return IndicatorPage(
        indicator=view, sector=SectorView.of(indicator.sector, sector_names_on(
            on=sector_name_day(year=year, today=timezone.localdate()))), unit=unit_view, year=year, headline=headline,
        years=years, matrix=rows, bars=bars, children_count=len(children), targets=targets,
        definition_changes=changes, components=components, periods=panel,
    )


# ---------------------------------------------------------------------------
# An indicator's figures by half-year, quarter or month (docs/periods.md): built
# from the unit's cells the indicator page already read, no query of its own.

PERIOD_TREND_YEARS = 3  # the chart by quarter or month shows the year shown and the two before


@dataclass(frozen=True)
class PeriodChange(p.PeriodChangeText):
    """The figure of ``period`` against the figure of ``against``."""

    indicator: IndicatorView
    against: Period
    value: Decimal | None  # the figure compared with (None: none)
    change: Decimal | None
    change_pct: Decimal | None


def _period_change(indicator: IndicatorView, cell: Cell | None, against: Period,
                   shorter: dict[Period, Cell]) -> PeriodChange:
    other = shorter.get(against)
    if cell is None or other is None:
        return PeriodChange(indicator, against, other.value if other else None, None, None)
    change = cell.value - other.value
    return PeriodChange(indicator, against, other.value, change,
                        change * 100 / abs(other.value) if other.value else None)


@dataclass(frozen=True)
class PeriodPoint:
    period: Period
    value: Decimal | None


@dataclass
class PeriodPanel(p.PeriodPanelText):
    """The unit's figures by period in ``year``: the chosen period, its changes,
    the year to date, what the year still lacks, and the trend by period."""

    indicator: IndicatorView
    unit_code: str
    year: int
    frequency: str  # of the parts the figures are entered for (quarter, month, half-year)
    choices: list[Period]  # the periods of the year with a figure, in the order of their end
    selected: Period | None
    cell: Cell | None
    previous: PeriodChange | None  # against the period of the same length just before
    year_earlier: PeriodChange | None  # against the same period a year earlier
    to_date_parts: list[Period]  # the parts from the year's start to the selected period's end
    to_date: Decimal | None  # their sum, last or mean by the indicator's time aggregation; None if one lacks
    to_date_missing: list[Period]  # the parts of the year to date without a figure
    year_figure: bool  # the year has its own figure (all its parts are there, or it was entered)
    missing: list[Period]  # the parts of the year without a figure, when the year has none
    target: TargetView | None  # the year's target, compared with ``to_date`` while the year has no figure
    trend: list[PeriodPoint]
    years: list[int] = field(default_factory=list)  # every year with a figure for a shorter period


def _parts_frequency(indicator: IndicatorView, shorter: dict[Period, Cell]) -> str:
    """The indicator's frequency; for one now yearly, the shortest period it has figures for."""
    if indicator.frequency != Frequency.YEAR:
        return indicator.frequency
    return max(shorter, key=lambda found: found.kind).frequency


def _to_date(indicator: IndicatorView, parts: list[Period], shorter: dict[Period, Cell]) -> Decimal | None:
    if not parts or any(part not in shorter for part in parts):
        return None
    values = [shorter[part].value for part in parts]
    if indicator.time_aggregation == TimeAggregation.SUM:
        return sum(values, Decimal(0))
    if indicator.time_aggregation == TimeAggregation.AVERAGE:
        return sum(values, Decimal(0)) / len(values)
    if indicator.time_aggregation == TimeAggregation.LAST:
        return values[-1]
    return None


def _period_trend(frequency: str, year: int, shorter: dict[Period, Cell]) -> list[PeriodPoint]:
    """Every part from the first one with a figure (at most PERIOD_TREND_YEARS back) to the last one with a
    figure up to ``year``'s end; a part without one is a gap."""
    kind = kind_of(frequency)
    measured = sorted(found for found in shorter if found.kind == kind and year - PERIOD_TREND_YEARS < found.year
                      <= year)
    if not measured:
        return []
    parts = [part for y in range(measured[0].year, year + 1) for part in Period.all_of(frequency, y)]
    parts = [part for part in parts if measured[0] <= part <= measured[-1]]
    return [PeriodPoint(part, shorter[part].value if part in shorter else None) for part in parts]


def period_panel(indicator: IndicatorView, unit_code: str, year: int, requested: Period | None,
                 shorter: dict[Period, Cell], year_cell: Cell | None, target: TargetView | None) -> PeriodPanel:
    """``shorter``: the unit's figures of periods shorter than a year, any year.
    ``requested``: a period of ``year`` asked for (None: the latest part with a figure)."""
    frequency = _parts_frequency(indicator, shorter)
    kind = kind_of(frequency)
    choices = sorted((found for found in shorter if found.year == year),
                     key=lambda found: (found.last_day, -found.kind))
    latest = [found for found in choices if found.kind == kind]
    selected = requested or (latest[-1] if latest else (choices[-1] if choices else None))
    cell = shorter.get(selected) if selected else None
    parts = [part for part in Period.all_of(frequency, year) if selected and part.last_day <= selected.last_day]
    missing = [] if year_cell else [part for part in Period.all_of(frequency, year) if part not in shorter]
    return PeriodPanel(
        indicator=indicator, unit_code=unit_code, year=year, frequency=frequency, choices=choices,
        selected=selected, cell=cell,
        previous=_period_change(indicator, cell, selected.previous(), shorter) if selected else None,
        year_earlier=_period_change(indicator, cell, selected.a_year_earlier(), shorter) if selected else None,
        to_date_parts=parts, to_date=_to_date(indicator, parts, shorter),
        to_date_missing=[part for part in parts if part not in shorter], year_figure=year_cell is not None,
        missing=missing, target=target, trend=_period_trend(frequency, year, shorter),
        years=sorted({found.year for found in shorter}),
    )


# ---------------------------------------------------------------------------
# Org-unit profile.


@dataclass
class ProfileRow(p.ProgressText):
    indicator: IndicatorView
    sector: SectorView
    cell: Cell | None
    parent_cell: Cell | None
    rank: int | None
    ranked: int  # units at this level with a figure


@dataclass(frozen=True)
class ReportLine(p.ReportText):
    sector: SectorView
    status: str
    report_id: int | None
    when: datetime | None


@dataclass(frozen=True)
class Lineage(p.LineageText):
    """Where a unit came from and what replaced it (``OrgUnit.successors``)."""

    unit: UnitView
    predecessors: list[UnitView]
    successors: list[UnitView]
    split_from: list[UnitView]  # predecessors divided among several units: their shares are unknown
    named_on: date  # the day whose names the lists show: today (an abolished unit reads "(cũ)")

    @property
    def merged(self) -> bool:
        """Replaced by one unit (with or without others); several successors: split."""
        return len(self.successors) == 1


def lineage(unit: OrgUnit) -> Lineage:
    """One query, on the table of links between units."""
    link = OrgUnit.successors.through
    shares = (link.objects.filter(from_orgunit=OuterRef("from_orgunit")).order_by()
              .values("from_orgunit").annotate(n=Count("pk")).values("n"))
    links = (link.objects.filter(Q(from_orgunit=unit) | Q(to_orgunit=unit))
             .select_related("from_orgunit", "to_orgunit").annotate(shares=Subquery(shares))
             .order_by("from_orgunit__code", "to_orgunit__code"))
    predecessors, successors, split_from = [], [], []
    for found in links:
        if found.to_orgunit_id == unit.pk:
            predecessors.append(UnitView.of(found.from_orgunit))
            if found.shares > 1:
                split_from.append(UnitView.of(found.from_orgunit))
        else:
            successors.append(UnitView.of(found.to_orgunit))
    return Lineage(UnitView.of(unit), predecessors, successors, split_from, timezone.localdate())


@dataclass
class UnitProfile(InTreeOfYear):
    unit: UnitView
    parent: UnitView | None
    ancestors: list[UnitView]
    peers: list[UnitView]  # the unit and its siblings
    children: list[UnitView]
    year: int
    rows: list[ProfileRow]
    reports: list[ReportLine]
    lineage: Lineage


def _competition_rank(values: list[tuple[int, Decimal]], higher_is_better: bool) -> dict[int, int]:
    """1, 2, 2, 4: ties share a rank."""
    ordered = sorted(values, key=lambda item: -item[1] if higher_is_better else item[1])
    ranks: dict[int, int] = {}
    previous, rank = None, 0
    for position, (unit_id, value) in enumerate(ordered, start=1):
        if value != previous:
            rank, previous = position, value
        ranks[unit_id] = rank
    return ranks


def _expected_sectors(indicators: list[IndicatorView], level: str) -> set[int]:
    return {i.sector_id for i in indicators if not i.formula and level in i.entry_levels}


def _profile_rows(unit: OrgUnit, peers: list[UnitView], indicators: list[IndicatorView],
                  sectors: dict[int, SectorView], by_key: dict[tuple[int, int], Cell]) -> list[ProfileRow]:
    """Indicators with a figure at the unit or its parent; ``by_key``: cells by (indicator, unit)."""
    rows = []
    for indicator in indicators:
        own = by_key.get((indicator.id, unit.pk))
        parent_cell = by_key.get((indicator.id, unit.parent_id)) if unit.parent_id else None
        if own is None and parent_cell is None:
            continue
        peer_values = [(u.id, by_key[(indicator.id, u.id)].value) for u in peers if (indicator.id, u.id) in by_key]
        ranks = _competition_rank(peer_values, indicator.higher_is_better) if len(peer_values) > 1 else {}
        rows.append(ProfileRow(indicator, sectors[indicator.sector_id], own, parent_cell,
                               ranks.get(unit.pk), len(peer_values)))
    return rows


def _report_lines(unit: OrgUnit, year: int, sectors: dict[int, SectorView],
                  indicators: list[IndicatorView]) -> list[ReportLine]:
    """Each sector's report at the unit, and the ones it should have sent but has not. One query."""
    reports = {r.sector_id: r for r in YearlyReport.objects.filter(org_unit=unit, year=year, period=YEAR_PART)}
    expected = _expected_sectors(indicators, unit.level) if UnitView.of(unit).is_active_in(year) else set()
    lines = []
    for sector in sectors.values():
        report = reports.get(sector.id)
        if report is not None:
            lines.append(ReportLine(sector, report.status, report.pk,
                                    report.approved_at or report.submitted_at or report.created_at))
        elif sector.id in expected:
            lines.append(ReportLine(sector, p.MISSING, None, None))
    return lines


def unit_profile(unit: OrgUnit, year: int | None, years: Counter) -> UnitProfile:
    """A unit's figures for a year beside its parent's and its siblings' (rank)
    in the tree of that year, its reports' status and its lineage. Eight
    queries (units around it, sector names, sectors, indicators, figures,
    reports, lineage)."""
    year = _pick_year(year, years, [])
    same_level = Q(parent_id=unit.parent_id) if unit.parent_id else Q(pk=unit.pk)
    around = list((units_active_in(year).filter(same_level | Q(parent_id=unit.pk))
                   | OrgUnit.objects.filter(pk=unit.pk)).order_by("code"))
    peers = [UnitView.of(u) for u in around if u.parent_id == unit.parent_id]
    children = [UnitView.of(u) for u in around if u.parent_id == unit.pk]
    names = sector_names_on(on=sector_name_day(year=year, today=timezone.localdate()))
    sectors = {s.pk: SectorView.of(s, names) for s in Sector.objects.all()}
    indicators = [IndicatorView.of(i) for i in Indicator.objects.all()]
    unit_ids = [u.id for u in peers] + ([unit.parent_id] if unit.parent_id else [])
    by_key = {(cell.indicator_id, cell.org_unit_id): cell
              for cell in _cells(Aggregate.objects.filter(year=year, period=YEAR_PART, org_unit_id__in=unit_ids))}
    ancestors = ancestors_of(unit)
    return UnitProfile(
        unit=UnitView.of(unit), parent=ancestors[-1] if ancestors else None, ancestors=ancestors,
        peers=peers, children=children, year=year, rows=_profile_rows(unit, peers, indicators, sectors, by_key),
        reports=_report_lines(unit, year, sectors, indicators), lineage=lineage(unit),
    )


# ---------------------------------------------------------------------------
# Completeness of reporting (DHIS2's reporting rates).


@dataclass
class CompletenessCell(p.ReportText):
    sector: SectorView
    status: str  # a ReportStatus, MISSING or NOT_EXPECTED
    report_id: int | None

    @property
    def expected(self) -> bool:
        return self.status != p.NOT_EXPECTED


@dataclass
class Rate:
    expected: int = 0
    submitted: int = 0  # submitted or approved
    approved: int = 0

    def add(self, status: str) -> None:
        if status == p.NOT_EXPECTED:
            return
        self.expected += 1
        if status in (ReportStatus.SUBMITTED, ReportStatus.APPROVED):
            self.submitted += 1
        if status == ReportStatus.APPROVED:
            self.approved += 1

    @property
    def submitted_pct(self) -> Decimal | None:
        return Decimal(self.submitted * 100) / self.expected if self.expected else None

    @property
    def approved_pct(self) -> Decimal | None:
        return Decimal(self.approved * 100) / self.expected if self.expected else None


@dataclass
class CompletenessRow:
    unit: UnitView
    is_self: bool
    has_children: bool
    cells: list[CompletenessCell]
    rate: Rate


@dataclass
class Chase(p.ReportText):
    unit: UnitView
    sector: SectorView
    status: str
    report_id: int | None


@dataclass
class Late(p.ReportText):
    """A report expected for the period, not approved, past its due date (kpis.due_dates)."""

    unit: UnitView
    sector: SectorView
    status: str
    report_id: int | None
    due_on: date
    days_late: int


@dataclass(frozen=True)
class PeriodChoice:
    value: str  # "" for the year, else the part in the year: "H1", "Q3", "07"
    label: str


@dataclass
class Completeness(InTreeOfYear):
    unit: UnitView
    year: int
    years: list[int]
    sectors: list[SectorView]
    rows: list[CompletenessRow]
    by_sector: list[tuple[SectorView, Rate]]
    total: Rate
    to_submit: list[Chase]  # no report, draft or returned: the staff to chase
    to_approve: list[Chase]  # submitted, waiting for an approver
    period: Period | None = None  # the year itself, or a half-year, quarter or month of it
    period_choices: list[PeriodChoice] = field(default_factory=list)  # the year and the parts some sector reports
    late: list[Late] = field(default_factory=list)  # past the due date and not approved, longest late first
    # The days the period's figures cover, when a data cut-off moves them (kpis.cutoffs): "từ ngày
    # 15/06/2025 đến ngày 14/09/2025", sectors with other days named after; "" for calendar periods.
    data_span: str = ""

    @property
    def period_code(self) -> str:
        """For links and the selector: "" for the year (its URLs stay as they were)."""
        return "" if self.period is None or self.period.is_year else self.period.code

    @property
    def period_part_code(self) -> str:
        return part_code(self.period) if self.period is not None else ""

    @property
    def period_label(self) -> str:
        return self.period.label if self.period is not None else str(self.year)


def part_code(period: Period) -> str:
    """The period within its year, as the selector sends it: "" for the year, "H1", "Q3", "07"."""
    return "" if period.is_year else period.code.split("-", 1)[1]


def _entry_sectors() -> dict[tuple[str, str], set[int]]:
    """(frequency, level) → the sectors that enter figures of that frequency at that level. One query."""
    found: dict[tuple[str, str], set[int]] = defaultdict(set)
    for sector_id, levels, frequency in Indicator.objects.filter(formula="").values_list(
            "sector_id", "entry_levels", "frequency"):
        for level in levels or ():
            found[(frequency, level)].add(sector_id)
    return found


def _completeness_cells(unit: UnitView, sectors: list[SectorView], entry: dict[tuple[str, str], set[int]],
                        reports: dict[tuple[int, int], tuple[str, int]], period: Period) -> list[CompletenessCell]:
    """Each sector's report at the unit; a sector without one is missing if the
    unit enters figures of the period's frequency for it that year, else not expected."""
    expected = entry.get((period.frequency, unit.level), set()) if unit.is_active_in(period.year) else set()
    cells = []
    for sector in sectors:
        status, report_id = reports.get((unit.id, sector.id), (None, None))
        if status is None:
            status = p.MISSING if sector.id in expected else p.NOT_EXPECTED
        cells.append(CompletenessCell(sector, status, report_id))
    return cells


def _chases(unit: UnitView, cells: list[CompletenessCell]) -> tuple[list[Chase], list[Chase]]:
    """The unit's reports to submit (none, a draft or returned) and to approve (submitted)."""
    to_submit = [Chase(unit, c.sector, c.status, c.report_id) for c in cells
                 if c.status in (p.MISSING, ReportStatus.DRAFT, ReportStatus.RETURNED)]
    to_approve = [Chase(unit, c.sector, c.status, c.report_id) for c in cells if c.status == ReportStatus.SUBMITTED]
    return to_submit, to_approve


def _late(unit: UnitView, cells: list[CompletenessCell], period: Period, due_dates: DueDates,
          today: date) -> list[Late]:
    late = []
    for cell in cells:
        if cell.status in (p.NOT_EXPECTED, ReportStatus.APPROVED):
            continue
        due_on = due_dates.due_on(cell.sector.id, period)
        if due_on is not None and due_on < today:
            late.append(Late(unit, cell.sector, cell.status, cell.report_id, due_on, (today - due_on).days))
    return late


def _period_choices(entry: dict[tuple[str, str], set[int]], year: int) -> list[PeriodChoice]:
    """The year, then every half-year, quarter and month of it that some sector reports."""
    frequencies = {frequency for frequency, _level in entry}
    choices = [PeriodChoice("", str(Period(year).label))]
    for frequency in (Frequency.HALF_YEAR, Frequency.QUARTER, Frequency.MONTH):
        if frequency in frequencies:
            choices += [PeriodChoice(part_code(period), period.label) for period in Period.all_of(frequency, year)]
    return choices


def _completeness_sectors(period: Period, entry: dict[tuple[str, str], set[int]], today: date) -> list[SectorView]:
    """The sectors named as in the period's year; for a period shorter than a
    year, only those that report that often (two queries)."""
    names = sector_names_on(on=sector_name_day(year=period.year, today=today))
    sectors = [SectorView.of(s, names) for s in Sector.objects.all()]
    if period.is_year:
        return sectors
    reporting = {sector for (frequency, _level), found in entry.items() if frequency == period.frequency
                 for sector in found}
    return [sector for sector in sectors if sector.id in reporting]


def completeness(unit: OrgUnit, year: int | None, part: int = YEAR_PART, *,
                 today: date | None = None) -> Completeness:
    """For a period (the year by default, or a half-year, quarter or month of
    it), each sector's report at ``unit`` and at each unit directly below it in
    the tree of the period's year, the reports past their due date and the
    days the period covers. Nine queries (years, sectors, their names as in that
    year, indicators, units below, reports, due dates, rules and cut-offs)."""
    today = today or timezone.localdate()
    years = sorted(set(YearlyReport.objects.filter(Q(org_unit=unit) | Q(org_unit__parent=unit))
                       .filter(period=YEAR_PART).values_list("year", flat=True).distinct()), reverse=True)
    year = _pick_year(year, years)
    entry = _entry_sectors()
    unit_view = UnitView.of(unit)
    period = Period(year, part)
    sectors = _completeness_sectors(period, entry, today)
    below = list(children_in(unit, year).annotate(has_children=Exists(children_in(OuterRef("pk"), year)))
                 .order_by("code"))
    children = [UnitView.of(u) for u in below]
    grandchildren_parents = {u.pk for u in below if u.has_children}
    row_units = [unit_view, *children]
    ids = [u.id for u in row_units]
    reports = {(r[0], r[1]): (r[2], r[3]) for r in YearlyReport.objects.filter(
        org_unit_id__in=ids, year=year, period=period.part).values_list("org_unit_id", "sector_id", "status", "id")}
    due_dates = DueDates.load()
    rows, total = [], Rate()
    per_sector = {s.id: Rate() for s in sectors}
    to_submit, to_approve, late = [], [], []
    for u in row_units:
        cells, rate = _completeness_cells(u, sectors, entry, reports, period), Rate()
        for cell in cells:
            for counter in (rate, per_sector[cell.sector.id], total):
                counter.add(cell.status)
        submit, approve = _chases(u, cells)
        to_submit += submit
        to_approve += approve
        late += _late(u, cells, period, due_dates, today)
        rows.append(CompletenessRow(u, u.id == unit.pk, u.id in grandchildren_parents, cells, rate))
    if year not in years:
        years = sorted({*years, year}, reverse=True)
    data_span = grouped_span(due_dates.cutoffs.grouped(period, sectors, lambda sector: sector.id),
                             lambda sector: sector.name)
    return Completeness(
        unit=unit_view, year=year, years=years, sectors=sectors, rows=rows, data_span=data_span,
        by_sector=[(s, per_sector[s.id]) for s in sectors if per_sector[s.id].expected], total=total,
        to_submit=to_submit, to_approve=to_approve, period=period, period_choices=_period_choices(entry, year),
        late=sorted(late, key=lambda item: (-item.days_late, item.unit.code, item.sector.position)),
    )


# ---------------------------------------------------------------------------
# National view: every province of the country for an indicator and a year.

NATIONAL_FIELDS = ("org_unit_id", "year", "value", "status", "children_count", "expected_children", "is_complete",
                   "reconstructed")


@dataclass(frozen=True)
class NationalFigure:
    """What the national view shows of one Aggregate row: fewer columns than a
    ``Cell``, since the page reads the root and every province over every year
    (about a thousand rows) and shows a few dozen of them."""

    org_unit_id: int
    year: int
    value: Decimal
    status: str | None
    children_count: int
    expected_children: int
    is_complete: bool
    reconstructed: bool


@dataclass(frozen=True)
class NationalCell:
    cell: NationalFigure
    reconstructed: bool


@dataclass
class ProvinceRow(p.ProgressText):
    unit: UnitView
    cell: NationalFigure | None
    reconstructed: bool
    rank: int | None  # 1 = best by the indicator's direction; ties share a rank
    target: TargetView | None


@dataclass(frozen=True)
class TrendPoint:
    year: int
    value: Decimal | None
    reconstructed: bool
    complete: bool


@dataclass
class NationalView:
    root: UnitView
    indicator: IndicatorView
    sector: SectorView
    year: int
    years: list[int]  # years with a figure at the root or a province, latest first
    root_cell: NationalCell | None
    rows: list[ProvinceRow]  # provinces valid in ``year``: ranked best first, then those without a figure
    trend_unit: UnitView
    trend: list[TrendPoint]  # oldest first, every year of ``years``
    trend_units: list[UnitView]  # the root, then every province that ever existed
    indicator_groups: list[tuple[SectorView, list[IndicatorView]]]

    @property
    def ranked(self) -> int:
        return sum(1 for row in self.rows if row.rank is not None)

    @property
    def has_reconstructed(self) -> bool:
        return any(row.reconstructed for row in self.rows) or any(point.reconstructed for point in self.trend)

    @property
    def root_value_text(self) -> str:
        return self.indicator.shown_with_unit(self.root_cell.cell.value) if self.root_cell else ""


def country_root() -> OrgUnit | None:
    """The national view's unit: a top unit of level country, else the unit
    above the provinces (data decides, never a code). One query."""
    # A union rather than an OR: each part reads an index, where an OR scans every unit.
    provinces_parents = OrgUnit.objects.filter(level=OrgUnitLevel.PROVINCE).values("parent_id")
    # The parts unordered (OrgUnit's default ordering): SQLite refuses an ORDER BY inside a UNION.
    countries = (OrgUnit.objects.filter(level=OrgUnitLevel.COUNTRY, parent__isnull=True)
                 .annotate(rank=_LEVEL_RANK).order_by())
    parents = OrgUnit.objects.filter(pk__in=provinces_parents).annotate(rank=_LEVEL_RANK).order_by()
    return countries.union(parents).order_by("rank", "code").first()


def national_indicator(code: str | None, indicators: list[IndicatorView]) -> IndicatorView | None:
    """The requested indicator, else the first key one, else the first one."""
    if code:
        return next((i for i in indicators if i.code == code), None)
    return next((i for i in indicators if i.is_key), indicators[0] if indicators else None)


# A figure's row of NATIONAL_FIELDS, by (unit id, year).
FigureRows = dict[tuple[int, int], tuple]


def _national_figures(indicator: IndicatorView, unit_ids: list[int]) -> FigureRows:
    """The indicator's figures at the units, every year, as rows: objects are
    made only for the figures the page shows. One query."""
    rows = (Aggregate.objects.filter(indicator_id=indicator.id, period=YEAR_PART, org_unit_id__in=unit_ids)
            .values_list(*NATIONAL_FIELDS))
    return {(row[0], row[1]): row for row in rows}


def _national_cell(row: tuple | None) -> NationalCell | None:
    if row is None:
        return None
    figure = NationalFigure(*row)
    return NationalCell(figure, figure.reconstructed)


_VALUE = NATIONAL_FIELDS.index("value")


def _province_rows(indicator: IndicatorView, provinces: list[UnitView], year: int, cells: FigureRows,
                   targets: dict[int, list[TargetView]]) -> list[ProvinceRow]:
    valid = [u for u in provinces if u.is_active_in(year)]
    ranks = _competition_rank([(u.id, cells[(u.id, year)][_VALUE]) for u in valid if (u.id, year) in cells],
                              indicator.higher_is_better)
    rows = []
    for u in valid:
        found = _national_cell(cells.get((u.id, year)))
        rows.append(ProvinceRow(u, found.cell if found else None, bool(found and found.reconstructed),
                                ranks.get(u.id), target_for(targets.get(u.id, []), year)))
    rows.sort(key=lambda row: (row.rank is None, row.rank or 0, vietnamese_order(row.unit.name)))
    return rows


def _targets_by_unit(unit_ids: list[int]) -> dict[int, dict[int, list[TargetView]]]:
    """Every indicator's targets at each unit (by indicator, then unit), earliest first. One query."""
    found: dict[int, dict[int, list[TargetView]]] = defaultdict(lambda: defaultdict(list))
    for indicator_id, targets in _targets(Target.objects.filter(org_unit_id__in=unit_ids)).items():
        for target in targets:
            found[indicator_id][target.org_unit_id].append(target)
    return {indicator_id: dict(by_unit) for indicator_id, by_unit in found.items()}


def _trend(unit: UnitView, years: list[int], cells: FigureRows) -> list[TrendPoint]:
    points = []
    for year in years:
        found = _national_cell(cells.get((unit.id, year)))
        points.append(TrendPoint(year, found.cell.value, found.reconstructed, found.cell.is_complete) if found
                      else TrendPoint(year, None, False, False))
    return points


def _national_year(year: int | None, provinces: list[UnitView], cells: FigureRows) -> int:
    """The requested year, else the latest well-filled one (``_pick_year``),
    counting only the provinces of the day: a merged province's reconstructed
    past does not make an old year look fuller."""
    if year is not None:
        return year
    by_id = {u.id: u for u in provinces}
    measured = [y for (unit_id, y) in cells if (unit := by_id.get(unit_id)) is not None and unit.is_active_in(y)]
    return _pick_year(None, measured, [y for (_u, y) in cells])


@dataclass(frozen=True)
class NationalFrame:
    """What every national view of the same data shares, whatever the
    indicator, year or trend asked for: the root, its provinces (every one
    that ever existed, by code), the sectors, the catalogue and the targets
    set at the root and the provinces (a few per indicator and province)."""

    root: UnitView
    provinces: tuple[UnitView, ...]
    sectors: tuple[SectorView, ...]
    indicators: tuple[IndicatorView, ...]
    targets: dict[int, dict[int, list[TargetView]]]  # by indicator, then unit; earliest first

    @property
    def indicator_groups(self) -> list[tuple[SectorView, list[IndicatorView]]]:
        """The sectors that have indicators, each with its indicators in catalogue order."""
        groups = [(s, [i for i in self.indicators if i.sector_id == s.id]) for s in self.sectors]
        return [(s, found) for s, found in groups if found]


def national_frame(root: OrgUnit, indicators: list[IndicatorView]) -> NationalFrame:
    """Three queries (sectors, the provinces under ``root``, their and its targets)."""
    sectors = tuple(SectorView.of(s) for s in Sector.objects.all())
    provinces = tuple(UnitView.of(u) for u in OrgUnit.objects.filter(parent=root).order_by("code"))
    targets = _targets_by_unit([root.pk, *(u.id for u in provinces)])
    return NationalFrame(UnitView.of(root), provinces, sectors, tuple(indicators), targets)


def national_view(root: OrgUnit, indicators: list[IndicatorView], indicator: IndicatorView, year: int | None,
                  trend_unit: str | None) -> NationalView | None:
    """An indicator at every province under ``root`` valid in ``year`` (rank,
    target, status, completeness) and a trend of the root or one province.
    Four queries besides the caller's root and indicators (sectors,
    provinces, the targets at the root and the provinces, the indicator's
    figures there over every year), whatever the number of provinces or years.
    None when ``trend_unit`` is neither the root nor one of its provinces."""
    return national_view_in(national_frame(root, indicators), indicator, year, trend_unit)


def national_view_in(frame: NationalFrame, indicator: IndicatorView, year: int | None,
                     trend_unit: str | None) -> NationalView | None:
    """``national_view`` from a frame already read (a page keeps it until the
    data changes, kpis.dashboards.memo): one query (the indicator's figures)."""
    root_view, provinces = frame.root, list(frame.provinces)
    units = {u.code: u for u in [root_view, *provinces]}
    chosen = units.get(trend_unit or root_view.code)
    if chosen is None:
        return None
    unit_ids = [u.id for u in units.values()]
    cells = _national_figures(indicator, unit_ids)
    year = _national_year(year, provinces, cells)
    targets = frame.targets.get(indicator.id, {})
    years = sorted({y for (_unit, y) in cells})
    return NationalView(
        root=root_view, indicator=indicator,
        sector=next(s for s in frame.sectors if s.id == indicator.sector_id),
        year=year, years=sorted(years, reverse=True), root_cell=_national_cell(cells.get((root_view.id, year))),
        rows=_province_rows(indicator, provinces, year, cells, targets), trend_unit=chosen,
        trend=_trend(chosen, years, cells), trend_units=[root_view, *provinces],
        indicator_groups=frame.indicator_groups)


def indicator_views() -> list[IndicatorView]:
    """Every indicator, in catalogue order. One query."""
    return [IndicatorView.of(i) for i in Indicator.objects.all()]
