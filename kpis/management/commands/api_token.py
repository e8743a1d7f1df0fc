"""``manage.py api_token create USERNAME [--name NAME]`` prints a new token once;
``manage.py api_token revoke USERNAME (--name NAME | --all)`` revokes. For
operators (no permission check); both are in the audit log."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kpis.models import ApiToken
from kpis.services.tokens import api_token_create, api_token_revoke


class Command(BaseCommand):
    help = _("Tạo hoặc thu hồi khoá truy cập API của một người dùng.")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create", "revoke"])
        parser.add_argument("username")
        parser.add_argument("--name", default="", help=_("Tên khoá (mặc định khi tạo: \"cli\")."))
        parser.add_argument("--all", action="store_true", help=_("Thu hồi mọi khoá của người dùng."))

    def handle(self, *args, action: str, username: str, name: str, all: bool, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("Không có người dùng \"%(user)s\".") % {"user": username})
        if action == "create":
            self._create(user, name or "cli")
        else:
            self._revoke(user, name, all)

    def _create(self, user, name: str) -> None:
        try:
            token, secret = api_token_create(user=user, name=name)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stderr.write(_("Khoá “%(name)s” của %(user)s. Chỉ hiện một lần, hãy lưu lại ngay:")
                          % {"name": token.name, "user": user.get_username()})
        self.stdout.write(secret)

    def _revoke(self, user, name: str, revoke_all: bool) -> None:
        if bool(name) == revoke_all:
            raise CommandError(_("Hãy cho --name TÊN hoặc --all (một trong hai)."))
        tokens = ApiToken.objects.select_related("user").filter(user=user, revoked_at__isnull=True)
        if name:
            tokens = tokens.filter(name=name)
        revoked = sum(api_token_revoke(token=token) for token in tokens)
        if not revoked:
            raise CommandError(_("Không có khoá nào còn hiệu lực để thu hồi."))
        self.stdout.write(_("Đã thu hồi %(count)d khoá.") % {"count": revoked})
