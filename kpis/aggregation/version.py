"""The data version: what every page, export and health check reads to know
how fresh the figures are. The one home of "the last recompute" (the run that
finished last) and of what else pages and exports depend on."""

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from django.db import connection
from django.utils.dateparse import parse_datetime

from kpis.models import Indicator, Milestone, RecomputeRun, StaleMark, Target, YearlyReport

# Besides the aggregates, pages and exports read these tables (milestones,
# report statuses, the catalogue's indicators and targets): their latest
# history row is part of the version.
VERSIONED_MODELS = (Milestone, YearlyReport, Indicator, Target)
# Org units, their successors, sectors and their dated names keep no history:
# the database counts their changes (triggers, migrations 0021 and 0023). A
# renamed sector or unit changes the version without waiting for a recompute.
CATALOGUE_VERSION_SQL = "(SELECT version FROM kpis_catalogue_version WHERE id = 1)"


@dataclass(frozen=True)
class DataVersion:
    run_id: int
    finished_at: datetime | None
    pending: bool
    histories: tuple[int, ...]
    catalogue: int = 0

    @property
    def token(self) -> str:
        return "-".join(str(n) for n in (self.run_id, *self.histories, self.catalogue))

    @property
    def last_recompute(self) -> datetime | None:
        return self.finished_at


def _latest_history_sql(model) -> str:
    table = model.history.model._meta.db_table
    return f"(SELECT MAX(history_id) FROM {table})"


@cache
def _data_version_sql() -> str:
    """Written once per process: every request asks it, and reaching the
    history models through their managers costs more than the query."""
    runs = RecomputeRun._meta.db_table
    latest_run = f"FROM {runs} ORDER BY finished_at DESC, id DESC LIMIT 1"
    histories = [_latest_history_sql(model) for model in VERSIONED_MODELS]
    return (
        f"SELECT (SELECT id {latest_run}), (SELECT finished_at {latest_run}), "
        f"CASE WHEN EXISTS (SELECT 1 FROM {StaleMark._meta.db_table}) THEN 1 ELSE 0 END, "
        + ", ".join([*histories, CATALOGUE_VERSION_SQL])
    )


def data_version() -> DataVersion:
    """One query, whatever the data size (each part reads one end of an
    index). The last recompute is the run that finished last (the latest id
    among runs that finished at the same moment)."""
    with connection.cursor() as cursor:
        cursor.execute(_data_version_sql())
        run_id, finished, pending, *history_ids, catalogue = cursor.fetchone()
    if isinstance(finished, str):  # SQLite returns text
        finished = parse_datetime(finished)
    if finished is not None and finished.tzinfo is None:
        finished = finished.replace(tzinfo=UTC)
    return DataVersion(run_id or 0, finished, bool(pending), tuple(h or 0 for h in history_ids), catalogue or 0)
