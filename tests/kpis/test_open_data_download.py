"""The full download (values.csv), its datapackage.json, and the about page."""

import csv
import io

import pytest

from kpis.aggregation import aggregates_recompute
from kpis.models import DataValue, Target
from tests.factories import put_values


@pytest.fixture
def published(world):
    world.bts.source = "Sở TT&TT"
    world.bts.save()
    Target.objects.create(indicator=world.bts, org_unit=world.province, year=2020, operator=">=", value=900)
    put_values([(world.bts, world.province, 2019, 906), (world.bts, world.province, 2020, 939)])
    put_values([(world.post_offices, world.d1, 2020, 3)], status="submitted")
    DataValue.objects.filter(year=2020, org_unit=world.province).update(comment="+1 trạm mới", source="VNPT")
    aggregates_recompute()
    return world


def read(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_values_csv_holds_every_published_value(published, client):
    response = client.get("/open-data/values.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = read(response)
    assert [(r["indicator"], r["org_unit"], r["year"]) for r in rows] == [
        ("BTS", "P", "2019"), ("BTS", "P", "2020"), ("BTS_DOUBLE", "P", "2019"), ("BTS_DOUBLE", "P", "2020")]
    row = rows[1]
    assert (row["value"], row["target_operator"], row["target_value"], row["status"]) == (
        "939", ">=", "900", "achieved")
    assert (row["source"], row["comment"]) == ("VNPT", "'+1 trạm mới")  # made safe for spreadsheets
    assert rows[2]["method"] == "derived" and rows[2]["source"] == ""


def test_datapackage_describes_the_csv_columns(published, client):
    package = client.get("/open-data/datapackage.json").json()
    resource = package["resources"][0]
    assert resource["path"] == "values.csv"
    header = list(read(client.get("/open-data/values.csv"))[0])
    assert [field["name"] for field in resource["schema"]["fields"]] == header
    assert {field["name"]: field["type"] for field in resource["schema"]["fields"]}["value"] == "number"
    assert "47/2020" in package["licenses"][0]["title"]
    assert package["licenses"][0]["path"].endswith("/open-data/")
    assert package["sources"] == [{"title": "Sở TT&TT"}]


def test_about_page_links_the_downloads_and_cites_the_decree(published, client):
    html = client.get("/open-data/").content.decode()
    assert "/open-data/values.csv" in html and "/open-data/datapackage.json" in html and "/api/docs/" in html
    assert "47/2020/NĐ-CP" in html


def test_site_links_the_about_page(published, client):
    assert 'href="/open-data/"' in client.get("/").content.decode()


@pytest.mark.parametrize("url", ["/open-data/", "/open-data/values.csv", "/open-data/datapackage.json"])
def test_private_site_asks_strangers_to_sign_in(published, client, settings, url):
    settings.PORTAL_PUBLIC = False
    assert client.get(url).status_code == 302
    client.force_login(published.users.viewer)
    assert client.get(url).status_code == 200
