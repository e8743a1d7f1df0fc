from django.urls import path

from kpis.notifications import views

app_name = "summary_mail"
urlpatterns = [
    path("subscriptions/", views.subscription_list, name="list"),
    path("subscriptions/<int:subscription_id>/delete/", views.subscription_delete_view, name="delete"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
