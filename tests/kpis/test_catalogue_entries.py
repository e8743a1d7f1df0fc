"""The catalogue has two doors, the YAML loader and the admin pages, and one
set of rules: each bad change below is tried through both, and both refuse it
with a message on the field, writing nothing (and never answering 500)."""

import copy
import json
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils.html import escape

from kpis.models import (
    AuditEvent,
    DataValue,
    Indicator,
    Milestone,
    OrgUnit,
    Sector,
    StaleMark,
    Target,
    ValidationRule,
)
from kpis.services.catalogue import CatalogueError, catalogue_load
from kpis.services.imports import values_import
from tests.factories import make_user
from tests.kpis.test_audit_admin_changes import _fields, form_data
from tests.kpis.test_catalogue import CATALOGUE, catalogue, database_state

pytestmark = pytest.mark.django_db

# section → (model, the fields of its natural key); then the model each reference field points to
SECTIONS = {
    "org_units": (OrgUnit, ("code",)),
    "indicators": (Indicator, ("code",)),
    "targets": (Target, ("indicator", "org_unit", "year")),
    "milestones": (Milestone, ("code",)),
    "validation_rules": (ValidationRule, ("code",)),
}
REFERENCES = {"sector": Sector, "parent": OrgUnit, "org_unit": OrgUnit, "indicator": Indicator}


@dataclass(frozen=True)
class Case:
    section: str
    index: int
    changes: dict
    field: str
    fragment: str = ""  # a part of the message

    @property
    def key(self) -> tuple[str, ...]:
        entry = CATALOGUE[self.section][self.index]
        return tuple(str(entry[name]) for name in SECTIONS[self.section][1])


CASES = {
    "indicator with figures moved to another sector": Case("indicators", 3, {"sector": "DX"}, "sector", "TELECOM"),
    "entered indicator with figures made derived": Case(
        "indicators", 3, {"formula": "MOBILE_SUBSCRIBERS / 100", "aggregation": "", "entry_levels": []},
        "formula", "số liệu"),
    "formula with an unknown code": Case("indicators", 0, {"formula": "MOBILE_SUBSCRIBERS / POPULATON"},
                                         "formula", "POPULATON"),
    "formula that refers to itself": Case("indicators", 0, {"formula": "MOBILE_SUBS_PER_100 + 1"},
                                          "formula", "MOBILE_SUBS_PER_100"),
    "formula that makes a cycle": Case(
        "indicators", 1, {"formula": "MOBILE_SUBS_PER_100 * 2", "aggregation": "", "entry_levels": []},
        "formula", "MOBILE_SUBSCRIBERS → MOBILE_SUBS_PER_100 → MOBILE_SUBSCRIBERS"),
    "formula that does not parse": Case("indicators", 0, {"formula": "MOBILE_SUBSCRIBERS / * 100"},
                                        "formula", "vị trí 20"),
    "rule with an unknown code": Case("validation_rules", 0, {"right": "POPULATON * 3"}, "right", "POPULATON"),
    "rule that does not parse": Case("validation_rules", 0, {"left": "MOBILE_SUBSCRIBERS +"}, "left"),
    "org unit whose parent makes a cycle": Case("org_units", 1, {"parent": "HG-VT"}, "parent", "vòng lặp"),
    "org unit that ends before it starts": Case("org_units", 1, {"valid_from": 2020, "valid_to": 2010},
                                                "valid_to"),
    "target whose baseline is not before it": Case("targets", 0, {"baseline_year": 2025}, "baseline_year"),
    "completion date of a milestone not done": Case("milestones", 0, {"completed_on": "2021-07-01"},
                                                    "completed_on"),
}


@pytest.fixture
def loaded():
    """The documented example catalogue, with a figure for BTS."""
    catalogue_load(data=catalogue())
    result = values_import(content=b"indicator,org_unit,year,value\nBTS,HG,2021,1000\n")
    assert result.ok, result.errors


@pytest.fixture
def admin_client(client):
    client.force_login(make_user("quan-tri", superuser=True))
    return client


def refused_by_the_loader(case: Case, _client) -> list[str]:
    data = catalogue()
    data[case.section][case.index].update(copy.deepcopy(case.changes))
    with pytest.raises(CatalogueError) as caught:
        catalogue_load(data=data)
    where = f"{case.section}[{case.index}] ({', '.join(case.key)}): {case.field}: "
    messages = [error[len(where):] for error in caught.value.errors if error.startswith(where)]
    assert messages, caught.value.errors
    return messages


def _stored(case: Case):
    model, key_fields = SECTIONS[case.section]
    lookup = {f"{name}__code" if name in REFERENCES else name: value
              for name, value in zip(key_fields, case.key, strict=True)}
    return model.objects.get(**lookup)


def _posted(name: str, value) -> str:
    if name in REFERENCES:
        return str(REFERENCES[name].objects.get(code=value).pk)
    return json.dumps(value) if isinstance(value, list) else str(value)


def refused_by_the_admin(case: Case, client) -> list[str]:
    obj = _stored(case)
    page = reverse(f"admin:kpis_{obj._meta.model_name}_change", args=[obj.pk])
    data = form_data(client.get(page))
    data.update({name: _posted(name, value) for name, value in case.changes.items()})
    response = client.post(page, data)
    assert response.status_code == 200, "the change was accepted"
    errors = response.context["adminform"].form.errors
    assert case.field in errors, errors
    assert escape(errors[case.field][0]) in response.content.decode()  # shown on the page
    return list(errors[case.field])


