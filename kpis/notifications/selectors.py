"""Reads for the mails: which unit-years and half-years are complete, which reports (of any
period) to remind of and who to remind. Each a fixed number of queries, whatever the tree's size."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Max

from kpis.due_dates import DueDates
from kpis.models import (
    MIN_YEAR,
    Assignment,
    Indicator,
    MailStatus,
    OrgUnit,
    Reminder,
    ReportStatus,
    YearlyReport,
)
from kpis.periods import YEAR_PART, Frequency, Period
from kpis.permissions import assignment_covers

TO_SUBMIT = (ReportStatus.DRAFT, ReportStatus.RETURNED)  # and reports never created


@dataclass(frozen=True)
class Tree:
    """The units, and which sectors enter figures at which level for which frequency."""

    units: dict[int, OrgUnit]
    children: dict[int | None, list[int]]
    by_frequency: dict[str, dict[str, set[int]]]  # frequency → level → sectors with entry indicators of it

    @classmethod
    def load(cls) -> "Tree":
        """Two queries."""
        units = {unit.pk: unit for unit in OrgUnit.objects.all()}
        children: dict[int | None, list[int]] = {}
        for unit in units.values():
            children.setdefault(unit.parent_id, []).append(unit.pk)
        by_frequency: dict[str, dict[str, set[int]]] = {}
        for sector_id, levels, frequency in Indicator.objects.filter(formula="").values_list(
                "sector_id", "entry_levels", "frequency"):
            for level in levels or []:
                by_frequency.setdefault(frequency, {}).setdefault(level, set()).add(sector_id)
        return cls(units, children, by_frequency)

    @property
    def sectors_by_level(self) -> dict[str, set[int]]:
        """The sectors that report yearly, by level."""
        return self.by_frequency.get(Frequency.YEAR, {})

    def sectors(self, frequency: str) -> set[int]:
        return {sector for sectors in self.by_frequency.get(frequency, {}).values() for sector in sectors}

    def below(self, unit_id: int) -> set[int]:
        found, stack = set(), [unit_id]
        while stack:
            current = stack.pop()
            if current not in found:
                found.add(current)
                stack.extend(self.children.get(current, []))
        return found

    def expected(self, unit_ids, year: int, sector_ids: set[int] | None = None,
                 frequency: str = Frequency.YEAR) -> set[tuple[int, int]]:
        """(unit, sector) of every report due for a period of the frequency in
        the year among ``unit_ids``: the unit is in the tree of the year and the
        sector has entry indicators of that frequency at the unit's level."""
        by_level = self.by_frequency.get(frequency, {})
        pairs = set()
        for unit_id in unit_ids:
            unit = self.units[unit_id]
            if not unit.is_active_in(year):
                continue
            for sector_id in by_level.get(unit.level, ()):
                if sector_ids is None or sector_id in sector_ids:
                    pairs.add((unit_id, sector_id))
        return pairs

    def expected_in(self, unit_ids, period: Period) -> set[tuple[int, int, int]]:
        """(unit, sector, part) of every report a summary of the period waits for
        (``summary_reports``), each expected as on the completeness page for its own period."""
        return {(unit_id, sector_id, part.part)
                for frequency, parts in summary_reports(period) for part in parts
                for unit_id, sector_id in self.expected(unit_ids, part.year, frequency=frequency)}


# The reports a summary of a period waits for, by the period's frequency: the year's summary,
# its yearly reports (it reads only yearly figures); a half-year's, the reports of the half-year,
# half-yearly, quarterly and monthly (it reads the indicators followed more often than yearly).
_SUMMARY_FREQUENCIES = {
    Frequency.YEAR: (Frequency.YEAR,),
    Frequency.HALF_YEAR: (Frequency.HALF_YEAR, Frequency.QUARTER, Frequency.MONTH),
}


def summary_reports(period: Period) -> list[tuple[str, list[Period]]]:
    """(frequency, its periods within ``period``) of the reports its summary
    waits for: for 2025-H1, the half-year itself, Q1 and Q2, months 1 to 6."""
    return [(frequency, period.parts(frequency)) for frequency in _SUMMARY_FREQUENCIES[period.frequency]]


def completed_periods(org_unit: OrgUnit, frequency: str = Frequency.YEAR,
                      tree: Tree | None = None) -> dict[Period, datetime | None]:
    """The periods of the frequency (the year, or the half-year: a subscription's
    ``period_kind``) in which every report the summary waits for in the unit's
    tree (the unit and all below it) is approved, each with the moment the last
    of them was approved. A period without any expected report is never
    complete. Three queries (two with a tree given once for many units: one)."""
    tree = tree or Tree.load()
    unit_ids = tree.below(org_unit.pk)
    parts = {part.part for period in Period.all_of(frequency, MIN_YEAR)  # the same parts every year
             for _frequency, found in summary_reports(period) for part in found}
    by_year: dict[int, dict[tuple[int, int, int], tuple[str, datetime | None]]] = {}
    for unit_id, sector_id, year, part, status, approved_at in YearlyReport.objects.filter(
            org_unit_id__in=unit_ids, period__in=parts).values_list(
            "org_unit_id", "sector_id", "year", "period", "status", "approved_at"):
        by_year.setdefault(year, {})[(unit_id, sector_id, part)] = (status, approved_at)
    complete = {}
    for year, reports in by_year.items():
        for period in Period.all_of(frequency, year):
            expected = tree.expected_in(unit_ids, period)
            if expected and all(reports.get(key, ("",))[0] == ReportStatus.APPROVED for key in expected):
                complete[period] = max((reports[key][1] for key in expected if reports[key][1]), default=None)
    return complete


