"""``manage.py generate_scale_data --size national``: SYNTHETIC national-scale
data for benchmarks, never for demos. Every code starts with SYN and every
name says "giả lập" (synthetic), so it cannot be mistaken for published figures.

Values are made by set-based INSERT … SELECT over cross joins (deterministic,
no randomness), so ten million rows take minutes, not hours."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from kpis.models import (
    Aggregation,
    ComparisonOperator,
    Indicator,
    OrgUnit,
    OrgUnitLevel,
    ReportStatus,
    Sector,
    ValueType,
)

SIZES = {
    # provinces, districts per province, communes per district, indicators, years
    "tiny": (2, 2, 3, 10, 3),
    "small": (5, 5, 10, 40, 5),
    "medium": (63, 11, 15, 20, 5),
    "national": (63, 11, 16, 100, 10),
}
FIRST_YEAR = 2015
SOURCE = "Dữ liệu giả lập để đo hiệu năng (synthetic benchmark data)"


class Command(BaseCommand):
    help = _("Sinh dữ liệu GIẢ LẬP quy mô quốc gia để đo hiệu năng (mã SYN…).")

    def add_arguments(self, parser):
        parser.add_argument("--size", choices=sorted(SIZES), default="small",
                            help=_("cỡ dữ liệu có sẵn; các tham số dưới đây thay từng chiều"))
        parser.add_argument("--provinces", type=int, help=_("số tỉnh"))
        parser.add_argument("--districts", type=int, help=_("số huyện mỗi tỉnh"))
        parser.add_argument("--communes", type=int, help=_("số xã mỗi huyện"))
        parser.add_argument("--indicators", type=int, help=_("số chỉ tiêu"))
        parser.add_argument("--years", type=int, help=_("số năm"))
        parser.add_argument("--replace", action="store_true", help=_("xoá dữ liệu giả lập đã sinh trước đó"))
        parser.add_argument("--force", action="store_true",
                            help=_("sinh cả khi cơ sở dữ liệu đã có dữ liệu thật (không nên)"))

    def handle(self, *args, size, replace, force, **options):
        provinces, districts, communes, indicators, years = SIZES[size]
        provinces = options["provinces"] or provinces
        districts = options["districts"] or districts
        communes = options["communes"] or communes
        indicators = options["indicators"] or indicators
        years = options["years"] or years
        if min(provinces, districts, communes, indicators, years) < 1:
            raise CommandError("every size must be at least 1")
        real = real_data_counts()
        if any(real.values()) and not force:
            raise CommandError(_(
                "Cơ sở dữ liệu này đã có dữ liệu thật (%(units)d đơn vị, %(sectors)d lĩnh vực, %(indicators)d chỉ "
                "tiêu không phải mã giả lập SYN…). Dữ liệu giả lập sẽ lẫn vào bảng điều khiển, báo cáo và mọi lần "
                "tính lại. Hãy dùng một cơ sở dữ liệu trống riêng cho đo hiệu năng, hoặc thêm --force nếu thật sự "
                "muốn.") % real)
        if OrgUnit.objects.filter(code="SYN").exists():
            if not replace:
                raise CommandError("synthetic data already exists; add --replace to regenerate it")
            scale_data_delete()
        started = time.monotonic()
        counts = scale_data_generate(provinces=provinces, districts=districts, communes=communes,
                                     indicators=indicators, years=years)
        seconds = time.monotonic() - started
        self.stdout.write(", ".join(f"{name}: {count:,}" for name, count in counts.items())
                          + f" in {seconds:.0f} s (synthetic)")


_SYNTHETIC_UNITS = Q(code="SYN") | Q(code__startswith="SYN-")
_SYNTHETIC_INDICATORS = Q(code__startswith="SYN_I") | Q(code__startswith="SYN_D")
# The same in SQL: "_" is a wildcard of LIKE, so a real code such as SYNC_RATE would match unescaped.
_SYNTHETIC_INDICATORS_SQL = "code LIKE 'SYN!_I%%' ESCAPE '!' OR code LIKE 'SYN!_D%%' ESCAPE '!'"


def real_data_counts() -> dict[str, int]:
    """What the database holds besides this generator's rows (codes SYN, SYN-…, SYN_S…, SYN_I…, SYN_D…)."""
    return {
        "units": OrgUnit.objects.exclude(_SYNTHETIC_UNITS).count(),
        "sectors": Sector.objects.exclude(code__startswith="SYN_S").count(),
        "indicators": Indicator.objects.exclude(_SYNTHETIC_INDICATORS).count(),
    }


