"""Changes made through the admin pages (users, groups and their permissions,
assignments, the catalogue) are recorded: who, from where, which object, and
what changed from what to what; never a password."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.forms import MultiWidget
from django.urls import reverse

from kpis import roles
from kpis.models import Assignment, AuditAction, AuditEvent, Indicator, OrgUnit

CLIENT = "198.51.100.61"


@pytest.fixture
def admin_client(client, world, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    client.defaults.update(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=CLIENT)
    client.force_login(world.users.admin)
    AuditEvent.objects.all().delete()  # the sign-in's own event
    return client


def _posted(value) -> str | list[str] | None:
    """A value as the browser posts it (None: the browser leaves it out)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else None
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value]
    return str(value)


def _fields(form) -> dict:
    data = {}
    for name, field in form.fields.items():
        value, key = form[name].value(), form.add_prefix(name)
        if isinstance(field.widget, MultiWidget):  # date and time of date_joined, as the page shows them
            parts = zip(field.widget.widgets, field.widget.decompress(value), strict=True)
            data.update({f"{key}_{index}": widget.format_value(part) for index, (widget, part) in enumerate(parts)})
        else:
            data[key] = _posted(value)
        if field.show_hidden_initial:  # a field with a computed default (date_joined) carries its initial too
            data.update({f"initial-{name}": value for name, value in data.items() if name.startswith(key)})
    return data


