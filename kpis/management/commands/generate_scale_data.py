"""``manage.py generate_scale_data --size national``: SYNTHETIC national-scale
data for benchmarks, never for demos. Every code starts with SYN and every
name says "giả lập" (synthetic), so it cannot be mistaken for published figures.

Values are made by set-based INSERT … SELECT over cross joins (deterministic,
no randomness), so ten million rows take minutes, not hours.

``--reorganise`` applies the shape of Vietnam's 2025 reorganisation (63 → 34
provinces, districts abolished, about three communes into one) from
``BREAK_YEAR``: merged provinces end with the year before and a new unit, their
successor, begins; the districts end; the new communes stand directly under the
provinces, each formed from about three old ones (whole mergers, and at every
tenth new commune one old commune split between two new ones). The years then
run up to the break and one or more years past it, whose figures are entered on
the new units only. Convention (docs/boundaries.md): a year belongs to the tree
valid at its end.

``--quarterly-share 0.2`` makes that share of the entered indicators quarterly
(time aggregation: flows summed, some stocks taking the last quarter, some
averaged): their figures are entered for the four quarters in quarterly
reports, so the values grow by 3 × the share (+60 % at 0.2) and the recompute
also computes their half-years and years (docs/periods.md)."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from kpis.aggregation.lineage import active
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
from kpis.periods import YEAR_PART, Frequency, Period, TimeAggregation

SIZES = {
    # provinces, districts per province, communes per district, indicators, years
    "tiny": (2, 2, 3, 10, 3),
    "small": (5, 5, 10, 40, 5),
    "medium": (63, 11, 15, 20, 5),
    "national": (63, 11, 16, 100, 10),
}
FIRST_YEAR = 2015
BREAK_YEAR = 2025
# Shares of the real 2025 reorganisation: 11 of 63 provinces unchanged, 63 → 34 provinces, and
# 10 035 → 3 321 communes (about 0,33 new commune per old one).
UNCHANGED_PROVINCES = 11 / 63
PROVINCES_AFTER = 34 / 63
COMMUNES_AFTER = 0.33
SPLIT_EVERY = 10  # one old commune in this many new ones is split between two new communes
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
        parser.add_argument("--reorganise", action="store_true",
                            help=_("áp dụng sắp xếp đơn vị hành chính năm 2025 (63 → 34 tỉnh, bỏ cấp huyện, "
                                   "khoảng 3 xã thành 1) từ năm %(year)s") % {"year": BREAK_YEAR})
        parser.add_argument("--quarterly-share", type=float, default=0.0,
                            help=_("tỷ lệ chỉ tiêu nhập theo quý (0 đến 1; ví dụ 0.2: một phần năm)"))
        parser.add_argument("--replace", action="store_true", help=_("xoá dữ liệu giả lập đã sinh trước đó"))
        parser.add_argument("--force", action="store_true",
                            help=_("sinh cả khi cơ sở dữ liệu đã có dữ liệu thật (không nên)"))

    def handle(self, *args, size, replace, force, reorganise=False, quarterly_share=0.0, **options):
        provinces, districts, communes, indicators, years = SIZES[size]
        provinces = options["provinces"] or provinces
        districts = options["districts"] or districts
        communes = options["communes"] or communes
        indicators = options["indicators"] or indicators
        years = options["years"] or years
        if min(provinces, districts, communes, indicators, years) < 1:
            raise CommandError("every size must be at least 1")
        if not 0 <= quarterly_share <= 1:
            raise CommandError("--quarterly-share must be between 0 and 1")
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
                                     indicators=indicators, years=years, reorganise=reorganise,
                                     quarterly_share=quarterly_share)
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


def _tree(provinces: int, districts: int, communes: int) -> tuple[OrgUnit, list[OrgUnit], list[OrgUnit]]:
    """The root, the provinces and the communes (in province order, ``districts × communes`` each)."""
    root = OrgUnit.objects.create(code="SYN", name="Quốc gia giả lập", level=OrgUnitLevel.COUNTRY, note=SOURCE)
    province_rows = OrgUnit.objects.bulk_create(
        OrgUnit(code=f"SYN-{p:02d}", name=f"Tỉnh giả lập {p:02d}", level=OrgUnitLevel.PROVINCE, parent=root)
        for p in range(1, provinces + 1))
    district_rows = OrgUnit.objects.bulk_create(
        OrgUnit(code=f"{prov.code}-{d:02d}", name=f"Huyện giả lập {prov.code[4:]}.{d:02d}",
                level=OrgUnitLevel.DISTRICT,
                parent=prov)
        for prov in province_rows for d in range(1, districts + 1))
    commune_rows = OrgUnit.objects.bulk_create(
        (OrgUnit(code=f"{dist.code}-{c:02d}", name=f"Xã giả lập {dist.code[4:]}.{c:02d}",
                 level=OrgUnitLevel.COMMUNE,
                 parent=dist)
         for dist in district_rows for c in range(1, communes + 1)), batch_size=5000)
    return root, province_rows, commune_rows


def province_groups(count: int) -> list[int]:
    """The sizes of the groups ``count`` provinces merge in, the unchanged
    ones (size 1) first: 63 → 11 unchanged, 17 pairs and 6 threes (34)."""
    after = max(1, round(count * PROVINCES_AFTER))
    if after >= count:
        return [1] * count
    unchanged = min(round(count * UNCHANGED_PROVINCES), after - 1)
    merged, groups = count - unchanged, after - unchanged
    return [1] * unchanged + [merged // groups + (1 if g < merged % groups else 0) for g in range(groups)]


def commune_groups(count: int) -> list[list[int]]:
    """For each new commune, the positions of the old communes it is formed
    from: consecutive runs of about three, and at every ``SPLIT_EVERY``-th new
    commune the last old one also goes to the next new commune (a split)."""
    new = max(1, round(count * COMMUNES_AFTER))
    groups, start = [], 0
    for n in range(new):
        size = count // new + (1 if n < count % new else 0)
        groups.append(list(range(start, start + size)))
        start += size
    for n in range(0, new - 1, SPLIT_EVERY):
        groups[n + 1].insert(0, groups[n][-1])
    return groups


def _reorganise(root: OrgUnit, provinces: list[OrgUnit], communes: list[OrgUnit]) -> list[OrgUnit]:
    """Applies the reorganisation from BREAK_YEAR; returns the provinces of the new map."""
    OrgUnit.objects.filter(_SYNTHETIC_UNITS, level__in=[OrgUnitLevel.DISTRICT, OrgUnitLevel.COMMUNE]).update(
        valid_to=BREAK_YEAR - 1)
    groups, start = [], 0
    for size in province_groups(len(provinces)):
        groups.append(provinces[start:start + size])
        start += size
    merged = [group for group in groups if len(group) > 1]
    new_provinces = OrgUnit.objects.bulk_create(
        OrgUnit(code=f"SYN-M{n:02d}", name=f"Tỉnh giả lập mới {n:02d}", level=OrgUnitLevel.PROVINCE, parent=root,
                valid_from=BREAK_YEAR, note=SOURCE)
        for n in range(1, len(merged) + 1))
    OrgUnit.objects.filter(pk__in=[p.pk for group in merged for p in group]).update(valid_to=BREAK_YEAR - 1)
    links = [(old.pk, new.pk) for group, new in zip(merged, new_provinces, strict=True) for old in group]
    made = iter(new_provinces)
    after = [next(made) if len(group) > 1 else group[0] for group in groups]  # each group's province from 2025
    per_province = len(communes) // len(provinces)
    runs = commune_groups(per_province)
    new_communes, predecessors = [], []
    for parent, group in zip(after, groups, strict=True):
        # Communes merge within their old province (the commune reform came first), numbered across the new one.
        for n, old in enumerate(_communes_of(group, provinces, communes, per_province, runs), start=1):
            new_communes.append(OrgUnit(code=f"{parent.code}-N{n:03d}", level=OrgUnitLevel.COMMUNE, parent=parent,
                                        name=f"Xã giả lập mới {parent.code[4:]}.{n:03d}", valid_from=BREAK_YEAR))
            predecessors.append(old)
    new_communes = OrgUnit.objects.bulk_create(new_communes, batch_size=5000)
    links += [(old.pk, new.pk) for new, olds in zip(new_communes, predecessors, strict=True) for old in olds]
    through = OrgUnit.successors.through
    through.objects.bulk_create((through(from_orgunit_id=old, to_orgunit_id=new) for old, new in links),
                                batch_size=5000)
    return after


def _communes_of(group: list[OrgUnit], provinces: list[OrgUnit], communes: list[OrgUnit], per_province: int,
                 runs: list[list[int]]):
    """The predecessors of each new commune of a new province formed from ``group``."""
    position = {province.pk: n for n, province in enumerate(provinces)}
    for province in group:
        olds = communes[position[province.pk] * per_province:(position[province.pk] + 1) * per_province]
        for run in runs:
            yield [olds[i] for i in run]


# Time aggregations of the quarterly indicators, in turn: mostly flows.
_QUARTERLY_RULES = [TimeAggregation.SUM, TimeAggregation.SUM, TimeAggregation.LAST, TimeAggregation.AVERAGE]


def is_quarterly(n: int, share: float) -> bool:
    """Spreads the quarterly indicators evenly: the n-th entered one is
    quarterly when it crosses the next multiple of the share."""
    return int((n + 1) * share + 1e-9) > int(n * share + 1e-9)


def _catalogue(count: int, quarterly_share: float = 0.0) -> tuple[list[Indicator], list[Indicator]]:
    sectors = Sector.objects.bulk_create(
        Sector(code=f"SYN_S{s:02d}", name=f"Lĩnh vực giả lập {s:02d}", position=100 + s) for s in range(1, 11))
    derived_count, province_only = count // 10, max(count // 20, 0)
    entered_count = count - derived_count
    aggregations = [Aggregation.SUM] * 7 + [Aggregation.AVERAGE, Aggregation.MAX, Aggregation.MIN]
    entered = Indicator.objects.bulk_create(
        Indicator(code=f"SYN_I{n:03d}", name=f"Chỉ tiêu giả lập {n:03d}", sector=sectors[n % len(sectors)],
                  unit="đơn vị", value_type=ValueType.INTEGER, source=SOURCE,
                  aggregation=Aggregation.NONE if n < province_only else aggregations[n % len(aggregations)],
                  entry_levels=[OrgUnitLevel.PROVINCE.value] if n < province_only else [OrgUnitLevel.COMMUNE.value],
                  **_frequency(n, quarterly_share))
        for n in range(entered_count))
    rolling = [i for i in entered if i.aggregation == Aggregation.SUM]
    derived = Indicator.objects.bulk_create(
        Indicator(code=f"SYN_D{n:03d}", name=f"Tỷ lệ giả lập {n:03d}", sector=sectors[n % len(sectors)],
                  unit="%", value_type=ValueType.DECIMAL, decimals=1, source=SOURCE,
                  formula=f"{rolling[n % len(rolling)].code} / {rolling[(n + 1) % len(rolling)].code} * 100")
        for n in range(derived_count)) if len(rolling) >= 2 else []
    return entered, derived


def _frequency(n: int, share: float) -> dict:
    if not is_quarterly(n, share):
        return {}
    rule = _QUARTERLY_RULES[sum(is_quarterly(m, share) for m in range(n)) % len(_QUARTERLY_RULES)]
    return {"frequency": Frequency.QUARTER, "time_aggregation": rule}


def first_year(years: int, *, reorganise: bool) -> int:
    """With the reorganisation, a fifth of the years (at least one) come after the break."""
    return BREAK_YEAR + max(1, years // 5) - years if reorganise else FIRST_YEAR


# Values and reports only for a unit that exists in the year (a year belongs to the tree valid at its end).
_VALID_IN_YEAR = active("u", "y.year")


def scale_data_generate(*, provinces: int, districts: int, communes: int, indicators: int,
                        years: int, reorganise: bool = False, quarterly_share: float = 0.0) -> dict[str, int]:
    with transaction.atomic():
        root, province_rows, commune_rows = _tree(provinces, districts, communes)
        if reorganise:
            province_rows = _reorganise(root, province_rows, commune_rows)
        entered, derived = _catalogue(indicators, quarterly_share)
    start = first_year(years, reorganise=reorganise)
    postgres = connection.vendor == "postgresql"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE syn_years (year integer PRIMARY KEY)")
        cursor.executemany("INSERT INTO syn_years VALUES (%s)", [(start + y,) for y in range(years)])
        # The periods each frequency is entered for: a yearly indicator's year, a quarterly one's four quarters.
        cursor.execute("CREATE TEMP TABLE syn_parts (frequency varchar(10), period integer)")
        cursor.executemany("INSERT INTO syn_parts VALUES (%s, %s)",
                           [(Frequency.YEAR.value, YEAR_PART)]
                           + [(Frequency.QUARTER.value, p.part) for p in Period.all_of(Frequency.QUARTER, 2000)])
        if postgres:
            # Rows are consistent by construction: skip the per-row integrity and
            # foreign-key triggers, which would queue forty million checks. Checks
            # already queued (a --replace deletion) must run before tables are altered.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE kpis_datavalue DISABLE TRIGGER ALL")
            cursor.execute("ALTER TABLE kpis_yearlyreport DISABLE TRIGGER ALL")
        cursor.execute("""
            INSERT INTO kpis_yearlyreport (sector_id, org_unit_id, year, period, status, created_at, submitted_at,
                                           approved_at, return_reason)
            SELECT DISTINCT i.sector_id, u.id, y.year, pp.period, %s, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP,
                   CURRENT_TIMESTAMP, ''
            FROM kpis_indicator i
            JOIN syn_parts pp ON pp.frequency = i.frequency
            JOIN kpis_orgunit u ON u.code LIKE 'SYN-%%'
                 AND ((CAST(i.entry_levels AS TEXT) LIKE '%%commune%%' AND u.level = 'commune')
                      OR (CAST(i.entry_levels AS TEXT) LIKE '%%province%%' AND u.level = 'province'))
            CROSS JOIN syn_years y
            WHERE i.code LIKE 'SYN!_I%%' ESCAPE '!' AND """ + _VALID_IN_YEAR, [ReportStatus.APPROVED.value])
        cursor.execute("""
            INSERT INTO kpis_datavalue (report_id, indicator_id, org_unit_id, year, period, value, comment, source,
                                        updated_at)
            SELECT r.id, i.id, u.id, y.year, pp.period,
                   1 + (u.id * 7919 + i.id * 104729 + y.year * 31 + pp.period * 13) %% 1000, '', '', CURRENT_TIMESTAMP
            FROM kpis_indicator i
            JOIN syn_parts pp ON pp.frequency = i.frequency
            JOIN kpis_orgunit u ON u.code LIKE 'SYN-%%'
                 AND ((CAST(i.entry_levels AS TEXT) LIKE '%%commune%%' AND u.level = 'commune')
                      OR (CAST(i.entry_levels AS TEXT) LIKE '%%province%%' AND u.level = 'province'))
            CROSS JOIN syn_years y
            JOIN kpis_yearlyreport r ON r.sector_id = i.sector_id AND r.org_unit_id = u.id AND r.year = y.year
                 AND r.period = pp.period
            WHERE i.code LIKE 'SYN!_I%%' ESCAPE '!'""", [])  # the reports already follow the tree of the year
        values = cursor.rowcount
        if postgres:
            cursor.execute("ALTER TABLE kpis_datavalue ENABLE TRIGGER ALL")
            cursor.execute("ALTER TABLE kpis_yearlyreport ENABLE TRIGGER ALL")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        last_year = start + years - 1
        cursor.executemany(
            "INSERT INTO kpis_target (indicator_id, org_unit_id, year, operator, value, source) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            [(indicator.pk, province.pk, last_year + 2, ComparisonOperator.GTE.value, 600 * communes * districts,
              SOURCE)
             for indicator in entered[:10] if indicator.aggregation == Aggregation.SUM for province in province_rows])
        cursor.execute("DROP TABLE syn_years")
        cursor.execute("DROP TABLE syn_parts")
        if postgres:  # fresh statistics, or every plan over these tables guesses wrong
            for table in ("kpis_orgunit", "kpis_indicator", "kpis_yearlyreport", "kpis_datavalue", "kpis_target"):
                cursor.execute(f"ANALYZE {table}")
    return {"org units": OrgUnit.objects.filter(_SYNTHETIC_UNITS).count(),
            "indicators": len(entered) + len(derived), "values": values}
