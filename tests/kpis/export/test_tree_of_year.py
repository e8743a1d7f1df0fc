"""The leaders' summary (PDF, DOCX, XLSX read the same report data) and the
export page follow the tree of the report's year."""

import re
from datetime import date

import pytest
from django.urls import reverse

from kpis.export.selectors import report_data
from tests.kpis.trees import two_trees


@pytest.fixture
def trees(world):
    return two_trees(world)


def test_the_report_compares_the_units_of_its_year(trees):
    def children(year):
        data = report_data(year=year, org_unit=trees.province, districts=True, issued_on=date(2026, 1, 5))
        return [unit.code for unit in data.children], [annex.org_unit.code for annex in data.annex]

    assert children(2024) == (["P-D1", "P-D2"], ["P-D1", "P-D2"])
    assert children(2025) == (["P-N1", "P-N2", "P-N3"], ["P-N1", "P-N2", "P-N3"])


@pytest.mark.parametrize(("year", "offered", "not_offered"), [
    (2024, {"P", "P-D1", "P-D2"}, set()),
    (2025, {"P"}, {"P-D1", "P-D2"}),
])
def test_the_export_page_offers_the_units_of_the_years_tree(client, trees, year, offered, not_offered):
    client.force_login(trees.world.users.leader)
    html = client.get(reverse("kpis:export-form"), {"year": year, "org_unit": "P"}).content.decode()
    select = re.search(r'<select name="org_unit"[^>]*>(.*?)</select>', html, re.S).group(1)
    codes = set(re.findall(r'<option value="([^"]+)"', select))
    assert offered <= codes and not codes & not_offered


def test_an_abolished_unit_is_refused_for_a_later_year_with_its_years(client, trees):
    client.force_login(trees.world.users.leader)
    response = client.post(reverse("kpis:export-form"), {"year": "2025", "org_unit": "P-D1", "fmt": "pdf"})
    assert response.status_code == 400
    assert "không tồn tại trong năm 2025" in response.content.decode()
