"""Supervision changes after it is scheduled: a supervisor invites the whole group with one box,
an organiser moves a group session and cancels a training event, and the people affected are
told once."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar

from schemes.tests.factories import MentorEnrolmentFactory
from supervision.models import SupervisionSession, TrainingBooking
from supervision.tests.factories import TrainingEventFactory, assign, session_with

from .conftest import (
    PHONE,
    assert_accessible_basics,
    assert_fits_phone_width,
    assert_no_axe_violations,
    log_in,
    screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def mentors(scheme, supervisor, mentor_enrolment):
    second = MentorEnrolmentFactory(scheme=scheme, user__first_name="Priya", user__last_name="Shah")
    third = MentorEnrolmentFactory(scheme=scheme, user__first_name="Sam", user__last_name="Okafor")
    for enrolment in (mentor_enrolment, second, third):
        assign(supervisor, enrolment)
    return [mentor_enrolment, second, third]


def test_select_all_invites_every_mentor_to_a_group_session(page, scheme, supervisor, mentors):
    log_in(page, supervisor.email)
    page.goto(f"/supervision/supervising/{scheme.slug}/schedule/")
    page.get_by_label("Group supervision").check()
    starts = (timezone.localtime() + timedelta(days=7)).replace(hour=18, minute=0)
    page.get_by_label("Starts at").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Length (minutes)").fill("60")
    page.get_by_label("Place").fill("Seminar room 3")

    page.get_by_label("Select all mentors (for a group session)").check()
    for enrolment in mentors:
        assert page.get_by_label(str(enrolment.user)).is_checked()
    page.get_by_role("button", name="Schedule and invite").click()

    page.get_by_text("3 mentors have been invited by email").wait_for()
    assert SupervisionSession.objects.get().attendances.count() == 3


def test_organiser_moves_a_group_session_and_cancels_a_training_event(
    new_page, scheme, supervisor, organiser, mentors
):
    session = session_with(
        supervisor,
        mentors[:2],
        starts_at=(timezone.localtime() + timedelta(days=5)).replace(hour=18, minute=0),
    )
    event = TrainingEventFactory(scheme=scheme, title="Coaching skills", capacity=5)
    TrainingBooking.objects.create(event=event, enrolment=mentors[2])

    page = new_page()
    log_in(page, organiser.email)
    page.goto(f"/supervision/sessions/{session.pk}/")
    page.get_by_role("link", name="Change the session or its mentors").click()
    page.get_by_role("heading", name="When and where").wait_for()
    assert_accessible_basics(page)
    assert_no_axe_violations(page)
    screenshot(page, "supervision-session-change")

    # A start in the past is refused and nobody is emailed.
    page.get_by_label("Starts at").fill("2020-01-01T10:00")
    page.get_by_role("button", name="Save and tell the mentors").click()
    page.get_by_text("Choose a date and time in the future.", exact=True).wait_for()
    assert mail.outbox == []

    moved = (timezone.localtime() + timedelta(days=6)).replace(hour=9, minute=30)
    page.get_by_label("Starts at").fill(moved.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Place").fill("Education centre, room 2")
    page.get_by_role("button", name="Save and tell the mentors").click()
    page.get_by_text("Each mentor invited has been sent an updated invitation").wait_for()
    page.get_by_text("Education centre, room 2").wait_for()
    session.refresh_from_db()
    assert session.sequence == 1 and session.place == "Education centre, room 2"
    assert sorted(m.to[0] for m in mail.outbox) == sorted(e.user.email for e in mentors[:2])
    for message in mail.outbox:
        event_ics = Calendar.from_ical(message.attachments[0][1]).walk("VEVENT")[0]
        assert event_ics["sequence"] == 1
    screenshot(page, "supervision-session-moved")

    # The training event: cancelled, the mentor booked told once, the page says so.
    page.goto(f"/supervision/schemes/{scheme.slug}/events/{event.pk}/")
    page.get_by_role("button", name="Cancel the event and tell the mentors booked").click()
    page.get_by_text("This event was cancelled").wait_for()
    assert (
        page.get_by_role("button", name="Cancel the event and tell the mentors booked").count() == 0
    )
    told = [m for m in mail.outbox if "Coaching skills" in m.subject]
    assert [m.to for m in told] == [[mentors[2].user.email]]
    assert_no_axe_violations(page)
    screenshot(page, "supervision-event-cancelled")

    phone = new_page(PHONE)
    log_in(phone, organiser.email)
    phone.goto(f"/supervision/sessions/{session.pk}/change/")
    phone.get_by_role("heading", name="Mentors invited").wait_for()
    assert_fits_phone_width(phone)
    screenshot(phone, "supervision-session-change")
    phone.goto(f"/supervision/schemes/{scheme.slug}/events/{event.pk}/")
    assert_fits_phone_width(phone)
    screenshot(phone, "supervision-event-cancelled")
