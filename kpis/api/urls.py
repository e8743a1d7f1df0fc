from django.urls import path

from kpis.api.views import IndicatorsView, MilestonesView, OrgUnitsView, SectorsView, TargetsView, ValuesView
from kpis.api.write_views import DataValueSetsView

app_name = "api"
urlpatterns = [
    path("values/", ValuesView.as_view(), name="values"),
    path("org-units/", OrgUnitsView.as_view(), name="org-units"),
    path("sectors/", SectorsView.as_view(), name="sectors"),
    path("indicators/", IndicatorsView.as_view(), name="indicators"),
    path("targets/", TargetsView.as_view(), name="targets"),
    path("milestones/", MilestonesView.as_view(), name="milestones"),
    path("data-value-sets/", DataValueSetsView.as_view(), name="data-value-sets"),
]
