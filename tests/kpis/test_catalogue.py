import copy
import os
import signal
import subprocess
import sys
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from kpis.models import (
    DefinitionChange,
    Indicator,
    Milestone,
    OrgUnit,
    Sector,
    Target,
    ValidationRule,
)
from kpis.services.catalogue import CatalogueError, catalogue_load, catalogue_load_file
from kpis.services.imports import values_import

ROOT = Path(__file__).resolve().parents[2]

CATALOGUE = {
    "org_units": [
        # The district comes first on purpose: a parent may be defined further down.
        {"code": "HG-VT", "name": "Thành phố Vị Thanh", "level": "district", "parent": "HG"},
        {"code": "HG", "name": "Hậu Giang", "name_en": "Hau Giang", "level": "province"},
    ],
    "sectors": [
        {"code": "TELECOM", "name": "Viễn thông", "name_en": "Telecommunications"},
        {"code": "DX", "name": "Chuyển đổi số", "position": 2},
    ],
    "indicators": [
        # Uses two indicators defined below it.
        {"code": "MOBILE_SUBS_PER_100", "name": "Thuê bao di động/100 dân", "sector": "TELECOM",
         "unit": "thuê bao/100 dân", "value_type": "decimal", "decimals": 1, "direction": "higher",
         "formula": "MOBILE_SUBSCRIBERS / POPULATION * 100"},
        {"code": "MOBILE_SUBSCRIBERS", "name": "Số thuê bao di động", "sector": "TELECOM", "unit": "thuê bao",
         "value_type": "integer", "aggregation": "sum", "entry_levels": ["province", "district"]},
        {"code": "POPULATION", "name": "Dân số", "sector": "TELECOM", "unit": "người",
         "value_type": "integer", "aggregation": "sum", "entry_levels": ["province", "district"]},
        {"code": "BTS", "name": "Số trạm BTS", "name_en": "BTS stations", "sector": "TELECOM",
         "unit": "trạm", "value_type": "integer", "aggregation": "sum", "direction": "higher",
         "entry_levels": ["province", "district"]},
    ],
    "definition_changes": [
        {"indicator": "BTS", "year": 2022, "description": "Tính cả trạm 5G."},
    ],
    "targets": [
        {"indicator": "BTS", "org_unit": "HG", "year": 2025, "operator": ">=", "value": 1200,
         "baseline_year": 2020},
        {"indicator": "MOBILE_SUBS_PER_100", "org_unit": "HG", "year": 2025, "operator": ">=", "value": 92.7},
    ],
    "milestones": [
        {"code": "IOC_2021", "sector": "DX", "org_unit": "HG", "title": "Hoàn thiện IOC",
         "due": "2021-06-30", "status": "in_progress"},
    ],
    "validation_rules": [
        {"code": "SUBSCRIBERS_NOT_ABOVE_3X_POPULATION", "left": "MOBILE_SUBSCRIBERS", "operator": "<=",
         "right": "POPULATION * 3", "message": "Số thuê bao không thể vượt quá 3 lần dân số"},
    ],
}

MODELS = (OrgUnit, Sector, Indicator, DefinitionChange, Target, Milestone, ValidationRule)


def catalogue(**changes) -> dict:
    data = copy.deepcopy(CATALOGUE)
    data.update(changes)
    return data


def database_state() -> dict:
    """Every row of the catalogue and its history, to prove a failed load changed nothing."""
    state = {model.__name__: list(model.objects.order_by("pk").values()) for model in MODELS}
    state["successors"] = list(OrgUnit.successors.through.objects.order_by("pk").values())
    for model in (Indicator, Target, Milestone):
        state[f"{model.__name__} history"] = model.history.count()
    return state


def load_error(data) -> list[str]:
    before = database_state()
    with pytest.raises(CatalogueError) as caught:
        catalogue_load(data=data)
    assert database_state() == before
    return caught.value.errors


def one_error(data) -> str:
    errors = load_error(data)
    assert len(errors) == 1, errors
    return errors[0]


