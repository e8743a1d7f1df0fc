"""The domain rules that pages, exports, charts, the summary text, the API and
the recompute engine all apply, each in one place (docs/domain.md lists them).
Pure functions over plain values: no queries, so every reader can use them."""

from collections.abc import Iterable
from datetime import date
from typing import Protocol, TypeVar

from django.db.models import Q

from kpis.models import Aggregation, Direction, MilestoneStatus, ProgressStatus, ReportStatus, ValueType

# --- Which target applies to a year ---------------------------------------------------------


class _HasYear(Protocol):
    year: int


T = TypeVar("T", bound=_HasYear)


def applicable_target(targets: Iterable[T], year: int) -> T | None:
    """The target that applies to ``year``: the nearest one at or after it.
    A 2025 target applies to 2021–2025; after 2025 only a later target applies.
    ``targets`` are one indicator's at one unit, in any order."""
    return min((t for t in targets if t.year >= year), key=lambda t: t.year, default=None)


def applicable_target_year_sql(*, target_year: str, year: str) -> str:
    """The same rule for the recompute engine: a condition that ``target_year``
    may apply to ``year``; the engine takes ``MIN`` of the years that pass."""
    return f"{target_year} >= {year}"


# --- Level (stock) or count (flow) ----------------------------------------------------------


def is_level(*, value_type: str, aggregation: str, formula: str) -> bool:
    """Whether the indicator is a level (a share, a ratio, an average, a yes/no:
    a unit below can be compared with its parent and with its neighbours) or a
    count that grows with the unit's size (subscribers, BTS stations).

    A percentage is a level. An entered indicator is a count exactly when it
    rolls up by summing. A derived indicator is a level when its formula
    divides (a ratio, a share, per 10 000 people), a count otherwise: sums and
    differences of counts are counts."""
    if value_type == ValueType.PERCENT:
        return True
    if formula:
        return "/" in formula
    return aggregation != Aggregation.SUM


def indicator_is_level(indicator) -> bool:
    """``is_level`` of an Indicator or anything with the same three fields."""
    return is_level(value_type=indicator.value_type, aggregation=indicator.aggregation,
                    formula=indicator.formula)


def higher_is_better(direction: str) -> bool:
    return direction != Direction.LOWER


def is_behind(direction: str, value, reference) -> bool:
    """Whether ``value`` is worse than ``reference`` for an indicator of this direction."""
    return value < reference if higher_is_better(direction) else value > reference


# --- Progress statuses ----------------------------------------------------------------------

# From best to worst, as pages, tables and the summary list them; "no data" last.
PROGRESS_ORDER = (
    ProgressStatus.ACHIEVED, ProgressStatus.ON_TRACK, ProgressStatus.NEEDS_ACCELERATION,
    ProgressStatus.LIMITED_PROGRESS, ProgressStatus.DETERIORATION, ProgressStatus.NOT_ACHIEVED,
    ProgressStatus.NO_DATA,
)


# --- Milestones -------------------------------------------------------------------------------

OPEN_MILESTONE_STATUSES = (MilestoneStatus.NOT_STARTED, MilestoneStatus.IN_PROGRESS)


def milestone_is_open(status: str) -> bool:
    """Not started or in progress: neither done nor cancelled."""
    return status in OPEN_MILESTONE_STATUSES


def milestone_is_overdue(*, status: str, due: date, on: date) -> bool:
    """Open and past its due date on ``on`` (a cancelled milestone is never overdue)."""
    return milestone_is_open(status) and due < on


def milestone_overdue_q(on: date) -> Q:
    """``milestone_is_overdue`` as a filter on Milestone."""
    return Q(due__lt=on) & Q(status__in=OPEN_MILESTONE_STATUSES)


# --- Report statuses --------------------------------------------------------------------------

REPORT_STATUS_SYMBOLS = {
    ReportStatus.DRAFT: "✎",
    ReportStatus.SUBMITTED: "↑",
    ReportStatus.APPROVED: "✓",
    ReportStatus.RETURNED: "↩",
}
REPORT_MISSING_SYMBOL = "○"
REPORT_NOT_EXPECTED_SYMBOL = "–"


def report_status_symbol(status: str) -> str:
    return REPORT_STATUS_SYMBOLS.get(status, "")


# --- The tree of a year -----------------------------------------------------------------------
# A year belongs to the tree valid at its end: a unit abolished on 1 July 2025 has valid_to 2024
# and its successor valid_from 2025, so every year has exactly one tree. The engine's SQL twin
# is ``_active`` in kpis/aggregation/engine.py (tests/kpis/test_tree_of_year.py checks they agree).


def unit_active_in(*, valid_from: int | None, valid_to: int | None, year: int) -> bool:
    """Whether a unit with these validity years belongs to the tree of ``year``."""
    return (valid_from is None or valid_from <= year) and (valid_to is None or year <= valid_to)


def unit_abolished_on(*, valid_to: int | None, day: date) -> bool:
    """Whether a unit was gone before ``day``'s year began: a document issued
    that day, and a page shown that day, call it former ("cũ")."""
    return valid_to is not None and valid_to < day.year


def unit_active_q(year, *, prefix: str = "") -> Q:
    """``unit_active_in`` as a filter on OrgUnit (``prefix``: the path to the
    unit from another model, e.g. ``"org_unit__"``). ``year`` may be an
    expression (``F("year")``)."""
    return ((Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": year}))
            & (Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": year})))


def unit_years_q(*, valid_from: int | None, valid_to: int | None, field: str = "year") -> Q:
    """``unit_active_in`` turned round: a filter on the years (``field``) in
    which a unit with these validity years exists."""
    condition = Q()
    if valid_from is not None:
        condition &= Q(**{f"{field}__gte": valid_from})
    if valid_to is not None:
        condition &= Q(**{f"{field}__lte": valid_to})
    return condition
