"""Uploading figures on a report's page in a real Chromium, as the demo's
telecom data-entry user: an Excel file and a CSV previewed row by row, then
confirmed (the figures are in the draft report) or cancelled (nothing
written); an approved report offers no upload and refuses one; the Excel
template downloaded, filled and uploaded back."""

import io
import re
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

pytestmark = pytest.mark.browser

PASSWORD = "a-long-test-password-for-upload"
YEAR = 2021  # the demo's telecom figures stop at 2020: 2021 is the year staff would enter next
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def entry_user(demo):
    """The demo's telecom data-entry user (nhaplieu) with a known password, and a
    draft 2021 report of Hậu Giang with two figures typed by hand."""
    from django.contrib.auth import get_user_model

    from kpis.models import OrgUnit, Sector
    from kpis.services.reports import report_create, report_values_save

    user = get_user_model().objects.get(username="nhaplieu")
    user.set_password(PASSWORD)
    user.save()
    report = report_create(sector=Sector.objects.get(code="TELECOM"), org_unit=OrgUnit.objects.get(code="HG"),
                           year=YEAR, user=user)
    report_values_save(report=report, user=user, values={"BTS": Decimal(900), "TELECOM_ENTERPRISES": Decimal(8)})
    return report


def sign_in(page) -> None:
    page.goto(page.base + "/admin/login/")
    page.fill("#id_username", "nhaplieu")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(page.base + "/admin/")


def open_report(page, report) -> None:
    page.goto(f"{page.base}/admin/kpis/yearlyreport/{report.pk}/change/")
    assert page.locator("#upload-title").inner_text() == "Tải tệp lên"


def xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["indicator", "org_unit", "year", "value", "comment"])
    for row in rows:
        sheet.append(row)
    content = io.BytesIO()
    book.save(content)
    return content.getvalue()


def preview(page, name: str, content: bytes, mime: str) -> None:
    page.set_input_files("input[name=file]", files=[{"name": name, "mimeType": mime, "buffer": content}])
    page.get_by_role("button", name="Xem trước").click()
    page.wait_for_load_state()


def outcomes(page) -> dict[str, str]:
    """Each previewed row: the indicator's code → the outcome and value cells as shown."""
    found = {}
    for row in page.locator("table.upload-table tbody tr").all():
        code = row.locator(".entry-code").inner_text()
        cells = row.locator("td").all()
        found[code] = f"{cells[1].inner_text()} | {cells[2].inner_text()}".strip()
    return found


def stored(report) -> dict[str, Decimal]:
    from kpis.models import DataValue

    return dict(DataValue.objects.filter(org_unit=report.org_unit, year=report.year)
                .values_list("indicator__code", "value"))


def database_state() -> tuple:
    from kpis.models import AuditEvent, DataValue, YearlyReport

    return (sorted(DataValue.objects.values_list("indicator__code", "org_unit__code", "year", "value", "comment")),
            DataValue.history.count(), YearlyReport.objects.count(), AuditEvent.objects.filter(
                action="values_uploaded").count())


