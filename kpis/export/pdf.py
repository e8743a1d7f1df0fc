"""The report as PDF: a Django template printed by WeasyPrint, charts as SVG,
the Tinos font embedded (see fonts.py)."""

import base64
import unicodedata
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import get_language

from kpis.export import charts as chart_module
from kpis.export import fonts
from kpis.export.document import Document, numbered_headings

STYLESHEET = Path(settings.BASE_DIR) / "static" / "css" / "pdf.css"
Progress = Callable[[int], None]
# Tagged for screen readers (PDF/UA-1: structure tree, document language and
# title, alternative text for charts); checked by reading the tags back
# (docs/export.md, "Accessible PDF").
PDF_VARIANT = "pdf/ua-1"


def _url_fetcher():
    """Only the report's own font files and inline data: a report never
    fetches anything from the network or elsewhere on disk, and a font that
    cannot be read stops the rendering instead of falling back silently."""
    from weasyprint.urls import URLFetcher

    allowed = {path.as_uri() for path in fonts.all_font_files()}

    class ReportFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if not url.startswith("data:") and url.split("?")[0] not in allowed:
                raise ValueError(f"the report may not load {url}")
            return super().fetch(url, headers)

    return ReportFetcher(allowed_protocols={"data", "file"}, fail_on_errors=True)


def _svg_uri(svg: bytes) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def render_html(document: Document, *, progress: Progress = lambda _p: None) -> str:
    charts = []
    for index, chart in enumerate(document.charts):
        charts.append({"caption": chart.caption, "description": chart.description,
                       "uri": _svg_uri(chart_module.chart(chart.kind, chart.data, fmt="svg"))})
        progress(30 + int(30 * (index + 1) / len(document.charts)))
    html = render_to_string("pdf/summary.html", {
        "doc": document, "charts": charts, "headings": dict(numbered_headings(document)),
        "language": get_language() or settings.LANGUAGE_CODE,
    })
    return unicodedata.normalize("NFC", html)  # one glyph per letter, however it was typed


def layout(html: str):
    """The laid-out WeasyPrint document (pages and boxes), before writing."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    font_config, fetcher = FontConfiguration(), _url_fetcher()
    stylesheets = [
        CSS(string=fonts.font_face_css(), font_config=font_config, url_fetcher=fetcher),
        CSS(string=STYLESHEET.read_text(encoding="utf-8"), font_config=font_config, url_fetcher=fetcher),
    ]
    return HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=fetcher).render(
        stylesheets=stylesheets, font_config=font_config)


def render_pdf(document: Document, *, progress: Progress = lambda _p: None) -> bytes:
    html = render_html(document, progress=progress)
    progress(65)
    pdf = layout(html).write_pdf(pdf_variant=PDF_VARIANT)
    progress(95)
    return pdf
