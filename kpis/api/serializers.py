from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kpis.dashboards.presentation import formula_in_words, localized
from kpis.models import (
    MAX_YEAR,
    MIN_YEAR,
    Aggregate,
    DefinitionChange,
    Indicator,
    Milestone,
    MilestoneStatus,
    OrgUnit,
    OrgUnitLevel,
    Sector,
    Target,
)
from kpis.periods import Frequency, Period, PeriodError
from kpis.selectors import ALL_PERIODS, SectorName, sector_name_on


class CodeField(serializers.CharField):
    """A catalogue code in a query, resolved to its object; an unknown code is
    refused naming the code."""

    def __init__(self, *, model, message, **kwargs):
        self.model, self.message = model, message
        super().__init__(max_length=model._meta.get_field("code").max_length, **kwargs)

    def run_validation(self, data=serializers.empty):
        code = super().run_validation(data)
        found = self.model.objects.filter(code=code).first()
        if found is None:
            raise serializers.ValidationError(self.message % {"code": code})
        return found


def indicator_code(**kwargs) -> CodeField:
    return CodeField(model=Indicator, message=_("Không có chỉ tiêu mã %(code)s."), required=False, **kwargs)


def org_unit_code(**kwargs) -> CodeField:
    return CodeField(model=OrgUnit, message=_("Không có đơn vị mã %(code)s."), required=False, **kwargs)


def sector_code(**kwargs) -> CodeField:
    return CodeField(model=Sector, message=_("Không có lĩnh vực mã %(code)s."), required=False, **kwargs)


def year_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(required=False, min_value=MIN_YEAR, max_value=MAX_YEAR, **kwargs)


class PeriodField(serializers.CharField):
    """A period's code in a query (``2025``, ``2025-H1``, ``2025-Q3``, ``2025-07``), resolved to a Period."""

    def __init__(self, **kwargs):
        super().__init__(max_length=16, required=False, **kwargs)

    def run_validation(self, data=serializers.empty):
        text = super().run_validation(data)
        if text is None:
            return None
        try:
            period = Period.parse(text)
        except PeriodError as error:
            raise serializers.ValidationError(str(error)) from None
        if not MIN_YEAR <= period.year <= MAX_YEAR:
            raise serializers.ValidationError(_("Năm của kỳ phải từ %(low)s đến %(high)s.")
                                              % {"low": MIN_YEAR, "high": MAX_YEAR})
        return period


class ValuesQuerySerializer(serializers.Serializer):
    """The filters of /api/v1/values/; each may be left out. Without ``period``
    or ``frequency`` only yearly figures come, as before periods existed."""

    indicator = indicator_code()
    org_unit = org_unit_code()
    year = year_field()
    period = PeriodField(help_text=_("Một kỳ: 2025, 2025-H1 (6 tháng đầu năm), 2025-Q3 (quý 3), 2025-07 "
                                     "(tháng 7). Bỏ trống: số liệu cả năm."))
    frequency = serializers.ChoiceField(
        required=False, choices=[*Frequency.choices, (ALL_PERIODS, _("Mọi kỳ"))],
        help_text=_("Mọi kỳ của một độ dài: year (mặc định), half_year, quarter, month; all: mọi kỳ."))
    sector = sector_code()
    level = serializers.ChoiceField(required=False, choices=OrgUnitLevel.choices)
    year_from = year_field()
    year_to = year_field()

    def validate(self, attrs: dict) -> dict:
        if attrs.get("year_from") and attrs.get("year_to") and attrs["year_from"] > attrs["year_to"]:
            raise serializers.ValidationError({"year_to": _("Năm kết thúc phải từ năm bắt đầu trở đi.")})
        period, frequency = attrs.get("period"), attrs.get("frequency")
        if period is not None and frequency not in (None, ALL_PERIODS, period.frequency):
            raise serializers.ValidationError({"frequency": _(
                "Kỳ %(period)s không phải kỳ %(frequency)s: bỏ frequency hoặc chọn kỳ khác.")
                % {"period": period.code, "frequency": frequency}})
        if period is not None and attrs.get("year") not in (None, period.year):
            raise serializers.ValidationError({"year": _("Năm %(year)s khác năm của kỳ %(period)s.")
                                               % {"year": attrs["year"], "period": period.code}})
        return attrs


class OrgUnitsQuerySerializer(serializers.Serializer):
    level = serializers.ChoiceField(required=False, choices=OrgUnitLevel.choices)
    valid_in = year_field(help_text=_("Chỉ các đơn vị tồn tại trong năm này."))
    parent = org_unit_code()


class SectorsQuerySerializer(serializers.Serializer):
    year = year_field(help_text=_("Tên lĩnh vực như cuối năm này (năm đang diễn ra: như hôm nay); "
                                  "để trống: tên hiện nay."))


class IndicatorsQuerySerializer(serializers.Serializer):
    sector = sector_code()


class TargetsQuerySerializer(serializers.Serializer):
    indicator = indicator_code()
    org_unit = org_unit_code()
    year = year_field()


class MilestonesQuerySerializer(serializers.Serializer):
    sector = sector_code()
    org_unit = org_unit_code()
    status = serializers.ChoiceField(required=False, choices=MilestoneStatus.choices)


class LocalizedField(serializers.CharField):
    """A text in the request's language: the ``*_en`` field in English when it
    is filled in, else the Vietnamese one."""

    def __init__(self, field: str = "name", **kwargs):
        self.localized_field = field
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, obj) -> str:
        return localized(obj, self.localized_field)


class OrgUnitSerializer(serializers.ModelSerializer):
    name = LocalizedField()
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    successors = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = OrgUnit
        fields = ["code", "name", "name_en", "level", "parent", "valid_from", "valid_to", "successors"]


