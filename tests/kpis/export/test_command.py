"""manage.py export_summary: for operators, every argument validated."""

import io

import pytest
from django.core.management import CommandError, call_command
from docx import Document as WordDocument

from tests.kpis.export.conftest import pdf_text


def export(*args: str) -> str:
    out = io.StringIO()
    call_command("export_summary", *args, stdout=out)
    return out.getvalue()


def test_the_demo_report_as_pdf_and_docx(demo, tmp_path):
    pdf, docx = tmp_path / "hg-2020.pdf", tmp_path / "hg-2020.docx"
    assert "hg-2020.pdf" in export("--year", "2020", "--org-unit", "HG", "--format", "pdf", "--out", str(pdf),
                                   "--date", "2021-01-13")
    assert "Hậu Giang, ngày 13 tháng 01 năm 2021" in pdf_text(pdf)
    export("--year", "2020", "--org-unit", "hg", "--sector", "TELECOM", "--format", "docx", "--out", str(docx))
    text = "\n".join(cell.text for table in WordDocument(str(docx)).tables for row in table.rows
                     for cell in row.cells)
    assert "Số trạm BTS" in text and "Số dịch vụ công trực tuyến mức độ 3" not in text


@pytest.mark.parametrize(("args", "message"), [
    (["--year", "1800", "--org-unit", "P"], "1990"),
    (["--year", "2020", "--org-unit", "NOPE"], "Không có đơn vị mã \"NOPE\""),
    (["--year", "2020", "--org-unit", "P", "--sector", "NOPE"], "Không có lĩnh vực mã \"NOPE\""),
    (["--year", "2020", "--org-unit", "P", "--format", "odt"], "Định dạng phải là một trong: pdf, docx, xlsx"),
    (["--year", "2020", "--org-unit", "P", "--date", "13/01/2021"], "YYYY-MM-DD"),
])
def test_bad_arguments_are_refused_with_a_message(world, tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        export(*args, "--out", str(tmp_path / "x.pdf"))
    assert not (tmp_path / "x.pdf").exists()


def test_a_missing_output_folder_is_refused(world, tmp_path):
    with pytest.raises(CommandError, match="không tồn tại"):
        export("--year", "2020", "--org-unit", "P", "--out", str(tmp_path / "nowhere" / "x.pdf"))
