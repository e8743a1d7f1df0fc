"""Sign-in lock-out, as a person at the admin's sign-in page meets it: an
account locks after five failures from anywhere, an address after its own,
higher number of failures against any accounts."""

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from kpis.models import AuditAction, AuditEvent
from tests.factories import make_user

LOGIN = reverse("admin:login")
RIGHT = "correct-horse-battery"  # tests/factories.make_user


def sign_in(client, username, password, address):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"},
                       REMOTE_ADDR=address)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def lock_account(client, username):
    for n in range(1, 6):
        sign_in(client, username, "wrong-password", f"198.51.100.{n}")


@pytest.fixture
def staff(world):
    return world.users.staff


def test_five_failures_from_five_addresses_lock_the_account(client, staff):
    lock_account(client, "staff")
    response = sign_in(client, "staff", RIGHT, "198.51.100.99")
    assert response.status_code == 429 and not signed_in(client)
    page = response.content.decode()
    assert "Đăng nhập tạm thời bị khoá" in page and "60 phút" in page
    # Other accounts are not affected, from the same addresses.
    assert sign_in(client, "approver", RIGHT, "198.51.100.1").status_code == 302 and signed_in(client)


def test_four_failures_do_not_lock_and_a_success_forgets_them(client, staff):
    for n in range(1, 5):
        sign_in(client, "staff", "wrong-password", f"198.51.100.{n}")
    assert sign_in(client, "staff", RIGHT, "198.51.100.9").status_code == 302 and signed_in(client)
    client.logout()
    for n in range(1, 5):
        sign_in(client, "staff", "wrong-password", f"198.51.100.{n}")
    assert sign_in(client, "staff", RIGHT, "198.51.100.9").status_code == 302


def test_the_lock_ends_after_the_cool_off(client, staff, settings):
    lock_account(client, "staff")
    assert sign_in(client, "staff", RIGHT, "198.51.100.99").status_code == 429
    # Everything recorded happened one cool-off period (and a minute) ago.
    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= settings.AXES_COOLOFF_TIME + settings.AXES_COOLOFF_TIME / 60
        attempt.save()
    assert sign_in(client, "staff", RIGHT, "198.51.100.99").status_code == 302 and signed_in(client)


def test_administrator_unlocks_an_account_from_the_admin(client, world, staff):
    lock_account(client, "staff")
    admin_client = client.__class__()
    admin_client.force_login(world.users.admin)
    changelist = reverse("admin:axes_accessattempt_changelist")
    assert "staff" in admin_client.get(changelist).content.decode()
    one_row = AccessAttempt.objects.filter(username="staff").first()
    response = admin_client.post(changelist, {"action": "unlock_accounts", "_selected_action": [one_row.pk]})
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="staff").exists()  # every address's failures
    event = AuditEvent.objects.get(action=AuditAction.UNLOCKED)
    assert event.user == world.users.admin and "staff" in event.detail
    assert sign_in(client, "staff", RIGHT, "198.51.100.1").status_code == 302 and signed_in(client)


def test_only_administrators_see_or_lift_lock_outs(client, world, staff):
    lock_account(client, "staff")
    approver = world.users.approver
    # Even with axes' model permissions given by mistake.
    from django.contrib.auth.models import Permission
    approver.user_permissions.add(*Permission.objects.filter(content_type__app_label="axes"))
    client.force_login(approver)
    changelist = reverse("admin:axes_accessattempt_changelist")
    assert client.get(changelist).status_code == 403
    row = AccessAttempt.objects.filter(username="staff").first()
    client.post(changelist, {"action": "unlock_accounts", "_selected_action": [row.pk]})
    client.post(reverse("admin:axes_accessattempt_delete", args=[row.pk]), {"post": "yes"})
    assert AccessAttempt.objects.filter(username="staff").count() == 5
    assert not AuditEvent.objects.filter(action=AuditAction.UNLOCKED).exists()


def test_many_failures_from_one_address_lock_that_address(client, world, settings):
    settings.AXES_ADDRESS_FAILURE_LIMIT = 8
    for n in range(8):
        sign_in(client, f"guess{n}", "wrong-password", "203.0.113.66")
    # No single account reached five failures; the address did reach its limit.
    assert sign_in(client, "staff", RIGHT, "203.0.113.66").status_code == 429 and not signed_in(client)
    assert sign_in(client, "staff", RIGHT, "203.0.113.67").status_code == 302 and signed_in(client)


def test_an_office_behind_one_address_is_not_locked_by_a_few_typos(client, world):
    # Five people behind the province's NAT each mistype once: the address
    # limit (20 by default), not the account limit, applies to the address.
    for n in range(5):
        make_user(f"officer{n}")
        sign_in(client, f"officer{n}", "wrong-password", "203.0.113.10")
    assert sign_in(client, "staff", RIGHT, "203.0.113.10").status_code == 302 and signed_in(client)


def test_administrator_unlocks_an_address(client, world, settings):
    settings.AXES_ADDRESS_FAILURE_LIMIT = 3
    for n in range(3):
        sign_in(client, f"guess{n}", "wrong-password", "203.0.113.66")
    admin_client = client.__class__()
    admin_client.force_login(world.users.admin)
    row = AccessAttempt.objects.filter(ip_address="203.0.113.66").first()
    admin_client.post(reverse("admin:axes_accessattempt_changelist"),
                      {"action": "unlock_addresses", "_selected_action": [row.pk]})
    assert not AccessAttempt.objects.filter(ip_address="203.0.113.66").exists()
    assert "203.0.113.66" in AuditEvent.objects.get(action=AuditAction.UNLOCKED).detail
    assert sign_in(client, "staff", RIGHT, "203.0.113.66").status_code == 302
