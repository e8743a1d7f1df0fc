"""Import figures from a CSV file or an Excel workbook (.xlsx; format in
docs/formats.md), all or nothing: yearly figures by a year column, those of
any period (2025-H1, 2025-Q3, 2025-07) by a period column. Numbers are read by the one file-number
reader (kpis/services/values.value_parse with the rules of kpis/numbers.py):
semicolon files and workbook text cells in the Vietnamese convention (9.391,
92,7), comma files in the point convention (9391, 92.7); a value that reads
differently in the two (939.000 in a comma file) is refused, never guessed.
Figures loaded this way count as approved: the operator who runs the import
is trusted (DESIGN.md, "Who sees what")."""

import codecs
import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import BinaryIO, NamedTuple

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from kpis.aggregation import stale_mark
from kpis.formatting import unit_period
from kpis.models import (
    MAX_YEAR,
    MIN_YEAR,
    DataValue,
    Indicator,
    OrgUnit,
    OrgUnitLevel,
    ReportStatus,
    YearlyReport,
)
from kpis.numbers import NumberConvention
from kpis.periods import Period, PeriodError
from kpis.services.import_table import ImportTable, Staged
from kpis.services.reports import datavalue_write, period_words
from kpis.services.values import RuleViolation, period_check, rules_active, rules_check, value_parse
from kpis.workbooks import WORKBOOK_SIGNATURE, workbook_records

REQUIRED_COLUMNS = ("indicator", "org_unit", "year", "value")
OPTIONAL_COLUMNS = ("comment", "source")
# A file gives the period of its figures in a "period" column (2025, 2025-H1,
# 2025-Q3, 2025-07) or, as before periods, the year in "year" (docs/formats.md).
PERIOD_COLUMN = "period"
KNOWN_COLUMNS = (*REQUIRED_COLUMNS, PERIOD_COLUMN, *OPTIONAL_COLUMNS)
# A column whose header starts with this is a note for people (the download
# template's name, unit, last year's figure): every reader skips it.
NOTE_PREFIX = "_"
# Below this many rows each figure goes through datavalue_write, the one
# writer shared with the admin; above it the bulk path keeps large files fast.
BULK_FROM = 200
_BATCH = 1000
_CHUNK = 1 << 20  # bytes read at a time
_SOURCE_MAX = DataValue._meta.get_field("source").max_length
User = AbstractBaseUser | None
Counts = dict[str, int]
ReportKey = tuple[int, int, int, int]  # sector, org unit, year, period (kpis.periods part)


@dataclass
class RowError:
    line: int
    message: str
    field: str = ""  # the column at fault, when one is (the write API reports it)


@dataclass
class ImportResult:
    created: int
    updated: int
    unchanged: int
    errors: list[RowError]
    dry_run: bool

    @property
    def ok(self) -> bool:
        return not self.errors


class _FileError(Exception):
    """The file cannot be read as a table at all (encoding, header)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.error = RowError(line, message)


Cell = str | int | float | Decimal  # a workbook keeps numbers as numbers


@dataclass
class _Table:
    columns: dict[str, int]  # the columns read, by name (note columns left out)
    width: int  # cells in the header, note columns included
    rows: Iterable[tuple[int, list[Cell]]]  # (line or sheet row number, cells), blank lines left out; read once
    delimiter: str  # "," or ";" for a CSV file, "" for a workbook
    convention: NumberConvention


class _Stored(NamedTuple):
    pk: int
    value: Decimal
    comment: str
    source: str


@dataclass
class _Row:
    line: int
    indicator: Indicator
    org_unit: OrgUnit
    year: int
    period: int  # the part of the year (kpis.periods): 0 for the year itself
    value: Decimal
    comment: str | None  # None: no comment column, keep the stored comment
    source: str | None  # None: no source column, keep the stored source

    @property
    def key(self) -> tuple[int, int, int, int]:
        return (self.indicator.pk, self.org_unit.pk, self.year, self.period)

    @property
    def report_key(self) -> ReportKey:
        return (self.indicator.sector_id, self.org_unit.pk, self.year, self.period)

    @property
    def reporting_period(self) -> Period:
        return Period(self.year, self.period)


# -- reading the file ----------------------------------------------------------


def _check_encoding(stream: BinaryIO) -> None:
    """The whole file is UTF-8 without NUL bytes, checked in one pass of
    chunks before any row is read, so that memory stays flat and the file's
    first fault is reported whatever rows come before it."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    nul_line, lines = None, 0
    try:
        while chunk := stream.read(_CHUNK):
            decoder.decode(chunk)
            if nul_line is None and b"\x00" in chunk:
                nul_line = lines + chunk[: chunk.index(b"\x00")].count(b"\n") + 1
            lines += chunk.count(b"\n")
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        stream.seek(0)
        _decode(stream.read())  # a rare file: read whole to name the exact line
    if nul_line is not None:
        # No text column can store it, and a CSV file never holds one: UTF-16 or a binary file does.
        raise _FileError(nul_line, _("Tệp có ký tự NUL (byte 0) ở dòng %(line)d: đây không phải tệp CSV văn bản "
                                     "UTF-8. Trong Excel hãy lưu bằng \"CSV UTF-8 (Comma delimited)\".")
                         % {"line": nul_line})
    stream.seek(0)


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        raise _FileError(line, _("Tệp không phải UTF-8 (byte không hợp lệ ở dòng %(line)d). Trong Excel hãy "
                                 "lưu bằng \"CSV UTF-8 (Comma delimited)\".") % {"line": line}) from None


