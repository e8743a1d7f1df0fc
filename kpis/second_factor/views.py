"""Three small pages in the admin's look: enrol an authenticator app, give a
code after the password, and make new recovery codes. New codes are shown in
the response to the POST that made them and never stored in the session."""

import base64
import io
from base64 import b32encode

import segno
from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_totp.models import TOTPDevice

from kpis.permissions import second_factor_required
from kpis.second_factor.forms import AppCodeForm, VerifyCodeForm
from kpis.services.second_factor import (
    RECOVERY_CODE_COUNT,
    recovery_codes_left,
    recovery_codes_regenerate,
    second_factor_enrol_confirm,
    second_factor_enrolled,
    second_factor_enrolment_device,
    second_factor_verify,
)

FEW_RECOVERY_CODES = 3
sign_in_required = login_required(login_url=reverse_lazy("admin:login"))


def _next_url(request: HttpRequest) -> str:
    """Where to go once done: the page the user asked for, if it is on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return reverse("admin:index")


def _page(request: HttpRequest, template: str, title: str, **context) -> HttpResponse:
    """The admin's header and user links (sign out stays reachable), without
    the list of models the user cannot open yet."""
    page_context = {**admin.site.each_context(request), "title": title, "is_nav_sidebar_enabled": False,
                    "next": _next_url(request), **context}
    return render(request, template, page_context)


def totp_qr_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// link as an SVG QR code in a data: URI (the CSP allows
    data: images; nothing inline runs)."""
    svg = io.BytesIO()
    segno.make(device.config_url, error="m").save(svg, kind="svg", scale=5, border=4, xmldecl=False,
                                                   dark="#000", light="#fff")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.getvalue()).decode("ascii")


def totp_secret_text(device: TOTPDevice) -> str:
    """The key as the apps ask for it when typed by hand: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[index:index + 4] for index in range(0, len(secret), 4))


def _show_recovery_codes(request: HttpRequest, codes: tuple[str, ...], *, first_time: bool) -> HttpResponse:
    return _page(request, "kpis/second_factor/recovery_codes_new.html", _("Mã khôi phục"),
                 codes=codes, first_time=first_time)


@never_cache
@sign_in_required
@require_http_methods(["GET", "HEAD", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not second_factor_required(user) or user.is_verified():
        return HttpResponseRedirect(_next_url(request))
    if second_factor_enrolled(user):
        return HttpResponseRedirect(reverse("second_factor:verify") + "?" + request.GET.urlencode())
    form = AppCodeForm(request.POST or None)
    if form.is_valid():
        outcome = second_factor_enrol_confirm(request=request, code=form.cleaned_data["code"])
        if outcome.accepted:
            return _show_recovery_codes(request, outcome.recovery_codes, first_time=True)
        form.add_error("code", outcome.error)
    device = second_factor_enrolment_device(user=user)
    return _page(request, "kpis/second_factor/enrol.html", _("Đăng ký xác thực hai lớp"), form=form,
                 qr_data_uri=totp_qr_data_uri(device), secret=totp_secret_text(device))


@never_cache
@sign_in_required
@require_http_methods(["GET", "HEAD", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not second_factor_required(user) or user.is_verified():
        return HttpResponseRedirect(_next_url(request))
    if not second_factor_enrolled(user):
        return HttpResponseRedirect(reverse("second_factor:enrol") + "?" + request.GET.urlencode())
    form = VerifyCodeForm(request.POST or None)
    if form.is_valid():
        outcome = second_factor_verify(request=request, code=form.cleaned_data["code"])
        if outcome.accepted:
            _warn_when_few_recovery_codes(request)
            return HttpResponseRedirect(_next_url(request))
        form.add_error("code", outcome.error)
    return _page(request, "kpis/second_factor/verify.html", _("Xác thực hai lớp"), form=form)


def _warn_when_few_recovery_codes(request: HttpRequest) -> None:
    left = recovery_codes_left(request.user)
    if left <= FEW_RECOVERY_CODES:
        messages.warning(request, ngettext(
            "Chỉ còn %(left)d mã khôi phục. Hãy tạo mã mới trong trang Mã khôi phục.",
            "Chỉ còn %(left)d mã khôi phục. Hãy tạo mã mới trong trang Mã khôi phục.", left) % {"left": left})


@never_cache
@sign_in_required
@require_http_methods(["GET", "HEAD", "POST"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """How many codes are left, and a button for ten new ones (a verified session only)."""
    if not request.user.is_verified():
        return HttpResponseRedirect(reverse("second_factor:verify") + "?" + request.GET.urlencode())
    if request.method == "POST":
        return _show_recovery_codes(request, recovery_codes_regenerate(request=request), first_time=False)
    return _page(request, "kpis/second_factor/recovery_codes.html", _("Mã khôi phục"),
                 left=recovery_codes_left(request.user), count=RECOVERY_CODE_COUNT)
