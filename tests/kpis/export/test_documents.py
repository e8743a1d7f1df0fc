"""The demo's 2020 report for Hậu Giang in the three formats, read back the
way a person would check it: pdftotext, pdffonts and pdfinfo for the PDF,
python-docx for the Word copy, openpyxl for the workbook."""

import re
import subprocess
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.utils import translation
from docx import Document as WordDocument
from docx.shared import Mm
from openpyxl import load_workbook

from kpis.export.document import build_document
from kpis.export.selectors import report_data
from kpis.export.services import summary_document
from kpis.models import OrgUnit
from tests.kpis.export.conftest import ISSUED_ON, assert_test_database, load_demo_data, pdf_text, pdf_tool

# Marks the module as using the database, so pytest-django creates the test database
# before the module fixture below uses it (it would otherwise reach the real one).
pytestmark = pytest.mark.django_db

MM = 72 / 25.4  # points per millimetre
A4 = (210 * MM, 297 * MM)


@pytest.fixture(scope="module")
def demo_report(django_db_setup, django_db_blocker, tmp_path_factory):
    """Rendered once for the module, in a transaction that is rolled back."""
    folder = tmp_path_factory.mktemp("demo-report")
    with django_db_blocker.unblock(), transaction.atomic():
        assert_test_database()
        load_demo_data()
        province = OrgUnit.objects.get(code="HG")
        files = {}
        for fmt in ("pdf", "docx", "xlsx"):
            files[fmt] = folder / f"report.{fmt}"
            files[fmt].write_bytes(summary_document(year=2020, org_unit=province, fmt=fmt, issued_on=ISSUED_ON))
        with translation.override("vi"):
            document = build_document(report_data(year=2020, org_unit=province, issued_on=ISSUED_ON))
        transaction.set_rollback(True)
    return SimpleNamespace(document=document, text=pdf_text(files["pdf"]), **files)


def one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text)


# --- PDF ------------------------------------------------------------------------------------


def test_pdf_has_the_header_blocks_of_decree_30(demo_report):
    text = demo_report.text
    for block in ("UBND TỈNH HẬU GIANG", "SỞ THÔNG TIN VÀ TRUYỀN THÔNG", "Số:", "/BC-STTTT",
                  "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                  "Hậu Giang, ngày 13 tháng 01 năm 2021", "BÁO CÁO",
                  "Kết quả thực hiện các chỉ tiêu chuyển đổi số năm 2020", "GIÁM ĐỐC", "Nguyễn Văn A",
                  "Nơi nhận:", "- UBND tỉnh (để báo cáo);"):
        assert block in text, block
    assert text.index("BÁO CÁO") < text.index("I. TÓM TẮT KẾT QUẢ") < text.index("II. KẾT QUẢ THEO LĨNH VỰC")


def test_pdf_shows_the_published_figures_in_vietnamese_number_format(demo_report):
    text = one_line(demo_report.text)
    for figure in ("939", "906", "92,7", "12,2", "9.391", "733.017", "0,3215", "+33 (+3,6%)"):
        assert figure in text, figure
    for wrong in ("9,391", "92.7", "733,017"):
        assert wrong not in text


def test_pdf_shows_the_60_percent_target_and_the_statuses(demo_report):
    text = one_line(demo_report.text)
    assert "≥ 60%" in text and "(năm 2021)" in text
    assert "≥ 80%" in text and "(năm 2025)" in text
    assert "Chưa có số liệu" in text  # the online dossiers: a target, no figure yet
    assert "Chưa đủ số liệu" in text and "51,7% mục tiêu" in text  # level-4 share: one year of data
    assert "41,4" in text  # 166 / 401 = 41,396 %, rounded (not truncated to 41,3)
    assert "Hoàn thành" in text and "Đang triển khai" in text  # milestones


def test_pdf_summary_is_written_from_the_data(demo_report):
    text = one_line(demo_report.text)
    assert "Năm 2020, tỉnh Hậu Giang có số liệu chính thức (đã duyệt) của 22 chỉ tiêu" in text
    assert "chưa có chỉ tiêu nào đạt mục tiêu" in text
    assert "Số trạm BTS tăng 33 trạm (3,6%), lên 939 trạm" in text
    assert "3 nhiệm vụ đã hoàn thành" in text


def test_pdf_traces_every_figure_to_its_source(demo_report):
    """Each indicator with a source is numbered in its table and listed in the
    sources annex with the indicator's source and its 2020 figure's comment and source."""
    text = one_line(demo_report.text)
    assert "Số doanh nghiệp bưu chính đang hoạt động [1]" in text
    annex = text[text.index("NGUỒN SỐ LIỆU"):]
    assert "[1] Số doanh nghiệp bưu chính đang hoạt động: Báo Hậu Giang, 01/2021" in annex
    assert ("Số liệu năm 2020: Doanh nghiệp bưu chính đang hoạt động, cuối năm 2020; nguồn: Báo Hậu Giang, "
            "01/2021") in annex
    numbers = [int(n) for n in re.findall(r"\[(\d+)\] ", annex)]
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 20


