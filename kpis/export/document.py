"""The report as text: every heading, sentence and table cell as it will read,
built once from ReportData and shared by the PDF and DOCX renderers, so the
two always say the same thing."""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kpis.cutoffs import grouped_span
from kpis.export import formatting as fmt
from kpis.export.selectors import (
    IndicatorRow,
    ReportData,
    SectorSection,
    TrendSeries,
    UnitComparison,
)
from kpis.export.summary import summary_paragraphs
from kpis.milestones import is_status_outdated
from kpis.models import Milestone, ProgressStatus


@dataclass
class Row:
    number: str
    name: str
    unit: str
    value: str
    previous: str
    change: str
    target: str
    target_year: str
    status: str
    achievement: str


@dataclass
class Table:
    heading: str
    rows: list[Row]
    notes: list[str] = field(default_factory=list)


@dataclass
class Chart:
    caption: str
    kind: str  # "trend" or "comparison"
    data: TrendSeries | UnitComparison

    @property
    def description(self) -> str:
        """The chart in words, for a screen reader (the PDF's alternative text)."""
        indicator = self.data.indicator
        if self.kind == "trend":
            points = [f"{year}: {fmt.indicator_value(indicator, value)}" for year, value in self.data.points]
            target = self.data.target
            if target is not None:
                points.append(_("mục tiêu năm %(year)s: %(target)s") % {
                    "year": target.year, "target": fmt.target_text(indicator, target)})
        else:
            points = [f"{unit.name}: {fmt.indicator_value(indicator, value)}" for unit, value in self.data.values]
        return f"{self.caption}. " + "; ".join(points) + "."


@dataclass
class SourceEntry:
    """One line of the sources annex: an indicator of the tables, where its
    figures come from, and what its figure of the period was entered with."""

    number: int
    indicator_id: int
    name: str
    source: str
    value_note: str


@dataclass
class MilestoneRow:
    number: str
    title: str
    sector: str
    due: str
    status: str
    completed: str


@dataclass
class AnnexPart:
    heading: str
    tables: list[Table]
    empty_text: str = ""


@dataclass
class Document:
    data: ReportData
    title: str
    subject: str
    place_date: str
    summary: list[str]
    data_note: str
    columns: list[str]
    tables: list[Table]
    charts: list[Chart]
    milestone_columns: list[str]
    milestones: list[MilestoneRow]
    annex_title: str
    annex_subtitle: str
    annex: list[AnnexPart]
    headings: dict[str, str]
    recipients_label: str
    file_title: str
    sources: list[SourceEntry] = field(default_factory=list)
    sources_title: str = ""

    @property
    def header(self):
        return self.data.header


RECONSTRUCTED_MARK = "†"


def _reconstructed_note(rows: list[IndicatorRow]) -> str:
    """Said once under a table with a reconstructed figure (docs/boundaries.md)."""
    note = _("(†) Số liệu dựng lại: cộng từ các đơn vị trước khi sáp nhập.")
    if any(row.previous_reconstructed and row.change is not None for row in rows):
        note += " " + _("Tăng, giảm của năm đầu tiên sau sáp nhập được tính so với số liệu dựng lại này.")
    return note


def _row(number: int, row: IndicatorRow, marks: str, *, yearly: bool = True) -> Row:
    indicator = row.indicator
    value = fmt.indicator_value(indicator, row.value)
    if row.has_value and not row.is_complete:
        value += "*"
    if row.has_value and row.reconstructed:
        value += RECONSTRUCTED_MARK
    previous = fmt.indicator_value(indicator, row.previous)
    if previous and row.previous_reconstructed:
        previous += RECONSTRUCTED_MARK
    return Row(
        number=str(number),
        name=indicator.name + marks,
        unit=fmt.unit_label(indicator),
        value=value or "–",
        previous=previous or "–",
        change=fmt.change_text(indicator, row.change, row.change_pct),
        target=fmt.target_text(indicator, row.target),
        target_year=f"({fmt.target_year_text(row.target)})" if row.target else "",
        status=fmt.status_label(row.status, row.has_value) if yearly else _to_date_text(row),
        achievement=(fmt.achievement_text(row.achievement_pct) if row.status != ProgressStatus.ACHIEVED else ""
                     ) if yearly else fmt.achievement_text(row.to_date_pct),
    )