def _read_table(stream: BinaryIO, max_rows: int | None = None) -> _Table:
    """The table of a CSV file, its rows read lazily from the stream."""
    _check_encoding(stream)
    header_line = stream.readline().decode("utf-8-sig").split("\n", 1)[0]
    stream.seek(0)
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    # newline="": lines split as csv expects, quoted line breaks kept inside their cell.
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    reader = csv.reader(text, delimiter=delimiter)
    records = _records(reader)
    try:
        header_number, header = next(records)
    except StopIteration:
        raise _FileError(1, _("Tệp trống: cần dòng tiêu đề %(columns)s.")
                         % {"columns": ",".join(REQUIRED_COLUMNS)}) from None
    if header_number != 1:
        raise _FileError(1, _("Dòng đầu tiên phải là dòng tiêu đề %(columns)s.")
                         % {"columns": ",".join(REQUIRED_COLUMNS)})
    # A semicolon file is what Excel writes where the comma is the decimal mark.
    convention = NumberConvention.VIETNAMESE if delimiter == ";" else NumberConvention.POINT
    return _Table(columns=_columns(header), width=len(header), rows=_limited(records, max_rows),
                  delimiter=delimiter, convention=convention)


def _read_workbook(stream: BinaryIO, max_rows: int | None = None) -> _Table:
    """The first sheet, header in row 1; line numbers are the sheet's row numbers."""
    try:
        records = workbook_records(stream)
        header_record = next(records, None)
    except ValueError as error:
        raise _FileError(1, str(error)) from None
    if header_record is None or header_record[0] != 1:
        raise _FileError(1, _("Dòng 1 của trang tính đầu tiên phải là dòng tiêu đề %(columns)s.")
                         % {"columns": ",".join(REQUIRED_COLUMNS)})
    header = [_text(cell) for cell in header_record[1]]
    rows = _sheet_rows(records, len(header))
    return _Table(columns=_columns(header), width=len(header), rows=_limited(rows, max_rows),
                  delimiter="", convention=NumberConvention.VIETNAMESE)


def _sheet_rows(records: Iterator[tuple[int, list[Cell]]], width: int) -> Iterator[tuple[int, list[Cell]]]:
    """The rows padded to the header's width; the sheet's XML is parsed as they
    are read, so a fault found further down names the row after the last good one."""
    number = 1
    try:
        for number, cells in records:
            yield number, cells + [""] * (width - len(cells))
    except ValueError as error:
        raise _FileError(number + 1, str(error)) from None


def _read(stream: BinaryIO, max_rows: int | None = None) -> _Table:
    """A CSV file or .xlsx workbook, told apart by its first bytes."""
    signature = stream.read(len(WORKBOOK_SIGNATURE))
    stream.seek(0)
    return (_read_workbook if signature == WORKBOOK_SIGNATURE else _read_table)(stream, max_rows)


def _read_all(content: bytes, max_rows: int | None = None) -> _Table:
    """The table with every row read (a request's upload, bounded by its caller):
    every fault of the file itself raised here, before any row is checked."""
    table = _read(io.BytesIO(content), max_rows)
    table.rows = list(table.rows)
    return table