def form_data(page) -> dict:
    """What the browser would post back from an admin page, unchanged."""
    data = _fields(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update({f"{formset.prefix}-{name}": str(formset.management_form[name].value())
                     for name in formset.management_form.fields})
        for form in formset.forms:
            data.update(_fields(form))
    return {key: value for key, value in data.items() if value is not None}


def inline_prefix(data: dict, model_name: str) -> str:
    return next(key[:-len("-TOTAL_FORMS")] for key in data
                if key.endswith("-TOTAL_FORMS") and model_name in key)


def recorded(action: AuditAction) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_a_new_user_is_recorded_without_the_password(admin_client):
    add = reverse("admin:auth_user_add")
    data = form_data(admin_client.get(add)) | {
        "username": "can-bo-moi", "usable_password": "true",
        "password1": "Mat-khau-rat-dai-2026", "password2": "Mat-khau-rat-dai-2026"}
    response = admin_client.post(add, data)
    assert response.status_code == 302
    [event] = recorded(AuditAction.USER_CHANGED)
    new_user = get_user_model().objects.get(username="can-bo-moi")
    assert (event.username, event.address, event.object_id) == ("admin", CLIENT, str(new_user.pk))
    assert "can-bo-moi" in event.detail
    assert "Mat-khau" not in event.detail and new_user.password not in event.detail


def test_group_membership_staff_flag_and_an_inline_assignment_are_recorded(admin_client, world):
    staff = world.users.staff
    change = reverse("admin:auth_user_change", args=[staff.pk])
    data = form_data(admin_client.get(change))
    data["groups"] = [str(Group.objects.get(name=roles.APPROVER).pk)]
    del data["is_staff"]
    prefix = inline_prefix(data, "assignment")
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data.update({f"{prefix}-TOTAL_FORMS": str(index + 1), f"{prefix}-{index}-sector": str(world.postal.pk),
                 f"{prefix}-{index}-org_unit": str(world.d2.pk), f"{prefix}-{index}-user": str(staff.pk)})
    response = admin_client.post(change, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    [user_event] = recorded(AuditAction.USER_CHANGED)
    assert (user_event.username, user_event.address, user_event.object_repr) == ("admin", CLIENT, "staff")
    assert f"thêm {roles.APPROVER}" in user_event.detail and f"bỏ {roles.DATA_ENTRY}" in user_event.detail
    assert "có → không" in user_event.detail  # the staff flag, old → new
    [assignment_event] = recorded(AuditAction.ASSIGNMENT_CHANGED)
    added = Assignment.objects.get(user=staff, sector=world.postal)
    assert (assignment_event.object_type, assignment_event.object_id) == ("kpis.Assignment", str(added.pk))
    assert "staff" in assignment_event.detail and "Bưu chính" in assignment_event.detail


def test_saving_an_unchanged_user_records_nothing(admin_client, world):
    change = reverse("admin:auth_user_change", args=[world.users.viewer.pk])
    assert admin_client.post(change, form_data(admin_client.get(change))).status_code == 302
    assert not AuditEvent.objects.exists()


def test_an_administrator_setting_a_password_is_recorded_without_it(admin_client, world):
    url = reverse("admin:auth_user_password_change", args=[world.users.viewer.pk])
    response = admin_client.post(url, {"usable_password": "true", "password1": "Doi-mat-khau-2026!",
                                       "password2": "Doi-mat-khau-2026!"})
    assert response.status_code == 302
    [event] = recorded(AuditAction.PASSWORD_CHANGED)
    assert (event.username, event.address, event.object_repr) == ("admin", CLIENT, "viewer")
    assert "Doi-mat-khau" not in event.detail


def test_group_permissions_are_recorded_as_added_and_removed(admin_client):
    group = Group.objects.get(name=roles.VIEWER)
    change = reverse("admin:auth_group_change", args=[group.pk])
    data = form_data(admin_client.get(change))
    export = Permission.objects.get(codename="export_summary")
    dropped = group.permissions.order_by("codename").first()
    data["permissions"] = [pk for pk in data["permissions"] if pk != str(dropped.pk)] + [str(export.pk)]
    assert admin_client.post(change, data).status_code == 302
    [event] = recorded(AuditAction.GROUP_CHANGED)
    assert event.object_repr == roles.VIEWER and event.address == CLIENT
    assert "thêm kpis.export_summary" in event.detail
    assert f"bỏ {dropped.content_type.app_label}.{dropped.codename}" in event.detail


def test_assignments_added_and_deleted_on_their_own_page_are_recorded(admin_client, world):
    response = admin_client.post(reverse("admin:kpis_assignment_add"), {
        "user": world.users.viewer.pk, "sector": world.telecom.pk, "org_unit": world.d1.pk})
    assert response.status_code == 302
    assignment = Assignment.objects.get(user=world.users.viewer)
    admin_client.post(reverse("admin:kpis_assignment_delete", args=[assignment.pk]), {"post": "yes"})
    assert not Assignment.objects.filter(pk=assignment.pk).exists()
    added, deleted = recorded(AuditAction.ASSIGNMENT_CHANGED)
    assert added.object_id == deleted.object_id == str(assignment.pk)
    assert "viewer" in added.object_repr and "Thêm" in added.detail and deleted.detail == "Xoá"


def test_an_indicator_edit_and_its_target_inline_are_recorded_old_to_new(admin_client, world):
    change = reverse("admin:kpis_indicator_change", args=[world.bts.pk])
    data = form_data(admin_client.get(change))
    data["name"] = "Số trạm thu phát sóng BTS"
    prefix = inline_prefix(data, "target")
    data.update({f"{prefix}-TOTAL_FORMS": "1", f"{prefix}-0-org_unit": str(world.province.pk),
                 f"{prefix}-0-year": "2025", f"{prefix}-0-operator": ">=", f"{prefix}-0-value": "150",
                 f"{prefix}-0-indicator": str(world.bts.pk)})
    response = admin_client.post(change, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    indicator_event, target_event = sorted(recorded(AuditAction.CATALOGUE_CHANGED), key=lambda e: e.object_type)
    assert indicator_event.object_type == "kpis.Indicator" and indicator_event.address == CLIENT
    assert "Số trạm BTS → Số trạm thu phát sóng BTS" in indicator_event.detail
    assert target_event.object_type == "kpis.Target" and "150" in target_event.detail


def test_org_units_deleted_from_the_list_are_recorded_one_by_one(admin_client, world):
    spare = [OrgUnit.objects.create(code=f"P-X{n}", name=f"Xã {n}", level="commune", parent=world.d2)
             for n in (1, 2)]
    admin_client.post(reverse("admin:kpis_orgunit_changelist"), {
        "action": "delete_selected", "_selected_action": [unit.pk for unit in spare], "post": "yes"})
    assert not OrgUnit.objects.filter(code__startswith="P-X").exists()
    events = recorded(AuditAction.CATALOGUE_CHANGED)
    assert sorted(event.object_id for event in events) == sorted(str(unit.pk) for unit in spare)
    assert {(event.username, event.address, event.detail) for event in events} == {("admin", CLIENT, "Xoá")}


def test_a_document_settings_edit_is_recorded(admin_client):
    response = admin_client.post(reverse("admin:kpis_documentsettings_add"), {
        "valid_from": "2025-03-01", "parent_agency": "UBND TỈNH MẪU", "issuing_agency": "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
        "document_symbol": "BC-SKHCN", "document_number": "", "place": "Mẫu", "signer_authority": "",
        "signer_title": "GIÁM ĐỐC", "signer_name": "", "recipients": "Lưu: VT."})
    assert response.status_code == 302
    [event] = recorded(AuditAction.CATALOGUE_CHANGED)
    assert event.object_type == "kpis.DocumentSettings" and "SỞ KHOA HỌC VÀ CÔNG NGHỆ" in event.detail


def test_catalogue_edits_by_an_indicator_name_are_searchable_in_the_log(admin_client, world):
    change = reverse("admin:kpis_indicator_change", args=[world.coverage.pk])
    data = form_data(admin_client.get(change))
    data["unit"] = "phần trăm"
    assert admin_client.post(change, data).status_code == 302
    page = admin_client.get(reverse("admin:kpis_auditevent_changelist"), {"q": "COVERAGE_PCT"})
    assert [event.object_id for event in page.context["cl"].result_list] == [str(world.coverage.pk)]
    assert Indicator.objects.get(pk=world.coverage.pk).unit == "phần trăm"
