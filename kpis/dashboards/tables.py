"""Every table of the dashboards (django-tables2): sortable, paginated, and
exportable to CSV and XLSX with django-tables2's ``TableExport``. Cells show
figures the way the page does (9.391 and 92,7 in Vietnamese); exports carry the
plain number (939, 92.7) so that spreadsheets can compute with them, and no
text cell that could run as a formula (``kpis.spreadsheets``)."""

from decimal import Decimal
from functools import lru_cache
from urllib.parse import urlencode

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import conditional_escape, escape, format_html
from django.utils.http import urlencode as http_urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_tables2.columns.base import LinkTransform
from django_tables2.export import TableExport
from django_tables2.utils import signature

from kpis.dashboards import presentation as p
from kpis.formatting import rounded, vietnamese_order
from kpis.models import ValueType
from kpis.spreadsheets import dataset_xlsx, safe_row

TEMPLATE = "kpis/dashboards/_table.html"
EXPORT_FORMATS = (TableExport.CSV, TableExport.XLSX)
PER_PAGE = 25
UTF8_BOM = "\ufeff"


def url_with(name: str, *args, **params) -> str:
    return url_maker(name, *args)(**params)


def url_maker(name: str, *args):
    """``url_with`` for many links to one page (a link per row): the page's path is reversed once."""
    path = reverse(name, args=args)

    def url(**params) -> str:
        query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
        return path + (f"?{query}" if query else "")

    return url


def plain(value: Decimal | None, decimals: int) -> Decimal | str:
    """A figure for an export: rounded to the indicator's decimals (half up), no grouping."""
    if value is None:
        return ""
    return rounded(value, decimals)


def record_link(record) -> str | None:
    """The cell's link (django-tables2's ``linkify``): the record's ``link``, none when it is empty."""
    return record.get("link") or None


def report_admin_url(report_id: int | None) -> str | None:
    return reverse("admin:kpis_yearlyreport_change", args=[report_id]) if report_id else None


def reconstructed_mark(title: str):
    return format_html('<abbr class="reconstructed" title="{}">{}</abbr>', title, p.RECONSTRUCTED_MARK)


def marked(html, record, name: str, title):
    """``html`` with the reconstructed mark when the record's ``reconstructed``
    names the column. ``title``: the mark's explanation, or a function giving
    it (translated only for the few cells that are marked)."""
    if name in record.get("reconstructed", ()):
        return format_html("{}{}", html, reconstructed_mark(title() if callable(title) else title))
    return html


def badge_html(badge: p.Badge | None):
    if badge is None:
        return "—"
    return format_html('<span class="badge badge--{}">'
                       '<span class="badge__symbol" aria-hidden="true">{}</span> {}</span>',
                       badge.key, badge.symbol, badge.label)


@lru_cache(maxsize=256)
def _status_badge_html(badge, status: str | None, language: str | None):
    """``badge_html`` of a status, once per language: a long table repeats a handful of statuses."""
    return badge_html(badge(status))


class BaseTable(tables.Table):
    class Meta:
        template_name = TEMPLATE

    caption = ""
    stack = False  # on phones, show each row as a block of "header: value" lines

    def __init__(self, *args, caption: str = "", **kwargs):
        # Set here rather than only in Meta: django-tables2 does not inherit Meta.
        kwargs.setdefault("template_name", TEMPLATE)
        kwargs.setdefault("attrs", {"class": "data-table data-table--stack" if self.stack else "data-table"})
        kwargs.setdefault("empty_text", _("Không có dữ liệu."))
        super().__init__(*args, **kwargs)
        self.caption = caption or self.caption

    def reconstructed_note(self) -> str:
        """The note under the table, once, when a figure on this page of it is reconstructed."""
        shown = [row.record.get("reconstructed", ()) for row in self.paginated_rows
                 if isinstance(row.record, dict)]  # rows of objects (milestones) have no figures
        if not any(shown):
            return ""
        return p.reconstructed_note(change=any("change" in names for names in shown))


