"""Files as staff have them (issue 11): Vietnamese numbers in CSV files,
Excel workbooks, and a catalogue written like DESIGN.md's example."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from kpis.models import DataValue, Indicator, OrgUnit, OrgUnitLevel, Target, YearlyReport
from kpis.selectors import report_entry_indicators
from kpis.services.catalogue import CatalogueError, catalogue_load, catalogue_load_file
from kpis.services.imports import values_import
from tests.kpis.test_imports import CATALOGUE, csv_bytes, database_state, import_errors, value


@pytest.fixture
def catalogue(db):
    catalogue_load(data=CATALOGUE)


def workbook_bytes(rows: list[list], *, percent_cells: tuple[str, ...] = ()) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for address in percent_cells:
        sheet[address].number_format = "0.0%"
    workbook.create_sheet("Ghi chú").append(["không đọc trang này", "x"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


HEADER = ["indicator", "org_unit", "year", "value"]


# -- CSV -----------------------------------------------------------------------


@pytest.mark.django_db
def test_939_000_in_a_comma_file_is_refused_with_its_line_and_both_readings(catalogue):
    """It used to be stored as 939."""
    errors = import_errors(csv_bytes("BTS,HG,2021,1200", "POPULATION,HG,2021,939.000"))
    assert len(errors) == 1
    line, message = errors[0]
    assert line == 3
    assert "939 hoặc 939 000" in message
    assert message.startswith("cột value:")
    assert "dấu chấm phẩy (;)" in message and ".xlsx" in message


@pytest.mark.django_db
def test_a_semicolon_file_reads_vietnamese_numbers(catalogue):
    content = "indicator;org_unit;year;value\nPOPULATION;HG;2021;939.000\nBTS;HG;2021;1.234\nFIBER_PCT;HG;2021;92,7\n"
    result = values_import(content=content.encode())
    assert result.ok, result.errors
    assert (value("POPULATION"), value("BTS"), value("FIBER_PCT")) == (939000, 1234, Decimal("92.7"))


@pytest.mark.django_db
def test_a_point_decimal_in_a_semicolon_file_is_refused_with_the_fix(catalogue):
    errors = import_errors(b"indicator;org_unit;year;value\nFIBER_PCT;HG;2021;92.7\n")
    assert errors[0][0] == 2 and "92,7" in errors[0][1]


@pytest.mark.django_db
def test_columns_whose_header_starts_with_an_underscore_are_notes_and_skipped(catalogue):
    content = ("_Tên chỉ tiêu,indicator,org_unit,year,value,_Năm trước\n"
               "Số trạm BTS,BTS,HG,2021,1200,\n"
               "\"Dân số, người\",POPULATION,HG,2021,939000,=1+1\n")
    result = values_import(content=content.encode())
    assert result.ok, result.errors
    assert (value("BTS"), value("POPULATION")) == (1200, 939000)


@pytest.mark.django_db
def test_an_unknown_column_is_still_refused_and_the_note_rule_is_named(catalogue):
    errors = import_errors(b"indicator,org_unit,year,value,ten\nBTS,HG,2021,1\n")
    assert errors[0][0] == 1 and "'ten'" in errors[0][1] and "bắt đầu bằng _" in errors[0][1]


# -- XLSX ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_workbook_imports_numbers_and_vietnamese_text_cells(catalogue):
    content = workbook_bytes([
        HEADER + ["comment"],
        ["POPULATION", "HG", 2021, 939000, "số ô"],
        ["BTS", "HG", 2021, "1.234", "chữ kiểu Việt Nam"],
        ["FIBER_PCT", "HG", "2021", "92,7", None],
        ["FIBER_PCT", "HG-VT", 2021, 88.5, 12],
        ["IOC", "HG", 2021, "có"],
    ])
    result = values_import(content=content)
    assert result.ok, result.errors
    assert result.created == 5
    assert value("POPULATION") == 939000
    assert value("BTS") == 1234
    assert value("FIBER_PCT") == Decimal("92.7")
    assert value("FIBER_PCT", "HG-VT") == Decimal("88.5")
    assert value("IOC") == 1
    assert DataValue.objects.get(indicator__code="FIBER_PCT", org_unit__code="HG-VT").comment == "12"


@pytest.mark.django_db
def test_workbook_errors_name_the_sheet_row_and_nothing_is_written(catalogue):
    content = workbook_bytes([
        HEADER,
        ["BTS", "HG", 2021, 1200],
        [None, None, None, None],
        ["POPULATION", "HG", 2021, "92.7"],
        ["FIBER_PCT", "HG", 2021, 0.927],
        ["BTS", "HG-VT", 2021, 12.5],
    ], percent_cells=("D5",))
    errors = import_errors(content)
    assert [line for line, _message in errors] == [4, 5, 6]
    assert "92,7" in errors[0][1]
    assert "92,7%" in errors[1][1]  # Excel keeps 92,7% as 0.927: refused, not stored as 0.927
    assert "số nguyên" in errors[2][1]


@pytest.mark.django_db
@pytest.mark.parametrize(("rows", "expected"), [
    ([["indicator", "org_unit", "year"], ["BTS", "HG", 2021]], "thiếu cột: value"),
    ([[], ["không", "có", "tiêu", "đề"]], "Dòng 1"),
    ([], "Dòng 1"),
])
def test_workbook_header_problems_are_on_line_1(catalogue, rows, expected):
    errors = import_errors(workbook_bytes(rows))
    assert errors[0][0] == 1 and expected in errors[0][1]


@pytest.mark.django_db
def test_a_broken_workbook_is_refused_with_a_message(catalogue):
    before = database_state()
    result = values_import(content=b"PK\x03\x04 not really a zip")
    assert [error.line for error in result.errors] == [1]
    assert "Excel" in result.errors[0].message
    assert database_state() == before


@pytest.mark.django_db
def test_the_command_reads_an_xlsx_file(catalogue, tmp_path, capsys):
    path = tmp_path / "so_lieu.xlsx"
    path.write_bytes(workbook_bytes([HEADER, ["BTS", "HG", 2021, "1.200"]]))
    call_command("import_values", str(path))
    assert value("BTS") == 1200
    path.write_bytes(workbook_bytes([HEADER, ["BTS", "HG", 2022, "1,5"]]))
    with pytest.raises(CommandError):
        call_command("import_values", str(path))
    assert "dòng 2:" in capsys.readouterr().err


# -- catalogue defaults --------------------------------------------------------

# The example of DESIGN.md ("Contract: formats"), word for word ...
DESIGN_EXAMPLE = """\
org_units:  [{code: HG, name: Hậu Giang, level: province},
             {code: HG-VT, name: Thành phố Vị Thanh, level: district, parent: HG}]
