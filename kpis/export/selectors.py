"""Everything a summary report shows, read in a fixed number of queries
whatever the size of the tree: figures from the Aggregate table only (which
holds approved figures only), targets, milestones and the document settings.

``report_data`` returns plain dataclasses; the summary paragraph, the charts
and the three renderers work on those and never query the database."""

import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from kpis.aggregation.version import data_version as _data_version
from kpis.cutoffs import Cutoffs, DataBounds
from kpis.formatting import unit_name_on
from kpis.models import (
    Aggregate,
    DataValue,
    DefinitionChange,
    DocumentSettings,
    Indicator,
    Milestone,
    MilestoneStatus,
    OrgUnit,
    OrgUnitLevel,
    ProgressStatus,
    ReportStatus,
    Sector,
    Target,
)
from kpis.periods import YEAR_PART, Frequency, Period
from kpis.rules import applicable_target, higher_is_better, indicator_is_level, is_behind, milestone_is_open
from kpis.selectors import SectorName, sector_name_day, sector_name_on, sector_names_on, units_active_in

TREND_YEARS = 5  # the report year and the four before it
MAX_TRENDS = 6
MAX_COMPARISONS = 4

# Words that already start a unit's name ("Thành phố Vị Thanh"); names without
# one get the word for their level ("Hậu Giang" → "Tỉnh Hậu Giang").
_ADMINISTRATIVE_WORDS = ("tỉnh", "thành phố", "huyện", "quận", "thị xã", "xã", "phường", "thị trấn",
                         "đặc khu")


def _level_word(level: str) -> str:
    return {
        OrgUnitLevel.PROVINCE: _("Tỉnh"),
        OrgUnitLevel.DISTRICT: _("Huyện"),
        OrgUnitLevel.COMMUNE: _("Xã"),
    }.get(level, "")


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text or "")


def unit_full_name(unit: OrgUnit, *, in_sentence: bool = False) -> str:
    """The unit's name with its administrative word: "Tỉnh Hậu Giang", or
    "tỉnh Hậu Giang" inside a sentence, as Vietnamese writes it."""
    name = _nfc(unit.name).strip()
    for word in sorted(_ADMINISTRATIVE_WORDS, key=len, reverse=True):
        if name.lower().startswith(word + " "):
            return (word + name[len(word):]) if in_sentence else name
    word = _level_word(unit.level)
    if not word:
        return name
    return f"{word.lower() if in_sentence else word} {name}"


def unit_document_name(unit: OrgUnit, *, on: date, in_sentence: bool = False) -> str:
    """How a document issued ``on`` names the unit: its full name, and for a
    unit abolished before that year "(cũ)" after it ("tỉnh Hậu Giang (cũ)"),
    so a 2020 report issued after the merger does not read as today's unit."""
    return unit_name_on(unit_full_name(unit, in_sentence=in_sentence), valid_to=unit.valid_to, day=on)


def unit_place_name(unit: OrgUnit) -> str:
    """The unit's name without its administrative word: "Cần Thơ"."""
    name = _nfc(unit.name).strip()
    for word in sorted(_ADMINISTRATIVE_WORDS, key=len, reverse=True):
        if name.lower().startswith(word + " "):
            return name[len(word) + 1:].strip()
    return name


@dataclass(frozen=True)
class TargetInfo:
    operator: str  # ">=", "<=", "="
    value: Decimal
    year: int


@dataclass
class IndicatorRow:
    indicator: Indicator
    value: Decimal | None = None
    previous: Decimal | None = None
    change: Decimal | None = None
    change_pct: Decimal | None = None
    target: TargetInfo | None = None
    status: str | None = None  # ProgressStatus, or None without a target
    achievement_pct: Decimal | None = None
    is_complete: bool = True
    definition_note: str = ""
    # From the units merged into this one, before it existed (docs/boundaries.md): the
    # value itself, or the previous year's, which its change is measured from.
    reconstructed: bool = False
    previous_reconstructed: bool = False
    # Reports of a half-year only: the figure from the year's start to the period's end
    # (the half-year itself for the first, the year for the second) and how much of the
    # year's target it makes.
    to_date: Decimal | None = None
    to_date_pct: Decimal | None = None
    # What the unit's own figure of the period was entered with (its comment and
    # source), for the report's sources annex; empty for a figure rolled up or derived.
    value_comment: str = ""
    value_source: str = ""

    @property
    def has_value(self) -> bool:
        return self.value is not None


