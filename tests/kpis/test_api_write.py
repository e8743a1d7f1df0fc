"""POST /api/v1/data-value-sets/: figures into draft reports with the token
owner's permissions, all or nothing, idempotent, in the value history."""

import itertools
import json
from decimal import Decimal

import pytest

from kpis.models import DataValue, ReportStatus, YearlyReport
from kpis.services.tokens import api_token_create
from kpis.services.value_sets import CHANNEL_API
from tests.factories import put_values

URL = "/api/v1/data-value-sets/"


@pytest.fixture
def token_of(world):
    names = itertools.count()

    def make(user):
        return f"Token {api_token_create(user=user, name=f'test {next(names)}')[1]}"
    return make


def post(client, token: str, values=None, *, body=None, content_type="application/json", query=""):
    data = json.dumps({"values": values}) if body is None else body
    return client.post(URL + query, data=data, content_type=content_type, HTTP_AUTHORIZATION=token)


def stored(indicator, org_unit, year=2025):
    value = DataValue.objects.filter(indicator=indicator, org_unit=org_unit, year=year).first()
    return value and value.value


def test_json_values_go_into_a_new_draft_report_and_the_history_names_the_api(world, client, token_of):
    values = [{"indicator": "BTS", "org_unit": "P", "year": 2025, "value": 120, "comment": "đo lại"},
              {"indicator": "COVERAGE_PCT", "org_unit": "P", "period": "2025", "value": "92,7"},
              {"indicator": "BTS", "org_unit": "P-D1", "year": 2025, "value": "40"}]
    response = post(client, token_of(world.users.staff), values)
    assert response.status_code == 200, response.json()
    assert response.json() == {"status": "success", "dry_run": False, "conflicts": [],
                               "counts": {"created": 3, "updated": 0, "unchanged": 0, "ignored": 0}}
    assert stored(world.bts, world.province) == 120 and stored(world.coverage, world.province) == Decimal("92.7")
    report = YearlyReport.objects.get(sector=world.telecom, org_unit=world.province, year=2025)
    assert report.status == ReportStatus.DRAFT
    record = DataValue.history.get(indicator=world.bts, org_unit=world.province)
    assert (record.history_change_reason, record.history_user, record.comment) == (
        CHANNEL_API, world.users.staff, "đo lại")


def test_the_same_set_twice_changes_nothing_the_second_time(world, client, token_of):
    token = token_of(world.users.staff)
    values = [{"indicator": "BTS", "org_unit": "P", "year": 2025, "value": 120}]
    assert post(client, token, values).json()["counts"]["created"] == 1
    again = post(client, token, values).json()
    assert again["counts"] == {"created": 0, "updated": 0, "unchanged": 1, "ignored": 0}
    assert DataValue.history.filter(indicator=world.bts).count() == 1
    values[0]["value"] = 121
    assert post(client, token, values).json()["counts"]["updated"] == 1


def test_csv_with_the_import_columns(world, client, token_of):
    body = "indicator;org_unit;year;value;comment\nBTS;P;2025;9391;từ tệp\nCOVERAGE_PCT;P;2025;92,7;\n"
    response = post(client, token_of(world.users.staff), body=body, content_type="text/csv")
    assert response.status_code == 200, response.json()
    assert response.json()["counts"]["created"] == 2
    assert stored(world.bts, world.province) == 9391


def test_a_dry_run_counts_but_writes_nothing(world, client, token_of):
    values = [{"indicator": "BTS", "org_unit": "P", "year": 2025, "value": 120}]
    response = post(client, token_of(world.users.staff), values, query="?dry_run=true")
    assert response.json()["dry_run"] is True and response.json()["counts"]["created"] == 1
    assert not DataValue.objects.exists() and not YearlyReport.objects.exists()
    assert post(client, token_of(world.users.staff), values, query="?dry_run=perhaps").status_code == 400


def test_a_telecom_token_cannot_write_postal_figures_and_nothing_is_written(world, client, token_of):
    values = [{"indicator": "BTS", "org_unit": "P", "year": 2025, "value": 120},
              {"indicator": "POST_OFFICES", "org_unit": "P", "year": 2025, "value": 7}]
    response = post(client, token_of(world.users.staff), values)
    assert response.status_code == 409
    body = response.json()
    assert body["status"] == "error" and body["counts"]["ignored"] == 2
    assert [(c["index"], c["field"]) for c in body["conflicts"]] == [(1, "indicator")]
    assert not DataValue.objects.exists() and not YearlyReport.objects.exists()


