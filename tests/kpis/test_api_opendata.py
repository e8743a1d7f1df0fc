"""The open-data read API: catalogue lists, the values' new fields and
filters, English, CSV."""

import base64
import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from kpis.aggregation import aggregates_recompute
from kpis.models import DataValue, DefinitionChange, Milestone, OrgUnit, Sector, SectorVersion, Target
from tests.factories import OrgUnitFactory, put_values


@pytest.fixture
def catalogue(world):
    world.province.name_en = "Sample Province"
    world.province.save()
    world.telecom.name_en = "Telecommunications"
    world.telecom.save()
    world.bts.name_en, world.bts.unit_en, world.bts.definition = "BTS stations", "stations", "Số trạm phát sóng."
    world.bts.definition_en, world.bts.source = "Base stations on air.", "Sở TT&TT"
    world.bts.save()
    DefinitionChange.objects.create(indicator=world.bts, year=2020, description="Tính cả trạm 5G",
                                    description_en="5G stations counted")
    old = OrgUnitFactory(code="P-OLD", name="Huyện Cũ", level="district", parent=world.province, valid_to=2019)
    old.successors.set([world.d1])
    Target.objects.create(indicator=world.bts, org_unit=world.province, year=2025, operator=">=", value=1200)
    Milestone.objects.create(code="IOC_2021", sector=world.telecom, title="Hoàn thiện IOC",
                             title_en="IOC completed", due=date(2021, 6, 30), status="in_progress",
                             status_as_of=date(2021, 3, 1))
    put_values([(world.bts, world.province, 2019, 906), (world.bts, world.province, 2020, 939),
                (world.bts, world.d1, 2020, 500), (world.post_offices, world.province, 2020, 12)])
    DataValue.objects.filter(indicator=world.bts, org_unit=world.province, year=2020).update(
        source="=Báo cáo VNPT", comment="Số liệu tháng 12")
    aggregates_recompute()
    return world