def _to_date_text(row: IndicatorRow) -> str:
    """A half-year's last column: the figure from the year's start (its share of the year's target below)."""
    return fmt.indicator_value(row.indicator, row.to_date) or ("–" if row.target is not None else "")


def _table(heading: str, section: SectorSection, *, yearly: bool = True,
           source_numbers: dict[int, int] | None = None) -> Table:
    rows, notes = [], []
    for number, row in enumerate(section.rows, start=1):
        marks = ""
        if row.definition_note:
            notes.append(f"({len(notes) + 1}) {row.definition_note}")
            marks = f" ({len(notes)})"
        if (source_numbers or {}).get(row.indicator.pk):
            marks += f" [{source_numbers[row.indicator.pk]}]"
        rows.append(_row(number, row, marks, yearly=yearly))
    if any(row.has_value and not row.is_complete for row in section.rows):
        notes.append(_("(*) Số liệu tổng hợp khi chưa đủ báo cáo đã duyệt của các đơn vị cấp dưới."))
    if any((row.has_value and row.reconstructed) or (row.previous is not None and row.previous_reconstructed)
           for row in section.rows):
        notes.append(_reconstructed_note(section.rows))
    return Table(heading=heading, rows=rows, notes=notes)


def _subject(data: ReportData) -> str:
    if data.is_yearly:
        subject = _("Kết quả thực hiện các chỉ tiêu chuyển đổi số năm %(year)s") % {"year": data.year}
    else:
        subject = _("Kết quả %(period)s thực hiện các chỉ tiêu chuyển đổi số") % {"period": data.period.label}
    if data.names_unit:
        subject += " " + _("của %(unit)s") % {"unit": data.unit_name(data.org_unit, in_sentence=True)}
    if data.sector is not None:
        subject += ", " + _("lĩnh vực %(sector)s") % {"sector": data.sector_name(data.sector)}
    return subject


def _data_note(data: ReportData) -> str:
    note = _yearly_data_note(data)
    if data.is_yearly:
        return note
    if data.data_bounds:
        note = " ".join([note, _("Số liệu tính %(span)s (thời gian chốt số liệu của báo cáo định kỳ).") % {
            "span": grouped_span(data.data_bounds, data.sector_name)}])
    return " ".join([note, _(
        "Báo cáo 6 tháng gồm các chỉ tiêu theo dõi theo kỳ ngắn hơn năm (6 tháng, quý, tháng); các chỉ tiêu "
        "chỉ theo dõi theo năm có trong báo cáo năm. Cột “Lũy kế từ đầu năm” là số từ đầu năm đến hết kỳ "
        "báo cáo (với chỉ tiêu thời điểm: số cuối kỳ), so với mục tiêu của cả năm.")])


def _yearly_data_note(data: ReportData) -> str:
    if data.last_recompute is None:
        return _("Số liệu trong báo cáo là số liệu chính thức (đã duyệt) của hệ thống chỉ tiêu chuyển đổi số.")
    moment: datetime = timezone.localtime(data.last_recompute)
    return _("Số liệu trong báo cáo là số liệu chính thức (đã duyệt) của hệ thống chỉ tiêu chuyển đổi số, "
             "tổng hợp lúc %(time)s %(date)s.") % {"time": moment.strftime("%H:%M"),
                                                    "date": fmt.long_date(moment.date())}


