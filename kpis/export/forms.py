"""The parameters of a summary report, validated in one place for the export
page and the ``export_summary`` command: codes become the unit and the sector
(in any case: "hg" is HG), and every bad value gets a message naming it."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kpis.models import MAX_YEAR, MIN_YEAR, ExportFormat, OrgUnit, Sector
from kpis.periods import YEAR_PART


class CodeChoiceField(forms.ModelChoiceField):
    """A unit or a sector given by its code, in any case and with spaces around."""

    def __init__(self, queryset, **kwargs):
        super().__init__(queryset, to_field_name="code", **kwargs)

    def to_python(self, value):
        typed = value.strip() if isinstance(value, str) else value
        try:
            return super().to_python(typed.upper() if isinstance(typed, str) else typed)
        except ValidationError:
            # The message says the code as typed (%(code)s, the catalogue's wording).
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                  params={"code": typed}) from None


class ReportScopeForm(forms.Form):
    """Whose report: the unit, and a sector or all of them."""

    org_unit = CodeChoiceField(
        OrgUnit.objects.all(), label=_("Đơn vị"),
        error_messages={"required": _("Hãy chọn đơn vị."),
                        "invalid_choice": _("Không có đơn vị mã \"%(code)s\".")})
    sector = CodeChoiceField(
        Sector.objects.all(), label=_("Lĩnh vực"), required=False,
        error_messages={"invalid_choice": _("Không có lĩnh vực mã \"%(code)s\".")})

    CODE_FIELDS = ("org_unit", "sector")

    def unknown_codes(self) -> list[str]:
        """For each code that names nothing, its field's label and the message."""
        return [f"{self[name].label}: {' '.join(self.errors[name])}" for name in self.CODE_FIELDS
                if self.has_error(name, "invalid_choice")]


# The period of a summary within its year: the whole year, or a half-year ("báo cáo 6 tháng").
PERIOD_PARTS = {"": YEAR_PART, "H1": 101, "H2": 102}


def summary_part(text: str | None) -> int:
    """``""``/``H1``/``H2`` (any case) → the period part (kpis.periods); a ValidationError otherwise."""
    key = (text or "").strip().upper()
    if key not in PERIOD_PARTS:
        raise ValidationError(_("Kỳ \"%(value)s\" không có; hãy chọn cả năm, H1 (6 tháng đầu năm) hoặc H2 "
                                "(6 tháng cuối năm).") % {"value": (text or "")[:10]}, code="invalid_choice")
    return PERIOD_PARTS[key]


class ExportForm(ReportScopeForm):
    """The export page: the scope, the year or a half-year of it, the format and the annex."""

    field_order = ("year", "period", "org_unit", "sector", "fmt", "districts")

    year = forms.IntegerField(
        label=_("Năm"), min_value=MIN_YEAR, max_value=MAX_YEAR,
        error_messages={
            "required": _("Hãy chọn năm báo cáo."),
            "invalid": _("Năm phải là một số, ví dụ 2020."),
            "min_value": _("Năm phải từ %(limit_value)s trở đi."),
            "max_value": _("Năm phải đến %(limit_value)s là cùng."),
        })
    fmt = forms.ChoiceField(
        label=_("Định dạng"), choices=ExportFormat.choices, initial=ExportFormat.PDF,
        error_messages={"required": _("Hãy chọn định dạng."),
                        "invalid_choice": _("Định dạng \"%(value)s\" không có; hãy chọn PDF, DOCX hoặc XLSX.")})
    period = forms.CharField(label=_("Kỳ báo cáo"), required=False, max_length=10)
    districts = forms.BooleanField(label=_("Kèm phụ lục số liệu từng đơn vị cấp dưới"), required=False)

    PERIOD_CHOICES = (("", _("Cả năm")), ("H1", _("6 tháng đầu năm")), ("H2", _("6 tháng cuối năm")))

    def clean_period(self) -> int:
        return summary_part(self.cleaned_data.get("period"))

    def only_unknown_codes(self) -> bool:
        """Every field is fine but a code that names nothing (the page answers 404)."""
        return bool(self.errors) and set(self.errors) <= {
            name for name in self.CODE_FIELDS if self.has_error(name, "invalid_choice")}