class PrerenderedBody:
    """A table whose body is rendered in one pass: each column's renderer,
    header and cell attributes looked up once, not per cell as django-tables2
    does (it inspects the renderer's signature and recomputes the attributes
    for every cell: most of the national page's time). Unpaginated, the whole
    table is written here (``html``, through ``{% table_html %}``) rather than
    by ``_table.html``, whose template and context processors cost more than
    the cells. The same HTML as the template; only for tables whose cell
    attributes do not depend on the record, and whose records are dicts."""

    prerendered = True

    def html(self, request) -> str:
        """What ``_table.html`` renders for this unpaginated table."""
        caption = conditional_escape(self.caption)
        label = caption or conditional_escape(_("Bảng số liệu"))
        parts = [f'<div class="table-scroll" role="region" tabindex="0" aria-label="{label}">',
                 f"<table {self.attrs.as_html()}>"]
        if caption:
            parts.append(f"<caption>{caption}</caption>")
        if self.show_header:
            query = dict(request.GET) if request is not None else {}
            parts += ["<thead><tr>", *(self._head_cell(column, query) for column in self.columns), "</tr></thead>"]
        body = self.body_html()
        if not body and self.empty_text:
            body = f'<tr><td colspan="{len(self.columns)}">{conditional_escape(self.empty_text)}</td></tr>'
        parts += ["<tbody>", body, "</tbody></table></div>"]
        note = self.reconstructed_note()
        if note:
            parts.append(f'<p class="muted table-note table-note--reconstructed">{conditional_escape(note)}</p>')
        return mark_safe("".join(parts))

    def _head_cell(self, column, query: dict) -> str:
        header = conditional_escape(column.header)
        ordered = column.is_ordered
        descending = ordered and column.order_by_alias.is_descending
        sort = (f' aria-sort="{"descending" if descending else "ascending"}"') if ordered else ""
        if column.orderable:
            href = escape("?" + http_urlencode({**query, self.prefixed_order_by_field: column.order_by_alias.next},
                                               doseq=True))
            mark = (" ▼" if descending else " ▲") if ordered else " ↕"
            header = (f'<a href="{href}" title="{conditional_escape(_("Sắp xếp theo cột này"))}">{header}'
                      f'<span class="sort-mark" aria-hidden="true">{mark}</span></a>')
        return f'<th scope="col" {column.attrs["th"].as_html()}{sort}>{header}</th>'

    def body_html(self) -> str:
        columns = [self._prepared(column) for column in self.columns]
        rows = []
        for row in self.paginated_rows:
            cells = [self._cell(row, *column) for column in columns]
            rows.append("<tr>" + "".join(cells) + "</tr>")
        return mark_safe("".join(rows))

    def _prepared(self, column) -> tuple:
        names, catch_all = signature(column.render)
        attrs = column.attrs["td"].as_html()
        return (column, names, catch_all, _link_of(column.link), attrs, conditional_escape(column.header),
                column is self.columns[0])

    def _cell(self, row, column, names, catch_all, link, attrs, header, first) -> str:
        value = row.record.get(column.accessor)
        if value in column.column.empty_values:
            content = column.default
        else:
            context = {"value": value, "record": row.record, "column": column.column, "bound_column": column,
                       "bound_row": row, "table": self}
            content = column.render(**(context if catch_all else {name: context[name] for name in names}))
            if link:
                content = link(content, context)
        if first:
            return f'<th scope="row" {attrs}>{conditional_escape(content)}</th>'
        return f'<td {attrs} data-label="{header}">{conditional_escape(content)}</td>'


def _link_of(transform):
    """A column's ``linkify`` as ``link(content, context)``. The common case, a
    function of the record with no other attributes, is called directly: the
    same ``<a href>`` as django-tables2's ``LinkTransform``, without inspecting
    the function's signature for every cell."""
    if not transform:
        return None
    if not (isinstance(transform, LinkTransform) and callable(transform.url) and not transform.attrs):
        return lambda content, context: transform(content, **context)
    names, catch_all = signature(transform.url)
    if catch_all or any(name not in _CELL_CONTEXT for name in names):
        return lambda content, context: transform(content, **context)

    def link(content, context):
        href = transform.url(**{name: context[name] for name in names})
        return content if href is None else format_html('<a href="{}">{}</a>', href, content)

    return link


