
from django.conf import settings
from django.http import HttpResponseNotModified
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation.trans_real import parse_accept_lang_header
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from kpis.api.conditional import Validators, revalidated
from kpis.api.permissions import PublicOrAuthenticated
from kpis.api.renderers import CSVRenderer
from kpis.api.serializers import (
    AggregateSerializer,
    IndicatorSerializer,
    IndicatorsQuerySerializer,
    MilestoneSerializer,
    MilestonesQuerySerializer,
    OrgUnitSerializer,
    OrgUnitsQuerySerializer,
    SectorSerializer,
    SectorsQuerySerializer,
    TargetListSerializer,
    TargetsQuerySerializer,
    ValuesQuerySerializer,
)
from kpis.dashboards.presentation import localized
from kpis.models import Indicator, Sector
from kpis.selectors import (
    aggregates_for_api,
    indicators_for_api,
    milestones_for_api,
    org_units_for_api,
    sector_name_day,
    sector_names_on,
    targets_for_api,
)


class ValuesPagination(CursorPagination):
    # A cursor needs no COUNT(*) over millions of rows and stays fast on the last page.
    ordering = ("id",)
    page_size = 500
    page_size_query_param = "page_size"
    max_page_size = 5000

    def decode_cursor(self, request):
        # DRF checks the cursor's offset and direction but not its position,
        # which goes into the query as an id or a code: a tampered one must be a 404, not a 500.
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None and not self._valid_position(cursor.position):
            raise NotFound(self.invalid_cursor_message)
        return cursor

    def _valid_position(self, text: str) -> bool:
        if self.ordering[0].lstrip("-") == "id":
            return text.isascii() and text.isdigit() and int(text) < 2**63
        return "\x00" not in text  # a code: any text PostgreSQL can compare


class PublicSchema(AutoSchema):
    """Says in the OpenAPI document that signing in is optional while the site
    is public (PublicOrAuthenticated), as drf-spectacular does for AllowAny."""

    def get_auth(self) -> list[dict]:
        auths = super().get_auth()
        if settings.PORTAL_PUBLIC and {} not in auths:
            auths.append({})
        return auths


_ERRORS = {
    400: OpenApiResponse(description=_("Một bộ lọc sai: {tên bộ lọc: [thông báo]}.")),
    404: OpenApiResponse(description=_("Con trỏ trang (cursor) không hợp lệ.")),
}
LANG_PARAMETER = OpenApiParameter(
    "lang", str, enum=["vi", "en"], required=False,
    description=_("Ngôn ngữ của tên, đơn vị, định nghĩa (mặc định theo Accept-Language, rồi tiếng Việt)."))


def _ordered_pagination(*fields: str) -> type[ValuesPagination]:
    return type("OrderedPagination", (ValuesPagination,), {"ordering": fields})


