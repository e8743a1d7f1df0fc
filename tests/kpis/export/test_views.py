"""The export pages: permissions for every role (on the server, for every
view), validation with clear 400/404 answers, the button for the dashboards,
and a leader's one-click export of the demo's 2020 report."""

import html
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from kpis.aggregation import aggregates_recompute
from kpis.export import services
from kpis.models import ExportJob, ExportStatus, OrgUnit
from tests.kpis.export.conftest import pdf_text

FORM = reverse("kpis:export-form")
ROLES_DENIED = ["viewer", "staff", "district_staff", "approver"]
ROLES_ALLOWED = ["leader", "admin"]


@pytest.fixture(autouse=True)
def fake_render(monkeypatch):
    def fake(**kwargs):
        return f"%PDF-fake {kwargs['org_unit'].code} {kwargs['year']} {kwargs['fmt']}".encode()

    monkeypatch.setattr(services, "summary_document", fake)


def post(client, **data):
    return client.post(FORM, {"year": "2020", "org_unit": "P", "fmt": "pdf", **data})


def done_job(world) -> ExportJob:
    aggregates_recompute()
    job = services.summary_export_request(user=world.users.leader, year=2020, org_unit=world.province, fmt="pdf")
    return services.summary_export_render(job=job)


# --- permissions ----------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_sign_in(client, world):
    job = done_job(world)
    for url in (FORM + "?year=2020&org_unit=P", reverse("kpis:export-job", args=[job.pk]),
                reverse("kpis:export-download", args=[job.pk])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login")), url
    assert post(client).status_code == 302
    for url in (reverse("kpis:export-status", args=[job.pk]), reverse("kpis:export-sectors")):
        assert client.get(url).status_code == 403
    assert ExportJob.objects.count() == 1


@pytest.mark.parametrize("role", ROLES_DENIED)
def test_roles_without_the_export_permission_get_403_everywhere(client, world, role):
    job = done_job(world)
    client.force_login(getattr(world.users, role))
    for url in (FORM, reverse("kpis:export-job", args=[job.pk]), reverse("kpis:export-status", args=[job.pk]),
                reverse("kpis:export-download", args=[job.pk]), reverse("kpis:export-sectors")):
        assert client.get(url).status_code == 403, url
    assert post(client).status_code == 403
    assert ExportJob.objects.count() == 1


@pytest.mark.parametrize("role", ROLES_ALLOWED)
def test_leaders_and_admins_export_in_one_click(client, world, role):
    aggregates_recompute()
    client.force_login(getattr(world.users, role))
    assert client.get(FORM + "?year=2020&org_unit=P").status_code == 200
    response = post(client)
    assert response.status_code == 302
    download = client.get(response["Location"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert 'filename="bao-cao-P-2020.pdf"' in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == b"%PDF-fake P 2020 pdf"
    sectors = client.get(reverse("kpis:export-sectors")).json()["results"]
    assert [s["code"] for s in sectors] == ["TELECOM", "POSTAL"]


def test_an_inactive_leader_cannot_export(client, world):
    leader = world.users.leader
    leader.is_active = False
    leader.save()
    client.force_login(leader)
    assert post(client).status_code in (302, 403)
    assert not ExportJob.objects.exists()


# --- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(("data", "message"), [
    ({"year": "abc"}, "Năm phải là một số"),
    ({"year": "1800"}, "Năm phải từ 1990"),
    ({"year": "3000"}, "Năm phải đến 2100"),
    ({"year": ""}, "Hãy chọn năm báo cáo"),
    ({"fmt": "odt"}, "Định dạng \"odt\" không có"),
    ({"org_unit": ""}, "Hãy chọn đơn vị"),
])
def test_bad_requests_get_a_400_with_a_clear_message(client, world, data, message):
    client.force_login(world.users.leader)
    response = post(client, **data)
    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())
    assert not ExportJob.objects.exists()


@pytest.mark.parametrize(("data", "message"), [
    ({"org_unit": "NOPE"}, "Không có đơn vị mã \"NOPE\""),
    ({"sector": "NOPE"}, "Không có lĩnh vực mã \"NOPE\""),
])
def test_unknown_codes_get_a_404_with_a_clear_message(client, world, data, message):
    client.force_login(world.users.leader)
    response = post(client, **data)
    assert response.status_code == 404
    assert message in html.unescape(response.content.decode())


