from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from schemes.tests.factories import MentorEnrolmentFactory
from supervision.models import SupervisorAssignment
from supervision.selectors import (
    flagged_mentors,
    scheme_supervision_summary,
    supervision_activity,
    training_coverage,
)
from supervision.services import supervision_attendance_record

from .factories import assign, session_with, verified_training

pytestmark = pytest.mark.django_db


def recorded(supervisor, enrolments, statuses, *, days_ago):
    session = session_with(
        supervisor, enrolments, starts_at=timezone.now() - timedelta(days=days_ago)
    )
    supervision_attendance_record(
        session=session, statuses=dict(zip([e.pk for e in enrolments], statuses, strict=True))
    )
    return session


# --- Coverage selectors (the reports issue reads these) ---------------------------------------


def test_training_coverage_counts_each_active_mentor_once_by_their_most_formal_training(scheme):
    external, internal, informal, none = (MentorEnrolmentFactory(scheme=scheme) for _ in range(4))
    verified_training(external, kind="formal_external")
    verified_training(external, kind="informal")
    verified_training(internal, kind="formal_internal")
    verified_training(informal, kind="informal")
    MentorEnrolmentFactory(scheme=scheme, status="paused")  # not active: not counted

    coverage = training_coverage(scheme)

    assert coverage["active_mentors"] == 4
    by_kind = {row["kind"]: (row["count"], row["share"]) for row in coverage["by_kind"]}
    assert by_kind == {
        "formal_external": (1, 0.25),
        "formal_internal": (1, 0.25),
        "informal": (1, 0.25),
        "none": (1, 0.25),
    }
    # The scheme asks for formal internal: external and internal meet it.
    assert coverage["meets_requirement"] == 2 and coverage["meets_requirement_share"] == 0.5


def test_coverage_of_a_scheme_without_mentors_has_no_shares(scheme):
    coverage = training_coverage(scheme)
    assert coverage["active_mentors"] == 0 and coverage["meets_requirement_share"] is None


def test_supervision_held_and_attendance_over_3_and_12_months(scheme, supervisor):
    a, b = (MentorEnrolmentFactory(scheme=scheme) for _ in range(2))
    recorded(supervisor, [a, b], ["attended", "attended"], days_ago=20)
    recorded(supervisor, [a, b], ["attended", "absent"], days_ago=60)
    recorded(supervisor, [a, b], ["apologies", "absent"], days_ago=200)
    recorded(supervisor, [a, b], ["attended", "attended"], days_ago=500)  # too old
    session_with(supervisor, [a], starts_at=timezone.now() - timedelta(days=5))  # not recorded

    now = timezone.now()
    three = supervision_activity(scheme, months=3, now=now)
    twelve = supervision_activity(scheme, months=12, now=now)

    assert (three["sessions_held"], three["attended"], three["absent"]) == (2, 3, 1)
    assert three["attendance_rate"] == 0.75
    assert (twelve["sessions_held"], twelve["apologies"]) == (3, 1)
    assert twelve["attendance_rate"] == 3 / 6
    assert scheme_supervision_summary(scheme, now=now)["supervision_12_months"] == twelve


def test_flagged_mentors_lists_open_flags(scheme, supervisor, mentor_enrolment):
    recorded(supervisor, [mentor_enrolment], ["absent"], days_ago=30)
    recorded(supervisor, [mentor_enrolment], ["absent"], days_ago=10)
    assert [flag.mentor_enrolment for flag in flagged_mentors(scheme)] == [mentor_enrolment]
    assert scheme_supervision_summary(scheme)["flagged_count"] == 1


# --- The organiser page -----------------------------------------------------------------------


