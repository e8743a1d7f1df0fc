"""Acknowledging a warning on a figure (docs/data-quality.md): the approver
saw it and accepts the figure as it is. Warnings never block approval."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kpis import permissions
from kpis.models import AuditAction, Indicator, WarningAcknowledgement, YearlyReport
from kpis.quality_selectors import report_quality
from kpis.services.audit import audit_record


@transaction.atomic
def warning_acknowledge(*, report: YearlyReport, indicator: Indicator, kind: str, user, note: str = "",
                        rule_code: str = "") -> WarningAcknowledgement:
    """Record that ``user`` acknowledged the open warning ``kind`` (and, for a
    rule, ``rule_code``) on the report's figure of ``indicator``, for the
    figure's current value. Raises PermissionDenied unless the user may review
    the report, ValidationError if there is no such open warning."""
    report = YearlyReport.objects.select_for_update().select_related("sector", "org_unit").get(pk=report.pk)
    if not permissions.can_acknowledge_warnings(user, report):
        raise PermissionDenied(_("Bạn không được xác nhận cảnh báo của báo cáo này."))
    warning = next((w for row in report_quality(report) for w in row.open_warnings
                    if w.indicator.pk == indicator.pk and w.kind == kind and w.rule_code == rule_code), None)
    if warning is None:
        raise ValidationError(_("Không còn cảnh báo này để xác nhận (số liệu có thể đã thay đổi)."))
    acknowledgement = WarningAcknowledgement.objects.create(
        report=report, indicator=warning.indicator, kind=kind, rule_code=rule_code, value=warning.value,
        user=user, note=(note or "").strip())
    audit_record(action=AuditAction.WARNING_ACKNOWLEDGED, user=user, target=report,
                 detail=f"{warning.indicator.code} {kind}{' ' + rule_code if rule_code else ''} = {warning.value}")
    return acknowledgement
