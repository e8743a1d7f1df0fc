"""The write API's value sets: figures for any reports at once, checked like an
import file, written into draft reports through report_values_save (the
admin's permissions and rules), all or nothing. A dry run does the same work
and rolls it back."""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kpis import permissions
from kpis.models import YearlyReport
from kpis.services.imports import (
    KNOWN_COLUMNS,
    RowError,
    ValueRow,
    value_rows_from_csv,
    value_rows_from_records,
)
from kpis.services.reports import period_words, report_create, report_values_save

# The value history's change reason for figures written through the API (queryable:
# DataValue.history.filter(history_change_reason=CHANNEL_API)); the user is the token's owner.
CHANNEL_API = "api"
CHANNEL_UPLOAD = "upload"  # a file uploaded on the report page
COUNT_NAMES = ("created", "updated", "unchanged", "ignored")
ENTRY_FIELDS = KNOWN_COLUMNS  # "period" (2025, 2025-Q3...) or "year", as in a file


@dataclass
class ValueSetConflict:
    index: int  # position in "values" (JSON) or line of the file (CSV)
    field: str
    message: str


@dataclass
class ValueSetResult:
    dry_run: bool
    counts: dict[str, int]
    conflicts: list[ValueSetConflict] = field(default_factory=list)

    @property
    def status(self) -> str:
        return "error" if self.conflicts else "success"


class _RollBack(Exception):
    """Leaves the savepoint of a dry run or of a set with conflicts."""


def value_set_records(entries: Sequence[Mapping]) -> tuple[list[tuple[int, dict[str, str]]], list[ValueSetConflict]]:
    """JSON entries as the text records the importer checks (numbers and booleans
    written as a file would hold them)."""
    records, conflicts = [], []
    for index, entry in enumerate(entries):
        record: dict[str, str] = {}
        for name, raw in entry.items():
            column = name
            if column not in ENTRY_FIELDS:
                conflicts.append(ValueSetConflict(index, name, _("trường không hợp lệ; các trường là %(fields)s.")
                                                  % {"fields": ", ".join(ENTRY_FIELDS)}))
            elif isinstance(raw, bool):
                record[column] = "true" if raw else "false"
            elif isinstance(raw, str) and "\x00" in raw:
                # PostgreSQL stores no NUL in text; a file with one is refused by the importer too.
                conflicts.append(ValueSetConflict(index, name, _("có ký tự NUL (byte 0).")))
            elif isinstance(raw, (int, float)) and column == "value":
                # A JSON number is a number, not text in some convention (1234.567 is not 1 234 567).
                record[column] = Decimal(str(raw))
            elif isinstance(raw, (int, float, str)):
                record[column] = str(raw)
            elif raw is not None:
                conflicts.append(ValueSetConflict(index, name, _("phải là chữ hoặc số.")))
        records.append((index, record))
    return records, conflicts


def _report_conflicts(rows: list[ValueRow], report: YearlyReport | None, user) -> list[ValueSetConflict]:
    first = rows[0]
    if report is None:
        if permissions.can_create_report(user, sector=first.indicator.sector, org_unit=first.org_unit,
                                         year=first.year):
            return []
        message = _("bạn không được phân công nhập liệu lĩnh vực %(sector)s cho đơn vị %(unit)s.")
        field_name = "indicator"
    elif not report.is_editable:
        message = _("báo cáo %(sector)s của %(unit)s %(period)s đang ở trạng thái %(status)s: "
                    "không sửa được qua API.")
        field_name = "year"
    elif not permissions.can_edit_values(user, report):
        message = _("bạn không được phân công nhập liệu lĩnh vực %(sector)s cho đơn vị %(unit)s.")
        field_name = "indicator"
    else:
        return []
    text = message % {"sector": first.indicator.sector.name, "unit": first.org_unit.code,
                      "period": period_words(first.reporting_period),
                      "status": report.get_status_display() if report else ""}
    return [ValueSetConflict(row.line, field_name, text) for row in rows]


@dataclass(frozen=True)
class _Channel:
    change_reason: str
    base_versions: Mapping[int, int]  # report id → version of its figures the user saw


