"""Test helpers for the second factor.

The autouse fixture in tests/conftest.py makes every test client's
``force_login`` also give a second factor (a confirmed TOTP device logged in
through django-otp), so tests written before 2FA, or not about it, keep
signing in approvers and administrators with one line. Tests of the 2FA flow
sign in through the real password form (``sign_in_with_password``) or with
``password_only_login``, and see the pages a person sees."""

from django.test.client import ClientMixin
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

TEST_DEVICE_NAME = "tests: force_login"
PASSWORD = "correct-horse-battery"  # tests.factories.make_user's
_force_login_password_only = ClientMixin.force_login


def force_login_with_second_factor(client, user, backend=None) -> None:
    _force_login_password_only(client, user, backend)
    device, _created = TOTPDevice.objects.get_or_create(user=user, name=TEST_DEVICE_NAME,
                                                        defaults={"confirmed": True})
    # What django_otp.login stores once a code is accepted.
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def password_only_login(client, user) -> None:
    """Signed in with the password alone: the state right after the sign-in form."""
    _force_login_password_only(client, user)


def sign_in_with_password(client, user, password: str = PASSWORD, next_url: str = ""):
    """The admin's sign-in form, as a person fills it in."""
    data = {"username": user.get_username(), "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("admin:login"), data)


def app_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code the user's app shows now (or a later step's: each code works once)."""
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits,
                drift=device.drift + steps_ahead)
    return f"{code:0{device.digits}d}"