def completed_years(org_unit: OrgUnit, tree: Tree | None = None) -> dict[int, datetime | None]:
    """The years in which every yearly report due in the unit's tree is approved
    (``completed_periods`` of the year)."""
    return {period.year: at for period, at in completed_periods(org_unit, Frequency.YEAR, tree).items()}


def year_is_complete(org_unit: OrgUnit, year: int) -> bool:
    return year in completed_years(org_unit)


@dataclass
class ReportToChase:
    sector_id: int
    org_unit_id: int
    year: int
    due_on: date
    status: str  # a ReportStatus, or "" for a report never created
    period: int = YEAR_PART

    @property
    def period_of(self) -> Period:
        return Period(self.year, self.period)


@dataclass
class Chasing:
    """Per user, the reports to remind them of (staff) or to list in their digest (approvers)."""

    to_submit: dict[int, list[ReportToChase]] = field(default_factory=dict)
    to_approve: dict[int, list[ReportToChase]] = field(default_factory=dict)


def due_today(today: date, *, days_before: list[int], days_after: list[int], tree: Tree,
              due_dates: DueDates) -> list[tuple[int, Period, date]]:
    """(sector, period, due date) of every sector's reports whose due date
    (kpis.due_dates) today is a reminder day of. No query."""
    offsets = {-days for days in days_before} | set(days_after)
    if not offsets:
        return []
    first, last = today - timedelta(days=max(offsets)), today - timedelta(days=min(offsets))
    found = []
    for frequency in tree.by_frequency:
        for sector_id in sorted(tree.sectors(frequency)):
            found += [(sector_id, period, due) for period, due in
                      due_dates.periods_due_between(sector_id, frequency, first, last)
                      if (today - due).days in offsets]
    return sorted(found, key=lambda item: (item[1], item[0]))


def _chased_reports(due: list[tuple[int, Period, date]], tree: Tree) -> list[ReportToChase]:
    """Reports not yet submitted or waiting for approval, of the sector-periods due. One query."""
    wanted = {(period.year, period.part) for _sector, period, _due in due}
    years = {year for year, _part in wanted}
    statuses = {(r[0], r[1], r[2], r[3]): r[4] for r in YearlyReport.objects.filter(year__in=years).values_list(
        "org_unit_id", "sector_id", "year", "period", "status") if (r[2], r[3]) in wanted}
    chased = []
    for sector, period, due_on in due:
        for unit_id, sector_id in sorted(tree.expected(tree.units, period.year, {sector}, period.frequency)):
            status = statuses.get((unit_id, sector_id, period.year, period.part), "")
            if status in (*TO_SUBMIT, "", ReportStatus.SUBMITTED):
                chased.append(ReportToChase(sector_id, unit_id, period.year, due_on, status, period.part))
    return chased


def reports_to_chase(today: date, *, days_before: list[int], days_after: list[int],
                     enter_ids: set[int], approve_ids: set[int]) -> Chasing:
    """Who to remind today of what: staff assigned to a report not yet
    submitted (missing, draft, returned), approvers assigned to one submitted.
    ``enter_ids``/``approve_ids``: users holding the permission to act."""
    chasing = Chasing()
    due_dates = DueDates.load()
    if not due_dates.dates and not due_dates.rules:
        return chasing
    tree = Tree.load()
    due = due_today(today, days_before=days_before, days_after=days_after, tree=tree, due_dates=due_dates)
    if not due:
        return chasing
    chased = _chased_reports(due, tree)
    assignments = list(Assignment.objects.filter(user_id__in=enter_ids | approve_ids, user__is_active=True)
                       .exclude(user__email=""))
    below = {a.org_unit_id: tree.below(a.org_unit_id) for a in assignments if a.include_descendants}
    for report in chased:
        approving = report.status == ReportStatus.SUBMITTED
        target, allowed = (chasing.to_approve, approve_ids) if approving else (chasing.to_submit, enter_ids)
        users = {a.user_id for a in assignments if a.user_id in allowed and assignment_covers(
            a, sector_id=report.sector_id, org_unit_id=report.org_unit_id, below=below)}
        for user_id in users:
            target.setdefault(user_id, []).append(report)
    return chasing


def reminders_version() -> int:
    """Part of the completeness page's cache key: a new reminder shows at once. One query."""
    return Reminder.objects.aggregate(latest=Max("id"))["latest"] or 0


@dataclass(frozen=True)
class Reminded:
    who: str
    kind: str
    sent_on: date
    delivered: bool


def reminders_of(unit_ids, year: int, period: int = YEAR_PART) -> dict[tuple[int, int], list[Reminded]]:
    """(unit, sector) → who was reminded of the report of that period and when, newest first. One query."""
    found: dict[tuple[int, int], list[Reminded]] = {}
    for row in (Reminder.objects.filter(org_unit_id__in=list(unit_ids), year=year, period=period)
                .select_related("user")
                .order_by("-sent_on", "user__username")):
        name = row.user.get_full_name() or row.user.get_username()
        found.setdefault((row.org_unit_id, row.sector_id), []).append(
            Reminded(name, row.kind, row.sent_on, row.status == MailStatus.DELIVERED))
    return found