# What django-tables2 offers a cell's renderer and link.
_CELL_CONTEXT = ("value", "record", "column", "bound_column", "bound_row", "table")


# The reconstructed mark's explanations, per column kind.
_CHANGE_ACROSS_BREAK = _("So với số liệu dựng lại của năm trước")
_STATUS_ACROSS_BREAK = _("Tiến độ tính từ năm gốc có số liệu dựng lại")


class FigureColumn(tables.Column):
    """A figure of the record's indicator; ``decimals``/``value_type`` come from the record."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": "num"}, "th": {"class": "num"}})
        super().__init__(*args, **kwargs)

    def render(self, value, record, bound_column):
        return marked(p.figure(value, record["decimals"], record.get("value_type", "")), record, bound_column.name,
                      p.reconstructed_title)

    def value(self, value, record):
        if record.get("value_type") == ValueType.YES_NO:
            return int(value)
        return plain(value, record["decimals"])


class ChangeColumn(FigureColumn):
    def render(self, value, record, bound_column):
        if record.get("value_type") == ValueType.YES_NO:
            return "—"
        symbol, word = p.change_arrow(value)
        html = format_html('<span class="change"><span aria-hidden="true">{}</span> '
                           '<span class="visually-hidden">{}</span>{}</span>',
                           symbol, word, p.signed(value, record["decimals"]))
        return marked(html, record, bound_column.name, _CHANGE_ACROSS_BREAK)



class BadgeColumn(tables.Column):
    """A status: symbol and word (never colour alone); the word in exports."""

    def __init__(self, *args, badge, **kwargs):
        super().__init__(*args, **kwargs)
        self.badge = badge

    def render(self, value, record, bound_column):
        return marked(_status_badge_html(self.badge, value, get_language()), record, bound_column.name,
                      _STATUS_ACROSS_BREAK)

    def value(self, value):
        badge = self.badge(value)
        return str(badge.label) if badge else ""


# --- overview / sector ----------------------------------------------------------


def _card_reconstructed(card) -> frozenset[str]:
    """The columns of a card's row whose figure is reconstructed (or measured from one)."""
    if card.cell is None:
        return frozenset()
    names = {"value"} if card.cell.reconstructed else set()
    if card.change_across_break:
        names |= {"previous", "change"}
    if card.status_across_break:
        names.add("status")
    return frozenset(names)


def card_records(cards, *, unit_code: str) -> list[dict]:
    return [
        {
            "code": card.indicator.code, "indicator": card.indicator.name, "unit": card.indicator.unit,
            "decimals": card.indicator.decimals, "value_type": card.indicator.value_type,
            "value": card.cell.value if card.cell else None,
            "previous": card.cell.previous_value if card.cell else None,
            "change": card.cell.change if card.cell else None,
            "target": (f"{card.target.symbol} {card.indicator.show(card.target.value)} ({card.target.year})"
                       if card.target else ""),
            "status": card.cell.status if card.cell else None,
            "achievement": card.cell.achievement_pct if card.cell else None,
            "link": url_with("kpis:indicator", card.indicator.code, unit=unit_code, year=card.year),
            "reconstructed": _card_reconstructed(card),
        }
        for card in cards
    ]


class IndicatorValuesTable(BaseTable):
    stack = True
    code = tables.Column(verbose_name=_("Mã"), visible=False)
    indicator = tables.Column(verbose_name=_("Chỉ tiêu"), linkify=record_link)
    unit = tables.Column(verbose_name=_("Đơn vị tính"))
    value = FigureColumn(verbose_name=_("Giá trị"))
    previous = FigureColumn(verbose_name=_("Năm trước"))
    change = ChangeColumn(verbose_name=_("Thay đổi"))
    target = tables.Column(verbose_name=_("Mục tiêu"))
    status = BadgeColumn(verbose_name=_("Đánh giá"), badge=p.progress_badge)
    achievement = tables.Column(verbose_name=_("% mục tiêu"), attrs={"td": {"class": "num"}, "th": {"class": "num"}})

    def render_achievement(self, value):
        return p.number(value, 0) + "%"

    def value_achievement(self, value):
        return plain(value, 1)