def results(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_org_units_with_validity_and_successors(catalogue, client):
    units = {u["code"]: u for u in results(client, "/api/v1/org-units/")}
    assert list(units) == sorted(units)
    assert units["P-OLD"] == {"code": "P-OLD", "name": "Huyện Cũ", "name_en": "", "level": "district",
                              "parent": "P", "valid_from": None, "valid_to": 2019, "successors": ["P-D1"]}
    assert units["P"]["parent"] is None
    assert "P-OLD" not in [u["code"] for u in results(client, "/api/v1/org-units/", valid_in=2020)]
    assert [u["code"] for u in results(client, "/api/v1/org-units/", level="province")] == ["P"]


def test_indicators_with_formula_in_words_and_definition_changes(catalogue, client):
    indicators = {i["code"]: i for i in results(client, "/api/v1/indicators/", sector="TELECOM")}
    assert "POST_OFFICES" not in indicators
    assert indicators["BTS_DOUBLE"]["formula"] == "BTS * 2"
    assert indicators["BTS_DOUBLE"]["formula_in_words"] == "Số trạm BTS × 2"
    bts = indicators["BTS"]
    assert (bts["definition"], bts["unit"], bts["source"]) == ("Số trạm phát sóng.", "trạm", "Sở TT&TT")
    assert bts["definition_changes"] == [{"year": 2020, "description": "Tính cả trạm 5G", "source": ""}]


@pytest.mark.parametrize("url", ["/api/v1/org-units/", "/api/v1/sectors/", "/api/v1/indicators/",
                                 "/api/v1/targets/", "/api/v1/milestones/", "/api/v1/values/"])
def test_every_list_can_be_read_page_by_page_to_the_end(catalogue, client, url):
    # Found by examples/open_data_client.py: the lists ordered by code answered 404 on their second page.
    whole = [row for row in client.get(url, {"page_size": 5000}).json()["results"]]
    paged, address, params = [], url, {"page_size": 1}
    while address:
        response = client.get(address, params)
        assert response.status_code == 200, (address, response.content)
        paged += response.json()["results"]
        address, params = response.json()["next"], {}
    assert paged == whole


def test_a_forged_code_cursor_is_not_found(catalogue, client):
    cursor = base64.b64encode(b"p=BTS\x00").decode()
    assert client.get("/api/v1/indicators/", {"cursor": cursor}).status_code == 404


def test_sectors_targets_milestones(catalogue, client):
    assert [s["code"] for s in results(client, "/api/v1/sectors/")] == ["POSTAL", "TELECOM"]
    targets = results(client, "/api/v1/targets/", indicator="BTS")
    assert targets == [{"indicator": "BTS", "org_unit": "P", "year": 2025, "operator": ">=", "value": 1200.0,
                        "baseline_year": None, "source": ""}]
    assert results(client, "/api/v1/targets/", year=2021) == []
    milestone = results(client, "/api/v1/milestones/", sector="TELECOM")[0]
    assert (milestone["code"], milestone["status"], milestone["status_as_of"]) == (
        "IOC_2021", "in_progress", "2021-03-01")
    assert results(client, "/api/v1/milestones/", status="done") == []


def test_english_with_lang_or_accept_language(catalogue, client):
    bts = results(client, "/api/v1/indicators/", lang="en", sector="TELECOM")[0]
    assert (bts["name"], bts["unit"], bts["definition"]) == ("BTS stations", "stations", "Base stations on air.")
    assert bts["definition_changes"][0]["description"] == "5G stations counted"
    derived = results(client, "/api/v1/indicators/", lang="en", sector="TELECOM")[1]
    assert derived["formula_in_words"] == "BTS stations × 2"
    sectors = client.get("/api/v1/sectors/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").json()["results"]
    assert [s["name"] for s in sectors] == ["Bưu chính", "Telecommunications"]  # falls back to Vietnamese
    milestone = results(client, "/api/v1/milestones/", lang="en")[0]
    assert milestone["title"] == "IOC completed"
    row = results(client, "/api/v1/values/", lang="en", indicator="BTS", org_unit="P", year=2020)[0]
    assert (row["indicator_name"], row["unit"], row["org_unit_name"]) == ("BTS stations", "stations",
                                                                         "Sample Province")
    assert results(client, "/api/v1/values/", indicator="BTS", year=2020, org_unit="P")[0]["unit"] == "trạm"


def test_sectors_are_named_as_at_the_end_of_the_year_asked_for_or_as_today(catalogue, client):
    from django.utils import timezone

    today = timezone.localdate()
    SectorVersion.objects.create(sector=catalogue.telecom, valid_from=date(2021, 3, 1),
                                 name="Viễn thông và Internet", name_en="Telecommunications and Internet")
    SectorVersion.objects.create(sector=catalogue.telecom, valid_from=today.replace(year=today.year + 1),
                                 name="Viễn thông tương lai")

    def telecom(**params):
        return next(s for s in results(client, "/api/v1/sectors/", **params) if s["code"] == "TELECOM")

    assert (telecom()["name"], telecom()["name_en"]) == ("Viễn thông và Internet", "Telecommunications and Internet")
    assert (telecom(year=2020)["name"], telecom(year=2020)["name_en"]) == ("Viễn thông", "Telecommunications")
    assert telecom(year=2021, lang="en")["name"] == "Telecommunications and Internet"
    assert telecom(year=today.year + 1)["name"] == "Viễn thông và Internet"  # not before its day comes
    rows = list(csv.DictReader(io.StringIO(client.get("/api/v1/sectors/", {"format": "csv", "year": 2020})
                                           .content.decode("utf-8-sig"))))
    assert [row["name"] for row in rows] == ["Bưu chính", "Viễn thông"]
    assert client.get("/api/v1/sectors/", {"year": "x"}).status_code == 400


def test_unknown_language_is_refused_naming_lang(catalogue, client):
    response = client.get("/api/v1/sectors/", {"lang": "fr"})
    assert response.status_code == 400 and "lang" in response.json()


def test_values_carry_the_entered_source_and_comment(catalogue, client):
    rows = {(r["indicator"], r["org_unit"], r["year"]): r for r in results(client, "/api/v1/values/")}
    entered = rows[("BTS", "P", 2020)]
    assert (entered["source"], entered["comment"]) == ("=Báo cáo VNPT", "Số liệu tháng 12")
    assert rows[("BTS_DOUBLE", "P", 2020)]["source"] is None  # derived
    assert rows[("BTS", "P", 2019)]["comment"] == ""


def test_values_filters_sector_level_and_years(catalogue, client):
    def keys(**params):
        return sorted((r["indicator"], r["org_unit"], r["year"]) for r in results(client, "/api/v1/values/",
                                                                                   **params))

    assert keys(sector="POSTAL") == [("POST_OFFICES", "P", 2020)]
    assert keys(level="district", indicator="BTS") == [("BTS", "P-D1", 2020)]
    assert keys(indicator="BTS", org_unit="P", year_from=2020) == [("BTS", "P", 2020)]
    assert keys(indicator="BTS", org_unit="P", year_to=2019) == [("BTS", "P", 2019)]


@pytest.mark.parametrize(("url", "params", "field"), [
    ("/api/v1/values/", {"sector": "NOPE"}, "sector"), ("/api/v1/values/", {"level": "galaxy"}, "level"),
    ("/api/v1/values/", {"year_from": "x"}, "year_from"),
    ("/api/v1/values/", {"year_from": 2021, "year_to": 2020}, "year_to"),
    ("/api/v1/org-units/", {"valid_in": "năm"}, "valid_in"), ("/api/v1/org-units/", {"level": "x"}, "level"),
    ("/api/v1/org-units/", {"parent": "NOPE"}, "parent"), ("/api/v1/indicators/", {"sector": "X"}, "sector"),
    ("/api/v1/targets/", {"indicator": "X"}, "indicator"), ("/api/v1/targets/", {"year": "1800"}, "year"),
    ("/api/v1/milestones/", {"status": "x"}, "status"), ("/api/v1/milestones/", {"org_unit": "X"}, "org_unit"),
])
def test_bad_filters_say_which_field(catalogue, client, url, params, field):
    response = client.get(url, params)
    assert response.status_code == 400 and field in response.json()


def read_csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.mark.parametrize("url", ["/api/v1/values/", "/api/v1/org-units/", "/api/v1/sectors/",
                                 "/api/v1/indicators/", "/api/v1/targets/", "/api/v1/milestones/"])
def test_every_list_as_csv_with_the_json_columns(catalogue, client, url):
    rows = read_csv(client.get(url, {"format": "csv"}))
    first = client.get(url).json()["results"][0]
    assert rows[0] == list(first)
    assert len(rows) > 1


def test_csv_cells_are_safe_and_whole_list(catalogue, client):
    rows = read_csv(client.get("/api/v1/values/", {"format": "csv", "page_size": 1, "indicator": "BTS"}))
    header, body = rows[0], rows[1:]
    assert len(body) == 3  # the whole filtered list, not a page
    source = [row[header.index("source")] for row in body if row[header.index("year")] == "2020"
              and row[header.index("org_unit")] == "P"]
    assert source == ["'=Báo cáo VNPT"]


def test_csv_errors_name_the_field(catalogue, client):
    response = client.get("/api/v1/values/", {"format": "csv", "year": "x"})
    assert response.status_code == 400 and b"year" in response.content


def test_values_keep_decimals(catalogue, client):
    put_values([(catalogue.coverage, catalogue.province, 2020, Decimal("92.7"))])
    aggregates_recompute()
    assert results(client, "/api/v1/values/", indicator="COVERAGE_PCT")[0]["value"] == 92.7


@pytest.mark.parametrize("url", ["/api/v1/org-units/", "/api/v1/indicators/", "/api/v1/milestones/",
                                 "/api/v1/values/?format=csv"])
def test_private_site_needs_sign_in(catalogue, client, settings, url):
    settings.PORTAL_PUBLIC = False
    assert client.get(url).status_code in (401, 403)
    client.force_login(catalogue.users.viewer)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", ["/api/v1/org-units/", "/api/v1/targets/", "/api/v1/sectors/"])
def test_public_site_open_to_anyone(catalogue, client, url):
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", ["/api/v1/values/", "/api/v1/org-units/", "/api/v1/indicators/",
                                 "/api/v1/milestones/"])
