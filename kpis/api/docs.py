"""The API's documentation page: Swagger UI from drf-spectacular-sidecar
(static files installed from PyPI, no CDN), in drf-spectacular's split form so
its start-up script is a file, not inline: the site's CSP applies unchanged."""

from drf_spectacular.views import SpectacularSwaggerSplitView


class ApiDocsView(SpectacularSwaggerSplitView):
    template_name = "kpis/api/swagger_ui.html"
    url_name = "api-schema"
