"""The portal's domain. Models hold field-level invariants only; workflows live
in ``kpis.services``."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kpis.formulas import FormulaError, parse_formula
from kpis.periods import YEAR_PART, Frequency, Period, TimeAggregation

CODE_VALIDATOR = RegexValidator(
    r"^[A-Z][A-Z0-9_]*$",
    _("Mã chỉ gồm chữ in hoa không dấu, chữ số và dấu gạch dưới, bắt đầu bằng chữ cái."),
)
ORG_UNIT_CODE_VALIDATOR = RegexValidator(
    r"^[A-Z0-9][A-Z0-9_-]*$",
    _("Mã đơn vị chỉ gồm chữ in hoa không dấu, chữ số, dấu gạch ngang và gạch dưới."),
)
MIN_YEAR = 1990
MAX_YEAR = 2100
# Every stored period code (kpis.periods): the year, half-years, quarters, months.
PERIOD_PARTS = [YEAR_PART, 101, 102, 201, 202, 203, 204, *range(301, 313)]
# The same, named for the admin's lists (the year's number is a field of its own).
PERIOD_CHOICES = [(YEAR_PART, _("Cả năm")), (101, _("6 tháng đầu năm")), (102, _("6 tháng cuối năm")),
                  *[(200 + n, format_lazy("{} {}", _("Quý"), n)) for n in range(1, 5)],
                  *[(300 + n, format_lazy("{} {}", _("Tháng"), n)) for n in range(1, 13)]]


class OrgUnitLevel(models.TextChoices):
    COUNTRY = "country", _("Quốc gia")
    PROVINCE = "province", _("Tỉnh/thành phố")
    DISTRICT = "district", _("Huyện/thị xã/thành phố thuộc tỉnh")
    COMMUNE = "commune", _("Xã/phường/thị trấn")


class OrgUnit(models.Model):
    """A node of the administrative tree. Units are never rewritten when
    boundaries change: an abolished unit gets ``valid_to`` and the units that
    replace it are new rows (see docs/domain.md)."""

    code = models.CharField(_("mã"), max_length=32, unique=True, validators=[ORG_UNIT_CODE_VALIDATOR])
    name = models.CharField(_("tên"), max_length=200)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=200, blank=True)
    level = models.CharField(_("cấp"), max_length=16, choices=OrgUnitLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("đơn vị cấp trên"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    valid_from = models.PositiveSmallIntegerField(
        _("có hiệu lực từ năm"), null=True, blank=True,
        help_text=_("Để trống nếu đơn vị đã tồn tại trước mọi số liệu."),
    )
    valid_to = models.PositiveSmallIntegerField(
        _("hết hiệu lực sau năm"), null=True, blank=True,
        help_text=_("Năm cuối cùng đơn vị có mặt vào ngày 31/12: một năm thuộc về cây đơn vị còn hiệu lực "
                    "cuối năm đó (giải thể từ 01/07/2025: 2024, đơn vị kế thừa có hiệu lực từ năm 2025)."),
    )
    successors = models.ManyToManyField(
        "self", verbose_name=_("đơn vị kế thừa"), symmetrical=False, blank=True,
        related_name="predecessors",
    )
    note = models.TextField(_("ghi chú"), blank=True)
    # Not unique: a unit formed in 2025 usually keeps the code of one of its predecessors.
    nso_code = models.CharField(
        _("mã thống kê"), max_length=8, blank=True, db_index=True,
        validators=[RegexValidator(r"^[0-9]+$", _("Mã thống kê chỉ gồm chữ số, ví dụ 93 hoặc 31321."))],
        help_text=_("Mã đơn vị hành chính của Tổng cục Thống kê (ví dụ 93, 31321)."),
    )

    class Meta:
        verbose_name = _("đơn vị hành chính")
        verbose_name_plural = _("đơn vị hành chính")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=F("id")), name="orgunit_not_own_parent"
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_from__lte=F("valid_to")),
                name="orgunit_valid_range",
            ),
            models.CheckConstraint(
                condition=Q(level__in=OrgUnitLevel.values), name="orgunit_level_known"
            ),
        ]
        # The national view finds the country and the provinces by level among
        # every commune (15,000 units): without it, two scans of the table.
        indexes = [models.Index(fields=["level"], name="orgunit_level")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def is_active_in(self, year: int) -> bool:
        from kpis.rules import unit_active_in  # kpis.rules reads this module's choices

        return unit_active_in(valid_from=self.valid_from, valid_to=self.valid_to, year=year)

    def is_abolished_on(self, day) -> bool:
        """Gone before the day's year began: a document of that day calls it former ("cũ")."""
        from kpis.rules import unit_abolished_on  # kpis.rules reads this module's choices

        return unit_abolished_on(valid_to=self.valid_to, day=day)

    def clean(self) -> None:
        ancestor, seen, chain = self.parent, set(), [self.code]
        while ancestor is not None:
            chain.append(self.code if ancestor.pk == self.pk else ancestor.code)
            if ancestor.pk == self.pk and self.pk is not None:
                raise ValidationError({"parent": parent_cycle_message(chain)})
            if ancestor.pk in seen:
                break
            seen.add(ancestor.pk)
            ancestor = ancestor.parent
        if self.valid_from is not None and self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("Năm hết hiệu lực không được trước năm có hiệu lực.")})


def parent_cycle_message(chain: list[str]) -> str:
    return _("Đơn vị cấp trên tạo thành vòng lặp: %(cycle)s.") % {"cycle": " → ".join(chain)}


class Sector(models.Model):
    code = models.CharField(_("mã"), max_length=32, unique=True, validators=[CODE_VALIDATOR])
    name = models.CharField(_("tên"), max_length=200)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=200, blank=True)
    description = models.TextField(_("mô tả"), blank=True)
    position = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    owner_agency = models.CharField(
        _("cơ quan quản lý"), max_length=200, blank=True,
        help_text=_("Cơ quan quản lý lĩnh vực trước mọi tên theo thời gian của nó."))

    class Meta:
        verbose_name = _("lĩnh vực")
        verbose_name_plural = _("lĩnh vực")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name


class SectorVersion(models.Model):
    """A sector's name and owning agency from a date: departments are renamed
    and merged (the Sở TT&TT's sectors went to the Sở KH&CN on 1 March 2025).
    Before its first version a sector reads as ``Sector.name``; which name a
    page or a report shows is ``kpis.selectors.sector_names_on``."""

    sector = models.ForeignKey(Sector, verbose_name=_("lĩnh vực"), on_delete=models.CASCADE,
                               related_name="versions")
    valid_from = models.DateField(_("từ ngày"))
    name = models.CharField(_("tên"), max_length=200)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=200, blank=True)
    owner_agency = models.CharField(
        _("cơ quan quản lý"), max_length=200, blank=True,
        help_text=_("Cơ quan chuyên môn quản lý lĩnh vực từ ngày này, ví dụ: Sở Khoa học và Công nghệ."))

    class Meta:
        verbose_name = _("tên lĩnh vực theo thời gian")
        verbose_name_plural = _("tên lĩnh vực theo thời gian")
        ordering = ["sector", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["sector", "valid_from"], name="sectorversion_sector_from"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.valid_from:%d/%m/%Y})" if self.valid_from else self.name


class ValueType(models.TextChoices):
    INTEGER = "integer", _("Số nguyên")
    DECIMAL = "decimal", _("Số thập phân")
    PERCENT = "percent", _("Tỷ lệ phần trăm")
    YES_NO = "yes_no", _("Có/Không")


class Aggregation(models.TextChoices):
    SUM = "sum", _("Cộng")
    AVERAGE = "average", _("Trung bình")
    MIN = "min", _("Nhỏ nhất")
    MAX = "max", _("Lớn nhất")
    NONE = "none", _("Không cộng dồn")


