"""The yearly report workflow: draft → submitted → approved, or returned with a
reason; an approver may reopen an approved report. Every write here checks the
user's right to make it, so the admin, the API and scripts share one rulebook."""

from collections.abc import Mapping
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kpis import permissions
from kpis.aggregation import stale_mark
from kpis.models import DataValue, Indicator, OrgUnit, ReportStatus, Sector, YearlyReport
from kpis.services.values import org_unit_year_values, rules_check, value_check


def report_entry_indicators(report: YearlyReport) -> list[Indicator]:
    """The indicators staff enter in this report: the sector's entered
    indicators declared for the report's org-unit level."""
    level = report.org_unit.level
    return [
        indicator
        for indicator in Indicator.objects.filter(sector=report.sector, formula="")
        if level in indicator.entry_levels
    ]


@transaction.atomic
def report_create(*, sector: Sector, org_unit: OrgUnit, year: int, user) -> YearlyReport:
    if not permissions.can_create_report(user, sector=sector, org_unit=org_unit):
        raise PermissionDenied(_("Bạn không được phân công nhập liệu cho lĩnh vực và đơn vị này."))
    if not org_unit.is_active_in(year):
        raise ValidationError({"year": _("Đơn vị %(unit)s không tồn tại trong năm %(year)d.")
                               % {"unit": org_unit.name, "year": year}})
    if YearlyReport.objects.filter(sector=sector, org_unit=org_unit, year=year).exists():
        raise ValidationError(_("Đã có báo cáo %(sector)s của %(unit)s năm %(year)d.")
                              % {"sector": sector.name, "unit": org_unit.name, "year": year})
    report = YearlyReport(sector=sector, org_unit=org_unit, year=year, created_by=user)
    report.full_clean()
    report._history_user = user
    report.save()
    return report


def datavalue_write(
    *, report: YearlyReport, indicator: Indicator, value: Decimal | None, user,
    comment: str = "", source: str | None = None,
) -> str:
    """Create, update or delete one figure of ``report`` (already checked), keeping
    its history. Returns "created", "updated", "deleted" or "unchanged"."""
    existing = DataValue.objects.filter(indicator=indicator, org_unit=report.org_unit,
                                        year=report.year).first()
    if value is None:
        if existing is None:
            return "unchanged"
        existing._history_user = user
        existing.delete()
        return "deleted"
    if existing is None:
        data_value = DataValue(report=report, indicator=indicator, org_unit=report.org_unit,
                               year=report.year, value=value, comment=comment,
                               source=source or "", updated_by=user)
        data_value._history_user = user
        data_value.save()
        return "created"
    new_source = existing.source if source is None else source
    if (existing.value, existing.comment, existing.source) == (value, comment, new_source):
        return "unchanged"
    existing.value, existing.comment, existing.source = value, comment, new_source
    existing.updated_by = user
    existing._history_user = user
    existing.save()
    return "updated"


def _rule_errors(report: YearlyReport, new_values: Mapping[str, Decimal | None],
                 entry_codes: list[str]) -> dict[str, list[str]]:
    merged = org_unit_year_values(org_unit=report.org_unit, year=report.year)
    merged.update(new_values)
    errors: dict[str, list[str]] = {}
    for violation in rules_check(merged):
        involved = [code for code in entry_codes if code in violation.codes]
        if not involved:
            continue  # a rule between other sectors' figures is theirs to fix
        left_codes = [code for code in involved if code in violation.left_codes]
        errors.setdefault((left_codes or involved)[0], []).append(violation.message)
    return errors


@transaction.atomic
def report_values_save(
    *, report: YearlyReport, user, values: Mapping[str, Decimal | None],
    comments: Mapping[str, str] | None = None,
) -> dict[str, int]:
    """Save the figures of a draft or returned report, keyed by indicator code
    (None clears a figure). All or nothing: a ValidationError keyed by code
    lists every wrong figure. Returns counts by outcome."""
    report = YearlyReport.objects.select_for_update().select_related("sector", "org_unit").get(pk=report.pk)
    if not permissions.can_edit_values(user, report):
        raise PermissionDenied(_("Bạn không được sửa số liệu của báo cáo này."))
    indicators = {indicator.code: indicator for indicator in report_entry_indicators(report)}
    comments = comments or {}
    errors: dict[str, list[str]] = {}
    for code in set(values) | set(comments):
        if code not in indicators:
            errors.setdefault(code, []).append(
                _("Chỉ tiêu %(code)s không thuộc báo cáo này.") % {"code": code})
    for code, value in values.items():
        if code in indicators and value is not None:
            try:
                value_check(indicator=indicators[code], value=value)
            except ValidationError as error:
                errors.setdefault(code, []).extend(error.messages)
    if not errors:
        errors = _rule_errors(report, values, list(indicators))
    if errors:
        raise ValidationError(errors)
    counts = {"created": 0, "updated": 0, "deleted": 0, "unchanged": 0}
    for code, value in values.items():
        outcome = datavalue_write(report=report, indicator=indicators[code], value=value,
                                  user=user, comment=comments.get(code, ""))
        counts[outcome] += 1
    return counts


