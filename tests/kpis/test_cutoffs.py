"""Data cut-off dates ("thời gian chốt số liệu", kpis/cutoffs.py): which days a
sector's period covers. Decree 09/2019/NĐ-CP's regime counts up to the 14th of
a period's last month; without a rule, periods are the calendar ones."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from kpis.cutoffs import Cutoffs, DataBounds, cutoff_bounds, grouped_span
from kpis.models import ReportingCutoff
from kpis.periods import Period
from tests.factories import ReportingCutoffFactory, SectorFactory


def bounds(cutoffs: Cutoffs, code: str, sector_id: int | None = None) -> tuple[str, str]:
    first, last = cutoffs.bounds(sector_id, Period.parse(code))
    return f"{first:%d/%m/%Y}", f"{last:%d/%m/%Y}"


@pytest.fixture
def decree(db) -> Cutoffs:
    ReportingCutoffFactory()  # every sector, the 14th, since 2019
    return Cutoffs.load()


@pytest.mark.parametrize(("code", "first", "last"), [
    ("2025-07", "15/06/2025", "14/07/2025"),
    ("2025-01", "15/12/2024", "14/01/2025"),  # January starts in the December before
    ("2025-03", "15/02/2025", "14/03/2025"),
    ("2025-Q3", "15/06/2025", "14/09/2025"),
    ("2025-Q1", "15/12/2024", "14/03/2025"),  # the first quarter crosses the year boundary
    ("2025-H1", "15/12/2024", "14/06/2025"),
    ("2025-H2", "15/06/2025", "14/12/2025"),
    ("2025", "15/12/2024", "14/12/2025"),
])
def test_the_decree_cuts_every_period_off_on_the_14th(decree, code, first, last):
    assert bounds(decree, code) == (first, last)
    assert decree.applies(None, Period.parse(code))


def test_the_periods_follow_one_another_without_gap_or_overlap(decree):
    for frequency in ("month", "quarter", "half_year"):
        periods = Period.all_of(frequency, 2025)
        assert decree.bounds(None, periods[0]).first_day == date(2024, 12, 15)
        assert decree.bounds(None, periods[-1]).last_day == date(2025, 12, 14)  # the year's end
        for earlier, later in zip(periods, periods[1:], strict=False):
            assert (decree.bounds(None, later).first_day - decree.bounds(None, earlier).last_day).days == 1


def test_without_a_rule_periods_are_the_calendar_ones(db):
    none = Cutoffs.load()
    assert bounds(none, "2025-Q3") == ("01/07/2025", "30/09/2025")
    assert bounds(none, "2024-02") == ("01/02/2024", "29/02/2024")
    assert bounds(none, "2025") == ("01/01/2025", "31/12/2025")
    assert not none.applies(None, Period.parse("2025-Q3"))
    assert cutoff_bounds(sector_id=None, period=Period.parse("2025-Q3")) is None  # nothing to say


def test_a_rule_without_a_cutoff_day_is_the_calendar(db):
    ReportingCutoffFactory(cutoff_day=None, legal_basis="Thông tư 02/2019/TT-BTC (chế độ báo cáo thống kê)")
    cutoffs = Cutoffs.load()
    assert bounds(cutoffs, "2025-H1") == ("01/01/2025", "30/06/2025")
    assert not cutoffs.applies(None, Period.parse("2025-H1"))


def test_a_regime_changing_mid_way_applies_from_the_first_period_ending_after_it(db):
    """Calendar periods until mid-2025, then the 14th: Q2 stays calendar; Q3, the first under the
    new rule, runs from the day after Q2 ended to 14/09; Q4 is a full cut-off quarter."""
    ReportingCutoffFactory(cutoff_day=None, valid_from=date(2019, 1, 1), legal_basis="Chế độ thống kê")
    ReportingCutoffFactory(cutoff_day=14, valid_from=date(2025, 7, 1))
    cutoffs = Cutoffs.load()
    assert bounds(cutoffs, "2025-Q2") == ("01/04/2025", "30/06/2025")
    assert bounds(cutoffs, "2025-Q3") == ("01/07/2025", "14/09/2025")
    assert bounds(cutoffs, "2025-Q4") == ("15/09/2025", "14/12/2025")
    assert bounds(cutoffs, "2026-Q1") == ("15/12/2025", "14/03/2026")
    assert bounds(cutoffs, "2025") == ("01/01/2025", "14/12/2025")  # the year ends under the new rule
    # And back to the calendar: the first period after runs from the last cut-off to its calendar end.
    ReportingCutoffFactory(cutoff_day=None, valid_from=date(2027, 1, 1), legal_basis="Quyết định mới")
    cutoffs = Cutoffs.load()
    assert bounds(cutoffs, "2027-01") == ("15/12/2026", "31/01/2027")
    assert bounds(cutoffs, "2027-02") == ("01/02/2027", "28/02/2027")


def test_a_sectors_own_rule_wins_over_the_rule_for_every_sector(decree):
    postal = SectorFactory(code="POSTAL", name="Bưu chính")
    telecom = SectorFactory(code="TELECOM", name="Viễn thông")
    ReportingCutoffFactory(sector=postal, cutoff_day=None, valid_from=date(2020, 1, 1),
                           legal_basis="Thông tư 03/2015/TT-BTTTT")
    cutoffs = Cutoffs.load()
    assert bounds(cutoffs, "2025-H1", postal.pk) == ("01/01/2025", "30/06/2025")
    assert bounds(cutoffs, "2025-H1", telecom.pk) == ("15/12/2024", "14/06/2025")
    # Before its own rule, a sector follows the rule for every sector.
    assert bounds(cutoffs, "2019-Q3", postal.pk) == ("15/06/2019", "14/09/2019")
    assert cutoff_bounds(sector_id=telecom.pk, period=Period.parse("2025-Q3")) == DataBounds(
        date(2025, 6, 15), date(2025, 9, 14))


def test_sectors_are_grouped_by_their_days_the_most_first(decree):
    a, b, c = (SectorFactory(code=code, name=name) for code, name in
               (("A", "Viễn thông"), ("B", "Bưu chính"), ("C", "Công nghệ thông tin")))
    ReportingCutoffFactory(sector=b, cutoff_day=None, legal_basis="Thông tư 03/2015/TT-BTTTT")
    cutoffs = Cutoffs.load()
    groups = cutoffs.grouped(Period.parse("2025-Q3"), [a, b, c], lambda sector: sector.pk)
    assert [(group_bounds.last_day, sectors) for group_bounds, sectors in groups] == [
        (date(2025, 9, 14), [a, c]), (date(2025, 9, 30), [b])]
    assert grouped_span(groups, lambda sector: sector.name) == (
        "từ ngày 15/06/2025 đến ngày 14/09/2025; Bưu chính: từ ngày 01/07/2025 đến ngày 30/09/2025")
    assert cutoffs.grouped(Period.parse("2025-Q3"), [b], lambda sector: sector.pk) == []  # calendar only


def test_the_cutoffs_are_read_in_one_query(decree, django_assert_num_queries):
    ReportingCutoffFactory(sector=SectorFactory(), valid_from=date(2024, 1, 1), cutoff_day=20)
    with django_assert_num_queries(1):
        cutoffs = Cutoffs.load()
    with django_assert_num_queries(0):
        [cutoffs.bounds(None, period) for period in Period.all_of("month", 2025)]


def test_a_rule_states_its_day_between_1_and_28_and_its_legal_basis(db):
    rule = ReportingCutoff(cutoff_day=31, valid_from=date(2025, 1, 1), legal_basis=" ")
    with pytest.raises(ValidationError) as error:
        rule.full_clean()
    assert error.value.message_dict == {
        "cutoff_day": ["Ngày chốt số liệu phải từ 1 đến 28 (ngày mà tháng nào cũng có); để trống nếu kỳ tính "
                       "theo lịch."],
        "legal_basis": ["Hãy ghi văn bản quy định thời gian chốt số liệu, ví dụ: Nghị định 09/2019/NĐ-CP, "
                        "Điều 12."]}
    ReportingCutoffFactory(valid_from=date(2025, 1, 1))
    twin = ReportingCutoff(cutoff_day=15, valid_from=date(2025, 1, 1), legal_basis="Quyết định khác")
    with pytest.raises(ValidationError, match="Đã có một quy định chốt số liệu cho mọi lĩnh vực"):
        twin.full_clean()
    # The database holds the same line whatever door writes.
    for values in ({"cutoff_day": 0}, {"cutoff_day": 29}, {"legal_basis": ""}, {"valid_from": date(2025, 1, 1)}):
        with pytest.raises(IntegrityError), transaction.atomic():
            ReportingCutoff.objects.create(**{"cutoff_day": 14, "valid_from": date(2026, 1, 1),
                                              "legal_basis": "Nghị định 09/2019/NĐ-CP", **values})
