from django.urls import path

from . import views

app_name = "surveys"

urlpatterns = [
    # Anyone holding the emailed link; no login
    path("answer/<str:token>/", views.answer, name="answer"),
    # Organisers, DMEs and regional leads (the results' CSV and XLSX exports are in reports)
    path("results/", views.results_index, name="results-index"),
    path("schemes/<slug:slug>/", views.scheme_surveys, name="scheme"),
    path("schemes/<slug:slug>/schedule/add/", views.schedule_entry_add, name="schedule-add"),
    path(
        "schemes/<slug:slug>/schedule/<int:pk>/",
        views.schedule_entry_update,
        name="schedule-update",
    ),
    path("schemes/<slug:slug>/templates/<int:pk>/", views.template_detail, name="template-detail"),
    path(
        "schemes/<slug:slug>/templates/<int:pk>/adapt/",
        views.template_adapt,
        name="template-adapt",
    ),
    path("schemes/<slug:slug>/results/", views.scheme_results, name="scheme-results"),
    path(
        "organisations/<slug:slug>/results/",
        views.organisation_results,
        name="organisation-results",
    ),
]
