"""The administrator's pages: sendings and reminders to read, a failed
sending re-sent from its list, due dates and summary dates to set."""

from django.urls import reverse

from kpis.due_dates import due_dates_version
from kpis.models import MailStatus, ReportDueDate, ReportDueRule, SendingTrigger, SummarySending


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
