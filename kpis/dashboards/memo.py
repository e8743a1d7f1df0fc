"""What a page needs that does not depend on the request (the catalogue, the
provinces of the country, a selector's options), kept in the process until the
data version changes.

The page cache (``kpis.dashboards.cache``) keeps whole pages, one per address,
in Redis; this keeps the parts every address of a page shares, in the worker's
memory, so that a page not yet cached is built without reading and formatting
them again. It is keyed exactly as the page cache is (the data version's token,
the language) and forgets everything when the token changes, so nothing here
is older than a cached page could be; entries also expire after the page
cache's timeout.

One token at a time: entries of an older version are dropped as soon as a
request sees a newer one, so memory holds one version's parts whatever the
uptime.
"""

import threading
import time

from django.utils.translation import get_language

from kpis.aggregation.version import DataVersion
from kpis.dashboards.cache import TIMEOUT

_lock = threading.Lock()
_entries: dict[tuple[str, str], tuple[float, object]] = {}
_token: str | None = None


def remembered(name: str, version: DataVersion, build):
    """``build()`` once per ``name``, language and data version in this
    process; a None result is not kept (asked again next time)."""
    global _token
    key = (name, get_language() or "vi")
    now = time.monotonic()
    with _lock:
        if _token != version.token:
            _entries.clear()
            _token = version.token
        found = _entries.get(key)
    if found is not None and now - found[0] < TIMEOUT:
        return found[1]
    value = build()
    if value is None:
        return None
    with _lock:
        if _token == version.token:  # a newer version may have arrived while building
            _entries[key] = (now, value)
    return value


def forget() -> None:
    """Drop everything (tests: each starts from the database it built)."""
    global _token
    with _lock:
        _entries.clear()
        _token = None
