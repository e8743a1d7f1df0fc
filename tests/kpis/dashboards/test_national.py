"""The national view: every province valid in a year under the country, ranked
by an indicator, with a bar chart and a trend."""

import json
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kpis.aggregation import aggregates_recompute
from kpis.dashboards import selectors as s
from kpis.models import OrgUnit
from tests.factories import IndicatorFactory, make_nation, national_province, put_values


@pytest.fixture
def nation(db):
    return make_nation()


def view(root, code="BTS", year=None, unit=None):
    indicators = s.indicator_views()
    return s.national_view(root, indicators, s.national_indicator(code, indicators), year, unit)


def ranks(data) -> list[tuple[str, int | None]]:
    return [(row.unit.code, row.rank) for row in data.rows]


def test_the_country_is_found_by_its_level_not_its_code(nation):
    assert s.country_root().code == "NATION"


def test_without_a_country_the_parent_of_the_provinces_is_the_root(nation):
    OrgUnit.objects.filter(code="NATION").update(level="province")
    assert s.country_root().code == "NATION"


def test_ranks_put_the_best_first_and_ties_share_a_rank(nation):
    data = view(nation, year=2024)
    assert ranks(data) == [("E", 1), ("A", 2), ("C", 2), ("D", 4), ("B", 5)]


def test_lower_is_better_ranks_the_smallest_first_and_provinces_without_a_figure_last(nation):
    data = view(nation, "DAYS", year=2024)
    assert ranks(data) == [("B", 1), ("D", 2), ("A", 3), ("C", 3), ("E", None)]
    assert data.ranked == 4


def test_only_the_provinces_valid_in_the_year_are_listed(nation):
    before, after = view(nation, year=2024), view(nation, year=2025)
    assert sorted(row.unit.code for row in before.rows) == ["A", "B", "C", "D", "E"]
    assert ranks(after) == [("AB", 1), ("C", 2), ("DE", 2)]
    assert after.root_cell.cell.value == 380 and before.root_cell.cell.value == 1330


def test_the_latest_year_with_figures_is_chosen_and_years_offered_are_those_with_data(nation):
    data = view(nation)
    assert data.year == 2025 and data.years == [2025, 2024]


def test_target_status_and_completeness_come_with_each_row(nation):
    row = next(r for r in view(nation, year=2025).rows if r.unit.code == "C")
    assert row.target.value == 120 and row.cell.status == "not_achieved" and row.cell.is_complete


def test_the_trend_is_of_the_country_or_of_a_chosennational_province(nation):
    assert [(p.year, p.value) for p in view(nation).trend] == [(2024, 1330), (2025, 380)]
    assert [(p.year, p.value) for p in view(nation, unit="C").trend] == [(2024, 100), (2025, 90)]
    assert view(nation, unit="ELSEWHERE") is None
    assert [u.code for u in view(nation).trend_units] == ["NATION", "A", "AB", "B", "C", "D", "DE", "E"]


def test_the_view_needs_four_queries_whatever_the_number_of_provinces_and_years(nation,
                                                                               django_assert_num_queries):
    indicators = s.indicator_views()
    indicator = s.national_indicator("BTS", indicators)
    with django_assert_num_queries(4):
        s.national_view(nation, indicators, indicator, 2025, None)
    bts = indicator
    more = [national_province(f"N{n}", f"Tỉnh {n}", nation) for n in range(12)]
    put_values([(IndicatorFactory(code="BTS"), unit, year, Decimal(year - 2000 + n))
                for n, unit in enumerate(more) for year in range(2018, 2026)])
    aggregates_recompute()
    with django_assert_num_queries(4):
        data = s.national_view(nation, indicators, bts, 2025, "N3")
    assert len(data.rows) == 15 and len(data.trend) == 8


# --- the page ---------------------------------------------------------------------


def page(client: Client, url: str = "/national/") -> str:
    response = client.get(url)
    assert response.status_code == 200, response.content.decode()[:2000]
    return response.content.decode()


def test_the_page_shows_the_ranking_table_the_charts_and_vietnamese_numbers(nation):
    html = page(Client(HTTP_ACCEPT_LANGUAGE="vi"), "/national/?indicator=BTS&year=2024")
    assert "Tỉnh Em" in html and "1.010" in html and "1.330" in html  # Vietnamese grouping
    assert 'id="bar-chart"' in html and 'id="trend-chart"' in html
    bars = json.loads(re.search(r'<script id="bar-data" type="application/json">(.*?)</script>', html).group(1))
    assert bars["labels"] == ["Tỉnh Em", "Tỉnh An", "Tỉnh Cường", "Tỉnh Dương", "Tỉnh Bình"]
    assert "Tỉnh An Bình" not in bars["labels"]
    assert 'aria-current="page">Toàn quốc' in html
    assert 'chart.umd.js' in html


