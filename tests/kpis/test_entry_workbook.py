"""The Excel template of a report: download it, fill it in Excel (openpyxl
here), upload it, and the figures are stored."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kpis.models import DataValue
from kpis.services.reports import report_approve, report_create, report_submit, report_values_save


def template_url(report):
    return reverse("admin:kpis_yearlyreport_template", args=[report.pk])


@pytest.fixture
def draft(world):
    last_year = report_create(sector=world.telecom, org_unit=world.province, year=2019, user=world.users.staff)
    report_values_save(report=last_year, user=world.users.staff, values={"BTS": Decimal(906)})
    report_submit(report=last_year, user=world.users.staff)
    report_approve(report=last_year, user=world.users.approver)
    report = report_create(sector=world.telecom, org_unit=world.province, year=2020, user=world.users.staff)
    report_values_save(report=report, user=world.users.staff, values={"BTS": Decimal(900)}, comments={"BTS": "cũ"})
    return report


@pytest.fixture
def staff_client(client, world):
    client.force_login(world.users.staff)
    return client


def download(client, report):
    response = client.get(template_url(report))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="mau_TELECOM_P_2020.xlsx"'
    return openpyxl.load_workbook(io.BytesIO(response.content))


def test_the_report_page_links_the_template(world, staff_client, draft):
    page = staff_client.get(reverse("admin:kpis_yearlyreport_change", args=[draft.pk])).content.decode()
    assert "Tải mẫu Excel" in page and template_url(draft) in page


def test_the_template_lists_each_indicator_the_staff_member_enters(world, staff_client, draft):
    world.bts.definition = "=HYPERLINK(\"http://x\",\"y\")"
    world.bts.save()
    sheet = download(staff_client, draft).worksheets[0]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ["indicator", "org_unit", "year", "value", "comment",
                       "_Tên chỉ tiêu", "_Đơn vị tính", "_Năm trước (2019)", "_Định nghĩa"]
    by_code = {row[0]: row for row in rows[1:]}
    assert set(by_code) == {"BTS", "COVERAGE_PCT", "HAS_IOC"}  # not the derived one, not another sector's
    assert by_code["BTS"][:9] == ["BTS", "P", 2020, 900, "cũ", "Số trạm BTS", "trạm", 906,
                                  "'=HYPERLINK(\"http://x\",\"y\")"]
    assert by_code["COVERAGE_PCT"][3] is None
    definition = sheet.cell(row=2, column=9)
    assert definition.data_type == "s"


def test_only_the_value_and_comment_cells_are_unlocked(world, staff_client, draft):
    sheet = download(staff_client, draft).worksheets[0]
    assert sheet.protection.sheet
    assert all(cell.protection.locked for cell in sheet[1])
    for row in sheet.iter_rows(min_row=2):
        unlocked = [cell.column for cell in row if not cell.protection.locked]
        assert unlocked == [4, 5]


def test_a_filled_template_uploads_through_preview_and_confirm(world, staff_client, draft):
    book = download(staff_client, draft)
    sheet = book.worksheets[0]
    for row in sheet.iter_rows(min_row=2):
        code = row[0].value
        if code == "BTS":
            row[3].value = 939
        elif code == "COVERAGE_PCT":
            row[3].value, row[4].value = 92.7, "Theo VNPT"
        # HAS_IOC left empty: left alone
    buffer = io.BytesIO()
    book.save(buffer)
    upload_url = reverse("admin:kpis_yearlyreport_upload", args=[draft.pk])
    preview = staff_client.post(upload_url, {"file": SimpleUploadedFile("mau.xlsx", buffer.getvalue())})
    assert preview.status_code == 200, [line.messages for line in preview.context["preview"].lines]
    outcomes = {line.indicator: line.outcome for line in preview.context["preview"].lines}
    assert outcomes == {"BTS": "changed", "COVERAGE_PCT": "new", "HAS_IOC": "blank"}
    token = staff_client.session[f"kpis_upload_{draft.pk}"]["token"]
    confirm = staff_client.post(reverse("admin:kpis_yearlyreport_upload_confirm", args=[draft.pk]), {"token": token})
    assert confirm.status_code == 302
    stored = {code: (value, comment) for code, value, comment in
              DataValue.objects.filter(report=draft).values_list("indicator__code", "value", "comment")}
    assert stored == {"BTS": (Decimal(939), "cũ"), "COVERAGE_PCT": (Decimal("92.7"), "Theo VNPT")}


def test_the_template_is_only_for_those_who_enter_the_report(world, client, draft):
    client.force_login(world.users.postal_staff)
    assert client.get(template_url(draft)).status_code == 403
    client.force_login(world.users.approver)
    assert client.get(template_url(draft)).status_code == 403


def test_a_quarters_template_carries_the_period_and_uploads_back_into_the_quarter(world, staff_client, quarterly):
    last_year = report_create(sector=world.telecom, org_unit=world.province, year=2019, period=202,
                              user=world.users.staff)
    report_values_save(report=last_year, user=world.users.staff, values={"NEW_SUBSCRIBERS": Decimal(640)})
    report_submit(report=last_year, user=world.users.staff)
    report_approve(report=last_year, user=world.users.approver)
    quarter = report_create(sector=world.telecom, org_unit=world.province, year=2020, period=202,
                            user=world.users.staff)
    response = staff_client.get(template_url(quarter))
    assert response["Content-Disposition"] == 'attachment; filename="mau_TELECOM_P_2020-Q2.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][:7] == ["indicator", "org_unit", "period", "value", "comment", "_Tên chỉ tiêu", "_Đơn vị tính"]
    assert rows[0][7] == "_Cùng kỳ năm trước (Quý 2/2019)"
    assert rows[1][:3] == ["NEW_SUBSCRIBERS", "P", "2020-Q2"] and rows[1][7] == 640 and len(rows) == 2
    assert "Quý 2/2020" in book.worksheets[1]["A1"].value
    sheet.cell(row=2, column=4).value = 700
    buffer = io.BytesIO()
    book.save(buffer)
    upload_url = reverse("admin:kpis_yearlyreport_upload", args=[quarter.pk])
    preview = staff_client.post(upload_url, {"file": SimpleUploadedFile("mau.xlsx", buffer.getvalue())})
    assert preview.status_code == 200, [line.messages for line in preview.context["preview"].lines]
    token = staff_client.session[f"kpis_upload_{quarter.pk}"]["token"]
    staff_client.post(reverse("admin:kpis_yearlyreport_upload_confirm", args=[quarter.pk]), {"token": token})
    assert DataValue.objects.get(report=quarter).value == 700
