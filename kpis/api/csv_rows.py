"""Serialized API results as CSV lines, every cell made safe for spreadsheets."""

import csv
import io
import json
from collections.abc import Iterable

from kpis.spreadsheets import safe_row


def _cell(value):
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def csv_lines(columns: list[str], rows: Iterable[dict]) -> Iterable[str]:
    """The header, then one line per row, in the columns' order."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(safe_row(columns))
    for row in rows:
        writer.writerow(safe_row(_cell(row.get(column)) for column in columns))
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
