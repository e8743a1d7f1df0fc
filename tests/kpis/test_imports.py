from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from kpis.models import DataValue, OrgUnit, ReportStatus, Sector, ValidationRule, YearlyReport
from kpis.services import imports
from kpis.services.catalogue import catalogue_load, catalogue_load_file
from kpis.services.imports import values_import
from kpis.services.reports import report_create

CATALOGUE = {
    "org_units": [
        {"code": "HG", "name": "Hậu Giang", "level": "province"},
        {"code": "HG-VT", "name": "Thành phố Vị Thanh", "level": "district", "parent": "HG"},
        {"code": "HG-LM", "name": "Huyện Long Mỹ", "level": "district", "parent": "HG", "valid_to": 2024},
        {"code": "HG-VT-01", "name": "Phường I", "level": "commune", "parent": "HG-VT"},
    ],
    "sectors": [{"code": "TELECOM", "name": "Viễn thông"}, {"code": "DX", "name": "Chuyển đổi số"}],
    "indicators": [
        {"code": "BTS", "name": "Số trạm BTS", "sector": "TELECOM", "value_type": "integer",
         "aggregation": "sum", "entry_levels": ["province", "district"]},
        {"code": "POPULATION", "name": "Dân số", "sector": "TELECOM", "value_type": "integer",
         "aggregation": "sum", "entry_levels": ["province", "district"]},
        {"code": "BTS_PER_10000", "name": "Trạm BTS/10.000 dân", "sector": "TELECOM", "value_type": "decimal",
         "decimals": 2, "formula": "BTS / POPULATION * 10000"},
        {"code": "FIBER_PCT", "name": "Tỷ lệ hộ có cáp quang", "sector": "TELECOM", "value_type": "percent",
         "decimals": 1, "aggregation": "average", "entry_levels": ["province", "district"]},
        {"code": "IOC", "name": "Có trung tâm IOC", "sector": "DX", "value_type": "yes_no",
         "aggregation": "max", "entry_levels": ["province"]},
        {"code": "ALL_DOSSIERS", "name": "Tổng số hồ sơ", "sector": "DX", "value_type": "integer",
         "aggregation": "sum", "entry_levels": ["province"]},
        {"code": "ONLINE_DOSSIERS", "name": "Số hồ sơ trực tuyến", "sector": "DX", "value_type": "integer",
         "aggregation": "sum", "entry_levels": ["province"]},
    ],
}

HEADER = "indicator,org_unit,year,value\n"


@pytest.fixture
def catalogue(db):
    catalogue_load(data=CATALOGUE)


@pytest.fixture
def operator(django_user_model):
    return django_user_model.objects.create_user("van_hanh", password="mật-khẩu-dài-đủ")


@pytest.fixture(params=["each", "bulk"])
def write_path(request, monkeypatch):
    """Run a test through both writers: datavalue_write per row and the bulk one."""
    monkeypatch.setattr(imports, "BULK_FROM", 10**9 if request.param == "each" else 0)
    return request.param