# --- indicator page -------------------------------------------------------------


def matrix_records(page) -> list[dict]:
    records = []
    for row in page.matrix:
        record = {
            "code": row.unit.code, "unit_name": row.unit.name, "is_self": row.is_self,
            "decimals": page.indicator.decimals, "value_type": page.indicator.value_type,
            "link": None if row.is_self else url_with("kpis:unit", row.unit.code, year=page.year),
        }
        for year in page.years:
            cell = row.cells.get(year)
            record[f"y{year}"] = cell.value if cell else None
            record[f"p{year}"] = bool(cell and cell.partial)
        record["reconstructed"] = frozenset(f"y{year}" for year, cell in row.cells.items() if cell.reconstructed)
        records.append(record)
    return records


class YearColumn(FigureColumn):
    def __init__(self, year: int, **kwargs):
        super().__init__(verbose_name=str(year), accessor=f"y{year}", **kwargs)
        self.year = year

    def render(self, value, record, bound_column):
        text = super().render(value, record, bound_column)
        if record.get(f"p{self.year}"):
            return format_html('{}<abbr class="partial" title="{}">*</abbr>', text,
                               _("Chưa đủ số liệu của các đơn vị cấp dưới"))
        return text


class MatrixTable(BaseTable):
    code = tables.Column(verbose_name=_("Mã đơn vị"), visible=False)
    unit_name = tables.Column(verbose_name=_("Đơn vị"), linkify=record_link)

    def __init__(self, data, *, years: list[int], **kwargs):
        extra = [(f"y{year}", YearColumn(year)) for year in years]
        super().__init__(data, extra_columns=extra, **kwargs)

    def render_unit_name(self, value, record):
        return format_html("<strong>{}</strong>", value) if record["is_self"] else value

    def value_unit_name(self, value):
        return value


def trend_records(page) -> list[dict]:
    own = page.matrix[0].cells
    line = dict(zip(page.chart_years, page.target_line, strict=False))
    return [
        {"year": year, "value": own[year].value if year in own else None, "target": line.get(year),
         "decimals": page.indicator.decimals, "value_type": page.indicator.value_type,
         "reconstructed": frozenset({"value"} if year in own and own[year].reconstructed else ())}
        for year in page.chart_years
    ]


class TrendTable(BaseTable):
    year = tables.Column(verbose_name=_("Năm"), localize=False)
    value = FigureColumn(verbose_name=_("Giá trị"))
    target = FigureColumn(verbose_name=_("Mục tiêu áp dụng"))

    class Meta(BaseTable.Meta):
        orderable = False


def bar_records(page) -> list[dict]:
    return [
        {"rank": n, "code": bar.unit.code, "unit_name": bar.unit.name, "value": bar.value,
         "decimals": page.indicator.decimals, "value_type": page.indicator.value_type,
         "link": url_with("kpis:unit", bar.unit.code, year=page.year)}
        for n, bar in enumerate(page.bars, start=1)
    ]


class BarTable(BaseTable):
    rank = tables.Column(verbose_name=_("Thứ tự"), attrs={"td": {"class": "num"}, "th": {"class": "num"}})
    code = tables.Column(verbose_name=_("Mã đơn vị"), visible=False)
    unit_name = tables.Column(verbose_name=_("Đơn vị"), linkify=record_link)
    value = FigureColumn(verbose_name=_("Giá trị"))

    class Meta(BaseTable.Meta):
        orderable = False


# --- org-unit page --------------------------------------------------------------


def _profile_reconstructed(cell, unit) -> frozenset[str]:
    """A figure from the units merged into ``unit``; its change is across the break
    when the previous year is before the unit began."""
    if cell is None:
        return frozenset()
    names = {"value"} if cell.reconstructed else set()
    if cell.previous_value is not None and unit.valid_from is not None and cell.year - 1 < unit.valid_from:
        names.add("change")
    return frozenset(names)


