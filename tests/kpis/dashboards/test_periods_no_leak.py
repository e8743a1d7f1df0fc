"""Figures of quarters never leak into the yearly pages, exports and API
answers: with every yearly figure doubled by four quarterly ones (and
quarterly reports and values beside the yearly ones), what the yearly doors
show is unchanged (docs/periods.md, "Reading figures by period")."""

import re
import uuid
from datetime import date

from django.conf import settings as django_settings
from django.test import Client

from kpis.export.selectors import report_data
from kpis.models import Aggregate, DataValue, YearlyReport
from kpis.notifications.selectors import completed_years
from tests.factories import make_nation

QUARTERS = (201, 202, 203, 204)
YEARLY_PAGES = [
    "/?unit=P&year=2020", "/?unit=P", "/?unit=P-D1&year=2020", "/sectors/TELECOM/?unit=P&year=2020",
    "/sectors/POSTAL/?unit=P", "/units/P/?year=2020", "/units/P-D1/", "/completeness/?unit=P&year=2020",
    "/indicators/BTS/?unit=P-D2&year=2019", "/indicators/COVERAGE_PCT/?unit=P",
]


def plant_quarters(*, source: str = "QUÝ") -> None:
    """Four quarters beside every yearly figure, with other values; a quarterly
    report and entered value, with a source, beside every yearly one."""
    Aggregate.objects.bulk_create(
        Aggregate(indicator_id=cell.indicator_id, org_unit_id=cell.org_unit_id, year=cell.year, period=part,
                  value=cell.value * 1000 + part, method=cell.method, is_complete=False)
        for cell in list(Aggregate.objects.filter(period=0)) for part in QUARTERS)
    for report in list(YearlyReport.objects.filter(period=0)):
        quarter = YearlyReport.objects.create(sector=report.sector, org_unit=report.org_unit, year=report.year,
                                              period=QUARTERS[2], status=report.status,
                                              approved_at=report.approved_at)
        for value in DataValue.objects.filter(report=report):
            DataValue.objects.create(report=quarter, indicator=value.indicator, org_unit=value.org_unit,
                                     year=value.year, period=QUARTERS[2], value=value.value + 1, source=source)


def fresh_cache(settings) -> None:
    """Planting rows by hand does not change the data version: read past the page cache."""
    settings.CACHES = {"default": {**django_settings.CACHES["default"], "KEY_PREFIX": f"t-{uuid.uuid4().hex}"}}


def without_period_section(html: str) -> str:
    return re.sub(r'\n<section class="headline periods".*?</section>\n', "", html, flags=re.S)


def pages(urls) -> dict[str, str]:
    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    found = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        # The language form's CSRF token is masked afresh on every answer.
        found[url] = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())
    return found


def test_yearly_pages_are_the_same_with_quarters_beside_them(dash, settings):
    before = pages([*YEARLY_PAGES, "/indicators/BTS/?unit=P&year=2020"])
    plant_quarters()
    fresh_cache(settings)
    after = pages(YEARLY_PAGES)
    for url in YEARLY_PAGES:
        # An indicator's page adds the unit's quarters (test_periods.py); its yearly part is the same.
        assert without_period_section(after[url]) == before[url], url
    # The province now has quarters of its own: its page adds them, its yearly part is the same.
    own = pages(["/indicators/BTS/?unit=P&year=2020"])["/indicators/BTS/?unit=P&year=2020"]
    assert 'class="headline periods"' in own
    assert without_period_section(own) == before["/indicators/BTS/?unit=P&year=2020"]


def test_the_national_view_is_the_same_with_quarters_beside_it(db, settings):
    make_nation()
    urls = ["/national/", "/national/?indicator=BTS&year=2024", "/national/?indicator=DAYS&unit=C"]
    before = pages(urls)
    plant_quarters()
    fresh_cache(settings)
    assert pages(urls) == before


def test_the_summary_export_reads_yearly_figures_only(dash):
    before = report_data(year=2020, org_unit=dash.province, issued_on=date(2021, 3, 1), districts=True)
    plant_quarters()
    after = report_data(year=2020, org_unit=dash.province, issued_on=date(2021, 3, 1), districts=True)
    assert after == before and after.rows


def test_the_api_by_default_answers_the_yearly_figures_as_before(dash, settings):
    client = Client()
    before = client.get("/api/v1/values/", {"page_size": 5000}).json()["results"]
    before_csv = client.get("/api/v1/values/", {"format": "csv"}).content
    plant_quarters()
    fresh_cache(settings)
    after = client.get("/api/v1/values/", {"page_size": 5000}).json()["results"]
    assert after == before and {row["period"] for row in after} == {"2019", "2020"}
    assert all(row["source"] != "QUÝ" for row in after)  # a quarter's entered value is not the year's source
    assert client.get("/api/v1/values/", {"format": "csv"}).content == before_csv
    assert len(client.get("/api/v1/values/", {"frequency": "quarter", "page_size": 5000}).json()["results"]) \
        == 4 * len(before)


def test_a_draft_quarter_report_does_not_undo_a_completed_year(dash):
    before = completed_years(dash.province)
    plant_quarters()
    YearlyReport.objects.filter(period=QUARTERS[2]).update(status="draft")
    assert completed_years(dash.province) == before