class TooManyRowsError(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(_("Tệp có hơn %(limit)d dòng số liệu: hãy chia thành nhiều tệp nhỏ hơn.") % {"limit": limit})


def _limited(records: Iterator[tuple[int, list[Cell]]], max_rows: int | None) -> Iterator[tuple[int, list[Cell]]]:
    if max_rows is None:
        yield from records
        return
    for count, record in enumerate(records):
        if count >= max_rows:
            raise _FileError(record[0], str(TooManyRowsError(max_rows)))
        yield record


def _records(reader) -> Iterator[tuple[int, list[str]]]:
    """(first line of the record, cells), skipping rows with no content, as
    Excel leaves them (`;;;`) after the data."""
    start = 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                yield start, cells
            start = reader.line_num + 1
    except csv.Error as error:
        raise _FileError(start, _("Dòng %(line)d không đọc được: %(error)s.")
                         % {"line": start, "error": error}) from None


def _columns(header: list[str]) -> dict[str, int]:
    """Column positions by name; a column whose header starts with NOTE_PREFIX is left out."""
    names = [cell.strip().lower() for cell in header]
    read = {index: name for index, name in enumerate(names) if not name.startswith(NOTE_PREFIX)}
    problems = _header_problems(list(read.values()))
    if problems:
        raise _FileError(1, _("Dòng tiêu đề: %(problems)s. Các cột là %(required)s, thêm tùy chọn %(optional)s.")
                         % {"problems": "; ".join(problems), "required": ", ".join(REQUIRED_COLUMNS),
                            "optional": ", ".join(OPTIONAL_COLUMNS)})
    return {name: index for index, name in read.items()}


def _header_problems(names: list[str]) -> list[str]:
    problems = []
    unknown = [name for name in names if name not in KNOWN_COLUMNS]
    if unknown:
        problems.append(_("cột không hợp lệ: %(columns)s (cột ghi chú thì đặt tên bắt đầu bằng %(prefix)s)")
                        % {"columns": ", ".join(repr(n) for n in unknown), "prefix": NOTE_PREFIX})
    # The period column stands in for the year column.
    missing = [name for name in REQUIRED_COLUMNS if name not in names
               and not (name == "year" and PERIOD_COLUMN in names)]
    if missing:
        problems.append(_("thiếu cột: %(columns)s") % {"columns": ", ".join(missing)})
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        problems.append(_("cột lặp lại: %(columns)s") % {"columns": ", ".join(repeated)})
    return problems


# -- checking rows -------------------------------------------------------------


class _Checker:
    """Checks the rows against the catalogue loaded once, up front: the cost
    per row is dictionary look-ups, not queries."""

    def __init__(self, table: _Table) -> None:
        self.table = table
        self.errors: list[RowError] = []
        self.indicators = {i.code: i for i in Indicator.objects.select_related("sector")}
        self.org_units = {unit.code: unit for unit in OrgUnit.objects.all()}
        self.level_names = dict(OrgUnitLevel.choices)

    def error(self, line: int, message: str, field: str = "") -> None:
        self.errors.append(RowError(line, message, field))

    def each_row(self) -> Iterator[_Row]:
        """The rows that pass the checks of one row, read as they come."""
        for line, cells in self.table.rows:
            row = self.row(line, cells)
            if row is not None:
                yield row

    def rows(self) -> list[_Row]:
        rows: list[_Row] = []
        first_line: dict[tuple[int, int, int, int], int] = {}
        for row in self.each_row():
            if row.key in first_line:
                self.error(row.line, _repeated_message(row.indicator.code, row.org_unit.code, row.reporting_period,
                                                       first_line[row.key]), "indicator")
                continue
            first_line[row.key] = row.line
            rows.append(row)
        return rows

    def row(self, line: int, cells: list[str]) -> _Row | None:
        columns = self.table.columns
        if len(cells) != self.table.width:
            self.error(line, self.cell_count_message(len(cells)))
            return None
        cell = {name: _text(cells[index]) for name, index in columns.items()}
        errors_before = len(self.errors)
        indicator = self.indicator(line, cell["indicator"])
        org_unit = self.org_unit(line, cell["org_unit"])
        period, period_field = self.period(line, cell, indicator)
        if indicator and org_unit:
            self.level(line, indicator, org_unit)
        # A period belongs to the tree of its year.
        if org_unit and period and not org_unit.is_active_in(period.year):
            self.error(line, _("cột %(column)s: đơn vị %(unit)s không tồn tại trong năm %(year)d "
                               "(có hiệu lực %(period)s).")
                       % {"column": period_field, "unit": org_unit.code, "year": period.year,
                          "period": _validity(org_unit)}, period_field)
        value = self.value(line, indicator, cells[columns["value"]]) if indicator else None
        source = cell.get("source")
        if source is not None and len(source) > _SOURCE_MAX:
            self.error(line, _("cột source: dài quá %(max)d ký tự.") % {"max": _SOURCE_MAX}, "source")
        if len(self.errors) > errors_before:
            return None
        return _Row(line, indicator, org_unit, period.year, period.part, value, cell.get("comment"), source)

    def cell_count_message(self, found: int) -> str:
        message = _("có %(found)d ô nhưng dòng tiêu đề có %(expected)d cột.") % {
            "found": found, "expected": self.table.width}
        if self.table.delimiter == "," and found > self.table.width:
            message += " " + _("Nếu số có dấu phẩy thập phân, hãy đặt nó trong dấu ngoặc kép (\"92,7\"), "
                               "hoặc dùng dấu chấm phẩy (;) để phân cách các cột.")
        return message

    def indicator(self, line: int, code: str) -> Indicator | None:
        indicator = self.indicators.get(code)
        if indicator is None:
            self.error(line, _("cột indicator: không có chỉ tiêu mã '%(code)s'%(hint)s.")
                       % {"code": code, "hint": self.case_hint(code, self.indicators)}, "indicator")
        elif indicator.is_derived:
            self.error(line, _("cột indicator: %(code)s được tính theo công thức (%(formula)s), không nhập được; "
                               "hãy nhập các chỉ tiêu thành phần.")
                       % {"code": code, "formula": indicator.formula}, "indicator")
            return None
        return indicator

    def org_unit(self, line: int, code: str) -> OrgUnit | None:
        org_unit = self.org_units.get(code)
        if org_unit is None:
            self.error(line, _("cột org_unit: không có đơn vị mã '%(code)s'%(hint)s.")
                       % {"code": code, "hint": self.case_hint(code, self.org_units)}, "org_unit")
        return org_unit

    @staticmethod
    def case_hint(code: str, known) -> str:
        return _(" (có phải '%(code)s'?)") % {"code": code.upper()} if code.upper() in known else ""

    def period(self, line: int, cell: Mapping[str, str], indicator: Indicator | None) -> tuple[Period | None, str]:
        """The row's period and the column it came from: the period column
        (2025, 2025-H1, 2025-Q3, 2025-07) or, without one, the year column (the
        year). Checked against the indicator's frequency by the rule every door
        shares (kpis.services.values.period_check)."""
        text, year_text = cell.get(PERIOD_COLUMN) or "", cell.get("year")
        if not text and year_text is None:
            self.error(line, _("cột period: thiếu kỳ (viết 2025, 2025-H1, 2025-Q3 hoặc 2025-07)."), PERIOD_COLUMN)
            return None, PERIOD_COLUMN
        if not text:
            year = self.year(line, year_text)
            period, column = (Period(year) if year else None), "year"
        else:
            period, column = self.period_code(line, text, year_text), PERIOD_COLUMN
        if period is None or indicator is None:
            return period, column
        try:
            period_check(indicator=indicator, period=period)
        except ValidationError as error:
            self.error(line, _("cột %(column)s: %(message)s") % {"column": column, "message": error.messages[0]},
                       column)
            return None, column
        return period, column

    def period_code(self, line: int, text: str, year_text: str | None) -> Period | None:
        try:
            period = Period.parse(text)
        except PeriodError as error:
            self.error(line, _("cột period: %(message)s") % {"message": error}, PERIOD_COLUMN)
            return None
        if not MIN_YEAR <= period.year <= MAX_YEAR:
            self.error(line, _("cột period: năm của kỳ %(period)s phải từ %(min)d đến %(max)d.")
                       % {"period": period.code, "min": MIN_YEAR, "max": MAX_YEAR}, PERIOD_COLUMN)
            return None
        if year_text and year_text != str(period.year):
            self.error(line, _("cột period: kỳ %(period)s không thuộc năm %(year)s ghi ở cột year.")
                       % {"period": period.code, "year": year_text}, PERIOD_COLUMN)
            return None
        return period

    def year(self, line: int, text: str) -> int | None:
        if text.isascii() and text.isdigit() and MIN_YEAR <= int(text) <= MAX_YEAR:
            return int(text)
        self.error(line, _("cột year: '%(text)s' không phải là năm (số nguyên từ %(min)d đến %(max)d).")
                   % {"text": text, "min": MIN_YEAR, "max": MAX_YEAR}, "year")
        return None

    def level(self, line: int, indicator: Indicator, org_unit: OrgUnit) -> None:
        if org_unit.level in indicator.entry_levels:
            return
        levels = ", ".join(str(self.level_names.get(level, level)) for level in indicator.entry_levels)
        self.error(line, _("cột org_unit: chỉ tiêu %(indicator)s không nhập ở cấp %(level)s (đơn vị %(unit)s); "
                           "chỉ nhập ở: %(levels)s.")
                   % {"indicator": indicator.code, "level": self.level_names.get(org_unit.level, org_unit.level),
                      "unit": org_unit.code, "levels": levels or _("không cấp nào")}, "org_unit")

    def value(self, line: int, indicator: Indicator, cell: Cell) -> Decimal | None:
        if isinstance(cell, str) and not cell.strip():
            self.error(line, _("cột value: thiếu giá trị."), "value")
            return None
        try:
            return value_parse(indicator=indicator, cell=cell, convention=self.table.convention)
        except ValidationError as error:
            for message in error.messages:
                if getattr(error, "code", None) == "ambiguous":
                    message += " " + _("Hoặc lưu tệp với dấu chấm phẩy (;) để viết số theo kiểu Việt Nam "
                                       "(939.000 là 939 000), hoặc nhập bằng tệp Excel .xlsx.")
                self.error(line, _("cột value: %(message)s") % {"message": message}, "value")
            return None


def _text(cell: Cell) -> str:
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))  # a year typed in a workbook may come back as 2021.0
    return str(cell).strip()


