"""The summary PDF is tagged for screen readers (PDF/UA-1), checked the way
an accessibility checker would: by reading the file's structure back with
pypdf (the catalogue's language, title display, marked content, the
structure tree with headings, table headers and figures with alternative
text) and poppler's pdfinfo (the PDF/UA identification in the metadata)."""

from collections import Counter
from datetime import date

import pytest
from django.db import transaction
from pypdf import PdfReader

from kpis.export.services import summary_document
from kpis.models import OrgUnit
from tests.kpis.export.conftest import assert_test_database, load_demo_data, pdf_tool

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def tagged_pdf(django_db_setup, django_db_blocker, tmp_path_factory):
    path = tmp_path_factory.mktemp("accessible") / "report.pdf"
    with django_db_blocker.unblock(), transaction.atomic():
        assert_test_database()
        load_demo_data()
        path.write_bytes(summary_document(year=2020, org_unit=OrgUnit.objects.get(code="HG"), fmt="pdf",
                                          issued_on=date(2021, 1, 13)))
        transaction.set_rollback(True)
    return path


def structure(node, found=None):
    """Every structure element under ``node`` as (tag, alternative text)."""
    found = [] if found is None else found
    node = node.get_object()
    if "/S" in node:
        found.append((str(node["/S"]), node.get("/Alt")))
    kids = node.get("/K")
    for kid in kids if isinstance(kids, list) else [kids]:
        kid = kid.get_object() if hasattr(kid, "get_object") else kid
        if isinstance(kid, dict):
            structure(kid, found)
    return found


def test_the_pdf_declares_pdf_ua_language_and_title(tagged_pdf):
    info = pdf_tool("pdfinfo", tagged_pdf)
    assert "Tagged:          yes" in info
    assert "Title:           Báo cáo – Kết quả thực hiện các chỉ tiêu chuyển đổi số năm 2020" in info
    assert 'pdfuaid:part="1"' in pdf_tool("pdfinfo", tagged_pdf, "-meta")
    catalog = PdfReader(tagged_pdf).trailer["/Root"]
    assert catalog["/Lang"] == "vi"
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"].value is True  # the title, not the file name
    assert catalog["/MarkInfo"]["/Marked"].value is True


def test_headings_tables_and_figures_are_tagged(tagged_pdf):
    tags = structure(PdfReader(tagged_pdf).trailer["/Root"]["/StructTreeRoot"])
    counts = Counter(tag for tag, _alt in tags)
    assert counts["/H1"] == 2 and counts["/H2"] >= 3  # the report, and its sources annex
    assert counts["/Table"] >= 3 and counts["/TH"] >= 10 and counts["/TD"] >= 100
    figures = [alt for tag, alt in tags if tag == "/Figure"]
    assert len(figures) == 2
    # Each chart's alternative text says what the chart shows, not only its caption.
    assert figures[0].startswith("Biểu đồ 1. Số trạm BTS (trạm), 2019–2020.") and "2020: 939" in figures[0]
    assert "≥ 80%" in figures[1]
