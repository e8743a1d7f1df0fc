import getpass
import os

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kpis.services.catalogue import CatalogueError, catalogue_load_file


def server_account() -> str:
    """Who ran the command, for the audit log: the account, and the person
    behind sudo when there is one."""
    try:
        account = getpass.getuser()
    except (KeyError, OSError):  # a container user with no name
        account = f"uid {os.getuid()}"
    via = os.environ.get("SUDO_USER")
    return f"{account} (sudo: {via})" if via and via != account else account


class Command(BaseCommand):
    @property
    def help(self) -> str:
        # A property, so that it is translated when shown: argparse refuses lazy strings.
        return _("Tạo hoặc cập nhật danh mục (đơn vị, lĩnh vực, chỉ tiêu, mục tiêu, mốc nhiệm vụ...) "
                 "từ tệp YAML, tất cả hoặc không gì cả. Định dạng: docs/formats.md.")

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("tệp YAML của danh mục"))

    def handle(self, *args, file: str, **options):
        try:
            counts = catalogue_load_file(path=file, run_by=server_account())
        except CatalogueError as error:
            for message in error.errors:
                self.stderr.write(message)
            raise CommandError(_("Không nạp được danh mục: %(count)d lỗi; cơ sở dữ liệu không thay đổi.")
                               % {"count": len(error.errors)}) from None
        for section, outcome in counts.items():
            self.stdout.write(_("%(section)s: tạo mới %(created)d, cập nhật %(updated)d, không đổi %(unchanged)d")
                              % {"section": section, **outcome})
