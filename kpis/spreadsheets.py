"""The one rule for every CSV and XLSX the portal writes: no cell a user typed
can become a formula (OWASP "CSV injection").

A spreadsheet program treats a cell that starts with ``=``, ``+``, ``-`` or
``@`` (and, in some programs, a tab or carriage return before them) as a
formula: ``=HYPERLINK("http://x","y")`` becomes a link that sends data away,
``=cmd|' /C calc'!A0`` runs a program on older Excel. Any such text cell gets a
leading apostrophe, which every spreadsheet program shows as text; a cell that
is a whole number (``-2,5``, ``+3``, ``-1.000``) is left alone, so negative
changes still read as numbers. The full-width forms (``＝``, ``＋``, ``－``,
``＠``) are treated the same: some Excel input methods turn them into formulas.

In XLSX the text cells are also written with the string type: openpyxl
otherwise stores any text beginning with ``=`` as a formula and ``#N/A`` as
an error. Numbers, dates and booleans are written as they are.

Use ``spreadsheet_safe`` for a single value, ``safe_row`` for a CSV row,
``write_cell`` for an openpyxl cell and ``dataset_xlsx`` for a tablib dataset."""

import io
import re
from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal

from django.utils import timezone
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING, Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = frozenset("=+-@\t\r＝＋－＠")
ESCAPE = "'"
# A number as people write it: sign, digits with "." or "," groups or decimals,
# an exponent, a per cent sign. Nothing else: "-2+3" and "+1+1" are formulas.
NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d+)*|[.,]\d+)(?:[eE][+-]?\d+)?%?")
PLAIN_TYPES = (int, float, Decimal, date, datetime, time, bool)
XLSX_MAX_COLUMN_WIDTH = 60


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet program could read this text as a formula."""
    return bool(text) and text[0] in FORMULA_STARTS and NUMBER.fullmatch(text) is None


def spreadsheet_safe(value):
    """The value to write into a spreadsheet cell: formula-like text with a
    leading apostrophe, lazy translations as text, anything else unchanged."""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str) and is_formula_like(value):
        return ESCAPE + value
    return value


def safe_row(values: Iterable) -> list:
    """A row for ``csv.writer`` (or a tablib dataset) with every cell made safe."""
    return [spreadsheet_safe(value) for value in values]


def write_cell(sheet: Worksheet, row: int, column: int, value) -> Cell:
    """Write one openpyxl cell: text made safe and typed as text, numbers and
    dates as they are (openpyxl would otherwise guess "=…" is a formula)."""
    value = spreadsheet_safe(value)
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.make_naive(value)  # Excel has no time zones: the portal's local time
    if value is None or isinstance(value, PLAIN_TYPES):
        cell.value = value
        return cell
    text = str(value)
    cell.value = text
    cell.data_type = TYPE_STRING
    return cell


def dataset_xlsx(dataset) -> bytes:
    """A tablib dataset as an XLSX workbook through ``write_cell``: a bold,
    frozen header row and columns as wide as their content (up to a limit)."""
    book = Workbook()
    sheet = book.active
    sheet.title = re.sub(r"[\\*?:/\[\]]", "-", dataset.title or "Sheet")[:31]
    rows = ([list(dataset.headers)] if dataset.headers else []) + [list(row) for row in dataset]
    widths: dict[int, int] = {}
    for row_number, values in enumerate(rows, start=1):
        for column, value in enumerate(values, start=1):
            cell = write_cell(sheet, row_number, column, value)
            if row_number == 1 and dataset.headers:
                cell.font = Font(bold=True)
            widths[column] = max(widths.get(column, 0), len(str(cell.value or "")))
    if dataset.headers:
        sheet.freeze_panes = "A2"
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = min(XLSX_MAX_COLUMN_WIDTH, width + 2)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