def test_pdf_charts_are_drawn_with_selectable_text(demo_report):
    text = one_line(demo_report.text)
    assert "Biểu đồ 1. Số trạm BTS (trạm), 2019–2020" in text
    assert "Thực hiện" in text and "Mục tiêu năm 2025: ≥ 80%" in text  # legend of the charts


def test_pdf_keeps_every_diacritic(demo_report):
    text = demo_report.text
    for word in ("Bưu chính", "Viễn thông", "Công nghệ thông tin và chính quyền điện tử", "Báo chí, xuất bản",
                 "Chuyển đổi số", "Dân số và thông tin chung", "Số thuê bao di động/100 dân",
                 "Tỷ lệ hồ sơ phát sinh trực", "Triển khai ứng dụng nền tảng thanh toán trực tuyến",
                 "Trung tâm Giám sát, điều hành đô thị thông minh"):
        assert word in one_line(text), word
    assert "\ufffd" not in text


def test_pdf_embeds_every_font_and_only_tinos_and_its_fallback(demo_report):
    lines = pdf_tool("pdffonts", demo_report.pdf).splitlines()[2:]
    assert lines, "no fonts listed"
    for line in lines:
        name, embedded = line.split()[0], line.split()[-5]
        assert embedded == "yes", line
        # Never a font of the machine: Tinos, and for ≥ the pinned DejaVu Serif (kpis/export/fonts.py).
        assert "Tinos" in name or "DejaVu-Serif" in name, line
    assert any("DejaVu-Serif" in line for line in lines), "≥ was not drawn with the fallback font"
    styles = {line.split()[0].split("+")[1] for line in lines}
    assert {"Tinos", "Tinos-Bold", "Tinos-Italic"} <= styles


def test_pdf_is_a4_portrait(demo_report):
    info = pdf_tool("pdfinfo", demo_report.pdf)
    match = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert match and abs(float(match[1]) - A4[0]) < 0.5 and abs(float(match[2]) - A4[1]) < 0.5
    assert "(A4)" in info
    pages = int(re.search(r"Pages:\s+(\d+)", info)[1])
    assert pages >= 2


def test_pdf_page_numbers_top_centre_from_page_2(demo_report):
    first = pdf_text(demo_report.pdf, "-f", "1", "-l", "1").split()
    second = pdf_text(demo_report.pdf, "-f", "2", "-l", "2").split()
    assert first[0] != "1"
    assert second[0] == "2"


