"""Filters of the dashboards (django-filter): the year and the org unit every
page takes, and the milestones' sector and status. A bad value gives the form
an error that the page shows; it never reaches a query."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from kpis.models import (
    MAX_YEAR,
    MIN_YEAR,
    Aggregate,
    Milestone,
    MilestoneStatus,
    Sector,
)


class YearFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class DashboardFilter(django_filters.FilterSet):
    """``?year=2020&unit=HG``: both optional (the page picks the latest year with
    figures and the top unit)."""

    year = YearFilter(field_name="year", label=_("Năm"), min_value=MIN_YEAR, max_value=MAX_YEAR,
                      error_messages={"invalid": _("Năm phải là một số, ví dụ 2020."),
                                      "min_value": _("Năm phải từ %(limit_value)s trở đi."),
                                      "max_value": _("Năm phải đến %(limit_value)s là cùng.")})
    unit = django_filters.CharFilter(field_name="org_unit__code", label=_("Đơn vị"), max_length=32)

    class Meta:
        model = Aggregate
        fields = ()

    @property
    def values(self) -> tuple[int | None, str | None]:
        """(year, unit code) once the form is valid."""
        data = self.form.cleaned_data
        return data.get("year"), (data.get("unit") or "").strip().upper() or None


class MilestoneFilter(django_filters.FilterSet):
    sector = django_filters.ModelChoiceFilter(
        field_name="sector", to_field_name="code", queryset=Sector.objects.all(), label=_("Lĩnh vực"),
        empty_label=_("Mọi lĩnh vực"))
    status = django_filters.ChoiceFilter(choices=MilestoneStatus.choices, label=_("Trạng thái"),
                                         empty_label=_("Mọi trạng thái"))

    class Meta:
        model = Milestone
        fields = ()


def errors_of(filterset: django_filters.FilterSet) -> list[str]:
    return [f"{filterset.form.fields[name].label}: {message}" if name in filterset.form.fields else message
            for name, messages in filterset.form.errors.items() for message in messages]


class NationalFilter(DashboardFilter):
    """``?indicator=BTS&year=2025&unit=VN``: the national view's indicator and
    year, and the unit whose trend it draws (the country or a province)."""

    indicator = django_filters.CharFilter(field_name="indicator__code", label=_("Chỉ tiêu"), max_length=64)

    @property
    def indicator_code(self) -> str | None:
        return (self.form.cleaned_data.get("indicator") or "").strip() or None
