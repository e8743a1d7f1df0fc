"""A page in the admin's look where users list, make and revoke their own API
tokens. A new secret is shown in the response to the POST that made it, never
stored in the session or anywhere else."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from kpis.models import ApiToken
from kpis.permissions import can_manage_own_api_tokens
from kpis.services.tokens import api_token_create, api_token_revoke


class TokenCreateForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Tên khoá"), max_length=100,
                           help_text=gettext_lazy("Để nhận ra máy hoặc chương trình dùng khoá, ví dụ “Máy chủ VNPT”."))


def _require_permission(request: HttpRequest) -> None:
    if not can_manage_own_api_tokens(request.user):
        raise PermissionDenied


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def _token_list(request: HttpRequest) -> HttpResponse:
    _require_permission(request)
    form = TokenCreateForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = api_token_create(user=request.user, name=form.cleaned_data["name"], request=request)
        except ValidationError as error:
            form.add_error("name" if hasattr(error, "error_dict") else None, error.messages)
        else:
            form = TokenCreateForm()
    tokens = ApiToken.objects.filter(user=request.user)
    context = {**admin.site.each_context(request), "title": _("Khoá truy cập API"), "form": form,
               "tokens": tokens, "secret": secret}
    return render(request, "kpis/api_tokens/list.html", context)


@require_POST
def _token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    _require_permission(request)
    token = get_object_or_404(ApiToken.objects.select_related("user"), pk=token_id, user=request.user)
    if api_token_revoke(token=token, request=request):
        messages.success(request, _("Đã thu hồi khoá “%(name)s”.") % {"name": token.name})
    return HttpResponseRedirect(reverse("api_tokens:list"))


# The admin's own guard: signed in as staff, else to the sign-in page.
token_list = admin.site.admin_view(_token_list)
token_revoke = admin.site.admin_view(_token_revoke)
