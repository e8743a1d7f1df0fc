"""Every permission rule lives in kpis/permissions.py, and Python code names
the choices of kpis/models.py instead of spelling their values."""

import ast
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import RequestFactory

from kpis import models, permissions

ROOT = Path(__file__).resolve().parents[2]
PYTHON = [path for folder in ("kpis", "portal") for path in (ROOT / folder).rglob("*.py")
          if "migrations" not in path.parts]
PERMISSION_HOMES = {ROOT / "kpis" / "permissions.py"}


def test_no_permission_is_checked_outside_kpis_permissions():
    found = []
    for path in PYTHON:
        if path in PERMISSION_HOMES:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if "has_perm(" in line or "has_perms(" in line or "has_module_perms(" in line:
                found.append(f"{path.relative_to(ROOT)}:{number}")
    templates = [path for path in (ROOT / "templates").rglob("*.html")
                 if "perms." in path.read_text(encoding="utf-8")]
    assert found == [] and templates == []


_CHOICES = (models.Aggregation, models.Direction, models.ReportStatus, models.OrgUnitLevel, models.ValueType,
            models.MilestoneStatus, models.ProgressStatus, models.AggregateMethod, models.ExportStatus)
_VALUES = {value for choices in _CHOICES for value in choices.values}
_FIELDS = {"status", "level", "aggregation", "direction", "value_type", "method", "report__status"}


def _spelled_choices(tree: ast.AST) -> list[int]:
    """Lines where a choice's value is compared with or given to a field as a bare string."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            for operand in operands:
                items = operand.elts if isinstance(operand, ast.Tuple | ast.List | ast.Set) else [operand]
                if any(isinstance(i, ast.Constant) and i.value in _VALUES for i in items):
                    lines.append(node.lineno)
        elif isinstance(node, ast.keyword) and node.arg in _FIELDS:
            if isinstance(node.value, ast.Constant) and node.value.value in _VALUES:
                lines.append(node.value.lineno)
    return lines


def test_python_code_names_the_choices_instead_of_spelling_them():
    found = [f"{path.relative_to(ROOT)}:{line}" for path in PYTHON
             for line in _spelled_choices(ast.parse(path.read_text(encoding="utf-8")))]
    assert found == []


# --- who may export the leaders' summary ---------------------------------------------------


def _button(user) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return render_to_string("kpis/export/_button.html", {"year": 2020, "org_unit": None}, request=request)


@pytest.mark.parametrize("role", ["viewer", "staff", "district_staff", "approver", "leader", "admin"])
def test_the_button_the_pages_and_the_service_ask_one_export_rule(world, role):
    user = getattr(world.users, role)
    allowed = permissions.can_export_summary(user)
    assert allowed is (role in ("leader", "admin"))
    assert bool(_button(user).strip()) is allowed


def test_an_inactive_leader_may_not_export(world):
    leader = world.users.leader
    leader.is_active = False
    assert not permissions.can_export_summary(leader)
    assert not permissions.can_export_summary(AnonymousUser())
    assert not permissions.can_export_summary(None)


@pytest.mark.parametrize(("role", "list_reports", "work_on_reports", "list_values"), [
    ("viewer", True, False, False),
    ("staff", True, True, True),
    ("approver", True, True, True),
    ("leader", True, False, False),
    ("admin", True, True, True),
])
def test_report_admin_rules_per_role(world, role, list_reports, work_on_reports, list_values):
    user = getattr(world.users, role)
    assert permissions.can_list_reports(user) is list_reports
    assert permissions.can_work_on_reports(user) is work_on_reports
    assert permissions.can_list_values(user) is list_values
    assert not permissions.can_list_reports(AnonymousUser())


def test_the_report_form_offers_the_units_and_sectors_of_the_assignments(world):
    staff_units, staff_sectors = permissions.assigned_units_and_sectors(world.users.staff)
    assert staff_units == {world.province.pk, world.d1.pk, world.d2.pk} and staff_sectors == {world.telecom.pk}
    assert permissions.assigned_units_and_sectors(world.users.district_staff) == ({world.d1.pk}, {world.telecom.pk})
    assert permissions.assigned_units_and_sectors(world.users.approver)[1] is None  # every sector
    assert permissions.assigned_units_and_sectors(world.users.admin) == (None, None)

    from kpis.admin.forms import ReportCreateForm

    form = ReportCreateForm(user=world.users.district_staff)
    assert list(form.fields["org_unit"].queryset) == [world.d1]
    assert list(form.fields["sector"].queryset) == [world.telecom]


# Validity by days (sector names, document settings: compared with a day ``day``/``on``, or with
# another period), and the models' own range constraints: not a unit's years in the tree.
DATED_NOT_UNITS = ("SectorVersion", "DocumentSettings", " day", "=on)", "other.valid", "F('valid_to')",
                   'F("valid_to")')


def test_the_tree_of_a_year_is_decided_in_kpis_rules_only():
    """Whether a unit is in a year's tree: kpis/rules.py (and the engine's SQL twin, tested to agree
    in tests/kpis/test_tree_of_year.py); everything else asks it or kpis.selectors.units_active_in."""
    homes = {ROOT / "kpis" / "rules.py", ROOT / "kpis" / "aggregation" / "lineage.py"}  # lineage.active: the SQL twin
    spelled = ("valid_to__gte", "valid_from__lte", "valid_to__lt", "valid_from__gt", "<= self.valid_to",
               "self.valid_from <=", "valid_to IS NULL OR")
    found = [f"{path.relative_to(ROOT)}:{number}" for path in PYTHON if path not in homes
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
             if any(text in line for text in spelled) and not any(dated in line for dated in DATED_NOT_UNITS)]
    assert found == []