def profile_records(profile) -> list[dict]:
    records = []
    for row in profile.rows:
        records.append({
            "sector": row.sector.name, "code": row.indicator.code, "indicator": row.indicator.name,
            "unit": row.indicator.unit, "decimals": row.indicator.decimals,
            "value_type": row.indicator.value_type,
            "value": row.cell.value if row.cell else None,
            "change": row.cell.change if row.cell else None,
            "parent_value": row.parent_cell.value if row.parent_cell else None,
            "rank": row.rank, "ranked": row.ranked,
            "status": row.cell.status if row.cell else None,
            "reconstructed": _profile_reconstructed(row.cell, profile.unit),
            "link": url_with("kpis:indicator", row.indicator.code,
                             unit=profile.unit.code if row.cell else (profile.parent.code if profile.parent else ""),
                             year=profile.year),
        })
    return records


class ProfileTable(BaseTable):
    stack = True
    code = tables.Column(verbose_name=_("Mã"), visible=False)
    indicator = tables.Column(verbose_name=_("Chỉ tiêu"), linkify=record_link)
    sector = tables.Column(verbose_name=_("Lĩnh vực"))
    unit = tables.Column(verbose_name=_("Đơn vị tính"))
    value = FigureColumn(verbose_name=_("Giá trị"))
    change = ChangeColumn(verbose_name=_("So với năm trước"))
    parent_value = FigureColumn(verbose_name=_("Đơn vị cấp trên"))
    rank = tables.Column(verbose_name=_("Xếp hạng"), attrs={"td": {"class": "num"}, "th": {"class": "num"}})
    status = BadgeColumn(verbose_name=_("Đánh giá"), badge=p.progress_badge)

    def __init__(self, data, *, parent_name: str = "", **kwargs):
        super().__init__(data, **kwargs)
        if parent_name:
            self.columns["parent_value"].column.verbose_name = parent_name
        else:
            self.columns.hide("parent_value")
            self.columns.hide("rank")

    def render_rank(self, value, record):
        return format_html('{}<span class="muted">/{}</span>', value, record["ranked"])

    def value_rank(self, value, record):
        return f"{value}/{record['ranked']}"


class ReportsTable(BaseTable):
    stack = True
    sector = tables.Column(verbose_name=_("Lĩnh vực"))
    status = BadgeColumn(verbose_name=_("Trạng thái báo cáo"), badge=p.report_badge)
    when = tables.DateTimeColumn(verbose_name=_("Cập nhật"), format="SHORT_DATETIME_FORMAT")
    link = tables.Column(verbose_name="", orderable=False, exclude_from_export=True, empty_values=(),
                         linkify=lambda record: report_admin_url(record.get("report_id")))

    class Meta(BaseTable.Meta):
        orderable = False

    def __init__(self, data, *, staff: bool = False, **kwargs):
        super().__init__(data, **kwargs)
        if not staff:
            self.columns.hide("link")

    def render_link(self, record):
        return _("Mở báo cáo") if record.get("report_id") else ""


def report_records(lines) -> list[dict]:
    return [{"sector": line.sector.name, "status": line.status, "when": line.when, "report_id": line.report_id}
            for line in lines]


# --- milestones -----------------------------------------------------------------


class MilestoneTable(BaseTable):
    stack = True
    title = tables.Column(verbose_name=_("Nội dung"))
    sector = tables.Column(verbose_name=_("Lĩnh vực"))
    org_unit = tables.Column(verbose_name=_("Đơn vị"))
    due = tables.DateColumn(verbose_name=_("Hạn hoàn thành"), format="SHORT_DATE_FORMAT")
    status = tables.Column(verbose_name=_("Trạng thái"), order_by=("overdue", "status_outdated", "status"))
    status_as_of = tables.DateColumn(verbose_name=_("Trạng thái tính đến"), format="SHORT_DATE_FORMAT")
    completed_on = tables.DateColumn(verbose_name=_("Ngày hoàn thành"), format="SHORT_DATE_FORMAT")
    evidence = tables.Column(verbose_name=_("Minh chứng"), orderable=False, visible=False)  # in the title's
    source = tables.Column(verbose_name=_("Nguồn"), orderable=False, visible=False)  # details; exported

    def render_title(self, value, record):
        if not (record.evidence or record.source):
            return value
        return format_html(
            '{}<details class="cell-details"><summary>{}</summary>{}{}</details>', value, _("Minh chứng và nguồn"),
            format_html("<p>{}</p>", record.evidence) if record.evidence else "",
            format_html('<p class="muted">{}: {}</p>', _("Nguồn"), record.source) if record.source else "")

    def value_title(self, value):
        return value

    def render_status(self, value, record):
        html = badge_html(record.badge)
        if record.overdue_badge:
            html = format_html("{} {}", badge_html(record.overdue_badge), html)
        return html

    def value_due(self, value):
        return value.isoformat()

    def value_status_as_of(self, value):
        return value.isoformat() if value else ""

    def value_completed_on(self, value):
        return value.isoformat() if value else ""

    def value_status(self, value, record):
        label = str(record.badge.label)
        return f"{record.overdue_badge.label}, {label}" if record.overdue_badge else label