def csv_bytes(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return (header + "".join(row + "\n" for row in rows)).encode(encoding)


def value(indicator: str, org_unit: str = "HG", year: int = 2021) -> Decimal:
    return DataValue.objects.get(indicator__code=indicator, org_unit__code=org_unit, year=year).value


def database_state() -> dict:
    return {
        "values": list(DataValue.objects.order_by("pk").values()),
        "reports": list(YearlyReport.objects.order_by("pk").values()),
        "value history": DataValue.history.count(),
        "report history": YearlyReport.history.count(),
    }


def import_errors(content: bytes) -> list[tuple[int, str]]:
    before = database_state()
    result = values_import(content=content)
    assert not result.ok
    assert (result.created, result.updated, result.unchanged) == (0, 0, 0)
    assert database_state() == before
    return [(error.line, error.message) for error in result.errors]


@pytest.mark.django_db
def test_import_creates_approved_reports_and_values(catalogue, operator, write_path):
    content = csv_bytes("BTS,HG,2021,1200", "POPULATION,HG,2021,733000", "BTS,HG-VT,2021,150",
                        "IOC,HG,2021,1")
    result = values_import(content=content, user=operator)
    assert result.ok and not result.dry_run
    assert (result.created, result.updated, result.unchanged) == (4, 0, 0)
    assert value("BTS") == 1200 and value("BTS", "HG-VT") == 150
    reports = YearlyReport.objects.all()
    assert {(r.sector.code, r.org_unit.code) for r in reports} == {("TELECOM", "HG"), ("TELECOM", "HG-VT"),
                                                                   ("DX", "HG")}
    for report in reports:
        assert report.status == ReportStatus.APPROVED
        assert report.approved_by == report.submitted_by == report.created_by == operator
        assert report.approved_at is not None and report.submitted_at is not None
        assert report.history.get().history_user == operator
    stored = DataValue.objects.get(indicator__code="BTS", org_unit__code="HG")
    assert stored.updated_by == operator
    assert stored.history.get().history_user == operator


@pytest.mark.django_db
def test_second_identical_import_changes_nothing(catalogue, write_path):
    content = csv_bytes("BTS,HG,2021,1200", "FIBER_PCT,HG,2021,92.7")
    values_import(content=content)
    history = DataValue.history.count()
    result = values_import(content=content)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert DataValue.history.count() == history


@pytest.mark.django_db
def test_update_is_kept_in_the_value_history(catalogue, operator, write_path):
    values_import(content=csv_bytes("BTS,HG,2021,1200", "POPULATION,HG,2021,733000"))
    result = values_import(content=csv_bytes("BTS,HG,2021,1250", "POPULATION,HG,2021,733000"), user=operator)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    stored = DataValue.objects.get(indicator__code="BTS")
    history = list(stored.history.order_by("history_id"))
    assert [(h.history_type, h.value) for h in history] == [("+", 1200), ("~", 1250)]
    assert history[-1].history_user == operator
    assert stored.updated_by == operator


@pytest.mark.django_db
def test_updates_an_approved_report_in_place(catalogue):
    values_import(content=csv_bytes("BTS,HG,2021,1200"))
    report = YearlyReport.objects.get()
    values_import(content=csv_bytes("BTS,HG,2021,1300", "POPULATION,HG,2021,733000"))
    assert YearlyReport.objects.get() == report
    assert report.values.count() == 2


@pytest.mark.django_db
def test_dry_run_counts_and_writes_nothing(catalogue):
    values_import(content=csv_bytes("BTS,HG,2021,1200", "POPULATION,HG,2021,733000"))
    before = database_state()
    result = values_import(content=csv_bytes("BTS,HG,2021,1250", "POPULATION,HG,2021,733000",
                                             "BTS,HG,2022,1300"), dry_run=True)
    assert result.ok and result.dry_run
    assert (result.created, result.updated, result.unchanged) == (1, 1, 1)
    assert database_state() == before


@pytest.mark.django_db
def test_dry_run_reports_errors_too(catalogue):
    result = values_import(content=csv_bytes("BTS,HG,2021,abc"), dry_run=True)
    assert [error.line for error in result.errors] == [2]


@pytest.mark.django_db
@pytest.mark.parametrize("content", [
    "\ufeffindicator,org_unit,year,value\nFIBER_PCT,HG,2021,92.7\n",
    "indicator;org_unit;year;value\r\nFIBER_PCT;HG;2021;92,7\r\n",
    "\ufeffindicator;org_unit;year;value\nFIBER_PCT;HG;2021;92,7\n",
    'indicator,org_unit,year,value\nFIBER_PCT,HG,2021,"92,7"\n',
    "INDICATOR, Org_Unit ,Year,VALUE\n FIBER_PCT , HG , 2021 , 92.7 \n\n,,,\n",
], ids=["bom-comma", "semicolon-decimal-comma-crlf", "bom-semicolon", "quoted-decimal-comma", "loose"])
def test_accepted_variants(catalogue, content):
    result = values_import(content=content.encode("utf-8"))
    assert result.ok, result.errors
    assert result.created == 1
    assert value("FIBER_PCT") == Decimal("92.7")


@pytest.mark.django_db
@pytest.mark.parametrize(("text", "expected"), [("có", 1), ("Không", 0), ("yes", 1), ("0", 0)])
def test_yes_no_words(catalogue, text, expected):
    assert values_import(content=csv_bytes(f"IOC,HG,2021,{text}")).ok
    assert value("IOC") == expected


@pytest.mark.django_db
def test_comment_and_source_columns_in_any_order(catalogue, write_path):
    content = csv_bytes("Niên giám thống kê 2021,BTS,HG,2021,1200,Số liệu của Sở TT&TT",
                        header="source,indicator,org_unit,year,value,comment\n")
    assert values_import(content=content).ok
    stored = DataValue.objects.get()
    assert (stored.source, stored.comment) == ("Niên giám thống kê 2021", "Số liệu của Sở TT&TT")


@pytest.mark.django_db
def test_without_comment_and_source_columns_the_stored_ones_stay(catalogue, write_path):
    values_import(content=csv_bytes("BTS,HG,2021,1200,Ghi chú,Nguồn",
                                    header="indicator,org_unit,year,value,comment,source\n"))
    result = values_import(content=csv_bytes("BTS,HG,2021,1250"))
    assert result.updated == 1
    stored = DataValue.objects.get()
    assert (stored.value, stored.comment, stored.source) == (1250, "Ghi chú", "Nguồn")


BAD_ROWS = {
    "unknown indicator": ("BTX,HG,2021,1", ["cột indicator", "'BTX'"]),
    "indicator in lower case": ("bts,HG,2021,1", ["'bts'", "'BTS'"]),
    "derived indicator": ("BTS_PER_10000,HG,2021,1", ["cột indicator", "BTS_PER_10000", "công thức"]),
    "unknown org unit": ("BTS,HG-XX,2021,1", ["cột org_unit", "'HG-XX'"]),
    "level not entered": ("BTS,HG-VT-01,2021,1", ["cột org_unit", "BTS", "HG-VT-01"]),
    "unit not active that year": ("BTS,HG-LM,2025,1", ["cột year", "HG-LM", "2025"]),
    "year not a number": ("BTS,HG,năm 2021,1", ["cột year", "'năm 2021'"]),
    "year out of range": ("BTS,HG,1890,1", ["cột year", "'1890'", "1990"]),
    "empty value": ("BTS,HG,2021,", ["cột value", "thiếu giá trị"]),
    "value not a number": ("BTS,HG,2021,nhiều", ["cột value", "'nhiều'"]),
    "thousands separator": ("POPULATION,HG,2021,\"733,000.5\"", ["cột value", "hàng nghìn"]),
    "negative": ("BTS,HG,2021,-5", ["cột value", "âm"]),
    "not an integer": ("BTS,HG,2021,12.5", ["cột value", "số nguyên"]),
    "percent above 100": ("FIBER_PCT,HG,2021,100.5", ["cột value", "100"]),
    "too many decimals": ("FIBER_PCT,HG,2021,92.75", ["cột value", "1 chữ số"]),
    "yes/no": ("IOC,HG,2021,2", ["cột value", "Có"]),
    "too many cells": ("FIBER_PCT,HG,2021,92,7", ["5 ô", "4 cột", "ngoặc kép"]),
    "too few cells": ("BTS,HG,2021", ["3 ô", "4 cột"]),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", BAD_ROWS, ids=list(BAD_ROWS))
def test_a_bad_row_is_reported_with_its_line(catalogue, case):
    row, expected = BAD_ROWS[case]
    errors = import_errors(csv_bytes("POPULATION,HG,2021,733000", row))
    assert [line for line, _message in errors] == [3]
    for part in expected:
        assert part in errors[0][1]


@pytest.mark.django_db
def test_the_same_figure_twice_names_the_earlier_line(catalogue):
    errors = import_errors(csv_bytes("BTS,HG,2021,1200", "POPULATION,HG,2021,733000", "BTS,HG,2021,1250"))
    assert errors == [(4, "chỉ tiêu BTS, đơn vị HG, năm 2021 đã có ở dòng 2.")]


@pytest.mark.django_db
def test_every_bad_row_is_reported_and_nothing_is_written(catalogue):
    errors = import_errors(csv_bytes("BTS,HG,2021,1200", "BTX,HG,2021,1", "BTS,HG-VT,2021,",
                                     "BTS,HG-XX,abc,1", "POPULATION,HG,2021,733000"))
    assert [line for line, _message in errors] == [3, 4, 5, 5]
    assert not YearlyReport.objects.exists()


@pytest.mark.django_db
def test_a_quoted_cell_spanning_lines_keeps_line_numbers(catalogue):
    content = csv_bytes('BTS,HG,2021,1200,"dòng một\ndòng hai"', "POPULATION,HG,2021,x,",
                        header="indicator,org_unit,year,value,comment\n")
    assert [line for line, _message in import_errors(content)] == [4]


@pytest.mark.django_db
@pytest.mark.parametrize(("header", "expected"), [
    ("indicator,org_unit,year,valeur\n", ["'valeur'", "value"]),
    ("indicator,org_unit,year\n", ["thiếu cột: value"]),
    ("indicator,org_unit,year,value,value\n", ["lặp lại: value"]),
], ids=["unknown", "missing", "repeated"])
def test_header_problems_are_on_line_1(catalogue, header, expected):
    [(line, message)] = import_errors(csv_bytes("BTS,HG,2021,1200", header=header))
    assert line == 1
    for part in expected:
        assert part in message


@pytest.mark.django_db
def test_empty_file(catalogue):
    assert import_errors(b"")[0][0] == 1


@pytest.mark.django_db
def test_file_that_is_not_utf8_names_the_line(catalogue):
    content = csv_bytes("BTS,HG,2021,1200", "BTS,HG,2022,1300,Niên giám",
                        header="indicator,org_unit,year,value,comment\n", encoding="cp1252")
    [(line, message)] = import_errors(content)
    assert line == 3
    assert "UTF-8" in message


@pytest.mark.django_db
def test_file_with_a_nul_character_is_refused_naming_the_line(catalogue):
    content = csv_bytes("BTS,HG,2021,1200", "BTS,HG,2022,1300,Niên\x00giám",
                        header="indicator,org_unit,year,value,comment\n")
    [(line, message)] = import_errors(content)
    assert line == 3
    assert "NUL" in message


@pytest.mark.django_db
def test_utf16_file_is_refused_as_not_utf8_text(catalogue):
    [(line, message)] = import_errors(csv_bytes("BTS,HG,2021,1200", encoding="utf-16-le"))
    assert line == 1
    assert "UTF-8" in message


@pytest.mark.django_db
def test_rows_of_a_report_under_review_are_rejected(catalogue, django_user_model):
    admin = django_user_model.objects.create_superuser("quan_tri", password="mật-khẩu-dài-đủ")
    report_create(sector=Sector.objects.get(code="TELECOM"), org_unit=OrgUnit.objects.get(code="HG"), year=2021,
                  user=admin)
    errors = import_errors(csv_bytes("BTS,HG,2021,1200", "IOC,HG,2021,1", "BTS,HG-VT,2021,150"))
    assert [line for line, _message in errors] == [2]
    assert "Nháp" in errors[0][1] and "quản trị" in errors[0][1]


@pytest.fixture
def dossier_rule(catalogue):
    return ValidationRule.objects.create(code="ONLINE_NOT_ABOVE_ALL", left="ONLINE_DOSSIERS", operator="<=",
                                         right="ALL_DOSSIERS",
                                         message="Số hồ sơ trực tuyến không được vượt tổng số hồ sơ")


@pytest.mark.django_db
def test_rule_violation_within_the_file_is_reported_on_its_rows(dossier_rule):
    errors = import_errors(csv_bytes("BTS,HG,2021,1200", "ALL_DOSSIERS,HG,2021,1000",
                                     "ONLINE_DOSSIERS,HG,2021,1200"))
    assert [line for line, _message in errors] == [3, 4]
    assert "ONLINE_NOT_ABOVE_ALL" in errors[1][1] and "vượt tổng số hồ sơ" in errors[1][1]
    assert "dòng 3" in errors[1][1]


@pytest.mark.django_db
def test_rule_violation_against_a_stored_figure(dossier_rule):
    assert values_import(content=csv_bytes("ALL_DOSSIERS,HG,2021,1000")).ok
    errors = import_errors(csv_bytes("BTS,HG,2021,1200", "ONLINE_DOSSIERS,HG,2021,1200"))
    assert [line for line, _message in errors] == [3]
    assert values_import(content=csv_bytes("ONLINE_DOSSIERS,HG,2021,900")).ok


@pytest.mark.django_db
def test_command_imports_and_prints_a_summary(catalogue, operator, tmp_path, capsys):
    path = tmp_path / "so_lieu.csv"
    path.write_bytes(csv_bytes("BTS,HG,2021,1200", "POPULATION,HG,2021,733000"))
    call_command("import_values", str(path), "--user", "van_hanh")
    assert "tạo mới 2, cập nhật 0, không đổi 0" in capsys.readouterr().out
    assert DataValue.objects.filter(updated_by=operator).count() == 2


@pytest.mark.django_db
def test_command_dry_run(catalogue, tmp_path, capsys):
    path = tmp_path / "so_lieu.csv"
    path.write_bytes(csv_bytes("BTS,HG,2021,1200"))
    call_command("import_values", str(path), "--dry-run")
    out = capsys.readouterr().out
    assert "tạo mới 1" in out and "chạy thử" in out
    assert not DataValue.objects.exists()


@pytest.mark.django_db
def test_command_prints_every_rejected_row_and_fails(catalogue, tmp_path, capsys):
    path = tmp_path / "so_lieu.csv"
    path.write_bytes(csv_bytes("BTX,HG,2021,1", "BTS,HG,2021,1200", "BTS,HG,2021,abc"))
    with pytest.raises(CommandError) as caught:
        call_command("import_values", str(path))
    assert caught.value.returncode == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("dòng 2: cột indicator")
    assert err[1].startswith("dòng 4: cột value")
    assert not DataValue.objects.exists()


@pytest.mark.django_db
def test_command_missing_file_or_unknown_user(catalogue, tmp_path):
    with pytest.raises(CommandError, match="khong_co.csv"):
        call_command("import_values", str(tmp_path / "khong_co.csv"))
    path = tmp_path / "so_lieu.csv"
    path.write_bytes(csv_bytes("BTS,HG,2021,1200"))
    with pytest.raises(CommandError, match="ai_do"):
        call_command("import_values", str(path), "--user", "ai_do")
    assert not DataValue.objects.exists()


@pytest.mark.django_db
def test_the_examples_in_the_user_documentation_import(tmp_path):
    docs = (Path(__file__).resolve().parents[2] / "docs" / "formats.md").read_text(encoding="utf-8")
    catalogue_path = tmp_path / "danh_muc.yaml"
    catalogue_path.write_text(docs.split("```yaml\n", 1)[1].split("```", 1)[0], encoding="utf-8")
    catalogue_load_file(path=catalogue_path)
    comma, semicolon = [block.split("```", 1)[0] for block in docs.split("```\nindicator")[1:3]]
    first = values_import(content=("indicator" + comma).encode("utf-8"))
    assert first.ok, first.errors
    assert first.created == 3
    second = values_import(content=("indicator" + semicolon).encode("utf-8"))
    assert second.ok, second.errors
    assert (second.created, second.updated, second.unchanged) == (1, 0, 2)
    assert DataValue.objects.get(indicator__code="BTS", org_unit__code="HG-VT").comment == "Số liệu sơ bộ"


def test_import_marks_the_written_cells_stale_and_a_recompute_shows_them(world):
    from kpis.aggregation import stale_recompute
    from kpis.models import Aggregate, StaleMark

    result = values_import(content=b"indicator,org_unit,year,value\nBTS,P-D1,2020,10\nBTS,P-D2,2020,5\n")
    assert result.ok
    assert set(StaleMark.objects.values_list("org_unit__code", "year")) == {("P-D1", 2020), ("P-D2", 2020)}
    stale_recompute()
    assert Aggregate.objects.get(indicator=world.bts, org_unit=world.province, year=2020).value == 15
    assert not StaleMark.objects.exists()
    values_import(content=b"indicator,org_unit,year,value\nBTS,P-D1,2020,10\n")
    assert not StaleMark.objects.exists()  # nothing changed, nothing to recompute


# -- a period column ------------------------------------------------------------------

PERIOD_HEADER = "indicator,org_unit,period,value\n"


@pytest.fixture
def quarterly_catalogue(catalogue):
    from tests.factories import IndicatorFactory

    return IndicatorFactory(code="NEW_SUBSCRIBERS", name="Thuê bao mới", sector=Sector.objects.get(code="TELECOM"),
                            frequency="quarter", time_aggregation="sum", entry_levels=["province", "district"])


@pytest.mark.django_db
def test_a_period_column_puts_each_figure_in_its_periods_report(quarterly_catalogue, operator, write_path):
    from kpis.models import StaleMark

    content = csv_bytes("NEW_SUBSCRIBERS,HG,2021-Q1,300", "NEW_SUBSCRIBERS,HG,2021-Q2,350",
                        "NEW_SUBSCRIBERS,HG-VT,2021-Q2,40", "BTS,HG,2021,1200", header=PERIOD_HEADER)
    StaleMark.objects.all().delete()  # those of loading the catalogue
    result = values_import(content=content, user=operator)
    assert result.ok, result.errors
    assert result.created == 4
    figures = set(DataValue.objects.values_list("indicator__code", "org_unit__code", "year", "period", "value"))
    assert figures == {("NEW_SUBSCRIBERS", "HG", 2021, 201, 300), ("NEW_SUBSCRIBERS", "HG", 2021, 202, 350),
                       ("NEW_SUBSCRIBERS", "HG-VT", 2021, 202, 40), ("BTS", "HG", 2021, 0, 1200)}
    assert all(value.report.period == value.period for value in DataValue.objects.select_related("report"))
    reports = set(YearlyReport.objects.values_list("org_unit__code", "year", "period", "status"))
    assert reports == {("HG", 2021, 201, "approved"), ("HG", 2021, 202, "approved"),
                       ("HG-VT", 2021, 202, "approved"), ("HG", 2021, 0, "approved")}
    assert set(DataValue.history.values_list("period", flat=True)) == {0, 201, 202}
    assert set(YearlyReport.history.values_list("period", flat=True)) == {0, 201, 202}
    assert set(StaleMark.objects.values_list("year", flat=True)) == {2021}  # stale by year
    again = values_import(content=csv_bytes("NEW_SUBSCRIBERS,HG,2021-Q1,310", "NEW_SUBSCRIBERS,HG,2021-Q2,350",
                                            header=PERIOD_HEADER))
    assert (again.created, again.updated, again.unchanged) == (0, 1, 1)


@pytest.mark.django_db
def test_a_year_column_still_means_the_year(quarterly_catalogue, write_path):
    assert values_import(content=csv_bytes("BTS,HG,2021,1200")).ok
    assert DataValue.objects.values_list("period", flat=True).get() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(("row", "header", "message"), [
    ("NEW_SUBSCRIBERS,HG,2021-Q5,1", PERIOD_HEADER,
     "cột period: “2021-Q5” không phải là kỳ báo cáo: viết 2025, 2025-H1, 2025-Q3 hoặc 2025-07."),
    ("NEW_SUBSCRIBERS,HG,2021-13,1", PERIOD_HEADER, "cột period: “2021-13” không phải là kỳ báo cáo"),
    ("NEW_SUBSCRIBERS,HG,abc,1", PERIOD_HEADER, "cột period: “abc” không phải là kỳ báo cáo"),
    ("NEW_SUBSCRIBERS,HG,,1", PERIOD_HEADER, "cột period: thiếu kỳ"),
    ("NEW_SUBSCRIBERS,HG,2021,1", PERIOD_HEADER,
     "cột period: Thuê bao mới: Kỳ 2021 không hợp với tần suất “Quý”: cần một kỳ như 2021-Q1."),
    ("NEW_SUBSCRIBERS,HG,2021,1", HEADER, "cột year: Thuê bao mới: Kỳ 2021 không hợp với tần suất “Quý”"),
    ("BTS,HG,2021-07,1", PERIOD_HEADER, "cột period: Số trạm BTS: Kỳ 2021-07 không hợp với tần suất “Năm”"),
    ("BTS,HG,1800-Q1,1", PERIOD_HEADER, "cột period: năm của kỳ 1800-Q1 phải từ"),
    ("NEW_SUBSCRIBERS,HG,2020,2021-Q1,1", "indicator,org_unit,year,period,value\n",
     "cột period: kỳ 2021-Q1 không thuộc năm 2020 ghi ở cột year."),
    ("NEW_SUBSCRIBERS,HG-LM,2025-Q1,1", PERIOD_HEADER, "cột period: đơn vị HG-LM không tồn tại trong năm 2025"),
])
def test_a_wrong_period_is_named_on_its_line_and_nothing_is_written(quarterly_catalogue, row, header, message):
    good = {HEADER: "BTS,HG,2021,1200", PERIOD_HEADER: "NEW_SUBSCRIBERS,HG,2021-Q1,300"}.get(header, "BTS,HG,,2021,1")
    errors = import_errors(csv_bytes(good, row, header=header))
    assert len(errors) == 1 and errors[0][0] == 3, errors
    assert message in errors[0][1], errors


@pytest.mark.django_db
def test_the_same_cell_twice_is_per_period(quarterly_catalogue, write_path):
    errors = import_errors(csv_bytes("NEW_SUBSCRIBERS,HG,2021-Q1,1", "NEW_SUBSCRIBERS,HG,2021-Q2,1",
                                     "NEW_SUBSCRIBERS,HG,2021-Q1,2", header=PERIOD_HEADER))
    assert errors == [(4, "chỉ tiêu NEW_SUBSCRIBERS, đơn vị HG, kỳ Quý 1/2021 đã có ở dòng 2.")]


@pytest.mark.django_db
def test_a_quarters_report_under_review_is_named_by_its_period(quarterly_catalogue, operator):
    from tests.factories import put_values

    put_values([(quarterly_catalogue, OrgUnit.objects.get(code="HG"), "2021-Q1", 5)], status="submitted")
    errors = import_errors(csv_bytes("NEW_SUBSCRIBERS,HG,2021-Q1,6", header=PERIOD_HEADER))
    assert "báo cáo Viễn thông của Hậu Giang kỳ Quý 1/2021 đang được xử lý" in errors[0][1]
    assert values_import(content=csv_bytes("NEW_SUBSCRIBERS,HG,2021-Q2,6", header=PERIOD_HEADER)).ok


@pytest.mark.django_db
def test_a_file_without_a_year_or_period_column_says_so(catalogue):
    errors = import_errors(b"indicator,org_unit,value\nBTS,HG,1\n")
    assert "thiếu cột: year" in errors[0][1]


@pytest.mark.django_db
def test_the_command_imports_a_period_column(quarterly_catalogue, operator, tmp_path, capsys):
    path = tmp_path / "quy.csv"
    path.write_bytes(csv_bytes("NEW_SUBSCRIBERS,HG,2021-Q3,300", "NEW_SUBSCRIBERS,HG,2021-Q9,1", header=PERIOD_HEADER))
    with pytest.raises(CommandError):
        call_command("import_values", str(path))
    assert "dòng 3: cột period: “2021-Q9” không phải là kỳ báo cáo" in capsys.readouterr().err
    path.write_bytes(csv_bytes("NEW_SUBSCRIBERS,HG,2021-Q3,300", header=PERIOD_HEADER))
    call_command("import_values", str(path), "--user", "van_hanh")
    assert "tạo mới 1" in capsys.readouterr().out
    assert DataValue.objects.values_list("period", "value").get() == (203, 300)