def test_a_unit_that_did_not_exist_that_year_gets_a_400(client, world):
    OrgUnit.objects.create(code="P-OLD", name="Huyện Cũ", level="district", parent=world.province, valid_to=2018)
    client.force_login(world.users.leader)
    response = post(client, org_unit="P-OLD")
    assert response.status_code == 400
    assert "không tồn tại trong năm 2020" in response.content.decode()


def test_unknown_jobs_get_a_404(client, world):
    client.force_login(world.users.leader)
    for name in ("kpis:export-job", "kpis:export-download"):
        response = client.get(reverse(name, args=[999]))
        assert response.status_code == 404 and "số 999" in response.content.decode()
    assert client.get(reverse("kpis:export-status", args=[999])).status_code == 404


def test_lowercase_codes_and_a_sector_are_accepted(client, world):
    aggregates_recompute()
    client.force_login(world.users.leader)
    response = post(client, org_unit="p", sector="telecom", fmt="docx")
    assert response.status_code == 302
    job = ExportJob.objects.get()
    assert (job.org_unit.code, job.sector.code, job.fmt) == ("P", "TELECOM", "docx")


# --- the task path as the browser sees it ------------------------------------------------------


def test_the_all_units_report_shows_progress_then_a_download_link(client, world, eager_tasks,
                                                                  django_capture_on_commit_callbacks):
    aggregates_recompute()
    client.force_login(world.users.leader)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, districts="1")
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("kpis:export-job", args=[job.pk])
    page = client.get(response["Location"]).content.decode()
    assert "data-export-job" in page and "<progress" in page
    assert 'src="/static/js/export-progress.js"' in page
    status = client.get(reverse("kpis:export-status", args=[job.pk])).json()
    assert status["status"] == "done" and status["progress"] == 100
    assert status["download_url"] == reverse("kpis:export-download", args=[job.pk])


def test_a_failed_job_page_shows_the_error_not_a_500(client, world, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "summary_document", broken)
    client.force_login(world.users.leader)
    response = post(client)
    job = ExportJob.objects.get()
    assert job.status == ExportStatus.FAILED
    assert response["Location"] == reverse("kpis:export-job", args=[job.pk])
    page = client.get(response["Location"])
    assert page.status_code == 200 and "Không tạo được báo cáo" in page.content.decode()


# --- retrying a failed job ---------------------------------------------------------------------


def failed_job(world, **kwargs) -> ExportJob:
    aggregates_recompute()
    job = services.summary_export_request(user=world.users.leader, year=2020, org_unit=world.province,
                                          fmt="pdf", **kwargs)
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.FAILED, error="Máy xử lý nền đã dừng.")
    return job


def test_a_failed_job_page_offers_a_retry_that_makes_the_report(client, world):
    job = failed_job(world)
    client.force_login(world.users.leader)
    page = client.get(reverse("kpis:export-job", args=[job.pk])).content.decode()
    retry = reverse("kpis:export-retry", args=[job.pk])
    assert f'action="{retry}"' in page and "Thử lại" in page and "Máy xử lý nền đã dừng." in page
    response = client.post(retry)
    again = ExportJob.objects.exclude(pk=job.pk).get()
    assert again.status == ExportStatus.DONE
    assert response.status_code == 302 and response["Location"] == reverse("kpis:export-download",
                                                                           args=[again.pk])


def test_a_retried_report_with_the_annex_goes_to_the_worker_not_this_request(client, world, monkeypatch,
                                                                            django_capture_on_commit_callbacks):
    job = failed_job(world, districts=True)
    queued = []
    monkeypatch.setattr(services, "summary_export_enqueue", queued.append)
    client.force_login(world.users.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("kpis:export-retry", args=[job.pk]))
    again = ExportJob.objects.exclude(pk=job.pk).get()
    assert queued == [again.pk] and again.status == ExportStatus.QUEUED
    assert response["Location"] == reverse("kpis:export-job", args=[again.pk])


