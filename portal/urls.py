from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from kpis.api.docs import ApiDocsView

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    # Before the admin's own URLs: its catch-all would answer these paths first.
    path("admin/second-factor/", include("kpis.second_factor.urls")),
    path("admin/api-tokens/", include("kpis.api_tokens.urls")),
    path("mail/", include("kpis.notifications.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("kpis.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", ApiDocsView.as_view(), name="api-docs"),
    path("", include("kpis.urls")),
]
