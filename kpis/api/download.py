"""The full download of the published figures (CSV) with its Frictionless
Data Package descriptor, and the "about the data" page that links them."""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kpis.aggregation.version import data_version
from kpis.api.conditional import Validators, revalidated
from kpis.api.csv_rows import csv_lines
from kpis.api.renderers import UTF8_BOM
from kpis.dashboards.presentation import localized
from kpis.models import Indicator, OrgUnit
from kpis.periods import Period
from kpis.permissions import can_see_dashboards
from kpis.selectors import ALL_PERIODS, aggregates_for_api

# (column, Frictionless type, description): the order of the file's columns.
VALUE_COLUMNS = [
    ("indicator", "string", gettext_lazy("Mã chỉ tiêu")),
    ("indicator_name", "string", gettext_lazy("Tên chỉ tiêu")),
    ("unit", "string", gettext_lazy("Đơn vị tính")),
    ("org_unit", "string", gettext_lazy("Mã đơn vị hành chính")),
    ("org_unit_name", "string", gettext_lazy("Tên đơn vị hành chính")),
    ("level", "string", gettext_lazy("Cấp đơn vị: country, province, district, commune")),
    ("year", "year", gettext_lazy("Năm")),
    ("period", "string", gettext_lazy("Kỳ: 2025 (cả năm), 2025-H1 (6 tháng đầu năm), 2025-Q3 (quý 3), "
                                      "2025-07 (tháng 7)")),
    ("value", "number", gettext_lazy("Giá trị (đã làm tròn theo số chữ số thập phân của chỉ tiêu)")),
    ("method", "string", gettext_lazy("Cách có số: entered (nhập), rollup (tổng hợp từ cấp dưới), "
                                      "derived (tính theo công thức), periods (tính từ các kỳ ngắn hơn)")),
    ("is_complete", "boolean", gettext_lazy("Đủ số liệu của mọi đơn vị cấp dưới")),
    ("reconstructed", "boolean", gettext_lazy("Số tái tạo cho năm trước khi đơn vị được thành lập, từ các đơn vị "
                                              "đã sáp nhập vào nó")),
    ("target_operator", "string", gettext_lazy("Phép so sánh của mục tiêu")),
    ("target_value", "number", gettext_lazy("Giá trị mục tiêu")),
    ("target_year", "year", gettext_lazy("Năm mục tiêu")),
    ("status", "string", gettext_lazy("Tình trạng so với mục tiêu")),
    ("source", "string", gettext_lazy("Nguồn của số liệu nhập")),
    ("comment", "string", gettext_lazy("Ghi chú của số liệu nhập")),
]


def _allowed(request: HttpRequest) -> HttpResponse | None:
    if can_see_dashboards(request.user):
        return None
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), login_url=reverse("admin:login"))
    raise PermissionDenied


def _value_row(cell) -> dict:
    target = cell.target
    return {
        "indicator": cell.indicator.code, "indicator_name": localized(cell.indicator),
        "unit": localized(cell.indicator, "unit"), "org_unit": cell.org_unit.code,
        "org_unit_name": localized(cell.org_unit), "level": cell.org_unit.level, "year": cell.year,
        "period": Period(cell.year, cell.period).code,
        "value": round(cell.value, cell.indicator.decimals), "method": cell.method,
        "is_complete": "true" if cell.is_complete else "false",
        "reconstructed": "true" if cell.reconstructed else "false",
        "target_operator": target.operator if target else None,
        "target_value": format(target.value.normalize(), "f") if target else None,
        "target_year": target.year if target else None,
        "status": cell.status, "source": cell.entered_source, "comment": cell.entered_comment,
    }


def _conditional(view):
    """The download's doors: allowed, then a 304 while the data version is the
    one the client holds (the API's own validators, kpis/api/conditional.py)."""
    representation = view.__name__

    def wrapped(request: HttpRequest) -> HttpResponse:
        if (denied := _allowed(request)) is not None:
            return denied
        validators = Validators.of(request, representation=representation, dated=True)
        if validators.unchanged(request):
            response = HttpResponseNotModified()
        else:
            response = view(request)
        return revalidated(validators.stamp(response))

    wrapped.__name__ = wrapped.__qualname__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@_conditional
def values_csv(request: HttpRequest) -> HttpResponse:
    """Every published value of every period, one row each, streamed (the file may be large)."""
    language = translation.get_language()
    cells = aggregates_for_api(frequency=ALL_PERIODS).order_by("indicator__code", "org_unit__code", "year",
                                                               "period")

    def lines():
        with translation.override(language):  # streamed after the view returns
            yield UTF8_BOM
            yield from csv_lines([name for name, _t, _d in VALUE_COLUMNS],
                                 (_value_row(cell) for cell in cells.iterator(chunk_size=2000)))

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="values.csv"'
    return response


def _publisher() -> str:
    """Who publishes: the top unit of the catalogue's tree (data, not code)."""
    root = OrgUnit.objects.filter(parent__isnull=True).order_by("code").first()
    return localized(root) if root is not None else ""


def terms_title() -> str:
    return _("Điều khoản sử dụng dữ liệu mở của cơ quan nhà nước theo %(law)s") % {
        "law": settings.OPEN_DATA_LEGAL_BASIS}


@_conditional
def datapackage(request: HttpRequest) -> HttpResponse:
    """A Frictionless Data Package (datapackage.json) describing values.csv."""
    version = data_version()
    about = request.build_absolute_uri(reverse("kpis:open-data"))
    sources = sorted({s for s in Indicator.objects.exclude(source="").values_list("source", flat=True)})
    package = {
        "profile": "tabular-data-package",
        "name": "digital-transformation-indicators",
        "title": _("Chỉ tiêu chuyển đổi số"),
        "version": version.token,
        "created": version.last_recompute.isoformat() if version.last_recompute else None,
        "homepage": about,
        # No Open Definition licence id ("name") fits the law's own terms: the terms page and its title.
        "licenses": [{"path": f"{about}#terms", "title": terms_title()}],
        "contributors": [{"title": _publisher(), "role": "publisher"}],
        "sources": [{"title": source} for source in sources],
        "resources": [{
            "name": "values", "path": "values.csv", "profile": "tabular-data-resource",
            "format": "csv", "mediatype": "text/csv", "encoding": "utf-8-sig",
            "schema": {
                "fields": [{"name": name, "type": kind, "description": str(description)}
                           for name, kind, description in VALUE_COLUMNS],
                "primaryKey": ["indicator", "org_unit", "year", "period"],
                "missingValues": [""],
            },
        }],
    }
    return JsonResponse(package, json_dumps_params={"ensure_ascii": False, "indent": 2})


def about(request: HttpRequest) -> HttpResponse:
    """What the data are, where they come from, how to get them, the terms of use."""
    if (denied := _allowed(request)) is not None:
        return denied
    context = {"version": data_version(), "page_title": _("Về dữ liệu"), "nav": "open-data",
               "columns": VALUE_COLUMNS, "legal_basis": settings.OPEN_DATA_LEGAL_BASIS, "publisher": _publisher()}
    return render(request, "kpis/api/about.html", context)
