"""The second factor, as a person meets it: the password form, then the
enrolment or verification page, then the admin. These tests sign in through
the real form (tests/second_factor.py), never with the verifying force_login
the other tests use, except where a test needs an administrator who is
already through."""

import base64
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from kpis import permissions, roles
from kpis.models import AuditAction, AuditEvent
from kpis.services.demo import DEMO_USERS, demo_users_create
from kpis.services.second_factor import second_factor_reset
from tests.factories import OrgUnitFactory, SectorFactory, make_user
from tests.second_factor import app_code, password_only_login, sign_in_with_password

REPORTS = "/admin/kpis/yearlyreport/"
ENROL = "/admin/second-factor/enrol/"
VERIFY = "/admin/second-factor/verify/"
RECOVERY = "/admin/second-factor/recovery-codes/"


def text(response) -> str:
    return response.content.decode()


def second_factor_details(username: str) -> list[str]:
    return list(AuditEvent.objects.filter(action=AuditAction.SECOND_FACTOR, username=username)
                .order_by("pk").values_list("detail", flat=True))


def enrolment_device(user) -> TOTPDevice:
    return TOTPDevice.objects.get(user=user, confirmed=False)


def enrol(client, user) -> list[str]:
    """Sign in, open the enrolment page, type the app's code; the recovery codes shown."""
    sign_in_with_password(client, user)
    assert client.get(ENROL).status_code == 200
    page = text(client.post(ENROL, {"code": app_code(enrolment_device(user)), "next": REPORTS}))
    return re.findall(r"<li><code>([a-z2-7]{8})</code></li>", page)


@pytest.fixture
def approver(world):
    return world.users.approver


