from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kpis.models import MAX_YEAR, MIN_YEAR, Aggregate, Indicator, OrgUnit


class ValuesQuerySerializer(serializers.Serializer):
    """The filters of /api/v1/values/; each may be left out."""

    indicator = serializers.CharField(required=False, max_length=64)
    org_unit = serializers.CharField(required=False, max_length=32)
    year = serializers.IntegerField(required=False, min_value=MIN_YEAR, max_value=MAX_YEAR)

    def validate_indicator(self, code: str) -> Indicator:
        indicator = Indicator.objects.filter(code=code).first()
        if indicator is None:
            raise serializers.ValidationError(_("Không có chỉ tiêu mã %(code)s.") % {"code": code})
        return indicator

    def validate_org_unit(self, code: str) -> OrgUnit:
        org_unit = OrgUnit.objects.filter(code=code).first()
        if org_unit is None:
            raise serializers.ValidationError(_("Không có đơn vị mã %(code)s.") % {"code": code})
        return org_unit


def _rounded(value: Decimal | None, decimals: int) -> float | None:
    return None if value is None else float(round(value, decimals))


class TargetSerializer(serializers.Serializer):
    """The target an aggregate is measured against."""

    operator = serializers.CharField()
    value = serializers.FloatField()
    year = serializers.IntegerField()


class AggregateSerializer(serializers.ModelSerializer):
    indicator = serializers.CharField(source="indicator.code")
    indicator_name = serializers.CharField(source="indicator.name")
    unit = serializers.CharField(source="indicator.unit")
    org_unit = serializers.CharField(source="org_unit.code")
    org_unit_name = serializers.CharField(source="org_unit.name")
    value = serializers.SerializerMethodField()
    previous_value = serializers.SerializerMethodField()
    change = serializers.SerializerMethodField()
    change_pct = serializers.SerializerMethodField()
    achievement_pct = serializers.SerializerMethodField()
    target = serializers.SerializerMethodField()

    class Meta:
        model = Aggregate
        fields = ["indicator", "indicator_name", "unit", "org_unit", "org_unit_name", "year", "value",
                  "previous_value", "change", "change_pct", "target", "status", "achievement_pct",
                  "method", "children_count", "expected_children", "is_complete"]

    def get_value(self, cell: Aggregate) -> float | None:
        return _rounded(cell.value, cell.indicator.decimals)

    def get_previous_value(self, cell: Aggregate) -> float | None:
        return _rounded(cell.previous_value, cell.indicator.decimals)

    def get_change(self, cell: Aggregate) -> float | None:
        return _rounded(cell.change, cell.indicator.decimals)

    def get_change_pct(self, cell: Aggregate) -> float | None:
        return _rounded(cell.change_pct, 1)

    def get_achievement_pct(self, cell: Aggregate) -> float | None:
        return _rounded(cell.achievement_pct, 1)

    @extend_schema_field(TargetSerializer(allow_null=True))
    def get_target(self, cell: Aggregate) -> dict | None:
        if cell.target is None:
            return None
        return {"operator": cell.target.operator, "value": float(cell.target.value), "year": cell.target.year}


# --- Write API: value sets (issue 11) ----------------------------------------------------------


@extend_schema_field({"oneOf": [{"type": "number"}, {"type": "string"}, {"type": "boolean"}]})
class _TextOrNumberField(serializers.JSONField):
    pass


class ValueSetEntrySerializer(serializers.Serializer):
    """One figure of a value set (documents the body; the service checks it)."""

    indicator = serializers.CharField(help_text=_("Mã chỉ tiêu, ví dụ BTS."))
    org_unit = serializers.CharField(help_text=_("Mã đơn vị, ví dụ HG."))
    year = serializers.IntegerField(required=False, help_text=_("Năm; hoặc cho period."))
    period = serializers.CharField(required=False, help_text=_("Kỳ, thay cho year: hiện chỉ nhận năm, ví dụ 2025."))
    value = _TextOrNumberField(help_text=_("Số (92.7) hoặc chữ theo quy ước của tệp nhập (\"92,7\")."))
    comment = serializers.CharField(required=False, allow_blank=True,
                                    help_text=_("Ghi chú; bỏ trường này để giữ ghi chú đã lưu."))
    source = serializers.CharField(required=False, allow_blank=True, help_text=_("Nguồn số liệu."))


class ValueSetSerializer(serializers.Serializer):
    values = ValueSetEntrySerializer(many=True)


class ValueSetCountsSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    ignored = serializers.IntegerField()


class ValueSetConflictSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text=_("Vị trí trong values (JSON, từ 0) hoặc số dòng của tệp (CSV)."))
    field = serializers.CharField(help_text=_("Trường sai; để trống khi lỗi thuộc cả bản ghi hoặc cả tệp."))
    message = serializers.CharField()


class ValueSetResultSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["success", "warning", "error"])
    dry_run = serializers.BooleanField()
    counts = ValueSetCountsSerializer()
    conflicts = ValueSetConflictSerializer(many=True)