def _validity(org_unit: OrgUnit) -> str:
    return unit_period(org_unit.valid_from, org_unit.valid_to)


def _repeated_message(indicator: str, unit: str, period: Period, first: int) -> str:
    return _("chỉ tiêu %(indicator)s, đơn vị %(unit)s, %(period)s đã có ở dòng %(first)d.") % {
        "indicator": indicator, "unit": unit, "period": period_words(period), "first": first}


ValueRow = _Row


def value_rows_from_csv(content: bytes) -> tuple[list[ValueRow], list[RowError]]:
    """The file read and each row checked against the catalogue, as the import
    does, without the checks across rows or any write (the write API's CSV)."""
    try:
        table = _read_all(content)
    except _FileError as error:
        return [], [error.error]
    checker = _Checker(table)
    return checker.rows(), checker.errors


def value_rows_from_records(
    records: Iterable[tuple[int, Mapping[str, Cell]]],
) -> tuple[list[ValueRow], list[RowError]]:
    """Records of text by column name, numbered by the caller (the write API's
    JSON), checked like the rows of a file; a missing optional column reads as empty."""
    names = KNOWN_COLUMNS
    rows = [(number, [record.get(name, "") for name in names]) for number, record in records]
    # JSON text follows the point convention, like a comma file (JSON numbers arrive as numbers).
    table = _Table(columns={name: index for index, name in enumerate(names)}, width=len(names), rows=rows,
                   delimiter=",",
                   convention=NumberConvention.POINT)
    checker = _Checker(table)
    return checker.rows(), checker.errors


