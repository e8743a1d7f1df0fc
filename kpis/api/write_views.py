"""The write API: POST /api/v1/data-value-sets/[?dry_run=true]. Kept apart from
the read endpoints (views.py); the work is in kpis/services/value_sets.py."""

from dataclasses import asdict

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser, JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from kpis.api.serializers import ValueSetResultSerializer, ValueSetSerializer
from kpis.services.value_sets import ValueSetResult, value_set_save_csv, value_set_save_entries

# A set is checked and written in one transaction: past these, split it.
VALUE_SET_MAX_BYTES = 2 * 1024 * 1024
VALUE_SET_MAX_VALUES = 10_000
_TRUE, _FALSE = {"true", "1", "yes"}, {"false", "0", "no", ""}


class CsvParser(BaseParser):
    """text/csv: the bytes as they came; the importer's reader decodes them."""

    media_type = "text/csv"

    def parse(self, stream, media_type=None, parser_context=None) -> bytes:
        return stream.read() if stream is not None else b""


def _too_large(message: str) -> Response:
    return Response({"detail": message}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)


def _dry_run(request) -> bool:
    text = request.query_params.get("dry_run", "").strip().lower()
    if text not in _TRUE | _FALSE:
        raise ParseError({"dry_run": [_("Phải là true hoặc false.")]})
    return text in _TRUE


def _entries(data) -> list[dict]:
    if not isinstance(data, dict) or not isinstance(data.get("values"), list):
        raise ParseError({"values": [_("Nội dung phải là {\"values\": [...]}.")]})
    if not all(isinstance(entry, dict) for entry in data["values"]):
        raise ParseError({"values": [_("Mỗi phần tử của values phải là một đối tượng.")]})
    return data["values"]


@extend_schema(
    request={"application/json": ValueSetSerializer, "text/csv": OpenApiTypes.STR},
    parameters=[OpenApiParameter("dry_run", OpenApiTypes.BOOL, description=gettext_lazy(
        "true: kiểm tra và đếm như khi ghi, nhưng không ghi gì."))],
    responses={
        200: ValueSetResultSerializer,
        409: OpenApiResponse(ValueSetResultSerializer, description=gettext_lazy(
            "Có xung đột: không ghi gì; conflicts nói từng giá trị sai.")),
        400: OpenApiResponse(description=gettext_lazy("Nội dung không đọc được (JSON sai, thiếu values).")),
        413: OpenApiResponse(description=gettext_lazy("Nội dung quá lớn: hãy chia nhỏ.")),
    },
)
class DataValueSetsView(APIView):
    """Figures into draft reports, with the token owner's permissions, all or nothing."""

    parser_classes = [JSONParser, CsvParser]

    def post(self, request) -> Response:
        if _content_length(request) > VALUE_SET_MAX_BYTES:
            return _too_large(_("Nội dung dài quá %(max)d byte.") % {"max": VALUE_SET_MAX_BYTES})
        dry_run = _dry_run(request)
        if isinstance(request.data, bytes):
            result = value_set_save_csv(content=request.data, user=request.user, dry_run=dry_run)
        else:
            entries = _entries(request.data)
            if len(entries) > VALUE_SET_MAX_VALUES:
                return _too_large(_("Quá %(max)d giá trị một lần.") % {"max": VALUE_SET_MAX_VALUES})
            result = value_set_save_entries(entries=entries, user=request.user, dry_run=dry_run)
        return Response(_answer(result), status=status.HTTP_409_CONFLICT if result.conflicts else status.HTTP_200_OK)


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _answer(result: ValueSetResult) -> dict:
    return {"status": result.status, "dry_run": result.dry_run, "counts": result.counts,
            "conflicts": [asdict(conflict) for conflict in result.conflicts]}
