"""The public dashboards. Views are thin: check who may see the page, read the
request's filters, call the selectors, render; the page body is cached until
the data changes (see ``kpis.dashboards.cache``)."""

from dataclasses import dataclass, field

from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from django_tables2 import RequestConfig

from kpis.aggregation.version import data_version
from kpis.dashboards import memo
from kpis.dashboards import presentation as p
from kpis.dashboards import selectors as s
from kpis.dashboards import tables as t
from kpis.dashboards.cache import (
    FILTER_PARAMS,
    cached,
    page_key,
    page_query,
    role_variant,
    table_params,
)
from kpis.dashboards.cache import TIMEOUT as CACHE_TIMEOUT
from kpis.dashboards.filters import DashboardFilter, MilestoneFilter, NationalFilter, errors_of
from kpis.due_dates import due_dates_version
from kpis.models import Aggregate, Milestone, MilestoneStatus, OrgUnit, Sector, ValueType
from kpis.notifications.selectors import reminders_of, reminders_version
from kpis.periods import YEAR_PART, Period, PeriodError
from kpis.permissions import can_export_summary, can_see_completeness, can_see_dashboards

# Where a page's per-user actions (the export button) go, between its cached head and body.
ACTIONS_SLOT = "<!-- page-actions -->"


@dataclass
class Fragment:
    """A rendered page body and what the layout around it needs."""

    html: str  # the page's head (title, selectors), then, after ACTIONS_SLOT, its body
    title: str
    nav: str
    year: int | None = None
    unit: tuple | None = None  # (id, code, name, level) of the page's org unit, for the export button
    charts: bool = False  # the page draws charts: load Chart.js

    @property
    def head(self) -> str:
        return self.html.partition(ACTIONS_SLOT)[0] if ACTIONS_SLOT in self.html else ""

    @property
    def body(self) -> str:
        return self.html.partition(ACTIONS_SLOT)[2] if ACTIONS_SLOT in self.html else self.html


@dataclass
class Problem:
    """A request the page cannot answer: shown in the layout, never cached."""

    status: int
    title: str
    messages: list[str] = field(default_factory=list)


class Export(Exception):
    def __init__(self, response: HttpResponse):
        self.response = response


# --- access ---------------------------------------------------------------------


def _denied(request: HttpRequest, allowed: bool) -> HttpResponse | None:
    if allowed:
        return None
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), login_url=reverse("admin:login"))
    return _problem_response(request, Problem(403, _("Bạn không có quyền xem trang này"), [
        _("Trang này dành cho cán bộ có quyền về báo cáo. Hãy liên hệ quản trị hệ thống nếu bạn cần xem.")]))


# --- rendering ------------------------------------------------------------------


def _layout_context(request: HttpRequest, version) -> dict:
    # Kept in the process too: without it, every page not yet cached asks the shared cache (or, with
    # none, the database) for the same two facts.
    identity = memo.remembered("identity", version, lambda: cached(
        f"dash:identity:{version.run_id}:{get_language()}", s.site_identity))
    return {
        "identity": identity, "version": version, "can_see_completeness": can_see_completeness(request.user),
    }


def _problem_response(request: HttpRequest, problem: Problem, version=None) -> HttpResponse:
    version = version or data_version()
    context = {**_layout_context(request, version), "problem": problem, "page_title": problem.title,
               "nav": ""}
    return render(request, "kpis/dashboards/problem.html", context, status=problem.status)


def _dashboard(request: HttpRequest, page: str, build, *, params: tuple[str, ...],
               allowed: bool | None = None, key_extra=None) -> HttpResponse:
    """``params``: every query parameter ``build`` reads; the others are dropped
    before it runs, so they cannot vary the cached page (see cache.py).
    ``key_extra(request)``: what else the page depends on, for its cache key."""
    denied = _denied(request, can_see_dashboards(request.user) if allowed is None else allowed)
    if denied:
        return denied
    version = data_version()
    request.data_version = version  # for the parts of the page kept per process (kpis.dashboards.memo)
    export = request.GET.get("_export")
    if export is not None:
        if export not in t.EXPORT_FORMATS:
            return _problem_response(request, Problem(400, _("Định dạng tải về không hỗ trợ"), [
                _("Chỉ tải được CSV hoặc XLSX.")]), version)
        try:
            result = build(request, export)
        except Export as done:
            return done.response
        if isinstance(result, Problem):
            return _problem_response(request, result, version)
        return _problem_response(request, Problem(400, _("Trang này không có bảng để tải về"), [
            _("Hãy mở trang của một lĩnh vực hoặc một chỉ tiêu để tải bảng số liệu.")]), version)
    request.GET = page_query(request, params)
    key = page_key(page, version, request, *(key_extra(request) if key_extra else ()))
    fragment = cache.get(key)
    if fragment is None:
        fragment = build(request, None)
        if isinstance(fragment, Problem):  # never cached: a typo must not fill the cache
            return _problem_response(request, fragment, version)
        cache.set(key, fragment, CACHE_TIMEOUT)
    context = {
        **_layout_context(request, version), "fragment": fragment, "page_title": fragment.title,
        "nav": fragment.nav,
    }
    if fragment.unit and fragment.year and can_export_summary(request.user):
        unit_id, code, name, level = fragment.unit
        context.update(export_enabled=True, export_year=fragment.year,
                       export_unit=OrgUnit(pk=unit_id, code=code, name=name, level=level))
    return render(request, "kpis/dashboards/page.html", context)


