"""Generated POSTs to the admin: the report data-entry page as its data-entry
user, and the catalogue add and change forms as a superuser. Never a server
error; a refused post changes nothing."""

import re
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.db import models
from django.test import Client
from django.urls import reverse
from hypothesis import event, given
from hypothesis import strategies as st

from kpis.models import (
    DataValue,
    DefinitionChange,
    Indicator,
    Milestone,
    OrgUnit,
    Sector,
    StaleMark,
    Target,
    ValidationRule,
    YearlyReport,
)
from kpis.services.reports import report_create, report_values_save
from tests.fuzzing import fuzz_settings, rolled_back

SPECIAL = ["\x00", "\ufeff", "\u2028", "\r\n", "<script>", "'", '"', "%s", "{{", "\u202e"]
TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12) | st.lists(
    st.sampled_from(SPECIAL) | st.sampled_from(["Hậu Giang", "1", " "]), max_size=4).map("".join)
NUMBERS = st.sampled_from([
    "", "0", "1", "939", "92,7", "92.7", "9.391", "1.234,5", "1,234.5", "-5", "1e3", "1E400", "NaN", "Infinity",
    "-0", "1" * 40, "0,0000001", "100", "100,1", "٣", " 12 ",
]) | st.decimals(allow_nan=True).map(str) | st.integers().map(str) | TEXT
BUTTONS = ["save", "save_submit", "submit", "approve", "return", "reopen"]
ACTIONS = st.sampled_from(BUTTONS + ["", "delete"]) | TEXT



def outcome(status: int) -> str:
    event(f"HTTP {status}")
    assert status < 500
    return "refused" if status >= 400 or status == 200 else "done"


# -- the report data-entry page -----------------------------------------------


@pytest.fixture
def entry(world):
    """A draft report of the province with figures already saved, and its
    data-entry user signed in."""
    report = report_create(sector=world.telecom, org_unit=world.province, year=2021, user=world.users.staff)
    report_values_save(report=report, user=world.users.staff, values={"BTS": Decimal(939), "HAS_IOC": Decimal(1)},
                       comments={"BTS": "Niên giám"})
    client = Client()
    client.force_login(world.users.staff)
    return report, client


def report_state(report: YearlyReport) -> dict:
    return {
        "report": YearlyReport.objects.filter(pk=report.pk).values().get(),
        "values": list(DataValue.objects.filter(report=report).order_by("pk").values()),
        "history": (DataValue.history.count(), YearlyReport.history.count()),
        "stale": StaleMark.objects.count(),
    }


@st.composite
def entry_posts(draw) -> dict:
    post = {}
    for code in ("BTS", "COVERAGE_PCT", "HAS_IOC", "BTS_DOUBLE", "POST_OFFICES"):
        if draw(st.integers(0, 2)) == 0:  # a field left out clears the figure
            post[f"v_{code}"] = draw(NUMBERS)
        if draw(st.integers(0, 2)) == 0:
            post[f"c_{code}"] = draw(TEXT | st.just("x" * 1001))
    if draw(st.integers(0, 9)):  # mostly the page's own buttons, now and then anything
        post["action"] = draw(ACTIONS if draw(st.integers(0, 4)) == 0 else st.sampled_from(BUTTONS))
    if draw(st.booleans()):
        post["reason"] = draw(TEXT)
    post.update(draw(st.dictionaries(TEXT, TEXT, max_size=2)))
    return post


@fuzz_settings(ci_examples=150)
@given(post=entry_posts())
def test_report_entry_posts_never_fail_and_a_refusal_changes_nothing(entry, post):
    report, client = entry
    with rolled_back():
        before = report_state(report)
        response = client.post(reverse("admin:kpis_yearlyreport_change", args=[report.pk]), post)
        if outcome(response.status_code) == "refused":
            assert report_state(report) == before, (post, response.status_code)


@fuzz_settings(ci_examples=40)
@given(object_id=TEXT | st.integers().map(str))
def test_report_entry_page_of_any_id_is_not_a_server_error(entry, object_id):
    _report, client = entry
    url = reverse("admin:kpis_yearlyreport_change", args=[quote(object_id) or "0"])
    assert client.get(url).status_code < 500
    assert client.post(url, {"action": "save"}).status_code < 500


