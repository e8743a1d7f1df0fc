"""The yearly report workflow: draft → submitted → approved, or returned with a
reason; an approver may reopen an approved report. Every write here checks the
user's right to make it, so the admin, the API and scripts share one rulebook."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from kpis import permissions
from kpis.aggregation import stale_mark
from kpis.formatting import unit_period
from kpis.models import (
    AuditAction,
    DataValue,
    Indicator,
    OrgUnit,
    ReportStatus,
    Sector,
    ValueType,
    YearlyReport,
    quantize_for,
)
from kpis.periods import YEAR_PART, Frequency, Period
from kpis.selectors import report_entry_indicators
from kpis.services.audit import audit_record
from kpis.services.values import org_unit_year_figures, period_check, rules_check, value_check


def period_words(period: Period) -> str:
    """The period as a sentence names it: "năm 2025", "kỳ Quý 3/2025"."""
    if period.is_year:
        return _("năm %(year)d") % {"year": period.year}
    return _("kỳ %(period)s") % {"period": period.label}


def report_period_check(*, sector: Sector, period: Period) -> None:
    """A report of a period shorter than a year holds the sector's indicators of
    that frequency: a sector with none has no such report to make."""
    if period.is_year or Indicator.objects.filter(sector=sector, formula="", frequency=period.frequency).exists():
        return
    raise ValidationError({"period": _("Lĩnh vực %(sector)s không có chỉ tiêu nào nhập theo %(frequency)s: "
                                       "không lập báo cáo %(period)s được.")
                           % {"sector": sector.name, "frequency": Frequency(period.frequency).label.lower(),
                              "period": period.label}})


def report_unit_check(*, org_unit: OrgUnit, year: int) -> None:
    """A report is for a unit of the tree of its year: an abolished unit has
    none after its last year, a new one none before its first (the message
    names its years and, for an abolished unit, the units that replaced it)."""
    if org_unit.is_active_in(year):
        return
    message = _("Đơn vị %(unit)s không tồn tại trong năm %(year)d (có hiệu lực %(period)s).") % {
        "unit": org_unit.name, "year": year, "period": unit_period(org_unit.valid_from, org_unit.valid_to)}
    successors = [u.name for u in org_unit.successors.order_by("code")] if org_unit.pk else []
    if successors and org_unit.valid_to is not None and year > org_unit.valid_to:
        message += " " + _("Hãy lập báo cáo cho đơn vị thay thế: %(units)s.") % {"units": ", ".join(successors)}
    raise ValidationError({"year": message})


@transaction.atomic
def report_create(*, sector: Sector, org_unit: OrgUnit, year: int, user, period: int = YEAR_PART) -> YearlyReport:
    """A draft report of ``sector`` for ``org_unit`` and the period (``period`` is
    the part of the year as stored, kpis.periods: 0 the year, 201 the first quarter...)."""
    report_unit_check(org_unit=org_unit, year=year)
    report_period_check(sector=sector, period=Period(year, period))
    if not permissions.can_create_report(user, sector=sector, org_unit=org_unit, year=year):
        raise PermissionDenied(_("Bạn không được phân công nhập liệu cho lĩnh vực và đơn vị này."))
    if YearlyReport.objects.filter(sector=sector, org_unit=org_unit, year=year, period=period).exists():
        raise ValidationError(_("Đã có báo cáo %(sector)s của %(unit)s %(period)s.")
                              % {"sector": sector.name, "unit": org_unit.name,
                                 "period": period_words(Period(year, period))})
    report = YearlyReport(sector=sector, org_unit=org_unit, year=year, period=period, created_by=user)
    report.full_clean()
    report._history_user = user
    report.save()
    return report


def datavalue_write(
    *, report: YearlyReport, indicator: Indicator, value: Decimal | None, user,
    comment: str | None = None, source: str | None = None, change_reason: str | None = None,
) -> str:
    """Create, update or delete one figure of ``report`` (already checked), keeping
    its history (``change_reason`` names the channel, e.g. "api"); a comment or
    source of None keeps the stored one. Returns
    "created", "updated", "deleted" or "unchanged"."""
    existing = DataValue.objects.filter(indicator=indicator, org_unit=report.org_unit,
                                        year=report.year, period=report.period).first()
    if value is None:
        if existing is None:
            return "unchanged"
        existing._history_user, existing._change_reason = user, change_reason
        existing.delete()
        return "deleted"
    if existing is None:
        data_value = DataValue(report=report, indicator=indicator, org_unit=report.org_unit,
                               year=report.year, period=report.period, value=value, comment=comment or "",
                               source=source or "", updated_by=user)
        data_value._history_user, data_value._change_reason = user, change_reason
        data_value.save()
        return "created"
    new_source = existing.source if source is None else source
    new_comment = existing.comment if comment is None else comment
    if (existing.value, existing.comment, existing.source) == (value, new_comment, new_source):
        return "unchanged"
    existing.value, existing.comment, existing.source = value, new_comment, new_source
    existing.updated_by = user
    existing._history_user, existing._change_reason = user, change_reason
    existing.save()
    return "updated"


def _rule_errors(report: YearlyReport, new_values: Mapping[str, Decimal | None],
                 entry_codes: list[str], user) -> dict[str, list[str]]:
    """Rule violations by the report's own codes. Other reports' figures count,
    but the message shows a figure only if ``user`` may see its report."""
    stored = org_unit_year_figures(org_unit=report.org_unit, year=report.year, period=report.period)
    merged = {code: value for code, (value, _report_id) in stored.items()}
    merged.update(new_values)
    others = {code: report_id for code, (_value, report_id) in stored.items()
              if report_id != report.pk and code not in new_values}
    visible = permissions.report_ids_visible_to(user, others.values())
    hidden = frozenset(code for code, report_id in others.items() if report_id not in visible)
    errors: dict[str, list[str]] = {}
    for violation in rules_check(merged, hidden_codes=hidden):
        involved = [code for code in entry_codes if code in violation.codes]
        if not involved:
            continue  # a rule between other sectors' figures is theirs to fix
        left_codes = [code for code in involved if code in violation.left_codes]
        errors.setdefault((left_codes or involved)[0], []).append(violation.message)
    return errors


# -- two editors of one report ---------------------------------------------------


def _report_cells(report: YearlyReport, indicators: list[Indicator]):
    return dict(org_unit_id=report.org_unit_id, year=report.year, period=report.period,
                indicator_id__in=[indicator.pk for indicator in indicators])


def report_values_version(report: YearlyReport) -> int:
    """The version of a report's figures: the id of the last change to any of
    them (history ids only grow, and writers of one report queue on its row
    lock). A page reads it *before* the figures it shows, so a save based on
    that page can tell whether anything changed since."""
    cells = _report_cells(report, report_entry_indicators(report))
    return DataValue.history.filter(**cells).aggregate(last=Max("history_id"))["last"] or 0


@dataclass(frozen=True)
class ValueConflict:
    """A figure that changed since the version a save was based on."""

    indicator: Indicator
    base: Decimal | None  # the figure at that version (None: there was none)
    base_comment: str
    stored: Decimal | None  # the figure now (None: it was deleted)
    stored_comment: str
    user: str
    when: datetime

    def describe(self) -> str:
        who = {"user": self.user or _("hệ thống"),
               "when": date_format(timezone.localtime(self.when), "SHORT_DATETIME_FORMAT")}
        if self.base == self.stored:
            return _("%(indicator)s: ghi chú đã được sửa (%(user)s sửa lúc %(when)s).") % {
                "indicator": self.indicator.name, **who}
        return _("%(indicator)s: khi bạn mở trang là %(base)s, nay đã lưu là %(stored)s "
                 "(%(user)s sửa lúc %(when)s).") % {
            "indicator": self.indicator.name, "base": self._shown(self.base),
            "stored": self._shown(self.stored), **who}

    def _shown(self, figure: Decimal | None) -> str:
        if figure is None:
            return _("(trống)")
        if self.indicator.value_type == ValueType.YES_NO:
            return _("Có") if figure else _("Không")
        return number_format(quantize_for(self.indicator, figure), use_l10n=True, force_grouping=True)


class ReportChangedError(ValidationError):
    """The figures changed since the page the save came from: nothing was saved."""

    def __init__(self, conflicts: list[ValueConflict], version: int):
        super().__init__([_("Trong lúc bạn nhập, người khác đã lưu số liệu của báo cáo này. Chưa có gì "
                            "của bạn được lưu. Hãy xem lại các dòng dưới đây rồi bấm Lưu lần nữa.")]
                         + [conflict.describe() for conflict in conflicts])
        self.conflicts, self.version = conflicts, version


def report_value_conflicts(report: YearlyReport, indicators: list[Indicator], version: int) -> list[ValueConflict]:
    """Figures whose value or comment now differs from what they were at ``version``
    (a change undone since counts as none)."""
    by_id = {indicator.pk: indicator for indicator in indicators}
    base: dict[int, tuple[Decimal, str] | None] = {}
    latest: dict[int, object] = {}
    records = DataValue.history.filter(**_report_cells(report, indicators)).select_related("history_user")
    for record in records.order_by("history_id"):
        if record.history_id <= version:
            base[record.indicator_id] = None if record.history_type == "-" else (record.value, record.comment)
        else:
            latest[record.indicator_id] = record
    conflicts = []
    for indicator_id, record in latest.items():
        before = base.get(indicator_id)
        now = None if record.history_type == "-" else (record.value, record.comment)
        if before != now:
            conflicts.append(ValueConflict(
                indicator=by_id[indicator_id], base=before and before[0], base_comment=before[1] if before else "",
                stored=now and now[0], stored_comment=now[1] if now else "",
                user=record.history_user.get_username() if record.history_user else "", when=record.history_date))
    return sorted(conflicts, key=lambda conflict: indicators.index(conflict.indicator))


@transaction.atomic
def report_values_save(
    *, report: YearlyReport, user, values: Mapping[str, Decimal | None],
    comments: Mapping[str, str] | None = None, base_version: int | None = None,
    sources: Mapping[str, str] | None = None, change_reason: str | None = None,
) -> dict[str, int]:
    """Save the figures of a draft or returned report, keyed by indicator code
    (None clears a figure; a code left out is left alone, and so is the comment
    of a code missing from ``comments``). All or nothing: a ValidationError keyed
    by code lists every wrong figure. With ``base_version`` (from
    report_values_version when the page was shown), a figure changed since then
    by someone else refuses the whole save with ReportChangedError. Returns
    counts by outcome."""
    report = YearlyReport.objects.select_for_update().select_related("sector", "org_unit").get(pk=report.pk)
    if not permissions.can_edit_values(user, report):
        raise PermissionDenied(_("Bạn không được sửa số liệu của báo cáo này."))
    entry_indicators = report_entry_indicators(report)
    indicators = {indicator.code: indicator for indicator in entry_indicators}
    # The report's lock queues every writer; the figures' rows are locked too, for any door that skips it.
    list(DataValue.objects.select_for_update().filter(**_report_cells(report, entry_indicators)).values("pk"))
    if base_version is not None:
        conflicts = report_value_conflicts(report, entry_indicators, base_version)
        if conflicts:
            raise ReportChangedError(conflicts, report_values_version(report))
    comments = comments or {}
    errors = _outside_errors(report, [code for code in set(values) | set(comments) if code not in indicators])
    for code, value in values.items():
        if code in indicators and value is not None:
            try:
                value_check(indicator=indicators[code], value=value)
            except ValidationError as error:
                errors.setdefault(code, []).extend(error.messages)
    if not errors:
        errors = _rule_errors(report, values, list(indicators), user)
    if errors:
        raise ValidationError(errors)
    counts = {"created": 0, "updated": 0, "deleted": 0, "unchanged": 0}
    for code, value in values.items():
        outcome = datavalue_write(report=report, indicator=indicators[code], value=value, user=user,
                                  comment=comments.get(code), source=(sources or {}).get(code),
                                  change_reason=change_reason)
        counts[outcome] += 1
    return counts


def _outside_errors(report: YearlyReport, outside: list[str]) -> dict[str, list[str]]:
    """Why each code sent is not a figure of this report. An indicator of the
    sector entered for another period: the period rule says why it is not here."""
    errors: dict[str, list[str]] = {}
    of_sector = {indicator.code: indicator for indicator in Indicator.objects.filter(
        sector=report.sector, formula="", code__in=outside)} if outside else {}
    for code in outside:
        try:
            if code in of_sector:
                period_check(indicator=of_sector[code], period=report.reporting_period)
        except ValidationError as error:
            errors.setdefault(code, []).extend(error.messages)
        else:
            errors.setdefault(code, []).append(
                _("Chỉ tiêu %(code)s không thuộc báo cáo này.") % {"code": code})
    return errors


@transaction.atomic
def report_values_save_and_submit(
    *, report: YearlyReport, user, values: Mapping[str, Decimal | None],
    comments: Mapping[str, str] | None = None, base_version: int | None = None,
) -> YearlyReport:
    """Save the figures and send the report for approval, both or neither: a
    refused submission (no figures left, a rule) leaves the figures as they were."""
    report_values_save(report=report, user=user, values=values, comments=comments, base_version=base_version)
    return report_submit(report=report, user=user)


def _locked(report: YearlyReport) -> YearlyReport:
    return YearlyReport.objects.select_for_update().select_related("sector", "org_unit").get(pk=report.pk)


def _official_figures_changed(report: YearlyReport) -> None:
    """Approving or reopening adds or withdraws every figure of the report."""
    stale_mark(cells=[(indicator_id, report.org_unit_id, report.year)
                      for indicator_id in report.values.values_list("indicator_id", flat=True)])


def _save_transition(report: YearlyReport, user, action: AuditAction, reason: str = "") -> YearlyReport:
    """Save a workflow step with its history row and its audit event, both
    carrying the whole reason (inspectors read it as written)."""
    report._history_user = user
    report._change_reason = reason or None
    report.full_clean()
    report.save()
    audit_record(action=action, user=user, target=report, detail=reason)
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
    errors = _rule_errors(report, current, [i.code for i in report_entry_indicators(report)], user)
    if errors:
        raise ValidationError(errors)
    report.status = ReportStatus.SUBMITTED
    report.submitted_at, report.submitted_by = timezone.now(), user
    return _save_transition(report, user, AuditAction.REPORT_SUBMITTED)


@transaction.atomic
def report_approve(*, report: YearlyReport, user) -> YearlyReport:
    report = _locked(report)
    if not permissions.can_review(user, report):
        raise PermissionDenied(_("Bạn không được duyệt báo cáo này."))
    if report.status != ReportStatus.SUBMITTED:
        raise ValidationError(_("Chỉ duyệt được báo cáo đã gửi duyệt."))
    conflict = permissions.approval_conflict(user, report)
    if conflict:
        raise ValidationError(conflict)
    report.status = ReportStatus.APPROVED
    report.approved_at, report.approved_by = timezone.now(), user
    _official_figures_changed(report)
    return _save_transition(report, user, AuditAction.REPORT_APPROVED)


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
    return _save_transition(report, user, AuditAction.REPORT_RETURNED, reason)


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
    return _save_transition(report, user, AuditAction.REPORT_REOPENED, reason)