class SectorSerializer(serializers.ModelSerializer):
    """A sector named as on the view's day (``sector_names`` and
    ``sector_name_day`` in the context, kpis.selectors.sector_names_on):
    the end of the year asked for, or today."""

    name = serializers.SerializerMethodField()
    name_en = serializers.SerializerMethodField()

    class Meta:
        model = Sector
        fields = ["code", "name", "name_en", "description", "position"]

    def _dated(self, sector: Sector) -> SectorName:
        return sector_name_on(sector, self.context["sector_name_day"], names=self.context["sector_names"])

    def get_name(self, sector: Sector) -> str:
        return localized(self._dated(sector))

    def get_name_en(self, sector: Sector) -> str:
        return self._dated(sector).name_en


class DefinitionChangeSerializer(serializers.ModelSerializer):
    description = LocalizedField("description")

    class Meta:
        model = DefinitionChange
        fields = ["year", "description", "source"]


class IndicatorSerializer(serializers.ModelSerializer):
    name = LocalizedField()
    sector = serializers.SlugRelatedField(slug_field="code", read_only=True)
    definition = LocalizedField("definition")
    unit = LocalizedField("unit")
    formula = serializers.CharField(help_text=_("Biểu thức theo mã chỉ tiêu; rỗng với chỉ tiêu nhập trực tiếp."))
    formula_in_words = serializers.SerializerMethodField()
    definition_changes = DefinitionChangeSerializer(many=True, read_only=True)

    class Meta:
        model = Indicator
        fields = ["code", "name", "name_en", "sector", "definition", "unit", "value_type", "decimals",
                  "direction", "aggregation", "formula", "formula_in_words", "entry_levels", "is_key",
                  "definition_changes", "source"]

    def get_formula_in_words(self, indicator: Indicator) -> str:
        if not indicator.formula:
            return ""
        return formula_in_words(indicator.formula, self.context["indicator_names"])


class TargetListSerializer(serializers.ModelSerializer):
    indicator = serializers.SlugRelatedField(slug_field="code", read_only=True)
    org_unit = serializers.SlugRelatedField(slug_field="code", read_only=True)
    value = serializers.FloatField()

    class Meta:
        model = Target
        fields = ["indicator", "org_unit", "year", "operator", "value", "baseline_year", "source"]


class MilestoneSerializer(serializers.ModelSerializer):
    sector = serializers.SlugRelatedField(slug_field="code", read_only=True)
    org_unit = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    title = LocalizedField("title")

    class Meta:
        model = Milestone
        fields = ["code", "sector", "org_unit", "title", "title_en", "due", "status", "status_as_of",
                  "completed_on", "evidence", "source"]


def _rounded(value: Decimal | None, decimals: int) -> float | None:
    return None if value is None else float(round(value, decimals))


class TargetSerializer(serializers.Serializer):
    """The target an aggregate is measured against."""

    operator = serializers.CharField()
    value = serializers.FloatField()
    year = serializers.IntegerField()


class AggregateSerializer(serializers.ModelSerializer):
    indicator = serializers.CharField(source="indicator.code")
    indicator_name = serializers.SerializerMethodField()
    unit = serializers.SerializerMethodField()
    org_unit = serializers.CharField(source="org_unit.code")
    org_unit_name = serializers.SerializerMethodField()
    source = serializers.CharField(source="entered_source", allow_null=True, read_only=True,
                                   help_text=_("Nguồn của số liệu nhập; null với số tổng hợp hoặc tính toán."))
    comment = serializers.CharField(source="entered_comment", allow_null=True, read_only=True,
                                    help_text=_("Ghi chú của số liệu nhập; null với số tổng hợp hoặc tính toán."))
    value = serializers.SerializerMethodField()
    period = serializers.SerializerMethodField(help_text=_(
        "Kỳ của số liệu: 2025 (cả năm), 2025-H1, 2025-Q3, 2025-07."))
    previous_value = serializers.SerializerMethodField(help_text=_(
        "Số của cùng kỳ năm trước (với số cả năm: năm trước)."))
    change = serializers.SerializerMethodField()
    change_pct = serializers.SerializerMethodField()
    achievement_pct = serializers.SerializerMethodField()
    target = serializers.SerializerMethodField()

    class Meta:
        model = Aggregate
        fields = ["indicator", "indicator_name", "unit", "org_unit", "org_unit_name", "year", "period", "value",
                  "previous_value", "change", "change_pct", "target", "status", "achievement_pct",
                  "method", "children_count", "expected_children", "is_complete", "reconstructed", "source",
                  "comment"]
        extra_kwargs = {"reconstructed": {"help_text": _(
            "true: số của một năm trước khi đơn vị được thành lập, tái tạo từ các đơn vị đã sáp nhập trọn vẹn "
            "vào nó (hoặc tính theo công thức từ số như vậy).")}}

    def get_indicator_name(self, cell: Aggregate) -> str:
        return localized(cell.indicator)

    def get_unit(self, cell: Aggregate) -> str:
        return localized(cell.indicator, "unit")

    def get_org_unit_name(self, cell: Aggregate) -> str:
        return localized(cell.org_unit)

    def get_period(self, cell: Aggregate) -> str:
        return Period(cell.year, cell.period).code

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
    year = serializers.IntegerField(required=False, help_text=_("Năm (số liệu cả năm); hoặc cho period."))
    period = serializers.CharField(required=False, help_text=_(
        "Kỳ, thay cho year: 2025, 2025-H1, 2025-Q3 hoặc 2025-07, hợp với tần suất của chỉ tiêu."))
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
