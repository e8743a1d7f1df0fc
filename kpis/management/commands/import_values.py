from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kpis.services.imports import values_import


class Command(BaseCommand):
    @property
    def help(self) -> str:
        # A property, so that it is translated when shown: argparse refuses lazy strings.
        return _("Nhập số liệu từ tệp CSV hoặc Excel .xlsx (indicator,org_unit,period,value[,comment][,source]; "
                 "period là 2025, 2025-H1, 2025-Q3 hoặc 2025-07; cột year thay cho period vẫn được, nghĩa là cả năm); "
                 "số liệu nhập bằng lệnh này được coi là đã duyệt. Tất cả hoặc không gì cả. Định dạng, cách viết số: "
                 "docs/formats.md.")

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("tệp CSV hoặc .xlsx"))
        parser.add_argument("--dry-run", action="store_true", help=_("chỉ kiểm tra và đếm, không ghi gì"))
        parser.add_argument("--user", help=_("tên đăng nhập ghi vào lịch sử là người nhập và duyệt"))

    def handle(self, *args, file: str, dry_run: bool, user: str | None, **options):
        account = self.account(user) if user else None
        try:
            # Read as a stream: a file of a million rows is never held in memory whole.
            with Path(file).open("rb") as content:
                result = values_import(content=content, user=account, dry_run=dry_run)
        except OSError as error:
            raise CommandError(_("Không đọc được tệp %(path)s: %(error)s.")
                               % {"path": file, "error": error.strerror or error}) from None
        for error in result.errors:
            self.stderr.write(_("dòng %(line)d: %(message)s") % {"line": error.line, "message": error.message})
        if not result.ok:
            raise CommandError(_("%(count)d lỗi; không ghi gì vào cơ sở dữ liệu.") % {"count": len(result.errors)})
        self.stdout.write(_("tạo mới %(created)d, cập nhật %(updated)d, không đổi %(unchanged)d")
                          % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged})
        if dry_run:
            self.stdout.write(_("chạy thử: không ghi gì vào cơ sở dữ liệu."))

    @staticmethod
    def account(username: str):
        try:
            return get_user_model().objects.get_by_natural_key(username)
        except get_user_model().DoesNotExist:
            raise CommandError(_("Không có người dùng '%(username)s'.") % {"username": username}) from None