class OpenDataListView(ListAPIView):
    """A read-only list of the open data: filters validated by ``query_class``
    (a 400 naming the field), a cursor over a stable order, the language of
    ``?lang=`` or Accept-Language, ``?format=csv`` (the whole filtered list)."""

    schema = PublicSchema()
    permission_classes = [PublicOrAuthenticated]
    renderer_classes = [JSONRenderer, CSVRenderer]
    query_class: type[serializers.Serializer]
    # Last-Modified is the last recompute: true of the figures only (a new
    # milestone changes the data version's token, not the recompute's time).
    dated = False

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        translation.activate(_requested_language(request))

    def finalize_response(self, request, response, *args, **kwargs):
        return revalidated(super().finalize_response(request, response, *args, **kwargs))

    def filters(self) -> dict:
        query = self.query_class(data=self.request.query_params)
        if not query.is_valid():
            raise ValidationError(query.errors)
        return query.validated_data

    def csv_columns(self) -> list[str]:
        return list(self.get_serializer().fields)

    def list(self, request, *args, **kwargs):
        validator = Validators.of(request, representation=request.accepted_renderer.format, dated=self.dated)
        if validator.unchanged(request):
            return validator.stamp(HttpResponseNotModified())
        return validator.stamp(self.full_list(request, *args, **kwargs))

    def full_list(self, request, *args, **kwargs):
        if request.accepted_renderer.format != "csv":
            return super().list(request, *args, **kwargs)
        rows = self.get_serializer(self.get_queryset().order_by(*self.pagination_class.ordering), many=True)
        filename = f"{self.csv_name}.csv"
        return Response(rows.data, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _requested_language(request) -> str:
    """``?lang=`` wins (a 400 names it when unknown), then Accept-Language, then Vietnamese."""
    supported = [code for code, _name in settings.LANGUAGES]
    asked = request.query_params.get("lang")
    if asked is not None:
        if asked not in supported:
            raise ValidationError({"lang": [_("Ngôn ngữ phải là một trong: %(codes)s.")
                                            % {"codes": ", ".join(supported)}]})
        return asked
    for code, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        if code.split("-")[0] in supported:
            return code.split("-")[0]
    return settings.LANGUAGE_CODE


def _documented(query, serializer):
    parameters = [LANG_PARAMETER] if query is None else [query, LANG_PARAMETER]
    return extend_schema(parameters=parameters, responses={200: serializer(many=True), **_ERRORS})


@_documented(ValuesQuerySerializer, AggregateSerializer)
class ValuesView(OpenDataListView):
    """Approved figures, rolled up and derived: GET /api/v1/values/?indicator=&org_unit=&year="""

    serializer_class = AggregateSerializer
    pagination_class = ValuesPagination
    query_class = ValuesQuerySerializer
    csv_name = "values"
    dated = True

    def get_queryset(self):
        return aggregates_for_api(**self.filters())


@_documented(OrgUnitsQuerySerializer, OrgUnitSerializer)
class OrgUnitsView(OpenDataListView):
    """The administrative units, with their years of validity and successors."""

    serializer_class = OrgUnitSerializer
    pagination_class = _ordered_pagination("code")
    query_class = OrgUnitsQuerySerializer
    csv_name = "org-units"

    def get_queryset(self):
        return org_units_for_api(**self.filters())


@_documented(SectorsQuerySerializer, SectorSerializer)
class SectorsView(OpenDataListView):
    """The sectors the indicators belong to, named as at the end of ``?year=``
    (as the dashboards of that year name them), or as today."""

    serializer_class = SectorSerializer
    pagination_class = _ordered_pagination("code")
    query_class = SectorsQuerySerializer
    csv_name = "sectors"

    def get_queryset(self):
        self.filters()
        return Sector.objects.all()

    def get_serializer_context(self) -> dict:
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI schema reads the fields only
            return super().get_serializer_context()
        year, today = self.filters().get("year"), timezone.localdate()
        day = today if year is None else sector_name_day(year=year, today=today)
        return {**super().get_serializer_context(), "sector_name_day": day, "sector_names": sector_names_on(on=day)}


@_documented(IndicatorsQuerySerializer, IndicatorSerializer)
class IndicatorsView(OpenDataListView):
    """The indicators: definition, unit, type, aggregation, formula, definition changes, source."""

    serializer_class = IndicatorSerializer
    pagination_class = _ordered_pagination("code")
    query_class = IndicatorsQuerySerializer
    csv_name = "indicators"

    def get_queryset(self):
        return indicators_for_api(**self.filters())

    def get_serializer_context(self) -> dict:
        names = {indicator.code: localized(indicator) for indicator in Indicator.objects.only("code", "name",
                                                                                              "name_en")}
        return {**super().get_serializer_context(), "indicator_names": names}


@_documented(TargetsQuerySerializer, TargetListSerializer)
class TargetsView(OpenDataListView):
    """The targets figures are measured against."""

    serializer_class = TargetListSerializer
    pagination_class = _ordered_pagination("id")
    query_class = TargetsQuerySerializer
    csv_name = "targets"

    def get_queryset(self):
        return targets_for_api(**self.filters())


@_documented(MilestonesQuerySerializer, MilestoneSerializer)
class MilestonesView(OpenDataListView):
    """The programme's milestones, their status and the date that status is known as of."""

    serializer_class = MilestoneSerializer
    pagination_class = _ordered_pagination("code")
    query_class = MilestonesQuerySerializer
    csv_name = "milestones"

    def get_queryset(self):
        return milestones_for_api(**self.filters())
