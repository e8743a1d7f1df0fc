"""Screenshots of the period pages (docs/periods.md) from SYNTHETIC data, every
name saying "giả lập" (the Hậu Giang demo has yearly published figures only and
must not get invented ones), and of the approver's data-quality warnings
(docs/data-quality.md) from the demo with two made-up 2021 reports. Each part in
an empty database of its own, with a Redis db of its own (pages are cached by
data version: another database's pages could be served):

    export DEBUG=true REDIS_URL=redis://127.0.0.1:6379/10 DATABASE_URL=postgres://postgres@127.0.0.1:5432/shots
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py generate_scale_data --size small --years 12 --quarterly-share 0.2
    .venv/bin/python -m tests.browser.periods_screenshots --setup
    .venv/bin/python manage.py recompute_aggregates
    .venv/bin/python manage.py runserver 127.0.0.1:8011 --noreload &
    .venv/bin/python -m tests.browser.periods_screenshots --base-url http://127.0.0.1:8011
    # stop the server; then, on a second database:
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/shots_demo; redis-cli -n 10 flushdb
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py load_demo
    .venv/bin/python -m tests.browser.periods_screenshots --setup-demo-warnings
    .venv/bin/python manage.py runserver 127.0.0.1:8011 --noreload &
    .venv/bin/python -m tests.browser.periods_screenshots --base-url http://127.0.0.1:8011 --data-quality

``--setup`` makes 2026 a year under way, through the real services where they
exist: the generator enters every quarter of every year (2015–2026), so Q4 2026
has not happened yet and its reports are deleted; a yearly target for province
01; a due-date rule (quarterly reports due 30 days after the quarter); in
province 05 some Q3 reports reopened by the approver (one sent again by the
clerk), one never made, so that they are late. Not a test (pytest collects only
test_*.py)."""

import argparse
import os
import sys
from decimal import Decimal
from pathlib import Path

YEAR = 2026
SHOWN_UNIT, LATE_UNIT = "SYN-01", "SYN-05"
FLOW = "SYN_I004"  # quarterly, summed over the year and up the tree (generate_scale_data)
QUARTERLY_SECTORS = ("SYN_S05", "SYN_S10")
# The demo's approver and data-entry accounts (README), here assigned to the whole synthetic country:
# under DEBUG the approver needs no second factor, as in the demo.
LOGIN = ("pheduyet", "demo-pheduyet-2020")
CLERK = ("nhaplieu", "demo-nhaplieu-2020")
NOTE = "Số liệu giả lập: cần kiểm tra lại"

PAGES = [  # name, address, the part of the page to keep (a CSS selector), language
    ("periods-indicator-block", f"/indicators/{FLOW}/?unit={SHOWN_UNIT}&period={YEAR}-Q3", "section.periods", "vi"),
    ("periods-indicator-block-en", f"/indicators/{FLOW}/?unit={SHOWN_UNIT}&period={YEAR}-Q3", "section.periods", "en"),
    ("periods-completeness", f"/completeness/?unit={LATE_UNIT}-01&year={YEAR}&period=Q3", None, "vi"),
]


def setup() -> None:
    """The year under way and the late reports (see the module's text)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    django.setup()
    from django.db import transaction

    from kpis import roles
    from kpis.models import DataValue, Indicator, OrgUnit, ReportDueRule, Target, YearlyReport
    from kpis.services.reports import report_reopen, report_submit

    root = OrgUnit.objects.get(code="SYN")
    approver, clerk = (_staff(username, password, roles.ROLE_GROUPS[role], root)
                       for role, (username, password) in (("approver", LOGIN), ("data_entry", CLERK)))
    synthetic = YearlyReport.objects.filter(org_unit__code__startswith="SYN-", year=YEAR)
    if not synthetic.filter(period=204).exists():
        print("already set up")
        return
    with transaction.atomic():  # Q4 of the year under way has not been reported yet
        q4 = synthetic.filter(period=204)
        DataValue.objects.filter(report__in=q4).delete()
        q4.delete()
    flow = Indicator.objects.get(code=FLOW)
    last_year = sum(DataValue.objects.filter(indicator=flow, year=YEAR - 1, org_unit__code__startswith=SHOWN_UNIT)
                    .values_list("value", flat=True))
    Target.objects.update_or_create(indicator=flow, org_unit=OrgUnit.objects.get(code=SHOWN_UNIT), year=YEAR,
                                    defaults={"operator": ">=", "value": round(last_year * Decimal("1.1"), -3),
                                              "source": "Mục tiêu giả lập (synthetic)"})
    ReportDueRule.objects.get_or_create(sector=None, frequency="quarter", defaults={"days_after_end": 30})
    q3 = synthetic.filter(period=203, status="approved").order_by("org_unit__code", "sector__code")
    late = list(q3.filter(org_unit__code__startswith=LATE_UNIT + "-", sector__code__in=QUARTERLY_SECTORS)[:4])
    for report in late[:3]:
        report_reopen(report=report, user=approver, reason=NOTE)
    report_submit(report=late[0], user=clerk)
    DataValue.objects.filter(report=late[3]).delete()
    late[3].delete()  # never made
    print(f"late Q3 reports: {', '.join(str(report) for report in late)}")


# The data-quality pictures use the Hậu Giang demo (its yearly figures are published ones; the synthetic
# figures, made by a formula, jump in ways no real series does): a 2021 report of each of two sectors is
# made up on top of it, one figure typed with an extra zero, one copied from 2020, and sent for approval.
MADE_UP_2021 = (("TELECOM", "nhaplieu", {"BTS": Decimal(9390), "TELECOM_ENTERPRISES": Decimal(8)}),
                ("PRESS", "admin", {"PRESS_CARDS_ISSUED": Decimal(12), "PRESS_AGENCIES": Decimal(3)}))


def setup_demo_warnings() -> None:
    """On a database with the demo loaded (manage.py load_demo): the made-up 2021 reports, submitted."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    django.setup()
    from django.contrib.auth import get_user_model

    from kpis.models import OrgUnit, Sector, YearlyReport
    from kpis.services.reports import report_create, report_submit, report_values_save

    province = OrgUnit.objects.get(code="HG")
    for sector_code, username, values in MADE_UP_2021:
        user = get_user_model().objects.get(username=username)
        sector = Sector.objects.get(code=sector_code)
        report = YearlyReport.objects.filter(sector=sector, org_unit=province, year=2021).first() or \
            report_create(sector=sector, org_unit=province, year=2021, user=user)
        if report.status in ("draft", "returned"):
            report_values_save(report=report, user=user, values=values)
            report_submit(report=report, user=user)
        print(f"/admin/kpis/yearlyreport/{report.pk}/change/")