def test_an_excel_file_is_previewed_row_by_row_then_confirmed_into_the_draft(entry_user, page):
    report = entry_user
    sign_in(page)
    open_report(page, report)
    preview(page, "vien_thong_2021.xlsx", xlsx([
        ["BTS", "HG", YEAR, 939, "Sở TT&TT"],                     # changed: 900 → 939
        ["TELECOM_ENTERPRISES", "HG", YEAR, 8, None],              # unchanged
        ["MOBILE_SUBS_PER_100", "HG", YEAR, "92,7", None],         # new; a text cell read the Vietnamese way
        ["COMMUNES_MOBILE_COVERAGE_PCT", "HG", YEAR, 104, None],   # error: over 100 %
    ]), XLSX)
    shown = outcomes(page)
    assert shown["BTS"].startswith("✎ thay đổi | 900 → 939")
    assert shown["TELECOM_ENTERPRISES"].startswith("= giữ nguyên | 8")
    assert shown["MOBILE_SUBS_PER_100"].startswith("✚ mới | 92,7")
    # The reason, on its line: the file's column and the indicator.
    assert shown["COMMUNES_MOBILE_COVERAGE_PCT"] == (
        "✖ lỗi | cột value: Tỷ lệ xã có hạ tầng thông tin di động phủ sóng: tỷ lệ phần trăm phải từ 0 đến 100.")
    assert "có lỗi" in page.locator(".errornote").inner_text()
    assert page.get_by_role("button", name="Xác nhận ghi").count() == 0  # nothing can be written
    assert stored(report) == {"BTS": 900, "TELECOM_ENTERPRISES": 8}

    preview(page, "vien_thong_2021.xlsx", xlsx([
        ["BTS", "HG", YEAR, 939, "Sở TT&TT"], ["TELECOM_ENTERPRISES", "HG", YEAR, 8, None],
        ["MOBILE_SUBS_PER_100", "HG", YEAR, "92,7", None], ["COMMUNES_MOBILE_COVERAGE_PCT", "HG", YEAR, 100, None],
    ]), XLSX)
    assert "2 số liệu mới, 1 thay đổi, 1 giữ nguyên" in page.locator(".upload-summary").inner_text()
    page.get_by_role("button", name="Xác nhận ghi").click()
    page.wait_for_url(re.compile(rf"/admin/kpis/yearlyreport/{report.pk}/change/$"))
    assert "Đã ghi số liệu từ tệp vien_thong_2021.xlsx: 2 mới, 1 thay đổi, 1 giữ nguyên" in page.locator(
        ".messagelist").inner_text()
    assert stored(report) == {"BTS": 939, "TELECOM_ENTERPRISES": 8, "MOBILE_SUBS_PER_100": Decimal("92.7"),
                              "COMMUNES_MOBILE_COVERAGE_PCT": 100}
    report.refresh_from_db()
    assert report.status == "draft"  # still to be submitted and approved
    assert unexpected(page.problems, refused_preview=True) == []


def unexpected(problems: list[str], *, refused_preview: bool = False) -> list[str]:
    """The page's problems but the admin's missing icon (and a refused preview's own 400)."""
    return [p for p in problems if not p.endswith("/favicon.ico")
            and not (refused_preview and (p.startswith("400: ") or "status of 400 (Bad Request)" in p))]


def test_a_csv_is_confirmed_and_a_second_one_cancelled_writes_nothing(entry_user, page):
    report = entry_user
    sign_in(page)
    open_report(page, report)
    semicolons = ("indicator;org_unit;year;value;comment\n"
                  f"BTS;HG;{YEAR};950;\nBROADBAND_SUBS_PER_100;HG;{YEAR};12,2;Đến cuối năm\n")
    preview(page, "vien_thong.csv", semicolons.encode(), "text/csv")
    shown = outcomes(page)
    assert shown["BTS"].startswith("✎ thay đổi | 900 → 950") and shown["BROADBAND_SUBS_PER_100"].startswith("✚ mới")
    page.get_by_role("button", name="Xác nhận ghi").click()
    page.wait_for_url(re.compile(rf"/admin/kpis/yearlyreport/{report.pk}/change/$"))
    assert stored(report) == {"BTS": 950, "TELECOM_ENTERPRISES": 8, "BROADBAND_SUBS_PER_100": Decimal("12.2")}

    before = database_state()
    commas = f"indicator,org_unit,year,value\nBTS,HG,{YEAR},1015\nFIBRE_HOUSEHOLDS_PCT,HG,{YEAR},61\n"
    preview(page, "sua_lai.csv", commas.encode(), "text/csv")
    assert outcomes(page)["BTS"].startswith("✎ thay đổi | 950 → 1.015")
    page.get_by_role("button", name="Hủy").click()
    page.wait_for_url(re.compile(rf"/admin/kpis/yearlyreport/{report.pk}/change/$"))
    assert "Đã hủy: không có gì từ tệp được ghi." in page.locator(".messagelist").inner_text()
    assert database_state() == before
    assert unexpected(page.problems) == []


