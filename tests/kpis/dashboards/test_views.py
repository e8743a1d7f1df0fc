"""The dashboard pages: what they show, to whom, in which language and format,
and what they answer to bad parameters."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from kpis.aggregation import aggregates_recompute
from kpis.models import OrgUnit
from tests.factories import IndicatorFactory, OrgUnitFactory, make_user, put_values

PAGES = [
    ("overview", "/?unit=P&year=2020"),
    ("sectors", "/sectors/"),
    ("sector", "/sectors/TELECOM/?unit=P&year=2020"),
    ("indicator", "/indicators/BTS/?unit=P&year=2020"),
    ("unit", "/units/P-D1/?year=2020"),
    ("milestones", "/milestones/"),
    ("completeness", "/completeness/?unit=P&year=2020"),
]
ROLES = ["viewer", "staff", "approver", "leader", "admin"]


def vi_client(user=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    if user is not None:
        client.force_login(user)
    return client


def en_client() -> Client:
    """English as chosen with the language switch (the browser's Accept-Language is ignored)."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def text(response) -> str:
    return response.content.decode()


# --- each page, each role ---------------------------------------------------------


@pytest.mark.parametrize("name,url", PAGES)
def test_every_page_answers_anonymous_on_a_public_site(dash, settings, name, url):
    settings.PORTAL_PUBLIC = True
    response = vi_client().get(url)
    assert response.status_code == 200, name
    assert response["Content-Type"].startswith("text/html")
    assert '<html lang="vi">' in text(response)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name,url", PAGES)
def test_every_page_answers_every_role_on_a_private_site(dash, settings, role, name, url):
    settings.PORTAL_PUBLIC = False
    response = vi_client(getattr(dash.users, role)).get(url)
    assert response.status_code == 200, (role, name)


@pytest.mark.parametrize("name,url", PAGES)
def test_a_private_site_sends_anonymous_visitors_to_the_login(dash, settings, name, url):
    settings.PORTAL_PUBLIC = False
    response = vi_client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login") + "?next=")


def test_completeness_on_a_private_site_needs_a_permission_on_reports(dash, settings):
    settings.PORTAL_PUBLIC = False
    nobody = make_user("nobody")  # signed in, no role
    assert vi_client(nobody).get("/").status_code == 200
    response = vi_client(nobody).get("/completeness/")
    assert response.status_code == 403
    assert "không có quyền" in text(response)
    assert "/completeness/" not in text(vi_client(nobody).get("/"))  # not offered in the menu
    assert vi_client(dash.users.viewer).get("/completeness/").status_code == 200


def test_completeness_is_open_on_a_public_site(dash, settings):
    settings.PORTAL_PUBLIC = True
    assert vi_client().get("/completeness/").status_code == 200
    assert vi_client(make_user("nobody")).get("/completeness/").status_code == 200


# --- what the pages show ------------------------------------------------------------


def test_overview_shows_key_figures_with_change_target_status_and_milestones(dash):
    page = text(vi_client().get("/?unit=P&year=2020"))
    assert "Số trạm BTS" in page
    assert "939" in page and "+33" in page and "so với 2019" in page
    assert "92,7" in page  # Vietnamese decimal comma
    assert "9.391" in page  # Vietnamese thousands dot
    assert "Mục tiêu 2025: ≥ 95,0%" in page
    assert "Đúng tiến độ" in page or "Cần đẩy nhanh" in page or "Tiến triển chậm" in page
    assert "Khai trương IOC" in page and "Quá hạn" in page  # overdue milestone of the year
    assert "Số liệu cập nhật lúc" in page
    assert 'href="/indicators/BTS/?unit=P&amp;year=2020"' in page  # the card leads to its indicator


def test_overview_picks_the_latest_year_with_figures_and_the_top_unit(dash):
    page = text(vi_client().get("/"))
    assert "Tỉnh Mẫu: chuyển đổi số năm 2020" in page


def test_overview_of_a_year_without_figures_says_so_and_shows_the_latest(dash):
    page = text(vi_client().get("/?unit=P&year=2021"))
    assert "Chưa có số liệu năm 2021" in page
    assert "Gần nhất: 939 trạm (năm 2020)" in page


def test_years_are_never_printed_with_a_thousands_separator(dash):
    for _name, url in PAGES:
        page = text(vi_client().get(url))
        assert "2.020" not in page and "2.019" not in page, url


def test_sector_page_has_cards_and_a_sortable_table(dash):
    page = text(vi_client().get("/sectors/TELECOM/?unit=P&year=2020&sort=-value"))
    assert page.count('class="card"') == 4  # every indicator of the sector
    assert 'aria-sort="descending"' in page
    assert "_export=csv" in page and "_export=xlsx" in page


def test_indicator_page_has_charts_with_tables_metadata_and_downloads(dash):
    page = text(vi_client().get("/indicators/BTS/?unit=P&year=2020"))
    assert 'id="trend-data"' in page and 'id="bar-data"' in page  # chart data, as JSON, not script
    assert page.count('data-chart="') == 2
    assert "Xem số liệu của biểu đồ dạng bảng" in page
    assert "Huyện Một" in page and "Huyện Hai" in page
    assert "Thông tin về chỉ tiêu" in page and "Cách tính" in page
    assert "<script>" not in page.replace('<script id="trend-data" type="application/json">', "").replace(
        '<script id="bar-data" type="application/json">', "")


def test_indicator_page_shows_definition_changes_and_the_formula_in_words(dash):
    from kpis.models import DefinitionChange

    DefinitionChange.objects.create(indicator=dash.derived, year=2022, description="Từ 2022 đổi cách tính")
    page = text(vi_client().get("/indicators/BTS_DOUBLE/?unit=P"))
    assert "Thay đổi định nghĩa từ năm 2022" in page
    assert "Số trạm BTS × 2" in page


def test_indicator_bars_are_sorted_best_first(dash):
    page = text(vi_client().get("/indicators/BTS/?unit=P&year=2020"))
    assert page.index("Huyện Một") < page.index("Huyện Hai", page.index('id="bar-data"'))


def test_unit_page_compares_with_the_parent_and_ranks_among_siblings(dash):
    page = text(vi_client().get("/units/P-D1/?year=2020"))
    assert "Tỉnh Mẫu" in page  # the parent's column
    assert "1<span class=\"muted\">/2</span>" in page  # 500 beats 439
    assert "Tình trạng báo cáo năm 2020" in page and "Đã duyệt" in page


def test_milestones_are_listed_overdue_first_with_status_words(dash):
    page = text(vi_client().get("/milestones/"))
    assert page.index("Khai trương IOC") < page.index("Triển khai LGSP")
    assert "Quá hạn" in page and "Hoàn thành" in page and "Đang triển khai" in page
    filtered = text(vi_client().get("/milestones/?status=done"))
    assert "Triển khai LGSP" in filtered and "Khai trương IOC" not in filtered


def test_completeness_shows_who_to_chase(dash):
    page = text(vi_client().get("/completeness/?unit=P&year=2020"))
    assert "Cần nhắc gửi báo cáo" in page
    assert "Đã duyệt" in page and "Chưa có báo cáo" in page
    # postal reports are entered at province and district level; the districts have none yet
    assert "Huyện Một" in page


def test_completeness_links_reports_into_the_admin_for_staff_only(dash):
    public = text(vi_client().get("/completeness/?unit=P&year=2020"))
    staff = text(vi_client(dash.users.approver).get("/completeness/?unit=P&year=2020"))
    assert "/admin/kpis/yearlyreport/" not in public
    assert "/admin/kpis/yearlyreport/" in staff


# --- languages ----------------------------------------------------------------------


def test_english_uses_english_formats_and_english_names(dash):
    page = text(en_client().get("/?unit=P&year=2020"))
    assert '<html lang="en">' in page
    assert "BTS stations" in page  # name_en
    assert "9,391" in page and "92.7" in page
    assert "9.391" not in page
    assert ">Overview<" in page and "Figures updated at" in page and "Target 2025: ≥ 95.0%" in page
    assert "On track" in page or "Needs acceleration" in page or "Limited progress" in page


def test_the_language_switch_sets_the_language(dash):
    client = vi_client()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/?unit=P&year=2020"})
    assert response.status_code == 302 and response["Location"] == "/?unit=P&year=2020"
    assert '<html lang="en">' in text(client.get("/?unit=P&year=2020"))


# --- bad parameters: a clear message, never a 500 ------------------------------------


@pytest.mark.parametrize("url,status", [
    ("/?year=abc", 400), ("/?year=99999", 400), ("/?year=2020.5", 400), ("/?unit=NOPE", 404),
    ("/?unit=%3Cscript%3E", 404), ("/sectors/NOPE/", 404), ("/indicators/NOPE/", 404), ("/units/NOPE/", 404),
    ("/indicators/BTS/?_export=pdf", 400), ("/milestones/?status=zzz", 400), ("/milestones/?sector=NOPE", 400),
    ("/completeness/?year=-1", 400), ("/indicators/BTS/?sort=nonexistent", 200), ("/milestones/?page=999", 200),
    ("/milestones/?page=abc", 200), ("/units/P/?year=abc", 400),
])
def test_bad_parameters_get_a_clear_answer(dash, url, status):
    response = vi_client().get(url)
    assert response.status_code == status, url
    if status != 200:
        assert 'class="problem"' in text(response)


def test_a_bad_unit_code_is_shown_escaped(dash):
    page = text(vi_client().get("/?unit=%3Cscript%3Ealert(1)%3C/script%3E"))
    assert "<script>alert(1)" not in page
    assert "&lt;SCRIPT&gt;" in page or "&lt;script&gt;" in page


# --- escaping -------------------------------------------------------------------------


def test_names_with_markup_are_escaped_everywhere(dash):
    evil = "<script>alert('x')</script>"
    OrgUnitFactory(code="P-D3", name=f"Huyện {evil}", level="district", parent=dash.province)
    indicator = IndicatorFactory(code="EVIL", name=f"Chỉ tiêu {evil}", sector=dash.telecom, is_key=True,
                                 unit=evil)
    put_values([(indicator, OrgUnit.objects.get(code="P-D3"), 2020, Decimal(5))])
    aggregates_recompute()
    for url in ["/?unit=P&year=2020", "/sectors/TELECOM/?unit=P&year=2020", "/indicators/EVIL/?unit=P&year=2020",
                "/units/P-D3/?year=2020", "/completeness/?unit=P&year=2020"]:
        page = text(vi_client().get(url))
        assert "<script>alert" not in page, url
        assert "&lt;script&gt;alert" in page or "\\u003Cscript\\u003Ealert" in page, url


# --- downloads ------------------------------------------------------------------------


def test_indicator_table_downloads_as_csv_with_plain_numbers(dash):
    response = vi_client().get("/indicators/BTS/?unit=P&year=2020&_export=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="BTS_P.csv"' in response["Content-Disposition"]
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Mã đơn vị,Đơn vị,2019,2020"
    assert lines[1] == "P,Tỉnh Mẫu,906,939"
    assert "<" not in response.content.decode()  # no markup in the file


def test_tables_download_as_xlsx_with_numbers_as_numbers(dash):
    response = vi_client().get("/sectors/TELECOM/?unit=P&year=2020&_export=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    bts = next(row for row in rows if row[0] == "BTS")
    assert bts[header.index("Giá trị")] == 939
    coverage = next(row for row in rows if row[0] == "COVERAGE_PCT")
    assert float(coverage[header.index("Giá trị")]) == pytest.approx(92.7)


@pytest.mark.parametrize("url", [u for name, u in PAGES if name != "overview"])
def test_every_table_page_downloads_csv_and_xlsx(dash, url):
    for fmt in ("csv", "xlsx"):
        separator = "&" if "?" in url else "?"
        response = vi_client().get(f"{url}{separator}_export={fmt}")
        assert response.status_code == 200, (url, fmt)
        assert "attachment" in response["Content-Disposition"]


def test_the_overview_has_no_table_to_download(dash):
    response = vi_client().get("/?unit=P&_export=csv")
    assert response.status_code == 400 and 'class="problem"' in text(response)


def test_downloads_follow_the_page_permissions(dash, settings):
    settings.PORTAL_PUBLIC = False
    assert vi_client().get("/indicators/BTS/?_export=csv").status_code == 302


# --- the export button of issue 5 -----------------------------------------------------


def test_export_button_only_for_those_who_may_export(dash, settings, tmp_path):
    overview = "/?unit=P&year=2020"
    button = tmp_path / "kpis" / "export" / "_button.html"
    button.parent.mkdir(parents=True)
    button.write_text('<a data-test-export href="#">{{ year|stringformat:"d" }} {{ org_unit.code }}</a>')
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    page = text(vi_client(dash.users.leader).get(overview))
    assert page.index('class="filters"') < page.index("data-test-export") < page.index('class="card"')
    assert "2020 P-D1" in text(vi_client(dash.users.leader).get("/units/P-D1/?year=2020"))
    assert "data-test-export" not in text(vi_client(dash.users.viewer).get(overview))
    assert "data-test-export" not in text(vi_client().get(overview))


def test_a_district_overview_leaves_out_key_indicators_that_do_not_apply_to_it(dash):
    page = text(vi_client().get("/?unit=P-D1&year=2020"))
    assert 'id="card-BTS"' in page and "500" in page
    assert 'id="card-COVERAGE_PCT"' not in page  # entered and targeted only at the province


def test_sector_pages_name_the_sector_as_in_the_year_shown(dash):
    from datetime import date

    from kpis.models import Sector, SectorVersion

    telecom = Sector.objects.get(code="TELECOM")
    SectorVersion.objects.create(sector=telecom, valid_from=date(2021, 3, 1), name="Viễn thông và Internet",
                                 name_en="Telecommunications and Internet")
    old = text(vi_client().get("/sectors/TELECOM/?unit=P&year=2020"))
    assert "Viễn thông" in old and "Viễn thông và Internet" not in old
    renamed = text(vi_client().get("/sectors/TELECOM/?unit=P&year=2021"))
    assert "Viễn thông và Internet" in renamed
    assert "Viễn thông và Internet" not in text(vi_client().get("/?unit=P&year=2020"))
    assert "Telecommunications and Internet" in text(en_client().get("/?unit=P&year=2021"))
    assert "Viễn thông và Internet" in text(vi_client().get("/sectors/"))  # today's name


def test_the_completeness_page_and_its_download_name_the_sector_as_in_the_year_shown(dash):
    from datetime import date

    from kpis.models import SectorVersion

    SectorVersion.objects.create(sector=dash.telecom, valid_from=date(2021, 3, 1), name="Viễn thông và Internet",
                                 name_en="Telecommunications and Internet")
    old = text(vi_client().get("/completeness/?unit=P&year=2020"))
    assert "Viễn thông" in old and "Viễn thông và Internet" not in old
    assert "Viễn thông và Internet" in text(vi_client().get("/completeness/?unit=P&year=2021"))
    assert "Telecommunications and Internet" in text(en_client().get("/completeness/?unit=P&year=2021"))
    download = vi_client().get("/completeness/?unit=P&year=2021&_export=csv").content.decode("utf-8-sig")
    assert "Viễn thông và Internet" in download
