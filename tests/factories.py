"""Factories for the domain; workflows are driven through the real services."""

from datetime import date

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from kpis.models import Assignment, Indicator, OrgUnit, ReportingCutoff, Sector, ValidationRule


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


class ReportingCutoffFactory(factory.django.DjangoModelFactory):
    """Decree 09/2019/NĐ-CP's cut-off for every sector: figures up to the 14th of a period's last month."""

    class Meta:
        model = ReportingCutoff

    sector = None
    cutoff_day = 14
    valid_from = factory.LazyFunction(lambda: date(2019, 1, 1))
    legal_basis = "Nghị định 09/2019/NĐ-CP, Điều 12"


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
    """Figures as (indicator, org_unit, period, value), in reports of ``status``
    (approved by default, as `import_values` leaves them). The period is a
    year (2024) or a period's code ("2025-Q1")."""
    from django.utils import timezone

    from kpis.models import DataValue, YearlyReport
    from kpis.periods import Period

    for indicator, org_unit, period, value in rows:
        period = Period.parse(period)
        report, _ = YearlyReport.objects.get_or_create(
            sector=indicator.sector, org_unit=org_unit, year=period.year, period=period.part,
            defaults={"status": status, "approved_at": timezone.now() if status == "approved" else None,
                      "submitted_at": timezone.now() if status in ("approved", "submitted") else None},
        )
        DataValue.objects.update_or_create(
            indicator=indicator, org_unit=org_unit, year=period.year, period=period.part,
            defaults={"report": report, "value": value},
        )


def national_province(code: str, name: str, root, *, valid_from=None, valid_to=None):
    return OrgUnitFactory(code=code, name=name, level="province", parent=root, valid_from=valid_from,
                          valid_to=valid_to)


def make_nation():
    """A country with five provinces to 2024 and three from 2025 (A+B → AB, C
    unchanged, D+E → DE), one indicator where higher is better (BTS) and one
    where lower is (DAYS), approved and recomputed. Returns the country."""
    from decimal import Decimal

    from kpis.aggregation import aggregates_recompute
    from kpis.models import Target

    root = OrgUnitFactory(code="NATION", name="Cả nước", level="country")
    a, b = (national_province("A", "Tỉnh An", root, valid_to=2024),
            national_province("B", "Tỉnh Bình", root, valid_to=2024))
    c = national_province("C", "Tỉnh Cường", root)
    d, e = (national_province("D", "Tỉnh Dương", root, valid_to=2024),
            national_province("E", "Tỉnh Em", root, valid_to=2024))
    ab = national_province("AB", "Tỉnh An Bình", root, valid_from=2025)
    de = national_province("DE", "Tỉnh Dương Em", root, valid_from=2025)
    for old, new in ((a, ab), (b, ab), (d, de), (e, de)):
        old.successors.add(new)
    sector = SectorFactory(code="DX", name="Chuyển đổi số", position=1)
    bts = IndicatorFactory(code="BTS", name="Số trạm BTS", sector=sector, unit="trạm", is_key=True,
                           entry_levels=["province"])
    days = IndicatorFactory(code="DAYS", name="Số ngày xử lý hồ sơ", sector=sector, unit="ngày", direction="lower",
                            aggregation="average", entry_levels=["province"])
    put_values([
        (bts, a, 2024, Decimal(100)), (bts, b, 2024, Decimal(50)), (bts, c, 2024, Decimal(100)),
        (bts, d, 2024, Decimal(70)), (bts, e, 2024, Decimal(1010)),
        (bts, ab, 2025, Decimal(200)), (bts, c, 2025, Decimal(90)), (bts, de, 2025, Decimal(90)),
        (days, a, 2024, Decimal(5)), (days, b, 2024, Decimal(3)), (days, c, 2024, Decimal(5)),
        (days, d, 2024, Decimal(4)),
    ])
    Target.objects.create(indicator=bts, org_unit=c, year=2025, operator=">=", value=Decimal(120))
    aggregates_recompute()
    return root
