"""``manage.py recompute_aggregates [--check]``: a full recompute, synchronously;
with --check, compare the stored aggregates with a recompute from scratch and
exit non-zero on any difference, listing them."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kpis.aggregation import aggregates_check, aggregates_recompute
from kpis.models import Indicator, OrgUnit
from kpis.periods import Period


class Command(BaseCommand):
    help = _("Tính lại toàn bộ số liệu tổng hợp; với --check chỉ so sánh, không ghi.")

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true",
                            help=_("So sánh số liệu tổng hợp đang lưu với một lần tính lại từ đầu."))
        parser.add_argument("--limit", type=int, default=50, help=_("Số khác biệt tối đa được liệt kê."))

    def handle(self, *args, check: bool = False, limit: int = 50, **options):
        if not check:
            outcome = aggregates_recompute()
            self.stdout.write(_("Đã tính lại %(cells)d ô: %(inserted)d mới, %(updated)d thay đổi, "
                                "%(deleted)d xóa.") % outcome.__dict__)
            return
        count, rows = aggregates_check(limit=limit)
        if not count:
            self.stdout.write(_("Số liệu tổng hợp khớp với một lần tính lại từ đầu."))
            return
        indicators = dict(Indicator.objects.values_list("id", "code"))
        units = dict(OrgUnit.objects.values_list("id", "code"))
        for indicator_id, unit_id, year, part, stored, fresh in rows:
            self.stderr.write(f"{indicators.get(indicator_id)} {units.get(unit_id)} {Period(year, part)}: "
                              + _("đang lưu %(stored)s, tính lại %(fresh)s") % {"stored": stored, "fresh": fresh})
        raise CommandError(_("%(count)d ô số liệu tổng hợp khác với tính lại từ đầu.") % {"count": count})