@dataclass
class SectorSection:
    sector: Sector
    rows: list[IndicatorRow]


@dataclass
class TrendSeries:
    indicator: Indicator
    points: list[tuple[int, Decimal]]
    target: TargetInfo | None
    reconstructed_years: frozenset[int] = frozenset()  # of the points: drawn as reconstructed


@dataclass
class UnitComparison:
    indicator: Indicator
    parent_value: Decimal | None
    values: list[tuple[OrgUnit, Decimal]]  # in the order of the tree (by code)


@dataclass
class AnnexUnit:
    org_unit: OrgUnit
    sections: list[SectorSection]


@dataclass
class DocumentHeader:
    parent_agency: str
    issuing_agency: str
    number_line: str
    place: str
    signer_authority: str
    signer_title: str
    signer_name: str
    recipients: list[str]


@dataclass
class ReportData:
    year: int
    org_unit: OrgUnit
    root: OrgUnit
    sector: Sector | None
    issued_on: date
    header: DocumentHeader
    sections: list[SectorSection]
    trends: list[TrendSeries]
    comparisons: list[UnitComparison]
    children: list[OrgUnit]
    unit_gaps: list[tuple[OrgUnit, int, int]]  # child, indicators behind the parent, indicators compared
    milestones: list[Milestone]
    annex: list[AnnexUnit] = field(default_factory=list)
    last_recompute: object = None
    sector_names: dict[int, SectorName] = field(default_factory=dict)
    issuer: OrgUnit | None = None  # the top of the tree whose agency issues it (IssuingSettings)
    part: int = YEAR_PART  # the year's report (0) or a half-year's (101, 102): kpis.periods
    # A half-year's report under a data cut-off (kpis.cutoffs): the days its figures cover and the
    # sectors they are those of, the most sectors first; empty for calendar periods.
    data_bounds: list[tuple[DataBounds, list[Sector]]] = field(default_factory=list)

    @property
    def period(self) -> Period:
        return Period(self.year, self.part)

    @property
    def is_yearly(self) -> bool:
        return self.part == YEAR_PART

    @property
    def rows(self) -> list[IndicatorRow]:
        return [row for section in self.sections for row in section.rows]

    @property
    def is_root(self) -> bool:
        return self.org_unit.pk == self.root.pk

    @property
    def names_unit(self) -> bool:
        """The subject names the unit: below the top of the tree, gone since,
        or issued by another tree's agency (its successor's)."""
        issued_elsewhere = self.issuer is not None and self.issuer.pk != self.root.pk
        return not self.is_root or issued_elsewhere or self.org_unit.is_abolished_on(self.issued_on)

    def unit_name(self, unit: OrgUnit, *, in_sentence: bool = False) -> str:
        return unit_document_name(unit, on=self.issued_on, in_sentence=in_sentence)

    def sector_name(self, sector: Sector) -> str:
        """As it was called at the end of the report's year (kpis.selectors.sector_name_day)."""
        return sector_name_on(sector, self.issued_on, names=self.sector_names).name


@dataclass(frozen=True)
class IssuingSettings:
    """The document settings a report uses, and the top of the tree that
    issues it (its fallbacks, docs/export.md, name that tree)."""

    row: DocumentSettings  # unsaved defaults when no row applies
    issuer: OrgUnit


def _generations(unit_id: int, successors: dict[int, list[int]]) -> list[list[int]]:
    """The unit, then the units that replaced it, then those that replaced
    them…: each generation every successor (by code) of the one before, without loops."""
    generations, seen = [[unit_id]], {unit_id}
    while following := list(dict.fromkeys(
            to_id for from_id in generations[-1] for to_id in successors.get(from_id, []) if to_id not in seen)):
        seen.update(following)
        generations.append(following)
    return generations


