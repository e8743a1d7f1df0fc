"""Issue 14's "done when", on the Hậu Giang demo with a real SMTP server: the
leader subscribed receives the 2020 summary by mail, a tagged PDF that cites
its sources; the data-entry user with a late report gets a reminder."""

import io
from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from pypdf import PdfReader

from kpis.models import OrgUnit, ReportDueDate, SummarySchedule, SummarySending
from kpis.services.mail import subscription_create, summary_mails_due
from kpis.services.reminders import reminders_send
from tests.kpis.export.conftest import load_demo_data
from tests.smtp import attachments, body

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_mail(db, smtp, eager_tasks):
    load_demo_data()
    users = {user.username: user for user in get_user_model().objects.filter(username__in=["lanhdao", "nhaplieu"])}
    for name, user in users.items():
        user.email = f"{name}@haugiang.example.gov.vn"
        user.save()
    return users


def test_the_leader_receives_the_2020_summary_with_its_sources(demo_mail, smtp, django_capture_on_commit_callbacks):
    province = OrgUnit.objects.get(code="HG")
    subscription_create(user=demo_mail["lanhdao"], org_unit=province)
    SummarySchedule.objects.create(org_unit=province, year=2020, send_on=timezone.localdate())
    with django_capture_on_commit_callbacks(execute=True):
        summary_mails_due()
    [message] = [m for m in smtp.messages if "2020" in m["Subject"]]
    assert message["To"] == "lanhdao@haugiang.example.gov.vn"
    assert "tỉnh Hậu Giang" in body(message)
    [(name, pdf)] = attachments(message)
    assert name == "bao-cao-HG-2020.pdf"
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "NGUỒN SỐ LIỆU" in text and "[1]" in text  # every figure traced to its source
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "vi" and "/StructTreeRoot" in catalog  # the accessible, tagged PDF
    assert SummarySending.objects.filter(status="delivered").count() >= 1


def test_staff_with_a_late_report_get_a_reminder(demo_mail, smtp, settings):
    settings.REMINDER_DAYS_BEFORE, settings.REMINDER_DAYS_AFTER = [], [3]
    due = date(2022, 1, 15)
    ReportDueDate.objects.create(year=2021, due_on=due)
    reminders_send(today=due + timedelta(days=3))
    mails = {m["To"]: body(m) for m in smtp.messages}
    assert "nhaplieu@haugiang.example.gov.vn" in mails
    assert "năm 2021" in mails["nhaplieu@haugiang.example.gov.vn"]
    assert "hạn nộp 15/01/2022" in mails["nhaplieu@haugiang.example.gov.vn"]


def test_an_approver_sees_a_figure_that_jumped_and_acknowledges_it(demo_mail, client):
    """The demo's data-entry user types 9.390 BTS stations for 2021 (939 in 2020:
    a slip of one digit); the approver sees the warning, acknowledges it, and
    may still approve or return the report."""
    from decimal import Decimal

    from django.urls import reverse

    from kpis.models import Sector, WarningAcknowledgement
    from kpis.services.reports import report_create, report_submit, report_values_save

    entry = demo_mail["nhaplieu"]
    report = report_create(sector=Sector.objects.get(code="TELECOM"), org_unit=OrgUnit.objects.get(code="HG"),
                           year=2021, user=entry)
    report_values_save(report=report, user=entry, values={"BTS": Decimal(9390)})
    report_submit(report=report, user=entry)
    approver = get_user_model().objects.get(username="pheduyet")
    client.force_login(approver)
    page = reverse("admin:kpis_yearlyreport_change", args=[report.pk])
    html = client.get(page).content.decode()
    assert "Gấp 10 lần cùng kỳ năm trước (939)" in html and 'value="approve"' in html
    bts = report.sector.indicators.get(code="BTS")
    response = client.post(reverse("admin:kpis_yearlyreport_acknowledge", args=[report.pk]),
                           {"acknowledge": f"{bts.pk}:jump", f"note_{bts.pk}": "Đã gọi điện: gõ thừa chữ số 0"})
    assert response.status_code == 302
    acknowledgement = WarningAcknowledgement.objects.get(report=report)
    assert (acknowledgement.user, acknowledgement.value) == (approver, 9390)
    assert f'value="{bts.pk}:jump"' not in client.get(page).content.decode()
