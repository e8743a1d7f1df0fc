"""Pages are cached until the data behind them changes.

Every request asks the database one cheap question (``data_version``): the
latest recompute's id and when it finished, whether changes wait to be
recomputed, and the latest history ids of the tables pages read besides the
aggregates (milestones, report statuses, indicators, targets). The cache key
carries all of them, with the page, the language, the user's role-visible
variant and the query parameters, so a page is fresh right after a recompute
and stale entries are simply never asked for again (they expire after a day).
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from django.core.cache import cache
from django.db import connection
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language

from kpis.models import (
    Indicator,
    Milestone,
    RecomputeRun,
    StaleMark,
    Target,
    YearlyReport,
)

TIMEOUT = 24 * 3600
_EXCLUDED_PARAMS = {"_export"}


@dataclass(frozen=True)
class DataVersion:
    run_id: int
    finished_at: datetime | None
    pending: bool
    histories: tuple[int, ...]

    @property
    def token(self) -> str:
        return "-".join(str(n) for n in (self.run_id, *self.histories))


def _latest_history_sql(model) -> str:
    table = model.history.model._meta.db_table
    return f"(SELECT MAX(history_id) FROM {table})"


def data_version() -> DataVersion:
    """One query, whatever the data size (each part reads one end of an index)."""
    runs = RecomputeRun._meta.db_table
    histories = [_latest_history_sql(model) for model in (Milestone, YearlyReport, Indicator, Target)]
    sql = (
        f"SELECT (SELECT id FROM {runs} ORDER BY id DESC LIMIT 1), "
        f"(SELECT finished_at FROM {runs} ORDER BY id DESC LIMIT 1), "
        f"CASE WHEN EXISTS (SELECT 1 FROM {StaleMark._meta.db_table}) THEN 1 ELSE 0 END, "
        + ", ".join(histories)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        run_id, finished, pending, *history_ids = cursor.fetchone()
    if isinstance(finished, str):  # SQLite returns text
        finished = parse_datetime(finished)
    if finished is not None and finished.tzinfo is None:
        finished = finished.replace(tzinfo=UTC)
    return DataVersion(run_id or 0, finished, bool(pending), tuple(h or 0 for h in history_ids))


def role_variant(user) -> str:
    """What differs between users inside a cached page: staff get links into the admin."""
    return "staff" if user.is_authenticated and user.is_staff else "public"


def page_key(page: str, version: DataVersion, request, *extra: str) -> str:
    params = sorted((k, v) for k, values in request.GET.lists() if k not in _EXCLUDED_PARAMS for v in values)
    # The page (which may carry a code from the address) and the parameters are hashed: any text is a safe key.
    digest = hashlib.sha256(f"{page}?{urlencode(params)}".encode()).hexdigest()[:40]
    parts = ["dash", page.split(":")[0], version.token, get_language() or "vi", role_variant(request.user), *extra,
             digest]
    return ":".join(parts)


def cached(key: str, build):
    """``build()`` once per key; None results are not stored."""
    value = cache.get(key)
    if value is None:
        value = build()
        if value is not None:
            cache.set(key, value, TIMEOUT)
    return value
