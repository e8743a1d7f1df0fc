"""Reconstructed figures on the dashboards (docs/boundaries.md, "Reconstructed
figures"): a unit formed by a whole merger shows its years before it existed
with a mark and a note, its trend chart draws them dashed, and its change across
the break says it is measured from them. A unit with no merger shows neither."""

import json
import re

import pytest
from django.test import Client

from tests.kpis.trees import two_trees

NOTE = "Số liệu dựng lại: cộng từ các đơn vị trước khi sáp nhập"
MARK = '<abbr class="reconstructed"'


@pytest.fixture
def trees(world):
    return two_trees(world)


def page(url: str) -> str:
    response = Client().get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def chart_data(html: str, element_id: str) -> dict:
    found = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(found.group(1))


def matrix_row(html: str, name: str) -> str:
    """The row of ``name`` in the table of units and years."""
    matrix = html[html.index('id="matrix-title"'):]
    return next(row for row in re.findall(r"<tr>.*?</tr>", matrix, re.S) if name in row)


def test_a_merged_units_indicator_page_marks_its_years_before_the_merger(trees):
    html = page("/indicators/BTS/?unit=P-N1&year=2025")
    row = matrix_row(html, "Xã Mới Một")
    # 2024 = 10 + 20 from the two communes merged into it, marked; 2025 entered, not marked
    assert re.search(rf"30{MARK}", row)
    assert not re.search(rf"35{MARK}", row)
    assert NOTE in html


def test_the_trend_chart_flags_the_reconstructed_years(trees):
    data = chart_data(page("/indicators/BTS/?unit=P-N1&year=2025"), "trend-data")
    assert data["labels"] == ["2024", "2025"]
    assert data["series"][0]["data"] == [30, 35]
    assert data["series"][0]["reconstructed"] == [True, False]
    assert data["series"][0]["reconstructedLabel"] == "Số liệu dựng lại từ các đơn vị trước sáp nhập"


def test_a_unit_without_a_merger_shows_no_mark_and_no_note(trees):
    html = page("/indicators/BTS/?unit=P&year=2025")
    # the province's own figures are its own; only the merged commune's row below it is marked
    assert MARK not in matrix_row(html, "Tỉnh Mẫu") and MARK in matrix_row(html, "Xã Mới Một")
    assert "reconstructed" not in chart_data(html, "trend-data")["series"][0]
    html = page("/units/P/?year=2025")
    assert MARK not in html and NOTE not in html
    # split communes have no past at all: nothing to mark
    html = page("/indicators/BTS/?unit=P-N2&year=2025")
    assert MARK not in html and NOTE not in html


def test_the_change_across_the_break_says_it_is_measured_from_the_reconstruction(trees):
    html = page("/units/P-N1/?year=2025")
    assert "So với số liệu dựng lại của năm trước" in html
    assert "Thay đổi có dấu † được tính so với số liệu dựng lại của năm trước." in html
    assert "So với số liệu dựng lại" not in page("/units/P/?year=2025")


def test_the_card_says_its_comparison_year_is_reconstructed_and_draws_it_dashed(trees):
    html = page(f"/sectors/{trees.world.bts.sector.code}/?unit=P-N1&year=2025")
    assert "so với 2024 (số liệu dựng lại)" in html
    assert "sparkline__line--reconstructed" in html
    html = page(f"/sectors/{trees.world.bts.sector.code}/?unit=P&year=2025")
    assert "(số liệu dựng lại)" not in html and "sparkline__line--reconstructed" not in html


def test_the_reconstructed_year_itself_is_marked_on_the_unit_page(trees):
    html = page("/units/P-N1/?year=2024")
    assert MARK in html and NOTE in html


def test_a_merged_units_name_is_escaped_in_the_page_and_the_chart_data(trees):
    trees.n1.name = '<script>alert("x")</script>'
    trees.n1.save()
    html = page("/indicators/BTS/?unit=P-N1&year=2025")
    assert '<script>alert("x")</script>' not in html
    data = chart_data(html, "trend-data")
    assert data["series"][0]["label"] == '<script>alert("x")</script>'
    assert data["series"][0]["reconstructed"] == [True, False]


def test_the_indicator_pages_headline_says_its_change_is_from_the_reconstruction(trees):
    assert "(so với số liệu dựng lại)" in page("/indicators/BTS/?unit=P-N1&year=2025")
    assert "(so với số liệu dựng lại)" not in page("/indicators/BTS/?unit=P&year=2025")


def test_an_incomplete_reconstruction_says_a_predecessor_is_missing(trees):
    """A third commune merged into P-N1 without a 2024 figure: the reconstruction is
    incomplete, and the headline says so in the words of a merger, not of units below."""
    from kpis.aggregation import aggregates_recompute
    from tests.factories import OrgUnitFactory

    silent = OrgUnitFactory(code="P-C4", name="Xã Cũ Bốn", level="commune", parent=trees.d2, valid_to=2024)
    silent.successors.add(trees.n1)
    aggregates_recompute()
    html = page("/indicators/BTS/?unit=P-N1&year=2024")
    assert "còn thiếu số liệu được duyệt của một hay nhiều đơn vị trước sáp nhập" in html
    assert "đơn vị cấp dưới: con số còn thiếu" not in html
