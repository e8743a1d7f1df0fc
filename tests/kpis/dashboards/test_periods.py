"""An indicator entered by quarter on its page (docs/periods.md, "Reading
figures by period"): the period selector, the chosen quarter with its changes
against the quarter before and the same quarter a year earlier, the year to
date of a flow, what the year still lacks, the year's target set beside the
year to date; a trend by quarter. Yearly indicators' pages are as before."""

import json
import re
from decimal import Decimal

import pytest
from django.test import Client

from kpis.aggregation import aggregates_recompute
from kpis.models import Target
from tests.factories import IndicatorFactory, put_values
from tests.kpis.dashboards.test_queries_and_cache import queries_for


@pytest.fixture
def quarterly(dash):
    """Dossiers received online at the province: four quarters of 2024, three of 2025, a 2025 target."""
    online = IndicatorFactory(code="ONLINE", name="Hồ sơ nộp trực tuyến", sector=dash.telecom, unit="hồ sơ",
                              frequency="quarter", time_aggregation="sum", aggregation="sum",
                              entry_levels=["province", "district"])
    put_values([(online, dash.province, f"2024-Q{n}", Decimal(figure))
                for n, figure in enumerate([1000, 1100, 1200, 1300], start=1)]
               + [(online, dash.province, f"2025-Q{n}", Decimal(figure))
                  for n, figure in enumerate([1500, 1600, 1700], start=1)])
    Target.objects.create(indicator=online, org_unit=dash.province, year=2025, operator=">=", value=Decimal(8000))
    aggregates_recompute()
    dash.online = online
    return dash


def page(url: str) -> str:
    response = Client(HTTP_ACCEPT_LANGUAGE="vi").get(url)
    assert response.status_code == 200, response.content.decode()[:2000]
    return response.content.decode()


