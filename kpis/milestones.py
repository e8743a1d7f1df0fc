"""When a milestone past its due date is "overdue", and when all we can honestly
say is that nothing has been heard of it since its status was last known.

A status copied from a source (``status_as_of``: the source's date) says nothing
about what happened after that date. A milestone whose due date has passed,
still open by a status older than the due date, is therefore shown as "no
information since <status_as_of>", not as overdue: we do not know it was late.
An empty ``status_as_of`` means the status is kept up to date in the portal."""

from datetime import date

from django.db.models import F, Q

from kpis.rules import milestone_is_overdue, milestone_overdue_q


def status_outdated(on: date) -> Q:
    """Past due, open, and the status older than the due date."""
    return milestone_overdue_q(on) & Q(status_as_of__isnull=False, status_as_of__lt=F("due"))


def overdue(on: date) -> Q:
    """Past due and open by a status that is current or dated on or after the due date."""
    return milestone_overdue_q(on) & (Q(status_as_of__isnull=True) | Q(status_as_of__gte=F("due")))


def is_status_outdated(*, due: date, status: str, status_as_of: date | None, on: date) -> bool:
    return milestone_is_overdue(status=status, due=due, on=on) and status_as_of is not None and status_as_of < due


def is_overdue(*, due: date, status: str, status_as_of: date | None, on: date) -> bool:
    return milestone_is_overdue(status=status, due=due, on=on) and not is_status_outdated(
        due=due, status=status, status_as_of=status_as_of, on=on)

