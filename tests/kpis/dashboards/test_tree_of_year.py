"""Every dashboard page shows the tree of the year it shows: in 2024 a
province's districts, in 2025 the communes placed directly under it; units
show where they came from and what replaced them; an old unit's address keeps working."""

import re

import pytest
from django.test import Client

from kpis.dashboards import selectors as s
from kpis.models import OrgUnit
from tests.kpis.trees import two_trees


@pytest.fixture
def trees(world):
    return two_trees(world)


def page(url: str) -> str:
    response = Client().get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option value="([^"]+)"', select)


@pytest.mark.parametrize(("year", "shown", "hidden"), [
    (2024, ["Huyện Một", "Huyện Hai"], ["Xã Mới Một", "Xã Mới Hai"]),
    (2025, ["Xã Mới Một", "Xã Mới Hai", "Xã Mới Ba"], ["Huyện Một", "Huyện Hai"]),
])
def test_indicator_page_unit_page_and_completeness_list_the_years_tree(trees, year, shown, hidden):
    for url in (f"/indicators/BTS/?unit=P&year={year}", f"/units/P/?year={year}",
                f"/completeness/?unit=P&year={year}"):
        html = page(url)
        for name in shown:
            assert name in html, (url, name)
        for name in hidden:
            assert name not in html, (url, name)


def test_the_bar_chart_compares_the_units_of_the_year(trees):
    bts = s.indicator_by_code("BTS")
    assert [bar.unit.code for bar in s.indicator_page(bts, trees.province, 2025).bars] == ["P-N1", "P-N3", "P-N2"]
    assert {bar.unit.code for bar in s.indicator_page(bts, trees.province, 2024).bars} == {"P-D1", "P-D2"}


def test_the_unit_selector_offers_the_units_of_the_chosen_year(trees):
    assert options(page("/?unit=P&year=2025"), "unit") == ["P", "P-N1", "P-N2", "P-N3"]
    assert options(page("/?unit=P&year=2024"), "unit") == ["P", "P-D1", "P-D2"]
    # A commune of 2025 is shown among its neighbours of 2025, never beside the old districts.
    assert set(options(page("/indicators/BTS/?unit=P-N1&year=2025"), "unit")) == {"P", "P-N1", "P-N2", "P-N3"}


def test_the_year_selector_offers_only_the_years_the_unit_exists(trees):
    assert options(page("/units/P-C1/"), "year") == ["2024"]
    assert options(page("/units/P-N1/"), "year") == ["2025"]
    assert options(page("/?unit=P"), "year") == ["2025", "2024"]


def test_a_unit_formed_by_a_merger_names_its_predecessors_with_links(trees):
    html = page("/units/P-N1/")
    assert "Thành lập năm 2025 từ" in html
    assert ('<a href="/units/P-C1/?year=2024">Xã Cũ Một (cũ)</a>, '
            '<a href="/units/P-C2/?year=2024">Xã Cũ Hai (cũ)</a>') in html
    assert "chia tách" not in html


def test_a_unit_formed_by_a_split_says_it_has_no_figures_before_its_start(trees):
    html = page("/units/P-N2/")
    assert "Đơn vị được chia tách từ" in html and "không có số liệu trước năm 2025" in html
    assert '<a href="/units/P-C3/?year=2024">Xã Cũ Ba (cũ)</a>' in html


def test_an_abolished_units_page_points_to_its_successors(trees):
    merged = page("/units/P-C1/")
    assert "Sáp nhập vào" in merged and '<a href="/units/P-N1/?year=2025">Xã Mới Một</a>' in merged
    assert "từ năm 2025" in merged
    split = page("/units/P-C3/")
    assert "Chia tách thành" in split
    assert '<a href="/units/P-N2/?year=2025">Xã Mới Hai</a>, <a href="/units/P-N3/?year=2025">Xã Mới Ba</a>' in split