@pytest.mark.parametrize("role", ROLES_DENIED)
def test_only_those_who_may_export_can_retry(client, world, role):
    job = failed_job(world)
    client.force_login(getattr(world.users, role))
    assert client.post(reverse("kpis:export-retry", args=[job.pk])).status_code == 403
    assert ExportJob.objects.count() == 1


def test_retry_answers_clearly_to_what_it_cannot_do(client, world):
    job = done_job(world)
    client.logout()
    assert client.post(reverse("kpis:export-retry", args=[job.pk]))["Location"].startswith(reverse("admin:login"))
    client.force_login(world.users.leader)
    assert client.get(reverse("kpis:export-retry", args=[job.pk])).status_code == 405
    assert client.post(reverse("kpis:export-retry", args=[999999])).status_code == 404
    response = client.post(reverse("kpis:export-retry", args=[job.pk]))
    assert response.status_code == 400 and "Chỉ thử lại được yêu cầu đã bị lỗi" in response.content.decode()
    assert ExportJob.objects.count() == 1


# --- the button the dashboards include ----------------------------------------------------


def render_button(user, world):
    request = RequestFactory().get("/")
    request.user = user
    return render_to_string("kpis/export/_button.html", {"year": 2020, "org_unit": world.province},
                            request=request)


@pytest.mark.parametrize("role", ROLES_DENIED)
def test_the_button_renders_nothing_without_the_permission(world, role):
    assert render_button(getattr(world.users, role), world).strip() == ""


def test_the_button_renders_nothing_for_anonymous_users(world):
    from django.contrib.auth.models import AnonymousUser

    assert render_button(AnonymousUser(), world).strip() == ""


@pytest.mark.parametrize("role", ROLES_ALLOWED)
def test_the_button_posts_the_year_and_unit_with_a_choice_of_format(world, role):
    html = render_button(getattr(world.users, role), world)
    assert f'action="{FORM}"' in html and 'method="post"' in html
    assert 'name="year" value="2020"' in html  # never "2.020"
    assert 'name="org_unit" value="P"' in html
    assert all(f'value="{fmt}"' in html for fmt in ("pdf", "docx", "xlsx"))
    assert 'name="sector"' in html and "Xuất báo cáo" in html
    assert "csrfmiddlewaretoken" in html


def test_export_templates_have_no_inline_script_or_style():
    folder = Path(settings.BASE_DIR) / "templates" / "kpis" / "export"
    for path in folder.glob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), path.name
        assert not re.search(r"<style|\sstyle=|\son[a-z]+=", text), path.name


# --- end to end on the demo -------------------------------------------------------------------


def test_a_leader_exports_the_demo_2020_report_in_one_click(client, demo, monkeypatch):
    monkeypatch.undo()  # the real renderer
    client.force_login(get_user_model().objects.get(username="lanhdao"))
    response = client.post(FORM, {"year": "2020", "org_unit": "HG", "fmt": "pdf"})
    assert response.status_code == 302
    download = client.get(response["Location"])
    content = b"".join(download.streaming_content)
    assert content.startswith(b"%PDF")
    path = Path(settings.MEDIA_ROOT) / "downloaded.pdf"
    path.write_bytes(content)
    text = pdf_text(path)
    assert "SỞ THÔNG TIN VÀ TRUYỀN THÔNG" in text and "939" in text and "92,7" in text


# --- the document settings in the admin ----------------------------------------------------


def _settings_post(**fields):
    return {"org_unit": "", "valid_from": "", "valid_to": "", "parent_agency": "UBND TỈNH MẪU",
            "issuing_agency": "SỞ KHOA HỌC VÀ CÔNG NGHỆ", "document_symbol": "BC-SKHCN", "document_number": "",
            "place": "Mẫu", "signer_authority": "", "signer_title": "GIÁM ĐỐC", "signer_name": "",
            "recipients": "Lưu: VT.", **fields}


