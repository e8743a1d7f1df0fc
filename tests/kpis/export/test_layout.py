"""Tables in print: a long table goes over several pages, repeats its header
row, and never splits a row between two pages."""

import io
from datetime import date

from django.utils import translation
from docx import Document as WordDocument
from weasyprint.formatting_structure import boxes

from kpis.aggregation import aggregates_recompute
from kpis.export.document import build_document
from kpis.export.pdf import layout, render_html
from kpis.export.selectors import report_data
from kpis.export.services import summary_document
from tests.factories import IndicatorFactory, put_values
from tests.kpis.export.conftest import pdf_text


def _rows(box, in_header=False, in_data_table=False):
    """Rows of the report's data tables (not the layout tables of the header
    and signature blocks), with whether each is a header row."""
    if isinstance(box, boxes.TableBox):
        in_data_table = "data" in (box.element.get("class") or "").split()
    if isinstance(box, boxes.TableRowGroupBox):
        in_header = box.is_header
    if isinstance(box, boxes.TableRowBox):
        if in_data_table:
            yield box, in_header
        return
    for child in getattr(box, "children", []):
        yield from _rows(child, in_header, in_data_table)


def test_a_long_table_never_splits_a_row_across_pages(world):
    indicators = [
        IndicatorFactory(code=f"LONG_{n:02d}", sector=world.telecom, position=10 + n,
                         name=f"Chỉ tiêu số {n} có tên rất dài để mỗi dòng của bảng chiếm nhiều dòng chữ, "
                              f"như tên các chỉ tiêu về hạ tầng viễn thông và chuyển đổi số cấp tỉnh")
        for n in range(45)
    ]
    put_values([(indicator, world.province, year, 100 + n + year)
                for n, indicator in enumerate(indicators) for year in (2019, 2020)])
    aggregates_recompute()
    with translation.override("vi"):
        document = build_document(report_data(year=2020, org_unit=world.province, issued_on=date(2021, 1, 13)))
        pages = layout(render_html(document)).pages
    expected = sum(len(table.rows) for table in document.tables)
    body_rows, header_rows, pages_with_rows = 0, 0, 0
    for page in pages:
        rows = list(_rows(page._page_box))
        body_rows += sum(1 for _row, header in rows if not header)
        header_rows += sum(1 for _row, header in rows if header)
        pages_with_rows += bool(rows)
    assert pages_with_rows >= 3
    assert body_rows == expected  # a split row would be laid out twice
    assert header_rows >= pages_with_rows  # the header row repeats on every page of a table


def test_the_all_districts_report_has_an_annex_table_per_unit(world, tmp_path):
    put_values([(world.bts, world.d1, 2019, 400), (world.bts, world.d2, 2019, 506),
                (world.bts, world.d1, 2020, 420), (world.bts, world.d2, 2020, 519),
                (world.post_offices, world.d2, 2020, 7)])
    aggregates_recompute()
    path = tmp_path / "all.pdf"
    path.write_bytes(summary_document(year=2020, org_unit=world.province, fmt="pdf", districts=True,
                                      issued_on=date(2021, 1, 13)))
    text = pdf_text(path)
    annex = text[text.index("PHỤ LỤC"):]
    assert "Số liệu năm 2020 của các đơn vị cấp dưới" in annex
    assert annex.index("1. Huyện Một") < annex.index("1.1. Viễn thông") < annex.index("2. Huyện Hai") \
        < annex.index("2.1. Viễn thông") < annex.index("2.2. Bưu chính")
    assert "420" in annex and "519" in annex and "+13 (+2,6%)" in " ".join(annex.split())  # the change wraps
    word = WordDocument(io.BytesIO(summary_document(
        year=2020, org_unit=world.province, fmt="docx", districts=True, issued_on=date(2021, 1, 13))))
    first, last = word.tables[-2:]  # the annex: one table per unit, after the signature block
    assert [row.cells[0].text for row in first.rows][:3] == ["STT", "1.1. Viễn thông", "1"]
    assert [row.cells[0].text for row in last.rows] == ["STT", "2.1. Viễn thông", "1", "2", "2.2. Bưu chính", "1"]


def _cells(box, in_data_table=False):
    if isinstance(box, boxes.TableBox):
        in_data_table = "data" in (box.element.get("class") or "").split()
    if isinstance(box, boxes.TableCellBox):
        if in_data_table:
            yield box
        return
    for child in getattr(box, "children", []):
        yield from _cells(child, in_data_table)


def _texts(box):
    if isinstance(box, boxes.TextBox):
        yield box
    for child in getattr(box, "children", []):
        yield from _texts(child)


def test_no_text_runs_outside_its_cell(world):
    """Every piece of text of a table cell, at the position WeasyPrint laid it
    out, lies inside the cell: a long change such as "+1.234.567 (+123,5%)"
    wraps instead of running into the target column."""
    big = IndicatorFactory(code="BIG_FLOW", sector=world.telecom, position=99, name="Số giao dịch thanh toán")
    put_values([(big, world.province, 2019, 1_000_000), (big, world.province, 2020, 2_234_567)])
    aggregates_recompute()
    with translation.override("vi"):
        document = build_document(report_data(year=2020, org_unit=world.province, issued_on=date(2021, 1, 13)))
        pages = layout(render_html(document)).pages
    checked, outside = 0, []
    for page in pages:
        for cell in _cells(page._page_box):
            left, right = cell.border_box_x(), cell.border_box_x() + cell.border_width()
            for text in _texts(cell):
                checked += 1
                if text.position_x < left - 0.01 or text.position_x + text.width > right + 0.01:
                    outside.append(text.text)
    assert checked > 10
    texts = [t.text.strip() for page in pages for c in _cells(page._page_box) for t in _texts(c)]
    assert any("+1.234.567" in text for text in texts), texts
    assert outside == []