DOORS = {"loader": refused_by_the_loader, "admin": refused_by_the_admin}


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("name", CASES)
def test_both_doors_refuse_on_the_field_and_write_nothing(loaded, admin_client, door, name):
    case = CASES[name]
    before, events = database_state(), AuditEvent.objects.count()
    messages = DOORS[door](case, admin_client)
    assert any(case.fragment in message for message in messages), messages
    assert database_state() == before
    assert DataValue.objects.count() == 1
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("name", CASES)
def test_both_doors_give_the_same_message(loaded, admin_client, name):
    case = CASES[name]
    assert refused_by_the_loader(case, admin_client) == refused_by_the_admin(case, admin_client)


def test_a_valid_edit_in_the_admin_saves_and_marks_aggregates_stale(loaded, admin_client):
    StaleMark.objects.all().delete()
    bts = Indicator.objects.get(code="BTS")
    page = reverse("admin:kpis_indicator_change", args=[bts.pk])
    data = form_data(admin_client.get(page)) | {"name": "Số trạm thu phát sóng"}
    assert admin_client.post(page, data).status_code == 302
    assert Indicator.objects.get(pk=bts.pk).name == "Số trạm thu phát sóng"
    assert StaleMark.objects.exists()


def test_renaming_an_indicator_that_formulas_and_rules_use_is_refused_on_its_code(loaded, admin_client):
    subscribers = Indicator.objects.get(code="MOBILE_SUBSCRIBERS")
    page = reverse("admin:kpis_indicator_change", args=[subscribers.pk])
    before = database_state()
    data = form_data(admin_client.get(page)) | {"code": "MOBILE_SUBS"}
    response = admin_client.post(page, data)
    assert response.status_code == 200
    [message] = response.context["adminform"].form.errors["code"]
    assert "MOBILE_SUBS_PER_100" in message and "SUBSCRIBERS_NOT_ABOVE_3X_POPULATION" in message
    assert database_state() == before


def test_deleting_an_indicator_a_formula_uses_is_refused_with_the_reason(loaded, admin_client):
    population = Indicator.objects.get(code="POPULATION")
    page = reverse("admin:kpis_indicator_delete", args=[population.pk])
    assert "MOBILE_SUBS_PER_100" in admin_client.get(page).content.decode()
    response = admin_client.post(page, {"post": "yes"})
    assert response.status_code == 200
    assert Indicator.objects.filter(pk=population.pk).exists()


def test_deleting_indicators_from_the_list_is_refused_when_a_formula_uses_one(loaded, admin_client):
    population = Indicator.objects.get(code="POPULATION")
    admin_client.post(reverse("admin:kpis_indicator_changelist"), {
        "action": "delete_selected", "_selected_action": [population.pk], "post": "yes"})
    assert Indicator.objects.filter(pk=population.pk).exists()


def test_a_history_revert_goes_through_the_same_rules(admin_client):
    """BTS was in another sector before it had figures: reverting to that
    version is a sector change like any other, refused on the field."""
    moved = copy.deepcopy(CATALOGUE["indicators"][3]) | {"sector": "DX"}
    catalogue_load(data=catalogue(indicators=[*CATALOGUE["indicators"][:3], moved]))
    catalogue_load(data=catalogue())
    assert values_import(content=b"indicator,org_unit,year,value\nBTS,HG,2021,1000\n").ok
    bts = Indicator.objects.get(code="BTS")
    old = bts.history.filter(sector__code="DX").get()
    page = reverse("admin:kpis_indicator_simple_history", args=[bts.pk, old.history_id])
    before = database_state()
    data = {name: value for name, value in _fields(admin_client.get(page).context["adminform"].form).items()
            if value is not None}  # a revert page has the form only, no inlines
    response = admin_client.post(page, data)
    assert response.status_code == 200
    assert "TELECOM" in response.context["adminform"].form.errors["sector"][0]
    assert database_state() == before


def test_a_target_added_on_the_indicator_page_is_checked_like_any_target(loaded, admin_client):
    bts = Indicator.objects.get(code="BTS")
    page = reverse("admin:kpis_indicator_change", args=[bts.pk])
    data = form_data(admin_client.get(page))
    prefix = next(key[:-len("-TOTAL_FORMS")] for key in data if key.endswith("-TOTAL_FORMS") and "target" in key)
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data.update({f"{prefix}-TOTAL_FORMS": str(index + 1), f"{prefix}-{index}-indicator": str(bts.pk),
                 f"{prefix}-{index}-org_unit": str(OrgUnit.objects.get(code="HG-VT").pk),
                 f"{prefix}-{index}-year": "2025", f"{prefix}-{index}-operator": ">=",
                 f"{prefix}-{index}-value": "100", f"{prefix}-{index}-baseline_year": "2030"})
    before = database_state()
    response = admin_client.post(page, data)
    assert response.status_code == 200
    [inline] = [formset for formset in response.context["inline_admin_formsets"]
                if formset.formset.prefix == prefix]
    assert "baseline_year" in inline.formset.forms[index].errors
    assert database_state() == before
