"""The Hậu Giang demo: published figures only, each with its source, loaded
idempotently; demo accounts only where they cannot leak into production."""

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import models

from kpis import permissions, roles
from kpis.models import (
    Assignment,
    DataValue,
    DefinitionChange,
    Indicator,
    Milestone,
    OrgUnit,
    ReportStatus,
    Sector,
    Target,
    YearlyReport,
)
from kpis.services.demo import DEMO_USERS, demo_users_create
from kpis.services.reports import report_approve, report_create, report_submit, report_values_save

DEMO_DIR = Path(django_settings.BASE_DIR) / "fixtures" / "hau_giang"
USERNAMES = [demo.username for demo in DEMO_USERS]


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def load_demo(*args: str) -> str:
    out = io.StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(db, settings):
    settings.DEBUG = True
    load_demo()


def fresh(username: str):
    return get_user_model().objects.get(username=username)  # empty permission cache


def published(code: str, unit: str, year: int) -> Decimal:
    return DataValue.objects.get(indicator__code=code, org_unit__code=unit, year=year).value


def csv_rows() -> list[dict[str, str]]:
    with open(DEMO_DIR / "values.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


# Logs, not data: a second load adds a recompute run and an audit event (one per catalogue load).
NOT_DATA = {"kpis.RecomputeRun", "kpis.AuditEvent"}


def kpis_dump() -> dict[str, list[tuple]]:
    """Every row of every kpis table (history and many-to-many tables included),
    without the timestamps that only record when a row was written."""
    dump = {}
    for model in apps.get_app_config("kpis").get_models(include_auto_created=True):
        if model._meta.label in NOT_DATA:
            continue
        fields = [field.attname for field in model._meta.concrete_fields
                  if not isinstance(field, models.DateTimeField)]
        dump[model._meta.label] = list(model._base_manager.order_by("pk").values_list(*fields))
    return dump


# --- loading -----------------------------------------------------------------------------------

def test_load_demo_twice_gives_the_same_database(db, settings):
    settings.DEBUG = True
    load_demo()
    before = kpis_dump()
    value_history = DataValue.history.count()
    assert DataValue.objects.count() == len(csv_rows())
    assert before["kpis.HistoricalDataValue"] and before["kpis.Assignment"]

    load_demo()

    assert kpis_dump() == before
    assert DataValue.history.count() == value_history


def test_second_run_reports_values_unchanged(demo):
    out = load_demo()
    assert f"values: 0 mới, 0 cập nhật, {len(csv_rows())} không đổi" in out
    assert "indicators: 0 mới, 0 cập nhật" in out


def test_published_figures_are_present(demo):
    assert published("BTS", "HG", 2020) == 939
    assert published("BTS", "HG", 2019) == 906
    assert published("MOBILE_SUBS_PER_100", "HG", 2020) == Decimal("92.7")
    assert published("EMAIL_ACCOUNTS", "HG", 2020) == 9391
    assert published("POPULATION", "HG", 2019) == 733017
    assert published("DTI_SCORE", "HG", 2020) == Decimal("0.3215")
    assert OrgUnit.objects.filter(code="HG-VTY").exists()
    assert not DataValue.objects.filter(indicator__code="POPULATION", org_unit__code="HG-VTY").exists()


def test_every_value_in_the_database_is_a_row_of_the_file(demo):
    rows = csv_rows()
    assert DataValue.objects.count() == len(rows)
    for row in rows:
        value = DataValue.objects.get(indicator__code=row["indicator"], org_unit__code=row["org_unit"],
                                      year=int(row["year"]))
        assert value.value == Decimal(row["value"])
        assert (value.comment, value.source) == (row["comment"], row["source"])


def test_indicators_without_published_figures_have_no_values(demo):
    for code in ("MOBILE_BROADBAND_PER_100", "FIXED_BROADBAND_PER_100", "BTS_SHARED_PCT",
                 "ONLINE_DOSSIERS", "ALL_DOSSIERS"):
        assert Indicator.objects.filter(code=code).exists()
        assert not DataValue.objects.filter(indicator__code=code).exists()


def test_bts_2019_source_says_it_is_derived_from_the_2020_increase(demo):
    value = DataValue.objects.get(indicator__code="BTS", org_unit__code="HG", year=2019)
    assert "tăng 33 trạm so với năm 2019" in value.source
    assert "tăng 33 trạm so với năm 2019" in Indicator.objects.get(code="BTS").source


def test_everything_has_a_source(demo):
    for model in (Indicator, Target, Milestone, DataValue, DefinitionChange):
        assert model.objects.exists(), model
        assert not model.objects.filter(source__regex=r"^\s*$").exists(), model


def test_ratios_do_not_roll_up_by_summing(demo):
    for code in ("MOBILE_SUBS_PER_100", "BROADBAND_SUBS_PER_100", "COMMUNES_WITH_POSTAL_POINT_PCT",
                 "FIBRE_HOUSEHOLDS_PCT", "DTI_SCORE", "DTI_RANK", "ICT_INDEX_RANK"):
        assert Indicator.objects.get(code=code).aggregation == "none", code
    derived = Indicator.objects.get(code="PUBLIC_SERVICES_L4_PCT")
    assert derived.formula and not derived.aggregation


def test_imported_values_are_in_approved_reports(demo):
    assert YearlyReport.objects.exists()
    assert not DataValue.objects.exclude(report__status=ReportStatus.APPROVED).exists()


def test_demo_fixtures_carry_no_injected_spam():
    for path in DEMO_DIR.iterdir():
        text = path.read_text(encoding="utf-8").lower()
        assert "bong da" not in text and "wap keo" not in text, path


# --- demo users ----------------------------------------------------------------------------------

def test_demo_users_refused_with_debug_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--with-demo-users"):
        load_demo()
    assert DataValue.objects.count() == len(csv_rows())  # the demo data is loaded all the same
    assert not get_user_model().objects.filter(username__in=USERNAMES).exists()


def test_demo_users_with_flag_and_debug_off_get_random_passwords(db, settings):
    settings.DEBUG = False
    out = load_demo("--with-demo-users")
    printed = {line.split()[0]: line.split()[1] for line in out.splitlines()
               if line.split()[:1] and line.split()[0] in USERNAMES}
    assert set(printed) == set(USERNAMES)
    for demo_user in DEMO_USERS:
        user = fresh(demo_user.username)
        assert not user.check_password(demo_user.password)
        assert user.check_password(printed[demo_user.username])
        assert len(printed[demo_user.username]) >= 16


def test_random_passwords_differ_on_each_run(demo):
    first = {username: password for username, password, _role in demo_users_create(random_passwords=True)}
    second = {username: password for username, password, _role in demo_users_create(random_passwords=True)}
    assert all(first[username] != second[username] for username in USERNAMES)
    assert len(set(first.values())) == len(USERNAMES)


def test_demo_users_with_debug_on_use_the_fixed_passwords_and_reset_them(demo):
    user = fresh("nhaplieu")
    user.set_password("something-else-entirely")
    user.save()
    load_demo()
    for demo_user in DEMO_USERS:
        assert fresh(demo_user.username).check_password(demo_user.password)


def test_demo_users_are_staff_in_their_role_group(demo):
    expected = {"viewer": [roles.VIEWER], "nhaplieu": [roles.DATA_ENTRY], "pheduyet": [roles.APPROVER],
                "lanhdao": [roles.LEADER], "admin": []}
    for username, groups in expected.items():
        user = fresh(username)
        assert user.is_staff and user.is_active
        assert user.is_superuser == (username == "admin")
        assert list(user.groups.values_list("name", flat=True)) == groups


def test_rerun_resets_what_was_changed_on_demo_users(demo):
    nhaplieu = fresh("nhaplieu")
    nhaplieu.is_superuser = True
    nhaplieu.save()
    nhaplieu.groups.add(nhaplieu.groups.model.objects.get(name=roles.APPROVER))
    Assignment.objects.create(user=nhaplieu, sector=Sector.objects.get(code="POSTAL"),
                              org_unit=OrgUnit.objects.get(code="HG-VT"))
    demo_users_create(random_passwords=False)
    nhaplieu = fresh("nhaplieu")
    assert not nhaplieu.is_superuser
    assert list(nhaplieu.groups.values_list("name", flat=True)) == [roles.DATA_ENTRY]
    assert list(Assignment.objects.filter(user=nhaplieu).values_list(
        "sector__code", "org_unit__code", "include_descendants")) == [("TELECOM", "HG", True)]


def test_demo_assignments(demo):
    assert list(Assignment.objects.filter(user__username="pheduyet").values_list(
        "sector", "org_unit__code", "include_descendants")) == [(None, "HG", True)]
    assert not Assignment.objects.filter(user__username__in=["viewer", "lanhdao", "admin"]).exists()


def test_data_entry_user_enters_telecom_only(demo):
    nhaplieu = fresh("nhaplieu")
    telecom, postal = Sector.objects.get(code="TELECOM"), Sector.objects.get(code="POSTAL")
    vi_thanh, province = OrgUnit.objects.get(code="HG-VT"), OrgUnit.objects.get(code="HG")
    assert permissions.can_create_report(nhaplieu, sector=telecom, org_unit=vi_thanh)
    assert permissions.can_create_report(nhaplieu, sector=telecom, org_unit=province)
    assert not permissions.can_create_report(nhaplieu, sector=postal, org_unit=vi_thanh)
    with pytest.raises(PermissionDenied):
        report_create(sector=postal, org_unit=vi_thanh, year=2021, user=nhaplieu)
    approved = YearlyReport.objects.get(sector=telecom, org_unit=province, year=2020)
    assert not permissions.can_edit_values(nhaplieu, approved)  # official figures are locked
    assert not permissions.can_review(nhaplieu, approved)


def test_workflow_between_demo_users(demo):
    nhaplieu, pheduyet, viewer = fresh("nhaplieu"), fresh("pheduyet"), fresh("viewer")
    report = report_create(sector=Sector.objects.get(code="TELECOM"),
                           org_unit=OrgUnit.objects.get(code="HG-VT"), year=2021, user=nhaplieu)
    report_values_save(report=report, user=nhaplieu, values={"BTS": Decimal(1)})
    assert not permissions.can_view_report(viewer, report)  # drafts are not public
    assert permissions.can_view_report(pheduyet, report)
    report = report_submit(report=report, user=nhaplieu)
    assert not permissions.can_review(nhaplieu, report)
    report = report_approve(report=report, user=pheduyet)
    assert report.status == ReportStatus.APPROVED
    assert permissions.can_view_report(fresh("viewer"), report)


def test_approver_reviews_every_sector_but_enters_nothing(demo):
    pheduyet = fresh("pheduyet")
    province = OrgUnit.objects.get(code="HG")
    for report in YearlyReport.objects.filter(org_unit=province):
        assert permissions.can_review(pheduyet, report)
    assert not permissions.can_create_report(pheduyet, sector=Sector.objects.get(code="TELECOM"),
                                             org_unit=province)


def test_viewer_and_leader_read_approved_reports_only(demo):
    telecom, province = Sector.objects.get(code="TELECOM"), OrgUnit.objects.get(code="HG")
    approved = YearlyReport.objects.get(sector=telecom, org_unit=province, year=2020)
    for username in ("viewer", "lanhdao"):
        user = fresh(username)
        assert permissions.can_view_report(user, approved)
        assert not permissions.can_create_report(user, sector=telecom, org_unit=province)
        assert not permissions.can_review(user, approved)
        assert set(permissions.reports_visible_to(user)) == set(YearlyReport.objects.all())
    assert fresh("lanhdao").has_perm("kpis.export_summary")
    assert not fresh("viewer").has_perm("kpis.export_summary")


def test_admin_is_superuser(demo):
    admin = fresh("admin")
    assert permissions.can_create_report(admin, sector=Sector.objects.get(code="POSTAL"),
                                         org_unit=OrgUnit.objects.get(code="HG-PH"))


@pytest.mark.django_db
def test_demo_aggregates_show_the_bts_change_from_2019():
    from kpis.aggregation import stale_recompute
    from kpis.models import Aggregate

    call_command("load_demo", with_demo_users=True, stdout=io.StringIO())
    stale_recompute()
    bts = Aggregate.objects.get(indicator__code="BTS", org_unit__code="HG", year=2020)
    assert (bts.value, bts.previous_value, bts.change) == (939, 906, 33)
    assert round(bts.change_pct, 1) == Decimal("3.6")
    ratio = Aggregate.objects.get(indicator__code="PUBLIC_SERVICES_L4_PCT", org_unit__code="HG", year=2020)
    assert round(ratio.value, 1) == Decimal("41.4")  # 166 / (235 + 166)


@pytest.mark.django_db
def test_demo_sets_the_report_header_of_the_department_of_each_period():
    from datetime import date

    from kpis.export.selectors import document_settings_for
    from kpis.models import DocumentSettings

    call_command("load_demo", with_demo_users=True, stdout=io.StringIO())
    output = io.StringIO()
    call_command("load_demo", with_demo_users=True, stdout=output)
    assert "document_settings: 0 mới, 0 cập nhật, 3 không đổi." in output.getvalue()
    hau_giang = OrgUnit.objects.get(code="HG")
    in_2021 = document_settings_for(org_unit=hau_giang, on=date(2021, 1, 13)).row
    assert in_2021.issuing_agency == "SỞ THÔNG TIN VÀ TRUYỀN THÔNG"
    assert in_2021.parent_agency == "UBND TỈNH HẬU GIANG" and in_2021.signer_title == "GIÁM ĐỐC"
    in_spring_2025 = document_settings_for(org_unit=hau_giang, on=date(2025, 5, 2)).row
    assert in_spring_2025.issuing_agency == "SỞ KHOA HỌC VÀ CÔNG NGHỆ" and in_spring_2025.place == "Hậu Giang"
    # Hậu Giang ended with 2024: a report issued today is the new Cần Thơ city's department's.
    today = document_settings_for(org_unit=hau_giang, on=date(2026, 12, 1)).row
    assert today.parent_agency == "UBND THÀNH PHỐ CẦN THƠ" and today.place == "Cần Thơ"
    assert DocumentSettings.objects.count() == 3


# --- an honest demo ---------------------------------------------------------------------------


def test_districts_end_with_the_last_year_whose_tree_they_are_in(demo):
    """docs/boundaries.md: a year belongs to the tree valid at its end. The district level was
    abolished from 1 July 2025, so 2024 is every district's last year and 2025 has none."""
    districts = OrgUnit.objects.filter(level="district")
    assert districts.count() == 8
    for district in districts:
        assert district.valid_to == 2024, district.code
        assert district.is_active_in(2024) and not district.is_active_in(2025), district.code
    assert "01/07/2025: 2024" in str(OrgUnit._meta.get_field("valid_to").help_text)


def test_milestones_with_only_an_old_status_read_no_information_since(demo):
    from django.test import Client

    ioc = Milestone.objects.get(code="IOC_2021")  # due 30/06/2021, "in progress" in January 2021
    assert ioc.status_as_of.isoformat() == "2021-01-13"
    page = Client(HTTP_ACCEPT_LANGUAGE="vi").get("/milestones/").content.decode()
    assert "Không có thông tin từ 13/01/2021" in page
    assert "Quá hạn" not in page and "mốc quá hạn" not in page
    overview = Client(HTTP_ACCEPT_LANGUAGE="vi").get("/?year=2021").content.decode()
    assert "Không có thông tin từ 13/01/2021" in overview and "Quá hạn" not in overview


def test_a_status_dated_after_the_due_date_is_still_overdue(demo):
    from django.test import Client

    Milestone.objects.filter(code="IOC_2021").update(status_as_of="2021-07-15")
    page = Client(HTTP_ACCEPT_LANGUAGE="vi").get("/milestones/").content.decode()
    assert "Quá hạn" in page


def test_the_demo_names_no_real_signer(demo):
    from kpis.models import DocumentSettings

    assert {row.signer_name for row in DocumentSettings.objects.all()} == {"(họ và tên)"}
    for path in DEMO_DIR.iterdir():
        assert "Lã Hoàng Trung" not in path.read_text(encoding="utf-8"), path.name


def test_broadband_indicator_says_only_what_the_source_says(demo):
    broadband = Indicator.objects.get(code="BROADBAND_SUBS_PER_100")
    assert "cố định và di động" not in broadband.definition
    assert "fixed and mobile" not in broadband.definition_en
    assert "12,2 thuê bao internet băng rộng/100 dân" in broadband.definition


def test_bts_per_10000_people_uses_the_2019_census_only(demo):
    from kpis.aggregation import stale_recompute
    from kpis.models import Aggregate

    stale_recompute()
    bts_per_people = Indicator.objects.get(code="BTS_PER_10000_PEOPLE")
    assert "01/04/2019" in bts_per_people.definition and "1 April 2019" in bts_per_people.definition_en
    values = {a.year: a.value for a in Aggregate.objects.filter(indicator=bts_per_people, org_unit__code="HG")
              if a.value is not None}
    assert list(values) == [2019]
    assert round(values[2019], 2) == Decimal("12.36")  # 906 / 733,017 * 10,000
