"""A pair's space in the browser: the mentee logs a meeting with a private note and plans the next
one; the mentor confirms the meeting and cannot see the note; the organiser sees the meeting's
date but none of its content."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone

from matching.models import Pair
from meetings.models import Meeting, PlannedMeeting, PrivateNote

from .conftest import (
    PHONE,
    assert_accessible_basics,
    assert_fits_phone_width,
    assert_no_axe_violations,
    log_in,
    screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUMMARY = "We made a revision timetable for the written paper."
PRIVATE_NOTE = "I did not say how anxious the night shifts make me."


@pytest.fixture
def introduced_pair(pair):
    Pair.objects.filter(pk=pair.pk).update(
        status=Pair.Status.INTRODUCED,
        created_at=timezone.now() - timedelta(days=30),
        status_changed_at=timezone.now() - timedelta(days=30),
    )
    pair.refresh_from_db()
    return pair


def log_out(page):
    page.get_by_role("button", name="Log out").click()


def test_a_pair_logs_and_confirms_a_meeting_and_the_organiser_sees_only_its_date(
    new_page, live_server, introduced_pair, mentee, mentor, organiser
):
    pair = introduced_pair
    page = new_page()

    # The mentee finds the pair from My mentoring.
    log_in(page, mentee.email)
    page.get_by_role("link", name=mentor.get_full_name()).first.click()
    page.get_by_role("heading", name=f"Your mentoring with {mentor.get_full_name()}").wait_for()
    assert page.get_by_role("heading", name="Need help?").is_visible()
    assert_accessible_basics(page)
    assert_no_axe_violations(page)
    screenshot(page, "meetings-pair-new")

    # Log a meeting: a date in the future is refused, with what to do, and nothing is saved.
    page.get_by_role("link", name="Log a meeting").click()
    page.get_by_role("heading", name="Log a meeting").wait_for()
    tomorrow = timezone.localdate() + timedelta(days=1)
    page.get_by_label("Date of the meeting").fill(tomorrow.isoformat())
    page.get_by_label("How long").select_option("45")
    page.get_by_label("Video call").check()
    page.get_by_label("Exams").check()
    page.get_by_label("Wellbeing").check()
    page.get_by_label("Shared summary (you both see this)").fill(SUMMARY)
    page.get_by_label("Private note (only you see this)").fill(PRIVATE_NOTE)
    page.get_by_role("button", name="Log the meeting").click()
    error = page.get_by_text("Log a meeting once it has happened")
    error.first.wait_for()
    assert error.count() == 2  # in the summary at the top, and beside the field
    assert not Meeting.objects.exists()
    assert_accessible_basics(page)
    screenshot(page, "meetings-log-error")

    yesterday = timezone.localdate() - timedelta(days=1)
    page.get_by_label("Date of the meeting").fill(yesterday.isoformat())
    page.get_by_role("button", name="Log the meeting").click()
    page.get_by_text("is logged.").wait_for()
    meeting = Meeting.objects.get()
    assert meeting.summary == SUMMARY and meeting.topics == ["exams", "wellbeing"]
    assert PrivateNote.objects.get().author == mentee
    pair.refresh_from_db()
    assert pair.status == Pair.Status.ACTIVE

    # Plan the next meeting: both get an invitation with an .ics file.
    page.get_by_role("link", name="Plan the next meeting").click()
    page.get_by_role("heading", name="Plan the next meeting").wait_for()
    next_day = timezone.localdate() + timedelta(days=21)
    page.get_by_label("Date").fill(next_day.isoformat())
    page.get_by_label("Start time (UK time)").fill("18:30")
    page.get_by_label("In person").check()
    page.get_by_label("Place or link").fill("Library café, Maudsley Hospital")
    assert_accessible_basics(page)
    screenshot(page, "meetings-plan")
    page.get_by_role("button", name="Plan the meeting and send invitations").click()
    page.get_by_text("Your meeting is planned.").wait_for()
    planned = PlannedMeeting.objects.get()
    assert timezone.localtime(planned.starts_at).strftime("%H:%M") == "18:30"
    invitations = [m for m in mail.outbox if m.attachments]
    assert sorted(m.to[0] for m in invitations) == sorted([mentee.email, mentor.email])

    with page.expect_download() as download:
        page.get_by_role("link", name="Add to my calendar (.ics)").click()
    ics = Path(download.value.path()).read_text()
    assert "METHOD:REQUEST" in ics and planned.uid in ics
    assert_no_axe_violations(page)
    screenshot(page, "meetings-pair-active")
    log_out(page)

    # The mentor confirms the meeting with one click and cannot read the mentee's note.
    log_in(page, mentor.email)
    page.goto(f"/pairs/{pair.pk}/")
    page.get_by_text("Waiting for you to confirm.").wait_for()
    assert page.get_by_text(SUMMARY).is_visible()
    assert PRIVATE_NOTE not in page.content()
    page.get_by_role("button", name="Confirm this meeting").click()
    page.get_by_text("you confirmed the meeting").wait_for()
    meeting.refresh_from_db()
    assert meeting.confirmed_by_other_at is not None

    page.get_by_role("link", name=yesterday.strftime("%A %-d %B %Y")).click()
    page.get_by_role("heading", name="Your private note").wait_for()
    assert PRIVATE_NOTE not in page.content()
    assert page.get_by_label("Your private note (only you see this)").input_value() == ""
    assert_accessible_basics(page)
    assert_no_axe_violations(page)
    screenshot(page, "meetings-meeting-detail-mentor")
    log_out(page)

    # The organiser sees the pair's metadata: the date, never the content.
    log_in(page, organiser.email)
    page.goto(f"/schemes/{pair.scheme.slug}/enrolments/")
    page.get_by_role("link", name="Pairs", exact=True).click()
    page.get_by_role("heading", name=f"{pair.scheme.name}: pairs").wait_for()
    assert page.get_by_role("cell", name=yesterday.strftime("%-d %b %Y")).is_visible()
    assert_accessible_basics(page)
    assert_no_axe_violations(page)
    screenshot(page, "meetings-organiser-pairs")
    page.get_by_role("link", name="Overview").first.click()
    page.get_by_text("Dates of meetings logged").wait_for()
    assert page.get_by_text(yesterday.strftime("%-d %b %Y")).is_visible()
    content = page.content()
    for secret in (SUMMARY, PRIVATE_NOTE, "Exams", "Library café"):
        assert secret not in content
    assert_no_axe_violations(page)
    screenshot(page, "meetings-pair-overview")
    response = page.goto(f"/pairs/{pair.pk}/")
    assert response.status == 403


def test_the_pair_pages_fit_a_phone(new_page, live_server, pair, mentee):
    Meeting.objects.create(
        pair=pair,
        held_on=timezone.localdate(),
        duration_minutes=60,
        mode="video",
        topics=["career"],
        summary=SUMMARY,
        logged_by=pair.mentor,
    )
    PlannedMeeting.objects.create(
        pair=pair,
        starts_at=timezone.now() + timedelta(days=10),
        mode="video",
        place="https://meet.example.org/a-very-long-video-call-link-that-could-overflow-a-phone",
        planned_by=mentee,
    )
    page = new_page(PHONE)
    log_in(page, mentee.email)
    for path, name in (
        (f"/pairs/{pair.pk}/", "meetings-pair-active"),
        (f"/pairs/{pair.pk}/meetings/new/", "meetings-log"),
        (f"/pairs/{pair.pk}/plan/", "meetings-plan"),
        (f"/pairs/{pair.pk}/end/", "meetings-end"),
        (f"/pairs/{pair.pk}/overview/", "meetings-pair-overview"),
    ):
        page.goto(path)
        assert_fits_phone_width(page)
        assert_accessible_basics(page)
        screenshot(page, name)


def test_the_organiser_list_fits_a_phone(new_page, live_server, pair, organiser):
    page = new_page(PHONE)
    log_in(page, organiser.email)
    page.goto(f"/pairs/scheme/{pair.scheme.slug}/")
    assert_fits_phone_width(page)
    screenshot(page, "meetings-organiser-pairs")


def test_a_member_ends_the_pair_without_blame(new_page, live_server, pair, mentee, mentor):
    page = new_page()
    log_in(page, mentee.email)
    page.goto(f"/pairs/{pair.pk}/")
    page.get_by_role("link", name="End the pair").click()
    page.get_by_role("heading", name="End your pair").wait_for()
    assert_accessible_basics(page)
    screenshot(page, "meetings-end-form")
    page.get_by_label("Not enough time").check()
    page.get_by_label("Yes: find me a new mentor").check()
    page.get_by_role("button", name="End the pair").click()
    page.get_by_text("Your pair has ended.").wait_for()
    page.get_by_text("You are first in line for a new mentor.").first.wait_for()
    pair.refresh_from_db()
    assert pair.status == Pair.Status.ENDED and pair.end_reason == "no_time"
    assert any(m.to == [mentor.email] and "has ended" in m.subject for m in mail.outbox)
    assert_no_axe_violations(page)
    screenshot(page, "meetings-pair-ended")


def test_a_member_turns_off_reminders_in_email_settings(new_page, live_server, mentee):
    page = new_page(PHONE)
    log_in(page, mentee.email)
    page.goto("/accounts/profile/")
    page.get_by_role("link", name="Choose which emails you get").click()
    page.get_by_role("heading", name="Email settings").wait_for()
    assert_accessible_basics(page)
    assert_fits_phone_width(page)
    assert_no_axe_violations(page)
    page.get_by_label("A reminder the day before a planned meeting").uncheck()
    page.get_by_role("button", name="Save my email settings").click()
    page.get_by_text("Your email settings are saved.").wait_for()
    mentee.refresh_from_db()
    assert mentee.email_opt_outs == ["meeting_reminder"]
    screenshot(page, "accounts-email-settings")
