"""Included by kpis/urls.py under "exports/" (names in the "kpis" namespace)."""

from django.urls import path

from kpis.export import views

urlpatterns = [
    path("", views.export_form, name="export-form"),
    path("sectors/", views.export_sectors, name="export-sectors"),
    path("<int:pk>/", views.export_job, name="export-job"),
    path("<int:pk>/retry/", views.export_retry, name="export-retry"),
    path("<int:pk>/status/", views.export_status, name="export-status"),
    path("<int:pk>/download/", views.export_download, name="export-download"),
]
