"""Import benchmark: `manage.py import_values` beside PostgreSQL's COPY of the
same rows, and the importing process's peak memory at two file sizes, printed
as ratios measured in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_import REDIS_URL=redis://127.0.0.1:6379/1 \\
        .venv/bin/python bench/import_values.py [--rows 1000000] [--small 100000] [--no-xlsx]

The database must be migrated and hold no real catalogue: the script makes a
synthetic one with `generate_scale_data` (1,000 communes under 110 larger units,
102 commune indicators; 10 years give 1,020,000 distinct cells), then empties
the value, report, history and stale-mark tables before every import, so each
import is a first load that creates every figure (and its report and history).

Files (written once into a temporary directory): a comma CSV file and an .xlsx
workbook (as Excel saves one: its dimension, shared strings, numbers as numbers) of
indicator, org_unit, year, value, comment, in
unit × year × indicator order, at ``--small`` and ``--rows`` rows (the small
file is the first rows of the large one).

Measured, each import a fresh `manage.py import_values FILE` process, run as
a user runs it (REDIS_URL set, so the recompute is queued, not run inline):
  import      rows per second of the whole command (reading, checking, writing
              values, reports, history and stale marks, commit);
  COPY        rows per second of `COPY … FROM STDIN (FORMAT csv)` of the same
              rows, resolved to ids (the report ids made beforehand, untimed),
              straight into kpis_datavalue: the same table, keys, indexes and
              integrity check the import writes, so the least any durable
              write of these figures costs (the goal's floor). For context:
              COPY into a plain table of the same columns with only the
              primary and unique key, and COPY of the file's text columns
              into a table with no key (less than any import must do);
  memory      the importing process's peak RSS (its VmHWM at exit), at both sizes.
The import also writes what COPY does not: one history row per figure, the
reports and their history, the stale marks.
Goals (issue 11): CSV import ≥ 0,25 × COPY into the value table; peak memory
not growing with the file.
"""

import argparse
import csv
import io
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from kpis.models import Indicator, OrgUnit  # noqa: E402

EMPTIED = ("kpis_stalemark", "kpis_historicaldatavalue", "kpis_datavalue", "kpis_historicalyearlyreport",
           "kpis_yearlyreport", "kpis_aggregate")
FIRST_YEAR = 2015


def catalogue() -> tuple[list[str], list[str]]:
    """Commune codes and commune indicator codes of a synthetic catalogue."""
    if not OrgUnit.objects.filter(code="SYN").exists():
        call_command("generate_scale_data", provinces=10, districts=10, communes=10, indicators=120, years=1)
    empty()
    communes = list(OrgUnit.objects.filter(code__startswith="SYN-", level="commune").order_by("code")
                    .values_list("code", flat=True))
    indicators = [i.code for i in Indicator.objects.filter(code__startswith="SYN_I", formula="").order_by("code")
                  if i.entry_levels == ["commune"]]
    return communes, indicators


def empty() -> None:
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(EMPTIED))


def rows(communes: list[str], indicators: list[str], count: int):
    produced = 0
    for unit in communes:
        for year in range(FIRST_YEAR, FIRST_YEAR + 10):
            for position, code in enumerate(indicators):
                if produced == count:
                    return
                value = 1 + (produced * 7919) % 100000
                yield code, unit, year, value, "ghi chú" if position % 10 == 0 else ""
                produced += 1
    if produced < count:
        raise SystemExit(f"the catalogue holds only {produced:,} cells")


def write_csv(path: Path, data) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["indicator", "org_unit", "year", "value", "comment"])
        writer.writerows(data)


def write_xlsx(path: Path, data) -> None:
    """The workbook Excel would save (one sheet, text in the shared-strings table,
    numbers as numbers), written directly: openpyxl's writer takes twenty minutes
    for a million rows on this machine, and only the reading is measured."""
    strings: dict[str, int] = {}

    def cell(column: str, number: int, value) -> str:
        if isinstance(value, int):
            return f'<c r="{column}{number}"><v>{value}</v></c>'
        if value == "":
            return ""
        index = strings.setdefault(value, len(strings))
        return f'<c r="{column}{number}" t="s"><v>{index}</v></c>'

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="'
                        + MAIN.encode() + b'">')
            rows = [("indicator", "org_unit", "year", "value", "comment"), *data]
            # As Excel writes it; without it openpyxl parses the whole sheet once more when opening it.
            sheet.write(f'<dimension ref="A1:E{len(rows)}"/><sheetData>'.encode())
            for number, row in enumerate(rows, start=1):
                cells = "".join(cell(column, number, value) for column, value in zip("ABCDE", row, strict=True))
                sheet.write(f'<row r="{number}">{cells}</row>'.encode())
            sheet.write(b"</sheetData></worksheet>")
        items = "".join(f"<si><t>{escape(text)}</t></si>" for text in strings)
        archive.writestr("xl/sharedStrings.xml", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                         f'<sst xmlns="{MAIN}" count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>')
        for name, text in XLSX_PARTS.items():
            archive.writestr(name, text)


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE = "http://schemas.openxmlformats.org/package/2006"
XLSX_PARTS = {
    "[Content_Types].xml": f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{_PACKAGE}/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    "_rels/.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PACKAGE}/relationships">'
    f'<Relationship Id="rId1" Type="{_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{_RELS}">'
    '<sheets><sheet name="values" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships '
    f'xmlns="{_PACKAGE}/relationships"><Relationship Id="rId1" Type="{_RELS}/worksheet" '
    'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{_RELS}/sharedStrings" '
    'Target="sharedStrings.xml"/></Relationships>'.replace("{_RELS}", _RELS),
}


