"""Open-data API benchmark: `GET /api/v1/values/` under concurrent load on
gunicorn at national scale, beside a trivial Django view in the same run,
printed as ratios of p95 latencies.

    .venv/bin/python bench/api_values.py \\
        --database-url postgres://postgres@127.0.0.1:5432/bench_api \\
        [--redis-url redis://127.0.0.1:6379/1] [--workers 3] [--concurrency 8] [--requests 300]

The database must be migrated and loaded with `generate_scale_data --size
national` and `recompute_aggregates` (11,255,900 aggregate cells). The server,
the client and the load are those of bench/dashboard.py (its ``Gunicorn`` and
``load``): ``--workers`` sync workers, DEBUG off, ``--concurrency`` client
threads firing ``--requests`` requests at each URL, all URLs interleaved so
that each is measured under the same conditions. The anonymous rate limit is
lifted for the run (``API_THROTTLE_ANON``) and plain HTTP is served
(``SECURE_SSL_REDIRECT=false``: TLS ends at the proxy); nothing else differs from production.
URLs:
  filtered   one indicator, one level, a five-year range (``--indicator``, districts,
             2018–2022): the first JSON page (500 cells) of a typical program's query;
  first      the first page of the unfiltered list (500 cells, ordered by id);
  csv        the filtered query as ``?format=csv`` (the whole filtered list, 3,465 rows);
  trivial    ``/healthz`` (one ``SELECT 1`` and the recompute state), as in bench/dashboard.py.
Goal (issue 11): p95 of each ≤ 3 × the trivial view's.
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.dashboard import BENCH_SETTINGS, Gunicorn, describe, load, percentile  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", help="the page cache and broker in Redis, as in production")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--requests", type=int, default=300, help="per URL")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--indicator", default="SYN_I010", help="a synthetic indicator entered at communes (sum)")
    options = parser.parse_args()

    filtered = f"indicator={options.indicator}&level=district&year_from=2018&year_to=2022"
    paths = {
        "filtered": f"/api/v1/values/?{filtered}",
        "first": "/api/v1/values/",
        "csv": f"/api/v1/values/?{filtered}&format=csv",
        "trivial": "/healthz",
    }
    print(describe(options.database_url))
    os.environ["API_THROTTLE_ANON"] = "1000000/minute"
    os.environ["SECURE_SSL_REDIRECT"] = "false"  # TLS ends at the proxy in production (docs/deployment.md)
    settings_dir = tempfile.mkdtemp(prefix="bench-api-")
    Path(settings_dir, "bench_settings.py").write_text(BENCH_SETTINGS)
    server = Gunicorn(options.database_url, workers=options.workers, redis_url=options.redis_url,
                      settings_dir=settings_dir, settings_module="bench_settings")
    try:
        urls = {name: server.base + path for name, path in paths.items()}
        latencies = load(urls, requests=options.requests, concurrency=options.concurrency, warmup=options.warmup)
    finally:
        server.stop()
        shutil.rmtree(settings_dir, ignore_errors=True)

    print(f"\n{options.workers} gunicorn sync workers, {options.concurrency} concurrent clients, "
          f"{options.requests} requests per URL, interleaved")
    print(f"{'url':<10}{'p50 ms':>10}{'p95 ms':>10}  path")
    for name, path in paths.items():
        print(f"{name:<10}{statistics.median(latencies[name]) * 1000:>10.1f}"
              f"{percentile(latencies[name], 0.95) * 1000:>10.1f}  {path}")
    trivial = percentile(latencies["trivial"], 0.95)
    print("\np95 / trivial p95          measured   goal")
    for name in ("filtered", "first", "csv"):
        ratio = percentile(latencies[name], 0.95) / trivial
        print(f"  {name:<24}{ratio:>8.2f}   ≤ 3 {'ok' if ratio <= 3 else 'MISSED'}")


if __name__ == "__main__":
    main()
