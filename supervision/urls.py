from django.urls import path

from .views import certificates, mentor, organiser, sessions

app_name = "supervision"

urlpatterns = [
    # Mentors
    path("me/", mentor.mine, name="mine"),
    path("me/<int:enrolment_pk>/training/new/", mentor.training_add, name="training-add"),
    path("me/<int:enrolment_pk>/certificate/", mentor.certificate_issue, name="certificate-issue"),
    path("training/<int:pk>/evidence/", mentor.training_evidence, name="evidence"),
    path("events/<int:pk>/book/", mentor.event_book, name="event-book"),
    path("events/<int:pk>/cancel-booking/", mentor.event_cancel_booking, name="event-cancel"),
    # Supervision sessions
    path("supervising/", sessions.supervising, name="supervising"),
    path("supervising/<slug:slug>/schedule/", sessions.session_schedule, name="session-schedule"),
    path("sessions/<int:pk>/", sessions.session_detail, name="session"),
    path("sessions/<int:pk>/attendance/", sessions.session_attendance, name="session-attendance"),
    path("sessions/<int:pk>/notes/", sessions.session_notes, name="session-notes"),
    path("sessions/<int:pk>/cancel/", sessions.session_cancel, name="session-cancel"),
    path("sessions/<int:pk>/change/", sessions.session_change, name="session-change"),
    path("sessions/<int:pk>/mentors/", sessions.session_mentors, name="session-mentors"),
    path("sessions/<int:pk>/apologies/", sessions.session_apologies, name="session-apologies"),
    path("sessions/<int:pk>/calendar.ics", sessions.session_calendar, name="session-calendar"),
    # Certificates
    path("certificates/<int:pk>/", certificates.certificate, name="certificate"),
    path("verify/", certificates.verify, name="verify"),
    # Organisers
    path("schemes/<slug:slug>/", organiser.scheme_overview, name="scheme"),
    path("schemes/<slug:slug>/records/", organiser.record_list, name="records"),
    path(
        "schemes/<slug:slug>/records/<int:pk>/verify/",
        organiser.record_verify,
        name="record-verify",
    ),
    path(
        "schemes/<slug:slug>/records/<int:pk>/reject/",
        organiser.record_reject,
        name="record-reject",
    ),
    path("schemes/<slug:slug>/events/new/", organiser.event_create, name="event-create"),
    path("schemes/<slug:slug>/events/<int:pk>/", organiser.event_detail, name="event"),
    path(
        "schemes/<slug:slug>/events/<int:pk>/attendance/",
        organiser.event_attendance,
        name="event-attendance",
    ),
    path(
        "schemes/<slug:slug>/events/<int:pk>/change/",
        organiser.event_change,
        name="event-change",
    ),
    path(
        "schemes/<slug:slug>/events/<int:pk>/cancel/",
        organiser.event_cancel,
        name="event-cancel-event",
    ),
    path("schemes/<slug:slug>/assignments/", organiser.assignment_add, name="assignment-add"),
    path(
        "schemes/<slug:slug>/assignments/<int:pk>/remove/",
        organiser.assignment_remove,
        name="assignment-remove",
    ),
    path(
        "schemes/<slug:slug>/flags/<int:pk>/resolve/", organiser.flag_resolve, name="flag-resolve"
    ),
    path("schemes/<slug:slug>/recognition/", organiser.recognition, name="recognition"),
    path(
        "schemes/<slug:slug>/certificates/<int:pk>/revoke/",
        organiser.certificate_revoke,
        name="certificate-revoke",
    ),
]
