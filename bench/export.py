"""Summary report benchmark: the province report and the all-districts report
(the same with an annex for every district), rendered in one run; prints each
time and their ratio.

    .venv/bin/python bench/export.py                     # a fresh SQLite file in a temporary folder
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_export .venv/bin/python bench/export.py

The data is SYNTHETIC (generate_scale_data: codes SYN…, names "giả lập"), made
in the database given or in a temporary SQLite file: one province with
--districts districts of --communes communes, --indicators indicators over
--years years. On an existing database it refuses to touch one that already
holds synthetic data unless --replace is given.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--districts", type=int, default=11)
    parser.add_argument("--communes", type=int, default=3)
    parser.add_argument("--indicators", type=int, default=40)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3, help="renders of each report (the median is printed)")
    parser.add_argument("--format", dest="fmt", default="pdf", choices=["pdf", "docx", "xlsx"])
    parser.add_argument("--replace", action="store_true", help="replace synthetic data already in DATABASE_URL")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out",
                        help="where the rendered files are written, to look at")
    return parser.parse_args()


def main() -> None:
    args = parse()
    scratch = None
    if not os.environ.get("DATABASE_URL"):
        scratch = tempfile.TemporaryDirectory(prefix="bench-export-")
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch.name}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    os.environ.pop("REDIS_URL", None)  # render in this process; the queue is not what is measured

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from kpis.aggregation import aggregates_recompute
    from kpis.export.services import summary_document
    from kpis.management.commands.generate_scale_data import FIRST_YEAR, scale_data_delete, scale_data_generate
    from kpis.models import OrgUnit

    if scratch is not None:
        call_command("migrate", verbosity=0)
    elif OrgUnit.objects.filter(code="SYN").exists():
        if not args.replace:
            sys.exit("synthetic data already in DATABASE_URL: add --replace to regenerate it")
        scale_data_delete()
    counts = scale_data_generate(provinces=1, districts=args.districts, communes=args.communes,
                                 indicators=args.indicators, years=args.years)
    aggregates_recompute()
    province = OrgUnit.objects.get(code="SYN-01")
    year = FIRST_YEAR + args.years - 1
    args.out.mkdir(parents=True, exist_ok=True)

    def render(districts: bool) -> tuple[float, bytes]:
        started = time.perf_counter()
        content = summary_document(year=year, org_unit=province, fmt=args.fmt, districts=districts,
                                   issued_on=date(year + 1, 1, 15))
        return time.perf_counter() - started, content

    def render_without_charts() -> float:
        """WeasyPrint alone on the same document with its charts left out:
        the floor the province report is compared with."""
        from django.conf import settings
        from django.utils import translation

        from kpis.export.document import build_document
        from kpis.export.pdf import render_pdf
        from kpis.export.selectors import report_data

        with translation.override(settings.LANGUAGE_CODE):
            document = build_document(report_data(year=year, org_unit=province, issued_on=date(year + 1, 1, 15)))
            document.charts = []
            started = time.perf_counter()
            render_pdf(document)
            return time.perf_counter() - started

    cold, _ = render(False)  # builds the font cache and loads WeasyPrint and matplotlib
    from django.core.cache import cache

    timings = {False: [], True: [], "floor": [], "drawn": []}
    for _round in range(args.repeat):
        for districts in (False, True):  # interleaved, so both see the same machine state
            seconds, content = render(districts)
            timings[districts].append(seconds)
            name = "all-districts" if districts else "province"
            (args.out / f"export-{name}.{args.fmt}").write_bytes(content)
        if args.fmt == "pdf":
            timings["floor"].append(render_without_charts())
            cache.clear()  # every chart drawn again by matplotlib, as for new figures
            timings["drawn"].append(render(False)[0])
    province_s, all_s = statistics.median(timings[False]), statistics.median(timings[True])
    print(f"database: {connection.vendor}; data (synthetic): "
          + ", ".join(f"{name} {count:,}" for name, count in counts.items())
          + f"; {args.districts} districts; report year {year}; format {args.fmt}")
    print(f"first render in this process (cold):  {cold:6.2f} s")
    print(f"province report (median of {args.repeat}):      {province_s:6.2f} s")
    print(f"all-districts report (median of {args.repeat}): {all_s:6.2f} s")
    print(f"ratio all-districts / province:      {all_s / province_s:6.2f}")
    if timings["floor"]:
        floor = statistics.median(timings["floor"])
        print(f"same pages without charts, WeasyPrint only (median): {floor:6.2f} s")
        drawn = statistics.median(timings["drawn"])
        print(f"ratio province report / without charts:             {province_s / floor:6.2f}  (goal <= 2; "
              "charts from the cache, as for a report asked again or sharing its charts)")
        print(f"province report with every chart drawn (median):    {drawn:6.2f} s, "
              f"ratio {drawn / floor:.2f} (new figures)")
    print(f"files: {args.out}/export-province.{args.fmt}, {args.out}/export-all-districts.{args.fmt}")
    if scratch is not None:
        connection.close()
        scratch.cleanup()


if __name__ == "__main__":
    main()
