"""Number formatting and unit names (kpis/formatting.py), and that pages,
exports and spreadsheet cells read them from there."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from kpis import formatting
from kpis.dashboards import presentation as p
from kpis.dashboards.tables import plain
from kpis.export import formatting as export_formatting
from kpis.export.xlsx import _number as xlsx_number
from kpis.models import Indicator


@pytest.mark.parametrize(("value", "decimals", "expected"), [
    (Decimal("2.25"), 1, "+2,3"),      # half up, where round() gave +2,2 on the pages
    (Decimal("-2.25"), 1, "−2,3"),
    (Decimal("-0.04"), 1, "0,0"),      # rounds to nothing: no sign (the report printed −0,0)
    (Decimal("0.04"), 1, "0,0"),
    (Decimal("1234.5"), 0, "+1.235"),
    (Decimal(0), 0, "0"),
    (None, 0, ""),
])
def test_signed_is_the_same_on_pages_and_in_reports(value, decimals, expected):
    with translation.override("vi"):
        assert formatting.signed(value, decimals) == expected
        assert p.signed(value, decimals) == expected
        assert export_formatting.signed(value, decimals) == expected


@pytest.mark.parametrize(("value", "decimals", "expected"), [
    (Decimal("9391"), 0, "9.391"),
    (Decimal("41.3965"), 1, "41,4"),
    (Decimal("-5"), 0, "−5"),          # a real minus sign on pages too
    (Decimal("0.5"), 0, "1"),
])
def test_figure_is_the_same_on_pages_and_in_reports(value, decimals, expected):
    with translation.override("vi"):
        assert formatting.figure(value, decimals) == expected
        assert p.figure(value, decimals) == expected
        assert export_formatting.figure(value, decimals) == expected


def test_yes_no_reads_as_words_everywhere():
    indicator = Indicator(code="HAS_IOC", value_type="yes_no", decimals=0)
    with translation.override("vi"):
        assert formatting.figure(Decimal(1), 0, "yes_no") == p.figure(Decimal(1), 0, "yes_no") == "Có"
        assert export_formatting.indicator_value(indicator, Decimal(0)) == "Không"


@pytest.mark.parametrize(("value", "decimals", "expected"), [
    (Decimal("2.5"), 0, 3), (Decimal("3.5"), 0, 4), (Decimal("0.125"), 2, Decimal("0.13")),
])
def test_spreadsheet_cells_round_half_up_like_the_pages(value, decimals, expected):
    """Python's round() and Decimal.quantize round half to even (2,5 → 2)."""
    assert plain(value, decimals) == expected
    assert xlsx_number(value, decimals) == (float(expected) if decimals else expected)
    assert formatting.rounded(value, decimals) == expected


def test_significant_decimals():
    assert formatting.significant_decimals(Decimal("60.000000")) == 0
    assert formatting.significant_decimals(Decimal("92.50")) == 1
    assert formatting.significant_decimals(Decimal("0.125")) == 3


def test_the_template_filter_is_the_same_rule():
    with translation.override("vi"):
        html = Template("{% load kpis_format %}{{ value|number:1 }}").render(Context({"value": Decimal("2.25")}))
    assert html == formatting.number(Decimal("2.25"), 1) == "2,3"


def test_unit_names_follow_the_language_on_pages_and_in_reports():
    indicator = Indicator(code="BTS", unit="trạm", unit_en="stations", value_type="integer")
    no_english = Indicator(code="X", unit="trạm", unit_en="", value_type="integer")
    with translation.override("en"):
        assert formatting.unit_name(indicator) == p.unit_name(indicator) == "stations"
        assert export_formatting.unit_label(indicator) == "stations"
        assert formatting.unit_name(no_english) == "trạm"
    with translation.override("vi"):
        assert export_formatting.unit_label(indicator) == "trạm"


def test_a_percent_sign_follows_the_figure_and_words_take_a_space():
    assert formatting.with_unit("92,7", "%") == "92,7%"
    assert formatting.with_unit("939", "trạm") == "939 trạm"
    assert formatting.with_unit("Có", "trạm", "yes_no") == "Có"
    assert formatting.with_unit("", "trạm") == ""


def test_a_unit_abolished_before_the_days_year_is_named_former_in_both_languages():
    from datetime import date

    with translation.override("vi"):
        assert formatting.unit_name_on("Cần Thơ", valid_to=2024, day=date(2025, 1, 1)) == "Cần Thơ (cũ)"
        assert formatting.unit_name_on("Cần Thơ", valid_to=2024, day=date(2024, 12, 31)) == "Cần Thơ"
        assert formatting.unit_name_on("Cần Thơ", valid_to=None, day=date(2030, 1, 1)) == "Cần Thơ"
    with translation.override("en"):
        assert formatting.unit_name_on("Can Tho", valid_to=2024, day=date(2026, 3, 2)) == "Can Tho (former)"


def test_names_sort_in_vietnamese_alphabetical_order():
    """Đ after D, not after Z; ă, â, ê, ô, ơ, ư after their base letters; tones only break ties."""
    names = ["Đà Nẵng", "Cần Thơ", "Bình Dương", "Bạc Liêu", "Gia Lai", "Cao Bằng", "Cà Mau", "Bà Rịa - Vũng Tàu",
             "Bình Định", "Hải Phòng", "Hà Nội", "Hậu Giang", "An Giang", "Ơn", "Ô", "Uyên", "Ưng"]
    assert sorted(names, key=formatting.vietnamese_order) == [
        "An Giang", "Bà Rịa - Vũng Tàu", "Bạc Liêu", "Bình Dương", "Bình Định", "Cà Mau", "Cao Bằng", "Cần Thơ",
        "Đà Nẵng", "Gia Lai", "Hà Nội", "Hải Phòng", "Hậu Giang", "Ô", "Ơn", "Uyên", "Ưng"]
    assert sorted(["Cạ", "Cá", "Cã", "Cả", "Cà", "Ca"], key=formatting.vietnamese_order) == [
        "Ca", "Cà", "Cả", "Cã", "Cá", "Cạ"]
    # the same letters however they were typed (one code point or a letter and its marks)
    assert formatting.vietnamese_order("Cần Thơ")[:2] == formatting.vietnamese_order("Ca\u0302\u0300n Tho\u031b")[:2]
