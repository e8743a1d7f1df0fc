"""The report's summary table as an Excel workbook (openpyxl): figures stay
numbers (Excel shows them in the reader's own number format), with a sheet of
milestones and, with the annex, one of the units below. Every cell is written
through ``kpis.spreadsheets.write_cell``: names typed by users stay text."""

import io
from collections.abc import Callable
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from kpis.export import formatting as fmt
from kpis.export.document import Document
from kpis.export.selectors import IndicatorRow, ReportData, SectorSection
from kpis.formatting import rounded
from kpis.models import ValueType
from kpis.spreadsheets import write_cell

Progress = Callable[[int], None]
THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="center")
HEADER = Alignment(wrap_text=True, vertical="center", horizontal="center")


def _number_format(decimals: int) -> str:
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def _number(value: Decimal | None, decimals: int):
    if value is None:
        return None
    return float(rounded(value, decimals)) if decimals else int(rounded(value, 0))


def _columns(data: ReportData, *, with_unit: bool) -> list[tuple[str, float]]:
    year = data.year
    if data.is_yearly:
        shown, before = _("Năm %(year)s") % {"year": year}, _("Năm %(year)s") % {"year": year - 1}
        judged, share = _("Đánh giá"), _("Tỷ lệ đạt mục tiêu (%)")
    else:  # a half-year: its figures, the same half a year earlier, the year-to-date beside the year's target
        shown, before = data.period.label, data.period.a_year_earlier().label
        judged, share = _("Lũy kế từ đầu năm"), _("Lũy kế so với mục tiêu năm (%)")
    columns = [(_("Lĩnh vực"), 24), (_("Mã chỉ tiêu"), 22), (_("Chỉ tiêu"), 44), (_("Đơn vị tính"), 14),
               (shown, 12), (before, 12),
               (_("Tăng, giảm"), 12), (_("Tăng, giảm (%)"), 12), (_("Mục tiêu"), 16), (_("Giá trị mục tiêu"), 12),
               (_("Năm mục tiêu"), 10), (judged, 18), (share, 14),
               (_("Số liệu dựng lại từ các đơn vị trước sáp nhập"), 18)]
    if with_unit:
        columns.insert(0, (_("Đơn vị"), 26))
    return columns


def _header(sheet, row: int, columns) -> None:
    for index, (title, width) in enumerate(columns, start=1):
        cell = write_cell(sheet, row, index, title)
        cell.font, cell.alignment, cell.border = BOLD, HEADER, BOX
        sheet.column_dimensions[get_column_letter(index)].width = width


def _values(data: ReportData, section: SectorSection, row: IndicatorRow) -> list:
    indicator = row.indicator
    decimals = indicator.decimals
    is_yes_no = indicator.value_type == ValueType.YES_NO
    value = fmt.indicator_value(indicator, row.value) if is_yes_no else _number(row.value, decimals)
    previous = fmt.indicator_value(indicator, row.previous) if is_yes_no else _number(row.previous, decimals)
    return [
        data.sector_name(section.sector), indicator.code, indicator.name, fmt.unit_label(indicator), value, previous,
        None if is_yes_no else _number(row.change, decimals),
        _number(row.change_pct, 1),
        fmt.target_text(indicator, row.target) or None,
        _number(row.target.value, decimals) if row.target else None,
        row.target.year if row.target else None,
        (fmt.status_label(row.status, row.has_value) or None) if data.is_yearly else _number(row.to_date, decimals),
        _number(row.achievement_pct if data.is_yearly else row.to_date_pct, 1),
        _reconstructed_years(data, row),
    ]


def _reconstructed_years(data: ReportData, row: IndicatorRow) -> str | None:
    """Which of the two years shown are reconstructed (the figures stay numbers)."""
    years = [year for year, flag, value in ((data.year, row.reconstructed, row.value),
                                            (data.year - 1, row.previous_reconstructed, row.previous))
             if flag and value is not None]
    return ", ".join(str(year) for year in years) or None


def _write_rows(sheet, data: ReportData, start: int, sections: list[SectorSection],
                prefix: list | None = None) -> int:
    row_number = start
    offset = len(prefix or [])
    for section in sections:
        for row in section.rows:
            for index, value in enumerate((prefix or []) + _values(data, section, row), start=1):
                cell = write_cell(sheet, row_number, index, value)
                cell.border = BOX
                cell.alignment = WRAP
            decimals = row.indicator.decimals
            for column in (5, 6, 7, 10):
                sheet.cell(row=row_number, column=column + offset).number_format = _number_format(decimals)
            for column in (8, 13):
                sheet.cell(row=row_number, column=column + offset).number_format = _number_format(1)
            row_number += 1
    return row_number


def render_xlsx(document: Document, *, progress: Progress = lambda _p: None) -> bytes:
    data = document.data
    book = Workbook()
    sheet = book.active
    sheet.title = _("Tổng hợp")
    write_cell(sheet, 1, 1, document.subject).font = Font(bold=True, size=13)
    write_cell(sheet, 2, 1, data.header.issuing_agency or data.header.parent_agency)
    write_cell(sheet, 3, 1, document.data_note).font = Font(italic=True)
    columns = _columns(data, with_unit=False)
    _header(sheet, 5, columns)
    end = _write_rows(sheet, data, 6, data.sections)
    sheet.freeze_panes = "D6"
    if end > 6:
        sheet.auto_filter.ref = f"A5:{get_column_letter(len(columns))}{end - 1}"
    progress(50)

    milestones = book.create_sheet(_("Nhiệm vụ"))
    milestone_columns = [(_("STT"), 6), (_("Mã"), 22), (_("Nhiệm vụ"), 60), (_("Lĩnh vực"), 24),
                         (_("Thời hạn"), 12), (_("Trạng thái"), 16), (_("Trạng thái tính đến"), 14),
                         (_("Ngày hoàn thành"), 14)]
    _header(milestones, 1, milestone_columns)
    for number, milestone in enumerate(data.milestones, start=1):
        values = [number, milestone.code, milestone.title, data.sector_name(milestone.sector), milestone.due,
                  str(milestone.get_status_display()), milestone.status_as_of, milestone.completed_on]
        for index, value in enumerate(values, start=1):
            cell = write_cell(milestones, number + 1, index, value)
            cell.border, cell.alignment = BOX, WRAP
            if index in (5, 7, 8):
                cell.number_format = "DD/MM/YYYY"

    if data.annex:
        annex = book.create_sheet(_("Đơn vị cấp dưới"))
        annex_columns = _columns(data, with_unit=True)
        _header(annex, 1, annex_columns)
        row_number = 2
        for part in data.annex:
            row_number = _write_rows(annex, data, row_number, part.sections, prefix=[data.unit_name(part.org_unit)])
        annex.freeze_panes = "E2"
    progress(95)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