def _ancestors_or_self(unit_id: int, units: dict[int, OrgUnit]) -> list[int]:
    chain = [unit_id]
    while (parent := units[chain[-1]].parent_id) is not None and parent in units and parent not in chain:
        chain.append(parent)
    return chain


def _shared_settings(generation: list[int], units: dict[int, OrgUnit],
                     rows: dict[int | None, DocumentSettings]) -> IssuingSettings | None:
    """The row of the nearest unit that is, or is above, every unit of the
    generation: one unit's own nearest row; for the parts of a split, the row
    above them all (the province of two new communes), never one part's."""
    chains = [_ancestors_or_self(unit_id, units) for unit_id in generation]
    shared = set(chains[0]).intersection(*chains[1:])
    for unit_id in chains[0]:
        if unit_id in shared and unit_id in rows:
            return IssuingSettings(rows[unit_id], units[chains[0][-1]])
    return None


def _shared_top(generation: list[int], units: dict[int, OrgUnit]) -> OrgUnit | None:
    tops = {_ancestors_or_self(unit_id, units)[-1] for unit_id in generation}
    return units[tops.pop()] if len(tops) == 1 else None


def document_settings_for(*, org_unit: OrgUnit, on: date) -> IssuingSettings:
    """The one home of the rule (docs/boundaries.md, "Who issues a report"):
    the row valid on the issue date of the nearest unit among the report's
    unit and its ancestors; for a unit abolished before the issue year, its
    successors' (and theirs) first, so the agency of today issues it: of a
    unit split into several, the row of the nearest unit above all of them
    (none of one part's own); then the unit's own line (successors without
    rows, or with nothing in common); then a row without a unit. Three queries."""
    units = {unit.pk: unit for unit in OrgUnit.objects.only(
        "id", "code", "name", "level", "parent_id", "valid_from", "valid_to")}
    successors: dict[int, list[int]] = defaultdict(list)
    for from_id, to_id in (OrgUnit.successors.through.objects.order_by("to_orgunit__code")
                           .values_list("from_orgunit_id", "to_orgunit_id")):
        successors[from_id].append(to_id)
    rows = {row.org_unit_id: row for row in DocumentSettings.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=on), valid_from__lte=on)}
    unit = units.get(org_unit.pk, org_unit)
    units.setdefault(unit.pk, unit)
    generations = _generations(unit.pk, successors)
    if unit.is_abolished_on(on):
        generations.reverse()
    for generation in generations:
        if (found := _shared_settings(generation, units, rows)) is not None:
            return found
    # No row: the fallbacks name the tree of today's units (the old unit's own if they have none in common).
    issuer = next(top for generation in generations if (top := _shared_top(generation, units)) is not None)
    return IssuingSettings(rows.get(None) or DocumentSettings(), issuer)


def document_header(settings_row: DocumentSettings, root: OrgUnit) -> DocumentHeader:
    """The header and signature blocks, with the fallbacks of docs/export.md:
    an empty parent agency is "UBND" and the top unit's full name in capitals,
    an empty place is the top unit's name."""
    parent = _nfc(settings_row.parent_agency).strip() or f"UBND {unit_full_name(root)}".upper()
    symbol = _nfc(settings_row.document_symbol).strip()
    number = _nfc(settings_row.document_number).strip()
    # The clerk writes the number by hand when it is left blank: keep room for it.
    number_line = _("Số: %(number)s/%(symbol)s") % {
        "number": number or "\u00a0" * 6, "symbol": symbol or "BC"}
    recipients = [line.strip().lstrip("-–").strip() for line in _nfc(settings_row.recipients).splitlines()]
    return DocumentHeader(
        parent_agency=parent.upper(),
        issuing_agency=_nfc(settings_row.issuing_agency).strip().upper(),
        number_line=number_line,
        place=_nfc(settings_row.place).strip() or unit_place_name(root),
        signer_authority=_nfc(settings_row.signer_authority).strip().upper(),
        signer_title=_nfc(settings_row.signer_title).strip().upper(),
        signer_name=_nfc(settings_row.signer_name).strip(),
        recipients=[line for line in recipients if line],
    )