# --- completeness ---------------------------------------------------------------


def completeness_records(data, *, year: int, period: str = "") -> list[dict]:
    """``period``: the part of the year shown ("Q3"), kept by the links to the units below."""
    records = []
    for row in data.rows:
        record = {
            "code": row.unit.code, "unit_name": row.unit.name, "is_self": row.is_self,
            "has_children": row.has_children, "expected": row.rate.expected, "approved": row.rate.approved,
            "submitted": row.rate.submitted, "approved_pct": row.rate.approved_pct,
            # Units with units below open their own completeness page.
            "link": (url_with("kpis:completeness", unit=row.unit.code, year=year, period=period)
                     if row.has_children and not row.is_self else None),
        }
        for cell in row.cells:
            record[f"s_{cell.sector.code}"] = cell.status
            record[f"r_{cell.sector.code}"] = cell.report_id
        records.append(record)
    return records


class ReportStatusColumn(tables.Column):
    """A sector's report at each unit; staff follow it to the report."""

    def __init__(self, sector, *, staff: bool, **kwargs):
        report_id = f"r_{sector.code}"
        super().__init__(verbose_name=sector.name, accessor=f"s_{sector.code}",
                         linkify=lambda record: report_admin_url(record.get(report_id)) if staff else None, **kwargs)
        self.sector = sector
        self.staff = staff

    def render(self, value):
        if value == p.NOT_EXPECTED:  # most cells of a wide matrix: keep them quiet
            return format_html('<span aria-hidden="true" class="muted">–</span><span class="visually-hidden">{}</span>',
                               p.report_badge(value).label)
        return badge_html(p.report_badge(value))

    def value(self, value):
        return str(p.report_badge(value).label)