def _milestone_status(milestone: Milestone, issued_on: date) -> str:
    """The status, with the date of its source when that is older than the due date
    of a task now past due: the report must not present an old status as current."""
    status = str(milestone.get_status_display())
    if is_status_outdated(due=milestone.due, status=milestone.status, status_as_of=milestone.status_as_of,
                          on=issued_on):
        return _("%(status)s (không có thông tin từ %(date)s)") % {
            "status": status, "date": milestone.status_as_of.strftime("%d/%m/%Y")}
    return status


def _milestone_row(number: int, milestone: Milestone, issued_on: date, sector: str) -> MilestoneRow:
    return MilestoneRow(
        number=str(number), title=milestone.title, sector=sector,
        due=milestone.due.strftime("%d/%m/%Y"), status=_milestone_status(milestone, issued_on),
        completed=milestone.completed_on.strftime("%d/%m/%Y") if milestone.completed_on else "",
    )


def _years(series: TrendSeries) -> str:
    first, last = series.points[0][0], series.points[-1][0]
    return str(first) if first == last else f"{first}–{last}"


def _half_years(data: ReportData, series: TrendSeries) -> str:
    """"6 tháng đầu năm 2021–2025": the same half of each year."""
    label = pgettext("period", "6 tháng đầu năm %(year)s") if data.period.number == 1 \
        else pgettext("period", "6 tháng cuối năm %(year)s")
    return label % {"year": _years(series)}


def _columns(data: ReportData) -> list[str]:
    if data.is_yearly:
        return [_("STT"), _("Chỉ tiêu"), _("Đơn vị tính"), _("Năm %(year)s") % {"year": data.year},
                _("Năm %(year)s") % {"year": data.year - 1}, _("Tăng, giảm"), _("Mục tiêu"), _("Đánh giá")]
    return [_("STT"), _("Chỉ tiêu"), _("Đơn vị tính"), data.period.label, data.period.a_year_earlier().label,
            _("Tăng, giảm"), _("Mục tiêu năm %(year)s") % {"year": data.year}, _("Lũy kế từ đầu năm")]


def _period_words(data: ReportData) -> str:
    """"năm 2025" or "6 tháng đầu năm 2025", inside a sentence."""
    return _("năm %(year)s") % {"year": data.year} if data.is_yearly else data.period.label


def _value_note(row: IndicatorRow, period_label: str) -> str:
    parts = []
    if row.value_comment:
        parts.append(row.value_comment.rstrip("."))
    if row.value_source:
        parts.append(_("nguồn: %(source)s") % {"source": row.value_source.rstrip(".")})
    if not parts:
        return ""
    return _("Số liệu %(period)s: %(note)s.") % {"period": period_label, "note": "; ".join(parts)}


def _sources(data: ReportData) -> list[SourceEntry]:
    """Every indicator of the tables that says where its figures come from, in
    the tables' order: the indicator's source and its figure's comment and source."""
    period_label = _period_words(data) if not data.is_yearly else _("năm %(year)s") % {"year": data.year}
    entries = []
    for row in data.rows:
        note = _value_note(row, period_label)
        if row.indicator.source.strip() or note:
            entries.append(SourceEntry(number=len(entries) + 1, indicator_id=row.indicator.pk, name=row.indicator.name,
                                       source=row.indicator.source.strip(), value_note=note))
    return entries


