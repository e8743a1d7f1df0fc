"""The administrator's pages: sendings and reminders to read, a failed
sending re-sent from its list, due dates, data cut-offs and summary dates to set."""

from django.urls import reverse

from kpis.due_dates import due_dates_version
from kpis.models import MailStatus, ReportDueDate, ReportDueRule, ReportingCutoff, SendingTrigger, SummarySending


def _failed(world) -> SummarySending:
    return SummarySending.objects.create(email="lanhdao@example.gov.vn", org_unit=world.d1, year=2020,
                                         trigger=SendingTrigger.COMMAND, status=MailStatus.FAILED, attempts=6,
                                         error="ConnectionRefusedError: [Errno 111] Connection refused")


def test_a_superuser_resends_a_failed_sending_from_the_list(world, smtp, eager_tasks, client,
                                                              django_capture_on_commit_callbacks):
    sending = _failed(world)
    client.force_login(world.users.admin)
    changelist = reverse("admin:kpis_summarysending_changelist")
    assert "Connection refused" not in client.get(changelist).content.decode()  # the list stays short
    assert "Connection refused" in client.get(
        reverse("admin:kpis_summarysending_change", args=[sending.pk])).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(changelist, {"action": "resend", "_selected_action": [sending.pk]}, follow=True)
    assert "Đã xếp 1 thư vào hàng đợi gửi lại." in response.content.decode()
    sending.refresh_from_db()
    assert (sending.status, sending.attempts) == (MailStatus.DELIVERED, 1) and len(smtp.messages) == 1


def test_an_approver_cannot_resend(world, client):
    sending = _failed(world)
    client.force_login(world.users.approver)
    client.post(reverse("admin:kpis_summarysending_changelist"),
                {"action": "resend", "_selected_action": [sending.pk]})
    sending.refresh_from_db()
    assert sending.status == MailStatus.FAILED


def test_an_administrator_sets_a_due_date_for_every_sector(world, client):
    client.force_login(world.users.admin)
    # The period's select offers "Cả năm" first and selected, as a browser posts it.
    response = client.post(reverse("admin:kpis_reportduedate_add"), {"sector": "", "year": "2020", "period": "0",
                                                                      "due_on": "15/01/2021"})
    assert response.status_code == 302, response.content.decode()
    assert str(ReportDueDate.objects.get().due_on) == "2021-01-15"
    for name in ("reminder", "summarysubscription", "summaryschedule", "reportduedate", "reportduerule",
                 "summarysending"):
        assert client.get(reverse(f"admin:kpis_{name}_changelist")).status_code == 200


def test_an_administrator_sets_a_quarterly_rule_for_a_sector(world, client):
    client.force_login(world.users.admin)
    form = client.get(reverse("admin:kpis_reportduerule_add")).content.decode()
    assert "số ngày sau khi hết kỳ" in form.lower() and "Quý" in form
    before = due_dates_version()  # the completeness page's cache key: its late reports follow at once
    response = client.post(reverse("admin:kpis_reportduerule_add"), {
        "sector": world.telecom.pk, "frequency": "quarter", "days_after_end": "15"})
    assert response.status_code == 302, response.content.decode()
    rule = ReportDueRule.objects.get()
    assert (rule.sector, rule.frequency, rule.days_after_end) == (world.telecom, "quarter", 15)
    assert due_dates_version() != before
    assert "Viễn thông" in client.get(reverse("admin:kpis_reportduerule_changelist")).content.decode()


def test_an_administrator_sets_the_data_cutoff_of_every_sector(world, client):
    client.force_login(world.users.admin)
    add = reverse("admin:kpis_reportingcutoff_add")
    form = client.get(add).content.decode()
    assert "Ngày chốt số liệu" in form and "Căn cứ" in form
    refused = client.post(add, {"sector": "", "cutoff_day": "31", "valid_from": "01/01/2025", "legal_basis": ""})
    assert refused.status_code == 200 and not ReportingCutoff.objects.exists()
    assert "Ngày chốt số liệu phải từ 1 đến 28" in refused.content.decode()
    before = due_dates_version()  # the completeness page's dates and late reports follow at once
    response = client.post(add, {"sector": "", "cutoff_day": "14", "valid_from": "01/01/2025",
                                 "legal_basis": "Nghị định 09/2019/NĐ-CP, Điều 12"})
    assert response.status_code == 302, response.content.decode()
    rule = ReportingCutoff.objects.get()
    assert (rule.sector, rule.cutoff_day, str(rule.valid_from)) == (None, 14, "2025-01-01")
    assert due_dates_version() != before
    listed = client.get(reverse("admin:kpis_reportingcutoff_changelist")).content.decode()
    assert "Nghị định 09/2019/NĐ-CP, Điều 12" in listed and "Theo lịch" not in listed
    twice = client.post(add, {"sector": "", "cutoff_day": "20", "valid_from": "01/01/2025",
                              "legal_basis": "Quyết định 06/2024/QĐ-UBND"})
    assert "Đã có một quy định chốt số liệu cho mọi lĩnh vực áp dụng từ ngày này." in twice.content.decode()
    before = due_dates_version()
    client.post(reverse("admin:kpis_reportingcutoff_delete", args=[rule.pk]), {"post": "yes"})
    assert not ReportingCutoff.objects.exists() and due_dates_version() != before


def test_only_an_administrator_sets_data_cutoffs(world, client):
    client.force_login(world.users.approver)
    assert client.get(reverse("admin:kpis_reportingcutoff_changelist")).status_code == 403
    response = client.post(reverse("admin:kpis_reportingcutoff_add"), {
        "sector": "", "cutoff_day": "14", "valid_from": "01/01/2025", "legal_basis": "Nghị định 09/2019/NĐ-CP"})
    assert response.status_code == 403 and not ReportingCutoff.objects.exists()
