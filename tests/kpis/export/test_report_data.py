"""What the report says, from the data: the selectors (a fixed number of
queries), the generated summary, the header fallbacks, dates and numbers."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from kpis.aggregation import aggregates_recompute
from kpis.export import fonts
from kpis.export.document import build_document
from kpis.export.formatting import figure, long_date, target_text
from kpis.export.selectors import data_version, report_data, unit_full_name, unit_place_name
from kpis.export.summary import summary_paragraphs
from kpis.models import DocumentSettings, Milestone, OrgUnit, Target
from tests.factories import IndicatorFactory, OrgUnitFactory, put_values

ISSUED = date(2021, 1, 13)


@pytest.fixture(autouse=True)
def vietnamese():
    with translation.override("vi"):
        yield


@pytest.fixture
def shares(world):
    """A share entered by districts and averaged for the province: comparable
    across units, unlike a count such as BTS."""
    return IndicatorFactory(code="FIBRE_PCT", name="Tỷ lệ hộ có cáp quang", sector=world.telecom, unit="%",
                            value_type="percent", decimals=1, aggregation="average", is_key=True,
                            entry_levels=["district"])


def data_for(world, year=2020, **kwargs):
    return report_data(year=year, org_unit=world.province, issued_on=ISSUED, **kwargs)


def test_rows_come_from_the_aggregates_with_last_year_change_target_and_status(world):
    put_values([(world.bts, world.d1, 2019, 400), (world.bts, world.d2, 2019, 506),
                (world.bts, world.d1, 2020, 420), (world.bts, world.d2, 2020, 519),
                (world.coverage, world.province, 2020, Decimal("95.5"))])
    Target.objects.create(indicator=world.coverage, org_unit=world.province, year=2020, operator=">=", value=90)
    aggregates_recompute()
    data = data_for(world)
    rows = {row.indicator.code: row for row in data.rows}
    assert rows["BTS"].value == 939 and rows["BTS"].previous == 906 and rows["BTS"].change == 33
    assert rows["COVERAGE_PCT"].status == "achieved"
    assert rows["BTS_DOUBLE"].value == 1878  # derived on the rolled-up figures
    assert "POST_OFFICES" not in rows  # no figure, no target: nothing to say


def test_drafts_never_reach_the_report(world):
    put_values([(world.bts, world.province, 2020, 939)])
    put_values([(world.post_offices, world.province, 2020, 77)], status="submitted")
    aggregates_recompute()
    codes = {row.indicator.code for row in data_for(world).rows}
    assert "BTS" in codes and "POST_OFFICES" not in codes


def test_an_indicator_with_a_target_but_no_figure_is_listed_without_data(world):
    Target.objects.create(indicator=world.coverage, org_unit=world.province, year=2021, operator=">=", value=60)
    Target.objects.create(indicator=world.coverage, org_unit=world.province, year=2025, operator=">=", value=80)
    data = data_for(world)
    row = next(row for row in data.rows if row.indicator == world.coverage)
    assert row.value is None and row.status == "no_data"
    assert (row.target.year, row.target.value) == (2021, 60)  # the nearest at or after the year
    document = build_document(data)
    table_row = next(r for t in document.tables for r in t.rows if r.name == world.coverage.name)
    assert (table_row.target, table_row.target_year, table_row.status) == (
        "≥ 60%", "(năm 2021)", "Chưa có số liệu")


def test_summary_counts_targets_names_the_largest_change_and_the_lagging_unit(world, shares):
    put_values([(world.bts, world.d1, 2019, 400), (world.bts, world.d2, 2019, 506),
                (world.bts, world.d1, 2020, 420), (world.bts, world.d2, 2020, 519),
                (shares, world.d1, 2019, 50), (shares, world.d2, 2019, 40),
                (shares, world.d1, 2020, 70), (shares, world.d2, 2020, 30),
                (world.coverage, world.province, 2020, 95)])
    Target.objects.create(indicator=world.coverage, org_unit=world.province, year=2020, operator=">=", value=90)
    Target.objects.create(indicator=shares, org_unit=world.province, year=2020, operator=">=", value=60)
    aggregates_recompute()
    text = " ".join(summary_paragraphs(data_for(world)))
    assert "Trong 2 chỉ tiêu có mục tiêu: 1 chỉ tiêu đã đạt và 1 chỉ tiêu không đạt." in text
    assert "Số trạm BTS tăng 33 trạm (3,6%), lên 939 trạm" in text
    assert "Gấp đôi BTS tăng 66" in text
    assert "Các đơn vị còn chậm so với mức chung của tỉnh Mẫu: huyện Hai (chưa bằng mức chung ở 1/1 chỉ tiêu)." \
        in text  # tỉnh Mẫu averages 50 %; Huyện Hai has 30 %; BTS counts are not compared


def test_summary_says_so_when_there_is_nothing_to_compare(world):
    put_values([(world.coverage, world.province, 2020, 95)])
    aggregates_recompute()
    text = " ".join(summary_paragraphs(data_for(world)))
    assert "Chưa có chỉ tiêu nào được giao mục tiêu" in text
    assert "Chưa có chỉ tiêu nào có số liệu của cả hai năm 2019 và 2020 để so sánh." in text
    assert "Chưa đủ số liệu năm 2020 của các đơn vị cấp dưới để so sánh." in text


def test_comparisons_and_trends_feed_the_charts(world, shares):
    put_values([(shares, world.d1, year, 40 + year - 2016) for year in range(2016, 2021)]
               + [(shares, world.d2, year, 30 + year - 2016) for year in range(2016, 2021)])
    aggregates_recompute()
    data = data_for(world)
    assert [s.indicator.code for s in data.trends] == ["FIBRE_PCT"]
    assert [year for year, _v in data.trends[0].points] == [2016, 2017, 2018, 2019, 2020]
    assert [c.indicator.code for c in data.comparisons] == ["FIBRE_PCT"]
    assert [unit.code for unit, _v in data.comparisons[0].values] == ["P-D1", "P-D2"]
    from kpis.export.charts import comparison_chart, trend_chart

    assert trend_chart(data.trends[0]).startswith(b"<?xml")
    assert comparison_chart(data.comparisons[0], fmt="png").startswith(b"\x89PNG")


def test_report_data_takes_a_fixed_number_of_queries(world, shares):
    put_values([(shares, world.d1, 2020, 50), (shares, world.d2, 2020, 60), (world.bts, world.d1, 2020, 3)])
    aggregates_recompute()
    with CaptureQueriesContext(connection) as small:
        data_for(world, districts=True)
    for number in range(3, 9):
        unit = OrgUnitFactory(code=f"P-D{number}", name=f"Huyện {number}", level="district", parent=world.province)
        put_values([(shares, unit, 2020, 40 + number), (world.bts, unit, 2019, number),
                    (world.bts, unit, 2020, number + 1)])
    Milestone.objects.create(code="M1", sector=world.telecom, org_unit=world.province, title="Một việc",
                             due=date(2020, 6, 30))
    aggregates_recompute()
    with CaptureQueriesContext(connection) as large:
        data = data_for(world, districts=True)
    assert len(large) == len(small) <= 13
    assert len(data.annex) == 8


def test_units_below_only_when_they_existed_that_year(world):
    OrgUnitFactory(code="P-OLD", name="Huyện Cũ", level="district", parent=world.province, valid_to=2018)
    assert [unit.code for unit in data_for(world).children] == ["P-D1", "P-D2"]


def test_data_version_moves_with_a_recompute_and_a_catalogue_change(world):
    first = data_version()
    aggregates_recompute()
    second = data_version()
    assert second != first
    Milestone.objects.create(code="M1", sector=world.telecom, title="Một việc", due=date(2020, 6, 30))
    assert data_version() != second


def test_header_falls_back_to_the_top_unit_when_settings_are_empty(world):
    data = report_data(year=2020, org_unit=world.d1, issued_on=ISSUED)
    assert data.header.parent_agency == "UBND TỈNH MẪU"
    assert data.header.issuing_agency == ""
    assert data.header.place == "Mẫu"
    assert data.header.signer_title == "GIÁM ĐỐC"
    assert build_document(data).subject == "Kết quả thực hiện các chỉ tiêu chuyển đổi số năm 2020 của huyện Một"


def test_header_uses_the_settings_an_admin_entered(world):
    DocumentSettings(parent_agency="UBND thành phố Cần Thơ", issuing_agency="Sở Khoa học và Công nghệ",
                     document_symbol="BC-SKHCN", document_number="15", place="Cần Thơ",
                     signer_authority="KT. Giám đốc", signer_title="Phó Giám đốc", signer_name="Trần Thị B",
                     valid_from=date(1900, 1, 1)).save()
    header = data_for(world).header
    assert (header.parent_agency, header.issuing_agency) == ("UBND THÀNH PHỐ CẦN THƠ", "SỞ KHOA HỌC VÀ CÔNG NGHỆ")
    assert header.number_line == "Số: 15/BC-SKHCN"
    assert (header.signer_authority, header.signer_title, header.signer_name) == (
        "KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Trần Thị B")


def test_unit_names_with_and_without_their_administrative_word():
    assert unit_full_name(OrgUnit(name="Hậu Giang", level="province")) == "Tỉnh Hậu Giang"
    assert unit_full_name(OrgUnit(name="Hậu Giang", level="province"), in_sentence=True) == "tỉnh Hậu Giang"
    assert unit_full_name(OrgUnit(name="Thành phố Vị Thanh", level="district"), in_sentence=True) == \
        "thành phố Vị Thanh"
    assert unit_place_name(OrgUnit(name="Thành phố Cần Thơ", level="province")) == "Cần Thơ"


def test_dates_follow_decree_30():
    assert long_date(date(2021, 1, 13)) == "ngày 13 tháng 01 năm 2021"
    assert long_date(date(2021, 2, 5)) == "ngày 05 tháng 02 năm 2021"
    assert long_date(date(2021, 3, 5)) == "ngày 05 tháng 3 năm 2021"
    assert long_date(date(2021, 12, 25)) == "ngày 25 tháng 12 năm 2021"


def test_numbers_read_the_vietnamese_way_and_round_half_up():
    assert figure(Decimal("9391"), 0) == "9.391"
    assert figure(Decimal("92.7"), 1) == "92,7"
    assert figure(Decimal("41.39650873"), 1) == "41,4"
    assert figure(Decimal("2.25"), 1) == "2,3"
    assert figure(Decimal("-3.5"), 1) == "\u22123,5"
    indicator = IndicatorFactory.build(unit="%", decimals=1, value_type="percent")
    target = Target(operator="<=", value=Decimal("12.500000"), year=2025)
    assert target_text(indicator, target) == "≤ 12,5%"


def test_the_report_font_covers_vietnamese():
    from fontTools.ttLib import TTFont

    letters = ("aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđ"
               "₫–—…“”‘’%")
    for path in fonts.font_files().values():
        cmap = TTFont(path).getBestCmap()
        missing = [c for c in letters + letters.upper() if not c.isspace() and ord(c) not in cmap]
        assert not missing, (path.name, missing)


def test_a_chart_is_drawn_once_for_the_same_content(db, monkeypatch):
    """The chart cache is keyed by what is drawn: the same series again is
    not drawn again; another figure, or another language, is."""
    from django.core.cache import cache

    from kpis.export import charts
    from kpis.export.selectors import TrendSeries

    cache.clear()
    drawn = []
    original = charts.trend_chart
    monkeypatch.setattr(charts, "trend_chart", lambda data, fmt: drawn.append(fmt) or original(data, fmt=fmt))
    indicator = IndicatorFactory(code="BTS_CACHE", unit="trạm")
    series = TrendSeries(indicator=indicator, points=[(2019, Decimal(906)), (2020, Decimal(939))], target=None)
    first = charts.chart("trend", series)
    assert charts.chart("trend", series) == first and len(drawn) == 1
    changed = TrendSeries(indicator=indicator, points=[(2019, Decimal(906)), (2020, Decimal(940))], target=None)
    assert charts.chart("trend", changed) != first and len(drawn) == 2
    with translation.override("en"):
        charts.chart("trend", series)
    assert len(drawn) == 3
