"""The report's opening summary, written from the data: how many targets are
achieved (and where the others stand), the largest changes on last year, the
units that lag, and the milestones. Every sentence is a translatable string."""

from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kpis.export.formatting import indicator_value
from kpis.export.selectors import ReportData
from kpis.formatting import figure, is_percent_unit, unit_name
from kpis.milestones import is_overdue, is_status_outdated
from kpis.models import ComparisonOperator, MilestoneStatus, ProgressStatus, ValueType
from kpis.rules import PROGRESS_ORDER, milestone_is_open

MAX_CHANGES = 3
MAX_LAGGING = 3

_STATUS_ORDER = tuple(status for status in PROGRESS_ORDER if status != ProgressStatus.NO_DATA)


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return _("%(head)s và %(last)s") % {"head": ", ".join(parts[:-1]), "last": parts[-1]}


def _status_phrase(status: str, count: int) -> str:
    phrases = {
        ProgressStatus.ACHIEVED: ngettext("%(n)s chỉ tiêu đã đạt", "%(n)s chỉ tiêu đã đạt", count),
        ProgressStatus.ON_TRACK: ngettext("%(n)s chỉ tiêu đúng tiến độ", "%(n)s chỉ tiêu đúng tiến độ", count),
        ProgressStatus.NEEDS_ACCELERATION: ngettext("%(n)s chỉ tiêu cần đẩy nhanh",
                                                    "%(n)s chỉ tiêu cần đẩy nhanh", count),
        ProgressStatus.LIMITED_PROGRESS: ngettext("%(n)s chỉ tiêu tiến triển chậm",
                                                  "%(n)s chỉ tiêu tiến triển chậm", count),
        ProgressStatus.DETERIORATION: ngettext("%(n)s chỉ tiêu đi xuống", "%(n)s chỉ tiêu đi xuống", count),
        ProgressStatus.NOT_ACHIEVED: ngettext("%(n)s chỉ tiêu không đạt", "%(n)s chỉ tiêu không đạt", count),
    }
    return phrases[status] % {"n": count}


def _figures_sentence(data: ReportData) -> str:
    with_value = [row for row in data.rows if row.has_value]
    sectors = {section.sector.pk for section in data.sections if any(r.has_value for r in section.rows)}
    if not with_value:
        return _("Năm %(year)s chưa có số liệu chính thức (đã duyệt) của %(unit)s.") % {
            "year": data.year, "unit": data.unit_name(data.org_unit, in_sentence=True)}
    return ngettext(
        "Năm %(year)s, %(unit)s có số liệu chính thức (đã duyệt) của %(n)s chỉ tiêu thuộc %(sectors)s lĩnh vực.",
        "Năm %(year)s, %(unit)s có số liệu chính thức (đã duyệt) của %(n)s chỉ tiêu thuộc %(sectors)s lĩnh vực.",
        len(with_value),
    ) % {"year": data.year, "unit": data.unit_name(data.org_unit, in_sentence=True), "n": len(with_value),
         "sectors": len(sectors)}


def _targets_sentence(data: ReportData) -> str:
    targeted = [row for row in data.rows if row.target is not None]
    if not targeted:
        return _("Chưa có chỉ tiêu nào được giao mục tiêu cho năm %(year)s hoặc các năm sau.") % {"year": data.year}
    counts = {status: sum(1 for row in targeted if row.status == status) for status in _STATUS_ORDER}
    parts = [_status_phrase(status, count) for status, count in counts.items() if count]
    if not counts[ProgressStatus.ACHIEVED]:
        parts.insert(0, _("chưa có chỉ tiêu nào đạt mục tiêu"))
    too_few = sum(1 for row in targeted if row.status == ProgressStatus.NO_DATA and row.has_value)
    missing = sum(1 for row in targeted if not row.has_value)
    if too_few:
        parts.append(ngettext("%(n)s chỉ tiêu chưa đủ số liệu để đánh giá tiến độ",
                              "%(n)s chỉ tiêu chưa đủ số liệu để đánh giá tiến độ", too_few) % {"n": too_few})
    if missing:
        parts.append(ngettext("%(n)s chỉ tiêu chưa có số liệu năm %(year)s",
                              "%(n)s chỉ tiêu chưa có số liệu năm %(year)s", missing)
                     % {"n": missing, "year": data.year})
    return ngettext("Trong %(n)s chỉ tiêu có mục tiêu: %(parts)s.",
                    "Trong %(n)s chỉ tiêu có mục tiêu: %(parts)s.", len(targeted)) % {
        "n": len(targeted), "parts": _join(parts)}


