"""When a report is due: the one rule, shared by the completeness page (late
reports) and the reminders (docs/periods.md, docs/notifications.md).

For a sector's reports of a period, the first that exists of:

1. an explicit date for that sector and that period (ReportDueDate);
2. an explicit date for that period for every sector (no sector);
3. the sector's rule for the period's frequency (ReportDueRule): the period's
   last day plus so many days, the last day being the sector's cut-off day when
   a data cut-off applies (kpis/cutoffs.py: a quarter due 5 days after it ends
   is due on 19/09 when its figures are cut off on 14/09, on 05/10 without);
4. the rule of that frequency for every sector.

Without any of them the report has no due date: it is never late and nobody
is reminded of it. Yearly due dates entered before periods existed are
explicit dates of period 0, so they keep working unchanged."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.cache import cache

from kpis.cutoffs import Cutoffs
from kpis.models import ReportDueDate, ReportDueRule
from kpis.periods import Period


@dataclass(frozen=True)
class DueDates:
    dates: dict[tuple[int | None, int, int], date]  # (sector or None, year, period) → due date
    rules: dict[tuple[int | None, str], int]  # (sector or None, frequency) → days after the period's end
    cutoffs: Cutoffs = field(default_factory=Cutoffs)  # where a period ends (none: the calendar)

    @classmethod
    def load(cls) -> DueDates:
        """Three queries (the tables are a few rows an administrator keeps)."""
        return cls(
            {(sector, year, part): due_on for sector, year, part, due_on in
             ReportDueDate.objects.values_list("sector_id", "year", "period", "due_on")},
            {(sector, frequency): days for sector, frequency, days in
             ReportDueRule.objects.values_list("sector_id", "frequency", "days_after_end")},
            Cutoffs.load(),
        )

    def due_on(self, sector_id: int, period: Period) -> date | None:
        for key in ((sector_id, period.year, period.part), (None, period.year, period.part)):
            if key in self.dates:
                return self.dates[key]
        for key in ((sector_id, period.frequency), (None, period.frequency)):
            if key in self.rules:
                return self.cutoffs.last_day(sector_id, period) + timedelta(days=self.rules[key])
        return None

    def periods_due_between(self, sector_id: int, frequency: str, first: date, last: date) -> list[tuple[Period, date]]:
        """The sector's periods of the frequency whose due date falls between
        ``first`` and ``last`` (both included), with it. A due date may fall
        in the year after its period (a yearly report due in January), and a
        rule may add up to a year: the years around are looked at too."""
        found = []
        for year in range(first.year - 2, last.year + 1):
            for period in Period.all_of(frequency, year):
                due = self.due_on(sector_id, period)
                if due is not None and first <= due <= last:
                    found.append((period, due))
        return found


# Part of the completeness page's cache key (its late reports depend on the due dates, its dates on
# the cut-offs). Kept in the cache, not read from the tables, so that a cached page still costs one
# query: the admin, where alone due dates and cut-offs are edited, moves it (due_dates_changed). A
# cache that lost it gets a new one, which only makes pages again.
_VERSION_KEY = "kpis:due-dates-version"


def due_dates_version() -> str:
    return cache.get_or_set(_VERSION_KEY, lambda: uuid.uuid4().hex, timeout=None)


def due_dates_changed() -> None:
    cache.set(_VERSION_KEY, uuid.uuid4().hex, timeout=None)