class Direction(models.TextChoices):
    HIGHER = "higher", _("Càng cao càng tốt")
    LOWER = "lower", _("Càng thấp càng tốt")


class Indicator(models.Model):
    """Either entered (staff enter it at ``entry_levels``; it rolls up by
    ``aggregation``) or derived (``formula`` over other indicators' codes)."""

    code = models.CharField(_("mã"), max_length=64, unique=True, validators=[CODE_VALIDATOR])
    name = models.CharField(_("tên"), max_length=300)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=300, blank=True)
    sector = models.ForeignKey(Sector, verbose_name=_("lĩnh vực"), on_delete=models.PROTECT,
                               related_name="indicators")
    definition = models.TextField(_("định nghĩa"), blank=True)
    definition_en = models.TextField(_("định nghĩa tiếng Anh"), blank=True)
    unit = models.CharField(_("đơn vị tính"), max_length=64, blank=True)
    unit_en = models.CharField(_("đơn vị tính tiếng Anh"), max_length=64, blank=True)
    value_type = models.CharField(_("kiểu giá trị"), max_length=16, choices=ValueType.choices)
    decimals = models.PositiveSmallIntegerField(_("số chữ số thập phân"), default=0)
    direction = models.CharField(_("chiều tốt"), max_length=8, choices=Direction.choices,
                                 default=Direction.HIGHER)
    aggregation = models.CharField(
        _("cách tổng hợp"), max_length=8, choices=Aggregation.choices, blank=True,
        help_text=_("Chỉ với chỉ tiêu nhập liệu; để trống với chỉ tiêu tính theo công thức."),
    )
    formula = models.CharField(
        _("công thức"), max_length=500, blank=True,
        help_text=_("Chỉ với chỉ tiêu tính toán, ví dụ: MOBILE_SUBSCRIBERS / POPULATION * 100"),
    )
    entry_levels = models.JSONField(
        _("cấp nhập liệu"), default=list, blank=True,
        help_text=_("Các cấp đơn vị được nhập chỉ tiêu này, ví dụ [\"province\", \"district\"]."),
    )
    frequency = models.CharField(
        _("tần suất"), max_length=10, choices=Frequency.choices, default=Frequency.YEAR,
        help_text=_("Kỳ nhập số liệu: năm, 6 tháng, quý hoặc tháng."))
    time_aggregation = models.CharField(
        _("cộng dồn theo thời gian"), max_length=8, choices=TimeAggregation.choices, blank=True,
        help_text=_("Với chỉ tiêu nhập theo kỳ ngắn hơn năm: kỳ dài hơn được tính thế nào từ các kỳ ngắn "
                    "(cộng với chỉ tiêu lưu lượng, lấy số cuối kỳ với chỉ tiêu thời điểm)."))
    source = models.CharField(_("nguồn"), max_length=500, blank=True)
    is_key = models.BooleanField(_("chỉ tiêu chính"), default=False,
                                 help_text=_("Hiển thị trên trang tổng quan."))
    position = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    max_change_ratio = models.DecimalField(
        _("mức thay đổi tối đa (lần)"), max_digits=8, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("1.01"))],
        help_text=_("Cảnh báo khi số liệu tăng hoặc giảm quá số lần này so với cùng kỳ năm trước, ví dụ 3. "
                    "Để trống: dùng quy tắc chung (điểm z hiệu chỉnh so với lịch sử của đơn vị và các đơn vị "
                    "cùng cấp), xem docs/data-quality.md."))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("chỉ tiêu")
        verbose_name_plural = _("chỉ tiêu")
        ordering = ["sector__position", "position", "code"]
        constraints = [
            models.CheckConstraint(
                name="indicator_entered_xor_derived",
                condition=(Q(formula="") & ~Q(aggregation=""))
                | (~Q(formula="") & Q(aggregation="")),
                violation_error_message=_(
                    "Chỉ tiêu nhập liệu cần cách tổng hợp và không có công thức; "
                    "chỉ tiêu tính toán có công thức và không có cách tổng hợp."
                ),
            ),
            models.CheckConstraint(
                name="indicator_derived_has_no_entry_levels",
                condition=Q(formula="") | Q(entry_levels=[]),
            ),
            models.CheckConstraint(name="indicator_decimals_range", condition=Q(decimals__lte=6)),
            models.CheckConstraint(
                name="indicator_value_type_known", condition=Q(value_type__in=ValueType.values)
            ),
            models.CheckConstraint(
                name="indicator_aggregation_known",
                condition=Q(aggregation="") | Q(aggregation__in=Aggregation.values),
            ),
            models.CheckConstraint(
                name="indicator_direction_known", condition=Q(direction__in=Direction.values)
            ),
            models.CheckConstraint(
                name="indicator_frequency_known", condition=Q(frequency__in=Frequency.values)
            ),
            models.CheckConstraint(
                name="indicator_time_aggregation_known",
                condition=Q(time_aggregation="") | Q(time_aggregation__in=TimeAggregation.values),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"

    @property
    def is_derived(self) -> bool:
        return bool(self.formula)

    def clean(self) -> None:
        errors = {}
        if self.formula and self.aggregation:
            errors["aggregation"] = _("Chỉ tiêu tính theo công thức không có cách tổng hợp.")
        if not self.formula and not self.aggregation:
            errors["aggregation"] = _("Chỉ tiêu nhập liệu cần cách tổng hợp (hoặc 'không cộng dồn').")
        if self.formula and self.entry_levels:
            errors["entry_levels"] = _("Chỉ tiêu tính theo công thức không được nhập trực tiếp.")
        if not isinstance(self.entry_levels, list) or any(
            level not in OrgUnitLevel.values for level in self.entry_levels
        ):
            errors["entry_levels"] = _("Cấp nhập liệu phải là danh sách trong: %(levels)s.") % {
                "levels": ", ".join(OrgUnitLevel.values)
            }
        if self.value_type in (ValueType.INTEGER, ValueType.YES_NO) and self.decimals:
            errors["decimals"] = _("Số nguyên và Có/Không không có chữ số thập phân.")
        if message := formula_syntax_error(self.formula):
            errors["formula"] = message
        if self.frequency != Frequency.YEAR and not self.formula and not self.time_aggregation:
            errors["time_aggregation"] = _(
                "Chỉ tiêu nhập theo kỳ ngắn hơn năm cần cách cộng dồn theo thời gian "
                "(hoặc 'không tính kỳ dài hơn').")
        if errors:
            raise ValidationError(errors)


def formula_syntax_error(text: object) -> str | None:
    """Why a formula does not parse, or None. Whether the codes it uses exist
    (and form no cycle) needs the database: kpis/services/catalogue_entries.py."""
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        parse_formula(text)
    except FormulaError as error:
        return error.message
    return None


class DefinitionChange(models.Model):
    """A change to what an indicator measures, shown beside its figures (for
    example levels 3/4 becoming "toàn trình" under Decree 42/2022)."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="definition_changes",
                                  verbose_name=_("chỉ tiêu"))
    year = models.PositiveSmallIntegerField(_("từ năm"))
    description = models.TextField(_("nội dung thay đổi"))
    description_en = models.TextField(_("nội dung thay đổi (tiếng Anh)"), blank=True)
    source = models.CharField(_("nguồn"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("thay đổi định nghĩa")
        verbose_name_plural = _("thay đổi định nghĩa")
        ordering = ["indicator", "year"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "year"], name="definition_change_unique_year"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.year}"


class ComparisonOperator(models.TextChoices):
    GTE = ">=", "≥"
    LTE = "<=", "≤"
    EQ = "=", "="


class Target(models.Model):
    indicator = models.ForeignKey(Indicator, verbose_name=_("chỉ tiêu"), on_delete=models.CASCADE,
                                  related_name="targets")
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("đơn vị"), on_delete=models.PROTECT,
                                 related_name="targets")
    year = models.PositiveSmallIntegerField(_("năm mục tiêu"))
    operator = models.CharField(_("phép so sánh"), max_length=2, choices=ComparisonOperator.choices)
    value = models.DecimalField(_("giá trị mục tiêu"), max_digits=20, decimal_places=6)
    baseline_year = models.PositiveSmallIntegerField(_("năm gốc"), null=True, blank=True)
    source = models.CharField(_("nguồn"), max_length=500, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("mục tiêu")
        verbose_name_plural = _("mục tiêu")
        ordering = ["indicator", "org_unit", "year"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "org_unit", "year"], name="target_unique"),
            models.CheckConstraint(
                name="target_baseline_before_target",
                condition=Q(baseline_year__isnull=True) | Q(baseline_year__lt=F("year")),
            ),
            models.CheckConstraint(
                name="target_operator_known", condition=Q(operator__in=ComparisonOperator.values)
            ),
            models.CheckConstraint(
                name="target_year_range", condition=Q(year__gte=MIN_YEAR) & Q(year__lte=MAX_YEAR)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.org_unit.code} {self.year} {self.operator} {self.value}"

    def clean(self) -> None:
        if self.baseline_year is not None and self.year is not None and self.baseline_year >= self.year:
            raise ValidationError({"baseline_year": _("Năm gốc phải trước năm mục tiêu.")})


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Nháp")
    SUBMITTED = "submitted", _("Đã gửi duyệt")
    APPROVED = "approved", _("Đã duyệt")
    RETURNED = "returned", _("Bị trả lại")


class YearlyReport(models.Model):
    """One sector × one org unit × one year. Its status moves only through the
    services in ``kpis.services.reports``."""

    sector = models.ForeignKey(Sector, verbose_name=_("lĩnh vực"), on_delete=models.PROTECT,
                               related_name="reports")
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("đơn vị"), on_delete=models.PROTECT,
                                 related_name="reports")
    year = models.PositiveSmallIntegerField(_("năm"))
    period = models.PositiveSmallIntegerField(
        _("kỳ"), default=YEAR_PART, db_default=YEAR_PART,
        help_text=_("0: cả năm; 101–102: 6 tháng; 201–204: quý; 301–312: tháng."))
    status = models.CharField(_("trạng thái"), max_length=16, choices=ReportStatus.choices,
                              default=ReportStatus.DRAFT)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người tạo"), null=True,
                                   blank=True, on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(_("gửi duyệt lúc"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người gửi duyệt"),
                                     null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    approved_at = models.DateTimeField(_("duyệt lúc"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người duyệt"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    returned_at = models.DateTimeField(_("trả lại lúc"), null=True, blank=True)
    returned_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người trả lại"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    return_reason = models.TextField(_("lý do trả lại"), blank=True)
    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        verbose_name = _("báo cáo năm")
        verbose_name_plural = _("báo cáo năm")
        ordering = ["-year", "sector__position", "org_unit__code"]
        constraints = [
            models.UniqueConstraint(fields=["sector", "org_unit", "year", "period"], name="report_unique"),
            models.CheckConstraint(name="report_period_known", condition=Q(period__in=PERIOD_PARTS)),
            models.CheckConstraint(
                name="report_status_known", condition=Q(status__in=ReportStatus.values)
            ),
            models.CheckConstraint(
                name="report_year_range", condition=Q(year__gte=MIN_YEAR) & Q(year__lte=MAX_YEAR)
            ),
            models.CheckConstraint(
                name="report_approved_has_time",
                condition=~Q(status=ReportStatus.APPROVED) | Q(approved_at__isnull=False),
            ),
            models.CheckConstraint(
                name="report_submitted_has_time",
                condition=~Q(status=ReportStatus.SUBMITTED) | Q(submitted_at__isnull=False),
            ),
            models.CheckConstraint(
                name="report_returned_has_reason",
                condition=~Q(status=ReportStatus.RETURNED)
                | (Q(returned_at__isnull=False) & ~Q(return_reason="")),
            ),
        ]
        permissions = [
            ("submit_yearlyreport", _("Có thể gửi duyệt báo cáo")),
            ("approve_yearlyreport", _("Có thể duyệt, trả lại và mở lại báo cáo")),
            ("view_approved_yearlyreport", _("Có thể xem mọi báo cáo đã duyệt")),
            ("export_summary", _("Có thể xuất báo cáo tổng hợp")),
        ]

    def __str__(self) -> str:
        return f"{self.sector} – {self.org_unit.name} – {self.reporting_period.label}"

    @property
    def reporting_period(self) -> Period:
        return Period(self.year, self.period)

    @property
    def is_editable(self) -> bool:
        return self.status in (ReportStatus.DRAFT, ReportStatus.RETURNED)


class DataValue(models.Model):
    """One figure: indicator × org unit × year. Yes/no values are stored as 1/0.
    Only values of approved reports are official."""

    report = models.ForeignKey(YearlyReport, verbose_name=_("báo cáo"), on_delete=models.PROTECT,
                               related_name="values")
    indicator = models.ForeignKey(Indicator, verbose_name=_("chỉ tiêu"), on_delete=models.PROTECT,
                                  related_name="values")
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("đơn vị"), on_delete=models.PROTECT,
                                 related_name="values")
    year = models.PositiveSmallIntegerField(_("năm"))
    period = models.PositiveSmallIntegerField(
        _("kỳ"), default=YEAR_PART, db_default=YEAR_PART,
        help_text=_("0: cả năm; 101–102: 6 tháng; 201–204: quý; 301–312: tháng."))
    value = models.DecimalField(_("giá trị"), max_digits=20, decimal_places=6)
    comment = models.TextField(_("ghi chú"), blank=True)
    source = models.CharField(_("nguồn"), max_length=500, blank=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người cập nhật"),
                                   null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("số liệu")
        verbose_name_plural = _("số liệu")
        ordering = ["indicator", "org_unit", "year"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "org_unit", "year", "period"], name="datavalue_unique"),
            models.CheckConstraint(name="datavalue_period_known", condition=Q(period__in=PERIOD_PARTS)),
            models.CheckConstraint(
                name="datavalue_year_range", condition=Q(year__gte=MIN_YEAR) & Q(year__lte=MAX_YEAR)
            ),
        ]
        indexes = [models.Index(fields=["year", "indicator"], name="datavalue_year_indicator")]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.org_unit.code} {self.year} = {self.value}"


class ValidationRule(models.Model):
    """A cross-indicator check kept as data: ``left operator right`` over the
    figures of one org unit and year, e.g. ONLINE_DOSSIERS <= ALL_DOSSIERS."""

    code = models.CharField(_("mã"), max_length=64, unique=True, validators=[CODE_VALIDATOR])
    left = models.CharField(_("vế trái"), max_length=500)
    operator = models.CharField(_("phép so sánh"), max_length=2, choices=ComparisonOperator.choices)
    right = models.CharField(_("vế phải"), max_length=500)
    message = models.CharField(_("thông báo lỗi"), max_length=500)
    message_en = models.CharField(_("thông báo lỗi tiếng Anh"), max_length=500, blank=True)
    is_active = models.BooleanField(_("đang áp dụng"), default=True)

    class Meta:
        verbose_name = _("quy tắc kiểm tra")
        verbose_name_plural = _("quy tắc kiểm tra")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                name="rule_operator_known", condition=Q(operator__in=ComparisonOperator.values)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.left} {self.operator} {self.right}"

    def clean(self) -> None:
        errors = {side: message for side in ("left", "right")
                  if (message := formula_syntax_error(getattr(self, side)))}
        if errors:
            raise ValidationError(errors)


class MilestoneStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Chưa triển khai")
    IN_PROGRESS = "in_progress", _("Đang triển khai")
    DONE = "done", _("Hoàn thành")
    CANCELLED = "cancelled", _("Hủy bỏ")


class Milestone(models.Model):
    code = models.CharField(_("mã"), max_length=64, unique=True, validators=[CODE_VALIDATOR])
    sector = models.ForeignKey(Sector, verbose_name=_("lĩnh vực"), on_delete=models.PROTECT,
                               related_name="milestones")
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("đơn vị"), on_delete=models.PROTECT,
                                 related_name="milestones", null=True, blank=True)
    title = models.CharField(_("nội dung"), max_length=300)
    title_en = models.CharField(_("nội dung tiếng Anh"), max_length=300, blank=True)
    due = models.DateField(_("hạn hoàn thành"))
    status = models.CharField(_("trạng thái"), max_length=16, choices=MilestoneStatus.choices,
                              default=MilestoneStatus.NOT_STARTED)
    completed_on = models.DateField(_("ngày hoàn thành"), null=True, blank=True)
    status_as_of = models.DateField(
        _("trạng thái tính đến ngày"), null=True, blank=True,
        help_text=_("Ngày của nguồn cho biết trạng thái. Nếu hạn đã qua mà trạng thái cũ hơn hạn, trang "
                    "hiện “không có thông tin từ” ngày này thay vì “quá hạn”. Để trống: trạng thái hiện tại."))
    evidence = models.TextField(_("minh chứng"), blank=True)
    source = models.CharField(_("nguồn"), max_length=500, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("mốc nhiệm vụ")
        verbose_name_plural = _("mốc nhiệm vụ")
        ordering = ["due", "code"]
        constraints = [
            models.CheckConstraint(
                name="milestone_status_known", condition=Q(status__in=MilestoneStatus.values)
            ),
            models.CheckConstraint(
                name="milestone_completed_only_when_done",
                condition=Q(completed_on__isnull=True) | Q(status=MilestoneStatus.DONE),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.completed_on is not None and self.status != MilestoneStatus.DONE:
            raise ValidationError({"completed_on": _("Chỉ mốc đã hoàn thành mới có ngày hoàn thành.")})


class Assignment(models.Model):
    """What a user may enter or approve: a sector (or every sector) at an org
    unit and, optionally, every unit below it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người dùng"),
                             on_delete=models.CASCADE, related_name="assignments")
    sector = models.ForeignKey(Sector, verbose_name=_("lĩnh vực"), on_delete=models.CASCADE,
                               null=True, blank=True, help_text=_("Để trống: mọi lĩnh vực."))
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("đơn vị"), on_delete=models.CASCADE)
    include_descendants = models.BooleanField(_("gồm các đơn vị cấp dưới"), default=False)

    class Meta:
        verbose_name = _("phân công")
        verbose_name_plural = _("phân công")
        constraints = [
            models.UniqueConstraint(fields=["user", "sector", "org_unit"], name="assignment_unique",
                                    condition=Q(sector__isnull=False)),
            models.UniqueConstraint(fields=["user", "org_unit"], name="assignment_unique_all_sectors",
                                    condition=Q(sector__isnull=True)),
        ]

    def __str__(self) -> str:
        sector = self.sector.name if self.sector else _("mọi lĩnh vực")
        return f"{self.user} – {sector} – {self.org_unit.code}"


