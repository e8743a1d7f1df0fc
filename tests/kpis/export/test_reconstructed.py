"""Reconstructed figures in the leaders' summary (docs/boundaries.md,
"Reconstructed figures"): a merged unit's figures from before it existed carry
a mark (†) and a note under the table in the PDF and the Word copy, a column in
the workbook, and a dashed part of the trend chart with its own legend entry."""

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from docx import Document as WordDocument
from openpyxl import load_workbook

from kpis.export.charts import trend_chart
from kpis.export.document import build_document
from kpis.export.selectors import TrendSeries, report_data
from kpis.export.services import summary_document
from tests.kpis.export.conftest import pdf_text
from tests.kpis.trees import two_trees

NOTE = "(†) Số liệu dựng lại: cộng từ các đơn vị trước khi sáp nhập."
ACROSS = "Tăng, giảm của năm đầu tiên sau sáp nhập được tính so với số liệu dựng lại này."
ISSUED_ON = date(2026, 1, 5)


@pytest.fixture
def trees(world):
    return two_trees(world)


def bts_row(document):
    return next(row for table in document.tables for row in table.rows if row.name == "Số trạm BTS")


def test_the_merged_units_first_year_compares_with_its_reconstructed_past(trees):
    document = build_document(report_data(year=2025, org_unit=trees.n1, issued_on=ISSUED_ON))
    row = bts_row(document)
    assert (row.value, row.previous) == ("35", "30†")
    assert [NOTE + " " + ACROSS] == [n for t in document.tables for n in t.notes if "†" in n]


def test_a_reconstructed_year_is_marked_and_a_normal_unit_is_not(trees):
    document = build_document(report_data(year=2024, org_unit=trees.n1, issued_on=ISSUED_ON))
    assert bts_row(document).value == "30†"
    assert NOTE in [n for t in document.tables for n in t.notes]
    document = build_document(report_data(year=2025, org_unit=trees.province, issued_on=ISSUED_ON))
    assert "†" not in bts_row(document).previous + bts_row(document).value
    assert not any("†" in n for t in document.tables for n in t.notes)


def test_the_pdf_says_so_under_the_table(trees, tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(summary_document(year=2025, org_unit=trees.n1, fmt="pdf", issued_on=ISSUED_ON))
    text = " ".join(pdf_text(path).split())
    assert "30†" in text
    assert NOTE in text and ACROSS in text


def test_the_word_copy_and_the_workbook_say_so(trees):
    word = WordDocument(BytesIO(summary_document(year=2025, org_unit=trees.n1, fmt="docx", issued_on=ISSUED_ON)))
    assert any(NOTE in paragraph.text for paragraph in word.paragraphs)
    sheet = load_workbook(BytesIO(summary_document(year=2025, org_unit=trees.n1, fmt="xlsx",
                                                   issued_on=ISSUED_ON))).active
    header = [cell.value for cell in sheet[5]]
    column = header.index("Số liệu dựng lại từ các đơn vị trước sáp nhập")
    row = next(r for r in sheet.iter_rows(min_row=6, values_only=True) if r[2] == "Số trạm BTS")
    assert row[column] == "2024"
    assert (row[4], row[5]) == (35, 30)  # the figures stay numbers


def test_the_trend_chart_draws_the_reconstructed_years_with_their_own_legend(trees):
    series = TrendSeries(indicator=trees.world.bts, points=[(2023, Decimal(25)), (2024, Decimal(30)),
                                                             (2025, Decimal(35))],
                         target=None, reconstructed_years=frozenset({2023, 2024}))
    svg = trend_chart(series).decode()
    assert "Số liệu dựng lại từ các đơn vị trước sáp nhập" in svg and "Thực hiện" in svg
    plain = trend_chart(TrendSeries(indicator=trees.world.bts, points=series.points, target=None)).decode()
    assert "Số liệu dựng lại" not in plain