def build_document(data: ReportData) -> Document:
    yearly = data.is_yearly
    sources = _sources(data)
    numbers = {entry.indicator_id: entry.number for entry in sources}
    tables = [_table(f"{number}. {data.sector_name(section.sector)}", section, yearly=yearly, source_numbers=numbers)
              for number, section in enumerate(data.sections, start=1)]
    charts = []
    for series in data.trends:
        unit = f" ({fmt.unit_label(series.indicator)})" if fmt.unit_label(series.indicator) else ""
        charts.append(Chart(caption=_("%(name)s%(unit)s, %(years)s") % {
            "name": series.indicator.name, "unit": unit,
            "years": _years(series) if yearly else _half_years(data, series)}, kind="trend", data=series))
    for comparison in data.comparisons:
        unit = f" ({fmt.unit_label(comparison.indicator)})" if fmt.unit_label(comparison.indicator) else ""
        if yearly:
            caption = _("%(name)s%(unit)s theo đơn vị, năm %(year)s") % {
                "name": comparison.indicator.name, "unit": unit, "year": data.year}
        else:
            caption = _("%(name)s%(unit)s theo đơn vị, %(period)s") % {
                "name": comparison.indicator.name, "unit": unit, "period": data.period.label}
        charts.append(Chart(caption=caption, kind="comparison", data=comparison))
    for number, chart in enumerate(charts, start=1):
        chart.caption = _("Biểu đồ %(number)s. %(caption)s") % {"number": number, "caption": chart.caption}

    annex = []
    for unit_number, part in enumerate(data.annex, start=1):
        annex.append(AnnexPart(
            heading=data.unit_name(part.org_unit),
            tables=[_table(f"{unit_number}.{number}. {data.sector_name(section.sector)}", section, yearly=yearly)
                    for number, section in enumerate(part.sections, start=1)],
            empty_text=(_("Chưa có số liệu đã duyệt của đơn vị năm %(year)s.") % {"year": data.year} if yearly
                        else _("Chưa có số liệu đã duyệt của đơn vị %(period)s.") % {"period": data.period.label}),
        ))

    place_date = f"{data.header.place}, {fmt.long_date(data.issued_on)}" if data.header.place \
        else fmt.long_date(data.issued_on).capitalize()
    return Document(
        data=data,
        title=_("BÁO CÁO"),
        subject=_subject(data),
        place_date=place_date,
        summary=summary_paragraphs(data),
        data_note=_data_note(data),
        columns=_columns(data),
        tables=tables,
        charts=charts,
        milestone_columns=[_("STT"), _("Nhiệm vụ"), _("Lĩnh vực"), _("Thời hạn"), _("Trạng thái")],
        milestones=[_milestone_row(number, m, data.issued_on, data.sector_name(m.sector))
                    for number, m in enumerate(data.milestones, start=1)],
        annex_title=_("PHỤ LỤC"),
        annex_subtitle=_("Số liệu %(period)s của các đơn vị cấp dưới") % {"period": _period_words(data)}
        if not yearly else _("Số liệu năm %(year)s của các đơn vị cấp dưới") % {"year": data.year},
        annex=annex,
        headings={
            "nation": _("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
            "motto": _("Độc lập - Tự do - Hạnh phúc"),
            "summary": _("TÓM TẮT KẾT QUẢ"),
            "sectors": _("KẾT QUẢ THEO LĨNH VỰC"),
            "charts": _("BIỂU ĐỒ CÁC CHỈ TIÊU CHÍNH"),
            "milestones": _("TIẾN ĐỘ CÁC NHIỆM VỤ TRỌNG TÂM"),
            "no_figures": _("Chưa có số liệu đã duyệt."),
            "no_milestones": _("Không có nhiệm vụ trọng tâm đến hạn hoặc đang triển khai."),
            "annex_ref": _("(Kèm theo báo cáo %(subject)s)") % {"subject": _subject(data)[0].lower()
                                                               + _subject(data)[1:]},
        },
        recipients_label=_("Nơi nhận:"),
        sources=sources,
        sources_title=_("NGUỒN SỐ LIỆU"),
        file_title=(_("Báo cáo – %(subject)s") % {"subject": _subject(data)} if yearly
                    else _("Báo cáo %(subject)s") % {"subject": _subject(data)[0].lower() + _subject(data)[1:]}),
    )


def numbered_headings(document: Document) -> list[tuple[str, str]]:
    """The report's sections in order with Roman numbers: (key, "I. TÓM TẮT KẾT QUẢ")."""
    keys = ["summary", "sectors"]
    if document.charts:
        keys.append("charts")
    keys.append("milestones")
    return [(key, f"{fmt.roman(number)}. {document.headings[key]}") for number, key in enumerate(keys, start=1)]
