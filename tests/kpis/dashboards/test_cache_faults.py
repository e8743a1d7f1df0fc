"""Pages answer when the page cache's Redis is down or hangs, and junk query
parameters neither add cache entries nor end up in cached pages."""

import uuid

import pytest
from django.core.cache import cache
from django.test import Client

from tests.silent_server import silent_server
from tests.workers import require_real_services

PAGE = "/?unit=P&year=2020"


def cache_at(settings, url: str) -> None:
    """The portal's configured cache, pointed at ``url``."""
    require_real_services()
    configured = settings.CACHES["default"]
    settings.CACHES = {"default": {**configured, "LOCATION": url, "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}}


def test_pages_answer_when_the_cache_redis_is_down(dash, settings):
    cache_at(settings, "redis://127.0.0.1:1/0")  # nothing listens there
    client = Client()
    for _ in range(2):
        response = client.get(PAGE)
        assert response.status_code == 200 and "Tỉnh Mẫu" in response.content.decode()
    assert client.get("/sectors/TELECOM/?unit=P&year=2020").status_code == 200


def test_pages_answer_when_the_cache_redis_hangs_and_it_is_then_left_alone(dash, settings):
    with silent_server() as hung:
        cache_at(settings, f"redis://127.0.0.1:{hung.port}/0")
        client = Client()
        assert client.get(PAGE).status_code == 200
        assert client.get("/sectors/TELECOM/?unit=P&year=2020").status_code == 200
        assert client.get(PAGE).status_code == 200
        assert len(hung.accepted) == 1  # one timeout, then pages stop asking for a while


def cache_entries() -> int:
    servers = getattr(cache, "_servers", None)
    if servers is None:
        return len(cache._cache)  # the in-memory cache of a run without Redis
    return sum(1 for _ in cache._cache.get_client().scan_iter(match=f"{cache.key_prefix}:*"))


@pytest.mark.parametrize("url", ["/?unit=P&year=2020", "/sectors/", "/units/P/?year=2020", "/milestones/"])
def test_junk_query_parameters_make_no_new_cache_entries(dash, url):
    client = Client()
    assert client.get(url).status_code == 200
    entries = cache_entries()
    junk = ["utm_source=zalo", "x=1&x=2", "fbclid=" + uuid.uuid4().hex, "sort=", "page=abc", "per_page=100000",
            "year=", "sort=a%20b"]
    for extra in [*junk, "campaign=tracked-by-someone"]:
        assert client.get(f"{url}{'&' if '?' in url else '?'}{extra}").status_code == 200
    assert cache_entries() == entries
    assert "tracked-by-someone" not in client.get(url).content.decode()  # nor does it reach the cached page


def test_the_same_page_spelled_differently_is_one_entry(dash):
    client = Client()
    client.get("/?unit=P&year=2020")
    entries = cache_entries()
    for spelling in ("/?unit=p&year=02020", "/?year=2020&unit=P", "/?unit=%20P&year=2020&year=2020"):
        assert client.get(spelling).status_code == 200
    assert cache_entries() == entries


def test_a_table_sort_and_page_still_make_their_own_pages(dash):
    client = Client()
    ascending = client.get("/units/P/?year=2020&sort=name").content.decode()
    descending = client.get("/units/P/?year=2020&sort=-name").content.decode()
    assert ascending != descending
