"""The import's working table: the checked rows of a file, streamed into a
temporary table (COPY on PostgreSQL) and compared, locked and written with a
fixed number of set-based statements, so that an import's memory does not
grow with its file and a million rows cost seconds, not one query each.
The rules of what may be written stay in kpis/services/imports.py; this only
moves rows and answers questions about them."""

import io
from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from itertools import groupby

from django.db import connection
from django.db.models import Model

from kpis.aggregation import stale_mark_query
from kpis.models import DataValue, ReportStatus, YearlyReport

TABLE = "kpis_import_rows"
_COLUMNS = ("line", "indicator_id", "org_unit_id", "sector_id", "year", "period", "value", "comment", "source")
_BATCH = 10_000
_ANALYZE_FROM = 1000  # reports created by one import
# A cell and a report are keyed by their period too (kpis.periods: 0 is the year).
_KEY = ("t.indicator_id = d.indicator_id AND t.org_unit_id = d.org_unit_id AND t.year = d.year "
        "AND t.period = d.period")
# The same key where the working table is named rather than aliased (UPDATE, DELETE).
_SAME_CELL = (f"{TABLE}.indicator_id = d.indicator_id AND {TABLE}.org_unit_id = d.org_unit_id "
              f"AND {TABLE}.year = d.year AND {TABLE}.period = d.period")
_REPORT_KEY = ("r.sector_id = t.sector_id AND r.org_unit_id = t.org_unit_id AND r.year = t.year "
               "AND r.period = t.period")
Staged = tuple[int, int, int, int, int, int, Decimal, str | None, str | None]  # in _COLUMNS order


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: str | None) -> str:
    """A text cell in COPY's text format (None is NULL: the file has no such column)."""
    return "\\N" if value is None else value.translate(_COPY_ESCAPES)


def _copy_line(row: Staged) -> str:
    line, indicator_id, org_unit_id, sector_id, year, period, value, comment, source = row
    return (f"{line}\t{indicator_id}\t{org_unit_id}\t{sector_id}\t{year}\t{period}\t{value}\t"
            f"{_copy_text(comment)}\t{_copy_text(source)}\n")


