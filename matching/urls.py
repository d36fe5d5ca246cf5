from django.urls import path

from . import views

app_name = "matching"

urlpatterns = [
    # Organisers
    path("schemes/<slug:slug>/", views.scheme_matching, name="scheme"),
    path("schemes/<slug:slug>/settings/", views.matching_settings, name="settings"),
    path(
        "schemes/<slug:slug>/mentees/<int:mentee_id>/pair/",
        views.pair_by_hand,
        name="pair-by-hand",
    ),
    path(
        "schemes/<slug:slug>/mentees/<int:mentee_id>/pair/<int:mentor_id>/",
        views.pair_by_hand_confirm,
        name="pair-by-hand-confirm",
    ),
    path("schemes/<slug:slug>/rounds/start/", views.round_start, name="round-start"),
    path("schemes/<slug:slug>/rounds/<int:pk>/", views.round_detail, name="round-detail"),
    path(
        "schemes/<slug:slug>/rounds/<int:pk>/progress/",
        views.round_progress,
        name="round-progress",
    ),
    path(
        "schemes/<slug:slug>/rounds/<int:pk>/mentees/<int:mentee_id>/<str:action>/",
        views.round_change,
        name="round-change",
    ),
    path(
        "schemes/<slug:slug>/rounds/<int:pk>/forbidden/<int:mentee_id>/<int:mentor_id>/allow/",
        views.round_allow,
        name="round-allow",
    ),
    path("schemes/<slug:slug>/rounds/<int:pk>/swap/", views.round_swap, name="round-swap"),
    path("schemes/<slug:slug>/rounds/<int:pk>/approve/", views.round_approve, name="round-approve"),
    path("schemes/<slug:slug>/rounds/<int:pk>/discard/", views.round_discard, name="round-discard"),
    # Mentees and mentors
    path("enrolments/<int:pk>/suggestions/", views.suggestions, name="suggestions"),
    path(
        "enrolments/<int:pk>/requests/withdraw/",
        views.choices_withdraw,
        name="choices-withdraw",
    ),
    path("enrolments/<int:pk>/availability/", views.availability, name="availability"),
    path("requests/<int:pk>/<str:answer>/", views.request_answer, name="request-answer"),
]
