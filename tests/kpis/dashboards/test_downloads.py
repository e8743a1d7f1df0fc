"""Table downloads (CSV, XLSX) carry no formulas: a formula typed into any
name, title or note comes out as text with a leading apostrophe, while
figures, negative changes included, stay numbers."""

import csv
import io

import openpyxl
import pytest
from django.test import Client

from tests.spreadsheets import (
    PAYLOADS,
    assert_no_formulas,
    csv_cells,
    escaped,
    plant_formula_payloads,
    texts,
    xlsx_cells,
)


@pytest.fixture
def planted(world):
    return plant_formula_payloads(world)


def table_urls(codes: dict[str, str]) -> list[str]:
    return [
        "/sectors/", f"/sectors/{codes['sector']}/?unit=P&year=2020", "/sectors/TELECOM/?unit=P&year=2020",
        f"/indicators/{codes['indicator']}/?unit=P&year=2020", "/indicators/BTS/?unit=P&year=2020",
        "/indicators/COVERAGE_PCT/?unit=P&year=2020", f"/units/{codes['unit']}/?year=2020",
        "/units/P-D1/?year=2020", "/milestones/", "/completeness/?unit=P&year=2020",
    ]


def download(url: str, fmt: str) -> bytes:
    separator = "&" if "?" in url else "?"
    response = Client(HTTP_ACCEPT_LANGUAGE="vi").get(f"{url}{separator}_export={fmt}")
    assert response.status_code == 200, (url, fmt)
    return response.content


def test_no_table_download_carries_a_formula_and_figures_stay_numbers(planted):
    seen: set[str] = set()
    for url in table_urls(planted):
        for fmt, read in (("csv", csv_cells), ("xlsx", xlsx_cells)):
            cells = read(download(url, fmt), f"{url} {fmt}")
            assert_no_formulas(cells)
            seen |= texts(cells)
    for text in PAYLOADS:  # every payload reached some file, as text
        assert escaped(text) in seen, text

    csv_rows = [cell.value for cell in csv_cells(download("/sectors/TELECOM/?unit=P&year=2020", "csv"), "csv")]
    assert "-2.5" in csv_rows and "88.0" in csv_rows  # the coverage's change and value, plain
    cells = xlsx_cells(download("/sectors/TELECOM/?unit=P&year=2020", "xlsx"), "xlsx")
    values = [cell.value for cell in cells]
    assert -2.5 in values and 88 in values and 500 in values and 90.5 in values  # numbers, not text
    assert not any(isinstance(value, str) and value.lstrip("'") in ("-2.5", "88.0") for value in values)


def test_a_text_cell_beginning_with_a_hash_stays_text_in_xlsx(world):
    world.telecom.name = "#N/A"  # openpyxl alone would store an error cell
    world.telecom.save()
    sheet = openpyxl.load_workbook(io.BytesIO(download("/sectors/", "xlsx"))).active
    cell = next(cell for row in sheet.iter_rows() for cell in row if cell.value == "#N/A")
    assert cell.data_type == "s"


def test_csv_downloads_start_with_a_byte_order_mark_so_excel_reads_vietnamese(world):
    world.telecom.name = "Viễn thông – Bưu chính"
    world.telecom.save()
    content = download("/sectors/", "csv")
    assert content.startswith(b"\xef\xbb\xbf")  # Excel takes a file without it for the Windows code page
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert rows[0][0] and not rows[0][0].startswith("\ufeff")  # the mark is not part of the first header
    assert any("Viễn thông – Bưu chính" in row for row in rows)


def test_the_xlsx_download_is_offered_before_the_csv(world):
    page = Client(HTTP_ACCEPT_LANGUAGE="vi").get("/sectors/").content.decode()
    assert 0 < page.index("_export=xlsx") < page.index("_export=csv")