def _words(path, tmp_path):
    out = tmp_path / "words.html"
    subprocess.run(["pdftotext", "-bbox", str(path), str(out)], check=True)
    pages, current = [], None
    for line in out.read_text(encoding="utf-8").splitlines():
        if "<page " in line:
            current = []
            pages.append(current)
        match = re.search(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<', line)
        if match and current is not None:
            current.append((*map(float, match.groups()[:4]), match[5]))
    return pages


def test_pdf_margins_are_those_of_decree_30(demo_report, tmp_path):
    """Left 30 mm, right 15 mm, top and bottom 20 mm; the page number sits in
    the top margin, centred over the text."""
    left, right, top, bottom = 30 * MM, A4[0] - 15 * MM, 20 * MM, A4[1] - 20 * MM
    for number, words in enumerate(_words(demo_report.pdf, tmp_path), start=1):
        body = [w for w in words if w[1] >= top - 1]
        assert min(w[0] for w in body) >= left - 0.5, number
        assert max(w[2] for w in body) <= right + 0.5, number
        assert max(w[3] for w in body) <= bottom + 0.5, number
        in_margin = [w for w in words if w[1] < top - 1]
        if number == 1:
            assert not in_margin
        else:
            assert [w[4] for w in in_margin] == [str(number)]
            centre = (in_margin[0][0] + in_margin[0][2]) / 2
            assert abs(centre - (left + right) / 2) < 3


# --- DOCX -----------------------------------------------------------------------------------


def _cells(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def test_docx_opens_and_holds_the_same_tables(demo_report):
    word = WordDocument(str(demo_report.docx))
    document = demo_report.document
    text = "\n".join(p.text for p in word.paragraphs)
    assert "BÁO CÁO" in text and document.subject in text
    assert "NGUỒN SỐ LIỆU" in text and "[1] Số doanh nghiệp bưu chính đang hoạt động: Báo Hậu Giang" in text
    header_cells = "\n".join(cell.text for cell in word.tables[0].rows[0].cells)
    for block in ("UBND TỈNH HẬU GIANG", "SỞ THÔNG TIN VÀ TRUYỀN THÔNG", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                  "Độc lập - Tự do - Hạnh phúc", "Hậu Giang, ngày 13 tháng 01 năm 2021"):
        assert block in header_cells
    indicator_tables = [t for t in word.tables if t.rows[0].cells[0].text == "STT" and len(t.columns) == 8]
    assert len(indicator_tables) == len(document.tables)
    for table, expected in zip(indicator_tables, document.tables, strict=False):
        rows = _cells(table)
        assert rows[0] == document.columns
        assert [row[:6] for row in rows[1:]] == [
            [r.number, r.name, r.unit, r.value, r.previous, r.change] for r in expected.rows]
    telecom = _cells(indicator_tables[1])
    bts = next(row for row in telecom if re.fullmatch(r"Số trạm BTS \[\d+\]", row[1]))
    assert bts[3:6] == ["939", "906", "+33 (+3,6%)"]
    egov = _cells(indicator_tables[2])
    dossiers = next(row for row in egov if row[1].startswith("Tỷ lệ hồ sơ phát sinh trực tuyến"))
    assert dossiers[6] == "≥ 60%\n(năm 2021)" and dossiers[7] == "Chưa có số liệu"


def test_docx_page_is_a4_with_decree_margins_and_numbers_from_page_2(demo_report):
    word = WordDocument(str(demo_report.docx))
    section = word.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert [round(m.mm) for m in (section.top_margin, section.bottom_margin, section.left_margin,
                                  section.right_margin)] == [20, 20, 30, 15]
    assert section.different_first_page_header_footer
    assert "PAGE" in section.header._element.xml
    assert word.styles["Normal"].font.name == "Times New Roman"
    assert word.styles["Normal"].font.size.pt == 13
    assert Mm(1)  # python-docx units imported for the reader


def test_docx_table_rows_do_not_split_and_headers_repeat(demo_report):
    word = WordDocument(str(demo_report.docx))
    table = next(t for t in word.tables if t.rows[0].cells[0].text == "STT")
    assert "w:tblHeader" in table.rows[0]._tr.xml
    assert all("w:cantSplit" in row._tr.xml for row in table.rows)


# --- XLSX -----------------------------------------------------------------------------------


def test_xlsx_holds_the_summary_table_as_numbers(demo_report):
    book = load_workbook(demo_report.xlsx)
    sheet = book["Tổng hợp"]
    header = [cell.value for cell in sheet[5]]
    assert header[:6] == ["Lĩnh vực", "Mã chỉ tiêu", "Chỉ tiêu", "Đơn vị tính", "Năm 2020", "Năm 2019"]
    rows = {row[1]: row for row in sheet.iter_rows(min_row=6, values_only=True)}
    assert rows["BTS"][4:8] == (939, 906, 33, 3.6)
    assert rows["MOBILE_SUBS_PER_100"][4] == 92.7
    assert rows["EMAIL_ACCOUNTS"][4] == 9391
    assert rows["ONLINE_DOSSIERS_PCT"][8:12] == ("≥ 60%", 60, 2021, "Chưa có số liệu")
    assert rows["PUBLIC_SERVICES_L4_PCT"][11:13] == ("Chưa đủ số liệu", 51.7)
    assert len(rows) == sum(len(table.rows) for table in demo_report.document.tables)
    milestones = book["Nhiệm vụ"]
    assert [row[1] for row in milestones.iter_rows(min_row=2, values_only=True)] == [
        "IOC_PILOT_2020", "LGSP_2020", "PAYGOV_2020", "IOC_2021", "DX_PROJECT_2021_2025"]
    header = [cell.value for cell in milestones[1]]
    as_of = header.index("Trạng thái tính đến")
    assert {row[as_of].date().isoformat() for row in milestones.iter_rows(min_row=2, values_only=True)} == {
        "2021-01-13"}  # every demo status is from the January 2021 article


def test_a_past_due_milestone_with_an_older_status_says_since_when(demo_report, db):
    """In the 2022 report, the IOC milestone (due 30/06/2021) with its January 2021 status is not
    presented as current, nor counted as overdue."""
    from datetime import date

    from kpis.models import Milestone

    load_demo_data()
    province = OrgUnit.objects.get(code="HG")
    with translation.override("vi"):
        document = build_document(report_data(year=2022, org_unit=province, issued_on=date(2023, 1, 10)))
    ioc_title = Milestone.objects.get(code="IOC_2021").title
    ioc = next(row for row in document.milestones if row.title == ioc_title)
    assert ioc.status == "Đang triển khai (không có thông tin từ 13/01/2021)"
    summary = one_line(" ".join(document.summary))
    assert "đã quá hạn" not in summary
    assert "1 nhiệm vụ đã qua hạn nhưng không có thông tin mới từ trước hạn" in summary
