"""The report's parameters, validated by one form for the export page and the
``export_summary`` command: codes in any case become the unit and the
sector, and a code that names nothing gets a message naming its field."""

import html
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from kpis.export.forms import ExportForm, ReportScopeForm
from kpis.models import ExportJob

pytestmark = pytest.mark.django_db


def test_codes_in_any_case_become_the_unit_and_the_sector(world):
    form = ExportForm({"year": "2020", "org_unit": " p-d1 ", "sector": "Telecom", "fmt": "docx"})
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["org_unit"], form.cleaned_data["sector"]) == (world.d1, world.telecom)


def test_no_sector_means_every_sector(world):
    form = ReportScopeForm({"org_unit": "P", "sector": ""})
    assert form.is_valid() and form.cleaned_data["sector"] is None


def test_unknown_codes_are_named_with_their_field(world):
    form = ReportScopeForm({"org_unit": "nope", "sector": "NOSECTOR"})
    assert not form.is_valid()
    assert form.unknown_codes() == ["Đơn vị: Không có đơn vị mã \"nope\".",
                                    "Lĩnh vực: Không có lĩnh vực mã \"NOSECTOR\"."]


def test_a_code_with_a_nul_character_is_an_unknown_code_not_an_error(world):
    form = ReportScopeForm({"org_unit": "P\x00", "sector": ""})
    assert not form.is_valid() and form.has_error("org_unit", "invalid_choice")


def test_the_page_names_the_field_of_an_unknown_code(client, world):
    client.force_login(world.users.leader)
    response = client.post(reverse("kpis:export-form"), {"year": "2020", "org_unit": "NOPE", "fmt": "pdf"})
    assert response.status_code == 404
    assert "Đơn vị: Không có đơn vị mã \"NOPE\"" in html.unescape(response.content.decode())


def test_an_unknown_code_is_listed_with_the_other_mistakes(client, world):
    client.force_login(world.users.leader)
    response = client.post(reverse("kpis:export-form"), {"year": "abc", "org_unit": "P", "sector": "NOPE",
                                                         "fmt": "pdf"})
    page = html.unescape(response.content.decode())
    assert response.status_code == 400
    assert "Năm: Năm phải là một số" in page and "Lĩnh vực: Không có lĩnh vực mã \"NOPE\"" in page
    assert not ExportJob.objects.exists()


def test_the_command_names_the_option_of_an_unknown_code(world, tmp_path):
    with pytest.raises(CommandError, match="--sector: Không có lĩnh vực mã \"NOPE\""):
        call_command("export_summary", "--year", "2020", "--org-unit", "P", "--sector", "NOPE",
                     "--out", str(tmp_path / "x.pdf"), stdout=io.StringIO())
    assert not (tmp_path / "x.pdf").exists()