class ImportTable:
    """One import's rows. Created empty in the caller's transaction; dropped by ``drop``."""

    def __init__(self) -> None:
        self.cursor = connection.cursor()
        self.cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
        self.cursor.execute(
            f"CREATE TEMPORARY TABLE {TABLE} (line integer NOT NULL, indicator_id bigint NOT NULL, "
            "org_unit_id bigint NOT NULL, sector_id bigint NOT NULL, year smallint NOT NULL, "
            "period smallint NOT NULL, value numeric(20, 6) NOT NULL, comment text, source text, stored_id bigint, "
            "changed boolean NOT NULL DEFAULT FALSE)")

    def drop(self) -> None:
        self.cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
        self.cursor.close()

    # -- loading ---------------------------------------------------------------

    def load(self, rows: Iterable[Staged]) -> None:
        batch: list[Staged] = []
        for row in rows:
            batch.append(row)
            if len(batch) == _BATCH:
                self._write_batch(batch)
                batch = []
        self._write_batch(batch)
        self.cursor.execute(f"CREATE INDEX {TABLE}_key ON {TABLE} (indicator_id, org_unit_id, year, period, line)")
        if connection.vendor == "postgresql":
            self.cursor.execute(f"ANALYZE {TABLE}")  # a temporary table has no statistics until told

    def _write_batch(self, batch: list[Staged]) -> None:
        if not batch:
            return
        columns = ", ".join(_COLUMNS)
        if connection.vendor == "postgresql":
            text = "".join(map(_copy_line, batch))
            self.cursor.cursor.copy_expert(f"COPY {TABLE} ({columns}) FROM STDIN", io.StringIO(text))
        else:
            rows = [(*row[:6], str(row[6]), *row[7:]) for row in batch]
            self.cursor.executemany(f"INSERT INTO {TABLE} ({columns}) VALUES ({', '.join(['%s'] * 9)})", rows)

    # -- questions ---------------------------------------------------------------

    def repeated(self) -> list[tuple[int, int, int, int, int, int]]:
        """(line, indicator id, org unit id, year, period, first line) of each row whose
        cell an earlier row of the file already gave; those rows are then left out."""
        self.cursor.execute(
            f"SELECT t.line, t.indicator_id, t.org_unit_id, t.year, t.period, f.first FROM {TABLE} t JOIN "
            f"(SELECT indicator_id, org_unit_id, year, period, MIN(line) AS first FROM {TABLE} "
            " GROUP BY indicator_id, org_unit_id, year, period HAVING COUNT(*) > 1) f "
            "ON t.indicator_id = f.indicator_id AND t.org_unit_id = f.org_unit_id AND t.year = f.year "
            "AND t.period = f.period WHERE t.line > f.first ORDER BY t.line")
        repeated = self.cursor.fetchall()
        if repeated:
            self.cursor.execute(
                f"DELETE FROM {TABLE} WHERE EXISTS (SELECT 1 FROM {TABLE} d WHERE {_SAME_CELL} "
                f"AND d.line < {TABLE}.line)")
        return repeated

    def count(self) -> int:
        self.cursor.execute(f"SELECT COUNT(*) FROM {TABLE}")
        return self.cursor.fetchone()[0]

    def lock_reports(self) -> None:
        """Nobody may submit or reopen a report of the file's units and years while it is written."""
        if connection.features.has_select_for_update:
            self.cursor.execute(
                "SELECT r.id FROM kpis_yearlyreport r WHERE EXISTS (SELECT 1 FROM "
                f"{TABLE} t WHERE t.org_unit_id = r.org_unit_id AND t.year = r.year) ORDER BY r.id FOR UPDATE")

    def unapproved(self) -> list[tuple[int, int, int, int, int, str]]:
        """(line, sector id, org unit id, year, period, status) of rows whose report is not approved."""
        self.cursor.execute(
            f"SELECT t.line, t.sector_id, t.org_unit_id, t.year, t.period, r.status FROM {TABLE} t "
            f"JOIN kpis_yearlyreport r ON {_REPORT_KEY} WHERE r.status <> %s ORDER BY t.line",
            [ReportStatus.APPROVED.value])
        return self.cursor.fetchall()

    def unit_periods(self) -> Iterator[tuple[tuple[int, int, int], list[tuple], dict[int, Decimal]]]:
        """Per (org unit, year, period) of the file: its rows (line, indicator id,
        value) and every stored figure of that unit and period by indicator id,
        read in one ordered pass (the rules compare figures of one period across sectors)."""
        cursor = connection.chunked_cursor()
        cursor.execute(
            f"SELECT org_unit_id, year, period, line, indicator_id, value FROM {TABLE} UNION ALL "
            "SELECT d.org_unit_id, d.year, d.period, NULL, d.indicator_id, d.value FROM kpis_datavalue d "
            f"WHERE EXISTS (SELECT 1 FROM {TABLE} t WHERE t.org_unit_id = d.org_unit_id AND t.year = d.year "
            "AND t.period = d.period) ORDER BY 1, 2, 3, 4")
        try:
            for key, records in groupby(_fetched(cursor), key=lambda record: record[:3]):
                rows, stored = [], {}
                for _unit, _year, _period, line, indicator_id, value in records:
                    if line is None:
                        stored[indicator_id] = value
                    else:
                        rows.append((line, indicator_id, value))
                yield key, rows, stored
        finally:
            cursor.close()

    def classify(self) -> dict[str, int]:
        """Each row matched with its stored figure; counts of what would be created, updated, left unchanged."""
        self.cursor.execute(
            f"UPDATE {TABLE} SET stored_id = d.id, changed = (d.value <> {TABLE}.value "
            f"OR d.comment <> COALESCE({TABLE}.comment, d.comment) OR d.source <> COALESCE({TABLE}.source, d.source)) "
            f"FROM kpis_datavalue d WHERE {_SAME_CELL}")
        self.cursor.execute(
            "SELECT COALESCE(SUM(CASE WHEN stored_id IS NULL THEN 1 ELSE 0 END), 0), "
            "COALESCE(SUM(CASE WHEN changed THEN 1 ELSE 0 END), 0), "
            f"COALESCE(SUM(CASE WHEN stored_id IS NOT NULL AND NOT changed THEN 1 ELSE 0 END), 0) FROM {TABLE}")
        created, updated, unchanged = self.cursor.fetchone()
        return {"created": created, "updated": updated, "unchanged": unchanged}

    def rows(self) -> list[Staged]:
        """Every row, in file order (a small file, written row by row)."""
        self.cursor.execute(f"SELECT {', '.join(_COLUMNS)} FROM {TABLE} ORDER BY line")
        return self.cursor.fetchall()

    # -- writing (after classify) -----------------------------------------------

    def write(self, *, user_id: int | None, now: datetime) -> None:
        """Approved reports for the rows that have none, then new and changed
        figures, each with its history row, then the stale marks of the changed
        cells (by year: the recompute redoes every period of a stale year)."""
        self._reports_create(user_id, now)
        self.cursor.execute(
            "INSERT INTO kpis_datavalue (report_id, indicator_id, org_unit_id, year, period, value, comment, "
            "source, updated_at, updated_by_id) "
            "SELECT r.id, t.indicator_id, t.org_unit_id, t.year, t.period, t.value, COALESCE(t.comment, ''), "
            f"COALESCE(t.source, ''), %s, %s FROM {TABLE} t JOIN kpis_yearlyreport r ON {_REPORT_KEY} "
            "WHERE t.stored_id IS NULL ORDER BY t.line", [now, user_id])
        _history(self.cursor, DataValue, f"kpis_datavalue d JOIN {TABLE} t ON {_KEY} WHERE t.stored_id IS NULL",
                 "d", "+", user_id, now)
        self.cursor.execute(
            "UPDATE kpis_datavalue SET value = t.value, comment = COALESCE(t.comment, kpis_datavalue.comment), "
            "source = COALESCE(t.source, kpis_datavalue.source), updated_at = %s, updated_by_id = %s "
            f"FROM {TABLE} t WHERE kpis_datavalue.id = t.stored_id AND t.changed", [now, user_id])
        _history(self.cursor, DataValue, f"kpis_datavalue d JOIN {TABLE} t ON d.id = t.stored_id WHERE t.changed",
                 "d", "~", user_id, now)
        stale_mark_query(sql=f"SELECT indicator_id, org_unit_id, year FROM {TABLE} "
                             "WHERE stored_id IS NULL OR changed", params=[])

    def _reports_create(self, user_id: int | None, now: datetime) -> None:
        self.cursor.execute("DROP TABLE IF EXISTS kpis_import_reports")
        self.cursor.execute(
            "CREATE TEMPORARY TABLE kpis_import_reports AS SELECT DISTINCT t.sector_id, t.org_unit_id, t.year, "
            f"t.period FROM {TABLE} t WHERE NOT EXISTS (SELECT 1 FROM kpis_yearlyreport r WHERE {_REPORT_KEY})")
        self.cursor.execute(
            "INSERT INTO kpis_yearlyreport (sector_id, org_unit_id, year, period, status, created_at, "
            "created_by_id, submitted_at, submitted_by_id, approved_at, approved_by_id, return_reason) "
            "SELECT t.sector_id, t.org_unit_id, t.year, t.period, %s, %s, %s, %s, %s, %s, %s, '' "
            "FROM kpis_import_reports t ORDER BY t.sector_id, t.org_unit_id, t.year, t.period",
            [ReportStatus.APPROVED.value, now, user_id, now, user_id, now, user_id])
        created = self.cursor.rowcount
        _history(self.cursor, YearlyReport, f"kpis_yearlyreport r JOIN kpis_import_reports t ON {_REPORT_KEY}",
                 "r", "+", user_id, now)
        if created >= _ANALYZE_FROM and connection.vendor == "postgresql":
            # The figures are joined to their new reports next: statistics taken when the
            # table was empty (a first load) would plan that join for a handful of rows.
            self.cursor.execute("ANALYZE kpis_yearlyreport")
        self.cursor.execute("DROP TABLE kpis_import_reports")


def _fetched(cursor) -> Iterator[tuple]:
    while records := cursor.fetchmany(_BATCH):
        yield from records


def _history(cursor, model: type[Model], source: str, alias: str, kind: str, user_id: int | None,
             now: datetime) -> None:
    """One history row per source row, as django-simple-history's bulk helpers
    write them (its date, type and user; no change reason), in one statement."""
    history = model.history.model
    columns, values, params = [], [], []
    for field in history._meta.concrete_fields:
        if field.name == "history_id":
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.name == "history_date":
            values.append("%s")
            params.append(now)
        elif field.name == "history_type":
            values.append("%s")
            params.append(kind)
        elif field.name == "history_user":
            values.append("%s")
            params.append(user_id)
        elif field.name == "history_change_reason":
            values.append("NULL")
        else:
            values.append(f"{alias}.{connection.ops.quote_name(field.column)}")
    cursor.execute(f"INSERT INTO {history._meta.db_table} ({', '.join(columns)}) "
                   f"SELECT {', '.join(values)} FROM {source}", params)
