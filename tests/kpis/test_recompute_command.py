from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kpis.aggregation import stale_recompute
from kpis.models import Aggregate
from kpis.services.reports import report_approve, report_create, report_reopen, report_submit, report_values_save
from tests.factories import put_values


def test_check_passes_after_a_recompute_and_lists_differences(world):
    put_values([(world.bts, world.d1, 2020, 10)])
    call_command("recompute_aggregates", stdout=StringIO())
    call_command("recompute_aggregates", check=True, stdout=StringIO())
    Aggregate.objects.filter(org_unit=world.province, indicator=world.bts).update(value=99)
    errors = StringIO()
    with pytest.raises(CommandError, match="1 ô"):
        call_command("recompute_aggregates", check=True, stdout=StringIO(), stderr=errors)
    assert "BTS P 2020" in errors.getvalue()


def test_approval_and_reopening_change_the_aggregates(world):
    users = world.users
    report = report_create(sector=world.telecom, org_unit=world.d1, year=2020, user=users.staff)
    report_values_save(report=report, user=users.staff, values={"BTS": Decimal(12)})
    report_submit(report=report, user=users.staff)
    stale_recompute()
    assert not Aggregate.objects.exists()  # submitted is not approved
    report_approve(report=report, user=users.approver)
    stale_recompute()
    assert Aggregate.objects.get(indicator=world.bts, org_unit=world.province, year=2020).value == 12
    report_reopen(report=report, user=users.approver, reason="Sai số liệu")
    stale_recompute()
    assert not Aggregate.objects.filter(indicator=world.bts).exists()