def test_etag_gives_304_until_the_data_change(catalogue, client, url):
    first = client.get(url)
    etag = first["ETag"]
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    assert client.get(url, {"lang": "en"}, HTTP_IF_NONE_MATCH=etag).status_code == 200
    assert client.get(url, {"format": "csv"}, HTTP_IF_NONE_MATCH=etag).status_code == 200
    catalogue.d2.name = "Huyện Hai Mới"
    catalogue.d2.save()
    Milestone.objects.create(code="M2", sector=catalogue.telecom, title="Mốc mới", due=date(2022, 1, 1))
    put_values([(catalogue.bts, catalogue.d2, 2020, 7)])
    aggregates_recompute()
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_etag_changes_with_any_org_unit_or_sector(catalogue, client):
    """Units, sectors and their dated names keep no history: the database counts their changes, whoever writes them."""
    url = "/api/v1/values/"
    etags = [client.get(url)["ETag"]]
    OrgUnit.objects.filter(pk=catalogue.d2.pk).update(name="Huyện Hai Mới")
    etags.append(client.get(url)["ETag"])
    catalogue.d1.successors.add(catalogue.d2)
    etags.append(client.get(url)["ETag"])
    Sector.objects.filter(pk=catalogue.telecom.pk).update(name="Viễn thông mới")
    etags.append(client.get(url)["ETag"])
    SectorVersion.objects.create(sector=catalogue.telecom, valid_from=date(2025, 3, 1), name="Viễn thông số")
    etags.append(client.get(url)["ETag"])
    assert len(set(etags)) == 5
    assert client.get(url, HTTP_IF_NONE_MATCH=etags[-1]).status_code == 304


