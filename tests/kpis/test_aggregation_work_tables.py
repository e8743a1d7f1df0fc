"""The recompute's temporary work tables live as long as the connection and
are emptied when a run starts, not at commit (kpis/aggregation/engine.py):
a truncation at every commit walked all of the connection's temporary buffers."""

import pytest
from django.db import connection

from kpis.aggregation import aggregates_check, aggregates_recompute, engine, stale_mark, stale_recompute
from kpis.models import Aggregate
from tests.factories import IndicatorFactory, OrgUnitFactory, SectorFactory, put_values

pytestmark = [
    # real commits, in one connection; serialized like every transactional test here, so the flush
    # after it leaves the database as the next one expects
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL keeps the work tables"),
]


def work_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM agg_w")
        return cursor.fetchone()[0]


@pytest.fixture
def figures(monkeypatch):
    # The runs are called here; a message to the broker would also hold its coalescing slot (10 s)
    # against the next test that starts a real worker.
    monkeypatch.setattr("kpis.aggregation.enqueue_recompute", lambda: None)
    province = OrgUnitFactory(code="P", level="province")
    communes = [OrgUnitFactory(code=f"C{n}", level="commune", parent=province) for n in range(3)]
    bts = IndicatorFactory(code="BTS", sector=SectorFactory(code="TELECOM"), aggregation="sum",
                           entry_levels=["province", "commune"])
    put_values([(bts, commune, 2024, 10 + n) for n, commune in enumerate(communes)])
    return bts, province, communes


def edit(bts, commune, value):
    put_values([(bts, commune, 2024, value)])
    stale_mark(cells=[(bts.pk, commune.pk, 2024)])
    stale_recompute()


@pytest.mark.parametrize("kept_bytes", [engine._WORK_TABLES_KEPT_BYTES, 0])
def test_small_runs_keep_their_rows_past_commit_and_the_next_run_starts_clean(figures, kept_bytes, monkeypatch):
    """``kept_bytes`` 0: every run finds its tables too large and truncates them."""
    monkeypatch.setattr(engine, "_WORK_TABLES_KEPT_BYTES", kept_bytes)
    bts, province, communes = figures
    aggregates_recompute()
    assert work_rows() == 0  # a full run gives its rows back when it ends
    edit(bts, communes[0], 20)
    assert work_rows() > 0  # committed, and not truncated at commit
    edit(bts, communes[1], 30)
    assert Aggregate.objects.get(indicator=bts, org_unit=province, year=2024).value == 20 + 30 + 12
    assert aggregates_check() == (0, [])
