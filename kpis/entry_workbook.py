"""The Excel template of a report (the "Tải mẫu Excel" link on its page): the
upload's columns filled in for every indicator the staff member enters, with
what they need beside them. Format for staff in docs/formats.md, "Tải tệp lên".

First sheet, read by the upload: indicator, org_unit, year, value, comment
(a report of a period shorter than a year has a period column, 2025-Q3, in
place of year), then note columns whose header starts with "_" (name, unit, last year's
figure, definition), which every reader skips (kpis/services/imports.py,
NOTE_PREFIX). The sheet is protected without a password: only the value and
comment cells are unlocked, so a stray keystroke cannot break a code or a
header. A second sheet, "Hướng dẫn", says how to fill it; the upload reads
only the first sheet. Every text cell is written through
kpis/spreadsheets.write_cell (typed as text, never a formula)."""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, Protection
from openpyxl.utils import get_column_letter

from kpis.models import ValueType, YearlyReport
from kpis.selectors import EntryRow, report_entry_rows
from kpis.services.imports import NOTE_PREFIX, PERIOD_COLUMN
from kpis.spreadsheets import write_cell

DATA_COLUMNS = ("indicator", "org_unit", "year", "value", "comment")
_EDITABLE = (DATA_COLUMNS.index("value") + 1, DATA_COLUMNS.index("comment") + 1)
_WIDTHS = (18, 12, 9, 14, 30, 40, 12, 16, 60)


def _data_columns(report: YearlyReport) -> tuple[str, ...]:
    """The year column names the year of a yearly report; a shorter period needs its code."""
    if report.reporting_period.is_year:
        return DATA_COLUMNS
    return tuple(PERIOD_COLUMN if name == "year" else name for name in DATA_COLUMNS)


def _note_headers(report: YearlyReport) -> list[str]:
    period = report.reporting_period
    earlier = (_("Năm trước (%(year)d)") % {"year": report.year - 1} if period.is_year
               else _("Cùng kỳ năm trước (%(period)s)") % {"period": period.a_year_earlier().label})
    return [NOTE_PREFIX + text for text in (_("Tên chỉ tiêu"), _("Đơn vị tính"), earlier, _("Định nghĩa"))]


def _number_format(row: EntryRow) -> str:
    # Never a "%" format: the reader would take 92,7% for 0.927 and refuse it.
    if row.indicator.value_type == ValueType.YES_NO:
        return "0"
    return "#,##0" + ("." + "0" * row.indicator.decimals if row.indicator.decimals else "")


def _write_row(sheet, number: int, report: YearlyReport, row: EntryRow) -> None:
    current = row.value
    period = report.reporting_period
    cells = [row.indicator.code, report.org_unit.code, report.year if period.is_year else period.code,
             current.value if current else None, current.comment if current else "",
             row.indicator.name, row.indicator.unit, row.last_year, row.indicator.definition]
    for column, value in enumerate(cells, start=1):
        cell = write_cell(sheet, number, column, value)
        if column in _EDITABLE:
            cell.protection = Protection(locked=False)
        if column in (DATA_COLUMNS.index("value") + 1, len(DATA_COLUMNS) + 3):
            cell.number_format = _number_format(row)
    sheet.cell(row=number, column=len(cells)).alignment = Alignment(wrap_text=True, vertical="top")


def _guide(book: Workbook, report: YearlyReport) -> None:
    sheet = book.create_sheet(_("Hướng dẫn"))
    lines = [
        _("Mẫu nhập số liệu: %(report)s") % {"report": report},
        "",
        _("1. Ở trang tính đầu tiên, ghi số liệu vào cột value (và ghi chú vào cột comment nếu cần). "
          "Chỉ hai cột này sửa được."),
        _("2. Số: gõ như thường lệ trong Excel (9391 hoặc 92,7). Có/Không: gõ 1 hoặc 0."),
        _("3. Dòng để trống cột value được bỏ qua: số liệu đã lưu của chỉ tiêu đó giữ nguyên."),
        _("4. Các cột có tên bắt đầu bằng _ chỉ để đọc; trang web không nhập chúng."),
        _("5. Lưu tệp dạng .xlsx, rồi trên trang báo cáo chọn \"Tải tệp lên\" > \"Xem trước\". "
          "Trang sẽ cho xem từng dòng trước khi bạn bấm \"Xác nhận ghi\"."),
    ]
    for number, text in enumerate(lines, start=1):
        write_cell(sheet, number, 1, text)
    sheet["A1"].font = Font(bold=True)
    sheet.column_dimensions["A"].width = 110


def report_template_xlsx(report: YearlyReport) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = _("Số liệu")
    for column, header in enumerate([*_data_columns(report), *_note_headers(report)], start=1):
        write_cell(sheet, 1, column, header).font = Font(bold=True)
    for number, row in enumerate(report_entry_rows(report), start=2):
        _write_row(sheet, number, report, row)
    for column, width in enumerate(_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A2"
    sheet.protection.sheet = True
    _guide(book, report)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
