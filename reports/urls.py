from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("regions/", views.regions, name="regions"),
    path("regions/<slug:slug>/provision/", views.provision, name="provision"),
]

urlpatterns += [
    path("schemes/<slug:slug>/", views.scheme_dashboard, name="scheme-dashboard"),
    path("organisations/<slug:slug>/", views.organisation_dashboard, name="organisation-dashboard"),
]

urlpatterns += [path("dashboards/", views.dashboards, name="dashboards")]

# Objective outcomes and the exports (reports/views_exports.py).
from . import views_exports  # noqa: E402

urlpatterns += [
    path("outcomes/", views_exports.outcomes_index, name="outcomes-index"),
    path("organisations/<slug:slug>/outcomes/", views_exports.outcomes, name="outcomes"),
    path(
        "organisations/<slug:slug>/outcomes/import/",
        views_exports.outcomes_upload,
        name="outcomes-upload",
    ),
    path(
        "organisations/<slug:slug>/outcomes/import/<int:pk>/",
        views_exports.outcomes_preview,
        name="outcomes-preview",
    ),
    path(
        "organisations/<slug:slug>/outcomes/import/<int:pk>/confirm/",
        views_exports.outcomes_confirm,
        name="outcomes-confirm",
    ),
    path("organisations/<slug:slug>/outcomes.csv", views_exports.outcomes_csv, name="outcomes-csv"),
    path(
        "organisations/<slug:slug>/outcomes.xlsx",
        views_exports.outcomes_xlsx,
        name="outcomes-xlsx",
    ),
    path("regions/<slug:slug>/provision.csv", views_exports.provision_csv, name="provision-csv"),
    path("regions/<slug:slug>/provision.xlsx", views_exports.provision_xlsx, name="provision-xlsx"),
    path("schemes/<slug:slug>/enrolments.csv", views_exports.enrolments_csv, name="enrolments-csv"),
    path(
        "schemes/<slug:slug>/enrolments.xlsx",
        views_exports.enrolments_xlsx,
        name="enrolments-xlsx",
    ),
]

urlpatterns += [
    path(
        "organisations/<slug:slug>/print/",
        views_exports.organisation_print,
        name="organisation-print",
    ),
]

# The dashboards' exports (reports/dashboard_exports.py): the page's filters in the query string.
from . import dashboard_exports  # noqa: E402

urlpatterns += [
    path(
        "schemes/<slug:slug>/dashboard.csv",
        dashboard_exports.scheme_dashboard_csv,
        name="scheme-dashboard-csv",
    ),
    path(
        "schemes/<slug:slug>/dashboard.xlsx",
        dashboard_exports.scheme_dashboard_xlsx,
        name="scheme-dashboard-xlsx",
    ),
    path(
        "organisations/<slug:slug>/dashboard.csv",
        dashboard_exports.organisation_dashboard_csv,
        name="organisation-dashboard-csv",
    ),
    path(
        "organisations/<slug:slug>/dashboard.xlsx",
        dashboard_exports.organisation_dashboard_xlsx,
        name="organisation-dashboard-xlsx",
    ),
]

# The survey results' exports (reports/survey_exports.py): the results pages' access, in files.
from . import survey_exports  # noqa: E402

urlpatterns += [
    path(
        "schemes/<slug:slug>/survey-results.csv",
        survey_exports.scheme_survey_results_csv,
        name="scheme-survey-results-csv",
    ),
    path(
        "schemes/<slug:slug>/survey-results.xlsx",
        survey_exports.scheme_survey_results_xlsx,
        name="scheme-survey-results-xlsx",
    ),
    path(
        "organisations/<slug:slug>/survey-results.csv",
        survey_exports.organisation_survey_results_csv,
        name="organisation-survey-results-csv",
    ),
    path(
        "organisations/<slug:slug>/survey-results.xlsx",
        survey_exports.organisation_survey_results_xlsx,
        name="organisation-survey-results-xlsx",
    ),
]