def _fragment(request, template: str, context: dict, *, title: str, nav: str, year=None, unit=None,
              charts: bool = False) -> Fragment:
    html = render_to_string(template, context, request=request)
    unit_tuple = (unit.id, unit.code, unit.name, unit.level) if unit is not None else None
    return Fragment(html=html, title=title, nav=nav, year=year, unit=unit_tuple, charts=charts)


def _configure(request, table, *, paginate: bool = True, per_page: int = t.PER_PAGE):
    RequestConfig(request, paginate={"per_page": per_page} if paginate else False).configure(table)
    return table


def _export(table, fmt: str, filename: str):
    raise Export(t.export_response(table, fmt, filename))


# --- request parameters ---------------------------------------------------------


@dataclass
class Scope:
    year: int | None
    unit: OrgUnit


def _scope(request, *, unit_code: str | None = None) -> Scope | Problem:
    filters = DashboardFilter(request.GET, queryset=Aggregate.objects.none())
    if not filters.is_valid():
        return Problem(400, _("Tham số không hợp lệ"), errors_of(filters))
    year, code = filters.values
    code = unit_code or code
    unit = s.unit_by_code(code) if code else (s.default_unit(year) or s.default_unit())
    if unit is None:
        if code:
            return Problem(404, _("Không tìm thấy đơn vị"), [
                _("Không có đơn vị hành chính nào mang mã “%(code)s”.") % {"code": code}])
        return Problem(404, _("Chưa có dữ liệu"), [_("Chưa có đơn vị hành chính nào trong hệ thống.")])
    return Scope(year, unit)


def _year_choices(unit: OrgUnit, years, year: int) -> list[int]:
    """The years in which ``unit`` exists among ``years``, and the year shown."""
    return sorted({*s.UnitView.of(unit).years_of(years), year}, reverse=True)


def _filters_context(unit: OrgUnit, years: list[int], year: int) -> dict:
    return {"year_choices": _year_choices(unit, years, year), "unit_options": s.unit_options(unit, year),
            "selected_year": year, "selected_unit": unit.code}


# --- pages ----------------------------------------------------------------------


def overview(request: HttpRequest) -> HttpResponse:
    return _dashboard(request, "overview", _build_overview, params=FILTER_PARAMS)


def _build_overview(request, export):
    scope = _scope(request)
    if isinstance(scope, Problem):
        return scope
    years = s.unit_years(scope.unit)
    data = s.overview(scope.unit, scope.year, years)
    context = {"data": data, "ancestors": s.ancestors_of(scope.unit),
               **_filters_context(scope.unit, years, data.year)}
    title = _("Tổng quan %(unit)s năm %(year)s") % {"unit": data.unit.name, "year": data.year}
    return _fragment(request, "kpis/dashboards/overview.html", context, title=title, nav="overview",
                     year=data.year, unit=data.unit)


def sector_index(request: HttpRequest) -> HttpResponse:
    return _dashboard(request, "sectors", _build_sector_index, params=table_params())


def _build_sector_index(request, export):
    records = [{"name": row.sector.name, "code": row.sector.code, "indicators": row.indicators, "key": row.key,
                "link": reverse("kpis:sector", args=[row.sector.code])} for row in s.sector_index()]
    table = _configure(request, t.SectorIndexTable(records, caption=_("Các lĩnh vực")))
    if export:
        _export(table, export, "linh-vuc")
    return _fragment(request, "kpis/dashboards/sectors.html", {"table": table}, title=pgettext("menu", "Lĩnh vực"),
                     nav="sectors")


