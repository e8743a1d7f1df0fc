"""Nobody writes through the admin what their role may not.

Generated from the admin's own registry: every registered ModelAdmin × every
role × every admin URL (changelist action, add, change, delete, object
history, and simple-history's revert form). Each role POSTs a payload that is
proved able to write (the superuser's POST, or a role's expected POST, writes),
and the whole database is compared before and after. A newly registered admin
fails ``test_every_registered_admin_has_a_sample`` until it gets a sample here.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pytest
from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test import Client, RequestFactory
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from kpis.models import (
    Assignment,
    DataValue,
    DocumentSettings,
    ExportJob,
    Indicator,
    Milestone,
    OrgUnit,
    ReportStatus,
    Sector,
    Target,
    YearlyReport,
)
from kpis.services import reports as report_services
from tests.factories import ValidationRuleFactory

ROLES = ("anonymous", "viewer", "data_entry", "approver", "leader", "superuser")
URLS = ("changelist", "add", "change", "delete", "history", "history_form")
SPAM = "Nhà cái uy tín – cá cược"

# Tables whose rows change by signing in or by refusing, not by writing data.
_NOT_DATA = {"sessions.session", "admin.logentry", "otp_totp.totpdevice", "otp_static.staticdevice",
             "otp_static.statictoken", "contenttypes.contenttype", "auth.permission"}


# Logs that a refused attempt may add to (the audit log records it): rows may be
# added, but the rows that were there must stay as they were.
_APPEND_ONLY = {"kpis.auditevent"}


def database_fingerprint() -> str:
    """A hash of every data row (raw SQL: the matrix takes hundreds of these)."""
    digest = hashlib.sha256()
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            if model._meta.label_lower in _NOT_DATA or not model._meta.managed:
                continue
            columns = [connection.ops.quote_name(f.column) for f in model._meta.concrete_fields
                       if f.name != "last_login"]
            table = connection.ops.quote_name(model._meta.db_table)
            where = ""
            if model._meta.label_lower in _APPEND_ONLY:
                cursor.execute(f"SELECT MAX(id) FROM {table}")
                where = f" WHERE id <= {int(_append_only_limits.setdefault(table, cursor.fetchone()[0] or 0))}"
            cursor.execute(f"SELECT {', '.join(columns)} FROM {table}{where} ORDER BY 1")
            digest.update(model._meta.db_table.encode() + repr(cursor.fetchall()).encode())
    return digest.hexdigest()


_append_only_limits: dict[str, int] = {}


@dataclass
class Sample:
    """How to make an object of a model (with two history versions where the
    model keeps history) and what a write to it looks like."""

    make: Callable
    change: dict = field(default_factory=dict)   # fields a "change" POST alters
    add: dict = field(default_factory=dict)      # fields that make an "add" POST a new object
    # (url, role) pairs whose write is legitimate: the role's job.
    allowed: set = field(default_factory=set)
    # Custom payloads for views that are not a ModelForm (the report's workflow page).
    custom: dict = field(default_factory=dict)


def _indicator(w):
    indicator = Indicator.objects.create(code="MATRIX", name="Chỉ tiêu thử", sector=w.telecom, unit="cái",
                                         value_type="integer", aggregation="sum", entry_levels=["province"])
    indicator.name = "Chỉ tiêu thử (sửa)"
    indicator.save()
    return indicator


def _org_unit(w):
    return OrgUnit.objects.create(code="P-D9", name="Huyện Chín", level="district", parent=w.province)


def _target(w):
    target = Target.objects.create(indicator=w.bts, org_unit=w.province, year=2025, operator=">=",
                                   value=Decimal("100"))
    target.value = Decimal("120")
    target.save()
    return target


def _milestone(w):
    milestone = Milestone.objects.create(code="IOC", sector=w.telecom, title="Hoàn thiện IOC", due=date(2025, 6, 30))
    milestone.title = "Hoàn thiện IOC giai đoạn 1"
    milestone.save()
    return milestone


def _assignment(w):
    return Assignment.objects.create(user=w.users.viewer, sector=w.postal, org_unit=w.d2)


def _group(w):
    return Group.objects.create(name="Nhóm thử")


def _submitted_report(w):
    """A telecom report of the province: staff entered BTS twice, then submitted it."""
    staff = w.users.staff
    report = report_services.report_create(sector=w.telecom, org_unit=w.province, year=2024, user=staff)
    report_services.report_values_save(report=report, user=staff, values={"BTS": Decimal("900")})
    report_services.report_values_save(report=report, user=staff, values={"BTS": Decimal("939")})
    report_services.report_submit(report=report, user=staff)
    return YearlyReport.objects.get(pk=report.pk)


def _approved_value(w):
    report = _submitted_report(w)
    report_services.report_approve(report=report, user=w.users.approver)
    return DataValue.objects.get(report=report, indicator=w.bts)


def _document_settings(w):
    settings_row = DocumentSettings.objects.create(issuing_agency="SỞ KHOA HỌC VÀ CÔNG NGHỆ", signer_name="",
                                                   valid_from=date(2025, 3, 1))
    return settings_row


def _export_job(w):
    return ExportJob.objects.create(key="k", year=2024, org_unit=w.province, fmt="pdf", issued_on=date(2025, 1, 2),
                                    data_version="v")


def _audit_event(w):
    from kpis.models import AuditAction
    from kpis.services.audit import audit_record

    return audit_record(action=AuditAction.LOGIN_FAILED, username="ai-do", address="203.0.113.9")


def _access_attempt(w):
    from axes.models import AccessAttempt

    return AccessAttempt.objects.create(username="ai-do", ip_address="203.0.113.9", user_agent="x",
                                        failures_since_start=5, get_data="", post_data="", http_accept="",
                                        path_info="/admin/login/")


def _access_log(w):
    from axes.models import AccessLog

    return AccessLog.objects.create(username="ai-do", ip_address="203.0.113.9", user_agent="x",
                                    http_accept="", path_info="/admin/login/")


def _access_failure_log(w):
    from axes.models import AccessFailureLog

    return AccessFailureLog.objects.create(username="ai-do", ip_address="203.0.113.9", user_agent="x",
                                           http_accept="", path_info="/admin/login/")


def _subscription(w):
    from kpis.models import SummarySubscription

    return SummarySubscription.objects.create(user=w.users.leader, org_unit=w.d1)


def _summary_schedule(w):
    from kpis.models import SummarySchedule

    return SummarySchedule.objects.create(org_unit=w.province, year=2020, send_on=date(2021, 1, 20))


def _due_date(w):
    from kpis.models import ReportDueDate

    return ReportDueDate.objects.create(year=2020, sector=w.telecom, due_on=date(2021, 1, 15))


def _due_rule(w):
    from kpis.models import ReportDueRule

    return ReportDueRule.objects.create(sector=w.telecom, frequency="quarter", days_after_end=15)


def _cutoff(w):
    from tests.factories import ReportingCutoffFactory

    return ReportingCutoffFactory(sector=w.telecom, valid_from=date(2020, 1, 1))


def _summary_sending(w):
    from kpis.models import MailStatus, SendingTrigger, SummarySending

    return SummarySending.objects.create(email="lanhdao@example.gov.vn", org_unit=w.province, year=2020,
                                         trigger=SendingTrigger.COMMAND, status=MailStatus.FAILED, attempts=1,
                                         error="550")


def _reminder(w):
    from kpis.models import MailStatus, Reminder, ReminderKind

    return Reminder.objects.create(user=w.users.staff, kind=ReminderKind.TO_SUBMIT, sector=w.telecom,
                                   org_unit=w.d1, year=2020, due_on=date(2021, 1, 15), sent_on=date(2021, 1, 8),
                                   status=MailStatus.DELIVERED)


SAMPLES: dict[str, Sample] = {
    "kpis.indicator": Sample(_indicator, change={"name": SPAM}, add={"code": "MATRIX_NEW"}),
    "kpis.orgunit": Sample(_org_unit, change={"name": SPAM}, add={"code": "P-D10"}),
    "kpis.sector": Sample(lambda w: Sector.objects.create(code="SPARE", name="Lĩnh vực dự phòng"),
                          change={"name": SPAM}, add={"code": "NEWSECTOR"}),
    "kpis.target": Sample(_target, change={"value": "1"}, add={"year": "2030"}),
    "kpis.milestone": Sample(_milestone, change={"title": SPAM}, add={"code": "IOC_NEW"}),
    "kpis.validationrule": Sample(
        lambda w: ValidationRuleFactory(code="RULE_M", left="COVERAGE_PCT", right="100"),
        change={"message": SPAM}, add={"code": "RULE_NEW"}),
    "kpis.assignment": Sample(_assignment, change={"include_descendants": True}, add={"org_unit": "P-D1"}),
    "auth.user": Sample(lambda w: w.users.postal_staff, change={"first_name": SPAM},
                        add={"username": "moi", "password1": "Mk-rat-kho-2025!", "password2": "Mk-rat-kho-2025!",
                             "usable_password": "true"}),
    "auth.group": Sample(_group, change={"name": SPAM}, add={"name": "Nhóm mới"}),
    "kpis.yearlyreport": Sample(
        _submitted_report,
        add={"sector": "TELECOM", "org_unit": "P", "year": "2023"},
        allowed={("add", "data_entry"), ("change", "approver")},
        custom={"change": {"action": "approve"}}),
    "kpis.datavalue": Sample(_approved_value),
    "kpis.documentsettings": Sample(_document_settings, change={"signer_name": SPAM},
                                    add={"valid_from": "2020-01-01", "valid_to": "2020-12-31"}),
    "kpis.exportjob": Sample(_export_job),
    "kpis.auditevent": Sample(_audit_event),
    "kpis.summarysubscription": Sample(_subscription),
    "kpis.summaryschedule": Sample(_summary_schedule, change={"send_on": "2021-02-01"}, add={"year": "2021"}),
    "kpis.reportduedate": Sample(_due_date, change={"due_on": "2021-02-01"}, add={"year": "2021"}),
    "kpis.reportduerule": Sample(_due_rule, change={"days_after_end": "20"}, add={"frequency": "month"}),
    "kpis.reportingcutoff": Sample(_cutoff, change={"cutoff_day": "20"}, add={"valid_from": "2021-01-01"}),
    "kpis.summarysending": Sample(_summary_sending),
    "kpis.reminder": Sample(_reminder),
    "axes.accessattempt": Sample(_access_attempt),
    "axes.accesslog": Sample(_access_log),
    "axes.accessfailurelog": Sample(_access_failure_log),
}

# Foreign keys in payloads are given by code; the admin's forms post primary keys.
_CODE_FIELDS = {"sector": Sector, "org_unit": OrgUnit, "indicator": Indicator}


def test_every_registered_admin_has_a_sample():
    registered = {model._meta.label_lower for model in admin.site._registry}
    assert registered - SAMPLES.keys() == set(), "add a Sample for each new admin to this matrix"


def _post_value(bound):
    value = bound.value()
    widget = bound.field.widget
    if isinstance(widget, forms.CheckboxInput):
        return "on" if value else None
    if isinstance(widget, forms.MultiWidget):
        parts = widget.decompress(value)
        return {f"{bound.html_name}{widget.widgets_names[i]}": "" if part is None else str(part)
                for i, part in enumerate(parts)}
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value]
    return "" if value is None else str(value)


def form_payload(model_admin, obj, overrides: dict, *, superuser) -> dict:
    """What the admin's own form would post for ``obj``, with ``overrides``."""
    request = RequestFactory().get("/")
    request.user = superuser
    form_class = model_admin.get_form(request, obj, change=obj is not None and obj.pk is not None)
    form = form_class(instance=obj)
    data = {}
    for name in form.fields:
        value = _post_value(form[name])
        if isinstance(value, dict):
            data.update(value)
        elif value is not None:
            data[name] = value
    for name, value in overrides.items():
        if name in _CODE_FIELDS and isinstance(value, str) and not value.isdigit():
            value = str(_CODE_FIELDS[name].objects.get(code=value).pk)
        if value is True:
            value = "on"
        data[name] = value
    for formset, _inline in model_admin.get_formsets_with_inlines(request, obj):
        prefix = formset.get_default_prefix()
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0",
                     f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"})
    return data


