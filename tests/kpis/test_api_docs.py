"""/api/docs/: Swagger UI from the installed sidecar package, under the site's CSP."""

import re

from django.contrib.staticfiles import finders

DOCS = "/api/docs/"


def test_docs_page_loads_its_assets_from_our_static_files(db, client):
    response = client.get(DOCS)
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(a.startswith("/") and "//" not in a for a in assets)  # no CDN
    sidecar = [a for a in assets if "drf_spectacular_sidecar" in a]
    assert len(sidecar) >= 3
    for asset in sidecar:
        assert finders.find(asset.removeprefix("/static/").split("?")[0]) is not None


def test_docs_page_has_no_inline_script_or_style(db, client):
    response = client.get(DOCS)
    html = response.content.decode()
    assert "<style" not in html and " style=" not in html
    assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", html))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


def test_docs_start_up_script_is_a_file_pointing_at_the_schema(db, client):
    html = client.get(DOCS).content.decode()
    script_url = [s for s in re.findall(r'<script src="([^"]+)"', html) if "script" in s.split("?")[-1]][0]
    script = client.get(script_url.replace("&amp;", "&"))
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in script.content.decode()


def test_private_site_hides_the_docs_from_strangers(db, client, settings):
    settings.PORTAL_PUBLIC = False
    assert client.get(DOCS).status_code in (401, 403)
