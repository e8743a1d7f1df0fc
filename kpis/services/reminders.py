"""Reminders before and after a report's due date (kpis.due_dates: the same
rule for yearly and shorter reports; docs/notifications.md):
staff assigned to a report not yet submitted get one mail listing them,
approvers one digest of the reports waiting for them. Each report in a mail is
recorded (who, what, which day, delivered or why not); a report already
delivered to a user today is left out, so beat may run this every hour and a
mail that failed is simply tried again on the next run."""

import logging
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kpis.models import MailStatus, OrgUnit, Reminder, ReminderKind, ReportStatus, Sector
from kpis.notifications.selectors import ReportToChase, reports_to_chase
from kpis.permissions import PERM_APPROVE, PERM_ENTER, user_ids_with_permission
from kpis.services.mail import failure_reason, site_url

logger = logging.getLogger(__name__)


def _message(user, kind: str, lines: list[dict], today: date) -> EmailMessage:
    with translation.override(settings.LANGUAGE_CODE):
        context = {"user": user, "lines": lines, "today": today, "approving": kind == ReminderKind.TO_APPROVE,
                   "site_url": site_url("/"), "admin_url": site_url(reverse("admin:kpis_yearlyreport_changelist"))}
        subject = " ".join(render_to_string("kpis/mail/reminder_subject.txt", context).split())
        body = render_to_string("kpis/mail/reminder_body.txt", context)
    return EmailMessage(subject=subject, body=body, to=[user.email])


def _lines(reports: list[ReportToChase], today: date) -> list[dict]:
    units = OrgUnit.objects.in_bulk({r.org_unit_id for r in reports})
    sectors = Sector.objects.in_bulk({r.sector_id for r in reports})
    # A sub-annual report is named by its period ("Quý 3/2025"); a yearly one keeps "năm 2025".
    return [{"unit": units[r.org_unit_id], "sector": sectors[r.sector_id], "year": r.year, "due_on": r.due_on,
             "period_label": "" if r.period_of.is_year else r.period_of.label,
             "late_days": (today - r.due_on).days, "days_left": (r.due_on - today).days,
             "status": ReportStatus(r.status).label if r.status else _("chưa tạo")} for r in reports]


def _remind(user, kind: str, reports: list[ReportToChase], today: date) -> int:
    """One mail to one user, its reports recorded delivered or failed. Returns how many it listed."""
    done = set(Reminder.objects.filter(user=user, kind=kind, sent_on=today, status=MailStatus.DELIVERED)
               .values_list("sector_id", "org_unit_id", "year", "period"))
    reports = [r for r in reports if (r.sector_id, r.org_unit_id, r.year, r.period) not in done]
    if not reports:
        return 0
    try:
        _message(user, kind, _lines(reports, today), today).send()
        status, error = MailStatus.DELIVERED, ""
    except Exception as failure:  # noqa: BLE001 - recorded; the next run tries again
        status, error = MailStatus.FAILED, failure_reason(failure)
        logger.warning("Reminder to %s failed: %s", user.get_username(), error)
    with transaction.atomic():
        for r in reports:
            Reminder.objects.update_or_create(
                user=user, kind=kind, sector_id=r.sector_id, org_unit_id=r.org_unit_id, year=r.year, period=r.period,
                sent_on=today,
                defaults={"due_on": r.due_on, "status": status, "error": error})
    return len(reports) if status == MailStatus.DELIVERED else 0


def reminders_send(*, today: date | None = None) -> int:
    """Send today's reminders and digests; returns how many reports were delivered in them.
    Not one transaction: each user's mail is recorded as soon as it went out (or did not)."""
    today = today or timezone.localdate()
    chasing = reports_to_chase(today, days_before=settings.REMINDER_DAYS_BEFORE,
                               days_after=settings.REMINDER_DAYS_AFTER,
                               enter_ids=user_ids_with_permission(PERM_ENTER),
                               approve_ids=user_ids_with_permission(PERM_APPROVE))
    users = get_user_model().objects.in_bulk(set(chasing.to_submit) | set(chasing.to_approve))
    delivered = 0
    for kind, per_user in ((ReminderKind.TO_SUBMIT, chasing.to_submit), (ReminderKind.TO_APPROVE, chasing.to_approve)):
        for user_id, reports in sorted(per_user.items()):
            delivered += _remind(users[user_id], kind, reports, today)
    return delivered