def _target_info(target: Target | None) -> TargetInfo | None:
    if target is None:
        return None
    return TargetInfo(operator=target.operator, value=target.value, year=target.year)


def _applicable_targets(targets: list[Target], year: int) -> dict[int, Target]:
    """Per indicator, the target that applies to the year (kpis.rules), for
    indicators that have no aggregate that year."""
    by_indicator: dict[int, list[Target]] = {}
    for target in targets:
        by_indicator.setdefault(target.indicator_id, []).append(target)
    chosen = {pk: applicable_target(own, year) for pk, own in by_indicator.items()}
    return {pk: target for pk, target in chosen.items() if target is not None}


def _rows_for(indicators: list[Indicator], cells: dict[tuple[int, int], Aggregate], year: int,
              targets: dict[int, Target], notes: dict[int, str], *, keep_empty_with_target: bool) -> list[IndicatorRow]:
    rows = []
    for indicator in indicators:
        current = cells.get((indicator.pk, year))
        last = cells.get((indicator.pk, year - 1))
        if current is not None:
            row = IndicatorRow(
                indicator=indicator, value=current.value, previous=current.previous_value,
                change=current.change, change_pct=current.change_pct,
                target=_target_info(current.target), status=current.status,
                achievement_pct=current.achievement_pct, is_complete=current.is_complete,
                reconstructed=current.reconstructed,
                previous_reconstructed=last is not None and last.reconstructed)
        elif last is not None or (keep_empty_with_target and indicator.pk in targets):
            row = IndicatorRow(indicator=indicator, previous=last.value if last is not None else None,
                               target=_target_info(targets.get(indicator.pk)),
                               previous_reconstructed=last is not None and last.reconstructed)
        else:
            continue
        if row.target is not None and row.status is None:
            row.status = ProgressStatus.NO_DATA
        row.definition_note = notes.get(indicator.pk, "")
        rows.append(row)
    return rows


def _sections(sectors: list[Sector], by_sector: dict[int, list[Indicator]], cells, year, targets, notes, *,
              keep_empty_with_target: bool) -> list[SectorSection]:
    sections = []
    for sector in sectors:
        rows = _rows_for(by_sector.get(sector.pk, []), cells, year, targets, notes,
                         keep_empty_with_target=keep_empty_with_target)
        if rows:
            sections.append(SectorSection(sector=sector, rows=rows))
    return sections


def data_version() -> str:
    """What the report content depends on besides its parameters: the data
    version of every page (kpis.aggregation.version), as text."""
    return _data_version().token


@dataclass
class _Catalogue:
    """The report's indicators in sector order, grouped by sector."""

    sectors: list[Sector]
    by_sector: dict[int, list[Indicator]]

    @property
    def ids(self) -> list[int]:
        return [indicator.pk for indicators in self.by_sector.values() for indicator in indicators]


@dataclass
class _Figures:
    """The figures, targets and definition notes the tables and charts read."""

    cells: dict[tuple[int, int], Aggregate]  # (indicator, year) at the unit, over the trend years
    child_cells: dict[int, dict[tuple[int, int], Aggregate]]  # per child unit, the year (and the one before)
    targets: dict[int, Target]  # targets at the unit for indicators without a figure
    notes: dict[int, str]  # definition changes of the year
    to_date: dict[int, Decimal] = field(default_factory=dict)  # a half-year's report: year-to-date by indicator
    value_notes: dict[int, tuple[str, str]] = field(default_factory=dict)  # (comment, source) of the unit's figure


def export_units(year: int | None):
    """The units the export page offers: those of the tree of ``year`` (every
    one without a year), communes aside (a report covers a unit and the units
    below it)."""
    units = units_active_in(year) if year is not None else OrgUnit.objects.all()
    return units.exclude(level=OrgUnitLevel.COMMUNE).order_by("code").only("code", "name")