def _oldest_version(obj):
    return obj.history.order_by("history_id").first()


def attempt(model_admin, sample: Sample, url: str, obj, *, superuser):
    """(path, payload) of one write attempt through ``url``, or None where the
    admin has no such URL."""
    info = model_admin.opts.app_label, model_admin.opts.model_name
    if url == "changelist":
        return (reverse("admin:%s_%s_changelist" % info),
                {"action": "delete_selected", "_selected_action": [str(obj.pk)], "post": "yes"})
    if url == "add":
        if "add" in sample.custom:
            return reverse("admin:%s_%s_add" % info), sample.custom["add"]
        return reverse("admin:%s_%s_add" % info), form_payload(model_admin, obj, sample.add, superuser=superuser)
    if url == "change":
        payload = sample.custom.get("change") or form_payload(model_admin, obj, sample.change, superuser=superuser)
        return reverse("admin:%s_%s_change" % info, args=[obj.pk]), payload
    if url == "delete":
        return reverse("admin:%s_%s_delete" % info, args=[obj.pk]), {"post": "yes"}
    if url == "history":
        return reverse("admin:%s_%s_history" % info, args=[obj.pk]), {"post": "yes"}
    if url == "history_form":
        if not isinstance(model_admin, SimpleHistoryAdmin):
            return None
        version = _oldest_version(obj)
        payload = form_payload(model_admin, version.instance, {}, superuser=superuser)
        return reverse("admin:%s_%s_simple_history" % info, args=[obj.pk, version.history_id]), payload
    raise AssertionError(url)


