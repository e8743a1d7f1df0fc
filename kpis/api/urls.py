from django.urls import path

from kpis.api.views import ValuesView
from kpis.api.write_views import DataValueSetsView

app_name = "api"
urlpatterns = [
    path("values/", ValuesView.as_view(), name="values"),
    path("data-value-sets/", DataValueSetsView.as_view(), name="data-value-sets"),
]