class RateColumn(tables.Column):
    """approved/expected with a native progress bar (no inline style)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": "num rate"}, "th": {"class": "num"}})
        super().__init__(*args, **kwargs)

    def render(self, value, record):
        if not record["expected"]:
            return "—"
        return format_html(
            '<progress max="{}" value="{}" aria-hidden="true"></progress> {}/{} <span class="muted">({}%)</span>',
            record["expected"], record["approved"], record["approved"], record["expected"],
            p.number(value, 0))

    def value(self, value, record):
        return plain(value, 1) if record["expected"] else ""


class CompletenessTable(BaseTable):
    code = tables.Column(verbose_name=_("Mã đơn vị"), visible=False)
    unit_name = tables.Column(verbose_name=_("Đơn vị"), linkify=record_link)
    approved_pct = RateColumn(verbose_name=_("Đã duyệt"))

    def __init__(self, data, *, sectors, staff: bool = False, **kwargs):
        extra = [(f"s_{s.code}", ReportStatusColumn(s, staff=staff)) for s in sectors]
        super().__init__(data, extra_columns=extra, sequence=("code", "unit_name", "approved_pct", "..."),
                         **kwargs)

    def render_unit_name(self, value, record):
        return format_html("<strong>{}</strong>", value) if record["is_self"] else value

    def value_unit_name(self, value):
        return value


def rate_records(data) -> list[dict]:
    return [{"sector": sector.name, "expected": rate.expected, "submitted": rate.submitted,
             "approved": rate.approved, "submitted_pct": rate.submitted_pct, "approved_pct": rate.approved_pct}
            for sector, rate in data.by_sector]


class SectorRateTable(BaseTable):
    stack = True
    sector = tables.Column(verbose_name=_("Lĩnh vực"))
    expected = tables.Column(verbose_name=_("Số báo cáo phải nộp"),
                             attrs={"td": {"class": "num"}, "th": {"class": "num"}})
    submitted = tables.Column(verbose_name=_("Đã gửi"), attrs={"td": {"class": "num"}, "th": {"class": "num"}})
    approved_pct = RateColumn(verbose_name=_("Đã duyệt"))

    class Meta(BaseTable.Meta):
        orderable = False


def _reminded_text(reminders) -> str:
    return "; ".join(
        f"{r.who} {r.sent_on:%d/%m/%Y}" + ("" if r.delivered else " " + str(_("(gửi lỗi)"))) for r in reminders)


def chase_records(chases, *, year: int, reminded: dict | None = None) -> list[dict]:
    """``reminded``: (unit, sector) → who was reminded when (staff only see it)."""
    reminded = reminded or {}
    return [{"unit_name": c.unit.name, "code": c.unit.code, "sector": c.sector.name, "status": c.status,
             "report_id": c.report_id, "link": url_with("kpis:unit", c.unit.code, year=year),
             "reminded": _reminded_text(reminded.get((c.unit.id, c.sector.id), []))} for c in chases]


class ChaseTable(BaseTable):
    stack = True
    unit_name = tables.Column(verbose_name=_("Đơn vị"), linkify=record_link)
    sector = tables.Column(verbose_name=_("Lĩnh vực"))
    status = BadgeColumn(verbose_name=_("Trạng thái"), badge=p.report_badge)
    reminded = tables.Column(verbose_name=_("Đã nhắc (ai, ngày)"), default="—")


def late_records(late, *, year: int, reminded: dict | None = None) -> list[dict]:
    """Reports past their due date and not approved; ``reminded`` as for chase_records."""
    reminded = reminded or {}
    return [{"unit_name": r.unit.name, "code": r.unit.code, "sector": r.sector.name, "status": r.status,
             "report_id": r.report_id, "link": url_with("kpis:unit", r.unit.code, year=year),
             "due_on": r.due_on, "days_late": r.days_late,
             "reminded": _reminded_text(reminded.get((r.unit.id, r.sector.id), []))} for r in late]


class LateTable(BaseTable):
    stack = True
    unit_name = tables.Column(verbose_name=_("Đơn vị"), linkify=record_link)
    sector = tables.Column(verbose_name=_("Lĩnh vực"))
    status = BadgeColumn(verbose_name=_("Trạng thái"), badge=p.report_badge)
    due_on = tables.DateColumn(verbose_name=_("Hạn nộp"), format="d/m/Y")
    days_late = tables.Column(verbose_name=_("Số ngày quá hạn"), attrs={"td": {"class": "num"}, "th": {"class": "num"}})
    reminded = tables.Column(verbose_name=_("Đã nhắc (ai, ngày)"), default="—")


# --- sectors --------------------------------------------------------------------


class SectorIndexTable(BaseTable):
    name = tables.Column(verbose_name=_("Lĩnh vực"), linkify=record_link)
    indicators = tables.Column(verbose_name=_("Số chỉ tiêu"), attrs={"td": {"class": "num"}, "th": {"class": "num"}})
    key = tables.Column(verbose_name=_("Chỉ tiêu chính"), attrs={"td": {"class": "num"}, "th": {"class": "num"}})


class SafeTableExport(TableExport):
    """django-tables2's export with every header and cell through the
    spreadsheet rule: names are data anyone with a role may type."""

    def table_to_dataset(self, table, exclude_columns, dataset_kwargs=None):
        dataset = super().table_to_dataset(table, exclude_columns, dataset_kwargs)
        return type(dataset)(*(safe_row(row) for row in dataset), headers=safe_row(dataset.headers or []),
                             title=dataset.title)

    def export(self):
        if self.format == TableExport.XLSX:
            return dataset_xlsx(self.dataset)  # text typed as text, not guessed by openpyxl
        if self.format == TableExport.CSV:
            # Without the byte-order mark Excel reads UTF-8 as the Windows code page (mojibake).
            return UTF8_BOM + super().export()
        return super().export()


def export_response(table, fmt: str, filename: str):
    """The table as a CSV or XLSX download."""
    exporter = SafeTableExport(fmt, table, dataset_kwargs={"title": filename[:31]})
    return exporter.response(filename=f"{filename}.{fmt}")


# --- national view --------------------------------------------------------------


def _value_only(reconstructed: bool) -> frozenset[str]:
    return frozenset({"value"}) if reconstructed else frozenset()


def national_records(data) -> list[dict]:
    indicator = data.indicator
    indicator_url = url_maker("kpis:indicator", indicator.code)
    records = []
    for row in data.rows:
        cell, target = row.cell, row.target
        records.append({
            "rank": row.rank, "rank_key": row.rank or len(data.rows) + 1, "code": row.unit.code,
            "unit_name": row.unit.name, "unit_key": vietnamese_order(row.unit.name),
            "value": cell.value if cell else None,
            "reconstructed": _value_only(row.reconstructed),
            "decimals": indicator.decimals, "value_type": indicator.value_type,
            "target": f"{target.symbol} {indicator.show(target.value)} ({target.year})" if target else "",
            "status": cell.status if cell else None,
            "complete": (cell.children_count, cell.expected_children, cell.is_complete) if cell else None,
            "complete_key": (cell.children_count / cell.expected_children if cell.expected_children else 1)
            if cell else -1,
            "link": indicator_url(unit=row.unit.code, year=data.year),
        })
    return records


@lru_cache(maxsize=16)
def _complete_html(language: str | None):
    return format_html('<span aria-hidden="true">✓</span> {}', _("Đủ"))


class CompletenessColumn(tables.Column):
    """Whether every unit below sent its figure: a symbol and words, never colour alone."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": "num"}, "th": {"class": "num"}})
        super().__init__(*args, order_by=("complete_key",), **kwargs)

    def render(self, value):
        count, expected, complete = value
        if complete:
            return _complete_html(get_language())
        return format_html('<span aria-hidden="true">!</span> {} <span class="muted">({}/{})</span>',
                           _("Thiếu"), count, expected)

    def value(self, value):
        count, expected, complete = value
        return str(_("Đủ")) if complete else f"{count}/{expected}"