def _client_for(role: str, w) -> Client:
    client = Client()
    user = {"viewer": w.users.viewer, "data_entry": w.users.staff, "approver": w.users.approver,
            "leader": w.users.leader, "superuser": w.users.admin}.get(role)
    if user is not None:
        client.force_login(user)
    return client


def _may_write(model_admin, sample: Sample, url: str, role: str, obj, superuser) -> bool:
    """The expectation: what each role may write through this URL."""
    if (url, role) in sample.allowed:
        return True
    if role != "superuser":
        return False
    request = RequestFactory().post("/")
    request.user = superuser
    if url == "changelist":
        return "delete_selected" in model_admin.get_actions(request)
    if url == "add":
        return model_admin.has_add_permission(request) and bool(sample.add or "add" in sample.custom)
    if url == "change":
        return model_admin.has_change_permission(request, obj) and bool(sample.change or "change" in sample.custom)
    if url == "delete":
        return model_admin.has_delete_permission(request, obj)
    if url == "history_form":
        return getattr(model_admin, "history_revert_allowed", False) and model_admin.has_change_permission(
            request, obj)
    return False  # the object history page only shows


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("label", sorted(SAMPLES))
def test_admin_writes_only_what_the_role_may(world, label, url):
    model = apps.get_model(label)
    if model not in admin.site._registry:
        pytest.skip(f"{label} has no admin")
    model_admin = admin.site._registry[model]
    sample = SAMPLES[label]
    obj = sample.make(world)
    superuser = world.users.admin
    target = attempt(model_admin, sample, url, obj, superuser=superuser)
    if target is None:
        pytest.skip(f"{label} has no {url} page")
    path, payload = target
    outcomes = {}
    for role in ROLES:
        client = _client_for(role, world)
        with transaction.atomic():
            _append_only_limits.clear()
            before = database_fingerprint()
            response = client.post(path, payload)
            wrote = database_fingerprint() != before
            transaction.set_rollback(True)
        expected = _may_write(model_admin, sample, url, role, obj, superuser)
        assert response.status_code < 500, f"{role} → {path}: {response.status_code}"
        outcomes[role] = (wrote, expected, response.status_code)
    wrong = {role: outcome for role, outcome in outcomes.items() if outcome[0] != outcome[1]}
    assert wrong == {}, f"{label} {url}: role → (wrote, expected, status): {outcomes}"


