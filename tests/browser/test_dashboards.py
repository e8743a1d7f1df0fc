"""The dashboards in a real Chromium, on the Hậu Giang demo: an official's
journey, charts drawn in the page's language, accessibility (axe-core), the
Content-Security-Policy, phones and print."""

import re
from decimal import Decimal
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

PAGES = {
    "overview": "/",
    "sectors": "/sectors/",
    "sector": "/sectors/TELECOM/?unit=HG&year=2020",
    "indicator": "/indicators/BTS/?unit=HG&year=2020",
    "indicator-districts": "/indicators/POPULATION/?unit=HG&year=2019",
    "unit": "/units/HG-VT/?year=2019",
    "milestones": "/milestones/",
    "completeness": "/completeness/?unit=HG&year=2020",
    "problem": "/?year=abc",
}


def card(page, code: str):
    return page.locator(f"article.card:has(#card-{code})")


def test_an_official_finds_the_2020_bts_count_and_its_change_from_the_overview(demo, page, tmp_path):
    page.goto(page.base + "/")
    assert page.locator("html").get_attribute("lang") == "vi"
    bts = card(page, "BTS")
    # Zero clicks: the overview opens on 2020, the latest year with the key figures.
    assert "năm 2020" in page.locator("h1").inner_text()
    assert "939" in bts.inner_text() and "+33" in bts.inner_text() and "so với 2019" in bts.inner_text()

    # Change the year.
    page.select_option("#filter-year", "2019")
    page.click("form.filters button[type=submit]")
    assert "năm 2019" in page.locator("h1").inner_text()
    assert "906" in card(page, "BTS").inner_text()

    # Follow a card to its indicator page (one click) and see the chart drawn.
    card(page, "BTS").click()
    page.wait_for_url(re.compile(r"/indicators/BTS/"))
    assert page.locator("h1").inner_text() == "Số trạm BTS"
    page.wait_for_selector("#trend-chart[data-chart-ready=true]")
    drawn = page.evaluate("""() => {
        const chart = Chart.getChart(document.getElementById('trend-chart'));
        const canvas = chart.canvas, pixels = canvas.getContext('2d')
            .getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) painted++; }
        return {labels: chart.data.labels, values: chart.data.datasets[0].data, painted};
    }""")
    assert drawn["labels"] == ["2019", "2020"] and drawn["values"] == [906, 939]
    assert drawn["painted"] > 1000  # the canvas really has a line, axes and labels on it

    # Switch to English: English names and formats.
    page.click("button[name=language][value=en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "BTS stations"
    assert "Overview" in page.locator(".site-nav").inner_text()

    # Download the table as CSV.
    with page.expect_download() as download_info:
        page.click(".downloads a:has-text('CSV')")
    download = download_info.value
    assert download.suggested_filename == "BTS_HG.csv"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0].endswith(",2019,2020") and lines[1].startswith("HG,") and lines[1].endswith(",906,939")
    assert page.problems == []


@pytest.mark.parametrize("language,grouped,decimal", [("vi", r"\d{1,3}(\.\d{3})+", "733.017"),
                                                      ("en", r"\d{1,3}(,\d{3})+", "733,017")])
def test_chart_axes_and_tooltips_use_the_page_language(demo, page, language, grouped, decimal):
    page.context.add_cookies([{"name": "django_language", "value": language, "url": page.base}])
    page.goto(page.base + PAGES["indicator-districts"])
    page.wait_for_selector("#bar-chart[data-chart-ready=true]")
    result = page.evaluate("""() => {
        const chart = Chart.getChart(document.getElementById('bar-chart'));
        const trend = Chart.getChart(document.getElementById('trend-chart'));
        const label = trend.options.plugins.tooltip.callbacks.label;
        return {
            ticks: chart.scales.x.ticks.map(t => t.label),
            tooltip: label.call(trend.tooltip, {dataset: trend.data.datasets[0], parsed: {y: 733017}}),
        };
    }""")
    assert any(re.fullmatch(grouped, str(tick)) for tick in result["ticks"]), result["ticks"]
    assert decimal in result["tooltip"]
    assert page.problems == []


def test_every_page_passes_axe_without_serious_or_critical_violations(demo, page):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    found = {}
    for name, url in PAGES.items():
        page.goto(page.base + url)
        page.wait_for_load_state("networkidle")
        results = axe.run(page)
        bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
               for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
        if bad:
            found[name] = bad
    assert found == {}


def test_no_page_breaks_the_csp_or_loads_anything_from_another_host(demo, page):
    for name, url in PAGES.items():
        response = page.goto(page.base + url)
        page.wait_for_load_state("networkidle")
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy, name
        assert page.evaluate("window.__cspViolations") == [], name
    # The problem page answers 400 on purpose.
    assert [p for p in page.problems if "status of 400" not in p and not p.startswith("400: ")] == []


def test_pages_fit_a_phone_and_print_without_navigation(demo, browser, live_server):
    context = browser.new_context(locale="vi-VN", viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True)
    phone = context.new_page()
    try:
        for name, url in PAGES.items():
            phone.goto(live_server.url + url)
            phone.wait_for_load_state("networkidle")
            # Compare with the device's width: a mobile layout viewport grows to fit what overflows.
            overflow = phone.evaluate("() => document.documentElement.scrollWidth") - 390
            assert overflow <= 1, f"{name} is {overflow}px wider than the phone"
        phone.goto(live_server.url + "/")
        phone.emulate_media(media="print")
        assert phone.locator(".site-nav").is_hidden() and phone.locator("form.filters").is_hidden()
        assert phone.locator("article.card").first.is_visible()
    finally:
        context.close()


