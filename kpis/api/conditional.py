"""Conditional answers for everything that publishes the open data (the API's
lists and the full download): an ETag and, for the figures, a Last-Modified,
both from the data version (kpis/aggregation/version.py), and a 304 to
If-None-Match / If-Modified-Since. One home, so a harvester sees the same rules
on every door."""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date

from kpis.aggregation.version import data_version


@dataclass(frozen=True)
class Validators:
    """ETag (and Last-Modified) of an answer: the data version (the recompute,
    the catalogue's history and the counter of org units and sectors with their
    dated names) and what else shapes the answer (the address with its query,
    the language, the format)."""

    etag: str
    last_modified: datetime | None

    @classmethod
    def of(cls, request, *, representation: str, dated: bool) -> "Validators":
        """``dated``: the answer is the figures, whose time is the last recompute
        (a new milestone changes the version's token, not that time)."""
        version = data_version()
        shape = "|".join([version.token, request.get_full_path(), translation.get_language(), representation])
        etag = '"' + hashlib.sha256(shape.encode()).hexdigest()[:32] + '"'
        return cls(etag, version.last_recompute if dated else None)

    def unchanged(self, request) -> bool:
        modified = None if self.last_modified is None else int(self.last_modified.timestamp())
        answer = get_conditional_response(request, etag=self.etag, last_modified=modified)
        return answer is not None and answer.status_code == 304

    def stamp(self, response):
        if response.status_code in (200, 304):
            response["ETag"] = self.etag
            if self.last_modified is not None:
                response["Last-Modified"] = http_date(self.last_modified.timestamp())
        return response


def revalidated(response):
    """Kept by caches but checked again each time (the ETag makes that a 304); a
    private site's answers stay out of shared caches."""
    patch_vary_headers(response, ["Accept-Language"])
    patch_cache_control(response, no_cache=True, **({} if settings.PORTAL_PUBLIC else {"private": True}))
    return response