def sector(request: HttpRequest, code: str) -> HttpResponse:
    return _dashboard(request, f"sector:{code}", lambda r, e: _build_sector(r, e, code),
                      params=FILTER_PARAMS + table_params())


def _build_sector(request, export, code: str):
    found = s.sector_by_code(code)
    if found is None:
        return Problem(404, _("Không tìm thấy lĩnh vực"), [
            _("Không có lĩnh vực nào mang mã “%(code)s”.") % {"code": code}])
    scope = _scope(request)
    if isinstance(scope, Problem):
        return scope
    years = s.unit_years(scope.unit)
    data = s.sector_page(found, scope.unit, scope.year, years)
    table = _configure(request, t.IndicatorValuesTable(
        t.card_records(data.cards, unit_code=scope.unit.code),
        caption=_("%(sector)s: các chỉ tiêu của %(unit)s năm %(year)s")
        % {"sector": data.sector.name, "unit": data.unit.name, "year": data.year}))
    if export:
        _export(table, export, f"{data.sector.code}_{data.unit.code}_{data.year}")
    context = {"data": data, "table": table, **_filters_context(scope.unit, years, data.year)}
    title = _("%(sector)s — %(unit)s năm %(year)s") % {"sector": data.sector.name, "unit": data.unit.name,
                                                        "year": data.year}
    return _fragment(request, "kpis/dashboards/sector.html", context, title=title, nav="sectors")


def indicator(request: HttpRequest, code: str) -> HttpResponse:
    return _dashboard(request, f"indicator:{code}", lambda r, e: _build_indicator(r, e, code),
                      params=FILTER_PARAMS + ("period",) + table_params() + table_params("trend-", paginate=False)
                      + table_params("bars-", paginate=False))


def _build_indicator(request, export, code: str):
    found = s.indicator_by_code(code)
    if found is None:
        return Problem(404, _("Không tìm thấy chỉ tiêu"), [
            _("Không có chỉ tiêu nào mang mã “%(code)s”.") % {"code": code}])
    scope = _scope(request)
    if isinstance(scope, Problem):
        return scope
    try:  # ?period=2025-Q3: that quarter, in its year
        period = Period.parse(request.GET["period"]) if request.GET.get("period") else None
    except PeriodError as error:
        return Problem(400, _("Tham số không hợp lệ"), [f"{_('Kỳ')}: {error}"])
    data = s.indicator_page(found, scope.unit, scope.year, period)
    matrix = _configure(request, t.MatrixTable(
        t.matrix_records(data), years=data.years,
        caption=_("%(indicator)s (%(unit)s) theo đơn vị và năm")
        % {"indicator": data.indicator.name, "unit": data.indicator.unit or "—"}))
    if export:
        _export(matrix, export, f"{data.indicator.code}_{data.unit.code}")
    trend = _configure(request, t.TrendTable(t.trend_records(data), prefix="trend-",
                                             caption=_("Số liệu của biểu đồ xu hướng")), paginate=False)
    bars = _configure(request, t.BarTable(t.bar_records(data), prefix="bars-",
                                          caption=_("Số liệu của biểu đồ so sánh đơn vị")), paginate=False)
    context = {
        "data": data, "matrix": matrix, "trend_table": trend, "bar_table": bars,
        "trend_chart": _trend_chart(data), "bar_chart": _bar_chart(data),
        "period_chart": _period_chart(data) if data.periods else None,
        # The years with quarters or months only (one under way) are offered too.
        **_filters_context(scope.unit, sorted({*data.years, *(data.periods.years if data.periods else ())},
                                              reverse=True), data.year),
    }
    title = _("%(indicator)s — %(unit)s") % {"indicator": data.indicator.name, "unit": data.unit.name}
    return _fragment(request, "kpis/dashboards/indicator.html", context, title=title, nav="sectors",
                     charts=True)


def _number(value) -> float | None:
    return float(value) if value is not None else None


