"""Half-year summaries ("báo cáo 6 tháng") to subscribers: a subscription to a
unit's half-years gets "… 6 tháng đầu năm 2025" once every report of the
half-year expected in the unit's tree (half-yearly, quarterly and monthly, as
the completeness page expects each of them) is approved and recomputed, or on
an administrator's date for that half-year; H2 likewise, to the same
subscription; never twice; never for a unit whose indicators are all yearly.
Yearly subscriptions and half-year ones never get each other's mail."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from kpis.aggregation import aggregates_recompute
from kpis.models import (
    MailStatus,
    PeriodKind,
    SendingTrigger,
    SummarySchedule,
    SummarySending,
    SummarySubscription,
    YearlyReport,
)
from kpis.notifications.selectors import Tree, completed_periods
from kpis.periods import Period
from kpis.services import reports as report_services
from kpis.services.mail import subscription_create, summary_mails_due, unsubscribe_token
from tests.factories import IndicatorFactory, put_values
from tests.smtp import attachments, body

PAGE = "/mail/subscriptions/"
H1, H2 = 101, 102


@pytest.fixture
def halves(world):
    """Telecom enters a half-yearly indicator, postal a quarterly one, at the districts."""
    world.online = IndicatorFactory(code="ONLINE_SERVICES", name="Số dịch vụ công trực tuyến", sector=world.telecom,
                                    frequency="half_year", time_aggregation="last", entry_levels=["district"])
    world.parcels = IndicatorFactory(code="PARCELS", name="Số bưu gửi", sector=world.postal, frequency="quarter",
                                     time_aggregation="sum", entry_levels=["district"])
    return world


def _sweep(django_capture_on_commit_callbacks) -> list[int]:
    with django_capture_on_commit_callbacks(execute=True):
        return summary_mails_due()


def _subjects(smtp) -> list[str]:
    return [message["Subject"].strip() for message in smtp.messages]


def test_the_first_half_goes_out_when_its_last_report_is_approved_then_the_second_half_to_the_same_subscription(
        halves, leader, smtp, eager_tasks, django_capture_on_commit_callbacks):
    w = halves
    half = subscription_create(user=leader, org_unit=w.d1, period_kind=PeriodKind.HALF_YEAR)
    yearly = subscription_create(user=leader, org_unit=w.d1)
    put_values([(w.online, w.d1, "2025-H1", 12), (w.parcels, w.d1, "2025-Q1", 300)])
    put_values([(w.parcels, w.d1, "2025-Q2", 350)], status="submitted")
    aggregates_recompute()
    assert _sweep(django_capture_on_commit_callbacks) == [] and smtp.messages == []  # Q2 of postal still waits

    q2 = YearlyReport.objects.get(org_unit=w.d1, sector=w.postal, year=2025, period=202)
    report_services.report_approve(report=q2, user=w.users.approver)
    assert _sweep(django_capture_on_commit_callbacks) == []  # the figures are being recomputed: wait
    aggregates_recompute()
    _sweep(django_capture_on_commit_callbacks)

    [message] = smtp.messages
    assert message["To"] == "lanhdao@example.gov.vn"
    assert message["Subject"].strip() == "Báo cáo tổng hợp chỉ tiêu chuyển đổi số 6 tháng đầu năm 2025 — Huyện Một"
    assert "các chỉ tiêu chuyển đổi số 6 tháng đầu năm 2025 của huyện Một" in body(message)
    [(name, pdf)] = attachments(message)
    assert name == "bao-cao-P-D1-2025-H1.pdf" and pdf.startswith(b"%PDF")
    sending = SummarySending.objects.get()
    assert (sending.subscription, sending.period_kind, sending.year, sending.period, sending.trigger,
            sending.status) == (half, PeriodKind.HALF_YEAR, 2025, H1, SendingTrigger.APPROVED, MailStatus.DELIVERED)
    assert _sweep(django_capture_on_commit_callbacks) == [] and len(smtp.messages) == 1  # never twice

    put_values([(w.online, w.d1, "2025-H2", 15), (w.parcels, w.d1, "2025-Q3", 320),
                (w.parcels, w.d1, "2025-Q4", 410)])
    aggregates_recompute()
    _sweep(django_capture_on_commit_callbacks)
    assert _subjects(smtp)[1:] == ["Báo cáo tổng hợp chỉ tiêu chuyển đổi số 6 tháng cuối năm 2025 — Huyện Một"]
    assert attachments(smtp.messages[1])[0][0] == "bao-cao-P-D1-2025-H2.pdf"
    assert sorted(half.sendings.values_list("period", flat=True)) == [H1, H2]
    assert not yearly.sendings.exists()  # a yearly subscriber gets no half-year

    put_values([(w.bts, w.d1, 2025, 420), (w.post_offices, w.d1, 2025, 12)])
    aggregates_recompute()
    _sweep(django_capture_on_commit_callbacks)
    assert _subjects(smtp)[2:] == ["Báo cáo tổng hợp chỉ tiêu chuyển đổi số năm 2025 — Huyện Một"]
    assert list(yearly.sendings.values_list("period_kind", "period")) == [(PeriodKind.YEAR, 0)]
    assert half.sendings.count() == 2  # a half-year subscriber gets no yearly summary
    assert _sweep(django_capture_on_commit_callbacks) == [] and len(smtp.messages) == 3


def test_a_half_year_waits_for_every_month_and_quarter_in_it(halves):
    """The reports a half-year waits for are those the completeness page expects for each of its periods."""
    w = halves
    visits = IndicatorFactory(code="VISITS", sector=w.telecom, frequency="month", time_aggregation="sum",
                              entry_levels=["province"])
    put_values([(w.online, d, "2025-H1", 1) for d in (w.d1, w.d2)]
               + [(w.parcels, d, f"2025-Q{q}", 1) for d in (w.d1, w.d2) for q in (1, 2)])
    tree = Tree.load()
    expected = tree.expected_in(tree.below(w.province.pk), Period(2025, H1))
    assert {(unit, sector, part) for unit, sector, part in expected if unit == w.province.pk} == {
        (w.province.pk, w.telecom.pk, month) for month in range(301, 307)}
    assert Period(2025, H1) not in completed_periods(w.province, PeriodKind.HALF_YEAR, tree)  # months missing
    assert Period(2025, H1) in completed_periods(w.d1, PeriodKind.HALF_YEAR, tree)
    put_values([(visits, w.province, f"2025-{month:02}", 1) for month in range(1, 7)])
    assert list(completed_periods(w.province, PeriodKind.HALF_YEAR)) == [Period(2025, H1)]


def test_an_administrators_date_for_the_first_half_sends_it_to_half_year_subscribers_only(
        halves, leader, smtp, eager_tasks, client, django_capture_on_commit_callbacks):
    w = halves
    half = subscription_create(user=leader, org_unit=w.d1, period_kind=PeriodKind.HALF_YEAR)
    yearly = subscription_create(user=leader, org_unit=w.d1)
    put_values([(w.online, w.d1, "2025-H1", 12)], status="submitted")  # not complete
    aggregates_recompute()
    SummarySchedule.objects.create(org_unit=w.d1, year=2025, send_on=timezone.localdate())  # the year's date
    client.force_login(w.users.admin)
    response = client.post(reverse("admin:kpis_summaryschedule_add"), {
        "org_unit": w.d1.pk, "year": "2025", "period": str(H1),
        "send_on": (timezone.localdate() + timedelta(days=1)).strftime("%d/%m/%Y")})
    assert response.status_code == 302, response.content.decode()
    assert "6 tháng đầu năm" in client.get(reverse("admin:kpis_summaryschedule_changelist")).content.decode()
    _sweep(django_capture_on_commit_callbacks)
    assert _subjects(smtp) == ["Báo cáo tổng hợp chỉ tiêu chuyển đổi số năm 2025 — Huyện Một"]  # H1 not yet
    SummarySchedule.objects.filter(period=H1).update(send_on=timezone.localdate())
    _sweep(django_capture_on_commit_callbacks)
    assert _subjects(smtp)[1:] == ["Báo cáo tổng hợp chỉ tiêu chuyển đổi số 6 tháng đầu năm 2025 — Huyện Một"]
    assert list(half.sendings.values_list("period", "trigger")) == [(H1, SendingTrigger.SCHEDULED)]
    assert list(yearly.sendings.values_list("period", "trigger")) == [(0, SendingTrigger.SCHEDULED)]
    assert _sweep(django_capture_on_commit_callbacks) == [] and len(smtp.messages) == 2


def test_a_unit_whose_indicators_are_all_yearly_never_gets_a_half_year_mail(
        world, leader, smtp, eager_tasks, django_capture_on_commit_callbacks):
    subscription_create(user=leader, org_unit=world.d1, period_kind=PeriodKind.HALF_YEAR)
    put_values([(world.bts, world.d1, 2025, 420), (world.post_offices, world.d1, 2025, 12)])
    aggregates_recompute()
    SummarySchedule.objects.create(org_unit=world.d1, year=2025, period=H1, send_on=timezone.localdate())
    SummarySchedule.objects.create(org_unit=world.d1, year=2025, send_on=timezone.localdate())
    assert _sweep(django_capture_on_commit_callbacks) == []
    assert smtp.messages == [] and not SummarySending.objects.exists()


def test_the_page_offers_the_year_or_half_years_and_refuses_an_unknown_kind(halves, leader, client):
    client.force_login(leader)
    page = client.get(PAGE).content.decode()
    assert '<select name="period_kind"' in page
    assert '<option value="year" selected>Năm</option>' in page and '<option value="half_year">6 tháng</option>' in page

    response = client.post(PAGE, {"org_unit": "P-D1", "period_kind": "half_year"}, follow=True)
    assert "Đã đăng ký nhận báo cáo tổng hợp 6 tháng của Huyện Một." in response.content.decode()
    client.post(PAGE, {"org_unit": "P-D1", "period_kind": "year"})
    rows = client.get(PAGE).content.decode()
    assert "<td>6 tháng</td>" in rows and "<td>Năm</td>" in rows
    assert sorted(SummarySubscription.objects.values_list("period_kind", flat=True)) == ["half_year", "year"]

    forged = client.post(PAGE, {"org_unit": "P-D1", "period_kind": "quarter"})
    assert forged.status_code == 200
    assert "Kỳ “quarter” không có: hãy chọn Năm hoặc 6 tháng." in forged.content.decode()
    assert SummarySubscription.objects.count() == 2
    with pytest.raises(ValidationError, match="Kỳ phải là một trong: Năm, 6 tháng."):
        subscription_create(user=leader, org_unit=halves.d1, period_kind="quarter")

    half = SummarySubscription.objects.get(period_kind=PeriodKind.HALF_YEAR)
    url = reverse("summary_mail:unsubscribe", args=[unsubscribe_token(half)])
    assert "Bạn đang nhận báo cáo tổng hợp 6 tháng của Huyện Một" in client.get(url).content.decode()
    response = client.post(reverse("summary_mail:delete", args=[half.pk]), follow=True)
    assert "Đã huỷ đăng ký nhận báo cáo 6 tháng của Huyện Một." in response.content.decode()
    assert list(SummarySubscription.objects.values_list("period_kind", flat=True)) == ["year"]  # the other stays
