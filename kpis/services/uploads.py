"""A file of figures uploaded on a report's page: read and checked like an
import (kpis/services/imports.py), shown row by row before anything is written
(preview), then written into the draft report through the write API's service
(value_set_save: report_values_save with the user's permissions, all or
nothing). Between the two steps only the checked rows are kept, as plain text
in the user's session; the file itself is never stored."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from kpis import permissions
from kpis.models import AuditAction, DataValue, YearlyReport
from kpis.services.audit import audit_record
from kpis.services.imports import ValueRow, value_rows_from_file, value_rows_from_records
from kpis.services.reports import period_words, report_values_version
from kpis.services.value_sets import CHANNEL_UPLOAD, ValueSetConflict, ValueSetResult, value_set_save

NEW, CHANGED, UNCHANGED, ERROR, BLANK = "new", "changed", "unchanged", "error", "blank"


@dataclass
class PreviewLine:
    line: int
    indicator: str  # code as in the file
    name: str = ""
    outcome: str = ERROR
    old: Decimal | None = None
    new: Decimal | None = None
    decimals: int = 0
    old_comment: str = ""
    comment: str | None = None  # None: the file has no comment column
    messages: list[str] = field(default_factory=list)


@dataclass
class UploadPreview:
    lines: list[PreviewLine]
    problems: list[str]  # messages not tied to a row the file had (the file itself)
    records: list[dict[str, str]]  # the checked rows, as kept in the session for the confirmation
    base_version: int

    @property
    def ok(self) -> bool:
        return not self.problems and all(line.outcome != ERROR for line in self.lines)

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys((NEW, CHANGED, UNCHANGED, ERROR, BLANK), 0)
        for line in self.lines:
            counts[line.outcome] += 1
        return counts


class UploadTooLargeError(Exception):
    pass


def upload_size_check(size: int) -> None:
    limit = settings.UPLOAD_MAX_BYTES
    if size > limit:
        raise UploadTooLargeError(_("Tệp quá lớn (%(size)s); tối đa %(limit)s. Hãy chia thành nhiều tệp nhỏ hơn.")
                                  % {"size": _size_text(size), "limit": _size_text(limit)})


def _size_text(size: int) -> str:
    if size < 1024 * 1024:
        return f"{-(-size // 1024)} KB"
    return f"{size / (1024 * 1024):.1f} MB".replace(".", ",").replace(",0 MB", " MB")


def _require_edit(report: YearlyReport, user) -> None:
    if not permissions.can_edit_values(user, report):
        raise PermissionDenied(_("Bạn không được sửa số liệu của báo cáo này."))


def _in_scope(rows: list[ValueRow], report: YearlyReport) -> tuple[list[ValueRow], list[ValueSetConflict]]:
    """The rows of this report, and a conflict for each row of another: the page
    uploads into its own report only."""
    key = (report.sector_id, report.org_unit_id, report.year, report.period)
    message = _("dòng này thuộc báo cáo khác: tệp tải lên ở trang này chỉ được có số liệu lĩnh vực %(sector)s, "
                "đơn vị %(unit)s (%(code)s), %(period)s.") % {
        "sector": report.sector.name, "unit": report.org_unit.name, "code": report.org_unit.code,
        "period": period_words(report.reporting_period)}
    inside = [row for row in rows if row.report_key == key]
    return inside, [ValueSetConflict(row.line, "indicator", message) for row in rows if row.report_key != key]


def _record(row: ValueRow) -> dict[str, str]:
    record = {"line": str(row.line), "indicator": row.indicator.code, "org_unit": row.org_unit.code,
              "period": row.reporting_period.code, "value": str(row.value)}
    for name in ("comment", "source"):
        if getattr(row, name) is not None:
            record[name] = getattr(row, name)
    return record


def upload_preview(*, report: YearlyReport, user, content: bytes) -> UploadPreview:
    """Every row's outcome were the file written now: new, changed, unchanged or
    refused with the reason, the cross-indicator rules included. Writes nothing."""
    _require_edit(report, user)
    upload_size_check(len(content))
    base_version = report_values_version(report)  # before the figures: see its docstring
    checked = value_rows_from_file(content, max_rows=settings.UPLOAD_MAX_ROWS)
    inside, outside = _in_scope(checked.rows, report)
    result = value_set_save(rows=inside, errors=checked.errors, user=user, dry_run=True,
                            conflicts=outside, change_reason=CHANNEL_UPLOAD)
    stored = {value.indicator_id: value for value in DataValue.objects.filter(
        org_unit=report.org_unit, year=report.year, period=report.period,
        indicator_id__in=[row.indicator.pk for row in checked.rows])}
    messages = defaultdict(list)
    for conflict in result.conflicts:
        messages[conflict.index].append(conflict.message)
    lines = [_preview_line(row, stored.get(row.indicator.pk), messages.pop(row.line, [])) for row in checked.rows]
    lines += [PreviewLine(line, indicator, outcome=BLANK) for line, indicator in checked.blank_lines]
    problems = []
    for line, texts in messages.items():
        if line == 1 and not lines:
            problems += [_("Dòng %(line)d: %(message)s") % {"line": line, "message": text} for text in texts]
        else:
            lines.append(PreviewLine(line, checked.indicator_cells.get(line, ""), messages=texts))
    if not checked.rows and not problems and all(line.outcome == BLANK for line in lines):
        problems.append(_("Tệp không có số liệu nào để ghi: cột value trống ở mọi dòng."))
    lines.sort(key=lambda preview: preview.line)
    return UploadPreview(lines=lines, problems=problems, records=[_record(row) for row in checked.rows],
                         base_version=base_version)


def _preview_line(row: ValueRow, stored: DataValue | None, messages: list[str]) -> PreviewLine:
    line = PreviewLine(row.line, row.indicator.code, name=row.indicator.name, new=row.value,
                       decimals=row.indicator.decimals, comment=row.comment,
                       messages=messages)
    if stored is not None:
        line.old, line.old_comment = stored.value, stored.comment
    if messages:
        line.outcome = ERROR
    elif stored is None:
        line.outcome = NEW
    else:
        same = (stored.value == row.value and (row.comment is None or row.comment == stored.comment)
                and (row.source is None or row.source == stored.source))
        line.outcome = UNCHANGED if same else CHANGED
    return line


@transaction.atomic
def upload_confirm(*, report: YearlyReport, user, records: list[dict[str, str]], base_version: int,
                   filename: str = "") -> ValueSetResult:
    """Write the rows a preview showed, checked again, into ``report``: all or
    nothing, refused if the report's figures changed since the preview. A
    written file is in the audit log (file, report, counts, channel)."""
    _require_edit(report, user)
    numbered = []
    for record in records:
        cells = {name: text for name, text in record.items() if name != "line"}
        cells["value"] = Decimal(cells["value"])  # stored as the number it was read as
        numbered.append((int(record["line"]), cells))
    rows, errors = value_rows_from_records(numbered)
    by_line = dict(numbered)
    for row in rows:  # a column the file did not have keeps the stored text
        row.comment, row.source = by_line[row.line].get("comment"), by_line[row.line].get("source")
    inside, outside = _in_scope(rows, report)
    result = value_set_save(rows=inside, errors=errors, user=user, dry_run=False,
                            conflicts=outside, change_reason=CHANNEL_UPLOAD,
                            base_versions={report.pk: base_version})
    if not result.conflicts:
        audit_record(action=AuditAction.VALUES_UPLOADED, user=user, target=report,
                     detail=_upload_detail(filename, report, result.counts))
    return result


def _upload_detail(filename: str, report: YearlyReport, counts: dict[str, int]) -> str:
    # Plain key=value lines, so an inspector can grep them and the log line stays one JSON string.
    return "\n".join([
        f"channel={CHANNEL_UPLOAD}", f"file={filename}",
        f"report={report.pk} ({report.sector.code} {report.org_unit.code} {report.reporting_period.code})",
        *(f"{name}={counts[name]}" for name in ("created", "updated", "unchanged")),
    ])