def _save_group(rows: list[ValueRow], report: YearlyReport | None, user,
                counts: dict[str, int], channel: _Channel) -> list[ValueSetConflict]:
    first = rows[0]
    try:
        if report is None:
            report = report_create(sector=first.indicator.sector, org_unit=first.org_unit, year=first.year,
                                   period=first.period, user=user)
        outcomes = report_values_save(
            report=report, user=user, values={row.indicator.code: row.value for row in rows},
            comments={row.indicator.code: row.comment for row in rows if row.comment is not None},
            sources={row.indicator.code: row.source for row in rows if row.source is not None},
            change_reason=channel.change_reason, base_version=channel.base_versions.get(report.pk))
    except PermissionDenied as error:
        return [ValueSetConflict(row.line, "indicator", str(error)) for row in rows]
    except ValidationError as error:
        by_code = getattr(error, "error_dict", {})
        lines = {row.indicator.code: row.line for row in rows}
        conflicts = [ValueSetConflict(lines.get(code, first.line), "value", message)
                     for code, errors in by_code.items() for message in ValidationError(errors).messages]
        return conflicts or [ValueSetConflict(first.line, "", message) for message in error.messages]
    for outcome in ("created", "updated", "unchanged"):
        counts[outcome] += outcomes[outcome]
    return []


def _write(rows: list[ValueRow], user, counts: dict[str, int], channel: _Channel) -> list[ValueSetConflict]:
    groups: dict[tuple[int, int, int, int], list[ValueRow]] = defaultdict(list)
    for row in rows:
        groups[row.report_key].append(row)
    reports = {(r.sector_id, r.org_unit_id, r.year, r.period): r for r in YearlyReport.objects.filter(
        year__in={row.year for row in rows}, org_unit_id__in={row.org_unit.pk for row in rows})}
    conflicts = [conflict for key, group in groups.items()
                 for conflict in _report_conflicts(group, reports.get(key), user)]
    if conflicts:
        return conflicts
    for key, group in sorted(groups.items()):
        conflicts += _save_group(group, reports.get(key), user, counts, channel)
    return conflicts


@transaction.atomic
def value_set_save(*, rows: list[ValueRow], errors: list[RowError], user, dry_run: bool,
                   conflicts: Sequence[ValueSetConflict] = (), change_reason: str = CHANNEL_API,
                   base_versions: Mapping[int, int] | None = None) -> ValueSetResult:
    """Write checked rows (value_rows_from_csv/_records/_file) as ``user``; any
    conflict, passed in or found here, leaves everything as it was. With
    ``base_versions`` (report id → report_values_version when the user looked),
    a report whose figures changed since is refused (ReportChangedError's message)."""
    counts = dict.fromkeys(COUNT_NAMES, 0)
    found = list(conflicts) + [ValueSetConflict(error.line, error.field, error.message) for error in errors]
    try:
        with transaction.atomic():
            channel = _Channel(change_reason, base_versions or {})
            found += _write(rows, user, counts, channel) if rows else []
            if found or dry_run:
                raise _RollBack
    except _RollBack:
        pass
    if found:
        lines = {row.line for row in rows} | {conflict.index for conflict in found}
        counts = {**dict.fromkeys(COUNT_NAMES, 0), "ignored": len(lines)}
    found.sort(key=lambda conflict: conflict.index)
    return ValueSetResult(dry_run=dry_run, counts=counts, conflicts=found)


def value_set_save_csv(*, content: bytes, user, dry_run: bool) -> ValueSetResult:
    rows, errors = value_rows_from_csv(content)
    return value_set_save(rows=rows, errors=errors, user=user, dry_run=dry_run)


def value_set_save_entries(*, entries: Sequence[Mapping], user, dry_run: bool) -> ValueSetResult:
    records, conflicts = value_set_records(entries)
    rows, errors = value_rows_from_records(records)
    without_comment = {index for index, record in records if "comment" not in record}
    without_source = {index for index, record in records if "source" not in record}
    for row in rows:
        row.comment = None if row.line in without_comment else row.comment
        row.source = None if row.line in without_source else row.source
    result = value_set_save(rows=rows, errors=errors, user=user, dry_run=dry_run, conflicts=conflicts)
    with_period = {index for index, entry in enumerate(entries) if "period" in entry}
    for conflict in result.conflicts:
        if conflict.field == "year" and conflict.index in with_period:
            conflict.field = "period"  # the name the client used for the report's period
    return result