def test_organiser_page_shows_coverage_flags_and_never_a_supervisors_notes(
    client, organiser, scheme, supervisor, mentor_enrolment
):
    verified_training(mentor_enrolment)
    recorded(supervisor, [mentor_enrolment], ["absent"], days_ago=30)
    last = recorded(supervisor, [mentor_enrolment], ["absent"], days_ago=10)
    last.supervisor_notes = "Private reflection"
    last.save()
    client.force_login(organiser)

    response = client.get(reverse("supervision:scheme", args=[scheme.slug]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Coverage" in page and "Last 12 months" in page
    assert "Mentors missing supervision" in page and str(mentor_enrolment.user) in page
    assert "Private reflection" not in page


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("organiser", 200),
        ("mentor", 403),
        ("supervisor", 403),
        ("dme", 403),
        ("regional_lead", 403),
        ("other_organiser", 404),
        ("anonymous", 302),
    ],
)
def test_the_organiser_page_is_for_organisers(as_role, scheme, role, expected):
    response = as_role(role).get(reverse("supervision:scheme", args=[scheme.slug]))
    assert response.status_code == expected


def test_the_organiser_nav_links_to_training_and_supervision(client, organiser, scheme):
    client.force_login(organiser)
    page = client.get(reverse("schemes:enrolments", args=[scheme.slug])).content.decode()
    assert reverse("supervision:scheme", args=[scheme.slug]) in page


def test_organiser_assigns_a_mentor_to_a_supervisor(
    client, organiser, scheme, supervisor, mentor_enrolment
):
    client.force_login(organiser)
    client.post(
        reverse("supervision:assignment-add", args=[scheme.slug]),
        {"supervisor": supervisor.pk, "mentor_enrolment": mentor_enrolment.pk},
    )
    assignment = SupervisorAssignment.objects.get()
    assert (assignment.supervisor, assignment.mentor_enrolment) == (supervisor, mentor_enrolment)

    client.post(reverse("supervision:assignment-remove", args=[scheme.slug, assignment.pk]))
    assert not SupervisorAssignment.objects.exists()


def test_only_a_supervisor_of_the_scheme_can_be_assigned(
    client, organiser, scheme, mentee, mentor_enrolment
):
    client.force_login(organiser)
    response = client.post(
        reverse("supervision:assignment-add", args=[scheme.slug]),
        {"supervisor": mentee.pk, "mentor_enrolment": mentor_enrolment.pk},
        follow=True,
    )
    assert "Select a valid choice" in response.content.decode()
    assert not SupervisorAssignment.objects.exists()


# --- The mentor's own page --------------------------------------------------------------------


def test_mentors_page_shows_training_attendance_and_mentees_without_their_logs(
    client, mentor, mentor_enrolment, supervisor, pair
):
    recorded(supervisor, [mentor_enrolment], ["attended"], days_ago=10)
    client.force_login(mentor)

    page = client.get(reverse("supervision:mine")).content.decode()

    assert pair.mentee.get_full_name() in page
    assert "Active since" in page
    assert "Attended" in page
    assert "Certificate of mentoring activity" in page


def test_mentors_page_never_shows_meeting_content(client, mentor, pair):
    meetings = pytest.importorskip("meetings.models")
    meetings.Meeting.objects.create(
        pair=pair,
        held_on=timezone.localdate(),
        duration_minutes=30,
        mode="video",
        summary="We talked about my ARCP worries",
        logged_by=pair.mentee,
    )
    client.force_login(mentor)
    page = client.get(reverse("supervision:mine")).content.decode()
    assert "ARCP worries" not in page


def test_someone_who_mentors_nowhere_is_pointed_to_the_schemes(client, mentee):
    client.force_login(mentee)
    page = client.get(reverse("supervision:mine")).content.decode()
    assert "not a mentor in any scheme" in page


def test_the_supervisor_page_lists_their_mentors_and_sessions(client, supervisor, mentor_enrolment):
    assign(supervisor, mentor_enrolment)
    session_with(supervisor, [mentor_enrolment])
    client.force_login(supervisor)
    response = client.get(reverse("supervision:supervising"))
    page = response.content.decode()
    assert str(mentor_enrolment.user) in page
    assert "Attendance to record" in page


def test_navigation_shows_each_person_their_entries(client, mentor, supervisor, mentee):
    client.force_login(mentor)
    assert "Training &amp; supervision" in client.get("/").content.decode()
    client.force_login(supervisor)
    assert ">Supervising<" in client.get("/").content.decode()
    client.force_login(mentee)
    page = client.get("/").content.decode()
    assert "Training &amp; supervision" not in page and ">Supervising<" not in page