def test_a_viewer_cannot_revert_a_milestone_into_spam(world):
    """The reported attack: a viewer POSTs the history form of a milestone whose
    old version they crafted nothing for; before the fix it was saved."""
    milestone = _milestone(world)
    Milestone.objects.filter(pk=milestone.pk).update(title=SPAM)  # no history row: the old title is the version
    version = _oldest_version(milestone)
    client = _client_for("viewer", world)
    url = reverse("admin:kpis_milestone_simple_history", args=[milestone.pk, version.history_id])
    response = client.post(url, {"code": "IOC", "sector": str(world.telecom.pk), "title": SPAM,
                                 "due": "2025-06-30", "status": "in_progress"})
    assert response.status_code == 403
    assert client.get(url).status_code == 200  # viewing the version still works
    assert "Revert" not in client.get(url).content.decode() and "Khôi phục" not in client.get(url).content.decode()


def test_approved_figures_cannot_be_resurrected_from_history_even_by_a_superuser(world):
    value = _approved_value(world)
    version = _oldest_version(value)
    client = _client_for("superuser", world)
    response = client.post(reverse("admin:kpis_datavalue_simple_history", args=[value.pk, version.history_id]), {})
    assert response.status_code == 403
    value.refresh_from_db()
    assert value.value == Decimal("939")
    assert value.report.status == ReportStatus.APPROVED


def test_an_administrator_may_still_revert_an_indicator_and_aggregates_go_stale(world):
    from kpis.models import StaleMark

    indicator = _indicator(world)
    StaleMark.objects.all().delete()
    version = _oldest_version(indicator)
    model_admin = admin.site._registry[Indicator]
    payload = form_payload(model_admin, version.instance, {}, superuser=world.users.admin)
    client = _client_for("superuser", world)
    response = client.post(reverse("admin:kpis_indicator_simple_history", args=[indicator.pk, version.history_id]),
                           payload)
    assert response.status_code == 302
    indicator.refresh_from_db()
    assert indicator.name == "Chỉ tiêu thử"
    assert StaleMark.objects.exists()
