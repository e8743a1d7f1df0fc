"""The demo in the 2025 map: the country, its 63 → 34 provinces and Hậu Giang's communes as
fixtures/vietnam/provinces.yaml and fixtures/hau_giang/communes.yaml (scripts/generate_unit_fixtures.py)
say, loaded all or nothing by load_demo."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from kpis.checks import home_unit_problems
from kpis.management.commands import load_demo as load_demo_module
from kpis.models import DataValue, OrgUnit


def active(year: int):
    return [u for u in OrgUnit.objects.all() if u.is_active_in(year)]


def children_in(code: str, year: int) -> set[str]:
    return {u.code for u in OrgUnit.objects.filter(parent__code=code) if u.is_active_in(year)}


def test_the_demo_in_the_2025_map(db, settings):
    # One load for all the checks: the demo's 270 units take a while to load.
    settings.DEBUG = True
    call_command("load_demo", stdout=io.StringIO())
    check_63_provinces_until_2024_and_34_from_2025()
    check_hau_giang_soc_trang_and_old_can_tho_merge_whole_into_can_tho()
    check_every_merged_province_has_one_successor_valid_from_2025()
    check_the_2024_tree_has_districts_and_the_2025_tree_communes_directly()
    check_communes_have_no_lineage_until_the_resolution_text_is_checked()
    check_new_communes_without_a_sourced_past_say_why()
    check_the_home_page_opens_on_hau_giang_not_the_country(settings)
    check_load_demo_twice_changes_nothing()


def check_63_provinces_until_2024_and_34_from_2025():
    provinces_2024 = [u for u in active(2024) if u.level == "province"]
    provinces_2025 = [u for u in active(2025) if u.level == "province"]
    assert len(provinces_2024) == 63 and len(provinces_2025) == 34
    assert all(u.parent.code == "VN" for u in provinces_2024 + provinces_2025)
    unchanged = set(provinces_2024) & set(provinces_2025)
    assert len(unchanged) == 11 and {"HA-NOI", "HUE"} <= {u.code for u in unchanged}


def check_hau_giang_soc_trang_and_old_can_tho_merge_whole_into_can_tho():
    can_tho = OrgUnit.objects.get(code="CAN-THO")
    assert (can_tho.valid_from, can_tho.valid_to) == (2025, None)
    assert {u.code for u in can_tho.predecessors.all()} == {"HG", "SOC-TRANG", "CAN-THO-CU"}
    for predecessor in can_tho.predecessors.all():
        assert predecessor.valid_to == 2024 and [u.code for u in predecessor.successors.all()] == ["CAN-THO"]
    # The new city keeps the old city's GSO code; codes of the portal tell them apart.
    nso = dict(OrgUnit.objects.filter(code__in=["CAN-THO", "CAN-THO-CU", "HG", "HG-VT"])
               .values_list("code", "nso_code"))
    assert nso == {"CAN-THO": "92", "CAN-THO-CU": "92", "HG": "93", "HG-VT": "930"}


def check_every_merged_province_has_one_successor_valid_from_2025():
    for unit in OrgUnit.objects.filter(level="province", valid_to=2024).prefetch_related("successors"):
        (successor,) = unit.successors.all()
        assert successor.valid_from == 2025, unit.code


def check_the_2024_tree_has_districts_and_the_2025_tree_communes_directly():
    assert len(children_in("HG", 2024)) == 8 and not children_in("HG", 2025)
    assert children_in("HG-VT", 2024) == {f"HG-{c}" for c in (31318, 31321, 31324, 31327, 31330, 31333, 31336,
                                                                31338, 31339)}
    assert sum(len(children_in(d, 2024)) for d in children_in("HG", 2024)) == 75
    communes = OrgUnit.objects.filter(parent__code="CAN-THO")
    assert communes.count() == 103 and all(u.level == "commune" and u.valid_from == 2025 for u in communes)


def check_communes_have_no_lineage_until_the_resolution_text_is_checked():
    """FACTS.md: compilations of old → new communes are a cross-check, never the source."""
    vi_thanh = OrgUnit.objects.get(code="CAN-THO-31321")
    assert vi_thanh.name == "Phường Vị Thanh" and "1668/NQ-UBTVQH15" in vi_thanh.note
    assert not vi_thanh.predecessors.exists() and "chưa đối chiếu" in vi_thanh.note
    old = OrgUnit.objects.filter(code__startswith="HG-", level="commune").prefetch_related("successors")
    assert old.count() == 75
    assert all(u.valid_to == 2024 and not u.successors.all() for u in old)


def check_new_communes_without_a_sourced_past_say_why():
    cai_khe = OrgUnit.objects.get(code="CAN-THO-31120")
    assert not cai_khe.predecessors.exists()
    assert "no figures before 2025" in cai_khe.note


def check_the_home_page_opens_on_hau_giang_not_the_country(settings):
    settings.PORTAL_HOME_UNIT = "HG"
    page = Client(HTTP_ACCEPT_LANGUAGE="vi").get("/").content.decode()
    assert "Hậu Giang" in page
    settings.PORTAL_HOME_UNIT = None
    page = Client(HTTP_ACCEPT_LANGUAGE="vi").get("/").content.decode()
    assert "Việt Nam" in page


def test_a_home_unit_that_is_not_a_code_is_refused_by_the_system_check():
    assert home_unit_problems(None) == [] and home_unit_problems("HG") == []
    (problem,) = home_unit_problems("Hậu Giang")
    assert problem.id == "kpis.E030"


def check_load_demo_twice_changes_nothing():
    units = list(OrgUnit.objects.values_list("code", "parent__code", "valid_from", "valid_to").order_by("code"))
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert "org_units: 0 mới, 0 cập nhật, 273 không đổi." in out.getvalue()
    assert list(OrgUnit.objects.values_list("code", "parent__code", "valid_from", "valid_to")
                .order_by("code")) == units


def test_a_broken_commune_file_loads_nothing(db, tmp_path, monkeypatch, settings):
    settings.DEBUG = True
    broken = tmp_path / "communes.yaml"
    broken.write_text("org_units:\n  - {code: X-1, name: X, level: commune, parent: NOWHERE}\n", encoding="utf-8")
    files = (*load_demo_module.CATALOGUE_FILES[:-1], broken)
    monkeypatch.setattr(load_demo_module, "CATALOGUE_FILES", files)
    with pytest.raises(CommandError, match="NOWHERE"):
        call_command("load_demo", stdout=io.StringIO())
    assert not OrgUnit.objects.exists() and not DataValue.objects.exists()  # nor the files before it