def test_a_district_token_cannot_write_another_unit(world, client, token_of):
    values = [{"indicator": "BTS", "org_unit": "P-D2", "year": 2025, "value": 1}]
    response = post(client, token_of(world.users.district_staff), values)
    assert response.status_code == 409 and response.json()["conflicts"][0]["field"] == "indicator"


@pytest.mark.parametrize("status", [ReportStatus.SUBMITTED, ReportStatus.APPROVED])
def test_figures_of_a_report_under_review_or_approved_are_conflicts(world, client, token_of, status):
    put_values([(world.bts, world.province, 2025, 100)], status=status)
    values = [{"indicator": "BTS", "org_unit": "P", "year": 2025, "value": 120}]
    response = post(client, token_of(world.users.staff), values)
    assert response.status_code == 409
    assert response.json()["conflicts"][0]["field"] == "year"
    assert stored(world.bts, world.province) == 100


def test_bad_values_are_named_by_index_and_field(world, client, token_of):
    values = [{"indicator": "BTS", "org_unit": "P", "year": 2025, "value": "nhiều"},
              {"indicator": "NOPE", "org_unit": "P", "year": 2025, "value": 1},
              {"indicator": "BTS", "org_unit": "P", "year": 1800, "value": 1},
              {"indicator": "BTS", "org_unit": "P-D1", "year": 2025, "value": 1, "colour": "đỏ"},
              {"indicator": "BTS", "org_unit": "P-D2", "year": 2025, "value": [1]},
              {"indicator": "BTS_DOUBLE", "org_unit": "P", "year": 2025, "value": 1},
              {"indicator": "BTS", "org_unit": "P-D2", "year": 2026, "value": 1, "comment": "a\x00b"},
              {"indicator": "BTS", "org_unit": "P-D2", "period": "2025-H1", "value": 1}]
    response = post(client, token_of(world.users.staff), values)
    assert response.status_code == 409
    found = {(c["index"], c["field"]) for c in response.json()["conflicts"]}
    assert {(0, "value"), (1, "indicator"), (2, "year"), (3, "colour"), (4, "value"), (5, "indicator"),
            (6, "comment"), (7, "period")} <= found
    assert not DataValue.objects.exists()


@pytest.mark.parametrize("body", ["{", "[]", '{"values": 3}', '{"values": [1]}', ""])
def test_a_body_that_is_not_a_value_set_is_a_400(world, client, token_of, body):
    assert post(client, token_of(world.users.staff), body=body).status_code == 400


def test_oversized_bodies_are_refused(world, client, token_of):
    token = token_of(world.users.staff)
    many = [{"indicator": "BTS", "org_unit": "P", "year": 2025, "value": 1}] * 10_001
    assert post(client, token, many).status_code == 413
    huge = "indicator,org_unit,year,value\n" + "BTS,P,2025,1\n" * 200_000
    assert post(client, token, body=huge, content_type="text/csv").status_code == 413
    assert not DataValue.objects.exists()


def test_writing_needs_a_credential(world, client):
    values = [{"indicator": "BTS", "org_unit": "P", "year": 2025, "value": 1}]
    assert post(client, "", values).status_code == 401
    assert post(client, "Token wrong", values).status_code == 401
    assert not DataValue.objects.exists()


def test_a_broken_rule_is_a_conflict_on_the_value_and_an_existing_draft_takes_figures(world, client, token_of):
    from tests.factories import ValidationRuleFactory

    ValidationRuleFactory(left="BTS", operator="<=", right="COVERAGE_PCT * 10", message="BTS quá lớn so với độ phủ")
    put_values([(world.coverage, world.province, 2025, Decimal(50))], status=ReportStatus.DRAFT)
    token = token_of(world.users.staff)
    values = [{"indicator": "BTS", "org_unit": "P", "year": 2025, "value": 939}]
    response = post(client, token, values)
    assert response.status_code == 409
    conflict = response.json()["conflicts"][0]
    assert (conflict["index"], conflict["field"]) == (0, "value") and "BTS quá lớn" in conflict["message"]
    values[0]["value"] = 400
    assert post(client, token, values).status_code == 200
    assert stored(world.bts, world.province) == 400


