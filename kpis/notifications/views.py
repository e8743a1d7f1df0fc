"""The page where users manage the summaries mailed to them (in the admin's
look, like their API tokens), and the signed unsubscribe link of every mail."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from kpis.models import OrgUnit, PeriodKind, SummarySending, SummarySubscription
from kpis.permissions import can_subscribe_summary
from kpis.services.mail import (
    subscription_create,
    subscription_delete,
    subscription_for_token,
    subscription_unsubscribe,
)


class SubscriptionForm(forms.Form):
    org_unit = forms.ModelChoiceField(label=gettext_lazy("Đơn vị"), queryset=OrgUnit.objects.order_by("code"),
                                      to_field_name="code")
    period_kind = forms.ChoiceField(
        label=gettext_lazy("Kỳ"), choices=PeriodKind.choices, initial=PeriodKind.YEAR, required=False,
        help_text=gettext_lazy("Năm: báo cáo của cả năm. 6 tháng: báo cáo 6 tháng đầu năm và 6 tháng cuối năm."),
        error_messages={"invalid_choice": gettext_lazy("Kỳ “%(value)s” không có: hãy chọn Năm hoặc 6 tháng.")})

    def clean_period_kind(self) -> str:
        """A post without a kind (a page from before the choice existed) is yearly, as it was."""
        return self.cleaned_data["period_kind"] or PeriodKind.YEAR


SUBSCRIBED = {
    PeriodKind.YEAR: gettext_lazy("Đã đăng ký nhận báo cáo tổng hợp của %(unit)s."),
    PeriodKind.HALF_YEAR: gettext_lazy("Đã đăng ký nhận báo cáo tổng hợp 6 tháng của %(unit)s."),
}
UNSUBSCRIBED = {
    PeriodKind.YEAR: gettext_lazy("Đã huỷ đăng ký nhận báo cáo của %(unit)s."),
    PeriodKind.HALF_YEAR: gettext_lazy("Đã huỷ đăng ký nhận báo cáo 6 tháng của %(unit)s."),
}


def _require_permission(request: HttpRequest) -> None:
    if not can_subscribe_summary(request.user):
        raise PermissionDenied


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def _subscription_list(request: HttpRequest) -> HttpResponse:
    _require_permission(request)
    form = SubscriptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        unit, kind = form.cleaned_data["org_unit"], form.cleaned_data["period_kind"]
        try:
            subscription_create(user=request.user, org_unit=unit, period_kind=kind)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, SUBSCRIBED[kind] % {"unit": unit.name})
            return HttpResponseRedirect(reverse("summary_mail:list"))
    subscriptions = SummarySubscription.objects.filter(user=request.user).select_related("org_unit")
    sendings = SummarySending.objects.filter(user=request.user).select_related("org_unit")[:20]
    context = {**admin.site.each_context(request), "title": _("Nhận báo cáo tổng hợp qua thư"), "form": form,
               "subscriptions": subscriptions, "sendings": sendings}
    return render(request, "kpis/notifications/subscriptions.html", context)


@require_POST
def _subscription_delete(request: HttpRequest, subscription_id: int) -> HttpResponse:
    _require_permission(request)
    subscription = get_object_or_404(SummarySubscription.objects.select_related("org_unit"), pk=subscription_id,
                                     user=request.user)
    subscription_delete(user=request.user, subscription=subscription)
    messages.success(request, UNSUBSCRIBED[subscription.period_kind] % {"unit": subscription.org_unit.name})
    return HttpResponseRedirect(reverse("summary_mail:list"))


# The admin's own guard: signed in as staff, else to the sign-in page.
subscription_list = admin.site.admin_view(_subscription_list)
subscription_delete_view = admin.site.admin_view(_subscription_delete)


@csrf_exempt  # the signed link is the proof; mail programs POST it without a form (RFC 8058)
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks (link scanners in mail systems open every link, and must not
    unsubscribe anyone); the button, or a mail program's one-click POST, does it."""
    if request.method == "POST":
        genuine = subscription_unsubscribe(token=token)
        subscription, done = None, genuine
    else:
        genuine, subscription = subscription_for_token(token)
        done = genuine and subscription is None
    context = {"genuine": genuine, "subscription": subscription, "done": done, "token": token}
    return render(request, "kpis/notifications/unsubscribe.html", context, status=200 if genuine else 400)