sectors:    [{code: TELECOM, name: Viễn thông, name_en: Telecommunications}]
indicators: [{code: BTS, name: Số trạm BTS, name_en: BTS stations, sector: TELECOM, unit: trạm,
              value_type: integer, aggregation: sum, direction: higher},
             {code: MOBILE_SUBS_PER_100, name: Thuê bao di động/100 dân, sector: TELECOM,
              unit: thuê bao/100 dân, value_type: decimal, direction: higher,
              formula: MOBILE_SUBSCRIBERS / POPULATION * 100}]
targets:    [{indicator: ONLINE_DOSSIERS_PCT, org_unit: HG, year: 2021, operator: ">=", value: 60}]
milestones: [{code: IOC_2021, sector: DX, title: Hoàn thiện IOC, due: 2021-06-30, status: in_progress}]
"""
# ... loaded after what it refers to, written in the same spare style (no
# entry_levels, no decimals), which the example itself leaves out.
REFERENCED = """\
sectors: [{code: TELECOM, name: Viễn thông}, {code: DX, name: Chuyển đổi số}]
indicators:
  - {code: MOBILE_SUBSCRIBERS, name: Số thuê bao di động, sector: TELECOM, value_type: integer, aggregation: sum}
  - {code: POPULATION, name: Dân số, sector: TELECOM, value_type: integer, aggregation: sum}
  - {code: TELECOM_REVENUE, name: Doanh thu viễn thông, sector: TELECOM, unit: nghìn tỷ đồng,
     value_type: decimal, aggregation: sum}
  - {code: ONLINE_DOSSIERS_PCT, name: Tỷ lệ hồ sơ trực tuyến, sector: DX, value_type: percent,
     aggregation: average}
