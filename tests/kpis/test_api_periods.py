"""The values API and the open-data download by period (docs/api.md):
``period=`` and ``frequency=``, every result's ``period``, the CSV's
``period`` column, a 400 that says what is wrong with a bad period, and the
yearly figures by default as before periods existed."""

import csv
import io
from decimal import Decimal

import pytest
from django.test import Client

from kpis.aggregation import aggregates_recompute
from tests.factories import IndicatorFactory, OrgUnitFactory, SectorFactory, put_values


@pytest.fixture
def online(db):
    """Dossiers received online at a province, by quarter: all of 2024, three quarters of 2025."""
    province = OrgUnitFactory(code="HG", name="Hậu Giang", level="province")
    indicator = IndicatorFactory(code="ONLINE", name="Hồ sơ nộp trực tuyến", sector=SectorFactory(code="DX"),
                                 unit="hồ sơ", frequency="quarter", time_aggregation="sum",
                                 entry_levels=["province"])
    put_values([(indicator, province, f"2024-Q{n}", Decimal(100 * n)) for n in range(1, 5)]
               + [(indicator, province, f"2025-Q{n}", Decimal(150 * n)) for n in range(1, 4)])
    aggregates_recompute()
    return indicator


def results(**query) -> list[dict]:
    response = Client().get("/api/v1/values/", query)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_by_default_only_the_yearly_figures_come_each_with_its_period(online):
    found = results(indicator="ONLINE")
    assert [(row["year"], row["period"], row["value"]) for row in found] == [(2024, "2024", 1000.0)]


def test_one_period_by_its_code(online):
    [row] = results(indicator="ONLINE", period="2025-Q3")
    assert (row["year"], row["period"], row["value"], row["previous_value"]) == (2025, "2025-Q3", 450.0, 300.0)
    assert row["target"] is None and row["status"] is None  # targets are yearly
    assert [row["period"] for row in results(indicator="ONLINE", period="2024")] == ["2024"]
    assert results(indicator="ONLINE", period="2025-07") == []


def test_every_period_of_a_frequency(online):
    assert sorted(row["period"] for row in results(frequency="quarter", year=2025)) == [
        "2025-Q1", "2025-Q2", "2025-Q3"]
    assert sorted(row["period"] for row in results(frequency="half_year")) == ["2024-H1", "2024-H2", "2025-H1"]
    assert len(results(frequency="all")) == 4 + 2 + 1 + 3 + 1


def test_the_csv_has_a_period_column_beside_the_year(online):
    response = Client().get("/api/v1/values/", {"format": "csv", "frequency": "quarter", "year": 2025})
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert header[header.index("year") + 1] == "period"
    assert [row["period"] for row in rows] == ["2025-Q1", "2025-Q2", "2025-Q3"]


@pytest.mark.parametrize(("query", "field", "words"), [
    ({"period": "2025-Q5"}, "period", "không phải là kỳ báo cáo"),
    ({"period": "Q3/2025"}, "period", "viết 2025, 2025-H1, 2025-Q3 hoặc 2025-07"),
    ({"period": "2025-13"}, "period", "không phải là kỳ báo cáo"),
    ({"period": "1850-Q1"}, "period", "Năm của kỳ phải từ"),
    ({"period": "2025-Q3", "frequency": "month"}, "frequency", "không phải kỳ"),
    ({"period": "2025-Q3", "year": 2024}, "year", "khác năm của kỳ 2025-Q3"),
    ({"frequency": "week"}, "frequency", ""),
])
def test_a_bad_period_is_a_400_naming_what_is_wrong(online, query, field, words):
    response = Client().get("/api/v1/values/", {**query, "lang": "vi"})
    assert response.status_code == 400
    assert words in response.json()[field][0]
    assert Client().get("/api/v1/values/", {**query, "format": "csv"}).status_code == 400


def test_the_open_data_download_carries_every_period(online):
    client = Client()
    text = client.get("/open-data/values.csv").getvalue().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["period"] for row in rows] == ["2024", "2024-H1", "2024-H2", "2024-Q1", "2024-Q2", "2024-Q3",
                                               "2024-Q4", "2025-H1", "2025-Q1", "2025-Q2", "2025-Q3"]
    package = client.get("/open-data/datapackage.json").json()
    schema = package["resources"][0]["schema"]
    assert {"name": "period", "type": "string"}.items() <= next(
        f for f in schema["fields"] if f["name"] == "period").items()
    assert schema["primaryKey"] == ["indicator", "org_unit", "year", "period"]