# manage.py, run so that the process reports its own peak RSS when it exits. VmHWM
# belongs to the program exec'd; getrusage's maxrss of a child would also count
# the pages of this (large) process it was forked from.
PEAK_REPORTING_MANAGE = """
import atexit, runpy, sys
def peak():
    status = open("/proc/self/status").read()
    sys.stderr.write("\\nVmHWM " + status.split("VmHWM:")[1].split()[0] + "\\n")
atexit.register(peak)
sys.argv = ["manage.py", *sys.argv[1:]]
runpy.run_path("manage.py", run_name="__main__")
"""


def run_import(path: Path) -> tuple[float, int, str]:
    """Seconds and peak RSS (KiB) of one `manage.py import_values` process."""
    # Production settings, as an operator runs the command; a benchmark-only key and host pass the checks.
    env = {**os.environ, "DEBUG": "false", "LOG_LEVEL": "WARNING", "ALLOWED_HOSTS": "127.0.0.1",
           "SECRET_KEY": "benchmark-only-" + "k7Qx9vLp2Zr4Tn8Wm3Yb6Hd1Fs5Jc0Ge" * 2}
    started = time.perf_counter()
    with tempfile.TemporaryFile() as output:
        process = subprocess.run([sys.executable, "-c", PEAK_REPORTING_MANAGE, "import_values", str(path)],
                                 cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
        seconds = time.perf_counter() - started
        output.seek(0)
        said = output.read().decode()
    if process.returncode:
        raise SystemExit(f"import of {path.name} failed:\n{said[-3000:]}")
    lines = said.strip().splitlines()
    peak = int(next(line.split()[1] for line in lines if line.startswith("VmHWM ")))
    return seconds, peak, next(line for line in lines if line and not line.startswith("VmHWM "))


def copy_rows(data: list[tuple], ids: dict, table: str) -> float:
    """Seconds of one COPY of the rows, resolved to ids, into ``table``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for indicator, unit, year, value, comment in data:
        writer.writerow((ids[(ids["sector"][indicator], ids[unit], year)], ids[indicator], ids[unit], year, value,
                         comment, "", "2026-01-01T00:00:00Z"))
    buffer.seek(0)
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.cursor.copy_expert(f"COPY {table} (report_id, indicator_id, org_unit_id, year, value, comment, source, "
                                  "updated_at) FROM STDIN (FORMAT csv, FORCE_NOT_NULL (comment, source))", buffer)
        return time.perf_counter() - started


def copy_value_table(data: list[tuple], ids: dict) -> float:
    """COPY into kpis_datavalue itself (its keys, indexes and integrity check), the reports made beforehand."""
    empty()
    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO kpis_yearlyreport (sector_id, org_unit_id, year, status, created_at, submitted_at,
                                           approved_at, return_reason)
            SELECT DISTINCT i.sector_id, u.id, y, 'approved', now(), now(), now(), ''
            FROM kpis_indicator i CROSS JOIN kpis_orgunit u CROSS JOIN generate_series(%s, %s) y
            WHERE i.code LIKE 'SYN!_I%%' ESCAPE '!' AND u.level = 'commune'""", [FIRST_YEAR, FIRST_YEAR + 9])
        cursor.execute("ANALYZE kpis_yearlyreport")
        cursor.execute("SELECT sector_id, org_unit_id, year, id FROM kpis_yearlyreport")
        ids.update({(sector, unit, year): pk for sector, unit, year, pk in cursor.fetchall()})
    seconds = copy_rows(data, ids, "kpis_datavalue")
    empty()
    return seconds