def test_an_approved_report_offers_no_upload_and_refuses_one(entry_user, page):
    from kpis.models import YearlyReport

    approved = YearlyReport.objects.get(sector__code="TELECOM", org_unit__code="HG", year=2020)
    assert approved.status == "approved"
    before = database_state()
    sign_in(page)
    page.goto(f"{page.base}/admin/kpis/yearlyreport/{approved.pk}/change/")
    assert page.locator("input[type=file]").count() == 0 and page.get_by_text("Tải mẫu Excel").count() == 0
    # A request made by hand, with the session and its CSRF token, is refused too.
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    answer = page.request.post(f"{page.base}/admin/kpis/yearlyreport/{approved.pk}/upload/",
                               headers={"X-CSRFToken": csrf, "Referer": page.base + "/admin/"},
                               multipart={"file": {"name": "x.csv", "mimeType": "text/csv",
                                                   "buffer": b"indicator,org_unit,year,value\nBTS,HG,2020,1\n"}})
    assert answer.status == 403
    assert page.request.get(f"{page.base}/admin/kpis/yearlyreport/{approved.pk}/template.xlsx").status == 403
    assert database_state() == before


def test_the_downloaded_template_filled_in_and_uploaded_back(entry_user, page, tmp_path):
    report = entry_user
    sign_in(page)
    open_report(page, report)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Tải mẫu Excel").click()
    download = download_info.value
    assert download.suggested_filename == f"mau_TELECOM_HG_{YEAR}.xlsx"
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    # What a staff member does in Excel: type figures in the value column, and save.
    book = load_workbook(path)
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    assert header[:5] == ["indicator", "org_unit", "year", "value", "comment"] and sheet.protection.sheet
    rows = {sheet.cell(row=n, column=1).value: n for n in range(2, sheet.max_row + 1)}
    assert sheet.cell(row=rows["BTS"], column=4).value == 900  # the figure typed by hand is in it
    typed = {"BTS": 1015, "MOBILE_SUBS_PER_100": 95.5, "FIBRE_HOUSEHOLDS_PCT": 61}
    for code, value in typed.items():
        sheet.cell(row=rows[code], column=4).value = value
    sheet.cell(row=rows["BTS"], column=5).value = "Số liệu Sở KH&CN"
    book.save(path)

    preview(page, path.name, path.read_bytes(), XLSX)
    shown = outcomes(page)
    assert shown["BTS"].startswith("✎ thay đổi | 900 → 1.015")
    assert shown["MOBILE_SUBS_PER_100"].startswith("✚ mới | 95,5")
    assert shown["TELECOM_ENTERPRISES"].startswith("= giữ nguyên")
    assert all(outcome.startswith("– bỏ trống") for code, outcome in shown.items()
               if code not in typed and code != "TELECOM_ENTERPRISES")
    page.get_by_role("button", name="Xác nhận ghi").click()
    page.wait_for_url(re.compile(rf"/admin/kpis/yearlyreport/{report.pk}/change/$"))
    assert stored(report) == {"BTS": 1015, "TELECOM_ENTERPRISES": 8, "MOBILE_SUBS_PER_100": Decimal("95.5"),
                              "FIBRE_HOUSEHOLDS_PCT": 61}
    from kpis.models import AuditEvent, DataValue

    assert DataValue.objects.get(indicator__code="BTS", org_unit=report.org_unit, year=YEAR).comment == (
        "Số liệu Sở KH&CN")
    event = AuditEvent.objects.get(action="values_uploaded")
    assert (event.username, f"file={path.name}" in event.detail) == ("nhaplieu", True)
    assert unexpected(page.problems) == []