def _unit_tree(org_unit: OrgUnit, year: int) -> tuple[OrgUnit, OrgUnit, list[OrgUnit]]:
    """The unit, the top of its tree and its children in the tree of the year. One query."""
    units = {unit.pk: unit for unit in OrgUnit.objects.only(
        "id", "code", "name", "level", "parent_id", "valid_from", "valid_to")}
    unit = units.get(org_unit.pk, org_unit)
    root, seen = unit, set()
    while root.parent_id is not None and root.parent_id in units and root.pk not in seen:
        seen.add(root.pk)
        root = units[root.parent_id]
    # The whole tree is read at once for the root; the year's tree is kept by the one rule.
    children = sorted((u for u in units.values() if u.parent_id == unit.pk and u.is_active_in(year)),
                      key=lambda u: u.code)
    return unit, root, children


def _catalogue(sector: Sector | None) -> _Catalogue:
    """One query."""
    indicators = (Indicator.objects.select_related("sector")
                  .filter(**({"sector": sector} if sector else {}))
                  .order_by("sector__position", "sector__code", "position", "code"))
    catalogue = _Catalogue(sectors=[], by_sector={})
    for indicator in indicators:
        if indicator.sector_id not in catalogue.by_sector:
            catalogue.sectors.append(indicator.sector)
        catalogue.by_sector.setdefault(indicator.sector_id, []).append(indicator)
    return catalogue


def _figures(unit: OrgUnit, children: list[OrgUnit], ids: list[int], year: int, *, districts: bool,
             part: int = YEAR_PART) -> _Figures:
    """The figures of the period ``part`` of each year (the years themselves by
    default). Five queries (four without children; one more for a second half-year)."""
    cells = {(cell.indicator_id, cell.year): cell for cell in
             Aggregate.objects.select_related("target")
             .filter(org_unit=unit, indicator_id__in=ids, year__gte=year - TREND_YEARS + 1, year__lte=year,
                     period=part)}
    child_cells: dict[int, dict[tuple[int, int], Aggregate]] = {}
    if children:
        for cell in (Aggregate.objects.select_related("target")
                     .filter(org_unit_id__in=[c.pk for c in children], indicator_id__in=ids,
                             year__in=[year, year - 1] if districts else [year], period=part)):
            child_cells.setdefault(cell.org_unit_id, {})[(cell.indicator_id, cell.year)] = cell
    targets = _applicable_targets(list(Target.objects.filter(org_unit=unit, indicator_id__in=ids)), year)
    notes = {change.indicator_id: change.description for change in
             DefinitionChange.objects.filter(indicator_id__in=ids, year=year)}
    value_notes = {indicator_id: (comment.strip(), source.strip()) for indicator_id, comment, source in
                   DataValue.objects.filter(org_unit=unit, indicator_id__in=ids, year=year, period=part,
                                            report__status=ReportStatus.APPROVED)
                   .exclude(comment="", source="").values_list("indicator_id", "comment", "source")}
    return _Figures(cells=cells, child_cells=child_cells, targets=targets, notes=notes,
                    to_date=_to_date(unit, ids, Period(year, part), cells), value_notes=value_notes)


def _to_date(unit: OrgUnit, ids: list[int], period: Period, cells) -> dict[int, Decimal]:
    """A half-year's year-to-date figure by indicator: the first half is its own
    (from January to June, whatever the time aggregation); the second half's is the
    year, which the recompute makes from the two halves (or their quarters or
    months) by the indicator's time aggregation. One query for a second half."""
    if period.is_year:
        return {}
    if period.number == 1:
        return {indicator_id: cell.value for (indicator_id, year), cell in cells.items() if year == period.year}
    return dict(Aggregate.objects.filter(org_unit=unit, indicator_id__in=ids, year=period.year, period=YEAR_PART)
                .values_list("indicator_id", "value"))


