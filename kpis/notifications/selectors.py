"""Reads for the mails: which unit-years are complete, which reports to remind
of and who to remind. Each a fixed number of queries, whatever the tree's size."""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Max

from kpis.models import (
    Assignment,
    Indicator,
    MailStatus,
    OrgUnit,
    Reminder,
    ReportDueDate,
    ReportStatus,
    YearlyReport,
)
from kpis.periods import YEAR_PART
from kpis.permissions import assignment_covers

TO_SUBMIT = (ReportStatus.DRAFT, ReportStatus.RETURNED)  # and reports never created


@dataclass(frozen=True)
class Tree:
    """The units, and which sectors enter figures at which level."""

    units: dict[int, OrgUnit]
    children: dict[int | None, list[int]]
    sectors_by_level: dict[str, set[int]]

    @classmethod
    def load(cls) -> "Tree":
        """Two queries."""
        units = {unit.pk: unit for unit in OrgUnit.objects.all()}
        children: dict[int | None, list[int]] = {}
        for unit in units.values():
            children.setdefault(unit.parent_id, []).append(unit.pk)
        by_level: dict[str, set[int]] = {}
        for sector_id, levels in Indicator.objects.filter(formula="").values_list("sector_id", "entry_levels"):
            for level in levels or []:
                by_level.setdefault(level, set()).add(sector_id)
        return cls(units, children, by_level)

    def below(self, unit_id: int) -> set[int]:
        found, stack = set(), [unit_id]
        while stack:
            current = stack.pop()
            if current not in found:
                found.add(current)
                stack.extend(self.children.get(current, []))
        return found

    def expected(self, unit_ids, year: int, sector_ids: set[int] | None = None) -> set[tuple[int, int]]:
        """(unit, sector) of every report due for the year among ``unit_ids``."""
        pairs = set()
        for unit_id in unit_ids:
            unit = self.units[unit_id]
            if not unit.is_active_in(year):
                continue
            for sector_id in self.sectors_by_level.get(unit.level, ()):
                if sector_ids is None or sector_id in sector_ids:
                    pairs.add((unit_id, sector_id))
        return pairs


def completed_years(org_unit: OrgUnit, tree: Tree | None = None) -> dict[int, datetime]:
    """The years in which every report due in the unit's tree (the unit and all
    below it) is approved, each with the moment the last of them was approved.
    Three queries (two with a tree given once for many units: one)."""
    tree = tree or Tree.load()
    unit_ids = tree.below(org_unit.pk)
    by_year: dict[int, dict[tuple[int, int], tuple[str, datetime | None]]] = {}
    for unit_id, sector_id, year, status, approved_at in YearlyReport.objects.filter(
            org_unit_id__in=unit_ids, period=YEAR_PART).values_list(
            "org_unit_id", "sector_id", "year", "status", "approved_at"):
        by_year.setdefault(year, {})[(unit_id, sector_id)] = (status, approved_at)
    complete = {}
    for year, reports in by_year.items():
        expected = tree.expected(unit_ids, year)
        if expected and all(reports.get(pair, ("",))[0] == ReportStatus.APPROVED for pair in expected):
            complete[year] = max(reports[pair][1] for pair in expected)
    return complete


def year_is_complete(org_unit: OrgUnit, year: int) -> bool:
    return year in completed_years(org_unit)


@dataclass
class ReportToChase:
    sector_id: int
    org_unit_id: int
    year: int
    due_on: date
    status: str  # a ReportStatus, or "" for a report never created


@dataclass
class Chasing:
    """Per user, the reports to remind them of (staff) or to list in their digest (approvers)."""

    to_submit: dict[int, list[ReportToChase]] = field(default_factory=dict)
    to_approve: dict[int, list[ReportToChase]] = field(default_factory=dict)


@dataclass(frozen=True)
class DueToday:
    dates: dict[tuple[int | None, int], date]  # (sector or None, year) → due date, today a reminder day of it
    own: set[tuple[int, int]]  # (sector, year) with a due date of their own, whatever the day


def due_dates_on(today: date, *, days_before: list[int], days_after: list[int]) -> DueToday:
    """The due dates today is a reminder day of. One query."""
    offsets = {-days for days in days_before} | set(days_after)
    rows = list(ReportDueDate.objects.all())
    return DueToday({(row.sector_id, row.year): row.due_on for row in rows if (today - row.due_on).days in offsets},
                    {(row.sector_id, row.year) for row in rows if row.sector_id is not None})


def _chased_reports(due: DueToday, tree: Tree) -> list[ReportToChase]:
    """Reports not yet submitted or waiting for approval, of the sector-years due. One query."""
    years = {year for _sector, year in due.dates}
    statuses = {(r[0], r[1], r[2]): r[3] for r in YearlyReport.objects.filter(
        year__in=years, period=YEAR_PART).values_list("org_unit_id", "sector_id", "year", "status")}
    all_sectors = {sector for sectors in tree.sectors_by_level.values() for sector in sectors}
    chased = []
    for (sector, year), due_on in sorted(due.dates.items(), key=lambda item: (item[0][1], item[0][0] or 0)):
        sectors = {sector} if sector is not None else {s for s in all_sectors if (s, year) not in due.own}
        for unit_id, sector_id in sorted(tree.expected(tree.units, year, sectors)):
            status = statuses.get((unit_id, sector_id, year), "")
            if status in (*TO_SUBMIT, "", ReportStatus.SUBMITTED):
                chased.append(ReportToChase(sector_id, unit_id, year, due_on, status))
    return chased


def reports_to_chase(today: date, *, days_before: list[int], days_after: list[int],
                     enter_ids: set[int], approve_ids: set[int]) -> Chasing:
    """Who to remind today of what: staff assigned to a report not yet
    submitted (missing, draft, returned), approvers assigned to one submitted.
    ``enter_ids``/``approve_ids``: users holding the permission to act."""
    due = due_dates_on(today, days_before=days_before, days_after=days_after)
    chasing = Chasing()
    if not due.dates:
        return chasing
    tree = Tree.load()
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


def reminders_of(unit_ids, year: int) -> dict[tuple[int, int], list[Reminded]]:
    """(unit, sector) → who was reminded of that report and when, newest first. One query."""
    found: dict[tuple[int, int], list[Reminded]] = {}
    for row in (Reminder.objects.filter(org_unit_id__in=list(unit_ids), year=year).select_related("user")
                .order_by("-sent_on", "user__username")):
        name = row.user.get_full_name() or row.user.get_username()
        found.setdefault((row.org_unit_id, row.sector_id), []).append(
            Reminded(name, row.kind, row.sent_on, row.status == MailStatus.DELIVERED))
    return found