def _staff(username: str, password: str, group: str, root):
    """A staff account in a role group, assigned to every sector of the whole synthetic tree."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from kpis.models import Assignment

    user = get_user_model().objects.filter(username=username).first() or \
        get_user_model().objects.create_user(username, password=password, is_staff=True)
    user.groups.set([Group.objects.get(name=group)])
    Assignment.objects.get_or_create(user=user, sector=None, org_unit=root, defaults={"include_descendants": True})
    return user


def _settle(page) -> None:
    page.wait_for_load_state("networkidle")
    for canvas in page.locator("canvas[data-chart]").all():
        canvas.evaluate("c => c.getAttribute('data-chart-ready') || new Promise(r => setTimeout(r, 500))")


def _shoot(page, target: Path, selector: str | None) -> None:
    if selector:
        page.locator(selector).first.screenshot(path=str(target))
    else:
        page.screenshot(path=str(target), full_page=True)
    print(target)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--setup", action="store_true", help="prepare the synthetic data (needs DATABASE_URL)")
    parser.add_argument("--setup-demo-warnings", action="store_true",
                        help="on the demo's database: the made-up 2021 reports with warnings")
    parser.add_argument("--data-quality", action="store_true",
                        help="the data-quality pictures, from a server on the demo's database")
    parser.add_argument("--base-url", default="http://127.0.0.1:8011")
    parser.add_argument("--out", default="docs/screenshots")
    options = parser.parse_args()
    if options.setup or options.setup_demo_warnings:
        setup() if options.setup else setup_demo_warnings()
        return
    from playwright.sync_api import sync_playwright

    from tests.browser.chromium import CHROMIUM, LAUNCH_ARGS

    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        if options.data_quality:
            _data_quality(browser, options.base_url, out)
        else:
            _periods(browser, options.base_url, out)
        browser.close()


def _context(browser, base_url: str, language: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900},
                                  locale="vi-VN" if language == "vi" else "en-US")
    # The portal ignores Accept-Language; the language switch stores a cookie.
    context.add_cookies([{"name": "django_language", "value": language, "url": base_url}])
    return context


def _periods(browser, base_url: str, out: Path) -> None:
    for language in ("vi", "en"):
        context = _context(browser, base_url, language)
        page = context.new_page()
        for name, path, selector, page_language in PAGES:
            if page_language == language:
                page.goto(base_url + path)
                _settle(page)
                _shoot(page, out / f"{name}.png", selector)
        context.close()


def _data_quality(browser, base_url: str, out: Path) -> None:
    """The approver's list of open warnings for 2021, then the telecom report's page."""
    context = _context(browser, base_url, "vi")
    page = context.new_page()
    page.goto(base_url + "/admin/login/")
    page.fill("#id_username", LOGIN[0])
    page.fill("#id_password", LOGIN[1])
    page.click("input[type=submit]")
    page.goto(base_url + "/admin/kpis/yearlyreport/data-quality/?year=2021")
    _settle(page)
    _shoot(page, out / "data-quality-warnings.png", None)
    page.locator("section.data-quality-sector", has_text="Viễn thông").locator("h3 a").first.click()
    _settle(page)
    _shoot(page, out / "data-quality-report.png", None)
    context.close()


if __name__ == "__main__":
    sys.exit(main())
