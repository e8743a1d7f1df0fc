from django.urls import path

from kpis import views

app_name = "kpis"
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("", views.home, name="home"),
]
