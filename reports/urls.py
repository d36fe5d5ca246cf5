from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("regions/", views.regions, name="regions"),
    path("regions/<slug:slug>/provision/", views.provision, name="provision"),
]