def quantize_for(indicator: Indicator, value: Decimal) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-indicator.decimals))


class AggregateMethod(models.TextChoices):
    ENTERED = "entered", _("Nhập trực tiếp")
    ROLLUP = "rollup", _("Tổng hợp từ đơn vị cấp dưới")
    DERIVED = "derived", _("Tính theo công thức")
    PERIODS = "periods", _("Tính từ các kỳ ngắn hơn")


class ProgressStatus(models.TextChoices):
    """Statistics Canada / Open SDG vocabulary (see docs/aggregation.md)."""

    ACHIEVED = "achieved", _("Đạt")
    NOT_ACHIEVED = "not_achieved", _("Không đạt")
    ON_TRACK = "on_track", _("Đúng tiến độ")
    NEEDS_ACCELERATION = "needs_acceleration", _("Cần đẩy nhanh")
    LIMITED_PROGRESS = "limited_progress", _("Tiến triển chậm")
    DETERIORATION = "deterioration", _("Đi xuống")
    NO_DATA = "no_data", _("Chưa đủ số liệu")


class Aggregate(models.Model):
    """What every page, export and the API read: one indicator × org unit ×
    year, computed only by ``kpis.aggregation`` from approved figures."""

    # No database-level foreign keys: this is a cache rebuilt by set-based SQL
    # that only writes ids it read from those tables, and ten million rows of
    # deferred key checks would double the time of a full recompute. No
    # single-column indexes either: the composite ones below lead with each
    # key, and every index slows the writing of ten million rows.
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="aggregates",
                                  db_constraint=False, db_index=False)
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="aggregates",
                                 db_constraint=False, db_index=False)
    year = models.PositiveSmallIntegerField()
    period = models.PositiveSmallIntegerField(default=YEAR_PART, db_default=YEAR_PART)  # kpis.periods
    value = models.DecimalField(max_digits=26, decimal_places=8)
    method = models.CharField(max_length=8, choices=AggregateMethod.choices)
    children_count = models.PositiveIntegerField(default=0)
    expected_children = models.PositiveIntegerField(default=0)
    is_complete = models.BooleanField(default=True)
    # Computed for a year before the unit existed, from the units merged into
    # it, or derived from such a figure (docs/aggregation.md, "Reconstructed").
    reconstructed = models.BooleanField(default=False)
    previous_value = models.DecimalField(max_digits=26, decimal_places=8, null=True)
    change = models.DecimalField(max_digits=26, decimal_places=8, null=True)
    change_pct = models.DecimalField(max_digits=26, decimal_places=8, null=True)
    target = models.ForeignKey(Target, on_delete=models.SET_NULL, null=True, related_name="+",
                               db_constraint=False, db_index=False)
    status = models.CharField(max_length=20, choices=ProgressStatus.choices, null=True)
    achievement_pct = models.DecimalField(max_digits=26, decimal_places=8, null=True)

    class Meta:
        verbose_name = _("số liệu tổng hợp")
        verbose_name_plural = _("số liệu tổng hợp")
        constraints = [
            # Period before year: a full recompute reads and writes cells in
            # this order, each series (indicator, unit, period) by year, so the
            # window that finds "a year earlier" needs no sort.
            models.UniqueConstraint(fields=["indicator", "org_unit", "period", "year"], name="aggregate_unique"),
        ]
        # Every reader filters by indicator (the unique index leads with it) or
        # by org unit (the index below); an index by year alone would cost a
        # tenth of a full recompute and serve no page.
        indexes = [
            models.Index(fields=["org_unit", "period", "year"], name="aggregate_unit_year"),
            # Few cells have a target: a partial index serves deleting a target.
            models.Index(fields=["target"], condition=models.Q(target__isnull=False), name="aggregate_target"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}@{self.org_unit_id}/{self.year}: {self.value}"


class StaleMark(models.Model):
    """Cells whose aggregates no longer match the data, written in the same
    transaction as the change. No indicator means "recompute everything"."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, null=True, related_name="+")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, null=True, related_name="+")
    year = models.PositiveSmallIntegerField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.indicator_id or '*'}@{self.org_unit_id or '*'}/{self.year or '*'}"


class RecomputeRun(models.Model):
    """One finished recompute, so pages can say when figures were last updated."""

    class Kind(models.TextChoices):
        FULL = "full", _("Toàn bộ")
        INCREMENTAL = "incremental", _("Một phần")

    kind = models.CharField(max_length=12, choices=Kind.choices)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    cells = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)

    class Meta:
        get_latest_by = "finished_at"
        indexes = [models.Index(fields=["-finished_at"], name="recompute_run_finished")]

    def __str__(self) -> str:
        return f"{self.kind} {self.finished_at:%Y-%m-%d %H:%M:%S}"


# --- Leaders' summary export (issue 5) -------------------------------------------------------


class DocumentSettings(models.Model):
    """What the header and signature blocks of an exported report say (Decree
    30/2020, Annex I), for an org unit's tree over a period. Agencies are
    renamed and merged (the Sở TT&TT went into the Sở KH&CN on 1 March 2025,
    Hậu Giang into Cần Thơ on 1 July 2025), so each row has a validity period
    and a report takes the row valid on its issue date
    (``kpis.export.selectors.document_settings_for``). A row without a unit
    applies to every tree that has none of its own. An empty field falls back
    as docs/export.md explains. Periods of one unit never overlap
    (``kpis.export.services.document_settings_check``)."""

    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("đơn vị áp dụng"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="document_settings",
        help_text=_("Đơn vị (thường là cấp cao nhất của cây) mà báo cáo của nó và các đơn vị cấp dưới dùng "
                    "thiết lập này. Để trống: áp dụng cho mọi đơn vị không có thiết lập riêng."))
    valid_from = models.DateField(
        _("áp dụng từ ngày"), help_text=_("Ngày ban hành báo cáo đầu tiên dùng thiết lập này."))
    valid_to = models.DateField(
        _("áp dụng đến ngày"), null=True, blank=True,
        help_text=_("Ngày cuối cùng (kể cả ngày đó); để trống nếu còn áp dụng."))
    parent_agency = models.CharField(
        _("cơ quan chủ quản"), max_length=200, blank=True,
        help_text=_("Tên cơ quan, tổ chức chủ quản trực tiếp, viết hoa, ví dụ: UBND TỈNH … "
                    "Để trống: \"UBND\" và tên đơn vị cấp cao nhất của cây đơn vị."))
    issuing_agency = models.CharField(
        _("cơ quan ban hành"), max_length=200, blank=True,
        help_text=_("Tên cơ quan ban hành báo cáo, viết hoa, ví dụ: SỞ KHOA HỌC VÀ CÔNG NGHỆ."))
    document_symbol = models.CharField(
        _("ký hiệu văn bản"), max_length=64, blank=True,
        help_text=_("Phần sau số văn bản, ví dụ: BC-SKHCN (in ra: \"Số: …/BC-SKHCN\")."))
    document_number = models.CharField(
        _("số văn bản"), max_length=16, blank=True,
        help_text=_("Thường để trống: văn thư ghi số khi ban hành."))
    place = models.CharField(
        _("địa danh"), max_length=100, blank=True,
        help_text=_("Địa danh ghi trước ngày tháng (tên tỉnh, thành phố nơi cơ quan đóng trụ sở). "
                    "Để trống: tên đơn vị cấp cao nhất của cây đơn vị."))
    signer_authority = models.CharField(
        _("thẩm quyền ký"), max_length=100, blank=True,
        help_text=_("Ví dụ: KT. GIÁM ĐỐC (ký thay); để trống khi người đứng đầu ký."))
    signer_title = models.CharField(_("chức vụ người ký"), max_length=100, default="GIÁM ĐỐC")
    signer_name = models.CharField(_("họ tên người ký"), max_length=100, blank=True)
    recipients = models.TextField(
        _("nơi nhận"), blank=True, default="Lưu: VT.",
        help_text=_("Mỗi dòng một nơi nhận, ví dụ: UBND tỉnh (để báo cáo);"))
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("thiết lập văn bản báo cáo")
        verbose_name_plural = _("thiết lập văn bản báo cáo")
        ordering = ["org_unit__code", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_from__lte=F("valid_to")),
                name="document_settings_valid_range"),
            models.UniqueConstraint(fields=["org_unit", "valid_from"], name="document_settings_unit_from"),
        ]

    def __str__(self) -> str:
        return _("%(agency)s (%(period)s)") % {
            "agency": self.issuing_agency or self.parent_agency or _("Thiết lập văn bản báo cáo"),
            "period": self.period_text()}

    def period_text(self) -> str:
        start = self.valid_from.strftime("%d/%m/%Y") if self.valid_from else "…"
        end = self.valid_to.strftime("%d/%m/%Y") if self.valid_to else "…"
        return f"{start} – {end}"

    def is_valid_on(self, day) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def overlaps(self, other: "DocumentSettings") -> bool:
        """Two periods share a day (an open end runs for ever)."""
        return ((self.valid_to is None or other.valid_from <= self.valid_to)
                and (other.valid_to is None or self.valid_from <= other.valid_to))

    def clean(self) -> None:
        if self.valid_from is not None and self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("Ngày hết áp dụng không được trước ngày bắt đầu áp dụng.")})


class ExportFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    DOCX = "docx", _("DOCX (Word, sửa được)")
    XLSX = "xlsx", _("XLSX (Excel, bảng tổng hợp)")


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Đang chờ")
    RUNNING = "running", _("Đang tạo")
    DONE = "done", _("Hoàn thành")
    FAILED = "failed", _("Lỗi")


class ExportJob(models.Model):
    """One request for a summary report and, once rendered, its stored file.
    ``key`` identifies the content (parameters, data version, document
    settings, date), so an identical request on unchanged data reuses it."""

    key = models.CharField(max_length=64, db_index=True)
    year = models.PositiveSmallIntegerField(_("năm"))
    # The year (0) or a half-year of it (101, 102): the report of six months (docs/export.md).
    period = models.PositiveSmallIntegerField(_("kỳ"), default=YEAR_PART, choices=PERIOD_CHOICES)
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("đơn vị"), on_delete=models.CASCADE,
                                 related_name="+")
    sector = models.ForeignKey(Sector, verbose_name=_("lĩnh vực"), on_delete=models.CASCADE, null=True,
                               blank=True, related_name="+")
    fmt = models.CharField(_("định dạng"), max_length=8, choices=ExportFormat.choices)
    districts = models.BooleanField(_("kèm phụ lục từng đơn vị cấp dưới"), default=False)
    issued_on = models.DateField(_("ngày báo cáo"))
    data_version = models.CharField(max_length=255)
    status = models.CharField(_("trạng thái"), max_length=8, choices=ExportStatus.choices,
                              default=ExportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("tiến độ (%)"), default=0)
    file = models.CharField(_("tệp"), max_length=300, blank=True)
    error = models.TextField(_("lỗi"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người yêu cầu"), null=True,
                                   blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("yêu cầu lúc"), auto_now_add=True)
    started_at = models.DateTimeField(_("bắt đầu lúc"), null=True, blank=True)
    finished_at = models.DateTimeField(_("xong lúc"), null=True, blank=True)
    # Moved on every claim and progress report: a queued or running job whose
    # stamp is older than EXPORT_JOB_TIMEOUT_MINUTES has lost its worker.
    progressed_at = models.DateTimeField(_("tiến triển lần cuối"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("lượt xuất báo cáo")
        verbose_name_plural = _("lượt xuất báo cáo")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="export_job_progress_range"),
            models.CheckConstraint(condition=Q(period__in=[YEAR_PART, 101, 102]), name="export_job_period_known"),
            models.CheckConstraint(condition=Q(status__in=ExportStatus.values), name="export_job_status_known"),
            models.CheckConstraint(condition=Q(fmt__in=ExportFormat.values), name="export_job_format_known"),
            models.CheckConstraint(condition=~Q(status=ExportStatus.DONE) | ~Q(file=""),
                                   name="export_job_done_has_file"),
        ]

    def __str__(self) -> str:
        from kpis.periods import Period

        sector = f" {self.sector.code}" if self.sector_id else ""
        return f"{self.org_unit.code} {Period(self.year, self.period).code}{sector} {self.fmt}"


# --- Audit log (issue 9) -----------------------------------------------------------------------


class AuditAction(models.TextChoices):
    LOGIN_SUCCEEDED = "login_succeeded", _("Đăng nhập thành công")
    LOGIN_FAILED = "login_failed", _("Đăng nhập thất bại")
    LOCKED_OUT = "locked_out", _("Khoá do đăng nhập sai nhiều lần")
    UNLOCKED = "unlocked", _("Mở khoá đăng nhập")
    LOGOUT = "logout", _("Đăng xuất")
    SECOND_FACTOR = "second_factor", _("Xác thực hai lớp")
    PASSWORD_CHANGED = "password_changed", _("Đổi mật khẩu")
    ACCOUNT_DISABLED = "account_disabled", _("Khoá tài khoản không hoạt động")
    REPORT_SUBMITTED = "report_submitted", _("Gửi duyệt báo cáo")
    REPORT_APPROVED = "report_approved", _("Duyệt báo cáo")
    REPORT_RETURNED = "report_returned", _("Trả lại báo cáo")
    REPORT_REOPENED = "report_reopened", _("Mở lại báo cáo")
    USER_CHANGED = "user_changed", _("Thay đổi người dùng")
    GROUP_CHANGED = "group_changed", _("Thay đổi nhóm quyền")
    ASSIGNMENT_CHANGED = "assignment_changed", _("Thay đổi phân công")
    CATALOGUE_CHANGED = "catalogue_changed", _("Thay đổi danh mục")
    TOKEN_CREATED = "token_created", _("Tạo khoá truy cập API")
    TOKEN_REVOKED = "token_revoked", _("Thu hồi khoá truy cập API")
    EXPORT_DOWNLOADED = "export_downloaded", _("Tải tệp xuất")
    VALUES_UPLOADED = "values_uploaded", _("Ghi số liệu từ tệp tải lên")
    WARNING_ACKNOWLEDGED = "warning_acknowledged", _("Xác nhận cảnh báo số liệu")
    # Who gets official figures by mail, and who stopped (issue 14).
    SUMMARY_SUBSCRIBED = "summary_subscribed", _("Đăng ký nhận báo cáo tổng hợp qua thư")
    SUMMARY_UNSUBSCRIBED = "summary_unsubscribed", _("Huỷ đăng ký nhận báo cáo tổng hợp")


class AuditEvent(models.Model):
    """One security-relevant event, kept for inspectors (Circular 12/2022).
    ``username`` is stored as typed, so failed sign-ins of unknown names and
    events of since-deleted users stay readable."""

    at = models.DateTimeField(_("thời điểm"), auto_now_add=True, db_index=True)
    action = models.CharField(_("hành động"), max_length=32, choices=AuditAction.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người dùng"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    username = models.CharField(_("tên đăng nhập"), max_length=150, blank=True)
    address = models.GenericIPAddressField(_("địa chỉ IP"), null=True, blank=True)
    object_type = models.CharField(_("loại đối tượng"), max_length=100, blank=True)
    object_id = models.CharField(_("mã đối tượng"), max_length=64, blank=True)
    object_repr = models.CharField(_("đối tượng"), max_length=300, blank=True)
    detail = models.TextField(_("chi tiết"), blank=True)

    class Meta:
        verbose_name = _("nhật ký an toàn")
        verbose_name_plural = _("nhật ký an toàn")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(action__in=AuditAction.values), name="audit_action_known"),
        ]
        indexes = [models.Index(fields=["action", "-at"], name="audit_action_at"),
                   models.Index(fields=["username", "-at"], name="audit_username_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username or '-'} {self.action}"


class PasswordHistory(models.Model):
    """A hash of a password a user has had, and when it was set: the reuse
    check compares new passwords with the last few, and the newest row dates
    the current password for expiry. Written by the password validator's
    ``password_changed`` hook (kpis/password_validation.py)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người dùng"), on_delete=models.CASCADE,
                             related_name="password_history")
    password_hash = models.CharField(_("mật khẩu đã băm"), max_length=128)
    changed_at = models.DateTimeField(_("thời điểm đổi"), auto_now_add=True)

    class Meta:
        verbose_name = _("mật khẩu cũ")
        verbose_name_plural = _("mật khẩu cũ")
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["user", "-changed_at"], name="password_history_user_at")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.changed_at:%Y-%m-%d %H:%M:%S}"


