"""Screenshots of every dashboard page at desktop (1280 px) and phone (390 px)
widths, taken with Debian's Chromium from a running demo:

    make run   # or: DEBUG=true .venv/bin/python manage.py runserver 127.0.0.1:8000
    .venv/bin/python -m tests.browser.take_screenshots --base-url http://127.0.0.1:8000 --out docs/screenshots

Not a test (pytest collects only test_*.py)."""

import argparse
from pathlib import Path

from tests.browser.chromium import CHROMIUM, LAUNCH_ARGS

PAGES = [
    ("dashboard-overview", "/?unit=HG&year=2020"),
    ("dashboard-sector", "/sectors/TELECOM/?unit=HG&year=2020"),
    ("dashboard-indicator", "/indicators/BTS/?unit=HG&year=2020"),
    ("dashboard-indicator-districts", "/indicators/POPULATION/?unit=HG&year=2019"),
    ("dashboard-unit", "/units/HG-VT/?year=2019"),
    ("dashboard-milestones", "/milestones/"),
    ("dashboard-completeness", "/completeness/?unit=HG&year=2020"),
]
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
# The README's data-entry pictures: a new 2021 report of the demo's telecom sector, empty, with the
# published 2020 figures beside each field; then the same page after typing two wrong figures,
# made up to show the error messages (the README says so).
ENTRY_USER = ("nhaplieu", "demo-nhaplieu-2020")
MADE_UP_ERRORS = {"COMMUNES_MOBILE_COVERAGE_PCT": "104", "BTS": "939,5"}
# The upload preview (docs/formats.md, section 3): two figures saved by hand first, then a made-up
# file with one row of each outcome: changed, unchanged, new, left blank, wrong, another report's.
SAVED_BY_HAND = {"BTS": "900", "TELECOM_ENTERPRISES": "10"}
UPLOADED_FILE = ("indicator;org_unit;year;value;comment\n"
                 "BTS;HG;2021;939;Số liệu Sở TT&TT\n"
                 "TELECOM_ENTERPRISES;HG;2021;10;\n"
                 "BTS_SHARED_PCT;HG;2021;35,5;\n"
                 "FIBRE_HOUSEHOLDS_PCT;HG;2021;;\n"
                 "COMMUNES_MOBILE_COVERAGE_PCT;HG;2021;104;\n"
                 "BTS;HG-VT;2021;150;\n")


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--out", default="docs/screenshots")
    parser.add_argument("--language", default="vi", choices=["vi", "en"])
    parser.add_argument("--admin", action="store_true",
                        help="only the data-entry pictures (creates the 2021 telecom report of Hậu Giang)")
    options = parser.parse_args()
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        if options.admin:
            admin_screenshots(browser, options.base_url, out)
            browser.close()
            return
        for label, (width, height) in WIDTHS.items():
            context = browser.new_context(viewport={"width": width, "height": height},
                                          locale="vi-VN" if options.language == "vi" else "en-US",
                                          is_mobile=label == "phone", has_touch=label == "phone")
            # The portal ignores Accept-Language; the language switch stores a cookie.
            context.add_cookies([{"name": "django_language", "value": options.language, "url": options.base_url}])
            page = context.new_page()
            for name, path in PAGES:
                page.goto(options.base_url + path)
                page.wait_for_load_state("networkidle")
                for canvas in page.locator("canvas[data-chart]").all():
                    canvas.evaluate("c => c.getAttribute('data-chart-ready') || "
                                    "new Promise(r => setTimeout(r, 500))")
                suffix = "" if options.language == "vi" else "-en"
                target = out / f"{name}-{label}{suffix}.png"
                page.screenshot(path=str(target), full_page=True)
                print(target)
            context.close()
        browser.close()


def admin_screenshots(browser, base_url: str, out: Path) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    context.add_cookies([{"name": "django_language", "value": "vi", "url": base_url}])
    page = context.new_page()
    page.goto(base_url + "/admin/login/")
    page.fill("#id_username", ENTRY_USER[0])
    page.fill("#id_password", ENTRY_USER[1])
    page.click("input[type=submit]")
    page.goto(base_url + "/admin/kpis/yearlyreport/add/")
    page.select_option("#id_sector", label="Viễn thông")
    page.select_option("#id_org_unit", label="Hậu Giang (HG)")
    page.fill("#id_year", "2021")
    page.click("input[name=_save]")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(out / "admin-report-entry.png"), full_page=True)
    print(out / "admin-report-entry.png")
    for code, text in MADE_UP_ERRORS.items():
        row = page.locator("tr", has_text=code).first
        row.locator("input[type=text], input:not([type])").first.fill(text)
    page.get_by_role("button", name="Lưu", exact=True).click()
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(out / "admin-report-errors.png"), full_page=True)
    print(out / "admin-report-errors.png")
    upload_screenshot(page, out)
    context.close()


def upload_screenshot(page, out: Path) -> None:
    page.goto(page.url)
    for code, text in SAVED_BY_HAND.items():
        page.locator("tr", has_text=code).first.locator("input[type=text], input:not([type])").first.fill(text)
    page.get_by_role("button", name="Lưu", exact=True).click()
    page.wait_for_load_state("networkidle")
    page.set_input_files("input[name=file]", files=[{
        "name": "so_lieu_vien_thong_2021.csv", "mimeType": "text/csv", "buffer": UPLOADED_FILE.encode()}])
    page.get_by_role("button", name="Xem trước").click()
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(out / "admin-report-upload-preview.png"), full_page=True)
    print(out / "admin-report-upload-preview.png")
    correct = "".join(UPLOADED_FILE.splitlines(keepends=True)[:5])  # the rows without errors
    page.set_input_files("input[name=file]", files=[{
        "name": "so_lieu_vien_thong_2021.csv", "mimeType": "text/csv", "buffer": correct.encode()}])
    page.get_by_role("button", name="Xem trước").click()
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(out / "admin-report-upload-confirm.png"), full_page=True)
    print(out / "admin-report-upload-confirm.png")


if __name__ == "__main__":
    main()