@transaction.atomic
def report_values_save_and_submit(
    *, report: YearlyReport, user, values: Mapping[str, Decimal | None],
    comments: Mapping[str, str] | None = None,
) -> YearlyReport:
    """Save the figures and send the report for approval, both or neither: a
    refused submission (no figures left, a rule) leaves the figures as they were."""
    report_values_save(report=report, user=user, values=values, comments=comments)
    return report_submit(report=report, user=user)


def _locked(report: YearlyReport) -> YearlyReport:
    return YearlyReport.objects.select_for_update().select_related("sector", "org_unit").get(pk=report.pk)


def _official_figures_changed(report: YearlyReport) -> None:
    """Approving or reopening adds or withdraws every figure of the report."""
    stale_mark(cells=[(indicator_id, report.org_unit_id, report.year)
                      for indicator_id in report.values.values_list("indicator_id", flat=True)])


def _save_transition(report: YearlyReport, user, reason: str = "") -> YearlyReport:
    report._history_user = user
    report._change_reason = reason[:100] if reason else None
    report.full_clean()
    report.save()
    return report


@transaction.atomic
def report_submit(*, report: YearlyReport, user) -> YearlyReport:
    report = _locked(report)
    if not permissions.can_submit(user, report):
        raise PermissionDenied(_("Bạn không được gửi duyệt báo cáo này."))
    current = {code: value for code, value in
               report.values.values_list("indicator__code", "value")}
    if not current:
        raise ValidationError(_("Báo cáo chưa có số liệu nào để gửi duyệt."))
    errors = _rule_errors(report, current, [i.code for i in report_entry_indicators(report)])
    if errors:
        raise ValidationError(errors)
    report.status = ReportStatus.SUBMITTED
    report.submitted_at, report.submitted_by = timezone.now(), user
    return _save_transition(report, user)


@transaction.atomic
def report_approve(*, report: YearlyReport, user) -> YearlyReport:
    report = _locked(report)
    if not permissions.can_review(user, report):
        raise PermissionDenied(_("Bạn không được duyệt báo cáo này."))
    if report.status != ReportStatus.SUBMITTED:
        raise ValidationError(_("Chỉ duyệt được báo cáo đã gửi duyệt."))
    if report.submitted_by_id == user.pk and not user.is_superuser:
        raise ValidationError(_("Không thể tự duyệt báo cáo do chính mình gửi."))
    report.status = ReportStatus.APPROVED
    report.approved_at, report.approved_by = timezone.now(), user
    _official_figures_changed(report)
    return _save_transition(report, user)


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Hãy ghi lý do.")})
    return reason


@transaction.atomic
def report_return(*, report: YearlyReport, user, reason: str) -> YearlyReport:
    reason = _require_reason(reason)
    report = _locked(report)
    if not permissions.can_review(user, report):
        raise PermissionDenied(_("Bạn không được trả lại báo cáo này."))
    if report.status != ReportStatus.SUBMITTED:
        raise ValidationError(_("Chỉ trả lại được báo cáo đã gửi duyệt."))
    report.status = ReportStatus.RETURNED
    report.returned_at, report.returned_by, report.return_reason = timezone.now(), user, reason
    return _save_transition(report, user, reason)


@transaction.atomic
def report_reopen(*, report: YearlyReport, user, reason: str) -> YearlyReport:
    """Unlock an approved report for correction; its figures stop counting as
    official until it is approved again."""
    reason = _require_reason(reason)
    report = _locked(report)
    if not permissions.can_review(user, report):
        raise PermissionDenied(_("Bạn không được mở lại báo cáo này."))
    if report.status != ReportStatus.APPROVED:
        raise ValidationError(_("Chỉ mở lại được báo cáo đã duyệt."))
    report.status = ReportStatus.RETURNED
    report.approved_at, report.approved_by = None, None
    _official_figures_changed(report)
    report.returned_at, report.returned_by, report.return_reason = timezone.now(), user, reason
    return _save_transition(report, user, reason)

