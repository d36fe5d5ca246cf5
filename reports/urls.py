from django.urls import path

from .views import dashboards, evaluation, exports, outcomes, provision, research_extract

app_name = "reports"

urlpatterns = [
    # The regional provision report (views/provision.py).
    path("regions/", provision.regions, name="regions"),
    path("regions/<slug:slug>/provision/", provision.provision, name="provision"),
    path("regions/<slug:slug>/provision.csv", provision.provision_csv, name="provision-csv"),
    path("regions/<slug:slug>/provision.xlsx", provision.provision_xlsx, name="provision-xlsx"),
    # Evaluation across schemes (views/evaluation.py).
    path("regions/<slug:slug>/evaluation/", evaluation.region_evaluation, name="evaluation"),
    path(
        "organisations/<slug:slug>/evaluation/",
        evaluation.trust_evaluation,
        name="trust-evaluation",
    ),
    # The region's research extract (views/research_extract.py).
    path(
        "regions/<slug:slug>/research-extract.csv",
        research_extract.research_extract_csv,
        name="research-extract-csv",
    ),
    path(
        "regions/<slug:slug>/research-extract.xlsx",
        research_extract.research_extract_xlsx,
        name="research-extract-xlsx",
    ),
    # The dashboards, their exports and the print-ready organisation report (views/dashboards.py).
    path("dashboards/", dashboards.dashboards, name="dashboards"),
    path("schemes/<slug:slug>/", dashboards.scheme_dashboard, name="scheme-dashboard"),
    path(
        "organisations/<slug:slug>/",
        dashboards.organisation_dashboard,
        name="organisation-dashboard",
    ),
    path(
        "schemes/<slug:slug>/dashboard.csv",
        dashboards.scheme_dashboard_csv,
        name="scheme-dashboard-csv",
    ),
    path(
        "schemes/<slug:slug>/dashboard.xlsx",
        dashboards.scheme_dashboard_xlsx,
        name="scheme-dashboard-xlsx",
    ),
    path(
        "organisations/<slug:slug>/dashboard.csv",
        dashboards.organisation_dashboard_csv,
        name="organisation-dashboard-csv",
    ),
    path(
        "organisations/<slug:slug>/dashboard.xlsx",
        dashboards.organisation_dashboard_xlsx,
        name="organisation-dashboard-xlsx",
    ),
    path(
        "organisations/<slug:slug>/print/",
        dashboards.organisation_print,
        name="organisation-print",
    ),
    # Objective outcomes (views/outcomes.py).
    path("outcomes/", outcomes.outcomes_index, name="outcomes-index"),
    path("organisations/<slug:slug>/outcomes/", outcomes.outcomes, name="outcomes"),
    path(
        "organisations/<slug:slug>/outcomes/import/",
        outcomes.outcomes_upload,
        name="outcomes-upload",
    ),
    path(
        "organisations/<slug:slug>/outcomes/import/<int:pk>/",
        outcomes.outcomes_preview,
        name="outcomes-preview",
    ),
    path(
        "organisations/<slug:slug>/outcomes/import/<int:pk>/confirm/",
        outcomes.outcomes_confirm,
        name="outcomes-confirm",
    ),
    path("organisations/<slug:slug>/outcomes.csv", outcomes.outcomes_csv, name="outcomes-csv"),
    path("organisations/<slug:slug>/outcomes.xlsx", outcomes.outcomes_xlsx, name="outcomes-xlsx"),
    # A scheme's enrolment list and the survey results' exports (views/exports.py).
    path("schemes/<slug:slug>/enrolments.csv", exports.enrolments_csv, name="enrolments-csv"),
    path("schemes/<slug:slug>/enrolments.xlsx", exports.enrolments_xlsx, name="enrolments-xlsx"),
    path(
        "schemes/<slug:slug>/survey-results.csv",
        exports.scheme_survey_results_csv,
        name="scheme-survey-results-csv",
    ),
    path(
        "schemes/<slug:slug>/survey-results.xlsx",
        exports.scheme_survey_results_xlsx,
        name="scheme-survey-results-xlsx",
    ),
    path(
        "organisations/<slug:slug>/survey-results.csv",
        exports.organisation_survey_results_csv,
        name="organisation-survey-results-csv",
    ),
    path(
        "organisations/<slug:slug>/survey-results.xlsx",
        exports.organisation_survey_results_xlsx,
        name="organisation-survey-results-xlsx",
    ),
]