def test_the_page_table_sorts_by_value(nation):
    html = page(Client(), "/national/?indicator=BTS&year=2024&sort=value")
    body = html[html.index("Bảng xếp hạng"):]
    assert body.index("Tỉnh Bình") < body.index("Tỉnh Dương") < body.index("Tỉnh Em")


def test_the_page_offers_indicators_by_sector_and_years_with_data(nation):
    html = page(Client())
    assert '<optgroup label="Chuyển đổi số">' in html and 'value="DAYS"' in html
    assert re.findall(r'<option value="(\d{4})"', html) == ["2025", "2024"]


def test_names_are_escaped(nation):
    OrgUnit.objects.filter(code="C").update(name="<script>alert(1)</script>")
    aggregates_recompute()
    html = page(Client(), "/national/?year=2025")
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("url,status,message", [
    ("/national/?indicator=NOPE", 404, "NOPE"),
    ("/national/?unit=%3Cb%3EX", 404, "&lt;B&gt;X"),
    ("/national/?year=abc", 400, "Năm phải là một số"),
])
def test_bad_parameters_get_a_clear_answer(nation, url, status, message):
    response = Client().get(url)
    assert response.status_code == status and message in response.content.decode()


def test_without_a_country_the_page_says_so_and_the_menu_has_no_link(world):
    response = Client().get("/national/")
    assert response.status_code == 404 and "cấp quốc gia" in response.content.decode()
    assert "/national/" not in Client().get("/sectors/").content.decode()


def test_the_page_follows_the_dashboards_permissions(nation, settings):
    from tests.factories import make_user

    settings.PORTAL_PUBLIC = False
    assert Client().get("/national/").status_code == 302
    client = Client()
    client.force_login(make_user("someone"))
    assert client.get("/national/").status_code == 200


def test_the_table_downloads_as_csv(nation):
    response = Client().get("/national/?indicator=BTS&year=2025&_export=csv")
    content = response.content.decode("utf-8-sig")
    assert response.status_code == 200 and "Tỉnh An Bình" in content and "200" in content


def test_the_page_needs_the_same_number_of_queries_with_more_provinces_and_years(nation, settings):
    import uuid

    def queries() -> int:
        settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"t-{uuid.uuid4().hex}"}}
        with CaptureQueriesContext(connection) as context:
            page(Client(), "/national/?unit=C")
        return len(context.captured_queries)

    small = queries()
    more = [national_province(f"N{n}", f"Tỉnh {n}", nation) for n in range(12)]
    put_values([(IndicatorFactory(code="BTS"), unit, year, Decimal(n + 1))
                for n, unit in enumerate(more) for year in range(2018, 2026)])
    aggregates_recompute()
    assert queries() == small



def test_what_the_page_keeps_between_requests_follows_the_data(nation):
    """The provinces and selectors kept per process (kpis.dashboards.memo) are
    read again once the data changes: a province added and recomputed shows at once."""
    assert "Tỉnh Mới" not in page(Client(), "/national/?year=2025")
    newcomer = national_province("N1", "Tỉnh Mới", nation)
    put_values([(IndicatorFactory(code="BTS"), newcomer, 2025, Decimal(7))])
    aggregates_recompute()
    html = page(Client(), "/national/?year=2025")
    assert '<option value="N1">— Tỉnh Mới</option>' in html and ">Tỉnh Mới</a>" in html

def trend_chart(html: str) -> dict:
    return json.loads(re.search(r'<script id="trend-data" type="application/json">(.*?)</script>', html).group(1))


def test_a_merged_provinces_past_is_reconstructed_and_drawn_dashed_with_a_legend(nation):
    data = view(nation, unit="AB")
    assert [(p.year, p.value, p.reconstructed) for p in data.trend] == [(2024, 150, True), (2025, 200, False)]
    html = page(Client(), "/national/?unit=AB")
    series = trend_chart(html)["series"][0]
    assert series["reconstructed"] == [True, False] and "nét đứt" in series["reconstructedLabel"]
    assert "† Số liệu dựng lại: cộng từ các đơn vị trước khi sáp nhập" in html  # the tables' note


def test_a_province_formed_by_a_split_has_no_past_and_no_dashes(nation):
    old = national_province("F", "Tỉnh Phú", nation, valid_to=2024)
    g = national_province("G", "Tỉnh Giang", nation, valid_from=2025)
    h = national_province("H", "Tỉnh Hà", nation, valid_from=2025)
    old.successors.add(g, h)
    bts = IndicatorFactory(code="BTS")
    put_values([(bts, old, 2024, Decimal(80)), (bts, g, 2025, Decimal(40)), (bts, h, 2025, Decimal(45))])
    aggregates_recompute()
    assert [(p.year, p.value) for p in view(nation, unit="G").trend] == [(2024, None), (2025, 40)]
    assert "reconstructed" not in trend_chart(page(Client(), "/national/?unit=G"))["series"][0]


