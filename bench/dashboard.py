"""Dashboard benchmark: the overview under concurrent load on gunicorn, at demo
size and at national size (10 million values), beside a trivial Django view in
the same run, printed as ratios.

    .venv/bin/python bench/dashboard.py \\
        --demo-url postgres://postgres@127.0.0.1:5432/portal_dash_demo \\
        --scale-url postgres://postgres@127.0.0.1:5432/portal_dash_10m \\
        [--redis-url redis://127.0.0.1:6379/7] [--workers 3] [--concurrency 8] [--requests 600]

Each database must already be migrated and loaded (the demo: `load_demo` and
`recompute_aggregates`; the large one: also `generate_scale_data --size
national` and `recompute_aggregates`). Synthetic indicators are not "key", so
the large overview would show no cards: ``--mark-key N`` marks the first N
synthetic indicators of each synthetic sector as key in the large database
(synthetic data only; it says so when it does).

The script starts gunicorn on both databases at once (``--workers`` sync
workers each, DEBUG off) and fires, from a pool of ``--concurrency`` threads,
``--requests`` requests at each URL of each size, all interleaved so that every
measurement shares the same conditions (including whatever else the machine
is doing):
  overview   ``/`` (the top unit, the latest year), served from the page cache
             as in production (the cache holds a page until the next recompute);
  cold       the overview with the page cache off (a dummy cache), so every
             request runs the page's fixed set of queries; the large database's
             overview shows more (its top unit has 26 key indicators and 63
             units below it), so ``cold-same`` also measures ``--same-path``, a
             page with the same content in both databases;
  trivial    ``/healthz``, a trivial Django view (one ``SELECT 1`` and the two
             small queries of the recompute state).
  national   ``--national-path`` on the large database only (skipped when empty):
             the national view (every province for an indicator and a year,
             kpis/dashboards/views.py ``national``), cached as above and, in the
             cold phases, uncached (``national-cold``). ``--demo-national-path``
             requests the demo's national view in the same phases, so that both
             servers serve the same mix of pages (with one more URL on one of
             them, its queue is longer and every latency there grows).
Targets (issue 4): overview at 10 M within 1.2× of itself at demo size, and
within 3× of the trivial view. Issue 12 (national data with the 2025
reorganisation, ``generate_scale_data --size national --reorganise``): the
national view within 1.2× of the demo's cached overview, and uncached within
3× of the trivial view.
"""

