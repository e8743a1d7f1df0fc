"""``manage.py load_demo [--with-demo-users]``: the Hậu Giang demo (published
figures only, see fixtures/hau_giang/) and one demo account per role."""

from pathlib import Path

import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from kpis.export.services import document_settings_load
from kpis.services.catalogue import CatalogueError, catalogue_load_file
from kpis.services.demo import demo_users_create
from kpis.services.imports import values_import

DEMO_DIR = Path(settings.BASE_DIR) / "fixtures" / "hau_giang"
# In this order: the country and its provinces (Hậu Giang among them), the demo's districts,
# sectors and indicators, then the communes under both.
CATALOGUE_FILES = (
    Path(settings.BASE_DIR) / "fixtures" / "vietnam" / "provinces.yaml",
    DEMO_DIR / "catalogue.yaml",
    DEMO_DIR / "communes.yaml",
)
VALUES_FILE = DEMO_DIR / "values.csv"
DOCUMENT_SETTINGS_FILE = DEMO_DIR / "document_settings.yaml"


class Command(BaseCommand):
    help = _(
        "Nạp danh mục và số liệu demo Hậu Giang (chạy lại nhiều lần vẫn cho cùng kết quả), rồi tạo "
        "tài khoản demo cho mỗi vai trò. Với DEBUG bật, tài khoản dùng mật khẩu demo cố định; với "
        "DEBUG tắt, chỉ tạo tài khoản khi có --with-demo-users, với mật khẩu ngẫu nhiên in ra một lần."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--with-demo-users", action="store_true",
            help=_("Tạo tài khoản demo cả khi DEBUG tắt (mật khẩu ngẫu nhiên, chỉ in ra một lần)."),
        )

    def handle(self, *args, with_demo_users: bool = False, **options):
        with transaction.atomic():
            catalogue = self._load_catalogues()
            result = values_import(content=VALUES_FILE.read_bytes())
            if not result.ok:
                lines = [_("Dòng %(line)s: %(message)s") % {"line": e.line, "message": e.message}
                         for e in result.errors]
                raise CommandError(_("Số liệu demo %(path)s có lỗi:\n%(errors)s")
                                   % {"path": VALUES_FILE, "errors": "\n".join(lines)})
            try:
                settings_load = document_settings_load(
                    entries=yaml.safe_load(DOCUMENT_SETTINGS_FILE.read_text("utf-8")))
            except ValidationError as error:
                raise CommandError(_("Thiết lập văn bản demo %(path)s có lỗi:\n%(errors)s")
                                   % {"path": DOCUMENT_SETTINGS_FILE, "errors": "\n".join(error.messages)}) from None
        for section, counts in catalogue.items():
            self.stdout.write(self._counts(section, **counts))
        self.stdout.write(self._counts("values", created=result.created, updated=result.updated,
                                       unchanged=result.unchanged))
        self.stdout.write(self._counts("document_settings", created=settings_load.created,
                                       updated=settings_load.updated, unchanged=settings_load.unchanged))
        for warning in settings_load.warnings:
            self.stdout.write(self.style.WARNING(warning))

        if not settings.DEBUG and not with_demo_users:
            raise CommandError(_(
                "Đã nạp danh mục và số liệu demo, nhưng không tạo tài khoản demo vì DEBUG đang tắt. "
                "Thêm --with-demo-users để tạo chúng với mật khẩu ngẫu nhiên (chỉ in ra một lần)."
            ))
        try:
            rows = demo_users_create(random_passwords=not settings.DEBUG)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self._print_users(rows)
        if settings.DEBUG:
            self.stdout.write(self.style.WARNING(_(
                "Mật khẩu demo cố định, công khai: chỉ dùng trên máy thử nghiệm (DEBUG bật)."
            )))
            self.stdout.write(self.style.WARNING(_(
                "Tài khoản demo được bỏ qua xác thực hai lớp vì DEBUG đang bật. Khi DEBUG tắt, quản trị "
                "và người duyệt phải đăng ký ứng dụng xác thực như mọi người."
            )))
        else:
            self.stdout.write(self.style.WARNING(_(
                "Mật khẩu ngẫu nhiên chỉ hiện lần này: hãy ghi lại hoặc đổi ngay."
            )))
            self.stdout.write(self.style.WARNING(_(
                "DEBUG đang tắt: tài khoản demo quản trị và người duyệt phải đăng ký xác thực hai lớp "
                "(ứng dụng xác thực trên điện thoại) ở lần đăng nhập đầu."
            )))

    @staticmethod
    def _load_catalogues() -> dict[str, dict[str, int]]:
        """The demo's catalogue files, in order; their counts added up per section."""
        total: dict[str, dict[str, int]] = {}
        for path in CATALOGUE_FILES:
            try:
                counts = catalogue_load_file(path=path)
            except CatalogueError as error:
                raise CommandError(_("Danh mục demo %(path)s có lỗi:\n%(errors)s")
                                   % {"path": path, "errors": "\n".join(error.errors)}) from None
            for section, outcome in counts.items():
                for name, n in outcome.items():
                    total.setdefault(section, {}).setdefault(name, 0)
                    total[section][name] += n
        return total

    @staticmethod
    def _counts(what: str, *, created: int, updated: int, unchanged: int) -> str:
        return _("%(what)s: %(created)d mới, %(updated)d cập nhật, %(unchanged)d không đổi.") % {
            "what": what, "created": created, "updated": updated, "unchanged": unchanged}

    def _print_users(self, rows: list[tuple[str, str, str]]) -> None:
        header = (_("Tên đăng nhập"), _("Mật khẩu"), _("Vai trò"))
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]
        for row in [header, tuple("-" * width for width in widths), *rows]:
            self.stdout.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)).rstrip())
