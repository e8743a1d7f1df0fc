"""``manage.py export_summary --year 2020 [--period H1|H2] --org-unit HG
[--sector CODE] [--districts] [--date YYYY-MM-DD] --format pdf|docx|xlsx --out
FILE``: the leaders' summary report of the year or of a half-year of it,
rendered synchronously to a file (for operators: no permission check, every
argument validated; the unit and the sector by the export page's form)."""

from datetime import date
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from kpis.export.forms import ReportScopeForm, summary_part
from kpis.export.services import summary_document, summary_export_validate
from kpis.models import ExportFormat


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(_("Ngày \"%(text)s\" không hợp lệ: hãy viết YYYY-MM-DD, ví dụ 2021-01-13.")
                           % {"text": text}) from None


class Command(BaseCommand):
    help = _("Xuất báo cáo tổng hợp chỉ tiêu chuyển đổi số (PDF, DOCX hoặc XLSX) ra tệp.")

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help=_("Năm báo cáo, ví dụ 2020."))
        parser.add_argument("--period", default="",
                            help=_("H1: 6 tháng đầu năm, H2: 6 tháng cuối năm (để trống: cả năm)."))
        parser.add_argument("--org-unit", required=True, help=_("Mã đơn vị, ví dụ HG."))
        parser.add_argument("--sector", default="", help=_("Mã lĩnh vực (để trống: mọi lĩnh vực)."))
        parser.add_argument("--format", dest="fmt", default=ExportFormat.PDF,
                            help=_("Định dạng: %(formats)s.") % {"formats": ", ".join(ExportFormat.values)})
        parser.add_argument("--out", required=True, help=_("Tệp kết quả."))
        parser.add_argument("--districts", action="store_true",
                            help=_("Kèm phụ lục số liệu từng đơn vị cấp dưới."))
        parser.add_argument("--date", dest="issued", default="",
                            help=_("Ngày ghi trên báo cáo (YYYY-MM-DD; mặc định hôm nay)."))

    def handle(self, *args, year: int, org_unit: str, sector: str, fmt: str, out: str, districts: bool,
               issued: str, period: str = "", **options):
        fmt = fmt.lower().strip()
        try:
            part = summary_part(period)
        except ValidationError as error:
            raise CommandError(f"--period: {' '.join(error.messages)}") from None
        scope = ReportScopeForm({"org_unit": org_unit, "sector": sector})
        if not scope.is_valid():
            raise CommandError(" ".join(f"--{name.replace('_', '-')}: {' '.join(messages)}"
                                        for name, messages in scope.errors.items()))
        unit, chosen_sector = scope.cleaned_data["org_unit"], scope.cleaned_data["sector"]
        try:
            summary_export_validate(year=year, org_unit=unit, fmt=fmt, part=part)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        target = Path(out)
        if not target.parent.exists():
            raise CommandError(_("Thư mục \"%(folder)s\" không tồn tại.") % {"folder": target.parent})
        issued_on = _date(issued) if issued else timezone.localdate()
        content = summary_document(year=year, org_unit=unit, sector=chosen_sector, fmt=fmt, districts=districts,
                                   issued_on=issued_on, part=part)
        target.write_bytes(content)
        self.stdout.write(_("Đã ghi %(file)s (%(size)s byte).") % {"file": target, "size": len(content)})