"""


@pytest.mark.django_db
def test_a_catalogue_written_like_the_design_example_accepts_values(tmp_path, django_user_model):
    for name, text in (("tham_chieu.yaml", REFERENCED), ("vi_du.yaml", DESIGN_EXAMPLE)):
        (tmp_path / name).write_text(text, encoding="utf-8")
        catalogue_load_file(path=tmp_path / name)
    bts = Indicator.objects.get(code="BTS")
    assert bts.entry_levels == list(OrgUnitLevel.values)
    decimals = dict(Indicator.objects.values_list("code", "decimals"))
    assert decimals == {"BTS": 0, "MOBILE_SUBSCRIBERS": 0, "POPULATION": 0, "TELECOM_REVENUE": 2,
                        "ONLINE_DOSSIERS_PCT": 1, "MOBILE_SUBS_PER_100": 2}
    assert Indicator.objects.get(code="MOBILE_SUBS_PER_100").entry_levels == []
    assert Target.objects.filter(indicator__code="ONLINE_DOSSIERS_PCT").exists()
    rows = ["BTS;HG;2021;1.200", "BTS;HG-VT;2021;150", "MOBILE_SUBSCRIBERS;HG;2021;939.000",
            "POPULATION;HG;2021;733.017", "TELECOM_REVENUE;HG;2021;0,45", "ONLINE_DOSSIERS_PCT;HG;2021;62,5"]
    result = values_import(content=("indicator;org_unit;year;value\n" + "\n".join(rows)).encode())
    assert result.ok, result.errors
    assert result.created == 6
    assert value("TELECOM_REVENUE") == Decimal("0.45")
    assert value("MOBILE_SUBSCRIBERS") == 939000


@pytest.mark.django_db
def test_an_indicator_without_entry_levels_is_on_the_report_page_at_every_level(world):
    data = {"indicators": [{"code": "EVERYWHERE", "name": "Nhập ở mọi cấp", "sector": world.telecom.code,
                            "value_type": "integer", "aggregation": "sum"}]}
    catalogue_load(data=data)
    for level in OrgUnitLevel.values:
        report = YearlyReport(sector=world.telecom, org_unit=OrgUnit(code="X", name="X", level=level), year=2021)
        assert "EVERYWHERE" in [indicator.code for indicator in report_entry_indicators(report)]


@pytest.mark.django_db
def test_explicit_entry_levels_and_decimals_are_kept(catalogue):
    fiber = Indicator.objects.get(code="FIBER_PCT")
    assert (fiber.entry_levels, fiber.decimals) == (["province", "district"], 1)
    catalogue_load(data={"indicators": [{"code": "RATIO", "name": "Tỷ số", "sector": "TELECOM",
                                         "value_type": "decimal", "decimals": 4, "aggregation": "sum",
                                         "entry_levels": ["commune"]}]})
    ratio = Indicator.objects.get(code="RATIO")
    assert (ratio.entry_levels, ratio.decimals) == (["commune"], 4)


@pytest.mark.django_db
def test_a_catalogue_number_that_reads_two_ways_is_refused_with_its_line(catalogue, tmp_path):
    """YAML would read 733.000 as 733: the catalogue door follows the same rule."""
    path = tmp_path / "muc_tieu.yaml"
    path.write_text("targets:\n  - {indicator: BTS, org_unit: HG, year: 2021, operator: \">=\", value: 1200}\n"
                    "  - {indicator: POPULATION, org_unit: HG, year: 2021, operator: \">=\",\n"
                    "     value: 733.000}\n", encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        catalogue_load_file(path=path)
    assert caught.value.errors == [
        "dòng 4: '733.000' có thể là 733 hoặc 733 000: dấu . theo sau đúng ba chữ số có thể là dấu phân cách "
        "hàng nghìn. Hãy ghi 733000 nếu là 733 000, hoặc 733 nếu là 733."]
    assert not Target.objects.exists()
    path.write_text("targets: [{indicator: FIBER_PCT, org_unit: HG, year: 2021, operator: \">=\", value: 92.5}]\n",
                    encoding="utf-8")
    catalogue_load_file(path=path)
    assert Target.objects.get().value == Decimal("92.5")