@transaction.atomic
def scale_data_delete() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM kpis_aggregate WHERE indicator_id IN "
                       "(SELECT id FROM kpis_indicator WHERE " + _SYNTHETIC_INDICATORS_SQL + ")", [])
        cursor.execute("DELETE FROM kpis_datavalue WHERE indicator_id IN "
                       "(SELECT id FROM kpis_indicator WHERE " + _SYNTHETIC_INDICATORS_SQL + ")", [])
        cursor.execute("DELETE FROM kpis_yearlyreport WHERE sector_id IN "
                       "(SELECT id FROM kpis_sector WHERE code LIKE 'SYN!_S%%' ESCAPE '!')", [])
        cursor.execute("DELETE FROM kpis_target WHERE indicator_id IN "
                       "(SELECT id FROM kpis_indicator WHERE " + _SYNTHETIC_INDICATORS_SQL + ")", [])
    Indicator.objects.filter(_SYNTHETIC_INDICATORS).exclude(formula="").delete()
    Indicator.objects.filter(_SYNTHETIC_INDICATORS).delete()
    Sector.objects.filter(code__startswith="SYN_S").delete()
    for level in (OrgUnitLevel.COMMUNE, OrgUnitLevel.DISTRICT, OrgUnitLevel.PROVINCE, OrgUnitLevel.COUNTRY):
        OrgUnit.objects.filter(_SYNTHETIC_UNITS, level=level).delete()


def _tree(provinces: int, districts: int, communes: int) -> list[OrgUnit]:
    root = OrgUnit.objects.create(code="SYN", name="Quốc gia giả lập", level=OrgUnitLevel.COUNTRY, note=SOURCE)
    province_rows = OrgUnit.objects.bulk_create(
        OrgUnit(code=f"SYN-{p:02d}", name=f"Tỉnh giả lập {p:02d}", level=OrgUnitLevel.PROVINCE, parent=root)
        for p in range(1, provinces + 1))
    district_rows = OrgUnit.objects.bulk_create(
        OrgUnit(code=f"{prov.code}-{d:02d}", name=f"Huyện giả lập {prov.code[4:]}.{d:02d}",
                level=OrgUnitLevel.DISTRICT,
                parent=prov)
        for prov in province_rows for d in range(1, districts + 1))
    OrgUnit.objects.bulk_create(
        (OrgUnit(code=f"{dist.code}-{c:02d}", name=f"Xã giả lập {dist.code[4:]}.{c:02d}",
                 level=OrgUnitLevel.COMMUNE,
                 parent=dist)
         for dist in district_rows for c in range(1, communes + 1)), batch_size=5000)
    return province_rows


def _catalogue(count: int) -> tuple[list[Indicator], list[Indicator]]:
    sectors = Sector.objects.bulk_create(
        Sector(code=f"SYN_S{s:02d}", name=f"Lĩnh vực giả lập {s:02d}", position=100 + s) for s in range(1, 11))
    derived_count, province_only = count // 10, max(count // 20, 0)
    entered_count = count - derived_count
    aggregations = [Aggregation.SUM] * 7 + [Aggregation.AVERAGE, Aggregation.MAX, Aggregation.MIN]
    entered = Indicator.objects.bulk_create(
        Indicator(code=f"SYN_I{n:03d}", name=f"Chỉ tiêu giả lập {n:03d}", sector=sectors[n % len(sectors)],
                  unit="đơn vị", value_type=ValueType.INTEGER, source=SOURCE,
                  aggregation=Aggregation.NONE if n < province_only else aggregations[n % len(aggregations)],
                  entry_levels=[OrgUnitLevel.PROVINCE.value] if n < province_only else [OrgUnitLevel.COMMUNE.value])
        for n in range(entered_count))
    rolling = [i for i in entered if i.aggregation == Aggregation.SUM]
    derived = Indicator.objects.bulk_create(
        Indicator(code=f"SYN_D{n:03d}", name=f"Tỷ lệ giả lập {n:03d}", sector=sectors[n % len(sectors)],
                  unit="%", value_type=ValueType.DECIMAL, decimals=1, source=SOURCE,
                  formula=f"{rolling[n % len(rolling)].code} / {rolling[(n + 1) % len(rolling)].code} * 100")
        for n in range(derived_count)) if len(rolling) >= 2 else []
    return entered, derived


