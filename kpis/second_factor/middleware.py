from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _

from kpis.permissions import second_factor_required
from kpis.services.second_factor import second_factor_enrolled


def _open_paths() -> set[str]:
    """What a user who has only typed the password may still open: the
    second-factor pages, signing in or out, the language switch, the health
    check. (Static files are served before any of this, by WhiteNoise.)"""
    return {reverse("second_factor:enrol"), reverse("second_factor:verify"), reverse("admin:login"),
            reverse("admin:logout"), reverse("set_language"), reverse("kpis:healthz")}


def _is_api(request: HttpRequest) -> bool:
    try:
        return "api" in resolve(request.path_info).namespaces
    except Resolver404:
        return False


class SecondFactorMiddleware:
    """A user who must use a second factor (kpis.permissions.second_factor_required)
    and has not given it in this session is sent to give it, or to enrol, from
    every page: the admin, the pages that need a sign-in and the public pages
    alike, by GET or POST, so that a stolen password alone opens nothing.
    Goes after django-otp's OTPMiddleware, which says whether the session is verified."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (user.is_authenticated and not user.is_verified() and request.path not in _open_paths()
                and second_factor_required(user)):
            return self._send_to_second_factor(request, user)
        return self.get_response(request)

    @staticmethod
    def _send_to_second_factor(request: HttpRequest, user) -> HttpResponse:
        if _is_api(request):
            return JsonResponse({"error": _("Cần xác thực hai lớp: hãy hoàn tất đăng nhập trong trang quản trị.")},
                                status=403)
        page = "second_factor:verify" if second_factor_enrolled(user) else "second_factor:enrol"
        url = reverse(page)
        if request.method in ("GET", "HEAD"):
            url += "?" + urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(url)