def squeeze(html: str) -> str:
    """The page's text, tags dropped and spaces folded: what a reader sees, in order."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_latest_quarter_with_its_changes_year_to_date_and_what_the_year_lacks(quarterly):
    html = page("/indicators/ONLINE/?unit=P")
    seen = squeeze(html)
    assert "Theo kỳ trong năm 2025" in seen  # the year in progress is the one shown
    assert '<option value="2025-Q3" selected>Quý 3/2025</option>' in html
    assert [code for code in re.findall(r'<option value="(2025-[^"]*)"', html)] == [
        "2025-Q1", "2025-Q2", "2025-H1", "2025-Q3"]  # the periods of the year with figures, by their end
    assert "Quý 3/2025 1.700 hồ sơ" in seen
    assert "Lũy kế đến Quý 3/2025 4.800 hồ sơ" in seen
    assert "So với Quý 2/2025 (kỳ trước) ▲ tăng +100 (+6,3%)" in seen
    assert "So với Quý 3/2024 (cùng kỳ năm trước) ▲ tăng +500 (+41,7%)" in seen
    assert "Năm 2025 chưa đủ số liệu: thiếu Quý 4/2025." in seen
    assert ("Mục tiêu năm 2025 so với lũy kế đến Quý 3/2025 ≥ 8.000 hồ sơ (trong năm: 4.800 hồ sơ, "
            "đã đạt 60% mục tiêu năm)") in seen


def test_the_trend_by_quarter(quarterly):
    html = page("/indicators/ONLINE/?unit=P")
    chart = json.loads(re.search(r'<script id="period-data" type="application/json">(.*?)</script>', html,
                                 re.S).group(1))
    assert chart["labels"] == ["Q1/2024", "Q2/2024", "Q3/2024", "Q4/2024", "Q1/2025", "Q2/2025", "Q3/2025"]
    assert chart["series"][0]["data"] == [1000, 1100, 1200, 1300, 1500, 1600, 1700]
    assert "<td>Quý 4/2024</td><td class=\"num\">1.300</td>" in html  # its data as a table


def test_a_chosen_quarter_compares_with_the_last_quarter_of_the_year_before(quarterly):
    seen = squeeze(page("/indicators/ONLINE/?unit=P&period=2025-q1"))
    assert "Quý 1/2025 1.500 hồ sơ" in seen
    assert "Lũy kế đến Quý 1/2025 1.500 hồ sơ" in seen
    assert "So với Quý 4/2024 (kỳ trước) ▲ tăng +200 (+15,4%)" in seen
    assert "So với Quý 1/2024 (cùng kỳ năm trước) ▲ tăng +500 (+50,0%)" in seen


def test_a_complete_year_has_its_own_figure_and_status_not_the_year_to_date(quarterly):
    html = page("/indicators/ONLINE/?unit=P&year=2024")
    seen = squeeze(html)
    assert "Năm 2024 4.600" in seen  # computed from its four quarters
    assert '<option value="2025">2025</option>' in html  # the year under way, with quarters only, is offered
    assert "Lũy kế đến Quý 4/2024 4.600 hồ sơ" in seen
    assert "chưa đủ số liệu" not in seen
    assert "so với lũy kế" not in seen
    assert "So với Quý 3/2024 (kỳ trước) ▲ tăng +100 (+8,3%)" in seen
    assert "So với Quý 4/2023 (cùng kỳ năm trước) —" in seen


def test_a_missing_quarter_is_named_and_stops_the_year_to_date(quarterly):
    put_values([(quarterly.online, quarterly.province, "2026-Q1", Decimal(10)),
                (quarterly.online, quarterly.province, "2026-Q3", Decimal(30))])
    aggregates_recompute()
    seen = squeeze(page("/indicators/ONLINE/?unit=P&period=2026-Q3"))
    assert "Lũy kế đến Quý 3/2026 chưa tính được: thiếu Quý 2/2026" in seen
    assert "Năm 2026 chưa đủ số liệu: thiếu Quý 2/2026, Quý 4/2026." in seen
    assert "So với Quý 2/2026 (kỳ trước) —" in seen


def test_a_quarter_without_figures_says_so(quarterly):
    seen = squeeze(page("/indicators/ONLINE/?unit=P&period=2025-Q4"))
    assert "Quý 4/2025 Chưa có số liệu" in seen


@pytest.mark.parametrize("bad", ["2025-Q5", "quý 3", "2025-13", "99999"])
def test_a_bad_period_is_refused_with_a_message(quarterly, bad):
    response = Client(HTTP_ACCEPT_LANGUAGE="vi").get("/indicators/ONLINE/", {"unit": "P", "period": bad})
    assert response.status_code == 400
    assert "không phải là kỳ báo cáo" in response.content.decode()


def test_a_yearly_indicator_has_no_period_section(quarterly):
    html = page("/indicators/BTS/?unit=P&year=2020")
    assert "periods-title" not in html and "period-data" not in html


def test_the_period_page_costs_no_more_queries_with_more_quarters_and_years(quarterly):
    client = Client()
    yearly = queries_for(client, "/indicators/BTS/?unit=P&year=2020")
    yearly = queries_for(client, "/indicators/BTS/?unit=P&year=2019")  # the site's name is cached by now
    small = queries_for(client, "/indicators/ONLINE/?unit=P&period=2025-Q2")
    put_values([(quarterly.online, unit, f"{year}-Q{n}", Decimal(year + n))
                for year in range(2018, 2024) for n in range(1, 5)
                for unit in (quarterly.province, quarterly.d1, quarterly.d2)])
    aggregates_recompute()
    queries_for(client, "/indicators/BTS/?unit=P&year=2020")  # the site's name again, after the recompute
    assert queries_for(client, "/indicators/ONLINE/?unit=P&period=2025-Q2") == small == yearly


def test_each_period_is_its_own_cached_page(quarterly):
    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    first = squeeze(client.get("/indicators/ONLINE/?unit=P&period=2025-Q1").content.decode())
    second = squeeze(client.get("/indicators/ONLINE/?unit=P&period=2025-Q2").content.decode())
    assert "Quý 1/2025 1.500" in first and "Quý 2/2025 1.600" in second
    with_junk = squeeze(client.get("/indicators/ONLINE/?unit=P&period=2025-Q1&utm=x").content.decode())
    assert with_junk == first
