"""Which days a period's figures cover: the one home of the data cut-off
("thời gian chốt số liệu", docs/periods.md).

Administrative reporting (Decree 09/2019/NĐ-CP and the provincial regimes
issued under it) counts a periodic report's figures up to a cut-off day of
its last month: with 14, the third quarter runs from 15/06 to 14/09, the
first half-year from 15/12 of the year before to 14/06, the year from 15/12
to 14/12. Statistical regimes use calendar periods. Which applies is data
(ReportingCutoff, set in the admin), never code:

- a sector's rule wins over the rule for every sector (no sector);
- of a sector's (or every sector's) rules, the one with the latest
  ``valid_from`` on or before the period's calendar last day applies;
- no rule, or a rule without a cut-off day: the calendar period, as before.

A period ends on the cut-off day of its last month and starts the day after
the previous period of its length ends, so periods follow one another without
gap or overlap, also when a regime changes (the first quarter under a new
rule may be longer or shorter than three months).

Only the dates a period covers move (and with them its due date,
kpis/due_dates.py): its identity (``2025-Q3``) and how quarters make a year
(kpis/periods.py, the aggregation) stay the same.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple, TypeVar

from django.utils.translation import gettext as _

from kpis.models import ReportingCutoff
from kpis.periods import Period

T = TypeVar("T")


class DataBounds(NamedTuple):
    """The first and last day whose figures a period counts (both included)."""

    first_day: date
    last_day: date

    @property
    def span(self) -> str:
        """"từ ngày 15/06/2025 đến ngày 14/09/2025"."""
        return _("từ ngày %(first)s đến ngày %(last)s") % {
            "first": f"{self.first_day:%d/%m/%Y}", "last": f"{self.last_day:%d/%m/%Y}"}


def calendar_bounds(period: Period) -> DataBounds:
    return DataBounds(period.first_day, period.last_day)


@dataclass(frozen=True)
class Cutoffs:
    # sector (None: every sector) → its rules as (valid from, cut-off day or None), the latest first
    rules: dict[int | None, list[tuple[date, int | None]]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> Cutoffs:
        """One query (a few rows an administrator keeps)."""
        rules: dict[int | None, list[tuple[date, int | None]]] = defaultdict(list)
        for sector_id, valid_from, day in ReportingCutoff.objects.order_by("-valid_from").values_list(
                "sector_id", "valid_from", "cutoff_day"):
            rules[sector_id].append((valid_from, day))
        return cls(dict(rules))

    def cutoff_day(self, sector_id: int | None, on: date) -> int | None:
        """The cut-off day of the rule valid on ``on`` for the sector; None: calendar periods."""
        for key in dict.fromkeys((sector_id, None)):
            for valid_from, day in self.rules.get(key, ()):
                if valid_from <= on:
                    return day
        return None

    def last_day(self, sector_id: int | None, period: Period) -> date:
        """The last day whose figures the sector's period counts."""
        calendar = period.last_day
        day = self.cutoff_day(sector_id, calendar) if self.rules else None
        return calendar if day is None else calendar.replace(day=day)

    def bounds(self, sector_id: int | None, period: Period) -> DataBounds:
        """The sector's period's data bounds: from the day after the previous
        period of its length ends to its own cut-off (both included)."""
        if not self.rules:
            return calendar_bounds(period)
        return DataBounds(self.last_day(sector_id, period.previous()) + timedelta(days=1),
                          self.last_day(sector_id, period))

    def applies(self, sector_id: int | None, period: Period) -> bool:
        """Whether the sector's period covers other days than its calendar ones."""
        return self.bounds(sector_id, period) != calendar_bounds(period)

    def grouped(self, period: Period, sectors: Iterable[T], sector_id: Callable[[T], int | None]
                   ) -> list[tuple[DataBounds, list[T]]]:
        """The sectors grouped by the days their period covers, the group of
        most sectors first (then in the order given); empty when every one of
        them has the calendar period (nothing to say)."""
        groups: dict[DataBounds, list[T]] = {}
        for sector in sectors:
            groups.setdefault(self.bounds(sector_id(sector), period), []).append(sector)
        if all(bounds == calendar_bounds(period) for bounds in groups):
            return []
        return sorted(groups.items(), key=lambda item: -len(item[1]))


def grouped_span(groups: list[tuple[DataBounds, list]], name: Callable[[object], str]) -> str:
    """One phrase for the groups of Cutoffs.grouped: "từ ngày 15/06/2025 đến
    ngày 14/09/2025", then each other group named by its sectors: "; Bưu chính:
    từ ngày 01/07/2025 đến ngày 30/09/2025"."""
    if not groups:
        return ""
    (first, _sectors), *others = groups
    return "; ".join([first.span, *(
        _("%(sectors)s: %(span)s") % {"sectors": ", ".join(name(sector) for sector in sectors), "span": bounds.span}
        for bounds, sectors in others)])


def cutoff_bounds(*, sector_id: int | None, period: Period) -> DataBounds | None:
    """The days a sector's period covers when a cut-off moves them, else None
    (calendar period: nothing to say). One query, for a page about one report."""
    bounds = Cutoffs.load().bounds(sector_id, period)
    return None if bounds == calendar_bounds(period) else bounds
