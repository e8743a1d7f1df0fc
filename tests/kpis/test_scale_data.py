import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kpis.aggregation import aggregates_check, aggregates_recompute
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