def _trend_chart(data: s.IndicatorPage) -> dict:
    own = data.matrix[0].cells
    chart = {
        "kind": "line", "labels": [str(y) for y in data.chart_years], "decimals": data.indicator.decimals,
        "unit": data.indicator.unit, "yesNo": data.indicator.value_type == ValueType.YES_NO, "yes": _("Có"),
        "no": _("Không"),
        "series": [{"label": data.unit.name, "data": [_number(own[y].value) if y in own else None
                                                      for y in data.chart_years]}],
        "target": None,
    }
    reconstructed = [y in own and own[y].reconstructed for y in data.chart_years]
    if any(reconstructed):  # drawn dashed with hollow points and a legend entry, as on the national view
        chart["series"][0].update(reconstructed=reconstructed,
                                  reconstructedLabel=_("Số liệu dựng lại từ các đơn vị trước sáp nhập"))
    if any(v is not None for v in data.target_line):
        chart["target"] = {"label": _("Mục tiêu"), "data": [_number(v) for v in data.target_line]}
    return chart


def _period_chart(data: s.IndicatorPage) -> dict:
    """The unit's figures by quarter or month (static/js/charts.js formats them the page's way)."""
    panel = data.periods
    return {
        "kind": "line", "labels": panel.trend_labels, "decimals": data.indicator.decimals,
        "unit": data.indicator.unit, "yesNo": data.indicator.value_type == ValueType.YES_NO, "yes": _("Có"),
        "no": _("Không"),
        "series": [{"label": data.unit.name, "data": [_number(point.value) for point in panel.trend]}],
        "target": None,
    }


def _bar_chart(data: s.IndicatorPage) -> dict:
    return {
        "kind": "bar", "labels": [bar.unit.name for bar in data.bars], "decimals": data.indicator.decimals,
        "unit": data.indicator.unit, "yesNo": data.indicator.value_type == ValueType.YES_NO, "yes": _("Có"),
        "no": _("Không"),
        "series": [{"label": str(data.year), "data": [_number(bar.value) for bar in data.bars]}],
    }


def unit(request: HttpRequest, code: str) -> HttpResponse:
    return _dashboard(request, f"unit:{code}", lambda r, e: _build_unit(r, e, code),
                      params=("year",) + table_params() + table_params("r-", paginate=False))


def _build_unit(request, export, code: str):
    scope = _scope(request, unit_code=code)
    if isinstance(scope, Problem):
        return scope
    years = s.unit_years(scope.unit)
    data = s.unit_profile(scope.unit, scope.year, years)
    table = _configure(request, t.ProfileTable(
        t.profile_records(data), parent_name=data.parent.name if data.parent else "",
        caption=_("Các chỉ tiêu của %(unit)s năm %(year)s") % {"unit": data.unit.name, "year": data.year}))
    if export:
        _export(table, export, f"{data.unit.code}_{data.year}")
    staff = role_variant(request.user) == "staff"
    reports = _configure(request, t.ReportsTable(
        t.report_records(data.reports), staff=staff, prefix="r-",
        caption=_("Báo cáo năm %(year)s của %(unit)s") % {"year": data.year, "unit": data.unit.name}),
        paginate=False)
    context = {"data": data, "table": table, "reports": reports,
               "year_choices": _year_choices(scope.unit, years, data.year),
               "selected_year": data.year}
    title = _("%(unit)s năm %(year)s") % {"unit": data.unit.name, "year": data.year}
    return _fragment(request, "kpis/dashboards/unit.html", context, title=title, nav="overview",
                     year=data.year, unit=data.unit)


def milestones(request: HttpRequest) -> HttpResponse:
    return _dashboard(request, "milestones", _build_milestones, params=("sector", "status") + table_params())


def _build_milestones(request, export):
    filters = MilestoneFilter(request.GET, queryset=Milestone.objects.all())
    if not filters.is_valid():
        return Problem(400, _("Tham số không hợp lệ"), errors_of(filters))
    rows = s.milestone_rows(s.milestones_annotated(filters.qs))
    table = _configure(request, t.MilestoneTable(rows, caption=_("Mốc nhiệm vụ, quá hạn trước")))
    if export:
        _export(table, export, "moc-nhiem-vu")
    overdue = sum(1 for row in rows if row.overdue)
    context = {"table": table, "overdue": overdue, "total": len(rows),
               "sectors": [s.SectorView.of(x) for x in Sector.objects.all()],
               "statuses": MilestoneStatus.choices,
               "selected_sector": request.GET.get("sector", ""), "selected_status": request.GET.get("status", "")}
    return _fragment(request, "kpis/dashboards/milestones.html", context, title=_("Mốc nhiệm vụ"),
                     nav="milestones")


