from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.pagination import CursorPagination

from kpis.api.permissions import PublicOrAuthenticated
from kpis.api.serializers import AggregateSerializer, ValuesQuerySerializer
from kpis.selectors import aggregates_for_api


class ValuesPagination(CursorPagination):
    # A cursor needs no COUNT(*) over millions of rows and stays fast on the last page.
    ordering = "id"
    page_size = 500
    page_size_query_param = "page_size"
    max_page_size = 5000

    def decode_cursor(self, request):
        # DRF checks the cursor's offset and direction but not its position,
        # which goes into the query as an id: a tampered one must be a 404, not a 500.
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None and not _is_id(cursor.position):
            raise NotFound(self.invalid_cursor_message)
        return cursor


def _is_id(text: str) -> bool:
    return text.isascii() and text.isdigit() and int(text) < 2**63


class PublicSchema(AutoSchema):
    """Says in the OpenAPI document that signing in is optional while the site
    is public (PublicOrAuthenticated), as drf-spectacular does for AllowAny."""

    def get_auth(self) -> list[dict]:
        auths = super().get_auth()
        if settings.PORTAL_PUBLIC and {} not in auths:
            auths.append({})
        return auths


@extend_schema(parameters=[ValuesQuerySerializer], responses={
    200: AggregateSerializer(many=True),
    400: OpenApiResponse(description=_("Một bộ lọc sai: {tên bộ lọc: [thông báo]}.")),
    404: OpenApiResponse(description=_("Con trỏ trang (cursor) không hợp lệ.")),
})
class ValuesView(ListAPIView):
    """Approved figures, rolled up and derived: GET /api/v1/values/?indicator=&org_unit=&year="""

    schema = PublicSchema()
    serializer_class = AggregateSerializer
    permission_classes = [PublicOrAuthenticated]
    pagination_class = ValuesPagination

    def get_queryset(self):
        query = ValuesQuerySerializer(data=self.request.query_params)
        if not query.is_valid():
            raise ValidationError(query.errors)
        return aggregates_for_api(**query.validated_data)