def test_last_modified_of_values_is_the_last_recompute(catalogue, client):
    response = client.get("/api/v1/values/")
    stamp = response["Last-Modified"]
    assert client.get("/api/v1/values/", HTTP_IF_MODIFIED_SINCE=stamp).status_code == 304
    assert client.get("/api/v1/values/", HTTP_IF_MODIFIED_SINCE="Mon, 01 Jan 2001 00:00:00 GMT").status_code == 200
    assert "Last-Modified" not in client.get("/api/v1/milestones/")


def test_private_site_gives_no_304_to_strangers(catalogue, client, settings):
    etag = client.get("/api/v1/values/")["ETag"]
    settings.PORTAL_PUBLIC = False
    assert client.get("/api/v1/values/", HTTP_IF_NONE_MATCH=etag).status_code in (401, 403)


def test_cors_allows_reading_from_any_origin_without_cookies(catalogue, client):
    response = client.get("/api/v1/sectors/", HTTP_ORIGIN="https://data.example.org")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Credentials" not in response
    preflight = client.options("/api/v1/values/", HTTP_ORIGIN="https://x.example",
                               HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET")
    assert preflight["Access-Control-Allow-Origin"] == "*"


def test_no_cors_for_writes_or_pages(catalogue, client):
    preflight = client.options("/api/v1/values/", HTTP_ORIGIN="https://x.example",
                               HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert "Access-Control-Allow-Origin" not in preflight
    assert "Access-Control-Allow-Origin" not in client.post("/api/v1/values/", HTTP_ORIGIN="https://x.example")
    assert "Access-Control-Allow-Origin" not in client.get("/", HTTP_ORIGIN="https://x.example")


def test_answers_are_revalidated_and_private_sites_stay_out_of_shared_caches(catalogue, client, settings):
    assert client.get("/api/v1/sectors/")["Cache-Control"] == "no-cache"
    settings.PORTAL_PUBLIC = False
    client.force_login(catalogue.users.viewer)
    assert set(client.get("/api/v1/sectors/")["Cache-Control"].split(", ")) == {"no-cache", "private"}
