"""Password rules as a user meets them on the admin's password-change page:
length, three character classes, nothing common, no reuse, and expiry."""

from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from kpis.models import PasswordHistory
from kpis.services.demo import DEMO_USERS
from tests.factories import make_user

RIGHT = "correct-horse-battery"  # tests/factories.make_user
CHANGE = reverse("admin:password_change")


def refusal(password: str, user=None) -> str:
    with translation.override("vi"), pytest.raises(ValidationError) as caught:
        validate_password(password, user)
    return " ".join(caught.value.messages)


@pytest.mark.parametrize(("password", "message"), [
    ("Ab1-xyz", "Mật khẩu quá ngắn: cần ít nhất 10 ký tự"),
    ("chuoi-dai-chi-chu-thuong", "ba trong bốn loại ký tự"),   # lower + symbol
    ("ChuoiDaiKhongSo", "ba trong bốn loại ký tự"),             # lower + upper
    ("12345678901", "hoàn toàn là số"),
    ("Matkhau@2024", "quá dễ đoán"),
    ("Mật-khẩu-123", "quá dễ đoán"),
    ("P@ssw0rd2024", "quá dễ đoán"),
    ("Admin#12345", "quá dễ đoán"),
    ("@dmin-2024", "quá dễ đoán"),
])
def test_weak_passwords_are_refused_in_vietnamese(db, password, message):
    assert message in refusal(password)


def test_the_user_name_is_refused(db):
    user = make_user("Nguyen.Van.Binh")
    assert "quá giống" in refusal("Nguyen.Van.Binh1", user)


@pytest.mark.parametrize("password", ["Mùa-xuân-2026", "Ba con mèo 3", "song.Hau.1975", "xanh-LA-cay-42"])
def test_reasonable_passwords_pass(db, password):
    validate_password(password)


def test_the_demo_passwords_pass(db):
    for demo in DEMO_USERS:
        from django.contrib.auth import get_user_model
        validate_password(demo.password, get_user_model()(username=demo.username))


def change_password(client, old: str, new: str):
    return client.post(CHANGE, {"old_password": old, "new_password1": new, "new_password2": new})


def test_the_last_passwords_cannot_be_reused(world, client, settings):
    settings.PASSWORD_HISTORY_COUNT = 3
    staff = world.users.staff
    passwords = ["Ban-đầu-2025", "Mùa-xuân-2026", "Mùa-hạ-2026", "Mùa-thu-2026"]
    staff.set_password(passwords[0])
    staff.save()
    client.force_login(staff)
    for old, new in zip(passwords, passwords[1:], strict=False):
        assert change_password(client, old, new).status_code == 302
    for reused in ["Mùa-hạ-2026", "Mùa-xuân-2026", "Mùa-thu-2026"]:  # two old ones and the current one
        response = change_password(client, "Mùa-thu-2026", reused)
        assert response.status_code == 200
        assert "Không được dùng lại mật khẩu hiện tại hay 3 mật khẩu gần nhất" in response.content.decode()
    # The fourth-newest has left the history.
    assert change_password(client, "Mùa-thu-2026", "Ban-đầu-2025").status_code == 302
    assert PasswordHistory.objects.filter(user=staff).count() == 3


def test_reuse_is_allowed_when_the_history_is_off(world, client, settings):
    settings.PASSWORD_HISTORY_COUNT = 0
    client.force_login(world.users.staff)
    assert change_password(client, RIGHT, "Mùa-xuân-2026").status_code == 302
    assert change_password(client, "Mùa-xuân-2026", "Mùa-xuân-2026").status_code == 302
    assert PasswordHistory.objects.filter(user=world.users.staff).count() == 1  # dates the password


def age_password(user, days: int) -> None:
    """Move the current password's date ``days`` further into the past."""
    current, _ = PasswordHistory.objects.get_or_create(user=user, defaults={"password_hash": user.password})
    PasswordHistory.objects.filter(pk=current.pk).update(changed_at=current.changed_at - timedelta(days=days))


def test_an_expired_password_must_be_changed_before_anything_else(world, client, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    staff = world.users.staff
    client.force_login(staff)
    age_password(staff, 89)
    assert client.get(reverse("admin:index")).status_code == 200
    age_password(staff, 2)
    for page in [reverse("admin:index"), reverse("admin:kpis_yearlyreport_changelist")]:
        response = client.get(page)
        assert response.status_code == 302 and response.url == CHANGE
    page = client.get(CHANGE)
    assert page.status_code == 200 and "Mật khẩu của bạn đã hết hạn" in page.content.decode()
    assert change_password(client, RIGHT, "Mùa-xuân-2026").status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_an_account_older_than_its_password_history_counts_from_when_it_was_made(world, client, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 30
    staff = world.users.staff
    PasswordHistory.objects.filter(user=staff).delete()
    staff.date_joined -= timedelta(days=31)
    staff.save()
    client.force_login(staff)
    assert client.get(reverse("admin:index")).url == CHANGE


def test_no_expiry_when_the_maximum_age_is_zero(world, client, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 0
    client.force_login(world.users.staff)
    age_password(world.users.staff, 3650)
    assert client.get(reverse("admin:index")).status_code == 200