def _share_of_target(direction: str, value: Decimal, target: Target) -> Decimal | None:
    """How much of the target a figure makes, as the recompute's achievement (kpis.aggregation)."""
    if higher_is_better(direction):
        return (value * 100 / target.value).quantize(Decimal("0.00000001")) if target.value else None
    return (target.value * 100 / value).quantize(Decimal("0.00000001")) if value else None


def _sub_annual(catalogue: _Catalogue, cells, period: Period) -> _Catalogue:
    """A half-year's report: the indicators followed more often than yearly, and any
    other with a figure of the period (one derived from such indicators)."""
    with_figures = {indicator_id for (indicator_id, year) in cells if year == period.year}
    kept = _Catalogue(sectors=[], by_sector={})
    for sector in catalogue.sectors:
        indicators = [indicator for indicator in catalogue.by_sector[sector.pk]
                      if indicator.frequency != Frequency.YEAR or indicator.pk in with_figures]
        if indicators:
            kept.sectors.append(sector)
            kept.by_sector[sector.pk] = indicators
    return kept


def _with_year_to_date(rows: list[IndicatorRow], figures: _Figures) -> None:
    """A half-year's rows: no progress status of their own (targets are yearly);
    the year's target beside the year-to-date figure and the share of it."""
    for row in rows:
        target = figures.targets.get(row.indicator.pk)
        row.target, row.status, row.achievement_pct = _target_info(target), None, None
        row.to_date = figures.to_date.get(row.indicator.pk)
        if target is not None and row.to_date is not None:
            row.to_date_pct = _share_of_target(row.indicator.direction, row.to_date, target)


def _milestone_in_report(milestone: Milestone, year: int) -> bool:
    """Due in the year; due later and not cancelled; or overdue and still open."""
    if milestone.due.year == year:
        return True
    if milestone.due.year > year:
        return milestone.status != MilestoneStatus.CANCELLED
    return milestone_is_open(milestone.status)


def _milestones(unit: OrgUnit, root: OrgUnit, sector: Sector | None, year: int) -> list[Milestone]:
    """The unit's milestones, and the ones without a unit at the top of the tree. One query."""
    milestone_filter = Q(org_unit=unit) | (Q(org_unit__isnull=True) if unit.pk == root.pk else Q(pk__in=[]))
    return [
        milestone for milestone in Milestone.objects.select_related("sector")
        .filter(milestone_filter, **({"sector": sector} if sector else {})).order_by("due", "code")
        if _milestone_in_report(milestone, year)
    ]


def _trends(rows: list[IndicatorRow], cells: dict[tuple[int, int], Aggregate], year: int) -> list[TrendSeries]:
    """Key or targeted indicators with two years of figures (or one and a target)."""
    trends = []
    for row in rows:
        points = sorted((y, cells[(row.indicator.pk, y)].value)
                        for y in range(year - TREND_YEARS + 1, year + 1) if (row.indicator.pk, y) in cells)
        if (row.indicator.is_key or row.target) and points and (len(points) >= 2 or row.target):
            reconstructed = frozenset(y for y, _value in points if cells[(row.indicator.pk, y)].reconstructed)
            trends.append(TrendSeries(indicator=row.indicator, points=points, target=row.target,
                                      reconstructed_years=reconstructed))
    return trends[:MAX_TRENDS]


def _child_values(row: IndicatorRow, children: list[OrgUnit], child_cells, year: int) -> list[tuple[OrgUnit, Decimal]]:
    return [(child, child_cells[child.pk][(row.indicator.pk, year)].value)
            for child in children if (row.indicator.pk, year) in child_cells.get(child.pk, {})]


def _comparisons(rows: list[IndicatorRow], children: list[OrgUnit], child_cells, year: int) -> list[UnitComparison]:
    """Key or targeted indicators that at least two children have a figure for."""
    comparisons = []
    for row in rows:
        values = _child_values(row, children, child_cells, year)
        if len(values) >= 2 and (row.indicator.is_key or row.target):
            comparisons.append(UnitComparison(indicator=row.indicator, parent_value=row.value, values=values))
    return comparisons[:MAX_COMPARISONS]