def _changes_sentence(data: ReportData) -> str:
    changed = [row for row in data.rows if row.change is not None and row.change != 0
               and row.change_pct is not None and row.indicator.value_type != ValueType.YES_NO]
    if not changed:
        return _("Chưa có chỉ tiêu nào có số liệu của cả hai năm %(last)s và %(year)s để so sánh.") % {
            "last": data.year - 1, "year": data.year}
    return _("So với năm %(last)s, thay đổi lớn nhất: %(parts)s.") % {
        "last": data.year - 1, "parts": "; ".join(_change_parts(changed))}


def _change_parts(changed: list) -> list[str]:
    """The largest changes, each as a phrase: "Số trạm BTS tăng 33 trạm (3,6%), lên 933 trạm"."""
    changed = sorted(changed, key=lambda row: (-abs(row.change_pct), row.indicator.code))
    parts = []
    for row in changed[:MAX_CHANGES]:
        percent = is_percent_unit(row.indicator.unit)
        unit = f" {unit_name(row.indicator)}" if unit_name(row.indicator) and not percent else ""
        percent_sign = row.indicator.unit if percent else ""
        values = {
            "name": row.indicator.name,
            "change": figure(abs(row.change), row.indicator.decimals) + (percent_sign and _(" điểm %")) + unit,
            "pct": figure(abs(row.change_pct), 1),
            "value": indicator_value(row.indicator, row.value) + percent_sign + unit,
        }
        template = (_("%(name)s tăng %(change)s (%(pct)s%%), lên %(value)s") if row.change > 0
                    else _("%(name)s giảm %(change)s (%(pct)s%%), còn %(value)s"))
        parts.append(template % values)
    return parts


def _lagging_sentence(data: ReportData) -> str | None:
    if not data.children:
        return None
    if not data.unit_gaps:
        return _("Chưa đủ số liệu năm %(year)s của các đơn vị cấp dưới để so sánh.") % {"year": data.year}
    lagging = [gap for gap in data.unit_gaps if gap[1]]
    if not lagging:
        return _("Không có đơn vị cấp dưới nào chưa bằng mức chung ở các chỉ tiêu so sánh được.")
    parts = [
        ngettext("%(unit)s (chưa bằng mức chung ở %(behind)s/%(compared)s chỉ tiêu)",
                 "%(unit)s (chưa bằng mức chung ở %(behind)s/%(compared)s chỉ tiêu)", behind)
        % {"unit": data.unit_name(unit, in_sentence=True), "behind": behind, "compared": compared}
        for unit, behind, compared in lagging[:MAX_LAGGING]
    ]
    return _("Các đơn vị còn chậm so với mức chung của %(parent)s: %(parts)s.") % {
        "parent": data.unit_name(data.org_unit, in_sentence=True), "parts": "; ".join(parts)}


def _milestones_sentence(data: ReportData) -> str | None:
    if not data.milestones:
        return None
    done = sum(1 for m in data.milestones if m.status == MilestoneStatus.DONE and m.due.year <= data.year)
    open_ = sum(1 for m in data.milestones if milestone_is_open(m.status))
    # Overdue as the report's year begins: open and due in an earlier year, unless the status is
    # older than the due date (then nobody knows it was late: kpis.milestones).
    year_start = date(data.year, 1, 1)
    overdue = sum(1 for m in data.milestones
                  if is_overdue(due=m.due, status=m.status, status_as_of=m.status_as_of, on=year_start))
    outdated = sum(1 for m in data.milestones
                   if is_status_outdated(due=m.due, status=m.status, status_as_of=m.status_as_of, on=year_start))
    parts = []
    if done:
        parts.append(ngettext("%(n)s nhiệm vụ đã hoàn thành", "%(n)s nhiệm vụ đã hoàn thành", done) % {"n": done})
    if open_:
        parts.append(ngettext("%(n)s nhiệm vụ đang hoặc chưa triển khai",
                              "%(n)s nhiệm vụ đang hoặc chưa triển khai", open_) % {"n": open_})
    if overdue:
        parts.append(ngettext("%(n)s nhiệm vụ đã quá hạn", "%(n)s nhiệm vụ đã quá hạn", overdue) % {"n": overdue})
    if outdated:
        parts.append(ngettext("%(n)s nhiệm vụ đã qua hạn nhưng không có thông tin mới từ trước hạn",
                              "%(n)s nhiệm vụ đã qua hạn nhưng không có thông tin mới từ trước hạn",
                              outdated) % {"n": outdated})
    if not parts:
        return None
    return _("Về các nhiệm vụ trọng tâm: %(parts)s.") % {"parts": _join(parts)}


