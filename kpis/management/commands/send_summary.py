"""``manage.py send_summary --year 2020 [--period H1|H2] --org-unit HG --to
ADDRESS…``: mail the leaders' summary PDF (of the year or a half-year) now, one recorded sending per address (for
operators: no permission check, every argument validated). Exits non-zero if
any address could not be sent to; the reason is printed and kept in the
admin's list of sendings."""

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kpis.export.forms import ReportScopeForm, summary_part
from kpis.models import MailStatus
from kpis.services.mail import summary_send_now


class Command(BaseCommand):
    help = _("Gửi ngay báo cáo tổng hợp (PDF) qua thư điện tử.")

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help=_("Năm báo cáo, ví dụ 2020."))
        parser.add_argument("--period", default="",
                            help=_("H1: 6 tháng đầu năm, H2: 6 tháng cuối năm (để trống: cả năm)."))
        parser.add_argument("--org-unit", required=True, help=_("Mã đơn vị, ví dụ HG."))
        parser.add_argument("--to", nargs="+", required=True, help=_("Một hoặc nhiều địa chỉ thư."))

    def handle(self, *args, year: int, org_unit: str, to: list[str], period: str = "", **options):
        try:
            part = summary_part(period)
        except ValidationError as error:
            raise CommandError(f"--period: {' '.join(error.messages)}") from None
        scope = ReportScopeForm({"org_unit": org_unit, "sector": ""})
        if not scope.is_valid():
            raise CommandError(" ".join(f"--{name.replace('_', '-')}: {' '.join(messages)}"
                                        for name, messages in scope.errors.items()))
        try:
            sendings = summary_send_now(year=year, org_unit=scope.cleaned_data["org_unit"], addresses=to, part=part)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from None
        failed = [s for s in sendings if s.status != MailStatus.DELIVERED]
        for sending in sendings:
            if sending.status == MailStatus.DELIVERED:
                self.stdout.write(_("Đã gửi tới %(address)s.") % {"address": sending.email})
            else:
                self.stderr.write(_("Không gửi được tới %(address)s: %(reason)s") % {
                    "address": sending.email, "reason": sending.error})
        if failed:
            raise CommandError(_("%(failed)s/%(total)s thư không gửi được.") % {
                "failed": len(failed), "total": len(sendings)})
