"""The full download (values.csv), its datapackage.json, and the about page."""

import csv
import io

import pytest
from django.utils.http import http_date

from kpis.aggregation import aggregates_recompute
from kpis.aggregation.version import data_version
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
    assert package["sources"] == [{"title": "Sở TT&TT"}]


def test_datapackage_licence_is_the_terms_page_under_the_law_in_force(published, client):
    [licence] = client.get("/open-data/datapackage.json").json()["licenses"]
    assert licence["path"] == "http://testserver/open-data/#terms"
    assert "name" not in licence  # no Open Definition id fits; a made-up one would mislead harvesters
    assert "20/2023/QH15" in licence["title"] and "194/2025/NĐ-CP" in licence["title"]
    assert "47/2020" not in licence["title"]  # its open-data articles were repealed on 19 August 2025
    assert 'id="terms"' in client.get("/open-data/").content.decode()


def test_the_legal_basis_and_the_publisher_are_data(published, client, settings):
    settings.OPEN_DATA_LEGAL_BASIS = "Luật Dữ liệu số 60/2024/QH15"
    package = client.get("/open-data/datapackage.json").json()
    assert "Luật Dữ liệu số 60/2024/QH15" in package["licenses"][0]["title"]
    assert package["contributors"] == [{"title": published.province.name, "role": "publisher"}]
    html = client.get("/open-data/").content.decode()
    assert "Luật Dữ liệu số 60/2024/QH15" in html and published.province.name in html


def test_about_page_links_the_downloads_and_cites_the_law_in_force(published, client):
    html = client.get("/open-data/").content.decode()
    assert "/open-data/values.csv" in html and "/open-data/datapackage.json" in html and "/api/docs/" in html
    assert "Luật Giao dịch điện tử số 20/2023/QH15 (Điều 43) và Nghị định 194/2025/NĐ-CP" in html
    assert "47/2020" not in html


def test_site_links_the_about_page(published, client):
    assert 'href="/open-data/"' in client.get("/").content.decode()


@pytest.mark.parametrize("url", ["/open-data/", "/open-data/values.csv", "/open-data/datapackage.json"])
def test_private_site_asks_strangers_to_sign_in(published, client, settings, url):
    settings.PORTAL_PUBLIC = False
    assert client.get(url).status_code == 302
    client.force_login(published.users.viewer)
    assert client.get(url).status_code == 200


DOWNLOADS = ["/open-data/values.csv", "/open-data/datapackage.json"]


@pytest.mark.parametrize("url", DOWNLOADS)
def test_downloads_carry_validators_from_the_data_version(published, client, url):
    first = client.get(url)
    version = data_version()
    assert first["ETag"].startswith('"') and first["Last-Modified"] == http_date(version.last_recompute.timestamp())
    assert "no-cache" in first["Cache-Control"]
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again["ETag"] == first["ETag"] and not again.content
    since = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304
    older = http_date(version.last_recompute.timestamp() - 3600)
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=older).status_code == 200


@pytest.mark.parametrize("url", DOWNLOADS)
def test_new_figures_change_the_validators(published, client, url):
    first = client.get(url)
    put_values([(published.bts, published.province, 2021, 1015)])
    aggregates_recompute()
    changed = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]


def test_the_two_files_and_languages_have_their_own_tags(published, client):
    tags = {client.get(url)["ETag"] for url in DOWNLOADS}
    tags.add(client.get("/open-data/values.csv?lang=en")["ETag"])
    assert len(tags) == 3


def test_a_private_site_checks_the_user_before_answering_304(published, client, settings):
    tag = client.get("/open-data/values.csv")["ETag"]
    settings.PORTAL_PUBLIC = False
    assert client.get("/open-data/values.csv", HTTP_IF_NONE_MATCH=tag).status_code == 302
    client.force_login(published.users.viewer)
    answer = client.get("/open-data/values.csv", HTTP_IF_NONE_MATCH=tag)
    assert answer.status_code == 304 and "private" in answer["Cache-Control"]
