"""Reading a staff member's Excel workbook (.xlsx) as a table: the first sheet,
row by row, numbers kept as numbers. What the cells mean is the importer's
business (kpis/services/imports.py); this only gets them out of the file.

openpyxl parses the workbook's XML through defusedxml (installed beside it):
no entity expansion bombs, no external entities."""

import io
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from typing import BinaryIO

from django.utils.translation import gettext as _
from openpyxl import load_workbook

# Every .xlsx is a zip archive; a CSV file never starts with these bytes.
WORKBOOK_SIGNATURE = b"PK\x03\x04"

Cell = str | int | float | Decimal
Record = tuple[int, list[Cell]]  # (row number in the sheet, cells)


def workbook_rows(content: bytes, *, max_rows: int | None = None) -> list[Record]:
    """The non-empty rows of the first sheet, trailing empty cells left out.
    Empty cells read as "", text as text, numbers as int or float. A number
    shown as a percentage (Excel keeps 92,7% as 0.927) becomes the text
    "92,7%", which the number rules refuse with a hint rather than storing
    0.927. Raises ValueError with a message for the user when the file is not
    a workbook openpyxl can read. With ``max_rows``, stops after that many
    non-empty rows (the caller reports a file that long as too long)."""
    records = []
    for record in workbook_records(io.BytesIO(content)):
        records.append(record)
        if max_rows is not None and len(records) >= max_rows:
            break
    return records


def workbook_records(source: BinaryIO) -> Iterator[Record]:
    """The rows of ``workbook_rows``, read one at a time from a file: memory
    stays flat however long the sheet. The workbook is opened (and a file
    openpyxl cannot read refused with ValueError) before the first row is asked for."""
    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as error:
        raise ValueError(_("Không đọc được tệp Excel (.xlsx): %(error)s. Hãy mở tệp trong Excel và lưu lại "
                           "dạng \"Excel Workbook (*.xlsx)\".") % {"error": error}) from None
    return _sheet_records(workbook)


def _sheet_records(workbook) -> Iterator[Record]:
    try:
        if not workbook.worksheets:
            return
        for number, row in enumerate(workbook.worksheets[0].iter_rows(), start=1):
            if (record := _record(number, row)) is not None:
                yield record
    finally:
        workbook.close()


def _record(number: int, row) -> Record | None:
    cells = [_cell(cell) for cell in row]
    while cells and cells[-1] == "":
        cells.pop()
    if not cells:
        return None
    # Read-only sheets may skip leading empty rows: trust the cell's own row.
    row_number = next((cell.row for cell in row if getattr(cell, "row", None)), number)
    return row_number, cells


def _cell(cell) -> Cell:
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        if "%" in (cell.number_format or ""):
            shown = (Decimal(repr(value)) * 100).normalize()
            return format(shown, "f").replace(".", ",") + "%"
        return value
    if isinstance(value, str):
        return value
    return str(value)  # dates and times: the importer names them as not a year or a number
