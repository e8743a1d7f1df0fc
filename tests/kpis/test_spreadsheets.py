"""The one rule for spreadsheet cells (kpis/spreadsheets.py): formula-like
text gets a leading apostrophe and is typed as text; numbers are untouched."""

import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import tablib
from django.utils.translation import gettext_lazy

from kpis.spreadsheets import dataset_xlsx, safe_row, spreadsheet_safe, write_cell
from tests.spreadsheets import PAYLOADS


@pytest.mark.parametrize("text", [*PAYLOADS, "=1", "-", "+", "@", "-1-1", "-2,5x", "＝SUM(A1)", "-cmd|' /C calc'!A0"])
def test_formula_like_text_gets_an_apostrophe(text):
    assert spreadsheet_safe(text) == "'" + text


@pytest.mark.parametrize("text", ["-2,5", "-2.5", "+3", "-1.000.000", "-1e5", "-12%", "939", "Số trạm BTS",
                                  "", " =1", "a=1", "'=1", "#N/A"])
def test_numbers_and_ordinary_text_are_left_alone(text):
    assert spreadsheet_safe(text) == text


@pytest.mark.parametrize("value", [None, -2, Decimal("-2.5"), -2.5, date(2020, 6, 30), True])
def test_values_that_are_not_text_are_left_alone(value):
    assert spreadsheet_safe(value) is value


def test_lazy_translations_become_text():
    assert safe_row([gettext_lazy("Năm"), 1]) == ["Năm", 1]


def test_openpyxl_cells_hold_text_as_text_and_numbers_as_numbers():
    book = openpyxl.Workbook()
    sheet = book.active
    values = ['=HYPERLINK("http://x","y")', "#N/A", Decimal("-2.5"), -3, date(2020, 6, 30),
              datetime(2020, 6, 30, 8, 0, tzinfo=ZoneInfo("UTC")), None]
    for column, value in enumerate(values, start=1):
        write_cell(sheet, 1, column, value)
    buffer = io.BytesIO()
    book.save(buffer)
    cells = list(openpyxl.load_workbook(buffer).active.iter_rows())[0]
    assert [cell.data_type for cell in cells[:4]] == ["s", "s", "n", "n"]
    assert cells[0].value == '\'=HYPERLINK("http://x","y")'
    assert cells[2].value == -2.5 and cells[4].value == datetime(2020, 6, 30)
    assert cells[5].value == datetime(2020, 6, 30, 15, 0)  # the portal's time (Asia/Ho_Chi_Minh), no zone


def test_a_dataset_becomes_a_workbook_with_a_bold_frozen_header():
    dataset = tablib.Dataset(["=1+1", Decimal("-2.5")], headers=["@Tên", "Giá trị"], title="Bảng: 1/2")
    sheet = openpyxl.load_workbook(io.BytesIO(dataset_xlsx(dataset))).active
    assert sheet.title == "Bảng- 1-2" and sheet.freeze_panes == "A2" and sheet["A1"].font.b
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [["'@Tên", "Giá trị"], ["'=1+1", -2.5]]