# -- the catalogue forms -------------------------------------------------------

CATALOGUE_MODELS = (OrgUnit, Sector, Indicator, Target, Milestone, ValidationRule)


def catalogue_state() -> dict:
    state = {model.__name__: list(model.objects.order_by("pk").values())
             for model in (*CATALOGUE_MODELS, DefinitionChange)}
    state["successors"] = sorted(OrgUnit.successors.through.objects.values_list("from_orgunit", "to_orgunit"))
    state["history"] = [model.history.count() for model in (Indicator, Target, Milestone)]
    state["stale"] = StaleMark.objects.count()
    return state


def field_values(field: models.Field, pks: dict[type, list[int]]):
    """Text a person (or an attacker) could post for ``field``: right values
    most of the time, anything otherwise."""
    if field.many_to_many:
        right = st.lists(st.sampled_from(pks[field.related_model]).map(str), max_size=2)
    elif field.is_relation:
        right = st.sampled_from(pks[field.related_model]).map(str)
    elif field.choices:
        right = st.sampled_from([str(value) for value, _label in field.flatchoices])
    elif isinstance(field, models.JSONField):
        right = st.sampled_from(['["province"]', '["province", "district"]', "[]", "{}", "null", "[1]", "[", '"x"'])
    elif isinstance(field, models.BooleanField):
        right = st.sampled_from(["on", ""])
    elif isinstance(field, models.DateField):
        right = st.dates().map(str) | st.sampled_from(["30/06/2021", "2021-02-30", "0000-00-00"])
    elif isinstance(field, (models.IntegerField, models.DecimalField)):
        right = st.integers(-10, 3000).map(str) | NUMBERS
    elif field.name in ("formula", "left", "right"):
        right = st.sampled_from(["BTS * 2", "BTS + POST_OFFICES", "(BTS", "BTS / 0", "NOPE", "BTS_DOUBLE * 2", ""])
    else:
        right = TEXT | st.sampled_from(["P", "NEW", "NEW_CODE", "BTS", "x" * 600])
    return st.lists(right | TEXT, max_size=2) if field.many_to_many else (right | TEXT)


@pytest.fixture
def catalogue_admin(world):
    client = Client()
    client.force_login(world.users.admin)
    ValidationRule.objects.create(code="RULE", left="BTS", operator=">=", right="POST_OFFICES", message="Quy tắc")
    return client


def management_forms(client: Client, url: str) -> dict[str, str]:
    """The inline formsets' management fields, as the page sends them."""
    page = client.get(url).content.decode()
    return dict(re.findall(r'name="([\w-]+-(?:TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS)"[^>]*value="(\d*)"', page))


@st.composite
def catalogue_posts(draw):
    model = draw(st.sampled_from(CATALOGUE_MODELS))
    pks = {related: list(related.objects.values_list("pk", flat=True)) or [0]
           for related in (OrgUnit, Sector, Indicator, Target, Milestone, ValidationRule)}
    fields = [field for field in model._meta.get_fields()
              if getattr(field, "editable", False) and not field.auto_created and field.concrete or field.many_to_many]
    post = {field.name: draw(field_values(field, pks)) for field in fields if draw(st.integers(0, 5))}
    change = draw(st.booleans()) and model.objects.exists()
    pk = draw(st.sampled_from(sorted(model.objects.values_list("pk", flat=True)))) if change else None
    return model, pk, post, draw(st.booleans())


@fuzz_settings(ci_examples=150)
@given(case=catalogue_posts())
def test_catalogue_form_posts_never_fail_and_a_refusal_changes_nothing(catalogue_admin, case):
    model, pk, post, with_inlines = case
    opts = model._meta
    url = (reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[pk]) if pk is not None
           else reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    with rolled_back():
        if with_inlines:
            post = {**management_forms(catalogue_admin, url), **post}
        before = catalogue_state()
        response = catalogue_admin.post(url, post)
        if outcome(response.status_code) == "refused":
            assert catalogue_state() == before, (model.__name__, post, response.status_code)


def test_every_catalogue_model_is_in_the_admin():
    assert all(model in admin.site._registry for model in CATALOGUE_MODELS)