@dataclass
class CheckedFile:
    rows: list[ValueRow]
    errors: list[RowError]
    blank_lines: list[tuple[int, str]]  # (line, indicator cell) of rows with no value, left out
    indicator_cells: dict[int, str] = field(default_factory=dict)  # by line, as the file has it


def value_rows_from_file(content: bytes, *, max_rows: int | None = None) -> CheckedFile:
    """A CSV file or .xlsx workbook (told apart by its content) read and each
    row checked like the import does, without the checks across rows or any
    write (the upload on the report page). A row whose value cell is empty is
    left out and listed: a downloaded template has a row for every indicator,
    and staff fill the ones they know. More than ``max_rows`` data rows is an error."""
    try:
        table = _read_all(content, max_rows)
    except _FileError as error:
        return CheckedFile([], [error.error], [])
    blank, filled = [], []
    value_index, indicator_index = table.columns["value"], table.columns["indicator"]
    for line, cells in table.rows:
        cell = cells[value_index] if len(cells) > value_index else ""
        if len(cells) == table.width and isinstance(cell, str) and not cell.strip():
            blank.append((line, _text(cells[indicator_index])))
        else:
            filled.append((line, cells))
    table.rows = filled
    checker = _Checker(table)
    indicator_cells = {line: _text(cells[indicator_index]) for line, cells in filled if len(cells) > indicator_index}
    return CheckedFile(checker.rows(), checker.errors, blank, indicator_cells)


