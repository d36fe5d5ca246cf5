from django.urls import path

from .views import cohort, organiser, outreach, trainee, trainees

app_name = "schemes"

urlpatterns = [
    # Trainees
    path("", trainee.scheme_list, name="list"),
    path("<slug:slug>/", trainee.scheme_detail, name="detail"),
    path("<slug:slug>/join/mentee/", trainee.join_as_mentee, name="join-mentee"),
    path("<slug:slug>/join/mentor/", trainee.join_as_mentor, name="join-mentor"),
    path("enrolments/<int:pk>/withdraw/", trainee.enrolment_withdraw, name="withdraw"),
    path("opt-out/<str:token>/", cohort.opt_out, name="opt-out"),
    # Organisers, DMEs, regional leads
    path("organisations/<slug:slug>/trainees/", trainees.trainee_list, name="trainee-list"),
    path(
        "organisations/<slug:slug>/trainees/import/",
        trainees.trainee_list_upload,
        name="trainee-list-upload",
    ),
    path(
        "organisations/<slug:slug>/trainees/import/<int:pk>/",
        trainees.trainee_list_import_preview,
        name="trainee-list-preview",
    ),
    path(
        "organisations/<slug:slug>/trainees/import/<int:pk>/confirm/",
        trainees.trainee_list_import_confirm,
        name="trainee-list-confirm",
    ),
    path("manage/all/", organiser.manage, name="manage"),
    path("manage/new/", organiser.scheme_create, name="create"),
    path(
        "organisations/<slug:slug>/scheme-interest/",
        organiser.organisation_scheme_interest,
        name="scheme-interest",
    ),
    path("<slug:slug>/settings/", organiser.scheme_edit, name="edit"),
    path(
        "<slug:slug>/settings/rotations/",
        organiser.intake_windows_from_rotations,
        name="rotation-windows",
    ),
    path("<slug:slug>/handover/", organiser.scheme_handover, name="handover"),
    path("<slug:slug>/organisers/appoint/", organiser.organiser_appoint, name="organiser-appoint"),
    path("<slug:slug>/people/", organiser.scheme_people, name="people"),
    path("<slug:slug>/enrolments/", organiser.enrolment_list, name="enrolments"),
    path("<slug:slug>/enrolments/add/", organiser.enrolment_add, name="enrolment-add"),
    path(
        "<slug:slug>/enrolments/<int:pk>/<str:action>/",
        organiser.enrolment_change_status,
        name="enrolment-status",
    ),
    path("<slug:slug>/referrals/new/", organiser.referral_create, name="referral-create"),
    path("referrals/<int:pk>/", organiser.referral_detail, name="referral-detail"),
    path("<slug:slug>/cohort/", cohort.cohort_upload, name="cohort-upload"),
    path(
        "<slug:slug>/cohort/from-trainee-list/",
        outreach.cohort_from_trainee_list,
        name="cohort-from-list",
    ),
    path("<slug:slug>/cohort/<int:pk>/", cohort.cohort_preview, name="cohort-preview"),
    path("<slug:slug>/invite/", outreach.scheme_invite, name="invite"),
    path("<slug:slug>/cohort/<int:pk>/confirm/", cohort.cohort_confirm, name="cohort-confirm"),
]