def completeness(request: HttpRequest) -> HttpResponse:
    return _dashboard(request, "completeness", _build_completeness,
                      params=FILTER_PARAMS + ("period",) + table_params() + table_params("rates-", paginate=False)
                      + table_params("c1-") + table_params("c2-") + table_params("c3-"),
                      allowed=can_see_completeness(request.user), key_extra=_completeness_key)


def _completeness_key(request) -> tuple[str, ...]:
    """Late reports depend on today and on the due dates an administrator sets (no query); staff
    see who was reminded when: a new reminder shows at once (one more query, for them only)."""
    extra = (f"d{timezone.localdate().isoformat()}", f"due{due_dates_version()}")
    return extra + ((f"r{reminders_version()}",) if role_variant(request.user) == "staff" else ())


def _completeness_period(request, year: int | None) -> tuple[int | None, int] | Problem:
    """(year, part) from ``?period=``: a part of the chosen year ("H1", "Q3", "07") as the
    selector sends it, or a whole code ("2025-Q3", whose year wins); none or empty: the year."""
    text = (request.GET.get("period") or "").strip()
    if not text:
        return year, YEAR_PART
    try:
        period = Period.parse(text) if "-" in text or len(text) == 4 else None
        if period is None:
            if year is None:
                raise PeriodError(_("Hãy chọn năm của kỳ “%(text)s”, ví dụ ?year=2025&period=%(text)s.")
                                  % {"text": text[:8]})
            period = Period.parse(f"{year}-{text}")
    except PeriodError as error:
        return Problem(400, _("Tham số không hợp lệ"), [_("Kỳ báo cáo: %(error)s") % {"error": error}])
    return period.year, period.part


def _build_completeness(request, export):
    scope = _scope(request)
    if isinstance(scope, Problem):
        return scope
    chosen = _completeness_period(request, scope.year)
    if isinstance(chosen, Problem):
        return chosen
    data = s.completeness(scope.unit, *chosen)
    staff = role_variant(request.user) == "staff"
    yearly = data.period.is_year
    caption = (_("Báo cáo năm %(year)s theo đơn vị và lĩnh vực") % {"year": data.year} if yearly
               else _("Báo cáo %(period)s theo đơn vị và lĩnh vực") % {"period": data.period_label})
    table = _configure(request, t.CompletenessTable(
        t.completeness_records(data, year=data.year, period=data.period_part_code), sectors=data.sectors,
        staff=staff, caption=caption))
    if export:
        _export(table, export, f"tien-do-bao-cao_{data.unit.code}_{data.period_code or data.year}")
    rates = _configure(request, t.SectorRateTable(t.rate_records(data), prefix="rates-",
                                                  caption=_("Tỷ lệ theo lĩnh vực")), paginate=False)
    # Who was reminded is about people: staff only (the page may be public).
    reminded = reminders_of([row.unit.id for row in data.rows], data.year, data.period.part) if staff else {}
    hidden = () if staff else ("reminded",)
    to_submit = _configure(request, t.ChaseTable(t.chase_records(data.to_submit, year=data.year, reminded=reminded),
                                                 prefix="c1-", caption=_("Chưa gửi báo cáo"), exclude=hidden),
                           per_page=10)
    to_approve = _configure(request, t.ChaseTable(t.chase_records(data.to_approve, year=data.year,
                                                                  reminded=reminded),
                                                  prefix="c2-", caption=_("Đang chờ duyệt"), exclude=hidden),
                            per_page=10)
    late = _configure(request, t.LateTable(t.late_records(data.late, year=data.year, reminded=reminded),
                                           prefix="c3-", caption=_("Báo cáo quá hạn"), exclude=hidden),
                      per_page=20)
    context = {"data": data, "table": table, "rates": rates, "to_submit": to_submit, "to_approve": to_approve,
               "late": late, "legend": p.report_legend(),
               "year_choices": _year_choices(scope.unit, data.years, data.year),
               "unit_options": s.unit_options(scope.unit, data.year),
               "period_choices": data.period_choices if len(data.period_choices) > 1 else [],
               "selected_period": data.period_part_code,
               "selected_year": data.year, "selected_unit": scope.unit.code}
    title = (_("Tiến độ báo cáo năm %(year)s — %(unit)s") % {"year": data.year, "unit": data.unit.name} if yearly
             else _("Tiến độ báo cáo %(period)s — %(unit)s") % {"period": data.period_label, "unit": data.unit.name})
    return _fragment(request, "kpis/dashboards/completeness.html", context, title=title, nav="completeness")