class NationalTable(PrerenderedBody, BaseTable):
    stack = True
    rank = tables.Column(verbose_name=_("Xếp hạng"), order_by=("rank_key",),
                         attrs={"td": {"class": "num"}, "th": {"class": "num"}})
    code = tables.Column(verbose_name=_("Mã đơn vị"), visible=False)
    unit_name = tables.Column(verbose_name=_("Tỉnh/thành phố"), linkify=record_link, order_by=("unit_key",))
    value = FigureColumn(verbose_name=_("Giá trị"))
    target = tables.Column(verbose_name=_("Mục tiêu"), orderable=False)
    status = BadgeColumn(verbose_name=_("Đánh giá"), badge=p.progress_badge)
    complete = CompletenessColumn(verbose_name=_("Đủ số liệu"))

    def __init__(self, data, *, ranked: int, **kwargs):
        super().__init__(data, **kwargs)
        self.ranked = ranked

    def render_rank(self, value):
        return format_html('{}<span class="muted">/{}</span>', value, self.ranked)

    def value_rank(self, value):
        return f"{value}/{self.ranked}"


def national_trend_records(data) -> list[dict]:
    return [{"year": point.year, "value": point.value, "reconstructed": _value_only(point.reconstructed),
             "decimals": data.indicator.decimals, "value_type": data.indicator.value_type}
            for point in data.trend]


class NationalTrendTable(PrerenderedBody, BaseTable):
    year = tables.Column(verbose_name=_("Năm"), localize=False)
    value = FigureColumn(verbose_name=_("Giá trị"))

    class Meta(BaseTable.Meta):
        orderable = False
