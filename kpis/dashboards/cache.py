"""Pages are cached until the data behind them changes.

Every request asks the database one cheap question (``data_version``, from
``kpis.aggregation.version``): the
latest recompute's id and when it finished, whether changes wait to be
recomputed, and the latest history ids of the tables pages read besides the
aggregates (milestones, report statuses, indicators, targets), and the
database's count of changes to org units, sectors and their dated names (a
renamed sector shows at once). The cache key
carries all of them, with the page, the language, the user's role-visible
variant and the query parameters the page reads, so a page is fresh right after
a recompute and stale entries are simply never asked for again (they expire
after a day). Any other parameter (``?utm_source=…``, junk) is dropped before
the page is built: it neither makes a new entry (flooding the cache) nor ends
up in the cached page's links.
"""

import hashlib
import re
from collections.abc import Iterable
from urllib.parse import urlencode

from django.core.cache import cache
from django.http import QueryDict
from django.utils.translation import get_language

from kpis.aggregation.version import DataVersion
from kpis.periods import Period, PeriodError
from kpis.permissions import sees_admin_links

TIMEOUT = 24 * 3600
FILTER_PARAMS = ("year", "unit")


def table_params(prefix: str = "", *, paginate: bool = True) -> tuple[str, ...]:
    """The parameters of a table: its sort and, if paginated, its page. (A
    page size from the address is not honoured: no link offers one, and
    ``per_page=1000000`` would render every row.)"""
    return (f"{prefix}sort", f"{prefix}page") if paginate else (f"{prefix}sort",)


_SORT = re.compile(r"-?[A-Za-z_][\w.]{0,63}", re.ASCII)


def _canonical(name: str, value: str) -> str | None:
    """One spelling per page (``02020`` is ``2020``, ``hg`` is ``HG``); None
    for a value the page would ignore anyway."""
    value = value.strip()
    if name == "period":  # 2025-q3 is 2025-Q3; a bad one is kept for the page to refuse (never cached)
        try:
            return Period.parse(value).code
        except PeriodError:
            return value or None
    numeric = name == "year" or name.endswith("page")
    if numeric and value.isascii() and value.isdigit() and len(value) <= 9:
        return str(int(value))
    if name.endswith("page") or (name.endswith("sort") and not _SORT.fullmatch(value)):
        return None  # django-tables2 shows page 1 and ignores an unknown column
    return value.upper() if name == "unit" else value or None


def page_query(request, params: Iterable[str]) -> QueryDict:
    """The request's parameters that the page reads, canonical, last value
    only (what ``GET.get`` reads)."""
    query = QueryDict(mutable=True)
    for name in params:
        values = [_canonical(name, value) for value in request.GET.getlist(name)]
        values = [value for value in values if value is not None]
        if values:
            query[name] = values[-1]
    query._mutable = False
    return query


def role_variant(user) -> str:
    """What differs between users inside a cached page: staff get links into the admin."""
    return "staff" if sees_admin_links(user) else "public"


def page_key(page: str, version: DataVersion, request, *extra: str) -> str:
    """The key of a page built from ``request`` whose GET is already page_query's."""
    params = sorted((k, v) for k, values in request.GET.lists() for v in values)
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