# -- checks across rows --------------------------------------------------------


def _staged(rows: Iterable[_Row]) -> Iterator[Staged]:
    for row in rows:
        yield (row.line, row.indicator.pk, row.org_unit.pk, row.indicator.sector_id, row.year, row.period,
               row.value, row.comment, row.source)


class _Catalogue:
    """The checker's indicators and units by id, for messages about staged rows."""

    def __init__(self, checker: _Checker) -> None:
        self.indicators = {indicator.pk: indicator for indicator in checker.indicators.values()}
        self.org_units = {unit.pk: unit for unit in checker.org_units.values()}
        self.sectors = {indicator.sector_id: indicator.sector for indicator in self.indicators.values()}


def _repeated_errors(table: ImportTable, catalogue: _Catalogue) -> list[RowError]:
    return [RowError(line, _repeated_message(catalogue.indicators[indicator_id].code,
                                             catalogue.org_units[org_unit_id].code, Period(year, period), first),
                     "indicator")
            for line, indicator_id, org_unit_id, year, period, first in table.repeated()]


def _report_errors(table: ImportTable, catalogue: _Catalogue) -> list[RowError]:
    """Figures under review in the admin must not be overwritten behind the
    reviewer's back."""
    errors = []
    for line, sector_id, org_unit_id, year, period, status in table.unapproved():
        errors.append(RowError(line, _(
            "báo cáo %(sector)s của %(unit)s %(period)s đang được xử lý trên trang quản trị (trạng thái: "
            "%(status)s): hãy duyệt nó, hoặc trả lại và sửa ở đó, trước khi nhập bằng tệp.")
            % {"sector": catalogue.sectors[sector_id].name, "unit": catalogue.org_units[org_unit_id].name,
               "period": period_words(Period(year, period)), "status": ReportStatus(status).label}))
    return errors


def _rule_errors(table: ImportTable, catalogue: _Catalogue) -> list[RowError]:
    """The file's figures merged over the stored ones, per unit and period, against
    the active rules; a violation is reported on each file row it involves."""
    rules = rules_active()
    if not rules:
        return []
    code = {pk: indicator.code for pk, indicator in catalogue.indicators.items()}
    errors = []
    for _unit_period, rows, stored in table.unit_periods():
        file_codes = {code[indicator_id] for _line, indicator_id, _value in rows}
        # A rule that reads none of the file's figures is not the file's to fix.
        relevant = [rule for rule in rules if rule.codes & file_codes]
        if not relevant:
            continue
        merged = {**{code[pk]: value for pk, value in stored.items()},
                  **{code[pk]: value for _line, pk, value in rows}}
        for violation in rules_check(merged, rules=relevant):
            lines = [line for line, pk, _value in rows if code[pk] in violation.codes]
            errors += _violation_errors(violation, lines)
    return errors


def _violation_errors(violation: RuleViolation, lines: list[int]) -> list[RowError]:
    errors = []
    for line in lines:
        message = _("vi phạm quy tắc %(rule)s: %(message)s") % {
            "rule": violation.rule.code, "message": violation.message}
        others = [str(other) for other in lines if other != line]
        if others:
            message += " " + _("(cùng với dòng %(lines)s)") % {"lines": ", ".join(others)}
        errors.append(RowError(line, message))
    return errors


# -- writing a small file, row by row --------------------------------------------


def _outcome(row: _Row, existing: _Stored | None) -> str:
    if existing is None:
        return "created"
    comment = existing.comment if row.comment is None else row.comment
    source = existing.source if row.source is None else row.source
    same = (existing.value, existing.comment, existing.source) == (row.value, comment, source)
    return "unchanged" if same else "updated"


def _reports_create(keys: Iterable[ReportKey], user: User) -> dict[ReportKey, YearlyReport]:
    now = timezone.now()
    reports = [
        YearlyReport(sector_id=sector_id, org_unit_id=org_unit_id, year=year, period=period,
                     status=ReportStatus.APPROVED, created_by=user, submitted_at=now, submitted_by=user,
                     approved_at=now, approved_by=user)
        for sector_id, org_unit_id, year, period in keys
    ]
    created = bulk_create_with_history(reports, YearlyReport, batch_size=_BATCH, default_user=user)
    return {(r.sector_id, r.org_unit_id, r.year, r.period): r for r in created}