def national(request: HttpRequest) -> HttpResponse:
    return _dashboard(request, "national", _build_national,
                      params=FILTER_PARAMS + ("indicator",) + table_params(paginate=False))


@dataclass(frozen=True)
class NationalParts:
    """What every national view of a data version shares (kept per process: kpis.dashboards.memo)."""

    frame: s.NationalFrame
    indicator_choices: p.SelectOptions
    trend_unit_choices: p.SelectOptions


def _national_parts() -> NationalParts | None:
    """Five queries (root, indicators, sectors, provinces, targets). None
    without a country (not remembered: a country added shows at once)."""
    root = s.country_root()
    if root is None:
        return None
    frame = s.national_frame(root, s.indicator_views())
    return NationalParts(frame, p.indicator_choices(frame.indicator_groups),
                         p.trend_unit_choices([frame.root, *frame.provinces]))


def _national_data(request, parts: NationalParts | None) -> s.NationalView | Problem:
    filters = NationalFilter(request.GET, queryset=Aggregate.objects.none())
    if not filters.is_valid():
        return Problem(400, _("Tham số không hợp lệ"), errors_of(filters))
    year, unit_code = filters.values
    if parts is None:
        return Problem(404, _("Chưa có cấp quốc gia"), [
            _("Trang toàn quốc cần một đơn vị cấp quốc gia có các tỉnh, thành phố trực thuộc.")])
    found = s.national_indicator(filters.indicator_code, list(parts.frame.indicators))
    if found is None:
        return Problem(404, _("Không tìm thấy chỉ tiêu"), [
            _("Không có chỉ tiêu nào mang mã “%(code)s”.") % {"code": filters.indicator_code or ""}])
    data = s.national_view_in(parts.frame, found, year, unit_code)
    if data is None:
        return Problem(404, _("Không tìm thấy đơn vị"), [
            _("“%(code)s” không phải %(root)s hay một tỉnh, thành phố của nó.") % {
                "code": unit_code, "root": parts.frame.root.name}])
    return data


def _build_national(request, export):
    parts = memo.remembered("national", request.data_version, _national_parts)
    data = _national_data(request, parts)
    if isinstance(data, Problem):
        return data
    caption = _("%(indicator)s của các tỉnh, thành phố năm %(year)s") % {"indicator": data.indicator.name,
                                                                      "year": data.year}
    table = _configure(request, t.NationalTable(t.national_records(data), ranked=data.ranked, caption=caption),
                       paginate=False)
    if export:
        _export(table, export, f"toan-quoc_{data.indicator.code}_{data.year}")
    trend = t.NationalTrendTable(t.national_trend_records(data), caption=_("Số liệu của biểu đồ xu hướng"))
    context = {"data": data, "table": table, "trend_table": trend, "bar_chart": _national_bars(data),
               "trend_chart": _national_trend(data), "year_choices": data.years or [data.year],
               "selected_year": data.year,
               "indicator_options": parts.indicator_choices.html(data.indicator.code),
               "trend_unit_options": parts.trend_unit_choices.html(data.trend_unit.code)}
    title = _("%(indicator)s — toàn quốc năm %(year)s") % {"indicator": data.indicator.name, "year": data.year}
    return _fragment(request, "kpis/dashboards/national.html", context, title=title, nav="national",
                     charts=True)


def _chart_base(data: s.NationalView, kind: str) -> dict:
    return {"kind": kind, "decimals": data.indicator.decimals, "unit": data.indicator.unit,
            "yesNo": data.indicator.value_type == ValueType.YES_NO, "yes": _("Có"), "no": _("Không")}


def _national_bars(data: s.NationalView) -> dict:
    ranked = [row for row in data.rows if row.cell is not None]
    return {**_chart_base(data, "bar"), "labels": [row.unit.name for row in ranked],
            "series": [{"label": str(data.year), "data": [_number(row.cell.value) for row in ranked]}]}


def _national_trend(data: s.NationalView) -> dict:
    """A line whose reconstructed points and the segments touching them are
    drawn dashed, with their own legend entry (static/js/charts.js)."""
    reconstructed = [point.reconstructed for point in data.trend]
    series = {"label": data.trend_unit.name, "data": [_number(point.value) for point in data.trend]}
    if any(reconstructed):
        series.update(reconstructed=reconstructed,
                      reconstructedLabel=_("Dựng lại từ các đơn vị trước sáp nhập (nét đứt)"))
    return {**_chart_base(data, "line"), "labels": [str(point.year) for point in data.trend], "series": [series],
            "target": None}
