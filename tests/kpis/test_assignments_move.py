"""Assignments end with their unit, and an administrator moves them to the
successors (kpis/services/assignments.py, the OrgUnit admin's action)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from kpis import permissions, roles
from kpis.admin.forms import ReportCreateForm
from kpis.models import Assignment, AuditAction, AuditEvent, YearlyReport
from kpis.services.assignments import assignments_move_to_successors
from kpis.services.reports import report_create
from tests.factories import OrgUnitFactory, make_user
from tests.kpis.trees import two_trees


@pytest.fixture
def trees(world):
    trees = two_trees(world)
    trees.clerk = make_user("clerk", group=roles.DATA_ENTRY, assignments=[(world.telecom, trees.c3, False)])
    trees.district_clerk = make_user("district_clerk", group=roles.DATA_ENTRY,
                                     assignments=[(None, trees.d1, True)])
    return trees


def test_an_assignment_gives_no_rights_after_its_units_last_year(trees):
    clerk, telecom = trees.clerk, trees.world.telecom
    assert permissions.is_assigned(clerk, sector=telecom, org_unit=trees.c3, year=2024)
    assert not permissions.is_assigned(clerk, sector=telecom, org_unit=trees.c3, year=2025)
    # A commune left under the abolished district by mistake: the district's staff get nothing in 2025.
    stray = OrgUnitFactory(code="P-C9", name="Xã Sót", level="commune", parent=trees.d1)
    district_clerk = trees.district_clerk
    assert permissions.can_create_report(district_clerk, sector=telecom, org_unit=stray, year=2024)
    assert not permissions.can_create_report(district_clerk, sector=telecom, org_unit=stray, year=2025)
    late = YearlyReport.objects.create(sector=telecom, org_unit=stray, year=2025)
    early = YearlyReport.objects.create(sector=telecom, org_unit=stray, year=2024)
    assert not permissions.can_edit_values(district_clerk, late) and permissions.can_edit_values(district_clerk, early)
    assert set(permissions.reports_visible_to(district_clerk).filter(org_unit=stray)) == {early}


def test_no_report_for_a_unit_outside_the_tree_of_its_year(trees):
    admin = trees.world.users.admin
    with pytest.raises(ValidationError) as refused:
        report_create(sector=trees.world.telecom, org_unit=trees.c1, year=2025, user=admin)
    message = " ".join(refused.value.message_dict["year"])
    assert "Xã Cũ Một không tồn tại trong năm 2025 (có hiệu lực đến hết năm 2024)" in message
    assert "đơn vị thay thế: Xã Mới Một" in message
    with pytest.raises(ValidationError, match="không tồn tại trong năm 2024"):
        report_create(sector=trees.world.telecom, org_unit=trees.n1, year=2024, user=admin)
    assert not YearlyReport.objects.filter(org_unit=trees.c1, year=2025).exists()
    assert not YearlyReport.objects.filter(org_unit=trees.n1, year=2024).exists()


def test_the_report_form_says_it_on_the_year(trees):
    form = ReportCreateForm(data={"sector": trees.world.telecom.pk, "org_unit": trees.c3.pk, "year": 2025},
                            user=trees.clerk)
    assert not form.is_valid()
    assert "không tồn tại trong năm 2025" in " ".join(form.errors["year"])
    assert "Xã Mới Hai, Xã Mới Ba" in " ".join(form.errors["year"])


def test_moving_gives_the_same_work_on_every_successor_once(trees):
    admin = trees.world.users.admin
    move = assignments_move_to_successors(org_unit=trees.c3, user=admin)
    made = Assignment.objects.filter(user=trees.clerk).exclude(org_unit=trees.c3)
    assert {(a.org_unit.code, a.sector, a.include_descendants) for a in made} == {
        ("P-N2", trees.world.telecom, False), ("P-N3", trees.world.telecom, False)}
    assert len(move.created) == 2 and Assignment.objects.filter(user=trees.clerk, org_unit=trees.c3).exists()
    assert AuditEvent.objects.filter(action=AuditAction.ASSIGNMENT_CHANGED, username="admin").count() == 2
    again = assignments_move_to_successors(org_unit=trees.c3, user=admin)
    assert (len(again.created), len(again.existing)) == (0, 2)
    assert permissions.is_assigned(trees.clerk, sector=trees.world.telecom, org_unit=trees.n2, year=2025)


def test_moving_is_refused_with_the_reason(trees):
    admin = trees.world.users.admin
    with pytest.raises(ValidationError, match="chưa hết hiệu lực"):
        assignments_move_to_successors(org_unit=trees.province, user=admin)
    with pytest.raises(ValidationError, match="không có đơn vị kế thừa"):
        assignments_move_to_successors(org_unit=trees.d1, user=admin)
    for role in ("staff", "approver", "leader", "viewer"):
        with pytest.raises(PermissionDenied):
            assignments_move_to_successors(org_unit=trees.c3, user=getattr(trees.world.users, role))
    assert Assignment.objects.filter(org_unit__in=[trees.n2, trees.n3]).count() == 0


def test_the_admin_action_confirms_then_moves(trees):
    client = Client()
    client.force_login(trees.world.users.admin)
    url = reverse("admin:kpis_orgunit_changelist")
    selected = {"action": "move_assignments_to_successors", "_selected_action": [str(trees.c3.pk), str(trees.d1.pk)]}
    confirmation = client.post(url, selected)
    html = confirmation.content.decode()
    assert confirmation.status_code == 200 and "Xác nhận chuyển phân công" in html
    assert "clerk" in html and "Xã Mới Hai (P-N2)" in html and "không có đơn vị kế thừa" in html
    assert Assignment.objects.filter(org_unit__in=[trees.n2, trees.n3]).count() == 0
    done = client.post(url, {**selected, "post": "yes"}, follow=True)
    assert "đã tạo 2 phân công" in done.content.decode()
    assert Assignment.objects.filter(user=trees.clerk, org_unit__in=[trees.n2, trees.n3]).count() == 2


@pytest.mark.parametrize("role", ["staff", "approver", "leader", "viewer"])
def test_only_administrators_have_the_action(trees, role):
    client = Client()
    client.force_login(getattr(trees.world.users, role))
    url = reverse("admin:kpis_orgunit_changelist")
    client.post(url, {"action": "move_assignments_to_successors", "_selected_action": [str(trees.c3.pk)],
                      "post": "yes"})
    assert Assignment.objects.filter(org_unit__in=[trees.n2, trees.n3]).count() == 0
