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
