from rest_framework.exceptions import ValidationError
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


class ValuesView(ListAPIView):
    """Approved figures, rolled up and derived: GET /api/v1/values/?indicator=&org_unit=&year="""

    serializer_class = AggregateSerializer
    permission_classes = [PublicOrAuthenticated]
    pagination_class = ValuesPagination

    def get_queryset(self):
        query = ValuesQuerySerializer(data=self.request.query_params)
        if not query.is_valid():
            raise ValidationError(query.errors)
        return aggregates_for_api(**query.validated_data)