def test_the_trend_selector_names_each_province_with_the_years_it_exists(nation):
    html = page(Client(HTTP_ACCEPT_LANGUAGE="vi"), "/national/?unit=AB")
    options = dict(re.findall(r'<option value="([A-Z]+)"(?: selected)?>(.*?)</option>', html))
    assert options["NATION"] == "Cả nước" and options["C"] == "— Tỉnh Cường"
    assert options["A"].endswith("(đến 2024)") and options["AB"].endswith("(từ 2025)")
    assert '<option value="AB" selected>' in html and '<option value="BTS" selected>' in html


@pytest.mark.parametrize("sort", ["", "-value", "complete"])
def test_the_ranking_body_is_what_django_tables2_would_render(nation, sort, rf):
    """The table body is rendered in one pass (``PrerenderedBody``): the same
    cells, links and attributes as django-tables2's own rendering."""
    from django_tables2 import RequestConfig

    from kpis.dashboards import tables as t

    data = view(nation, year=2024)
    table = t.NationalTable(t.national_records(data), ranked=data.ranked)
    RequestConfig(rf.get("/national/", {"sort": sort} if sort else {}), paginate=False).configure(table)
    own = [[str(cell) for cell in row] for row in table.paginated_rows]
    fast = re.findall(r"<tr>(.*?)</tr>", table.body_html())
    assert len(fast) == len(own) == 5
    for cells, html in zip(own, fast, strict=True):
        assert [re.sub(r"<t[hd][^>]*>|</t[hd]>", "\x00", html).strip("\x00").split("\x00\x00")] == [cells]


def _rendered_by_template(table, request) -> str:
    from django.template.loader import get_template

    table.before_render(request)
    return get_template(table.template_name).render({"table": table}, request=request)


@pytest.mark.parametrize("sort", ["", "-value", "complete", "unit_name"])
def test_the_whole_ranking_table_is_what_its_template_would_render(nation, sort, rf):
    """``{% table_html %}`` writes the unpaginated national tables in Python
    (``PrerenderedBody.html``): the same caption, sort links (keeping the
    page's other parameters), marks, body and note as ``_table.html``."""
    from django.test.html import parse_html
    from django_tables2 import RequestConfig

    from kpis.dashboards import tables as t

    request = rf.get("/national/", {"indicator": "BTS", "unit": "AB", **({"sort": sort} if sort else {})})
    data = view(nation, year=2025, unit="AB")
    ranking = t.NationalTable(t.national_records(data), ranked=data.ranked, caption="Xếp hạng <2025>")
    trend = t.NationalTrendTable(t.national_trend_records(data), caption="Xu hướng")
    empty = t.NationalTrendTable([], caption="")
    for table in (ranking, trend, empty):
        RequestConfig(request, paginate=False).configure(table)
        assert parse_html(table.html(request)) == parse_html(_rendered_by_template(table, request))
    html = ranking.html(request)
    assert "Xếp hạng &lt;2025&gt;" in html and "sort=" in html and "indicator=BTS" in html
    assert "dựng lại" in trend.html(request)  # the reconstructed note under the trend (2024 of AB)
    assert "Không có dữ liệu." in empty.html(request)


def test_a_paginated_table_is_still_rendered_by_its_template(nation, rf):
    from django.template import Context, Template
    from django_tables2 import RequestConfig

    from kpis.dashboards import tables as t

    data = view(nation, year=2024)
    table = t.NationalTable(t.national_records(data), ranked=data.ranked)
    request = rf.get("/national/")
    RequestConfig(request, paginate={"per_page": 2}).configure(table)
    html = Template("{% load kpis_tables %}{% table_html table %}").render(Context({"table": table,
                                                                                 "request": request}))
    assert 'class="pagination"' in html and html.count("<tr>") == 2 + 1  # two rows and the header


@pytest.mark.parametrize("sort", ["unit_name", ""])
def test_provinces_are_named_in_vietnamese_alphabetical_order(nation, sort):
    """Sorted by name, and among provinces without a figure: Bạc before Bình, Đ before G."""
    for code, name in (("Z1", "Gia Lai"), ("Z2", "Đà Nẵng"), ("Z3", "Bình Dương"), ("Z4", "Bạc Liêu")):
        national_province(code, name, nation)
    html = page(Client(HTTP_ACCEPT_LANGUAGE="vi"), f"/national/?year=2024&sort={sort}")
    ranking = html[html.index('id="table-title"'):]
    names = re.findall(r'data-label="Tỉnh/thành phố"><a href="[^"]*">([^<]*)</a>', ranking)
    new = [name for name in names if not name.startswith("Tỉnh")]
    assert new == ["Bạc Liêu", "Bình Dương", "Đà Nẵng", "Gia Lai"]  # by code point: Bình, Bạc, Gia, Đà