# --- API tokens (issue 11) ---------------------------------------------------------------------


class ApiToken(models.Model):
    """A credential for a machine calling the API on a user's behalf. Only the
    SHA-256 of the secret is stored; ``prefix`` (its first characters, shown
    in lists) finds the row, and the digest is then compared in constant time."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người dùng"), on_delete=models.CASCADE,
                             related_name="api_tokens")
    name = models.CharField(_("tên"), max_length=100)
    prefix = models.CharField(_("tiền tố"), max_length=16, db_index=True)
    digest = models.CharField(_("mã băm"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("dùng lần cuối"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("khoá truy cập API")
        verbose_name_plural = _("khoá truy cập API")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], condition=Q(revoked_at__isnull=True),
                                    name="api_token_live_name_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


# --- Mail: summary subscriptions and report reminders (issue 14) ---------------------------------


class PeriodKind(models.TextChoices):
    """The periods a summary is mailed for. Each value is the frequency
    (kpis.periods.Frequency) of the periods it covers: every year, or every half-year."""

    YEAR = "year", _("Năm")
    HALF_YEAR = "half_year", _("6 tháng")


# The periods a summary is made of (and an administrator dates): the year and its two halves.
SUMMARY_PERIOD_CHOICES = PERIOD_CHOICES[:3]
SUMMARY_PERIOD_PARTS = [part for part, _label in SUMMARY_PERIOD_CHOICES]


class SummarySubscription(models.Model):
    """A user who wants the summary of a unit mailed for each period once its
    figures are approved (or on the date an administrator sets)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người nhận"), on_delete=models.CASCADE,
                             related_name="summary_subscriptions")
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("đơn vị"), on_delete=models.CASCADE, related_name="+")
    period_kind = models.CharField(_("kỳ"), max_length=16, choices=PeriodKind.choices, default=PeriodKind.YEAR)
    created_at = models.DateTimeField(_("đăng ký lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("đăng ký nhận báo cáo")
        verbose_name_plural = _("đăng ký nhận báo cáo")
        ordering = ["org_unit__code", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "org_unit", "period_kind"], name="subscription_unique"),
            models.CheckConstraint(condition=Q(period_kind__in=PeriodKind.values), name="subscription_period_known"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.org_unit.code} ({self.get_period_kind_display()})"

    @property
    def is_half_year(self) -> bool:
        return self.period_kind == PeriodKind.HALF_YEAR


class SummarySchedule(models.Model):
    """A date set by an administrator on which every subscriber of the unit to
    that kind of period gets the period's summary (the year's, or a half-year's),
    whether or not all its reports are approved."""

    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("đơn vị"), on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("năm"))
    period = models.PositiveSmallIntegerField(
        _("kỳ"), default=YEAR_PART, choices=SUMMARY_PERIOD_CHOICES,
        help_text=_("Cả năm (gửi cho người đăng ký báo cáo năm) hoặc 6 tháng đầu/cuối năm (gửi cho người đăng ký "
                    "báo cáo 6 tháng)."))
    send_on = models.DateField(_("ngày gửi"))

    class Meta:
        verbose_name = _("lịch gửi báo cáo")
        verbose_name_plural = _("lịch gửi báo cáo")
        ordering = ["-year", "period", "org_unit__code"]
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "year", "period"], name="summary_schedule_unique"),
            models.CheckConstraint(condition=Q(year__gte=MIN_YEAR) & Q(year__lte=MAX_YEAR),
                                   name="summary_schedule_year_range"),
            models.CheckConstraint(condition=Q(period__in=SUMMARY_PERIOD_PARTS), name="summary_schedule_period_known"),
        ]

    def __str__(self) -> str:
        return f"{self.org_unit.code} {Period(self.year, self.period).code}: {self.send_on:%d/%m/%Y}"


