import uuid
from datetime import date
from decimal import Decimal

import pytest

from kpis.aggregation import aggregates_recompute
from kpis.models import Milestone, Target
from tests.factories import put_values


@pytest.fixture(autouse=True)
def fresh_page_cache(settings):
    """Each test gets its own cache namespace (never a flush: in CI the Redis
    database is shared with the broker)."""
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}}


@pytest.fixture
def dash(world):
    """The ``world`` with key indicators, figures for 2019–2020 at the province
    and its districts, a target and two milestones, recomputed."""
    for indicator in (world.bts, world.coverage, world.post_offices):
        indicator.is_key = True
        indicator.save()
    world.bts.name_en = "BTS stations"
    world.bts.save()
    put_values([
        (world.bts, world.d1, 2019, Decimal(450)), (world.bts, world.d2, 2019, Decimal(456)),
        (world.bts, world.d1, 2020, Decimal(500)), (world.bts, world.d2, 2020, Decimal(439)),
        (world.coverage, world.province, 2019, Decimal("90.5")),
        (world.coverage, world.province, 2020, Decimal("92.7")),
        (world.post_offices, world.province, 2020, Decimal(9391)),
    ])
    Target.objects.create(indicator=world.coverage, org_unit=world.province, year=2025, operator=">=",
                          value=Decimal(95), baseline_year=2019)
    Milestone.objects.create(code="IOC_2020", sector=world.telecom, org_unit=world.province,
                             title="Khai trương IOC", due=date(2020, 6, 30), status="in_progress")
    Milestone.objects.create(code="LGSP_2020", sector=world.telecom, title="Triển khai LGSP",
                             due=date(2020, 12, 31), status="done", completed_on=date(2020, 11, 1))
    aggregates_recompute()
    return world

