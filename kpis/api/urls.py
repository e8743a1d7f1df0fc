from django.urls import path

from kpis.api.views import ValuesView

app_name = "api"
urlpatterns = [
    path("values/", ValuesView.as_view(), name="values"),
]