def copy_keyed(data: list[tuple], ids: dict) -> float:
    """COPY into a plain table of the same columns with only the primary and the unique key (context)."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_copy_ids")
        cursor.execute("CREATE TABLE bench_copy_ids (id bigserial PRIMARY KEY, report_id bigint, "
                       "indicator_id bigint, org_unit_id bigint, year smallint, value numeric(20, 6), "
                       "comment text, source varchar(500), updated_at timestamptz, "
                       "UNIQUE (indicator_id, org_unit_id, year))")
        seconds = copy_rows(data, ids, "bench_copy_ids")
        cursor.execute("DROP TABLE bench_copy_ids")
    return seconds


def copy_text(path: Path) -> float:
    """COPY of the file's own bytes into text columns, no key (context only)."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_copy_text")
        cursor.execute("CREATE TABLE bench_copy_text (indicator text, org_unit text, year text, value text, "
                       "comment text)")
        started = time.perf_counter()
        with path.open(encoding="utf-8") as handle:
            cursor.cursor.copy_expert("COPY bench_copy_text FROM STDIN (FORMAT csv, HEADER true)", handle)
        seconds = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_copy_text")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--no-xlsx", action="store_true", help="CSV only (writing and reading a workbook is slow)")
    args = parser.parse_args()
    if not os.environ.get("REDIS_URL"):
        print("note: REDIS_URL is not set, so each import also recomputes the aggregates inline")
    communes, indicators = catalogue()
    ids = {code: pk for code, pk in Indicator.objects.values_list("code", "pk")}
    ids.update(OrgUnit.objects.values_list("code", "pk"))
    ids["sector"] = dict(Indicator.objects.values_list("code", "sector_id"))
    print(f"catalogue: {len(communes):,} communes × {len(indicators)} indicators × 10 years", flush=True)
    directory = Path(tempfile.mkdtemp(prefix="bench-import-"))
    kinds = ["csv"] + ([] if args.no_xlsx else ["xlsx"])
    files = {}
    for size in (args.small, args.rows):
        data = list(rows(communes, indicators, size))
        for kind in kinds:
            path = directory / f"values-{size}.{kind}"
            started = time.perf_counter()
            (write_csv if kind == "csv" else write_xlsx)(path, data)
            files[(kind, size)] = path
            print(f"wrote {path.name}: {path.stat().st_size / 2**20:.1f} MiB in {time.perf_counter() - started:.0f} s",
                  flush=True)
    results = {}
    for size in (args.small, args.rows):
        data = list(rows(communes, indicators, size))
        results[("COPY value table", size)] = (copy_value_table(data, ids), 0, "")
        results[("COPY keyed table", size)] = (copy_keyed(data, ids), 0, "")
        results[("COPY text, no key", size)] = (copy_text(files[("csv", size)]), 0, "")
        for floor in ("COPY value table", "COPY keyed table", "COPY text, no key"):
            print(f"  {floor} {size:,} rows: {results[(floor, size)][0]:.2f} s", flush=True)
        del data
        for kind in kinds:
            empty()
            results[(kind, size)] = run_import(files[(kind, size)])
            seconds, peak, said = results[(kind, size)]
            ratio = results[("COPY value table", size)][0] / seconds
            print(f"  {kind} {size:,} rows: {seconds:.1f} s, peak {peak / 1024:.0f} MiB, "
                  f"{ratio:.3f} × COPY into the value table ({said})", flush=True)
    empty()
    for path in files.values():
        path.unlink()
    directory.rmdir()

    print(f"\n{'measure':<28}{'rows':>11}{'seconds':>10}{'rows/s':>11}{'peak MiB':>10}")
    for (name, size), (seconds, peak, _said) in results.items():
        print(f"{name:<28}{size:>11,}{seconds:>10.2f}{size / seconds:>11,.0f}{peak / 1024 if peak else 0:>10.0f}")
    print("\nratios (rows per second of the import / of COPY)      measured   goal")
    for kind in kinds:
        for size in (args.small, args.rows):
            for floor in ("COPY value table", "COPY keyed table"):
                ratio = results[(floor, size)][0] / results[(kind, size)][0]
                goal = ""
                if floor == "COPY value table":
                    goal = ("≥ 0.25 " + ("ok" if ratio >= 0.25 else "MISSED")) if kind == "csv" else "(context)"
                print(f"  {kind:<4} / {floor:<17} {size:>9,} rows  {ratio:>8.3f}   {goal}")
        memory = results[(kind, args.rows)][1] / results[(kind, args.small)][1]
        print(f"  {kind:<4} peak RSS, {args.rows:,} / {args.small:,} rows        {memory:>8.2f}   "
              f"≈ 1 {'ok' if memory <= 1.25 else 'MISSED'}")


if __name__ == "__main__":
    main()
