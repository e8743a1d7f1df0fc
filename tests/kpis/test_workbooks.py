"""Reading a staff member's workbook (kpis/workbooks.py): the first sheet's
cells as the importer gets them, from workbooks openpyxl writes and from sheet
XML as other programs write it."""

import io
import zipfile
from datetime import datetime

import openpyxl
import pytest

from kpis.models import DataValue
from kpis.services.imports import values_import
from kpis.workbooks import workbook_rows

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def saved(workbook: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def with_sheet(sheet_xml: str) -> bytes:
    """An openpyxl workbook whose first sheet's XML is replaced by ``sheet_xml``."""
    original = zipfile.ZipFile(io.BytesIO(saved(openpyxl.Workbook())))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for item in original.infolist():
            data = original.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = sheet_xml.encode()
            archive.writestr(item, data)
    return buffer.getvalue()


def test_dates_booleans_percentages_gaps_and_row_numbers():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["a", "b", "c", "d", "e"])
    sheet.append([datetime(2021, 5, 1), True, None, 0.927, "chữ"])
    sheet["D2"].number_format = "0.0%"
    sheet["C4"] = 7
    sheet["F4"] = None
    workbook.create_sheet("Khác").append(["không đọc"])
    assert workbook_rows(saved(workbook)) == [
        (1, ["a", "b", "c", "d", "e"]),
        (2, ["2021-05-01 00:00:00", 1, "", "92,7%", "chữ"]),
        (4, ["", "", 7]),
    ]


def test_inline_text_saved_formula_values_errors_and_cells_without_references():
    sheet = (f'<worksheet xmlns="{MAIN}"><sheetData>'
             '<row r="1"><c r="A1" t="inlineStr"><is><r><t>Dân </t></r><r><t>số</t></r></is></c>'
             '<c r="C1"><f>1+1</f><v>2</v></c><c r="D1" t="str"><f>"x"</f><v>x</v></c>'
             '<c r="E1" t="e"><v>#N/A</v></c><c r="F1"><f>A1</f></c></row>'
             '<row><c><v>1.5</v></c><c t="b"><v>0</v></c></row>'
             '</sheetData></worksheet>')
    assert workbook_rows(with_sheet(sheet)) == [(1, ["Dân số", "", 2, "x", "#N/A"]), (2, [1.5, 0])]


@pytest.mark.parametrize("sheet", [
    f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1"><v>1</v></row></sheetData></worksheet>',
    f'<!DOCTYPE x [<!ENTITY a "aaaaaaaa">]><worksheet xmlns="{MAIN}"><sheetData><row r="1">'
    '<c r="A1" t="inlineStr"><is><t>&a;&a;</t></is></c></row></sheetData></worksheet>',
    f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="s"><v>99</v></c></row></sheetData></worksheet>',
])
def test_a_broken_sheet_or_one_declaring_entities_is_refused_with_the_message(sheet):
    with pytest.raises(ValueError, match="Không đọc được tệp Excel"):
        workbook_rows(with_sheet(sheet))


@pytest.mark.django_db
def test_a_sheet_broken_below_its_header_is_refused_naming_the_row_and_writes_nothing(db):
    sheet = (f'<worksheet xmlns="{MAIN}"><dimension ref="A1:D3"/><sheetData>'
             '<row r="1"><c r="A1" t="inlineStr"><is><t>indicator</t></is></c>'
             '<c r="B1" t="inlineStr"><is><t>org_unit</t></is></c><c r="C1" t="inlineStr"><is><t>year</t></is></c>'
             '<c r="D1" t="inlineStr"><is><t>value</t></is></c></row>'
             '<row r="2"><c r="A2"><v>1</v></row></sheetData></worksheet>')
    result = values_import(content=with_sheet(sheet))
    assert not result.ok
    assert result.errors[0].line == 2 and "Không đọc được tệp Excel" in result.errors[0].message
    assert not DataValue.objects.exists()
