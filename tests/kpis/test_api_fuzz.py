"""Schemathesis over the API, in-process through the WSGI application, on a
database holding the Hậu Giang demo with its aggregates computed."""

import base64
import io
from urllib.parse import urlencode

import pytest
import schemathesis
from django.core import signals
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import given
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from kpis.aggregation import aggregates_recompute
from kpis.models import Aggregate
from tests.fuzzing import fuzz_settings

SCHEMA_URL = "/api/schema/?format=json"
VALUES_URL = "/api/v1/values/"


@pytest.fixture
def open_connection():
    """Django's WSGI handler closes the database connection after each request,
    which would end the test's transaction; its test client stops that the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def demo_aggregates(db):
    call_command("load_demo", "--with-demo-users", stdout=io.StringIO())
    aggregates_recompute()
    assert Aggregate.objects.exists()


@pytest.fixture
def api_schema(demo_aggregates, open_connection):
    return schemathesis.openapi.from_wsgi(SCHEMA_URL, get_wsgi_application())


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@fuzz_settings(ci_examples=150)
def test_api_answers_without_server_error_and_as_documented(case):
    case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])


def test_schema_types_the_values_filters(client):
    parameters = {p["name"]: p["schema"] for p in
                  client.get(SCHEMA_URL).json()["paths"]["/api/v1/values/"]["get"]["parameters"]}
    assert parameters["year"]["type"] == "integer"
    assert (parameters["year"]["minimum"], parameters["year"]["maximum"]) == (1990, 2100)
    assert parameters["indicator"] == {"type": "string", "minLength": 1, "maxLength": 64}
    assert parameters["org_unit"]["type"] == "string"
    assert parameters["page_size"]["type"] == "integer"


# The schema only says a cursor is a string; DRF's cursors are base64 of a
# query string (o=offset, r=reverse, p=position), so forge those too.
cursor_fields = st.fixed_dictionaries({}, optional={
    "o": st.one_of(st.integers(-10, 10**20).map(str), st.text(max_size=5)),
    "r": st.sampled_from(["0", "1", "", "x"]),
    "p": st.one_of(st.integers(-10, 10**20).map(str), st.text(max_size=12)),
})


@fuzz_settings(ci_examples=60)
@given(fields=cursor_fields)
def test_forged_cursors_are_refused_without_server_error(demo_aggregates, client, fields):
    cursor = base64.b64encode(urlencode(fields).encode()).decode()
    response = client.get(VALUES_URL, {"cursor": cursor})
    assert response.status_code in (200, 404), (fields, response.status_code)


def test_schema_of_a_private_site_needs_sign_in(client, settings, db):
    settings.PORTAL_PUBLIC = False
    assert client.get(SCHEMA_URL).status_code in (401, 403)


WRITE_URL = "/api/v1/data-value-sets/"


@pytest.fixture
def write_schema(api_schema):
    """The write endpoint only, called with a data-entry user's token so the
    generated sets reach the checks and the writes, not just the 401."""
    return api_schema.include(path=WRITE_URL)


@pytest.fixture
def entry_token(write_schema):
    from django.contrib.auth import get_user_model

    from kpis.services.tokens import api_token_create

    return api_token_create(user=get_user_model().objects.get(username="nhaplieu"), name="fuzz")[1]


write_cases = schemathesis.pytest.from_fixture("write_schema")


@write_cases.parametrize()
@fuzz_settings(ci_examples=100)
def test_write_api_answers_without_server_error_and_as_documented(case, entry_token):
    case.call_and_validate(headers={"Authorization": f"Token {entry_token}"},
                           checks=[not_a_server_error, response_schema_conformance])