def scale_data_generate(*, provinces: int, districts: int, communes: int, indicators: int,
                        years: int) -> dict[str, int]:
    with transaction.atomic():
        province_rows = _tree(provinces, districts, communes)
        entered, derived = _catalogue(indicators)
    postgres = connection.vendor == "postgresql"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE syn_years (year integer PRIMARY KEY)")
        cursor.executemany("INSERT INTO syn_years VALUES (%s)", [(FIRST_YEAR + y,) for y in range(years)])
        if postgres:
            # Rows are consistent by construction: skip the per-row integrity and
            # foreign-key triggers, which would queue forty million checks. Checks
            # already queued (a --replace deletion) must run before tables are altered.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE kpis_datavalue DISABLE TRIGGER ALL")
            cursor.execute("ALTER TABLE kpis_yearlyreport DISABLE TRIGGER ALL")
        cursor.execute("""
            INSERT INTO kpis_yearlyreport (sector_id, org_unit_id, year, status, created_at, submitted_at,
                                           approved_at, return_reason)
            SELECT DISTINCT i.sector_id, u.id, y.year, %s, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP,
                   CURRENT_TIMESTAMP, ''
            FROM kpis_indicator i
            JOIN kpis_orgunit u ON u.code LIKE 'SYN-%%'
                 AND ((CAST(i.entry_levels AS TEXT) LIKE '%%commune%%' AND u.level = 'commune')
                      OR (CAST(i.entry_levels AS TEXT) LIKE '%%province%%' AND u.level = 'province'))
            CROSS JOIN syn_years y
            WHERE i.code LIKE 'SYN!_I%%' ESCAPE '!'""", [ReportStatus.APPROVED.value])
        cursor.execute("""
            INSERT INTO kpis_datavalue (report_id, indicator_id, org_unit_id, year, value, comment, source,
                                        updated_at)
            SELECT r.id, i.id, u.id, y.year, 1 + (u.id * 7919 + i.id * 104729 + y.year * 31) %% 1000, '', '',
                   CURRENT_TIMESTAMP
            FROM kpis_indicator i
            JOIN kpis_orgunit u ON u.code LIKE 'SYN-%%'
                 AND ((CAST(i.entry_levels AS TEXT) LIKE '%%commune%%' AND u.level = 'commune')
                      OR (CAST(i.entry_levels AS TEXT) LIKE '%%province%%' AND u.level = 'province'))
            CROSS JOIN syn_years y
            JOIN kpis_yearlyreport r ON r.sector_id = i.sector_id AND r.org_unit_id = u.id AND r.year = y.year
            WHERE i.code LIKE 'SYN!_I%%' ESCAPE '!'""", [])
        values = cursor.rowcount
        if postgres:
            cursor.execute("ALTER TABLE kpis_datavalue ENABLE TRIGGER ALL")
            cursor.execute("ALTER TABLE kpis_yearlyreport ENABLE TRIGGER ALL")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        last_year = FIRST_YEAR + years - 1
        cursor.executemany(
            "INSERT INTO kpis_target (indicator_id, org_unit_id, year, operator, value, source) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            [(indicator.pk, province.pk, last_year + 2, ComparisonOperator.GTE.value, 600 * communes * districts,
              SOURCE)
             for indicator in entered[:10] if indicator.aggregation == Aggregation.SUM for province in province_rows])
        cursor.execute("DROP TABLE syn_years")
        if postgres:  # fresh statistics, or every plan over these tables guesses wrong
            for table in ("kpis_orgunit", "kpis_indicator", "kpis_yearlyreport", "kpis_datavalue", "kpis_target"):
                cursor.execute(f"ANALYZE {table}")
    return {"org units": 1 + provinces * (1 + districts * (1 + communes)), "indicators": len(entered) + len(derived),
            "values": values}
