from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed

from kpis.services.tokens import api_token_user


class ApiTokenAuthentication(BaseAuthentication):
    """``Authorization: Token <secret>``: a machine acting as the token's owner.
    A token is a separate credential, made only in a session that passed the
    second factor (docs/security.md, "API tokens")."""

    keyword = "Token"

    def authenticate(self, request):
        # Read as text: DRF's get_authorization_header fails (a 500) on characters beyond Latin-1.
        parts = str(request.META.get("HTTP_AUTHORIZATION", "")).split()
        if not parts or parts[0].lower() != self.keyword.lower():
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(_("Tiêu đề Authorization phải là: Token <khoá>."))
        secret = parts[1]
        if not secret.isascii():
            raise AuthenticationFailed(_("Khoá không hợp lệ."))
        token = api_token_user(secret)
        if token is None:
            raise AuthenticationFailed(_("Khoá không hợp lệ, đã bị thu hồi, hoặc tài khoản đã bị khoá."))
        request.api_token = token
        return token.user, token

    def authenticate_header(self, request) -> str:
        return self.keyword


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "kpis.api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": _("Token <khoá>: tạo trong trang quản trị hoặc bằng manage.py api_token create.")}
