"""The summary for a half-year ("báo cáo 6 tháng"): the figures of the half
beside the same half a year earlier, the year's target beside the figure from
the year's start (labelled), for the indicators followed more often than
yearly; yearly indicators are left to the yearly report. Under a data cut-off the
data note says which days the half-year's figures cover."""

import io
import re
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from docx import Document as WordDocument

from kpis.aggregation import aggregates_recompute
from kpis.export.services import export_key, summary_document
from kpis.models import ExportFormat, ExportJob, Target
from tests.factories import IndicatorFactory, ReportingCutoffFactory, put_values
from tests.kpis.export.conftest import pdf_text, pdf_tool

ISSUED = date(2025, 7, 10)


@pytest.fixture
def halves(world):
    """Online dossiers (a quarterly flow) at the province and its districts: Q1+Q2 of 2024 and 2025,
    Q3+Q4 of 2025; a yearly target of 5.000 for 2025. BTS is yearly (2024 only)."""
    w = world
    w.online = IndicatorFactory(code="ONLINE_DOSSIERS", name="Số hồ sơ trực tuyến", sector=w.telecom, unit="hồ sơ",
                                frequency="quarter", time_aggregation="sum", is_key=True)
    rows = []
    for year, quarters in ((2024, {1: 400, 2: 600}), (2025, {1: 1000, 2: 1400, 3: 1500, 4: 1700})):
        for quarter, value in quarters.items():
            rows += [(w.online, w.d1, f"{year}-Q{quarter}", value), (w.online, w.d2, f"{year}-Q{quarter}", value // 2)]
    rows.append((w.bts, w.province, 2024, 900))
    put_values(rows)
    Target.objects.create(indicator=w.online, org_unit=w.province, year=2025, operator=">=", value=Decimal(5000))
    aggregates_recompute()
    return w


def _pdf(tmp_path, part: int, name: str):
    path = tmp_path / name
    path.write_bytes(summary_document(year=2025, org_unit=_province(), fmt=ExportFormat.PDF, issued_on=ISSUED,
                                      part=part))
    return path


def _province():
    from kpis.models import OrgUnit

    return OrgUnit.objects.get(code="P")


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _table(text: str) -> str:
    """The sectors' tables: between their heading and the charts'."""
    return text[text.index("II. KẾT QUẢ THEO LĨNH VỰC"):text.index("III. BIỂU ĐỒ")]


def test_the_first_half_year_report_has_its_title_and_its_figures(halves, tmp_path):
    path = _pdf(tmp_path, 101, "h1.pdf")
    text = _flat(pdf_text(path))
    assert "BÁO CÁO Kết quả 6 tháng đầu năm 2025 thực hiện các chỉ tiêu chuyển đổi số" in text
    assert "Title: Báo cáo kết quả 6 tháng đầu năm 2025 thực hiện các chỉ tiêu chuyển đổi số" in _flat(
        pdf_tool("pdfinfo", path))
    # The half's figure (2.400 + 1.200), the same half a year earlier (1.000 + 500), the change;
    # the year's target and the figure from the year's start, labelled, with its share of the target.
    assert "6 tháng đầu năm 2025" in text and "6 tháng đầu năm 2024" in text
    assert "Mục tiêu năm 2025" in text and "Lũy kế từ đầu năm" in text
    table = _table(text)
    # Read piece by piece: the change wraps in its cell, so pdftotext interleaves the columns' lines.
    for piece in ("hồ sơ 3.600 1.500", "+2.100", "(+140,0%)", "≥ 5.000", "(năm 2025)", "3.600 72,0% mục tiêu"):
        assert piece in table, (piece, table)
    assert "6 tháng đầu năm 2025, tỉnh Mẫu có số liệu chính thức (đã duyệt) của 1 chỉ tiêu" in text
    assert "So với 6 tháng đầu năm 2024, thay đổi lớn nhất: Số hồ sơ trực tuyến tăng 2.100 hồ sơ" in text
    assert "Số trạm BTS" not in text  # a yearly indicator: in the yearly report
    assert "các chỉ tiêu chỉ theo dõi theo năm có trong báo cáo năm" in text
    assert "Năm 2025" not in text.replace("Mục tiêu năm 2025", "")  # no yearly column heading


def test_the_second_half_compares_the_whole_year_with_the_target(halves, tmp_path):
    text = _flat(pdf_text(_pdf(tmp_path, 102, "h2.pdf")))
    assert "BÁO CÁO Kết quả 6 tháng cuối năm 2025 thực hiện các chỉ tiêu chuyển đổi số" in text
    # H2 = 3.200 + 1.600, no H2 in 2024; the year to date is the whole year, 8.400, 168% of the target.
    table = _table(text)
    assert "4.800" in table and "–" in table
    assert "Lũy kế từ đầu năm 8.400 168,0% mục tiêu" in table
    assert "1 chỉ tiêu có số lũy kế từ đầu năm đã đạt mục tiêu tối thiểu của cả năm" in text


def test_the_yearly_report_is_unchanged_by_the_quarters(halves, tmp_path):
    yearly = _flat(pdf_text(_pdf(tmp_path, 0, "year.pdf")))
    assert "Kết quả thực hiện các chỉ tiêu chuyển đổi số năm 2025" in yearly
    assert "Năm 2025 Năm 2024" in yearly and "Lũy kế" not in yearly
    assert "8.400" in _table(yearly)  # the year, from its four quarters
    assert "3.600" not in _table(yearly)  # no half-year figure leaks into the year's report


def test_the_xlsx_of_a_half_year_labels_its_columns(halves):
    content = summary_document(year=2025, org_unit=_province(), fmt=ExportFormat.XLSX, issued_on=ISSUED, part=101)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    headers = [cell.value for cell in sheet[5]]
    assert headers[4:6] == ["6 tháng đầu năm 2025", "6 tháng đầu năm 2024"]
    assert "Lũy kế từ đầu năm" in headers and "Lũy kế so với mục tiêu năm (%)" in headers
    values = [cell.value for cell in sheet[6]]
    assert values[2] == "Số hồ sơ trực tuyến" and values[4:6] == [3600, 1500] and values[11] == 3600
    assert values[12] == 72.0


def test_the_export_page_and_the_command_take_the_half_year(halves, client, tmp_path):
    client.force_login(halves.users.leader)
    page = client.get(reverse("kpis:export-form") + "?year=2025&org_unit=P").content.decode()
    assert "6 tháng đầu năm" in page and 'name="period"' in page
    response = client.post(reverse("kpis:export-form"), {"year": "2025", "period": "H1", "org_unit": "P",
                                                         "fmt": "pdf"})
    job = ExportJob.objects.get()
    assert (job.year, job.period) == (2025, 101)
    download = client.get(response["Location"])
    assert 'filename="bao-cao-P-2025-H1.pdf"' in download["Content-Disposition"]
    out = tmp_path / "h2.pdf"
    call_command("export_summary", "--year", "2025", "--period", "h2", "--org-unit", "P", "--out", str(out),
                 "--date", "2026-01-10", stdout=io.StringIO())
    assert "6 tháng cuối năm 2025" in pdf_text(out)
    with pytest.raises(CommandError, match="--period"):
        call_command("export_summary", "--year", "2025", "--period", "Q3", "--org-unit", "P",
                     "--out", str(tmp_path / "x.pdf"))


def test_under_a_cutoff_the_data_note_says_which_days_the_half_year_covers(halves, tmp_path):
    text = _flat(pdf_text(_pdf(tmp_path, 101, "calendar.pdf")))
    assert "Số liệu tính từ ngày" not in text  # calendar periods: the note as before
    key = {"year": 2025, "org_unit": _province(), "sector": None, "fmt": "pdf", "districts": False,
           "issued_on": ISSUED, "version": "1"}
    keys = export_key(**key, part=101), export_key(**key)
    ReportingCutoffFactory()  # Decree 09/2019/NĐ-CP: H1 from 15/12 of the year before to 14/06
    assert export_key(**key, part=101) != keys[0]  # a stored half-year file is not reused with old dates
    assert export_key(**key) == keys[1]  # the yearly report keeps its key (and its text)
    text = _flat(pdf_text(_pdf(tmp_path, 101, "h1.pdf")))
    assert ("Số liệu tính từ ngày 15/12/2024 đến ngày 14/06/2025 (thời gian chốt số liệu của báo cáo "
            "định kỳ).") in text
    docx = tmp_path / "h2.docx"
    docx.write_bytes(summary_document(year=2025, org_unit=_province(), fmt=ExportFormat.DOCX, issued_on=ISSUED,
                                      part=102))
    paragraphs = " ".join(paragraph.text for paragraph in WordDocument(str(docx)).paragraphs)
    assert "Số liệu tính từ ngày 15/06/2025 đến ngày 14/12/2025" in paragraphs
    assert "Số liệu tính từ ngày" not in _flat(pdf_text(_pdf(tmp_path, 0, "year.pdf")))