@pytest.mark.django_db
def test_load_creates_everything_then_a_reload_changes_nothing():
    counts = catalogue_load(data=catalogue())
    assert counts["org_units"] == {"created": 2, "updated": 0, "unchanged": 0}
    assert counts["indicators"] == {"created": 4, "updated": 0, "unchanged": 0}
    assert counts["targets"]["created"] == 2
    assert counts["validation_rules"]["created"] == 1
    assert OrgUnit.objects.get(code="HG-VT").parent.code == "HG"
    assert Indicator.objects.get(code="BTS").sector.code == "TELECOM"
    assert Target.objects.get(indicator__code="MOBILE_SUBS_PER_100").value == Decimal("92.7")
    assert str(Milestone.objects.get(code="IOC_2021").due) == "2021-06-30"
    history = Indicator.history.count()

    again = catalogue_load(data=catalogue())

    assert all(section["created"] == section["updated"] == 0 for section in again.values())
    assert again["indicators"]["unchanged"] == 4
    assert again["targets"]["unchanged"] == 2
    assert Indicator.history.count() == history


@pytest.mark.django_db
def test_update_changes_what_differs_and_keeps_history():
    catalogue_load(data=catalogue())
    data = catalogue()
    data["indicators"][3]["name"] = "Số trạm phát sóng BTS"
    data["targets"][0]["value"] = 1300
    counts = catalogue_load(data=data)
    assert counts["indicators"] == {"created": 0, "updated": 1, "unchanged": 3}
    assert counts["targets"] == {"created": 0, "updated": 1, "unchanged": 1}
    bts = Indicator.objects.get(code="BTS")
    assert bts.name == "Số trạm phát sóng BTS"
    assert [h.name for h in bts.history.order_by("history_id")] == ["Số trạm BTS", "Số trạm phát sóng BTS"]
    assert Target.objects.get(indicator=bts).value == 1300


@pytest.mark.django_db
def test_a_field_left_out_takes_its_default():
    catalogue_load(data=catalogue())
    data = catalogue()
    del data["indicators"][3]["name_en"]
    catalogue_load(data=data)
    assert Indicator.objects.get(code="BTS").name_en == ""


@pytest.mark.django_db
def test_every_section_is_optional():
    assert catalogue_load(data={})["indicators"] == {"created": 0, "updated": 0, "unchanged": 0}
    catalogue_load(data={"sectors": [{"code": "POSTAL", "name": "Bưu chính"}]})
    assert Sector.objects.filter(code="POSTAL").exists()


@pytest.mark.django_db
def test_successors_record_a_merger():
    data = catalogue()
    data["org_units"] += [
        {"code": "HG-LM", "name": "Huyện Long Mỹ", "level": "district", "parent": "HG", "valid_to": 2024,
         "successors": ["HG-VT"]},
    ]
    counts = catalogue_load(data=data)
    assert list(OrgUnit.objects.get(code="HG-LM").successors.values_list("code", flat=True)) == ["HG-VT"]
    assert counts["org_units"]["created"] == 3
    data["org_units"][2]["successors"] = []
    assert catalogue_load(data=data)["org_units"]["updated"] == 1
    assert not OrgUnit.objects.get(code="HG-LM").successors.exists()


def with_entry(section: str, index: int, **fields) -> dict:
    data = catalogue()
    data[section][index].update(fields)
    return data


