"""A supervisor schedules group supervision with their mentors and records who came."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Notification
from schemes.tests.factories import MentorEnrolmentFactory
from supervision.models import MentorFlag, SupervisionSession
from supervision.tests.factories import assign, session_with

from .conftest import (
    PHONE,
    assert_accessible_basics,
    assert_fits_phone_width,
    assert_no_axe_violations,
    log_in,
    screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_supervisor_schedules_a_group_session_and_records_attendance(
    new_page, live_server, scheme, supervisor, mentor, mentor_enrolment, organiser
):
    second = MentorEnrolmentFactory(scheme=scheme, user__first_name="Priya", user__last_name="Shah")
    third = MentorEnrolmentFactory(scheme=scheme, user__first_name="Sam", user__last_name="Okafor")
    for enrolment in (mentor_enrolment, second, third):
        assign(supervisor, enrolment)
    # Sam already missed the previous session.
    earlier = session_with(supervisor, [third], starts_at=timezone.now() - timedelta(days=30))
    earlier.attendances.update(status="absent", recorded_at=timezone.now())
    SupervisionSession.objects.filter(pk=earlier.pk).update(attendance_recorded_at=timezone.now())

    page = new_page()
    log_in(page, supervisor.email)
    page.get_by_role("link", name="Supervising").click()
    page.get_by_role("heading", name="Supervising").wait_for()
    screenshot(page, "supervision-supervising")
    page.get_by_role("link", name=f"Schedule a session in {scheme.name}").click()

    page.get_by_label("Group supervision").check()
    starts = (timezone.localtime() + timedelta(days=7)).replace(hour=18, minute=0)
    page.get_by_label("Starts at").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Length (minutes)").fill("90")
    page.get_by_label("Place").fill("Maudsley Hospital, Seminar room 3")
    page.get_by_label("Agenda (optional, shared with the mentors)").fill("Boundaries")
    # Only one mentor ticked for a group: the form says what to do and nothing is sent.
    page.get_by_label(str(mentor)).check()
    page.get_by_role("button", name="Schedule and invite").click()
    error = page.get_by_text("Choose at least two mentors for group supervision")
    error.first.wait_for()
    assert error.count() == 2  # in the summary at the top, and beside the field
    assert not SupervisionSession.objects.filter(kind="group").exists()
    assert_accessible_basics(page)
    screenshot(page, "supervision-schedule-error")

    page.get_by_label("Priya Shah").check()
    page.get_by_label("Sam Okafor").check()
    page.get_by_role("button", name="Schedule and invite").click()
    page.get_by_text("3 mentors have been invited by email").wait_for()
    session = SupervisionSession.objects.get(kind="group")
    assert session.attendances.count() == 3
    assert Notification.objects.filter(kind="supervision_invitation").count() == 3
    assert len([m for m in mail.outbox if m.attachments]) == 3
    assert_accessible_basics(page)
    screenshot(page, "supervision-session-upcoming")

    # Mentor sends apologies from their own session page.
    mentor_page = new_page(PHONE)
    log_in(mentor_page, second.user.email)
    mentor_page.goto(f"/supervision/sessions/{session.pk}/")
    assert mentor_page.get_by_role("link", name="Add to your calendar (.ics)").is_visible()
    mentor_page.get_by_role("button", name="Send apologies").click()
    mentor_page.get_by_text("Your apologies are sent").wait_for()
    assert_fits_phone_width(mentor_page)
    screenshot(mentor_page, "supervision-session-mentor")

    # The evening comes and goes.
    SupervisionSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - timedelta(hours=2)
    )
    page.reload()
    page.get_by_role("heading", name="Attendance").wait_for()
    page.locator(f"input[name=mentor_{mentor_enrolment.pk}][value=attended]").check()
    page.locator(f"input[name=mentor_{third.pk}][value=absent]").check()
    # Priya's apologies are already chosen for her.
    assert page.locator(f"input[name=mentor_{second.pk}][value=apologies]").is_checked()
    page.get_by_label("Your notes").fill("Sam quiet again; check in.")
    screenshot(page, "supervision-session-attendance")
    page.get_by_role("button", name="Save attendance and notes").click()
    page.get_by_text("Attendance is saved.").wait_for()

    statuses = dict(session.attendances.values_list("mentor_enrolment_id", "status"))
    assert statuses == {
        mentor_enrolment.pk: "attended",
        second.pk: "apologies",
        third.pk: "absent",
    }
    # Sam has now missed two in a row: flagged, and the organiser sees it.
    assert MentorFlag.objects.get().mentor_enrolment == third

    session.refresh_from_db()
    assert session.supervisor_notes == "Sam quiet again; check in."

    organiser_page = new_page()
    log_in(organiser_page, organiser.email)
    organiser_page.goto(f"/supervision/sessions/{session.pk}/")
    assert organiser_page.get_by_text("Sam Okafor").is_visible()
    assert organiser_page.get_by_text("Sam quiet again").count() == 0
    organiser_page.goto(f"/supervision/schemes/{scheme.slug}/")
    assert organiser_page.get_by_text("Sam Okafor — flagged").is_visible()


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_supervision_pages_fit_a_phone(
    new_page, live_server, scheme, supervisor, mentor_enrolment, viewport
):
    assign(supervisor, mentor_enrolment)
    past = session_with(supervisor, [mentor_enrolment], supervisor_notes="Notes")
    page = new_page(viewport) if viewport else new_page()
    log_in(page, supervisor.email)
    for name, path in [
        ("supervision-supervising-list", "/supervision/supervising/"),
        ("supervision-schedule", f"/supervision/supervising/{scheme.slug}/schedule/"),
        ("supervision-session-past", f"/supervision/sessions/{past.pk}/"),
    ]:
        page.goto(path)
        screenshot(page, name)
        assert_accessible_basics(page)
        assert_fits_phone_width(page)
        assert_no_axe_violations(page)