def test_an_admin_lists_the_document_settings_with_their_periods(client, world):
    from kpis.models import DocumentSettings

    client.force_login(world.users.admin)
    add = reverse("admin:kpis_documentsettings_add")
    form = client.get(add)
    assert form.status_code == 200 and "Cơ quan ban hành" in form.content.decode()
    assert client.post(add, _settings_post(org_unit=world.province.pk, valid_from="2021-01-01",
                                           valid_to="2025-02-28",
                                           issuing_agency="SỞ THÔNG TIN VÀ TRUYỀN THÔNG")).status_code == 302
    assert client.post(add, _settings_post(org_unit=world.province.pk, valid_from="2025-03-01")).status_code == 302
    listing = client.get(reverse("admin:kpis_documentsettings_changelist")).content.decode()
    assert "SỞ THÔNG TIN VÀ TRUYỀN THÔNG" in listing and "SỞ KHOA HỌC VÀ CÔNG NGHỆ" in listing
    assert "28/02/2025" in listing or "28 tháng 2 năm 2025" in listing or "Feb. 28, 2025" in listing
    assert DocumentSettings.objects.count() == 2
    assert client.get(reverse("admin:kpis_exportjob_changelist")).status_code == 200


def test_the_admin_refuses_an_overlapping_period_with_a_message(client, world):
    from kpis.models import DocumentSettings

    client.force_login(world.users.admin)
    add = reverse("admin:kpis_documentsettings_add")
    client.post(add, _settings_post(org_unit=world.province.pk, valid_from="2021-01-01", valid_to="2025-06-30",
                                    issuing_agency="SỞ THÔNG TIN VÀ TRUYỀN THÔNG"))
    refused = client.post(add, _settings_post(org_unit=world.province.pk, valid_from="2025-03-01"))
    assert refused.status_code == 200
    page = refused.content.decode()
    assert "trùng với thiết lập" in page and "SỞ THÔNG TIN VÀ TRUYỀN THÔNG" in page and "30/06/2025" in page
    assert DocumentSettings.objects.count() == 1
    # Another unit's rows, or the same unit after the first period ends, are fine.
    assert client.post(add, _settings_post(org_unit=world.d1.pk, valid_from="2025-03-01")).status_code == 302
    assert client.post(add, _settings_post(org_unit=world.province.pk, valid_from="2025-07-01")).status_code == 302


def test_leaders_cannot_change_the_document_settings(client, world):
    client.force_login(world.users.leader)
    assert client.get(reverse("admin:kpis_documentsettings_add")).status_code in (302, 403)


# --- audit ----------------------------------------------------------------------------------------


def test_a_downloaded_export_is_in_the_audit_log(client, world, settings):
    from kpis.models import AuditEvent

    settings.TRUSTED_PROXY_COUNT = 1
    job = done_job(world)
    client.force_login(world.users.leader)
    page = client.get(reverse("kpis:export-job", args=[job.pk]), REMOTE_ADDR="127.0.0.1",
                      HTTP_X_FORWARDED_FOR="198.51.100.40")
    assert page.status_code == 200
    assert not AuditEvent.objects.filter(action="export_downloaded").exists()  # looking is not downloading
    response = client.get(reverse("kpis:export-download", args=[job.pk]), REMOTE_ADDR="127.0.0.1",
                          HTTP_X_FORWARDED_FOR="198.51.100.40")
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="export_downloaded")
    assert (event.username, event.address, event.object_type, event.object_id) == (
        "leader", "198.51.100.40", "kpis.ExportJob", str(job.pk))
    assert event.detail == services.export_file_name(job)


def test_a_refused_download_is_not_recorded_as_one(client, world):
    from kpis.models import AuditEvent

    job = done_job(world)
    client.force_login(world.users.viewer)
    assert client.get(reverse("kpis:export-download", args=[job.pk])).status_code == 403
    assert not AuditEvent.objects.filter(action="export_downloaded").exists()


def test_a_stored_report_is_served_again_like_a_static_file(client, world):
    """The browser keeps the file and asks again with its ETag: unchanged,
    the answer is 304 with no body; permissions are still checked first."""
    job = done_job(world)
    client.force_login(world.users.leader)
    url = reverse("kpis:export-download", args=[job.pk])
    first = client.get(url)
    assert first.status_code == 200 and first["ETag"] == f'"{job.key}"'
    assert "no-cache" in first["Cache-Control"] and "private" in first["Cache-Control"]
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    client.force_login(world.users.viewer)
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 403