# --- a half-year's report: the same paragraphs, about the period; targets are the year's,
# compared with the figure from the year's start (no progress status of their own).


def _period_figures_sentence(data: ReportData) -> str:
    with_value = [row for row in data.rows if row.has_value]
    sectors = {section.sector.pk for section in data.sections if any(r.has_value for r in section.rows)}
    period = data.period.label
    if not with_value:
        return _("%(period)s chưa có số liệu chính thức (đã duyệt) của %(unit)s.") % {
            "period": period[:1].upper() + period[1:], "unit": data.unit_name(data.org_unit, in_sentence=True)}
    return ngettext(
        "%(period)s, %(unit)s có số liệu chính thức (đã duyệt) của %(n)s chỉ tiêu thuộc %(sectors)s lĩnh vực.",
        "%(period)s, %(unit)s có số liệu chính thức (đã duyệt) của %(n)s chỉ tiêu thuộc %(sectors)s lĩnh vực.",
        len(with_value),
    ) % {"period": period[:1].upper() + period[1:], "unit": data.unit_name(data.org_unit, in_sentence=True),
         "n": len(with_value), "sectors": len(sectors)}


def _reached(row) -> bool:
    """The year-to-date figure already meets a "at least" target of the year (a flow or a
    level can only be said to have reached a minimum before the year ends)."""
    return (row.target is not None and row.to_date is not None and row.target.operator == ComparisonOperator.GTE
            and row.to_date >= row.target.value)


def _period_targets_sentence(data: ReportData) -> str:
    targeted = [row for row in data.rows if row.target is not None]
    if not targeted:
        return _("Chưa có chỉ tiêu nào trong báo cáo được giao mục tiêu cho năm %(year)s.") % {"year": data.year}
    reached = sum(1 for row in targeted if _reached(row))
    return ngettext(
        "Trong %(n)s chỉ tiêu có mục tiêu năm %(year)s, %(reached)s chỉ tiêu có số lũy kế từ đầu năm đã đạt "
        "mục tiêu tối thiểu của cả năm.",
        "Trong %(n)s chỉ tiêu có mục tiêu năm %(year)s, %(reached)s chỉ tiêu có số lũy kế từ đầu năm đã đạt "
        "mục tiêu tối thiểu của cả năm.", len(targeted)) % {"n": len(targeted), "year": data.year, "reached": reached}


def _period_changes_sentence(data: ReportData) -> str:
    changed = [row for row in data.rows if row.change is not None and row.change != 0
               and row.change_pct is not None and row.indicator.value_type != ValueType.YES_NO]
    earlier = data.period.a_year_earlier().label
    if not changed:
        return _("Chưa có chỉ tiêu nào có số liệu của cả %(earlier)s và %(period)s để so sánh.") % {
            "earlier": earlier, "period": data.period.label}
    return _("So với %(earlier)s, thay đổi lớn nhất: %(parts)s.") % {
        "earlier": earlier, "parts": "; ".join(_change_parts(changed))}


def _period_lagging_sentence(data: ReportData) -> str | None:
    if data.children and not data.unit_gaps:
        return _("Chưa đủ số liệu %(period)s của các đơn vị cấp dưới để so sánh.") % {"period": data.period.label}
    return _lagging_sentence(data)


def summary_paragraphs(data: ReportData) -> list[str]:
    """The summary, one string per paragraph."""
    if not data.is_yearly:
        paragraphs = [" ".join([_period_figures_sentence(data), _period_targets_sentence(data)]),
                      _period_changes_sentence(data)]
        for sentence in (_period_lagging_sentence(data), _milestones_sentence(data)):
            if sentence:
                paragraphs.append(sentence)
        return paragraphs
    first = " ".join([_figures_sentence(data), _targets_sentence(data)])
    paragraphs = [first, _changes_sentence(data)]
    for sentence in (_lagging_sentence(data), _milestones_sentence(data)):
        if sentence:
            paragraphs.append(sentence)
    return paragraphs
