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


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--out", default="docs/screenshots")
    parser.add_argument("--language", default="vi", choices=["vi", "en"])
    options = parser.parse_args()
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
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


if __name__ == "__main__":
    main()
