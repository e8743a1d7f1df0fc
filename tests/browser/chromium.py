"""Debian's Chromium for the browser tests and screenshots (never `playwright install`)."""

import os
import shutil

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


def chromium_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not (os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        found = shutil.which("chromium")
        hint = f" (found {found}, but the tests use {CHROMIUM})" if found else ""
        return (f"Chromium is not installed at {CHROMIUM}{hint}: on Debian run `apt-get install chromium` "
                "(make test does it when run as root)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the Python package playwright is missing: run `make install`"
    return None