def test_an_approver_with_only_a_password_is_sent_to_enrol_from_every_page(approver):
    client = Client()
    response = sign_in_with_password(client, approver, next_url=REPORTS)
    assert response.status_code == 302  # the password was right

    for url in [REPORTS, "/admin/", "/", "/completeness/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(ENROL + "?next="), url
    assert client.get(REPORTS)["Location"] == ENROL + "?next=%2Fadmin%2Fkpis%2Fyearlyreport%2F"
    api = client.get("/api/v1/values/")
    assert api.status_code == 403 and "xác thực hai lớp" in api.json()["error"]


def test_the_api_takes_no_password_without_the_second_factor(approver, settings):
    settings.PORTAL_PUBLIC = False
    basic = base64.b64encode(b"approver:correct-horse-battery").decode()
    response = Client().get("/api/v1/values/", HTTP_AUTHORIZATION=f"Basic {basic}")
    assert response.status_code in (401, 403)


def test_the_admin_cannot_be_used_by_post_before_the_second_factor(world, approver):
    from kpis.services.reports import report_create, report_submit, report_values_save

    report = report_create(sector=world.telecom, org_unit=world.province, year=2020, user=world.users.staff)
    report_values_save(report=report, user=world.users.staff, values={"BTS": Decimal(939)})
    report_submit(report=report, user=world.users.staff)
    client = Client()
    sign_in_with_password(client, approver)

    response = client.post(f"{REPORTS}{report.pk}/change/", {"action": "approve"})
    assert response.status_code == 302 and response["Location"] == ENROL
    report.refresh_from_db()
    assert report.status == "submitted"


def test_enrolment_shows_a_qr_code_and_the_secret_then_the_app_code_opens_the_admin(approver):
    client = Client()
    sign_in_with_password(client, approver)
    page = text(client.get(ENROL + "?next=" + REPORTS))
    device = enrolment_device(approver)

    assert "Đăng ký xác thực hai lớp" in page
    qr = re.search(r'<img src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', page)
    assert qr and base64.b64decode(qr.group(1)).startswith(b"<svg")
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    assert " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)) in page
    assert 'style="' not in page and not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert qr.group(1) in text(client.get(ENROL))  # reloading shows the same QR

    done = client.post(ENROL, {"code": app_code(device), "next": REPORTS})
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", text(done))
    assert len(set(codes)) == 10 and "Đã đăng ký xong" in text(done)
    assert f'href="{REPORTS}"' in text(done)
    assert client.get(REPORTS).status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    assert second_factor_details("approver") == ["Đăng ký ứng dụng xác thực; tạo 10 mã khôi phục"]


def test_a_wrong_code_is_refused_with_a_message(approver):
    client = Client()
    sign_in_with_password(client, approver)
    client.get(ENROL)
    right = app_code(enrolment_device(approver))
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    page = text(client.post(ENROL, {"code": wrong}))
    assert "Mã không đúng hoặc đã hết hạn" in page
    assert text(client.post(ENROL, {"code": "12ab"})).count("Mã gồm đúng 6 chữ số") == 1
    assert text(client.post(ENROL, {"code": ""})).count("Hãy nhập mã 6 chữ số") == 1
    assert client.get(REPORTS)["Location"].startswith(ENROL)
    assert not enrolment_device(approver).confirmed
    assert second_factor_details("approver") == ["Mã sai khi đăng ký ứng dụng xác thực"]


def test_after_many_wrong_codes_even_the_right_one_waits(approver):
    client = Client()
    sign_in_with_password(client, approver)
    client.get(ENROL)
    device = enrolment_device(approver)
    device.throttling_failure_count = 10  # django-otp then locks for 2**9 seconds
    device.throttling_failure_timestamp = timezone.now()
    device.save()

    page = text(client.post(ENROL, {"code": app_code(device)}))
    assert "Đã nhập sai nhiều lần. Hãy đợi" in page
    assert client.get(REPORTS).status_code == 302


def test_a_later_sign_in_asks_for_the_apps_code(approver):
    enrol(Client(), approver)
    device = TOTPDevice.objects.get(user=approver)

    client = Client()
    sign_in_with_password(client, approver)
    assert client.get(REPORTS)["Location"].startswith(VERIFY + "?next=")
    page = text(client.get(VERIFY))
    assert "Mất hoặc hỏng điện thoại?" in page and "quản trị viên đặt lại" in page
    wrong = text(client.post(VERIFY, {"code": "000000" if app_code(device, steps_ahead=1) != "000000"
                                       else "111111", "next": REPORTS}))
    assert "Mã không đúng hoặc đã hết hạn" in wrong
    device.refresh_from_db()
    device.throttling_failure_count = 0  # a person would wait a second; the test need not
    device.save()

    session_key = client.cookies["sessionid"].value
    response = client.post(VERIFY, {"code": app_code(device, steps_ahead=1), "next": REPORTS})
    assert response.status_code == 302 and response["Location"] == REPORTS
    assert client.cookies["sessionid"].value != session_key  # a new session key once verified
    assert client.get(REPORTS).status_code == 200
    assert second_factor_details("approver")[-2:] == ["Mã sai khi xác thực (ứng dụng)", "Xác thực bằng ứng dụng"]


def test_a_recovery_code_works_exactly_once(approver):
    codes = enrol(Client(), approver)
    first = Client()
    sign_in_with_password(first, approver)
    response = first.post(VERIFY, {"code": codes[0].upper(), "next": "https://elsewhere.example/"})
    assert response.status_code == 302 and response["Location"] == "/admin/"  # never off the site
    assert first.get(REPORTS).status_code == 200

    second = Client()
    sign_in_with_password(second, approver)
    page = text(second.post(VERIFY, {"code": codes[0]}))
    assert "Mã khôi phục không đúng hoặc đã dùng rồi" in page
    assert second.get(REPORTS).status_code == 302
    assert StaticToken.objects.filter(device__user=approver).count() == 9
    assert "Dùng mã khôi phục; còn 9 mã" in second_factor_details("approver")


def test_new_recovery_codes_replace_the_old_ones(approver):
    client = Client()
    old = enrol(client, approver)
    assert "Mã khôi phục" in text(client.get("/admin/"))  # the link among the user's links
    assert "Bạn còn 10 mã khôi phục" in text(client.get(RECOVERY))

    new = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", text(client.post(RECOVERY)))
    assert len(new) == 10 and not set(new) & set(old)
    with_new, with_old = Client(), Client()
    sign_in_with_password(with_new, approver)
    sign_in_with_password(with_old, approver)
    assert with_new.post(VERIFY, {"code": new[1]}).status_code == 302
    assert "đã dùng rồi" in text(with_old.post(VERIFY, {"code": old[1]}))
    assert "Tạo lại 10 mã khôi phục; các mã cũ hết hiệu lực" in second_factor_details("approver")


def test_recovery_codes_cannot_be_made_by_a_session_without_the_second_factor(approver):
    enrol(Client(), approver)
    client = Client()
    sign_in_with_password(client, approver)
    assert client.post(RECOVERY)["Location"].startswith(VERIFY)
    assert StaticToken.objects.filter(device__user=approver).count() == 10


def test_an_administrator_resets_a_lost_device_and_the_user_enrols_again(world, approver, client):
    enrolled = Client()
    enrol(enrolled, approver)
    assert enrolled.get(REPORTS).status_code == 200

    client.force_login(world.users.admin)  # an administrator already through the second factor
    changelist = text(client.get("/admin/auth/user/"))
    assert "reset_second_factor" in changelist
    response = client.post("/admin/auth/user/", {"action": "reset_second_factor",
                                                  "_selected_action": [approver.pk]}, follow=True)
    assert "Đã đặt lại xác thực hai lớp của approver" in text(response)

    assert not TOTPDevice.objects.filter(user=approver).exists()
    assert not StaticDevice.objects.filter(user=approver).exists()
    assert enrolled.get(REPORTS)["Location"].startswith(ENROL)  # the old session no longer counts
    assert enrol(Client(), approver)
    event = AuditEvent.objects.get(action=AuditAction.SECOND_FACTOR, username="admin")
    assert event.object_id == str(approver.pk) and "Đặt lại xác thực hai lớp của approver" in event.detail


def test_only_those_who_may_change_users_reset_and_only_superusers_reset_a_superuser(world, approver, client):
    enrol(Client(), world.users.admin)
    approver.user_permissions.add(Permission.objects.get(codename="view_user"))
    client.force_login(approver)
    assert "reset_second_factor" not in text(client.get("/admin/auth/user/"))
    client.post("/admin/auth/user/", {"action": "reset_second_factor", "_selected_action": [world.users.admin.pk]})
    with pytest.raises(PermissionDenied):
        second_factor_reset(actor=approver, user=world.users.staff)

    user_manager = make_user("user_manager")
    user_manager.user_permissions.add(*Permission.objects.filter(codename__in=["view_user", "change_user"]))
    user_manager = type(user_manager).objects.get(pk=user_manager.pk)
    with pytest.raises(PermissionDenied):
        second_factor_reset(actor=user_manager, user=world.users.admin)
    assert TOTPDevice.objects.filter(user=world.users.admin, confirmed=True).exists()

    assert second_factor_reset(actor=user_manager, user=approver) > 0
    assert not TOTPDevice.objects.filter(user=approver).exists()


def test_data_entry_staff_are_asked_only_when_the_setting_says_so(world, settings):
    staff = world.users.staff
    client = Client()
    sign_in_with_password(client, staff)
    assert client.get(REPORTS).status_code == 200

    settings.OTP_REQUIRED_FOR_DATA_ENTRY = True
    assert client.get(REPORTS)["Location"].startswith(ENROL)
    assert permissions.second_factor_required(make_user("new_staff", group=roles.DATA_ENTRY))


def test_a_viewer_is_not_bothered(world):
    client = Client()
    sign_in_with_password(client, world.users.viewer, next_url="/")
    assert client.get("/").status_code == 200
    assert client.get("/admin/").status_code == 200
    assert client.get(ENROL, {"next": "/"})["Location"] == "/"
    assert not TOTPDevice.objects.filter(user=world.users.viewer).exists()


@pytest.mark.parametrize(("grant", "required"), [
    ("change_indicator", True), ("add_assignment", True), ("change_group", True), ("view_indicator", False)])
def test_an_administrator_is_whoever_changes_users_groups_assignments_or_the_catalogue(db, grant, required):
    user = make_user("someone")
    user.user_permissions.add(Permission.objects.get(codename=grant))
    user = type(user).objects.get(pk=user.pk)
    assert permissions.is_administrator(user) is required
    assert permissions.second_factor_required(user) is required


@pytest.fixture
def demo_users(db):
    OrgUnitFactory(code="HG", name="Hậu Giang", level="province")
    SectorFactory(code="TELECOM", name="Viễn thông")
    return {username: password for username, password, _role in demo_users_create(random_passwords=False)}


def test_demo_users_skip_the_second_factor_only_while_debug_is_on(demo_users, settings):
    from django.contrib.auth import get_user_model

    pheduyet = get_user_model().objects.get(username="pheduyet")
    settings.DEBUG = True
    client = Client()
    sign_in_with_password(client, pheduyet, password=demo_users["pheduyet"])
    assert client.get(REPORTS).status_code == 200
    assert not permissions.second_factor_required(get_user_model().objects.get(username="admin"))

    settings.DEBUG = False
    assert client.get(REPORTS)["Location"].startswith(ENROL)
    assert permissions.second_factor_required(pheduyet)
    assert {demo.username for demo in DEMO_USERS} >= {"pheduyet", "admin"}


def test_a_session_signed_in_by_password_only_can_still_sign_out_and_switch_language(approver):
    client = Client()
    password_only_login(client, approver)
    assert client.post("/i18n/setlang/", {"language": "en", "next": ENROL}).status_code == 302
    assert client.get("/admin/login/").status_code == 302  # already signed in: the admin sends it on
    assert client.post("/admin/logout/").status_code == 200
    assert client.get(REPORTS)["Location"].startswith("/admin/login/")


def test_the_sign_in_and_second_factor_pages_are_in_vietnamese(approver):
    client = Client()
    assert "Đăng nhập" in text(client.get("/admin/login/"))
    sign_in_with_password(client, approver)
    page = text(client.get(ENROL))
    assert "Xác nhận" in page and "ứng dụng xác thực" in page


def test_load_demo_says_when_the_demo_users_skip_the_second_factor(db, settings):
    import io

    from django.core.management import call_command

    settings.DEBUG = True
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert "bỏ qua xác thực hai lớp vì DEBUG đang bật" in out.getvalue()

    settings.DEBUG = False
    out = io.StringIO()
    call_command("load_demo", with_demo_users=True, stdout=out)
    assert "phải đăng ký xác thực hai lớp" in out.getvalue() and "bỏ qua" not in out.getvalue()
