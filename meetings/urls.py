from django.urls import path

from . import views, views_messages

app_name = "meetings"

urlpatterns = [
    # The pair's members
    path("", views.my_pairs, name="my-pairs"),
    path("<int:pk>/", views.pair_detail, name="pair-detail"),
    path("<int:pk>/agreement/", views.agreement_edit, name="agreement"),
    path("<int:pk>/agreement/confirm/", views.agreement_confirm, name="agreement-confirm"),
    path("<int:pk>/goals/new/", views.goal_add, name="goal-add"),
    path("<int:pk>/goals/<int:goal_pk>/", views.goal_edit, name="goal-edit"),
    path("<int:pk>/meetings/new/", views.meeting_log, name="meeting-log"),
    path("<int:pk>/meetings/<int:meeting_pk>/", views.meeting_detail, name="meeting-detail"),
    path(
        "<int:pk>/meetings/<int:meeting_pk>/confirm/",
        views.meeting_confirm,
        name="meeting-confirm",
    ),
    path(
        "<int:pk>/meetings/<int:meeting_pk>/my-note/",
        views.private_note_save,
        name="private-note",
    ),
    path("<int:pk>/plan/", views.plan_meeting, name="plan"),
    path("<int:pk>/plan/<int:planned_pk>/", views.planned_meeting_edit, name="planned-edit"),
    path(
        "<int:pk>/plan/<int:planned_pk>/cancel/",
        views.planned_meeting_cancel,
        name="planned-cancel",
    ),
    path(
        "<int:pk>/plan/<int:planned_pk>/invitation.ics",
        views.planned_meeting_download,
        name="planned-ics",
    ),
    path("<int:pk>/pause/", views.pair_pause, name="pair-pause"),
    path("<int:pk>/resume/", views.pair_resume, name="pair-resume"),
    path("<int:pk>/end/", views.pair_end, name="pair-end"),
    path("<int:pk>/new-mentor/", views.mentee_next_step, name="mentee-next-step"),
    # Organisers (and the members, to see what organisers see)
    path("<int:pk>/overview/", views.pair_overview_page, name="pair-overview"),
    path("scheme/<slug:slug>/", views.organiser_pair_list, name="organiser-pairs"),
    # Organisers' messages to a group of their scheme
    path(
        "scheme/<slug:slug>/messages/", views_messages.scheme_message_list, name="scheme-messages"
    ),
    path(
        "scheme/<slug:slug>/messages/new/",
        views_messages.scheme_message_new,
        name="scheme-message-new",
    ),
    path(
        "scheme/<slug:slug>/messages/send/",
        views_messages.scheme_message_send,
        name="scheme-message-send",
    ),
]