def test_csv_conflicts_name_the_line(world, client, token_of):
    body = "indicator,org_unit,year,value\nBTS,P,2025,1\n\nBTS,P,2025,x\n"
    response = post(client, token_of(world.users.staff), body=body, content_type="text/csv")
    assert response.status_code == 409
    assert [(c["index"], c["field"]) for c in response.json()["conflicts"]] == [(4, "value")]


def test_a_json_number_is_read_as_a_number_not_as_text_in_a_convention():
    # 1234.567 written as text in a comma file would be ambiguous (1 234 567?); as a JSON number it is not.
    from kpis.services.value_sets import value_set_records

    records, conflicts = value_set_records([{"indicator": "X", "org_unit": "P", "year": 2025, "value": 1234.567}])
    assert conflicts == [] and records[0][1]["value"] == Decimal("1234.567")


# -- periods shorter than a year ------------------------------------------------------


def test_a_quarters_figures_go_into_the_quarters_draft_report(world, client, token_of, quarterly):
    values = [{"indicator": "NEW_SUBSCRIBERS", "org_unit": "P", "period": "2025-Q2", "value": 1250},
              {"indicator": "NEW_SUBSCRIBERS", "org_unit": "P", "period": "2025-Q3", "value": 1300},
              {"indicator": "BTS", "org_unit": "P", "year": 2025, "value": 120}]
    response = post(client, token_of(world.users.staff), values)
    assert response.status_code == 200, response.json()
    assert response.json()["counts"]["created"] == 3
    assert set(YearlyReport.objects.values_list("year", "period", "status")) == {
        (2025, 202, "draft"), (2025, 203, "draft"), (2025, 0, "draft")}
    assert set(DataValue.objects.filter(indicator=quarterly).values_list("period", "value")) == {
        (202, 1250), (203, 1300)}
    assert stored(world.bts, world.province) == 120


def test_a_csv_with_a_period_column(world, client, token_of, quarterly):
    body = "indicator;org_unit;period;value\nNEW_SUBSCRIBERS;P;2025-Q1;9.391\n"
    response = post(client, token_of(world.users.staff), body=body, content_type="text/csv")
    assert response.status_code == 200, response.json()
    assert DataValue.objects.values_list("period", "value").get() == (201, 9391)


def test_a_period_wrong_for_the_frequency_is_a_conflict_naming_the_entry_and_field(world, client, token_of, quarterly):
    values = [{"indicator": "NEW_SUBSCRIBERS", "org_unit": "P", "period": "2025-Q1", "value": 1},
              {"indicator": "NEW_SUBSCRIBERS", "org_unit": "P", "year": 2025, "value": 1},
              {"indicator": "BTS", "org_unit": "P", "period": "2025-Q1", "value": 1},
              {"indicator": "NEW_SUBSCRIBERS", "org_unit": "P", "period": "2025-Q5", "value": 1}]
    response = post(client, token_of(world.users.staff), values)
    assert response.status_code == 409
    assert response.json()["conflicts"] == [
        {"index": 1, "field": "year", "message": "cột year: Thuê bao mới: Kỳ 2025 không hợp với tần suất “Quý”: "
                                                 "cần một kỳ như 2025-Q1."},
        {"index": 2, "field": "period", "message": "cột period: Số trạm BTS: Kỳ 2025-Q1 không hợp với tần suất "
                                                   "“Năm”: cần một kỳ như 2025."},
        {"index": 3, "field": "period", "message": "cột period: “2025-Q5” không phải là kỳ báo cáo: viết 2025, "
                                                   "2025-H1, 2025-Q3 hoặc 2025-07."}]
    assert not DataValue.objects.exists() and not YearlyReport.objects.exists()


def test_a_quarters_report_under_review_is_named_by_its_period(world, client, token_of, quarterly):
    put_values([(quarterly, world.province, "2025-Q1", 100)], status=ReportStatus.SUBMITTED)
    values = [{"indicator": "NEW_SUBSCRIBERS", "org_unit": "P", "period": "2025-Q1", "value": 120}]
    conflict = post(client, token_of(world.users.staff), values).json()["conflicts"][0]
    assert conflict["field"] == "period" and "kỳ Quý 1/2025 đang ở trạng thái Đã gửi duyệt" in conflict["message"]
