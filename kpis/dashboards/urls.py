"""Routes of the public dashboards, included in ``kpis.urls`` (namespace ``kpis``)."""

from django.urls import path

from kpis.dashboards import views

urlpatterns = [
    path("", views.overview, name="overview"),
    path("sectors/", views.sector_index, name="sectors"),
    path("sectors/<str:code>/", views.sector, name="sector"),
    path("indicators/<str:code>/", views.indicator, name="indicator"),
    path("units/<str:code>/", views.unit, name="unit"),
    path("milestones/", views.milestones, name="milestones"),
    path("completeness/", views.completeness, name="completeness"),
    path("national/", views.national, name="national"),
]
