import base64
from decimal import Decimal

import pytest

from kpis.aggregation import aggregates_recompute
from kpis.models import Target
from tests.factories import put_values

URL = "/api/v1/values/"


@pytest.fixture
def figures(world):
    Target.objects.create(indicator=world.coverage, org_unit=world.province, year=2021, operator=">=", value=60)
    put_values([(world.bts, world.province, 2019, 906), (world.bts, world.province, 2020, 939),
                (world.coverage, world.province, 2020, Decimal("92.7"))])
    put_values([(world.bts, world.d1, 2020, 5)], status="submitted")
    aggregates_recompute()
    return world


def test_values_with_change_target_and_status(figures, client):
    body = client.get(URL, {"indicator": "BTS", "org_unit": "P", "year": 2020}).json()
    assert len(body["results"]) == 1
    row = body["results"][0]
    assert row["indicator"] == "BTS" and row["org_unit"] == "P" and row["year"] == 2020
    assert (row["value"], row["previous_value"], row["change"]) == (939, 906, 33)
    assert row["change_pct"] == 3.6
    assert row["target"] is None and row["status"] is None

    row = client.get(URL, {"indicator": "COVERAGE_PCT"}).json()["results"][0]
    assert row["value"] == 92.7
    assert row["target"] == {"operator": ">=", "value": 60.0, "year": 2021}
    assert row["status"] == "achieved"


def test_only_approved_figures(figures, client):
    rows = client.get(URL, {"org_unit": "P-D1"}).json()["results"]
    assert rows == []


def test_filters_may_be_left_out(figures, client):
    rows = client.get(URL).json()["results"]
    assert sorted((r["indicator"], r["year"], r["value"]) for r in rows) == [
        ("BTS", 2019, 906), ("BTS", 2020, 939), ("BTS_DOUBLE", 2019, 1812), ("BTS_DOUBLE", 2020, 1878),
        ("COVERAGE_PCT", 2020, 92.7)]


@pytest.mark.parametrize(("params", "field"), [
    ({"indicator": "NOPE"}, "indicator"), ({"org_unit": "XX"}, "org_unit"), ({"year": "hai nghìn"}, "year"),
    ({"year": "1800"}, "year"),
])
def test_bad_filters_say_which_field(figures, client, params, field):
    response = client.get(URL, params)
    assert response.status_code == 400 and field in response.json()


def test_private_site_needs_sign_in(figures, client, settings):
    settings.PORTAL_PUBLIC = False
    assert client.get(URL).status_code in (401, 403)
    client.force_login(figures.users.viewer)
    assert client.get(URL).status_code == 200


def test_read_only(figures, client):
    assert client.post(URL, {}).status_code in (403, 405)


def test_fixed_number_of_queries(figures, client, django_assert_max_num_queries):
    # The page and the data version (its ETag, with the catalogue's counter).
    with django_assert_max_num_queries(5):
        client.get(URL)


def test_cursor_with_a_forged_position_is_not_found(figures, client):
    cursor = base64.b64encode(b"p=abc").decode()
    response = client.get(URL, {"cursor": cursor})
    assert response.status_code == 404