BAD_ENTRIES = {
    "unknown field": (with_entry("indicators", 3, valu_type="integer"),
                      ["indicators[3] (BTS): valu_type:", "'value_type'"]),
    "bad choice": (with_entry("indicators", 3, value_type="integr"),
                   ["indicators[3] (BTS): value_type:", "'integr'"]),
    "unknown parent": (with_entry("org_units", 0, parent="HG-XX"),
                       ["org_units[0] (HG-VT): parent:", "'HG-XX'"]),
    "unknown sector": (with_entry("indicators", 3, sector="TELCO"),
                       ["indicators[3] (BTS): sector:", "'TELCO'"]),
    "bad formula": (with_entry("indicators", 0, formula="MOBILE_SUBSCRIBERS / * 100"),
                    ["indicators[0] (MOBILE_SUBS_PER_100): formula:", "vị trí 20"]),
    "unknown code in formula": (with_entry("indicators", 0, formula="MOBILE_SUBSCRIBERS / POPULATON"),
                                ["indicators[0] (MOBILE_SUBS_PER_100): formula:", "POPULATON"]),
    "unknown code in a rule": (with_entry("validation_rules", 0, right="POPULATON"),
                               ["validation_rules[0] (SUBSCRIBERS_NOT_ABOVE_3X_POPULATION): right:",
                                "POPULATON"]),
    "unknown org unit in a target": (with_entry("targets", 0, org_unit="HG-XX"),
                                     ["targets[0] (BTS, HG-XX, 2025): org_unit:", "'HG-XX'"]),
    "bad date": (with_entry("milestones", 0, due="30/06/2021"), ["milestones[0] (IOC_2021): due:", "YYYY-MM-DD"]),
    "derived with an aggregation": (with_entry("indicators", 0, aggregation="sum"),
                                    ["indicators[0] (MOBILE_SUBS_PER_100): aggregation:"]),
    "code that is a number": (catalogue(sectors=CATALOGUE["sectors"] + [{"code": 12, "name": "Bưu chính"}]),
                              ["sectors[2]: code:", "\"12\""]),
    "list for a text field": (with_entry("sectors", 0, name=["Viễn", "thông"]),
                              ["sectors[0] (TELECOM): name:"]),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", BAD_ENTRIES, ids=list(BAD_ENTRIES))
def test_a_bad_entry_is_reported_and_nothing_is_written(case):
    data, expected = BAD_ENTRIES[case]
    message = one_error(data)
    for part in expected:
        assert part in message
    assert not Indicator.objects.exists()


@pytest.mark.django_db
def test_a_bad_update_leaves_the_loaded_catalogue_as_it_was():
    catalogue_load(data=catalogue())
    data = with_entry("indicators", 3, value_type="integr", name="Tên mới")
    data["sectors"][0]["name"] = "Viễn thông mới"
    message = one_error(data)
    assert message.startswith("indicators[3] (BTS): value_type:")
    assert Sector.objects.get(code="TELECOM").name == "Viễn thông"


@pytest.mark.django_db
def test_parent_cycle_names_every_unit_in_it():
    data = catalogue()
    data["org_units"][1]["parent"] = "HG-VT"
    errors = load_error(data)
    assert len(errors) == 2
    assert errors[0].startswith("org_units[0] (HG-VT): parent:")
    assert errors[1].startswith("org_units[1] (HG): parent:")
    assert "HG → HG-VT → HG" in errors[0] or "HG-VT → HG → HG-VT" in errors[0]


@pytest.mark.django_db
def test_parent_cycle_through_a_unit_already_in_the_database():
    catalogue_load(data=catalogue())
    errors = load_error({"org_units": [{"code": "HG", "name": "Hậu Giang", "level": "province",
                                        "parent": "HG-VT"}]})
    assert errors[0].startswith("org_units[0] (HG): parent:")


@pytest.mark.django_db
def test_formula_cycle_across_two_indicators():
    data = catalogue()
    data["indicators"][1] = {"code": "MOBILE_SUBSCRIBERS", "name": "Số thuê bao", "sector": "TELECOM",
                             "value_type": "decimal", "formula": "MOBILE_SUBS_PER_100 * POPULATION / 100"}
    errors = load_error(data)
    assert len(errors) == 2
    assert errors[0].startswith("indicators[0] (MOBILE_SUBS_PER_100): formula:")
    assert errors[1].startswith("indicators[1] (MOBILE_SUBSCRIBERS): formula:")
    assert all("MOBILE_SUBS_PER_100" in error and "→" in error for error in errors)


@pytest.mark.django_db
def test_formula_cycle_with_an_indicator_already_in_the_database():
    catalogue_load(data=catalogue())
    bts = {"code": "BTS", "name": "Số trạm BTS", "sector": "TELECOM", "value_type": "decimal",
           "formula": "MOBILE_SUBS_PER_100 + 1"}
    catalogue_load(data={"indicators": [bts]})
    per_100 = {**CATALOGUE["indicators"][0], "formula": "MOBILE_SUBSCRIBERS / POPULATION * 100 + BTS"}
    message = one_error({"indicators": [per_100]})
    assert message.startswith("indicators[0] (MOBILE_SUBS_PER_100): formula:")
    assert "MOBILE_SUBS_PER_100 → BTS → MOBILE_SUBS_PER_100" in message


def load_with_values() -> None:
    catalogue_load(data=catalogue())
    result = values_import(content=b"indicator,org_unit,year,value\nBTS,HG,2021,1000\n")
    assert result.ok, result.errors


@pytest.mark.django_db
def test_entered_indicator_with_values_cannot_become_derived():
    load_with_values()
    data = with_entry("indicators", 3, formula="MOBILE_SUBSCRIBERS / 100", aggregation="", entry_levels=[])
    message = one_error(data)
    assert message.startswith("indicators[3] (BTS): formula:")
    assert "số liệu" in message
    assert Indicator.objects.get(code="BTS").formula == ""


@pytest.mark.django_db
def test_entered_to_derived_reports_the_values_along_with_field_errors():
    load_with_values()
    errors = load_error(with_entry("indicators", 3, formula="MOBILE_SUBSCRIBERS / 100"))
    assert [error.split(":")[1].strip() for error in errors] == ["aggregation", "entry_levels", "formula"]


@pytest.mark.django_db
def test_indicator_with_values_cannot_change_sector():
    load_with_values()
    message = one_error(with_entry("indicators", 3, sector="DX"))
    assert message.startswith("indicators[3] (BTS): sector:")
    assert "TELECOM" in message


@pytest.mark.django_db
def test_all_errors_of_the_file_are_collected():
    data = catalogue(units=[])
    data["indicators"][3]["value_type"] = "integr"
    data["targets"][1]["operator"] = "=>"
    data["sectors"].append({"code": "TELECOM", "name": "Trùng"})
    errors = load_error(data)
    assert errors[0].startswith("Khóa 'units'")
    assert any(error.startswith("sectors[2] (TELECOM):") and "sectors[0]" in error for error in errors)
    assert any(error.startswith("indicators[3] (BTS): value_type:") for error in errors)
    assert any(error.startswith("targets[1] (MOBILE_SUBS_PER_100, HG, 2025): operator:") for error in errors)


@pytest.mark.django_db
@pytest.mark.parametrize("data", [[], "org_units", None], ids=["list", "text", "empty"])
def test_top_level_must_be_a_mapping(data):
    assert "khóa" in one_error(data)


@pytest.mark.django_db
def test_a_section_must_be_a_list():
    assert one_error({"sectors": {"code": "X"}}).startswith("sectors:")


YAML = """\
org_units:
  - {code: HG, name: Hậu Giang, level: province}
sectors:
  - code: TELECOM
    name: Viễn thông
indicators:
  - code: BTS
    name: Số trạm BTS
    sector: TELECOM
    value_type: integer
    aggregation: sum
    entry_levels: [province]
targets:
  - {indicator: BTS, org_unit: HG, year: 2025, operator: ">=", value: 1200}
"""


@pytest.mark.django_db
def test_load_file(tmp_path):
    path = tmp_path / "catalogue.yaml"
    path.write_text("\ufeff" + YAML, encoding="utf-8")
    counts = catalogue_load_file(path=path)
    assert counts["indicators"]["created"] == 1
    assert Target.objects.get().value == 1200


@pytest.mark.django_db
def test_file_errors_name_the_line(tmp_path):
    path = tmp_path / "catalogue.yaml"
    path.write_text(YAML.replace("value_type: integer", "value_type: integr"), encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        catalogue_load_file(path=path)
    assert caught.value.errors[0].startswith("dòng 7: indicators[0] (BTS): value_type:")


@pytest.mark.django_db
def test_yaml_syntax_error_names_line_and_column(tmp_path):
    path = tmp_path / "catalogue.yaml"
    path.write_text(YAML.replace('operator: ">="', "operator: >="), encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        catalogue_load_file(path=path)
    [message] = caught.value.errors
    assert "dòng 14" in message and "cột" in message


@pytest.mark.django_db
def test_a_key_written_twice_is_an_error(tmp_path):
    path = tmp_path / "catalogue.yaml"
    path.write_text(YAML.replace("    name: Viễn thông\n", "    name: Viễn thông\n    name: Bưu chính\n"),
                    encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        catalogue_load_file(path=path)
    assert caught.value.errors == ["dòng 6: khóa 'name' bị lặp lại (đã có ở dòng 5)."]


@pytest.mark.django_db
def test_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "catalogue.yaml"
    path.write_bytes(YAML.encode("utf-8").replace("Hậu".encode(), "H\xe2u".encode("latin-1")))
    with pytest.raises(CatalogueError) as caught:
        catalogue_load_file(path=path)
    assert "UTF-8" in caught.value.errors[0] and "dòng 2" in caught.value.errors[0]


@pytest.mark.django_db
def test_command_prints_counts(tmp_path, capsys):
    path = tmp_path / "catalogue.yaml"
    path.write_text(YAML, encoding="utf-8")
    call_command("load_catalogue", str(path))
    out = capsys.readouterr().out
    assert "indicators: tạo mới 1, cập nhật 0, không đổi 0" in out


@pytest.mark.django_db
def test_command_reports_every_error_and_fails(tmp_path, capsys):
    path = tmp_path / "catalogue.yaml"
    path.write_text(YAML.replace("value_type: integer", "value_type: integr").replace("sector: TELECOM",
                                                                                       "sector: TELCO"),
                    encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        call_command("load_catalogue", str(path))
    assert caught.value.returncode == 1
    err = capsys.readouterr().err
    assert "dòng 7: indicators[0] (BTS): sector:" in err
    assert "dòng 7: indicators[0] (BTS): value_type:" in err
    assert not Indicator.objects.exists()


@pytest.mark.django_db
def test_command_missing_file(tmp_path, capsys):
    with pytest.raises(CommandError):
        call_command("load_catalogue", str(tmp_path / "missing.yaml"))
    assert "missing.yaml" in capsys.readouterr().err


@pytest.mark.django_db
def test_the_example_in_the_user_documentation_loads(tmp_path):
    docs = (Path(__file__).resolve().parents[2] / "docs" / "formats.md").read_text(encoding="utf-8")
    example = docs.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "danh_muc.yaml"
    path.write_text(example, encoding="utf-8")
    counts = catalogue_load_file(path=path)
    assert counts["indicators"]["created"] == 6
    assert catalogue_load_file(path=path)["indicators"]["unchanged"] == 6


@pytest.mark.django_db
def test_a_catalogue_change_marks_every_aggregate_stale_and_a_reload_does_not():
    from kpis.models import StaleMark

    catalogue_load(data=catalogue())
    assert StaleMark.objects.filter(indicator__isnull=True).count() == 1
    StaleMark.objects.all().delete()
    catalogue_load(data=catalogue())
    assert not StaleMark.objects.exists()


BILLION_LAUGHS = "\n".join(
    [f"org_units: &l0 [{', '.join(['lol'] * 9)}]"]
    + [f"s{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]" for n in range(1, 10)]) + "\n"


def test_a_billion_laughs_is_refused_before_it_expands(tmp_path):
    path = tmp_path / "laughs.yaml"
    path.write_text(BILLION_LAUGHS, encoding="utf-8")
    env = {"DEBUG": "true", "DATABASE_URL": f"sqlite:///{tmp_path}/unused.sqlite3", "PATH": os.environ["PATH"]}
    # Expanded, this document is a billion strings: without the guard the
    # command would still be running when the timeout ends the test.
    result = subprocess.run([sys.executable, "manage.py", "load_catalogue", str(path)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "dòng 2: bí danh *l0 trỏ tới một danh sách hoặc một bảng" in result.stderr


@pytest.mark.django_db
def test_an_alias_may_repeat_a_text(tmp_path):
    path = tmp_path / "catalogue.yaml"
    path.write_text(YAML.replace("value_type: integer", "value_type: integer\n    source: &law Luật Viễn thông")
                    .replace("value: 1200}", "value: 1200, source: *law}"), encoding="utf-8")
    catalogue_load_file(path=path)
    assert Target.objects.get().source == "Luật Viễn thông"


def test_a_merge_key_is_refused_naming_the_line(tmp_path):
    path = tmp_path / "catalogue.yaml"
    path.write_text("sectors:\n  - &base {code: A, name: A}\n  - {<<: *base, code: B}\n", encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        catalogue_load_file(path=path)
    assert caught.value.errors == ["dòng 3: bí danh *base trỏ tới một danh sách hoặc một bảng; trong tệp danh "
                                   "mục bí danh (&tên, *tên) chỉ được lặp lại một giá trị chữ hoặc số."]


def test_deep_nesting_is_refused_with_a_message(tmp_path):
    path = tmp_path / "catalogue.yaml"
    path.write_text("sectors: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        catalogue_load_file(path=path)
    assert caught.value.errors == ["dòng 1: YAML lồng quá 20 cấp; tệp danh mục không cần nhiều cấp như vậy."]


def test_a_file_over_the_size_limit_is_refused(tmp_path, settings):
    settings.CATALOGUE_MAX_MB = 1
    path = tmp_path / "catalogue.yaml"
    path.write_text(YAML + "#" * (1024 * 1024), encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        catalogue_load_file(path=path)
    assert caught.value.errors == [f"Tệp {path} lớn hơn 1 MB, giới hạn của một tệp danh mục (CATALOGUE_MAX_MB); "
                                   "hãy chia thành nhiều tệp."]


def test_aliases_cannot_repeat_more_text_than_the_size_limit(tmp_path, settings):
    settings.CATALOGUE_MAX_MB = 1
    path = tmp_path / "catalogue.yaml"
    aliases = "\n".join(f"  - {{code: S{n}, name: *long}}" for n in range(11))
    path.write_text(f"sectors:\n  - {{code: S, name: &long {'x' * 100_000}}}\n{aliases}\n", encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        catalogue_load_file(path=path)
    assert caught.value.errors == ["dòng 13: các bí danh (*tên) lặp lại quá nhiều chữ, hơn cả giới hạn kích "
                                   "thước tệp danh mục."]
@contextmanager
def ends_within(seconds: int):
    """Turn a hang into a failure: a guard against an endless loop, not a
    measure of speed (the work under it takes milliseconds)."""
    def hung(signum, frame):
        raise AssertionError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def file_errors(tmp_path, text: str) -> list[str]:
    path = tmp_path / "catalogue.yaml"
    path.write_text(text, encoding="utf-8")
    before = database_state()
    with ends_within(120), pytest.raises(CatalogueError) as caught:
        catalogue_load_file(path=path)
    assert database_state() == before
    return caught.value.errors


@pytest.mark.django_db
def test_yaml_list_that_contains_itself_is_refused(tmp_path):
    errors = file_errors(tmp_path, "org_units: &units [*units]\n")
    # Aliases may repeat only a text or a number (see test_yaml_aliases_*), so the cycle is refused at the alias.
    assert errors == ["dòng 1: bí danh *units trỏ tới một danh sách hoặc một bảng; trong tệp danh mục bí danh "
                      "(&tên, *tên) chỉ được lặp lại một giá trị chữ hoặc số."]


NESTED_ALIASES = "".join(f"x{n}: &a{n} [*a{n - 1}, *a{n - 1}]\n" for n in range(1, 60))


ALIAS_REFUSED = ("bí danh *%s trỏ tới một danh sách hoặc một bảng; trong tệp danh mục bí danh (&tên, *tên) "
                 "chỉ được lặp lại một giá trị chữ hoặc số.")


@pytest.mark.django_db
def test_nested_yaml_aliases_are_refused_with_a_short_message(tmp_path):
    # Each alias doubles the one before: 2**59 paths through 60 lines, refused at the first alias of a list.
    text = ("x0: &a0 [a, a]\n" + NESTED_ALIASES
            + "sectors:\n  - {code: *a59, name: Lĩnh vực}\n"
            + "indicators:\n  - {code: NEW, name: Mới, sector: S, value_type: integer, aggregation: sum,"
              " entry_levels: *a59}\n")
    errors = file_errors(tmp_path, text)
    assert errors == ["dòng 2: " + ALIAS_REFUSED % "a0"]


@pytest.mark.django_db
def test_entry_levels_that_contain_themselves_are_refused(tmp_path):
    errors = file_errors(tmp_path, "sectors: [{code: S, name: Lĩnh vực}]\nindicators:\n"
                                   "  - {code: NEW, name: Mới, sector: S, value_type: integer, aggregation: sum,"
                                   " entry_levels: &levels [province, *levels]}\n")
    assert errors == ["dòng 3: " + ALIAS_REFUSED % "levels"]


@pytest.mark.django_db
def test_nul_character_in_a_field_is_refused_naming_the_field(tmp_path):
    errors = file_errors(tmp_path, 'sectors:\n  - {code: S, name: "Viễn\\0thông"}\n')
    assert errors == ["dòng 2: sectors[0] (S): name: có ký tự NUL (\\0), không lưu được; hãy xóa nó."]


@pytest.mark.django_db
def test_control_character_in_yaml_is_refused_naming_the_line(tmp_path):
    errors = file_errors(tmp_path, "sectors:\n  - {code: S, name: Viễn\x7fthông}\n")
    assert errors == ["dòng 2: YAML không cho phép ký tự điều khiển U+007F; hãy xóa nó."]


@pytest.mark.django_db
def test_a_number_field_written_as_empty_text_is_left_blank():
    units = [{"code": "HG", "name": "Hậu Giang", "level": "province", "valid_from": "", "valid_to": ""}]
    catalogue_load(data={"org_units": units})
    unit = OrgUnit.objects.get(code="HG")
    assert (unit.valid_from, unit.valid_to) == (None, None)



@pytest.mark.django_db
def test_dated_sector_names_round_trip():
    from datetime import date

    from kpis.models import SectorVersion
    from kpis.selectors import sector_name_on

    data = catalogue()
    data["sectors"][0].update(owner_agency="Sở Thông tin và Truyền thông", names=[
        {"from": "2025-07-01", "owner": "Sở Khoa học và Công nghệ thành phố Cần Thơ"},
        {"from": date(2025, 3, 1), "name": "Bưu chính và chuyển phát", "owner": "Sở Khoa học và Công nghệ"},
    ])
    code = data["sectors"][0]["code"]
    assert catalogue_load(data=data)["sectors"]["created"] == len(data["sectors"])
    sector = Sector.objects.get(code=code)
    assert sector_name_on(sector, date(2025, 2, 28)).owner_agency == "Sở Thông tin và Truyền thông"
    assert sector_name_on(sector, date(2025, 3, 1)).name == "Bưu chính và chuyển phát"
    # A later entry without a name keeps the one before it, with its new owner.
    later = sector_name_on(sector, date(2026, 1, 1))
    assert later.name == "Bưu chính và chuyển phát"
    assert later.owner_agency == "Sở Khoa học và Công nghệ thành phố Cần Thơ"
    assert catalogue_load(data=data)["sectors"] == {"created": 0, "updated": 0, "unchanged": len(data["sectors"])}
    del data["sectors"][0]["names"]
    assert catalogue_load(data=data)["sectors"]["updated"] == 1
    assert not SectorVersion.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("names, expected", [
    ("Sở KH&CN", "names: phải là danh sách tên theo ngày"),
    ([{"from": "2025-02-30", "name": "Bưu chính"}], "names[0]: mỗi tên cần from (ngày YYYY-MM-DD)"),
    ([{"from": "2025-03-01", "nam": "Bưu chính"}], "names[0]: mỗi tên cần from"),
    ([{"from": "2025-03-01"}, {"from": "2025-03-01", "name": "Khác"}], "hai tên cùng bắt đầu từ 2025-03-01"),
])
def test_bad_dated_sector_names_are_named_and_nothing_is_written(names, expected):
    data = catalogue()
    data["sectors"][0]["names"] = names
    error = one_error(data)
    assert error.startswith("sectors[0] (") and expected in error, error


@pytest.mark.django_db
def test_an_indicator_can_be_entered_quarterly_from_the_catalogue():
    data = catalogue()
    data["indicators"][1].update(frequency="quarter", time_aggregation="last")
    catalogue_load(data=data)
    subscribers = Indicator.objects.get(code="MOBILE_SUBSCRIBERS")
    assert (subscribers.frequency, subscribers.time_aggregation) == ("quarter", "last")
    assert Indicator.objects.get(code="BTS").frequency == "year"  # the default


@pytest.mark.django_db
def test_a_sub_annual_indicator_without_time_aggregation_is_refused_by_name():
    data = catalogue()
    data["indicators"][1].update(frequency="month")
    assert "MOBILE_SUBSCRIBERS" in one_error(data) and "cộng dồn theo thời gian" in one_error(data)
    data["indicators"][1].update(frequency="weekly", time_aggregation="sum")
    assert "weekly" in one_error(data)