def test_lineage_lists_call_an_abolished_unit_former_so_old_and_new_namesakes_read_apart(world, settings):
    """The old Cần Thơ city (CAN-THO-CU, until 2024) went into the new one (CAN-THO, from 2025) with
    Hậu Giang: both cities are "Cần Thơ", so the lists say which is the old one, as documents do."""
    old = OrgUnit.objects.create(code="CAN-THO-CU", name="Thành phố Cần Thơ", name_en="Can Tho City",
                                 level="province", valid_to=2024)
    hau_giang = OrgUnit.objects.create(code="HAU-GIANG", name="Tỉnh Hậu Giang", level="province", valid_to=2024)
    new = OrgUnit.objects.create(code="CAN-THO", name="Thành phố Cần Thơ", name_en="Can Tho City",
                                 level="province", valid_from=2025)
    for predecessor in (old, hau_giang):
        predecessor.successors.add(new)
    formed = page("/units/CAN-THO/")
    assert ('Thành lập năm 2025 từ <a href="/units/CAN-THO-CU/?year=2024">Thành phố Cần Thơ (cũ)</a>, '
            '<a href="/units/HAU-GIANG/?year=2024">Tỉnh Hậu Giang (cũ)</a>.') in formed
    merged = page("/units/CAN-THO-CU/")
    assert 'Sáp nhập vào <a href="/units/CAN-THO/?year=2025">Thành phố Cần Thơ</a> từ năm 2025.' in merged
    english = Client()
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert '<a href="/units/CAN-THO-CU/?year=2024">Can Tho City (former)</a>' in \
        english.get("/units/CAN-THO/").content.decode()


def test_an_old_units_address_keeps_working_for_a_later_year(trees):
    html = page("/units/P-C1/?year=2025")
    assert "không thuộc cây đơn vị hành chính năm 2025" in html and "đến hết năm 2024" in html
    assert '<a href="/units/P-N1/?year=2025">Xã Mới Một</a>' in html
    overview = page("/?unit=P-D1&year=2025")
    assert "không thuộc cây đơn vị hành chính năm 2025" in overview
    assert page("/units/P-C1/").count("không thuộc cây") == 0  # its own years: no warning


def test_the_default_unit_is_the_top_of_the_years_tree(world):
    old = OrgUnit.objects.create(code="OLD", name="Tỉnh Cũ", level="province", valid_to=2024)
    new = OrgUnit.objects.create(code="NEW", name="Thành phố Mới", level="province", valid_from=2025)
    world.province.valid_to = 2019
    world.province.save()
    assert s.default_unit(2024) == old
    assert s.default_unit(2025) == new
    assert s.default_unit() == new  # still in existence before abolished ones


def test_the_lineage_costs_one_query_whatever_its_size(trees, django_assert_num_queries):
    with django_assert_num_queries(1):
        lineage = s.lineage(trees.c3)
        assert [u.code for u in lineage.successors] == ["P-N2", "P-N3"] and not lineage.merged
    with django_assert_num_queries(1):
        lineage = s.lineage(trees.n2)
        assert [u.code for u in lineage.split_from] == ["P-C3"]


TREE_PAGES = ["/units/P-N1/", "/units/P-C3/?year=2025", "/indicators/BTS/?unit=P&year=2025",
              "/completeness/?unit=P&year=2024", "/?unit=P&year=2025"]


@pytest.mark.parametrize("url", TREE_PAGES)
def test_the_years_tree_costs_no_query_per_unit(trees, settings, url):
    from tests.kpis.dashboards.test_queries_and_cache import new_cache, queries_for

    small = queries_for(Client(), url)
    old = [OrgUnit.objects.create(code=f"P-CX{n}", name=f"Xã Cũ {n}", level="commune", parent=trees.d2,
                                  valid_to=2024) for n in range(6)]
    for n, unit in enumerate(old):
        unit.successors.add(trees.n1 if n % 2 else OrgUnit.objects.create(
            code=f"P-NX{n}", name=f"Xã Mới {n}", level="commune", parent=trees.province, valid_from=2025))
    new_cache(settings)
    assert queries_for(Client(), url) == small
