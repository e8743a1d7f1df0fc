"""Uploading a file of figures on a report's page: preview, then confirm or cancel."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kpis.models import AuditAction, AuditEvent, DataValue, ReportStatus
from kpis.services.reports import report_approve, report_create, report_submit, report_values_save
from tests.factories import ValidationRuleFactory

HEADER = "indicator;org_unit;year;value;comment\n"


def upload_url(report, step=""):
    name = {"": "upload", "confirm": "upload_confirm", "cancel": "upload_cancel"}[step]
    return reverse(f"admin:kpis_yearlyreport_{name}", args=[report.pk])


def upload(client, report, text, *, name="so_lieu.csv"):
    content = text.encode() if isinstance(text, str) else text
    return client.post(upload_url(report), {"file": SimpleUploadedFile(name, content)})


def stored():
    return {code: (value, comment) for code, value, comment in
            DataValue.objects.values_list("indicator__code", "value", "comment")}


@pytest.fixture
def draft(world):
    report = report_create(sector=world.telecom, org_unit=world.province, year=2020, user=world.users.staff)
    report_values_save(report=report, user=world.users.staff,
                       values={"BTS": Decimal(900), "COVERAGE_PCT": Decimal("92.7")})
    return report


@pytest.fixture
def staff_client(client, world):
    client.force_login(world.users.staff)
    return client


GOOD_FILE = HEADER + "BTS;P;2020;939;Sở TT&TT\nCOVERAGE_PCT;P;2020;92,7;\nHAS_IOC;P;2020;1;\n"


def test_the_report_page_offers_the_upload(world, staff_client, draft):
    page = staff_client.get(reverse("admin:kpis_yearlyreport_change", args=[draft.pk])).content.decode()
    assert "Tải tệp lên" in page and upload_url(draft) in page and 'enctype="multipart/form-data"' in page


def test_preview_shows_each_rows_outcome_and_writes_nothing(world, staff_client, draft):
    before = stored()
    response = upload(staff_client, draft, GOOD_FILE)
    assert response.status_code == 200
    outcomes = {line.indicator: line.outcome for line in response.context["preview"].lines}
    assert outcomes == {"BTS": "changed", "COVERAGE_PCT": "unchanged", "HAS_IOC": "new"}
    html = response.content.decode()
    assert "900 → <strong>939</strong>" in html
    assert "1 số liệu mới, 1 thay đổi, 1 giữ nguyên" in html and "Xác nhận ghi" in html
    assert stored() == before


def test_confirm_writes_exactly_the_previewed_rows(world, staff_client, draft):
    upload(staff_client, draft, GOOD_FILE)
    token = staff_client.session[f"kpis_upload_{draft.pk}"]["token"]
    response = staff_client.post(upload_url(draft, "confirm"), {"token": token})
    assert response.status_code == 302
    assert stored() == {"BTS": (Decimal(939), "Sở TT&TT"), "COVERAGE_PCT": (Decimal("92.7"), ""),
                        "HAS_IOC": (Decimal(1), "")}
    assert DataValue.history.filter(indicator__code="HAS_IOC").get().history_change_reason == "upload"
    draft.refresh_from_db()
    assert draft.status == ReportStatus.DRAFT
    # The preview is spent: confirming again writes nothing more and says so.
    again = staff_client.post(upload_url(draft, "confirm"), {"token": token}, follow=True)
    assert "Không còn bản xem trước" in again.content.decode()


def test_cancel_writes_nothing(world, staff_client, draft):
    before = stored()
    upload(staff_client, draft, GOOD_FILE)
    token = staff_client.session[f"kpis_upload_{draft.pk}"]["token"]
    assert staff_client.post(upload_url(draft, "cancel")).status_code == 302
    staff_client.post(upload_url(draft, "confirm"), {"token": token})
    assert stored() == before


def test_a_confirmed_upload_is_in_the_audit_log_with_file_report_counts_and_channel(world, staff_client, draft):
    upload(staff_client, draft, GOOD_FILE, name="vien_thong_2020.csv")
    token = staff_client.session[f"kpis_upload_{draft.pk}"]["token"]
    staff_client.post(upload_url(draft, "confirm"), {"token": token}, REMOTE_ADDR="192.0.2.7")
    [event] = AuditEvent.objects.filter(action=AuditAction.VALUES_UPLOADED)
    assert (event.user, event.address, event.object_id) == (world.users.staff, "192.0.2.7", str(draft.pk))
    assert event.detail.splitlines() == [
        "channel=upload", "file=vien_thong_2020.csv", f"report={draft.pk} (TELECOM P 2020)",
        "created=1", "updated=1", "unchanged=1"]


def test_a_cancelled_or_refused_upload_leaves_no_upload_event(world, staff_client, draft):
    upload(staff_client, draft, GOOD_FILE)
    staff_client.post(upload_url(draft, "cancel"))
    upload(staff_client, draft, GOOD_FILE)
    token = staff_client.session[f"kpis_upload_{draft.pk}"]["token"]
    report_values_save(report=draft, user=world.users.staff, values={"BTS": Decimal(901)})  # changed meanwhile
    staff_client.post(upload_url(draft, "confirm"), {"token": token})
    assert not AuditEvent.objects.filter(action=AuditAction.VALUES_UPLOADED).exists()


def test_a_forged_token_writes_nothing(world, staff_client, draft):
    before = stored()
    upload(staff_client, draft, GOOD_FILE)
    staff_client.post(upload_url(draft, "confirm"), {"token": "guess"})
    assert stored() == before


def test_errors_name_the_line_and_reason_and_nothing_can_be_confirmed(world, staff_client, draft):
    ValidationRuleFactory(code="BTS_COVERAGE", left="BTS", operator="<=", right="COVERAGE_PCT * 100",
                          message="Số trạm BTS vượt quá tỷ lệ phủ sóng × 100")
    text = HEADER + ("BTS;P;2020;99999;\n"          # line 2: breaks the rule with the stored coverage
                     "COVERAGE_PCT;P;2020;120;\n"  # line 3: not a percentage
                     "POST_OFFICES;P;2020;5;\n"    # line 4: another sector's report
                     "BTS;P-D1;2020;5;\n"          # line 5: another unit's report
                     "HAS_IOC;P;2019;1;\n")        # line 6: another year's report
    response = upload(staff_client, draft, text)
    assert response.status_code == 400
    lines = {line.line: line for line in response.context["preview"].lines}
    assert all(line.outcome == "error" for line in lines.values())
    assert "từ 0 đến 100" in " ".join(lines[3].messages) and lines[3].indicator == "COVERAGE_PCT"
    for number in (4, 5, 6):
        assert "thuộc báo cáo khác" in " ".join(lines[number].messages), number
    html = response.content.decode()
    assert "Xác nhận ghi" not in html and "có lỗi" in html
    assert f"kpis_upload_{draft.pk}" not in staff_client.session
    assert stored()["BTS"][0] == 900


def test_a_cross_indicator_rule_is_shown_in_the_preview(world, staff_client, draft):
    ValidationRuleFactory(code="BTS_COVERAGE", left="BTS", operator="<=", right="COVERAGE_PCT * 10",
                          message="Số trạm BTS vượt quá tỷ lệ phủ sóng × 10")
    response = upload(staff_client, draft, HEADER + "BTS;P;2020;939;\n")
    assert response.status_code == 400
    assert "Số trạm BTS vượt quá tỷ lệ phủ sóng × 10" in response.content.decode()
    assert response.context["preview"].lines[0].outcome == "error"


def test_a_file_that_cannot_be_read_says_why(world, staff_client, draft):
    response = upload(staff_client, draft, "chỉ tiêu;giá trị\nBTS;939\n")
    assert response.status_code == 400
    assert "thiếu cột" in response.content.decode()


def test_blank_values_are_left_alone(world, staff_client, draft):
    response = upload(staff_client, draft, HEADER + "BTS;P;2020;;\nHAS_IOC;P;2020;0;\n")
    assert response.status_code == 200
    outcomes = {line.indicator: line.outcome for line in response.context["preview"].lines}
    assert outcomes == {"BTS": "blank", "HAS_IOC": "new"}


@pytest.mark.parametrize("text", [HEADER, HEADER + "BTS;P;2020;;\n"])
def test_a_file_with_nothing_to_write_says_so(world, staff_client, draft, text):
    response = upload(staff_client, draft, text)
    assert response.status_code == 400
    assert "không có số liệu nào để ghi" in response.content.decode()
    assert f"kpis_upload_{draft.pk}" not in staff_client.session


def test_staff_of_another_sector_is_forbidden(world, client, draft):
    client.force_login(world.users.postal_staff)
    assert upload(client, draft, GOOD_FILE).status_code == 403
    assert client.post(upload_url(draft, "confirm"), {"token": "x"}).status_code == 403
    assert stored()["BTS"][0] == 900


def test_an_approver_cannot_upload(world, client, draft):
    client.force_login(world.users.approver)
    assert upload(client, draft, GOOD_FILE).status_code == 403


def test_an_oversized_file_is_refused(world, staff_client, draft, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    response = upload(staff_client, draft, GOOD_FILE + "\n" * 2000)
    assert response.status_code == 400
    assert "Tệp quá lớn (3 KB); tối đa 1 KB" in response.content.decode()
    assert stored()["BTS"][0] == 900


def test_the_size_limit_is_five_megabytes_unless_set(settings):
    from kpis.services.uploads import UploadTooLargeError, upload_size_check

    upload_size_check(5 * 1024 * 1024)
    with pytest.raises(UploadTooLargeError, match="tối đa 5 MB"):
        upload_size_check(5 * 1024 * 1024 + 1)


def test_too_many_rows_are_refused(world, staff_client, draft, settings):
    settings.UPLOAD_MAX_ROWS = 2
    response = upload(staff_client, draft, GOOD_FILE)
    assert response.status_code == 400
    assert "hơn 2 dòng" in response.content.decode()


def test_another_kind_of_file_is_refused(world, staff_client, draft):
    response = upload(staff_client, draft, b"\xd0\xcf\x11\xe0", name="so_lieu.xls")
    assert response.status_code == 400
    assert "Chỉ nhận tệp .csv hoặc .xlsx" in response.content.decode()


def test_an_approved_report_refuses(world, staff_client, draft):
    report_submit(report=draft, user=world.users.staff)
    report_approve(report=draft, user=world.users.approver)
    assert upload(staff_client, draft, GOOD_FILE).status_code == 403
    assert stored()["BTS"][0] == 900


def test_a_report_submitted_after_the_preview_refuses_the_confirmation(world, staff_client, draft):
    upload(staff_client, draft, GOOD_FILE)
    token = staff_client.session[f"kpis_upload_{draft.pk}"]["token"]
    report_submit(report=draft, user=world.users.staff)
    assert staff_client.post(upload_url(draft, "confirm"), {"token": token}).status_code == 403
    assert stored()["BTS"][0] == 900


def test_figures_changed_after_the_preview_refuse_the_confirmation(world, staff_client, draft):
    upload(staff_client, draft, GOOD_FILE)
    token = staff_client.session[f"kpis_upload_{draft.pk}"]["token"]
    report_values_save(report=draft, user=world.users.staff, values={"BTS": Decimal(950)})
    page = staff_client.post(upload_url(draft, "confirm"), {"token": token}, follow=True).content.decode()
    assert "Chưa ghi gì" in page
    assert stored()["BTS"][0] == 950 and "HAS_IOC" not in stored()


def test_upload_pages_only_take_posts(world, staff_client, draft):
    assert staff_client.get(upload_url(draft)).status_code == 405


# -- a file of a quarter ------------------------------------------------------------


@pytest.fixture
def quarter_draft(world, quarterly):
    return report_create(sector=world.telecom, org_unit=world.province, year=2025, period=203,
                         user=world.users.staff)


def confirm(client, report):
    token = client.session[f"kpis_upload_{report.pk}"]["token"]
    return client.post(upload_url(report, "confirm"), {"token": token})


def test_a_csv_with_a_period_column_goes_into_the_quarters_report(world, staff_client, quarter_draft):
    response = upload(staff_client, quarter_draft, "indicator;org_unit;period;value\nNEW_SUBSCRIBERS;P;2025-Q3;1.250\n")
    assert response.status_code == 200
    assert [line.outcome for line in response.context["preview"].lines] == ["new"]
    assert confirm(staff_client, quarter_draft).status_code == 302
    assert DataValue.objects.values_list("report", "year", "period", "value").get() == (
        quarter_draft.pk, 2025, 203, 1250)


def test_an_xlsx_with_a_period_column_goes_into_the_quarters_report(world, staff_client, quarter_draft):
    import io

    import openpyxl

    book = openpyxl.Workbook()
    for row in (["indicator", "org_unit", "period", "value"], ["NEW_SUBSCRIBERS", "P", "2025-Q3", 1250]):
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    response = upload(staff_client, quarter_draft, buffer.getvalue(), name="quy3.xlsx")
    assert response.status_code == 200, response.context["preview"].lines
    confirm(staff_client, quarter_draft)
    assert DataValue.objects.get(report=quarter_draft).value == 1250


def test_a_period_wrong_for_the_indicator_or_the_page_is_named_on_its_line(world, staff_client, quarter_draft):
    text = ("indicator;org_unit;period;value\n"
            "NEW_SUBSCRIBERS;P;2025;5\n"      # line 2: a year for a quarterly indicator
            "NEW_SUBSCRIBERS;P;2025-Q5;5\n"   # line 3: no such quarter
            "NEW_SUBSCRIBERS;P;2025-Q2;5\n"   # line 4: another quarter's report
            "BTS;P;2025-Q3;5\n")              # line 5: a yearly indicator
    response = upload(staff_client, quarter_draft, text)
    assert response.status_code == 400
    messages = {line.line: " ".join(line.messages) for line in response.context["preview"].lines}
    assert messages[2] == "cột period: Thuê bao mới: Kỳ 2025 không hợp với tần suất “Quý”: cần một kỳ như 2025-Q1."
    assert messages[3].startswith("cột period: “2025-Q5” không phải là kỳ báo cáo")
    assert "thuộc báo cáo khác" in messages[4] and "kỳ Quý 3/2025" in messages[4]
    assert "Kỳ 2025-Q3 không hợp với tần suất “Năm”" in messages[5]
    assert not DataValue.objects.exists()
