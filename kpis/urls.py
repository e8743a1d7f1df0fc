from django.urls import include, path

from kpis import views
from kpis.dashboards.urls import urlpatterns as dashboard_urlpatterns

app_name = "kpis"
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("exports/", include("kpis.export.urls")),
    *dashboard_urlpatterns,
]
