"""Celery tasks: thin wrappers that take ids (or nothing) and call services."""

from celery import shared_task

from kpis.aggregation import FULL, aggregates_recompute, release_queue_slot, stale_recompute
from kpis.services.audit import audit_prune


@shared_task(name="kpis.recompute_stale", acks_late=True)
def recompute_stale_task() -> int:
    release_queue_slot()  # changes arriving from now on enqueue the next run
    outcome = stale_recompute()
    return outcome.changed if outcome else 0


@shared_task(name="kpis.recompute_full", acks_late=True)
def recompute_full_task() -> int:
    return aggregates_recompute(scope=FULL).changed


@shared_task(name="kpis.export_summary", acks_late=True)
def export_summary_task(job_id: int) -> str:
    from kpis.export.services import summary_export_render
    from kpis.models import ExportJob

    job = ExportJob.objects.filter(pk=job_id).select_related("org_unit", "sector").first()
    return summary_export_render(job=job).status if job is not None else "missing"


@shared_task(name="kpis.exports_fail_stalled")
def exports_fail_stalled_task() -> int:
    from kpis.export.services import export_jobs_fail_stalled

    return export_jobs_fail_stalled()


@shared_task(name="kpis.exports_prune")
def exports_prune_task() -> dict:
    from kpis.export.services import exports_prune

    outcome = exports_prune()
    return {"jobs": outcome.jobs, "files": outcome.files}


@shared_task(name="kpis.accounts_idle_disable", acks_late=True)
def accounts_idle_disable_task() -> int:
    from kpis.services.accounts import accounts_idle_disable

    return len(accounts_idle_disable())


@shared_task(name="kpis.audit_prune", acks_late=True)
def audit_prune_task() -> int:
    return audit_prune()


@shared_task(name="kpis.summary_mails_due", acks_late=True)
def summary_mails_due_task() -> int:
    from kpis.services.mail import summary_mails_due

    return len(summary_mails_due())


@shared_task(name="kpis.summary_mail_send", bind=True, acks_late=True, max_retries=None)
def summary_mail_send_task(self, sending_id: int) -> str:
    """One attempt; a failure with attempts left comes back after the back-off."""
    from kpis.services.mail import summary_mail_send

    outcome = summary_mail_send(sending_id=sending_id)
    if outcome is None:
        return "missing"
    # In-process (no broker, `make run`) a retry would wait inside the caller: beat's sweep retries instead.
    if outcome.retry_in is not None and not self.request.is_eager:
        raise self.retry(countdown=outcome.retry_in)
    return outcome.sending.status


@shared_task(name="kpis.reminders_send", acks_late=True)
def reminders_send_task() -> int:
    from kpis.services.reminders import reminders_send

    return reminders_send()
