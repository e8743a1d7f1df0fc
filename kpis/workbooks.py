"""Reading a staff member's Excel workbook (.xlsx) as a table: the first sheet,
row by row, numbers kept as numbers. What the cells mean is the importer's
business (kpis/services/imports.py); this only gets them out of the file.

openpyxl parses the workbook's parts through defusedxml (installed beside it),
and the first sheet is parsed here with defusedxml's parser: no entity
expansion bombs, no external entities."""

import functools
import io
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from typing import BinaryIO

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser, ParseError
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import from_excel, from_ISO8601

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
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, ParseError) as error:
        raise ValueError(_unreadable(error)) from None
    return _sheet_records(workbook)


def _unreadable(error: Exception) -> str:
    return _("Không đọc được tệp Excel (.xlsx): %(error)s. Hãy mở tệp trong Excel và lưu lại "
             "dạng \"Excel Workbook (*.xlsx)\".") % {"error": error}


def _sheet_records(workbook) -> Iterator[Record]:
    """openpyxl reads the workbook's parts (shared strings, styles, the first
    sheet's place); the sheet itself is parsed here. openpyxl's read-only
    parser builds a cell object per cell and keeps every parsed row's emptied
    XML element until the end of the sheet (about 90 bytes a row); this parser
    keeps nothing of a row once it is yielded, at about twice the speed."""
    try:
        if not workbook.worksheets:
            return
        sheet = workbook.worksheets[0]
        reader = _SheetReader(workbook, sheet._shared_strings)
        parser = DefusedXMLParser(target=reader, forbid_dtd=False, forbid_entities=True, forbid_external=True)
        with workbook._archive.open(sheet._worksheet_path) as member:
            while True:
                chunk = member.read(CHUNK)
                fault = _feed(parser, chunk)
                # The rows read before a fault come first, so the message names the row after them.
                yield from reader.records
                reader.records.clear()
                if fault is not None:
                    raise fault
                if not chunk:
                    return
    finally:
        workbook.close()


def _feed(parser, chunk: bytes) -> ValueError | None:
    try:
        parser.feed(chunk) if chunk else parser.close()
    except (ParseError, DefusedXmlException, ValueError, IndexError, OverflowError) as error:
        return ValueError(_unreadable(error))
    return None


class _SheetReader:
    """An expat target: the sheet's rows as records, from the start, end and text
    events of its elements, the cells read as openpyxl's read-only reader reads
    them with data_only (formulas give their saved value)."""

    def __init__(self, workbook, strings):
        self.records: list[Record] = []
        self.strings = strings
        self.epoch = workbook.epoch
        self.dates = workbook._date_formats
        self.durations = workbook._timedelta_formats
        self.percents = {index for index, style in enumerate(workbook._cell_styles)
                         if "%" in _number_format(workbook, style.numFmtId)}
        self.row = 0
        self.cells: list[Cell] = []
        self.text: list[str] | None = None
        self.cell_type = "n"
        self.style = 0
        self.column = 0
        self.phonetic = False
        self.value: str | None = None
        self.inline: list[str] = []

    def start(self, tag: str, attrib: dict) -> None:
        if tag == _CELL:
            self.cell_type = attrib.get("t", "n")
            self.style = int(attrib.get("s") or 0)
            reference = attrib.get("r")
            self.column = _column(reference) if reference else self.column + 1
            self.value = None
            self.inline = []
        elif tag == _VALUE or (tag == _TEXT and not self.phonetic):
            self.text = []
        elif tag == _ROW:
            self.row = int(attrib["r"]) if "r" in attrib else self.row + 1
            self.cells = []
            self.column = 0
        elif tag == _PHONETIC:
            self.phonetic = True

    def data(self, text: str) -> None:
        if self.text is not None:
            self.text.append(text)

    def end(self, tag: str) -> None:
        if tag == _VALUE or (tag == _TEXT and not self.phonetic):
            text, self.text = "".join(self.text or ()), None
            if tag == _VALUE:
                self.value = text or None
            else:
                self.inline.append(text)
        elif tag == _CELL:
            self._cell()
        elif tag == _ROW:
            self._row()
        elif tag == _PHONETIC:
            self.phonetic = False

    def _cell(self) -> None:
        value = self._value()
        if value == "":
            return
        missing = self.column - 1 - len(self.cells)
        if missing > 0:
            self.cells.extend([""] * missing)
        if missing >= 0:
            self.cells.append(value)
        else:
            self.cells[self.column - 1] = value

    def _value(self) -> Cell:
        kind, value = self.cell_type, self.value
        if kind == "inlineStr":
            return "".join(self.inline)
        if value is None:
            return ""
        if kind == "n":
            return self._number(value)
        if kind == "s":
            return self.strings[int(value)]
        if kind == "b":
            return int(bool(int(value)))
        if kind == "d":
            return str(from_ISO8601(value))
        return value  # "str" (a formula's text) and "e" (an error such as #N/A), as saved

    def _number(self, text: str) -> Cell:
        number = float(text) if "." in text or "e" in text or "E" in text else int(text)
        if self.style in self.dates:
            try:
                return str(from_excel(number, self.epoch, timedelta=self.style in self.durations))
            except (OverflowError, ValueError):
                return "#VALUE!"
        if self.style in self.percents:
            shown = (Decimal(repr(number)) * 100).normalize()
            return format(shown, "f").replace(".", ",") + "%"
        return number

    def _row(self) -> None:
        if self.cells:
            self.records.append((self.row, self.cells))
        self.cells = []


def _number_format(workbook, number_format_id: int) -> str:
    # As openpyxl's ReadOnlyCell.number_format: built-in ids below 164, the workbook's own above.
    if number_format_id < BUILTIN_FORMATS_MAX_SIZE:
        return BUILTIN_FORMATS.get(number_format_id, "General")
    return workbook._number_formats[number_format_id - BUILTIN_FORMATS_MAX_SIZE]


@functools.lru_cache(maxsize=1024)
def _column(reference: str) -> int:
    return column_index_from_string(reference.rstrip("0123456789"))


CHUNK = 256 * 1024
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _CELL, _VALUE = _MAIN + "row", _MAIN + "c", _MAIN + "v"
_TEXT, _PHONETIC = _MAIN + "t", _MAIN + "rPh"
