"""Who may subscribe, the page where users manage their subscriptions, and the
signed unsubscribe link of every mail (no sign-in, idempotent)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from kpis.models import SummarySubscription
from kpis.services.mail import subscription_create, unsubscribe_token

PAGE = "/mail/subscriptions/"


def test_a_viewer_cannot_subscribe_neither_through_the_service_nor_the_page(world, client):
    viewer = world.users.viewer
    viewer.email = "xem@example.gov.vn"
    viewer.save()
    with pytest.raises(PermissionDenied):
        subscription_create(user=viewer, org_unit=world.province)
    client.force_login(viewer)
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"org_unit": "P"}).status_code == 403
    assert not SummarySubscription.objects.exists()


def test_a_leader_subscribes_sees_the_list_and_removes_it_on_the_page(world, leader, client):
    client.force_login(leader)
    response = client.post(PAGE, {"org_unit": "P-D1"}, follow=True)
    assert "Đã đăng ký nhận báo cáo tổng hợp của Huyện Một." in response.content.decode()
    assert "Huyện Một (P-D1)" in response.content.decode()
    again = client.post(PAGE, {"org_unit": "P-D1"})
    assert "Bạn đã đăng ký nhận báo cáo của Huyện Một." in again.content.decode()
    subscription = SummarySubscription.objects.get()
    assert (subscription.user, subscription.org_unit, subscription.period_kind) == (leader, world.d1, "year")
    response = client.post(reverse("summary_mail:delete", args=[subscription.pk]), follow=True)
    assert "Đã huỷ đăng ký nhận báo cáo của Huyện Một." in response.content.decode()
    assert not SummarySubscription.objects.exists()


def test_nobody_removes_another_users_subscription(world, leader, client):
    subscription = subscription_create(user=leader, org_unit=world.d1)
    client.force_login(world.users.admin)
    assert client.post(reverse("summary_mail:delete", args=[subscription.pk])).status_code == 404
    assert SummarySubscription.objects.filter(pk=subscription.pk).exists()


def test_an_account_without_a_mail_address_is_told_why(world, client):
    client.force_login(world.users.leader)
    with pytest.raises(ValidationError, match="chưa có địa chỉ thư"):
        subscription_create(user=world.users.leader, org_unit=world.d1)
    assert "chưa có địa chỉ thư" in client.post(PAGE, {"org_unit": "P-D1"}).content.decode()


def test_the_unsubscribe_link_asks_then_unsubscribes_without_signing_in_and_twice_is_fine(world, leader, client):
    subscription = subscription_create(user=leader, org_unit=world.d1)
    url = reverse("summary_mail:unsubscribe", args=[unsubscribe_token(subscription)])
    asked = client.get(url)  # a mail system's link scanner opens it: nothing happens
    assert asked.status_code == 200 and "Bạn đang nhận báo cáo tổng hợp của Huyện Một" in asked.content.decode()
    assert SummarySubscription.objects.exists()
    done = client.post(url)
    assert done.status_code == 200 and "Bạn đã huỷ đăng ký." in done.content.decode()
    assert not SummarySubscription.objects.exists()
    assert "Bạn đã huỷ đăng ký." in client.post(url).content.decode()
    assert "Bạn đã huỷ đăng ký." in client.get(url).content.decode()


def test_a_mail_program_one_click_post_needs_no_form_token(world, leader):
    from django.test import Client

    subscription = subscription_create(user=leader, org_unit=world.d1)
    url = reverse("summary_mail:unsubscribe", args=[unsubscribe_token(subscription)])
    response = Client(enforce_csrf_checks=True).post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and not SummarySubscription.objects.exists()


def test_a_forged_or_damaged_link_unsubscribes_nobody(world, leader, client):
    subscription = subscription_create(user=leader, org_unit=world.d1)
    token = unsubscribe_token(subscription)
    for bad in (token[:-3] + "abc", "1", f"{subscription.pk + 1}:{token.split(':', 1)[1]}"):
        response = client.post(reverse("summary_mail:unsubscribe", args=[bad]))
        assert response.status_code == 400 and "không hợp lệ" in response.content.decode()
    assert SummarySubscription.objects.exists()


def test_the_admin_links_to_the_page_for_those_who_may_subscribe(world, client):
    link = f'href="{reverse("summary_mail:list")}"'
    client.force_login(world.users.leader)
    assert link in client.get(reverse("admin:index")).content.decode()
    client.force_login(world.users.viewer)
    assert link not in client.get(reverse("admin:index")).content.decode()


def test_subscribing_and_unsubscribing_are_in_the_audit_log(world, leader, client):
    """Official figures leave by mail: who asked for them, and who stopped, is recorded."""
    from kpis.models import AuditEvent

    client.force_login(leader)
    client.post(PAGE, {"org_unit": "P-D1"})
    subscription = SummarySubscription.objects.get()
    client.post(reverse("summary_mail:delete", args=[subscription.pk]))
    subscription = subscription_create(user=leader, org_unit=world.d2)
    client.logout()
    client.post(reverse("summary_mail:unsubscribe", args=[unsubscribe_token(subscription)]))
    events = [(e.action, e.username, e.detail) for e in AuditEvent.objects.filter(
        action__in=["summary_subscribed", "summary_unsubscribed"]).order_by("id")]
    assert events == [
        ("summary_subscribed", "leader", "P-D1 year → lanhdao@example.gov.vn"),
        ("summary_unsubscribed", "leader", "P-D1 year (page)"),
        ("summary_subscribed", "leader", "P-D2 year → lanhdao@example.gov.vn"),
        ("summary_unsubscribed", "leader", "P-D2 year (link)"),
    ]
