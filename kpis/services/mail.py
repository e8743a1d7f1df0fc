"""The leaders' summary by mail: subscriptions, the sendings beat starts, the
command's sending, and one-click unsubscribe.

A sending is one row per address and period, retried in place: the row is
locked while its mail goes out and a delivered row is never sent again, so a
message redelivered by the broker, a retry and the beat sweep cannot send a
summary twice. Every attempt is counted and its failure kept with the reason."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kpis.export.selectors import unit_full_name
from kpis.export.services import summary_document, summary_export_validate
from kpis.models import (
    AuditAction,
    ExportFormat,
    MailStatus,
    OrgUnit,
    PeriodKind,
    SendingTrigger,
    SummarySchedule,
    SummarySending,
    SummarySubscription,
)
from kpis.periods import YEAR_PART, Period
from kpis.permissions import can_subscribe_summary
from kpis.services.audit import audit_record

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "kpis.summary-unsubscribe"


# --- subscriptions ------------------------------------------------------------------------


@transaction.atomic
def subscription_create(*, user, org_unit: OrgUnit, period_kind: str = PeriodKind.YEAR) -> SummarySubscription:
    if not can_subscribe_summary(user):
        raise PermissionDenied(_("Bạn không có quyền nhận báo cáo tổng hợp."))
    if period_kind not in PeriodKind.values:
        raise ValidationError({"period_kind": _("Kỳ phải là một trong: %(kinds)s.") % {
            "kinds": ", ".join(str(label) for label in PeriodKind.labels)}})
    if not user.email:
        raise ValidationError(_("Tài khoản của bạn chưa có địa chỉ thư. Hãy nhờ quản trị hệ thống thêm địa chỉ "
                                "thư rồi đăng ký lại."))
    existing = SummarySubscription.objects.filter(user=user, org_unit=org_unit, period_kind=period_kind).first()
    if existing is not None:
        raise ValidationError({"org_unit": _("Bạn đã đăng ký nhận báo cáo của %(unit)s.") % {"unit": org_unit.name}})
    subscription = SummarySubscription.objects.create(user=user, org_unit=org_unit, period_kind=period_kind)
    audit_record(action=AuditAction.SUMMARY_SUBSCRIBED, user=user, target=subscription,
                 detail=f"{org_unit.code} {period_kind} → {user.email}")
    return subscription


@transaction.atomic
def subscription_delete(*, user, subscription: SummarySubscription) -> None:
    """A user removes their own subscription (its sendings stay recorded)."""
    if subscription.user_id != user.pk:
        raise PermissionDenied(_("Đây không phải đăng ký của bạn."))
    _audited_delete(subscription, user=user, how="page")


def unsubscribe_token(subscription: SummarySubscription) -> str:
    return signing.dumps(subscription.pk, salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(subscription: SummarySubscription) -> str:
    return site_url(reverse("summary_mail:unsubscribe", args=[unsubscribe_token(subscription)]))


def subscription_for_token(token: str) -> tuple[bool, SummarySubscription | None]:
    """(whether the link is genuine, the subscription if it still exists)."""
    try:
        pk = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return False, None
    return True, SummarySubscription.objects.filter(pk=pk).select_related("org_unit").first()


@transaction.atomic
def subscription_unsubscribe(*, token: str) -> bool:
    """Delete the subscription a mail's signed link names. No sign-in: the
    signature is the proof. Idempotent: a second click finds nothing to delete.
    False for a forged or damaged link."""
    genuine, subscription = subscription_for_token(token)
    if not genuine:
        return False
    if subscription is not None:
        _audited_delete(subscription, user=subscription.user, how="link")
    return True


def _audited_delete(subscription: SummarySubscription, *, user, how: str) -> None:
    audit_record(action=AuditAction.SUMMARY_UNSUBSCRIBED, user=user, target=subscription,
                 detail=f"{subscription.org_unit.code} {subscription.period_kind} ({how})")
    subscription.delete()


# --- the message ----------------------------------------------------------------------------


def site_url(path: str = "/") -> str:
    if not settings.PORTAL_BASE_URL:
        raise ImproperlyConfigured("PORTAL_BASE_URL is not set: mails cannot link to the site.")
    return settings.PORTAL_BASE_URL + path


def summary_file_name(*, org_unit: OrgUnit, year: int, part: int = YEAR_PART) -> str:
    return f"bao-cao-{org_unit.code}-{Period(year, part).code}.pdf"


def summary_message(*, org_unit: OrgUnit, year: int, to: str, pdf: bytes,
                    subscription: SummarySubscription | None = None, part: int = YEAR_PART) -> EmailMessage:
    """In the portal's language, like the report it carries."""
    with translation.override(settings.LANGUAGE_CODE):
        context = {"unit": org_unit, "year": year, "site_url": site_url("/"),
                   "period_label": "" if part == YEAR_PART else Period(year, part).label,
                   # "Tỉnh Hậu Giang" in the subject, "tỉnh Hậu Giang" in a sentence, as the report writes it.
                   "unit_title": unit_full_name(org_unit),
                   "unit_in_sentence": unit_full_name(org_unit, in_sentence=True),
                   "unit_url": site_url(reverse("kpis:unit", args=[org_unit.code]) + f"?year={year}"),
                   "unsubscribe_url": unsubscribe_url(subscription) if subscription else None}
        subject = " ".join(render_to_string("kpis/mail/summary_subject.txt", context).split())
        body = render_to_string("kpis/mail/summary_body.txt", context)
    headers = {}
    if subscription is not None:
        # RFC 8058: mail programs show their own unsubscribe button, which POSTs to the link.
        headers = {"List-Unsubscribe": f"<{context['unsubscribe_url']}>",
                   "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    message = EmailMessage(subject=subject, body=body, to=[to], headers=headers)
    message.attach(summary_file_name(org_unit=org_unit, year=year, part=part), pdf, "application/pdf")
    return message


def summary_pdf(*, org_unit: OrgUnit, year: int, part: int = YEAR_PART) -> bytes:
    """The summary as the export page would give it today (the same service)."""
    return summary_document(year=year, org_unit=org_unit, fmt=ExportFormat.PDF, issued_on=timezone.localdate(),
                            part=part)


def failure_reason(error: Exception) -> str:
    text = str(error) or repr(error)
    return f"{type(error).__name__}: {text}"[:2000]


# --- sending --------------------------------------------------------------------------------


@dataclass
class SendOutcome:
    sending: SummarySending
    retry_in: int | None  # seconds until the next attempt, None when there is none to make


def retry_countdown(attempts: int) -> int | None:
    """Back-off: MAIL_RETRY_BASE_SECONDS, then twice that, … until MAIL_RETRY_MAX attempts."""
    if attempts >= settings.MAIL_RETRY_MAX:
        return None
    return settings.MAIL_RETRY_BASE_SECONDS * 2 ** (attempts - 1)


def _record_failure(sending: SummarySending, reason: str, *, final: bool = False) -> SendOutcome:
    sending.status, sending.error = MailStatus.FAILED, reason
    sending.save(update_fields=["status", "error", "attempts", "attempted_at"])
    logger.warning("Summary mail %s to %s failed (attempt %s): %s", sending.pk, sending.email, sending.attempts,
                   reason)
    return SendOutcome(sending, None if final else retry_countdown(sending.attempts))


@transaction.atomic
def summary_mail_send(*, sending_id: int, pdf: bytes | None = None) -> SendOutcome | None:
    """Make one attempt at a sending. The row stays locked until the server has
    answered, so no other run sends it meanwhile; a delivered one is left alone."""
    sending = (SummarySending.objects.select_for_update(of=("self",)).select_related("org_unit", "subscription")
               .filter(pk=sending_id).first())
    if sending is None or sending.status == MailStatus.DELIVERED:
        return SendOutcome(sending, None) if sending else None
    sending.attempts += 1
    sending.attempted_at = timezone.now()
    if sending.trigger != SendingTrigger.COMMAND:
        subscription = sending.subscription
        if subscription is None:
            return _record_failure(sending, _("Người nhận đã huỷ đăng ký trước khi thư được gửi."), final=True)
        if not can_subscribe_summary(subscription.user):
            return _record_failure(sending, _("Người nhận không còn quyền nhận báo cáo tổng hợp."), final=True)
    try:
        pdf = pdf if pdf is not None else summary_pdf(org_unit=sending.org_unit, year=sending.year,
                                                      part=sending.period)
        summary_message(org_unit=sending.org_unit, year=sending.year, to=sending.email, pdf=pdf,
                        subscription=sending.subscription, part=sending.period).send()
    except Exception as error:  # noqa: BLE001 - any failure (server down, refused, render) is recorded and retried
        return _record_failure(sending, failure_reason(error))
    sending.status, sending.delivered_at = MailStatus.DELIVERED, timezone.now()
    sending.save(update_fields=["status", "attempts", "attempted_at", "delivered_at"])
    return SendOutcome(sending, None)


def summary_mail_enqueue(sending_id: int, *, countdown: int | None = None) -> None:
    """Hand a sending to a worker; if the broker is down it stays queued and
    beat's sweep (summary_mails_due) enqueues it again."""
    from kpis.tasks import summary_mail_send_task

    try:
        summary_mail_send_task.apply_async(args=[sending_id], countdown=countdown, retry=False)
    except Exception:  # noqa: BLE001 - the sweep finds it
        logger.warning("Could not enqueue summary mail %s; beat's sweep retries it.", sending_id, exc_info=True)


def _addresses(addresses: list[str]) -> list[str]:
    clean = []
    for address in addresses:
        try:
            validate_email(address.strip())
        except ValidationError:
            raise ValidationError(_("Địa chỉ thư không hợp lệ: “%(address)s”.") % {"address": address}) from None
        clean.append(address.strip())
    if not clean:
        raise ValidationError(_("Cần ít nhất một địa chỉ thư."))
    return clean


def summary_send_now(*, year: int, org_unit: OrgUnit, addresses: list[str],
                     part: int = YEAR_PART) -> list[SummarySending]:
    """The command's sending, of the year's summary or (``part`` 101, 102) a
    half-year's: validate everything, render the report once, then one
    recorded sending per address (a failure does not stop the others)."""
    summary_export_validate(year=year, org_unit=org_unit, fmt=ExportFormat.PDF, part=part)
    addresses = _addresses(addresses)
    site_url("/")  # a missing PORTAL_BASE_URL stops before anything is recorded
    pdf = summary_pdf(org_unit=org_unit, year=year, part=part)
    with transaction.atomic():
        kind = PeriodKind.YEAR if part == YEAR_PART else PeriodKind.HALF_YEAR
        sendings = [SummarySending.objects.create(email=address, org_unit=org_unit, year=year, period=part,
                                                  period_kind=kind, trigger=SendingTrigger.COMMAND)
                    for address in addresses]
    for sending in sendings:
        summary_mail_send(sending_id=sending.pk, pdf=pdf)
        sending.refresh_from_db()
    return sendings


# --- what beat sends ------------------------------------------------------------------------


def _due_periods(subscriptions, now: datetime) -> list[tuple[SummarySubscription, Period, str]]:
    """(subscription, period, why) for every period of the subscription's kind
    due: one whose figures became complete after the user subscribed, or one an
    administrator dated. A period in which the unit's tree expects no report
    (a half-year where every indicator is yearly) is never due."""
    from kpis.notifications.selectors import Tree, completed_periods

    tree = Tree.load()
    today = timezone.localdate(now)
    dated: dict[int, list[Period]] = {}
    for unit_id, year, part in SummarySchedule.objects.filter(send_on__lte=today).values_list(
            "org_unit_id", "year", "period"):
        dated.setdefault(unit_id, []).append(Period(year, part))
    complete: dict[tuple[int, str], dict[Period, datetime | None]] = {}
    due = []
    for subscription in subscriptions:
        unit, kind = subscription.org_unit, subscription.period_kind  # a kind is a frequency (PeriodKind)
        if (unit.pk, kind) not in complete:
            complete[unit.pk, kind] = completed_periods(unit, kind, tree)
        for period, approved_at in complete[unit.pk, kind].items():
            if approved_at and approved_at >= subscription.created_at:
                due.append((subscription, period, SendingTrigger.APPROVED))
        unit_ids = tree.below(unit.pk)
        due += [(subscription, period, SendingTrigger.SCHEDULED) for period in dated.get(unit.pk, [])
                if period.frequency == kind and (period.is_year or tree.expected_in(unit_ids, period))]
    return due


def _stuck(now: datetime) -> list[int]:
    """Sendings whose worker message was lost (broker down, worker killed): queued
    and never tried for a while, or failed with attempts left and overdue."""
    ids = list(SummarySending.objects.filter(
        status=MailStatus.QUEUED, attempted_at__isnull=True,
        created_at__lt=now - timedelta(minutes=10)).values_list("pk", flat=True))
    for sending in SummarySending.objects.filter(status=MailStatus.FAILED, attempts__lt=settings.MAIL_RETRY_MAX,
                                                 subscription__isnull=False):
        wait = retry_countdown(sending.attempts)
        if wait is not None and sending.attempted_at and sending.attempted_at < now - timedelta(seconds=2 * wait):
            ids.append(sending.pk)
    return ids


@transaction.atomic
def summary_mails_due(*, now: datetime | None = None) -> list[int]:
    """Record a sending for every subscription and period due (once: the
    period's row is unique) and hand them to workers when this commits. Waits
    while approved figures are still being recomputed, so the report shows them."""
    from kpis.aggregation.version import data_version

    now = now or timezone.now()
    if data_version().pending:
        return []
    subscriptions = list(SummarySubscription.objects.select_related("org_unit", "user")
                         .filter(user__is_active=True))
    created = []
    for subscription, period, trigger in _due_periods(subscriptions, now):
        if SummarySending.objects.filter(subscription=subscription, year=period.year, period=period.part).exists():
            continue
        try:
            with transaction.atomic():
                sending = SummarySending.objects.create(
                    subscription=subscription, user=subscription.user, email=subscription.user.email,
                    org_unit=subscription.org_unit, period_kind=subscription.period_kind, year=period.year,
                    period=period.part, trigger=trigger)
        except IntegrityError:  # another sweep recorded it meanwhile
            continue
        created.append(sending.pk)
    ids = created + _stuck(now)
    for sending_id in ids:
        transaction.on_commit(lambda sending_id=sending_id: summary_mail_enqueue(sending_id))
    return ids


@transaction.atomic
def summary_sending_resend(*, sending: SummarySending) -> bool:
    """An administrator tries a failed sending again (its attempts start over)."""
    if sending.status != MailStatus.FAILED:
        return False
    SummarySending.objects.filter(pk=sending.pk).update(status=MailStatus.QUEUED, attempts=0)
    transaction.on_commit(lambda: summary_mail_enqueue(sending.pk))
    return True
