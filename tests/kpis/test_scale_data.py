import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, F, Q, Sum

from kpis.aggregation import aggregates_check, aggregates_recompute
from kpis.management.commands.generate_scale_data import commune_groups, province_groups
from kpis.models import Aggregate, DataValue, Indicator, OrgUnit
from tests.factories import IndicatorFactory, put_values


@pytest.mark.django_db
def test_synthetic_data_is_labelled_consistent_and_aggregates():
    call_command("generate_scale_data", size="tiny")
    assert OrgUnit.objects.filter(code="SYN", level="country").exists()
    assert OrgUnit.objects.filter(level="commune", code__startswith="SYN").count() == 2 * 2 * 3
    assert not Indicator.objects.filter(code__startswith="SYN").exclude(source__icontains="giả lập").exists()
    # every commune has every commune-level indicator for every year, in an approved report
    assert DataValue.objects.exclude(report__status="approved").count() == 0
    assert DataValue.objects.count() == 12 * 9 * 3  # 9 entered indicators (1 of 10 is derived)
    aggregates_recompute()
    assert Aggregate.objects.filter(org_unit__code="SYN", method="rollup").exists()
    assert Aggregate.objects.filter(method="derived").exists()
    assert aggregates_check()[0] == 0
    with pytest.raises(CommandError, match="--replace"):
        call_command("generate_scale_data", size="tiny")
    call_command("generate_scale_data", size="tiny", replace=True)
    assert OrgUnit.objects.filter(code__startswith="SYN").count() == 1 + 2 + 4 + 12


def test_the_generator_refuses_a_database_with_real_data(world):
    with pytest.raises(CommandError) as caught:
        call_command("generate_scale_data", size="tiny")
    assert "3 đơn vị, 2 lĩnh vực, 5 chỉ tiêu" in str(caught.value) and "--force" in str(caught.value)
    assert not OrgUnit.objects.filter(code__startswith="SYN").exists()


def test_with_force_it_generates_and_replacing_leaves_real_codes_alone(world):
    lookalike = IndicatorFactory(code="SYNC_RATE", name="Tỷ lệ đồng bộ", sector=world.telecom)
    put_values([(lookalike, world.province, 2020, 7)])
    call_command("generate_scale_data", size="tiny", force=True)
    assert OrgUnit.objects.filter(code="SYN").exists()
    call_command("generate_scale_data", size="tiny", force=True, replace=True)
    assert DataValue.objects.get(indicator=lookalike).value == 7
    assert OrgUnit.objects.filter(code__startswith="SYN").count() == 1 + 2 + 4 + 12


def _valid_in(year: int):
    return OrgUnit.objects.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=year),
                                  Q(valid_to__isnull=True) | Q(valid_to__gte=year))


@pytest.mark.django_db
def test_the_reorganisation_merges_provinces_abolishes_districts_and_merges_communes():
    call_command("generate_scale_data", provinces=7, districts=2, communes=15, indicators=10, years=3,
                 reorganise=True)
    provinces, communes = _valid_in(2024).filter(level="province"), _valid_in(2025).filter(level="commune")
    assert provinces.count() == 7 and _valid_in(2025).filter(level="province").count() == 4
    assert not _valid_in(2025).filter(level="district").exists()
    assert _valid_in(2024).filter(level="commune").count() == 7 * 30
    # about three old communes into one new one, each directly under a province of the new map
    assert communes.count() == 7 * 10 and not communes.exclude(parent__level="province").exists()
    merged = OrgUnit.objects.filter(level="province", valid_to=2024)
    assert merged.count() == 6
    assert all(p.successors.count() == 1 and p.successors.get().valid_from == 2025 for p in merged)
    assert {p.successors.get().code for p in merged} == {"SYN-M01", "SYN-M02", "SYN-M03"}
    old_communes = OrgUnit.objects.filter(level="commune", valid_to=2024).annotate(n=Count("successors"))
    assert not old_communes.filter(n=0).exists()
    assert old_communes.filter(n=2).count() == 7  # one split in each old province, the rest whole mergers
    # figures follow the tree of each year: the years run to the break and past it
    assert set(DataValue.objects.values_list("year", flat=True)) == {2023, 2024, 2025}
    assert not DataValue.objects.filter(year=2025, org_unit__valid_to=2024).exists()
    assert not DataValue.objects.filter(year__lt=2025, org_unit__valid_from=2025).exists()
    assert DataValue.objects.filter(year=2025, org_unit__in=communes).exists()
    aggregates_recompute()
    assert aggregates_check()[0] == 0
    total = Aggregate.objects.get(org_unit__code="SYN", year=2025, indicator__code="SYN_I001")
    assert total.is_complete and total.value == DataValue.objects.filter(
        year=2025, indicator__code="SYN_I001").aggregate(s=Sum("value"))["s"]


def test_the_reorganisation_groups_have_the_shape_of_2025():
    sizes = province_groups(63)
    assert len(sizes) == 34 and sum(sizes) == 63 and sizes.count(1) == 11
    groups = commune_groups(176)
    assert len(groups) == 58 and sorted({i for g in groups for i in g}) == list(range(176))
    assert sum(len(g) for g in groups) == 176 + 6  # six old communes split between two new ones


@pytest.mark.django_db
def test_a_quarterly_share_enters_a_fifth_of_the_indicators_by_quarter():
    call_command("generate_scale_data", size="small", indicators=20, years=2, quarterly_share=0.2)
    entered = Indicator.objects.filter(code__startswith="SYN_I")
    quarterly = entered.filter(frequency="quarter")
    assert quarterly.count() == 18 // 5 and not quarterly.filter(time_aggregation="").exists()
    assert {i.time_aggregation for i in quarterly} >= {"sum", "last"}
    # four quarterly figures instead of one yearly, each in an approved report of its own quarter
    assert not DataValue.objects.filter(indicator__in=quarterly, period=0).exists()
    assert set(DataValue.objects.filter(indicator__in=quarterly).values_list("period", flat=True)) == {
        201, 202, 203, 204}
    assert not DataValue.objects.exclude(report__period=F("period")).exists()
    yearly = entered.filter(frequency="year", entry_levels__contains=["commune"]).first()
    assert DataValue.objects.filter(indicator=quarterly.first()).count() == 4 * yearly.values.count()
    aggregates_recompute()
    assert aggregates_check()[0] == 0
    flow = quarterly.filter(time_aggregation="sum").first()
    total = Aggregate.objects.get(org_unit__code="SYN", indicator=flow, year=2016, period=0)
    assert total.is_complete and total.value == DataValue.objects.filter(
        indicator=flow, year=2016).aggregate(s=Sum("value"))["s"]