def _unit_gaps(rows: list[IndicatorRow], children: list[OrgUnit], child_cells,
               year: int) -> list[tuple[OrgUnit, int, int]]:
    """Per child, on how many comparable indicators it is behind its parent, of
    how many compared; the furthest behind first."""
    behind: dict[int, int] = {}
    compared: dict[int, int] = {}
    for row in rows:
        values = _child_values(row, children, child_cells, year)
        if len(values) < 2 or not indicator_is_level(row.indicator) or row.value is None:
            continue
        for child, value in values:
            compared[child.pk] = compared.get(child.pk, 0) + 1
            if is_behind(row.indicator.direction, value, row.value):
                behind[child.pk] = behind.get(child.pk, 0) + 1
    by_pk = {child.pk: child for child in children}
    return sorted(((by_pk[pk], behind.get(pk, 0), count) for pk, count in compared.items()),
                  key=lambda item: (-item[1] / item[2], -item[1], item[0].code))


def _annex(catalogue: _Catalogue, children: list[OrgUnit], figures: _Figures, year: int) -> list[AnnexUnit]:
    """Each child's figures by sector (no targets: they are the parent's)."""
    return [
        AnnexUnit(org_unit=child, sections=_sections(
            catalogue.sectors, catalogue.by_sector, figures.child_cells.get(child.pk, {}), year, {},
            figures.notes, keep_empty_with_target=False))
        for child in children
    ]


def report_data(*, year: int, org_unit: OrgUnit, sector: Sector | None = None, districts: bool = False,
                issued_on: date, part: int = YEAR_PART) -> ReportData:
    """All the report shows, for the year or (``part`` 101, 102) a half-year of it.
    Thirteen queries (a half-year one more, its data cut-offs; a second
    half-year another, its year-to-date), whatever the number of units,
    indicators or years."""
    period = Period(year, part)
    issuing = document_settings_for(org_unit=org_unit, on=issued_on)                  # 1-3
    unit, root, children = _unit_tree(org_unit, year)                                  # 4
    catalogue = _catalogue(sector)                                                     # 5
    figures = _figures(unit, children, catalogue.ids, year, districts=districts, part=part)  # 6-10 (11)
    milestones = _milestones(unit, root, sector, year)                                 # 11
    last_recompute = _data_version().finished_at                                      # 12
    sector_names = sector_names_on(on=sector_name_day(year=year, today=issued_on))    # 13
    data_bounds = []
    if not period.is_year:
        catalogue = _sub_annual(catalogue, figures.cells, period)
        data_bounds = Cutoffs.load().grouped(period, catalogue.sectors, lambda s: s.pk)  # 14 (15)

    sections = _sections(catalogue.sectors, catalogue.by_sector, figures.cells, year, figures.targets,
                         figures.notes, keep_empty_with_target=True)
    rows = [row for section in sections for row in section.rows]
    for row in rows:
        row.value_comment, row.value_source = figures.value_notes.get(row.indicator.pk, ("", ""))
    if not period.is_year:
        _with_year_to_date(rows, figures)
    trends = _trends(rows, figures.cells, year)
    if not period.is_year:  # a yearly target is no line for the figures of half-years
        trends = [TrendSeries(t.indicator, t.points, None, t.reconstructed_years) for t in trends]
    return ReportData(
        year=year, org_unit=unit, root=root, sector=sector, issued_on=issued_on,
        header=document_header(issuing.row, issuing.issuer), sections=sections,
        trends=trends,
        comparisons=_comparisons(rows, children, figures.child_cells, year), children=children,
        unit_gaps=_unit_gaps(rows, children, figures.child_cells, year), milestones=milestones,
        annex=_annex(catalogue, children, figures, year) if districts else [], last_recompute=last_recompute,
        sector_names=sector_names, issuer=issuing.issuer, part=part, data_bounds=data_bounds,
    )