import argparse
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Static files are not measured: plain storage spares the benchmark a `collectstatic` (the manifest
# storage of production only looks names up in a dictionary when a page is rendered).
BENCH_SETTINGS = """from portal.settings import *  # noqa: F401,F403
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
"""
NOCACHE_SETTINGS = BENCH_SETTINGS + """CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    def __init__(self, database_url: str, *, workers: int, redis_url: str | None, settings_dir: str,
                 settings_module: str):
        self.port = free_port()
        env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "false", "SECRET_KEY": "benchmark-only",
               "ALLOWED_HOSTS": "127.0.0.1", "DATABASE_CONN_MAX_AGE": "600", "LOG_LEVEL": "WARNING",
               "SECURE_SSL_REDIRECT": "false"}  # plain HTTP on the loopback, as behind a TLS proxy
        env.pop("REDIS_URL", None)
        if redis_url:
            env["REDIS_URL"] = redis_url
        env["PYTHONPATH"] = os.pathsep.join([settings_dir, str(ROOT)])
        env["DJANGO_SETTINGS_MODULE"] = settings_module
        gunicorn = shutil.which("gunicorn", path=str(ROOT / ".venv" / "bin")) or "gunicorn"
        self.process = subprocess.Popen(
            [gunicorn, "portal.wsgi", "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers),
             "--worker-class", "sync", "--log-level", "warning", "--timeout", "120"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=5).read()
                return
            except (urllib.error.URLError, ConnectionError, OSError):
                if self.process.poll() is not None:
                    raise SystemExit("gunicorn stopped: " + self.process.stderr.read().decode()[-2000:]) from None
                time.sleep(0.3)
        self.stop()
        raise SystemExit("gunicorn did not answer within a minute")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


def fetch(url: str) -> float:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as response:
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{url}: {response.status}")
    return time.perf_counter() - started


def load(urls: dict[str, str], *, requests: int, concurrency: int, warmup: int) -> dict[str, list[float]]:
    """Latencies (seconds) per name. The names' requests are interleaved in a
    shuffled order, so every URL is measured under the same conditions (other
    load on the machine included)."""
    for url in urls.values():
        for _ in range(warmup):
            fetch(url)
    plan = [name for _ in range(requests) for name in urls]
    # Shuffled (the same order every run): with several clients, a fixed rotation would always send
    # one URL right behind the same neighbour, and its latency would measure that neighbour's queue.
    random.Random(0).shuffle(plan)
    results: dict[str, list[float]] = {name: [] for name in urls}
    lock = threading.Lock()

    def one(name: str) -> None:
        elapsed = fetch(urls[name])
        with lock:
            results[name].append(elapsed)

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, plan))
    return results


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def mark_key(database_url: str, per_sector: int) -> int:
    import psycopg2

    dsn = database_url.replace("postgres://", "postgresql://", 1)
    with psycopg2.connect(dsn) as connection, connection.cursor() as cursor:
        cursor.execute("""
            UPDATE kpis_indicator SET is_key = TRUE WHERE id IN (
                SELECT id FROM (SELECT i.id, ROW_NUMBER() OVER (PARTITION BY i.sector_id ORDER BY i.code) AS n
                                FROM kpis_indicator i WHERE i.code LIKE 'SYN%%') ranked WHERE n <= %s)""",
                       [per_sector])
        return cursor.rowcount


def describe(database_url: str) -> str:
    import psycopg2

    dsn = database_url.replace("postgres://", "postgresql://", 1)
    with psycopg2.connect(dsn) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT (SELECT COUNT(*) FROM kpis_datavalue), (SELECT COUNT(*) FROM kpis_aggregate), "
                       "(SELECT COUNT(*) FROM kpis_orgunit), (SELECT COUNT(*) FROM kpis_indicator WHERE is_key)")
        values, aggregates, units, keys = cursor.fetchone()
    return f"{values:,} values, {aggregates:,} aggregates, {units:,} org units, {keys} key indicators"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--demo-url", required=True)
    parser.add_argument("--scale-url", required=True)
    parser.add_argument("--redis-url", help="share the page cache between workers through Redis, as in production")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--requests", type=int, default=600, help="per URL and size")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--mark-key", type=int, default=2, metavar="N")
    parser.add_argument("--same-path", default="/?unit=HG&year=2020",
                        help="an overview with the same content in both databases (the demo is loaded in both), "
                             "to see the data size alone without the page cache; empty to skip")
    parser.add_argument("--national-path", default="",
                        help="the national view on the large database, e.g. /national/?indicator=SYN_I010 "
                             "(needs a country-level unit there); empty to skip")
    parser.add_argument("--demo-national-path", default="",
                        help="the national view on the demo database (e.g. /national/), requested beside "
                             "--national-path so that both servers carry the same load; empty to skip")
    options = parser.parse_args()

    if options.mark_key:
        changed = mark_key(options.scale_url, options.mark_key)
        if changed:
            print(f"marked up to {options.mark_key} synthetic indicators per synthetic sector as key "
                  f"({changed} rows, synthetic data only)")
    settings_dir = tempfile.mkdtemp(prefix="bench-dashboard-")
    Path(settings_dir, "bench_settings.py").write_text(BENCH_SETTINGS)
    Path(settings_dir, "bench_nocache_settings.py").write_text(NOCACHE_SETTINGS)

    sizes = {"demo": options.demo_url, "10M": options.scale_url}
    for size, url in sizes.items():
        print(f"{size}: {describe(url)}")
    rows = {}
    # Phase 1, as in production: both sizes' servers at once, overview and trivial view interleaved.
    # Phases 2 and 3: the page cache off (each its own phase: requests queue per server).
    national = {"10M": options.national_path} if options.national_path else {}
    if national and options.demo_national_path:
        national["demo"] = options.demo_national_path
    phases = [("cached", "bench_settings", {"overview": "/", "trivial": "/healthz"}, {"national": national}),
              ("cold", "bench_nocache_settings", {"cold": "/"}, {"national-cold": national})]
    if options.same_path:
        phases.append(("cold-same", "bench_nocache_settings", {"cold-same": options.same_path}, {}))
    for _phase, settings_module, paths, one_size in phases:
        servers = {size: Gunicorn(url, workers=options.workers, redis_url=options.redis_url,
                                  settings_dir=settings_dir, settings_module=settings_module)
                   for size, url in sizes.items()}
        try:
            urls = {(size, name): servers[size].base + path for size in sizes for name, path in paths.items()}
            urls.update({(size, name): servers[size].base + path
                         for name, by_size in one_size.items() for size, path in by_size.items()})
            for key, latencies in load(urls, requests=options.requests, concurrency=options.concurrency,
                                       warmup=options.warmup).items():
                rows[key] = (statistics.median(latencies), percentile(latencies, 0.95))
        finally:
            for server in servers.values():
                server.stop()
    shutil.rmtree(settings_dir, ignore_errors=True)

    print(f"\n{options.workers} gunicorn sync workers per size, {options.concurrency} concurrent clients, "
          f"{options.requests} requests per URL and size, cache: {'Redis' if options.redis_url else 'per-process'}")
    print(f"{'size':<6}{'url':<15}{'p50 ms':>10}{'p95 ms':>10}")
    for (size, key), (p50, p95) in sorted(rows.items(), key=lambda item: (item[0][1].startswith("cold"), item[0])):
        print(f"{size:<6}{key:<15}{p50 * 1000:>10.2f}{p95 * 1000:>10.2f}")

    def ratio(a, b, index):
        return rows[a][index] / rows[b][index]

    print("\nratios (p50 / p95)                                 target")
    checks = [
        ("overview 10M / overview demo", ("10M", "overview"), ("demo", "overview"), 1.2),
        ("overview 10M / trivial 10M", ("10M", "overview"), ("10M", "trivial"), 3.0),
        ("overview demo / trivial demo", ("demo", "overview"), ("demo", "trivial"), 3.0),
        ("cold 10M / cold demo", ("10M", "cold"), ("demo", "cold"), None),
        ("cold-same 10M / cold-same demo", ("10M", "cold-same"), ("demo", "cold-same"), None),
        ("cold 10M / trivial 10M", ("10M", "cold"), ("10M", "trivial"), None),
    ]
    if national:
        checks += [
            ("national 10M / overview demo", ("10M", "national"), ("demo", "overview"), 1.2),
            ("national-cold 10M / trivial 10M", ("10M", "national-cold"), ("10M", "trivial"), 3.0),
            ("national 10M / trivial 10M", ("10M", "national"), ("10M", "trivial"), 3.0),
            ("national 10M / national demo", ("10M", "national"), ("demo", "national"), None),
        ]
    for label, a, b, target in checks:
        if a not in rows or b not in rows:
            continue
        p50, p95 = ratio(a, b, 0), ratio(a, b, 1)
        verdict = "" if target is None else (f"≤ {target}  {'ok' if p50 <= target and p95 <= target else 'MISSED'}")
        print(f"  {label:<34}{p50:>6.2f} / {p95:<6.2f}   {verdict}")


if __name__ == "__main__":
    sys.exit(main())
