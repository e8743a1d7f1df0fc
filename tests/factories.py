"""Factories for the domain; workflows are driven through the real services."""

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from kpis.models import Assignment, Indicator, OrgUnit, Sector, ValidationRule


class OrgUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrgUnit
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"U{n}")
    name = factory.LazyAttribute(lambda unit: f"Đơn vị {unit.code}")
    level = "province"


class SectorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sector
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"SECTOR{n}")
    name = factory.LazyAttribute(lambda sector: f"Lĩnh vực {sector.code}")


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"IND{n}")
    name = factory.LazyAttribute(lambda indicator: f"Chỉ tiêu {indicator.code}")
    sector = factory.SubFactory(SectorFactory)
    unit = "đơn vị"
    value_type = "integer"
    aggregation = "sum"
    entry_levels = factory.LazyFunction(lambda: ["province", "district"])


class ValidationRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ValidationRule

    code = factory.Sequence(lambda n: f"RULE{n}")
    operator = "<="
    message = "Quy tắc bị vi phạm"


def make_user(username: str, *, group: str | None = None, superuser: bool = False, assignments=()):
    """``assignments``: (sector or None, org_unit, include_descendants) triples."""
    user = get_user_model().objects.create_user(
        username=username, password="correct-horse-battery", is_staff=True, is_superuser=superuser)
    if group:
        user.groups.add(Group.objects.get(name=group))
    for sector, org_unit, include_descendants in assignments:
        Assignment.objects.create(user=user, sector=sector, org_unit=org_unit,
                                  include_descendants=include_descendants)
    return get_user_model().objects.get(pk=user.pk)  # fresh permission cache


def put_values(rows, *, status="approved"):
    """Figures as (indicator, org_unit, year, value), in reports of ``status``
    (approved by default, as `import_values` leaves them)."""
    from django.utils import timezone

    from kpis.models import DataValue, YearlyReport

    for indicator, org_unit, year, value in rows:
        report, _ = YearlyReport.objects.get_or_create(
            sector=indicator.sector, org_unit=org_unit, year=year,
            defaults={"status": status, "approved_at": timezone.now() if status == "approved" else None,
                      "submitted_at": timezone.now() if status in ("approved", "submitted") else None},
        )
        DataValue.objects.update_or_create(
            indicator=indicator, org_unit=org_unit, year=year,
            defaults={"report": report, "value": value},
        )
