from django.urls import include, path

from kpis import views
from kpis.api import download
from kpis.dashboards.urls import urlpatterns as dashboard_urlpatterns

app_name = "kpis"
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("exports/", include("kpis.export.urls")),
    path("open-data/", download.about, name="open-data"),
    path("open-data/values.csv", download.values_csv, name="open-data-values"),
    path("open-data/datapackage.json", download.datapackage, name="open-data-package"),
    *dashboard_urlpatterns,
]