@pytest.fixture
def telecom_report(demo):
    """A superuser and the demo's approved 2020 telecom report, made before the browser starts."""
    from django.contrib.auth import get_user_model

    from kpis.models import YearlyReport

    get_user_model().objects.create_superuser("csp-admin", password="a-long-test-password")
    return YearlyReport.objects.filter(org_unit__code="HG", sector__code="TELECOM", year=2020).get()


@pytest.fixture
def leader(demo):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from kpis import roles

    user = get_user_model().objects.create_user("test-leader", password="a-long-test-password", is_staff=True)
    user.groups.add(Group.objects.get(name=roles.LEADER))
    return user


def test_a_leaders_pages_with_the_export_form_pass_axe_and_the_csp(leader, page):
    from axe_playwright_python.sync_playwright import Axe

    page.goto(page.base + "/admin/login/?next=/")
    page.fill("#id_username", "test-leader")
    page.fill("#id_password", "a-long-test-password")
    page.click("input[type=submit]")
    page.wait_for_url(page.base + "/")
    for url in ["/", "/units/HG/?year=2020"]:
        page.goto(page.base + url)
        page.wait_for_load_state("networkidle")
        assert page.locator(".page-actions form").count() == 1, url
        violations = [v["id"] for v in Axe().run(page).response["violations"]
                      if v["impact"] in ("serious", "critical")]
        assert violations == [], url
        assert page.evaluate("window.__cspViolations") == [], url
    assert page.problems == []


def enrolment_code(username: str) -> str:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.second_factor import app_code

    return app_code(TOTPDevice.objects.get(user__username=username, confirmed=False))


def test_the_admin_and_the_report_entry_page_work_under_the_csp(telecom_report, page):
    report = telecom_report
    page.goto(page.base + "/admin/login/")
    page.fill("#id_username", "csp-admin")
    page.fill("#id_password", "a-long-test-password")
    page.click("input[type=submit]")
    page.wait_for_url(page.base + "/admin/second-factor/enrol/?next=%2Fadmin%2F")
    violations = {"enrol": page.evaluate("window.__cspViolations")}
    assert page.locator("img[src^='data:image/svg+xml;base64,']").evaluate("img => img.naturalWidth") > 0
    page.fill("#id_code", enrolment_code("csp-admin"))
    page.click("input[type=submit]")
    assert page.locator("ol.recovery-codes li").count() == 10
    violations["recovery codes"] = page.evaluate("window.__cspViolations")
    page.click("text=Tôi đã lưu các mã, tiếp tục")
    page.wait_for_url(page.base + "/admin/")
    for path in ["/admin/", "/admin/kpis/indicator/", "/admin/kpis/indicator/add/", "/admin/kpis/milestone/add/",
                 "/admin/kpis/target/?year=2025", "/admin/auth/user/add/",
                 f"/admin/kpis/yearlyreport/{report.pk}/change/", "/admin/kpis/yearlyreport/"]:
        response = page.goto(page.base + path)
        page.wait_for_load_state("networkidle")
        assert response.status == 200, path
        violations[path] = page.evaluate("window.__cspViolations")
    csp = [p for p in page.problems if "Content Security Policy" in p]
    assert csp == [], "\n".join(csp)
    assert {path: found for path, found in violations.items() if found} == {}


def test_a_warning_under_a_figure_is_a_plain_band_without_the_admins_square_bullet(demo, page, settings):
    """The approver's report page (docs/data-quality.md): the warning's list item once showed the admin's
    square bullet outside the table."""
    from django.contrib.auth import get_user_model

    from kpis.models import OrgUnit, Sector
    from kpis.services.reports import report_create, report_submit, report_values_save

    settings.DEBUG = True  # the demo's approver then needs no second factor, as in `make run`
    clerk = get_user_model().objects.get(username="nhaplieu")
    report = report_create(sector=Sector.objects.get(code="TELECOM"), org_unit=OrgUnit.objects.get(code="HG"),
                           year=2021, user=clerk)
    report_values_save(report=report, user=clerk, values={"BTS": Decimal(9390)})  # 939 in 2020: a zero too many
    report_submit(report=report, user=clerk)
    approver = get_user_model().objects.get(username="pheduyet")  # the demo's, with a password drawn at random
    approver.set_password("a-long-test-password")
    approver.save()
    page.goto(page.base + "/admin/login/")
    page.fill("#id_username", "pheduyet")
    page.fill("#id_password", "a-long-test-password")
    page.click("input[type=submit]")
    page.goto(page.base + f"/admin/kpis/yearlyreport/{report.pk}/change/")
    warning = page.locator("li.quality-warning")
    assert "Gấp 10 lần cùng kỳ năm trước (939)" in warning.inner_text()
    assert warning.evaluate("li => getComputedStyle(li).listStyleType") == "none"


def test_screenshot_helper_lists_every_page():
    from tests.browser.take_screenshots import PAGES as SHOTS

    assert {path.split("?")[0] for _name, path in SHOTS} >= {
        "/", "/sectors/TELECOM/", "/indicators/BTS/", "/units/HG-VT/", "/milestones/", "/completeness/"}
    assert Path(__file__).with_name("take_screenshots.py").exists()
