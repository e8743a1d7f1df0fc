from decimal import Decimal

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kpis import permissions
from kpis.models import Indicator, OrgUnit, Sector, ValueType, YearlyReport
from kpis.periods import YEAR_PART, Period
from kpis.services.reports import report_period_check, report_unit_check

YES_NO_CHOICES = [("", "—"), ("1", _("Có")), ("0", _("Không"))]


def value_field_name(indicator: Indicator) -> str:
    return f"v_{indicator.code}"


def comment_field_name(indicator: Indicator) -> str:
    return f"c_{indicator.code}"


class ReportValuesForm(forms.Form):
    """One field per indicator of the report, built at run time because the
    indicators are data. Numbers are localized, so staff type 9.391 or 92,7.
    ``version`` carries the version of the figures the page showed, so a save
    from an outdated page is refused instead of overwriting newer figures."""

    version = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, indicators: list[Indicator], **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        for indicator in indicators:
            self.fields[value_field_name(indicator)] = self._value_field(indicator)
            self.fields[comment_field_name(indicator)] = forms.CharField(
                label=_("Ghi chú"), required=False, max_length=1000,
                widget=forms.TextInput(attrs={"class": "entry-comment"}),
            )

    @staticmethod
    def _value_field(indicator: Indicator) -> forms.Field:
        label = indicator.name
        if indicator.value_type == ValueType.YES_NO:
            return forms.TypedChoiceField(
                label=label, choices=YES_NO_CHOICES, required=False, coerce=Decimal,
                empty_value=None,
            )
        return forms.DecimalField(
            label=label, required=False, localize=True,
            widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "entry-value",
                                          "autocomplete": "off"}),
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("version") is None:
            raise forms.ValidationError(_("Trang nhập liệu này đã cũ (thiếu phiên bản số liệu). Hãy tải lại "
                                          "trang rồi nhập lại; chưa có gì được lưu."), code="no_version")
        return cleaned

    def values(self) -> dict[str, Decimal | None]:
        """The figures the request carried: a field left out of it (an old page,
        a script) leaves its figure alone; only a field sent empty clears one."""
        return {i.code: self.cleaned_data.get(value_field_name(i)) for i in self.indicators
                if value_field_name(i) in self.data}

    def comments(self) -> dict[str, str]:
        return {i.code: self.cleaned_data.get(comment_field_name(i), "").strip()
                for i in self.indicators if comment_field_name(i) in self.data}

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        by_code = {indicator.code: indicator for indicator in self.indicators}
        for code, messages in errors.items():
            field = value_field_name(by_code[code]) if code in by_code else None
            for message in messages:
                self.add_error(field, message)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Lý do"), widget=forms.Textarea(attrs={"rows": 2}),
                             max_length=2000)


def period_part_choices() -> list[tuple[int, str]]:
    """The parts of a year a report can be for, named without the year (the form has its own year field)."""
    choices = [(YEAR_PART, gettext("Cả năm")), (101, gettext("6 tháng đầu năm")), (102, gettext("6 tháng cuối năm"))]
    choices += [(200 + n, gettext("Quý %(number)d") % {"number": n}) for n in range(1, 5)]
    choices += [(300 + n, gettext("Tháng %(number)d") % {"number": n}) for n in range(1, 13)]
    return choices


class ReportCreateForm(forms.ModelForm):
    """Staff choose only among the sectors and units they are assigned to, and
    the period: the whole year, or a half-year, quarter or month for the
    sector's indicators entered that often."""

    period = forms.TypedChoiceField(label=_("Kỳ báo cáo"), choices=period_part_choices, coerce=int,
                                    required=False, empty_value=YEAR_PART, initial=YEAR_PART)

    class Meta:
        model = YearlyReport
        fields = ["sector", "org_unit", "year", "period"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user is not None:
            unit_ids, sector_ids = permissions.assigned_units_and_sectors(user)
            if unit_ids is not None:
                self.fields["org_unit"].queryset = OrgUnit.objects.filter(pk__in=unit_ids)
            if sector_ids is not None:
                self.fields["sector"].queryset = Sector.objects.filter(pk__in=sector_ids)

    def clean(self):
        cleaned = super().clean()
        sector, org_unit, year = cleaned.get("sector"), cleaned.get("org_unit"), cleaned.get("year")
        if org_unit and year:
            try:
                report_unit_check(org_unit=org_unit, year=year)
            except ValidationError as error:
                self.add_error("year", error.message_dict["year"])
                return cleaned
        if sector and year:
            try:
                report_period_check(sector=sector, period=Period(year, cleaned.get("period") or YEAR_PART))
            except ValidationError as error:
                self.add_error("period", error.message_dict["period"])
                return cleaned
        if sector and org_unit and self.user is not None and not permissions.can_create_report(
            self.user, sector=sector, org_unit=org_unit, year=year
        ):
            raise forms.ValidationError(
                _("Bạn không được phân công nhập liệu lĩnh vực %(sector)s cho %(unit)s.")
                % {"sector": sector.name, "unit": org_unit.name}
            )
        return cleaned

    def validate_unique(self):
        # report_create says it in words a user understands
        pass


class CheckedAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete widget looks the posted value up to show it again
    when the form has errors; a value that is not an id (a forged post) would
    make that query fail. Such a value is shown as nothing selected; the
    form field has already reported it as an invalid choice."""

    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        target = remote.model._meta.get_field(getattr(remote, "field_name", remote.model._meta.pk.attname))
        return super().optgroups(name, [v for v in value if _is_value_of(target, v)], attr)


def _is_value_of(field: models.Field, value) -> bool:
    try:
        field.to_python(value)
    except ValidationError:
        return False
    return True


class CheckedAutocompleteAdmin:
    """For a ModelAdmin or inline: autocomplete fields use CheckedAutocompleteSelect."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = CheckedAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