def _write_each(rows: list[_Row], user: User) -> Counts:
    """Each figure through datavalue_write, the one writer shared with the admin."""
    reports = _existing_reports(rows)
    existing = _existing_values(rows)
    missing = {row.report_key for row in rows} - set(reports)
    reports.update(_reports_create(sorted(missing), user))
    counts = dict.fromkeys(("created", "updated", "unchanged"), 0)
    for row in rows:
        stored = existing.get(row.key)
        comment = row.comment if row.comment is not None else (stored.comment if stored else "")
        outcome = datavalue_write(report=reports[row.report_key], indicator=row.indicator, value=row.value,
                                  user=user, comment=comment, source=row.source)
        counts[outcome] += 1
    # Approved figures changed: the aggregates that read them are stale (one
    # recompute is enqueued for the whole file when the transaction commits).
    # Marks are by year: the recompute redoes every period of a stale year.
    stale_mark(cells=[(row.indicator.pk, row.org_unit.pk, row.year) for row in rows
                      if _outcome(row, existing.get(row.key)) != "unchanged"])
    return counts


def _existing_values(rows: list[_Row]) -> dict[tuple[int, int, int, int], _Stored]:
    years = {row.year for row in rows}
    units = {row.org_unit.pk for row in rows}
    values = DataValue.objects.filter(year__in=years, org_unit_id__in=units).values_list(
        "pk", "indicator_id", "org_unit_id", "year", "period", "value", "comment", "source")
    return {(indicator_id, org_unit_id, year, period): _Stored(pk, value, comment, source)
            for pk, indicator_id, org_unit_id, year, period, value, comment, source in values}


def _existing_reports(rows: list[_Row]) -> dict[ReportKey, YearlyReport]:
    reports = YearlyReport.objects.filter(year__in={row.year for row in rows},
                                          org_unit_id__in={row.org_unit.pk for row in rows})
    return {(r.sector_id, r.org_unit_id, r.year, r.period): r for r in reports}


def _unstaged(table: ImportTable, catalogue: _Catalogue) -> list[_Row]:
    return [_Row(line, catalogue.indicators[indicator_id], catalogue.org_units[org_unit_id], year, period, value,
                 comment, source)
            for line, indicator_id, org_unit_id, _sector, year, period, value, comment, source in table.rows()]


# -- the import ------------------------------------------------------------------


@transaction.atomic
def values_import(*, content: bytes | BinaryIO, user: User = None, dry_run: bool = False) -> ImportResult:
    """Check every row of a CSV file or .xlsx workbook (told apart by its
    content; bytes, or a binary file read as a stream) and, if all are right
    and it is not a dry run, write them as approved figures. Returns counts of
    what was (or, in a dry run or on errors, would be) created, updated or left
    unchanged, and every rejected row; on any error nothing is written.

    The rows are checked one by one as they are read and streamed into a
    working table; the checks across rows (a cell given twice, reports under
    review, validation rules) and the writes are set-based, so memory does not
    grow with the file."""
    stream = io.BytesIO(content) if isinstance(content, bytes) else content
    table = ImportTable()
    try:
        checker = _Checker(_read(stream))
        table.load(_staged(checker.each_row()))
    except _FileError as error:
        table.drop()
        return ImportResult(0, 0, 0, [error.error], dry_run)
    catalogue = _Catalogue(checker)
    errors = checker.errors + _repeated_errors(table, catalogue)
    if not dry_run:
        # Nobody may submit or reopen one of these reports while the file is written.
        table.lock_reports()
    errors += _report_errors(table, catalogue)
    errors += _rule_errors(table, catalogue)
    if errors:
        table.drop()
        return ImportResult(0, 0, 0, sorted(errors, key=lambda error: error.line), dry_run)
    counts = table.classify()
    if not dry_run:
        if sum(counts.values()) >= BULK_FROM:
            table.write(user_id=user.pk if user is not None else None, now=timezone.now())
        else:
            counts = _write_each(_unstaged(table, catalogue), user)
    table.drop()
    return ImportResult(counts["created"], counts["updated"], counts["unchanged"], [], dry_run)