class MailStatus(models.TextChoices):
    QUEUED = "queued", _("Đang chờ gửi")
    DELIVERED = "delivered", _("Đã gửi")
    FAILED = "failed", _("Gửi lỗi")


class SendingTrigger(models.TextChoices):
    APPROVED = "approved", _("Số liệu đã duyệt đủ")
    SCHEDULED = "scheduled", _("Theo lịch của quản trị")
    COMMAND = "command", _("Lệnh send_summary")


class SummarySending(models.Model):
    """One summary mailed (or being mailed) to one address. A subscription's
    sending for a period is one row, retried in place: it is never sent twice."""

    subscription = models.ForeignKey(SummarySubscription, verbose_name=_("đăng ký"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="sendings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người nhận"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    email = models.CharField(_("địa chỉ thư"), max_length=254)
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("đơn vị"), on_delete=models.CASCADE, related_name="+")
    period_kind = models.CharField(_("kỳ"), max_length=16, choices=PeriodKind.choices, default=PeriodKind.YEAR)
    year = models.PositiveSmallIntegerField(_("năm"))
    # The year's summary (0, period_kind "year") or a half-year's (101, 102, period_kind "half_year").
    period = models.PositiveSmallIntegerField(_("kỳ báo cáo"), default=YEAR_PART, choices=SUMMARY_PERIOD_CHOICES)
    trigger = models.CharField(_("lý do gửi"), max_length=16, choices=SendingTrigger.choices)
    status = models.CharField(_("trạng thái"), max_length=16, choices=MailStatus.choices, default=MailStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("số lần thử"), default=0)
    error = models.TextField(_("lý do của lần gửi lỗi gần nhất"), blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    attempted_at = models.DateTimeField(_("thử gửi lần cuối"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("gửi được lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("lượt gửi báo cáo")
        verbose_name_plural = _("lượt gửi báo cáo")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "year", "period"], name="sending_once_per_period",
                                    condition=Q(subscription__isnull=False)),
            models.CheckConstraint(condition=Q(period_kind=PeriodKind.YEAR, period=YEAR_PART)
                                   | Q(period_kind=PeriodKind.HALF_YEAR, period__in=SUMMARY_PERIOD_PARTS[1:]),
                                   name="sending_period_of_its_kind"),
            models.CheckConstraint(condition=Q(status__in=MailStatus.values), name="sending_status_known"),
            models.CheckConstraint(condition=~Q(status=MailStatus.DELIVERED) | Q(delivered_at__isnull=False),
                                   name="sending_delivered_has_time"),
        ]

    def __str__(self) -> str:
        return f"{self.email} – {self.org_unit.code} {self.period_label} ({self.get_status_display()})"

    @property
    def period_label(self) -> str:
        """"2025", "6 tháng đầu năm 2025"."""
        return Period(self.year, self.period).label


class ReportDueDate(models.Model):
    """An explicit due date for the reports of one period (a year, a half-year,
    a quarter or a month): for one sector, or (no sector) for every sector
    without a date of its own. It wins over the rules (ReportDueRule) for that
    period; the order is in kpis/due_dates.py and docs/periods.md."""

    sector = models.ForeignKey(Sector, verbose_name=_("lĩnh vực"), null=True, blank=True, on_delete=models.CASCADE,
                               related_name="+", help_text=_("Để trống: mọi lĩnh vực không có hạn riêng."))
    year = models.PositiveSmallIntegerField(_("năm"))
    period = models.PositiveSmallIntegerField(
        _("kỳ"), default=YEAR_PART, choices=PERIOD_CHOICES,
        help_text=_("Cả năm, hoặc một kỳ trong năm (6 tháng, quý, tháng) của báo cáo có hạn này."))
    due_on = models.DateField(_("hạn nộp"))

    class Meta:
        verbose_name = _("hạn nộp báo cáo")
        verbose_name_plural = _("hạn nộp báo cáo")
        ordering = ["-year", "period", "sector__position"]
        constraints = [
            models.UniqueConstraint(fields=["sector", "year", "period"], name="due_date_unique",
                                    condition=Q(sector__isnull=False)),
            models.UniqueConstraint(fields=["year", "period"], name="due_date_unique_all_sectors",
                                    condition=Q(sector__isnull=True)),
            models.CheckConstraint(condition=Q(year__gte=MIN_YEAR) & Q(year__lte=MAX_YEAR),
                                   name="due_date_year_range"),
            models.CheckConstraint(condition=Q(period__in=PERIOD_PARTS), name="due_date_period_known"),
        ]

    def __str__(self) -> str:
        from kpis.periods import Period

        sector = self.sector.name if self.sector_id else _("mọi lĩnh vực")
        return f"{Period(self.year, self.period).label} – {sector}: {self.due_on:%d/%m/%Y}"


class ReportDueRule(models.Model):
    """When the reports of a frequency are due, for every period: so many days
    after the period ends ("quarterly reports are due 15 days after the
    quarter"). For one sector, or (no sector) for every sector without a rule
    of its own for that frequency."""

    sector = models.ForeignKey(Sector, verbose_name=_("lĩnh vực"), null=True, blank=True, on_delete=models.CASCADE,
                               related_name="+", help_text=_("Để trống: mọi lĩnh vực không có quy tắc riêng."))
    frequency = models.CharField(_("tần suất báo cáo"), max_length=16, choices=Frequency.choices,
                                 default=Frequency.QUARTER)
    days_after_end = models.PositiveSmallIntegerField(
        _("số ngày sau khi hết kỳ"),
        help_text=_("Hạn nộp là ngày cuối kỳ cộng số ngày này: 15 cho quý 3 là ngày 15/10."))

    class Meta:
        verbose_name = _("quy tắc hạn nộp báo cáo")
        verbose_name_plural = _("quy tắc hạn nộp báo cáo")
        ordering = ["frequency", "sector__position"]
        constraints = [
            models.UniqueConstraint(fields=["sector", "frequency"], name="due_rule_unique",
                                    condition=Q(sector__isnull=False)),
            models.UniqueConstraint(fields=["frequency"], name="due_rule_unique_all_sectors",
                                    condition=Q(sector__isnull=True)),
            models.CheckConstraint(condition=Q(frequency__in=Frequency.values), name="due_rule_frequency_known"),
            models.CheckConstraint(condition=Q(days_after_end__lte=366), name="due_rule_days_range"),
        ]

    def __str__(self) -> str:
        sector = self.sector.name if self.sector_id else _("mọi lĩnh vực")
        return _("%(frequency)s – %(sector)s: %(days)s ngày sau khi hết kỳ") % {
            "frequency": self.get_frequency_display(), "sector": sector, "days": self.days_after_end}


CUTOFF_DAY_MAX = 28  # a day every month has


class ReportingCutoff(models.Model):
    """When a periodic report's figures are cut off ("thời gian chốt số liệu"):
    a period counts the figures up to ``cutoff_day`` of its last month, from
    the day after the previous period's cut-off (Decree 09/2019/NĐ-CP: 14, so
    a quarter runs from the 15th of the month before it to the 14th of its last
    month). No cut-off day: calendar periods. For one sector, or (no sector)
    for every sector without a rule of its own; the rule valid on a period's
    calendar last day applies (kpis/cutoffs.py, docs/periods.md). It moves a
    period's dates and due date, never its identity or its aggregation."""

    sector = models.ForeignKey(Sector, verbose_name=_("lĩnh vực"), null=True, blank=True, on_delete=models.CASCADE,
                               related_name="+", help_text=_("Để trống: mọi lĩnh vực không có quy định riêng."))
    cutoff_day = models.PositiveSmallIntegerField(
        _("ngày chốt số liệu"), null=True, blank=True,
        help_text=_("Ngày cuối cùng được tính vào kỳ, trong tháng cuối của kỳ (1–28): với 14, quý 3 tính từ ngày "
                    "15/6 đến ngày 14/9. Để trống: kỳ theo lịch (quý 3 từ ngày 1/7 đến ngày 30/9), để chấm dứt "
                    "một quy định chốt số liệu từ ngày áp dụng."))
    valid_from = models.DateField(
        _("áp dụng từ ngày"),
        help_text=_("Áp dụng cho các kỳ kết thúc (theo lịch) từ ngày này; quy định mới hơn thay thế quy định cũ."))
    legal_basis = models.CharField(
        _("căn cứ"), max_length=255,
        help_text=_("Văn bản quy định thời gian chốt số liệu, ví dụ: Nghị định 09/2019/NĐ-CP, Điều 12."))

    class Meta:
        verbose_name = _("thời gian chốt số liệu")
        verbose_name_plural = _("thời gian chốt số liệu")
        ordering = ["-valid_from", "sector__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["sector", "valid_from"], name="cutoff_unique", condition=Q(sector__isnull=False),
                violation_error_message=_("Lĩnh vực này đã có một quy định chốt số liệu áp dụng từ ngày này.")),
            models.UniqueConstraint(
                fields=["valid_from"], name="cutoff_unique_all_sectors", condition=Q(sector__isnull=True),
                violation_error_message=_("Đã có một quy định chốt số liệu cho mọi lĩnh vực áp dụng từ ngày này.")),
            models.CheckConstraint(condition=Q(cutoff_day__isnull=True) | Q(cutoff_day__gte=1,
                                                                             cutoff_day__lte=CUTOFF_DAY_MAX),
                                   name="cutoff_day_range"),
            models.CheckConstraint(condition=~Q(legal_basis=""), name="cutoff_has_legal_basis"),
        ]

    def __str__(self) -> str:
        sector = self.sector.name if self.sector_id else _("mọi lĩnh vực")
        rule = (_("chốt số liệu ngày %(day)s") % {"day": self.cutoff_day} if self.cutoff_day
                else _("kỳ theo lịch"))
        return _("%(sector)s, từ %(date)s: %(rule)s") % {
            "sector": sector, "date": f"{self.valid_from:%d/%m/%Y}", "rule": rule}

    def clean(self) -> None:
        errors = {}
        if self.cutoff_day is not None and not 1 <= self.cutoff_day <= CUTOFF_DAY_MAX:
            errors["cutoff_day"] = _("Ngày chốt số liệu phải từ 1 đến 28 (ngày mà tháng nào cũng có); để trống nếu "
                                     "kỳ tính theo lịch.")
        if not (self.legal_basis or "").strip():
            errors["legal_basis"] = _("Hãy ghi văn bản quy định thời gian chốt số liệu, ví dụ: Nghị định "
                                      "09/2019/NĐ-CP, Điều 12.")
        if errors:
            raise ValidationError(errors)


class ReminderKind(models.TextChoices):
    TO_SUBMIT = "to_submit", _("Nhắc nộp báo cáo")
    TO_APPROVE = "to_approve", _("Báo cáo chờ duyệt")


class Reminder(models.Model):
    """One report someone was reminded of, on one day (a mail lists several)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người được nhắc"), on_delete=models.CASCADE,
                             related_name="+")
    kind = models.CharField(_("loại"), max_length=16, choices=ReminderKind.choices)
    sector = models.ForeignKey(Sector, verbose_name=_("lĩnh vực"), on_delete=models.CASCADE, related_name="+")
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("đơn vị"), on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("năm"))
    period = models.PositiveSmallIntegerField(_("kỳ"), default=YEAR_PART, choices=PERIOD_CHOICES)
    due_on = models.DateField(_("hạn nộp"))
    sent_on = models.DateField(_("ngày nhắc"))
    status = models.CharField(_("trạng thái"), max_length=16, choices=MailStatus.choices)
    error = models.TextField(_("lỗi"), blank=True)
    at = models.DateTimeField(_("thời điểm"), auto_now=True)

    class Meta:
        verbose_name = _("lượt nhắc báo cáo")
        verbose_name_plural = _("lượt nhắc báo cáo")
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "sector", "org_unit", "year", "period", "sent_on"],
                                    name="reminder_once_a_day"),
            models.CheckConstraint(condition=Q(period__in=PERIOD_PARTS), name="reminder_period_known"),
            models.CheckConstraint(condition=Q(status__in=MailStatus.values), name="reminder_status_known"),
            models.CheckConstraint(condition=Q(kind__in=ReminderKind.values), name="reminder_kind_known"),
        ]
        indexes = [models.Index(fields=["year", "org_unit"], name="reminder_year_unit")]

    def __str__(self) -> str:
        from kpis.periods import Period

        return (f"{self.user} {self.sector.code} {self.org_unit.code} {Period(self.year, self.period).code} "
                f"{self.sent_on:%d/%m/%Y}")


# --- Data quality: warnings on figures (issue 14 §2) ---------------------------------------------


class WarningKind(models.TextChoices):
    """What kpis.quality finds implausible in a figure (docs/data-quality.md)."""

    JUMP = "jump", _("Thay đổi bất thường so với cùng kỳ năm trước")
    FLAT = "flat", _("Bằng đúng số liệu cùng kỳ năm trước")
    RULE = "rule", _("Vi phạm quy tắc kiểm tra")


class WarningAcknowledgement(models.Model):
    """An approver saw a warning on a figure and accepts it. It covers the
    figure's value at that moment only: a changed value opens the warning again."""

    report = models.ForeignKey(YearlyReport, verbose_name=_("báo cáo"), on_delete=models.CASCADE,
                               related_name="warning_acknowledgements")
    indicator = models.ForeignKey(Indicator, verbose_name=_("chỉ tiêu"), on_delete=models.CASCADE,
                                  related_name="+")
    kind = models.CharField(_("loại cảnh báo"), max_length=8, choices=WarningKind.choices)
    # The broken rule's code for a rule warning (one figure may break several rules); empty otherwise.
    rule_code = models.CharField(_("mã quy tắc"), max_length=64, blank=True)
    value = models.DecimalField(_("giá trị đã xác nhận"), max_digits=20, decimal_places=6)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người xác nhận"), null=True,
                             on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("xác nhận lúc"), auto_now_add=True)
    note = models.TextField(_("ghi chú"), blank=True)

    class Meta:
        verbose_name = _("xác nhận cảnh báo số liệu")
        verbose_name_plural = _("xác nhận cảnh báo số liệu")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=WarningKind.values), name="warning_ack_kind_known"),
            models.CheckConstraint(condition=Q(kind=WarningKind.RULE) | Q(rule_code=""),
                                   name="warning_ack_rule_code_only_for_rules"),
        ]
        indexes = [models.Index(fields=["report", "indicator"], name="warning_ack_report_indicator")]

    def __str__(self) -> str:
        return f"{self.report_id} {self.indicator_id} {self.kind} {self.value}"
