from collections import Counter
from decimal import Decimal

import pytest
from django.utils import translation

from kpis.dashboards import presentation as p
from kpis.dashboards import selectors as s


def test_ranks_share_ties_and_follow_the_indicator_direction():
    values = [(1, Decimal(5)), (2, Decimal(9)), (3, Decimal(9)), (4, Decimal(1))]
    assert s._competition_rank(values, True) == {2: 1, 3: 1, 1: 3, 4: 4}
    assert s._competition_rank(values, False) == {4: 1, 1: 2, 2: 3, 3: 3}


def test_default_year_is_the_latest_reasonably_complete_one():
    assert s._pick_year(2018, [2020, 2020], []) == 2018
    assert s._pick_year(None, [2019, 2019, 2020, 2020, 2020, 2023], []) == 2020  # 2023 has one figure of three
    assert s._pick_year(None, [2019, 2020, 2020, 2021, 2021], []) == 2021
    assert s._pick_year(None, [], Counter({2017: 3, 2018: 1})) == 2017
    assert s._pick_year(None, [], []) >= 2024


def test_the_target_shown_is_the_one_the_status_was_computed_against():
    targets = [s.TargetView(1, 1, 1, 2021, ">=", Decimal(60), None, ""),
               s.TargetView(2, 1, 1, 2025, ">=", Decimal(80), None, "")]
    assert s.target_for(targets, 2020).year == 2021
    assert s.target_for(targets, 2021).year == 2021
    assert s.target_for(targets, 2022).year == 2025
    assert s.target_for(targets, 2026) is None


def test_formulas_read_as_words_in_the_active_language():
    names = {"L4": "Mức độ 4", "ONLINE": "Trực tuyến", "BTS": "Trạm BTS", "POP": "Dân số"}
    with translation.override("vi"):
        assert p.formula_in_words("L4 / ONLINE * 100", names) == "Mức độ 4 ÷ Trực tuyến × 100"
        assert p.formula_in_words("BTS / POP * 10000", names) == "Trạm BTS ÷ Dân số × 10.000"
        assert p.formula_in_words("BTS / (POP + L4)", names) == "Trạm BTS ÷ (Dân số + Mức độ 4)"
        assert p.formula_in_words("BTS - (POP - L4)", names) == "Trạm BTS − (Dân số − Mức độ 4)"
    with translation.override("en"):
        assert p.formula_in_words("BTS * 0.5", names) == "Trạm BTS × 0.5"


@pytest.mark.parametrize("language,expected", [("vi", ["+33", "−1,5", "0"]), ("en", ["+33", "−1.5", "0"])])
def test_changes_carry_their_sign(language, expected):
    with translation.override(language):
        assert [p.signed(Decimal(33), 0), p.signed(Decimal("-1.5"), 1), p.signed(Decimal(0), 0)] == expected


def test_figures_in_both_languages():
    with translation.override("vi"):
        assert p.figure(Decimal(9391), 0) == "9.391"
        assert p.figure(Decimal("92.70000000"), 1) == "92,7"
        assert p.figure(Decimal(1), 0, "yes_no") == "Có"
    with translation.override("en"):
        assert p.figure(Decimal(9391), 0) == "9,391"
        assert p.figure(Decimal("92.7"), 1) == "92.7"


def test_every_status_has_a_symbol_and_a_word():
    from kpis.models import MilestoneStatus, ProgressStatus, ReportStatus

    for status in ProgressStatus.values:
        badge = p.progress_badge(status)
        assert badge.symbol and badge.label and badge.key == status
    assert len({p.progress_badge(status).symbol for status in ProgressStatus.values}) == len(ProgressStatus.values)
    for status in [*ReportStatus.values, p.MISSING, p.NOT_EXPECTED]:
        assert p.report_badge(status).symbol and p.report_badge(status).label
    for status in MilestoneStatus.values:
        assert p.milestone_badge(status).symbol and p.milestone_badge(status).label
    assert p.progress_badge(None) is None


def test_sparkline_geometry():
    assert p.sparkline([(2020, Decimal(1))]) is None
    spark = p.sparkline([(2019, Decimal(906)), (2020, Decimal(939))])
    assert spark["points"] == "3.0,29.0 117.0,3.0"
    flat = p.sparkline([(2019, Decimal(5)), (2020, Decimal(5))])
    assert flat["points"] == "3.0,16.0 117.0,16.0"


def test_unit_options_follow_the_tree(world):
    from tests.factories import OrgUnitFactory

    OrgUnitFactory(code="P-D1-C1", name="Xã Một", level="commune", parent=world.d1)
    options = s.unit_options(s.unit_by_code("P-D1-C1"), 2020)
    assert [(o.code, o.depth) for o in options] == [("P", 0), ("P-D1", 1), ("P-D1-C1", 2), ("P-D2", 1)]
    assert options[2].indent == "— — "
