"""Changing supervision after it is scheduled: moving or editing a session, cancelling it,
inviting and removing mentors, and cancelling a training event. Each change tells the people it
affects once, with a calendar file that updates (same UID, higher SEQUENCE) what they have."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from schemes.tests.factories import MentorEnrolmentFactory
from supervision.calendar import session_uid
from supervision.models import TrainingBooking
from supervision.services import (
    supervision_attendance_record,
    supervision_session_reschedule,
    training_event_book,
)

from .factories import TrainingEventFactory, assign, session_with

pytestmark = pytest.mark.django_db


def in_days(days, hour=18):
    return (timezone.localtime() + timedelta(days=days)).replace(
        hour=hour, minute=0, second=0, microsecond=0
    )


@pytest.fixture
def group(scheme, supervisor, mentor_enrolment):
    others = [MentorEnrolmentFactory(scheme=scheme) for _ in range(2)]
    for enrolment in [mentor_enrolment, *others]:
        assign(supervisor, enrolment)
    return [mentor_enrolment, *others]


@pytest.fixture
def session(supervisor, group):
    """A group session in five days with the first two mentors of the group."""
    return session_with(
        supervisor, group[:2], starts_at=in_days(5), agenda="Boundaries", duration_minutes=60
    )


def change_data(session, **overrides):
    data = {
        "starts_at": timezone.localtime(session.starts_at).strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": str(session.duration_minutes),
        "place": session.place,
        "agenda": session.agenda,
    }
    data.update(overrides)
    return data


def vevent(message):
    filename, content, mimetype = message.attachments[0]
    calendar = Calendar.from_ical(content)
    return calendar, calendar.walk("VEVENT")[0], mimetype


# --- Moving a session -------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["supervisor", "organiser"])
def test_moving_a_session_sends_each_mentor_an_updated_invitation_once(
    client, cast, who, session, group, django_capture_on_commit_callbacks
):
    client.force_login(cast[who])
    new_start = in_days(6, hour=9)
    data = change_data(session, starts_at=new_start.strftime("%Y-%m-%dT%H:%M"), place="Room 9")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("supervision:session-change", args=[session.pk]), data, follow=True
        )

    session.refresh_from_db()
    assert session.starts_at == new_start and session.place == "Room 9"
    assert session.sequence == 1
    assert "updated invitation" in response.content.decode()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(e.user.email for e in group[:2])
    for message in mail.outbox:
        calendar, event, mimetype = vevent(message)
        assert mimetype == "text/calendar; method=REQUEST"
        assert event["uid"] == session_uid(session)
        assert event["sequence"] == 1
        assert event["dtstart"].dt == new_start
        assert event["location"] == "Room 9"
        assert "replaces the earlier invitation" in message.body
        assert message.subject.startswith("Changed:")

    # The same change again (a double click) tells nobody a second time.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("supervision:session-change", args=[session.pk]), data, follow=True
        )
    assert "Nothing changed; no invitation sent." in response.content.decode()
    assert len(mail.outbox) == 2
    session.refresh_from_db()
    assert session.sequence == 1


def test_each_move_raises_the_sequence_and_is_told_once(
    session, group, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        supervision_session_reschedule(
            session=session, starts_at=in_days(7), duration_minutes=60, place="A", agenda=""
        )
    with django_capture_on_commit_callbacks(execute=True):
        supervision_session_reschedule(
            session=session, starts_at=in_days(8), duration_minutes=90, place="A", agenda=""
        )

    sequences = sorted(vevent(message)[1]["sequence"] for message in mail.outbox)
    assert sequences == [1, 1, 2, 2]


def test_a_session_stored_with_seconds_sent_back_untouched_changes_nothing(
    client, supervisor, session, django_capture_on_commit_callbacks
):
    """The form shows the time to the minute; the same minute sent back is no move."""
    session.starts_at = session.starts_at.replace(minute=7, second=21, microsecond=154674)
    session.save(update_fields=["starts_at"])
    stored = session.starts_at
    client.force_login(supervisor)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("supervision:session-change", args=[session.pk]),
            change_data(session),
            follow=True,
        )

    assert "Nothing changed; no invitation sent." in response.content.decode()
    session.refresh_from_db()
    assert (session.starts_at, session.sequence) == (stored, 0)
    assert mail.outbox == []


@pytest.mark.parametrize(
    "overrides, error",
    [
        ({"starts_at": "2020-01-01T10:00"}, "Choose a date and time in the future."),
        ({"duration_minutes": "0"}, "Enter a length between 15 and 480 minutes."),
        ({"duration_minutes": "-30"}, "greater than or equal to 0"),
        ({"starts_at": "not a date"}, "Enter a valid date/time."),
        ({"place": ""}, "This field is required."),
    ],
)
def test_a_bad_change_is_refused_and_nothing_is_saved_or_sent(
    client, supervisor, session, overrides, error, django_capture_on_commit_callbacks
):
    client.force_login(supervisor)
    before = (session.starts_at, session.duration_minutes, session.place)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("supervision:session-change", args=[session.pk]),
            change_data(session, **overrides),
        )

    assert response.status_code == 200
    assert error in response.content.decode()
    session.refresh_from_db()
    assert (session.starts_at, session.duration_minutes, session.place) == before
    assert session.sequence == 0
    assert mail.outbox == []


def test_a_cancelled_or_past_session_cannot_be_moved(client, supervisor, group):
    past = session_with(supervisor, group[:1])
    client.force_login(supervisor)

    response = client.post(
        reverse("supervision:session-change", args=[past.pk]),
        change_data(past, starts_at=in_days(3).strftime("%Y-%m-%dT%H:%M")),
        follow=True,
    )

    assert "Only a session still to come can be changed." in response.content.decode()
    past.refresh_from_db()
    assert past.starts_at < timezone.now()
    with pytest.raises(ValidationError, match="already started"):
        supervision_session_reschedule(
            session=past, starts_at=in_days(3), duration_minutes=60, place="x"
        )


# --- Cancelling a session ---------------------------------------------------------------------


def test_organiser_cancels_a_session_once_and_each_mentor_gets_a_calendar_cancel(
    client, organiser, session, group, django_capture_on_commit_callbacks
):
    client.force_login(organiser)
    url = reverse("supervision:session-cancel", args=[session.pk])

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(url, follow=True)

    session.refresh_from_db()
    assert session.cancelled_at and session.sequence == 1
    assert session.attendances.count() == 2  # kept, not deleted
    assert "This session is already cancelled." in again.content.decode()
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        calendar, event, mimetype = vevent(message)
        assert calendar["method"] == "CANCEL" and mimetype == "text/calendar; method=CANCEL"
        assert event["status"] == "CANCELLED"
        assert event["uid"] == session_uid(session) and event["sequence"] == 1


def test_attendance_cannot_be_recorded_on_a_cancelled_session(supervisor, group):
    session = session_with(supervisor, group[:1], cancelled_at=timezone.now())
    with pytest.raises(ValidationError, match="cancelled"):
        supervision_attendance_record(session=session, statuses={group[0].pk: "attended"})
    assert session.attendances.get().status == "invited"


# --- Inviting and removing mentors ------------------------------------------------------------


def test_adding_and_removing_mentors_tells_only_those_affected(
    client, supervisor, session, group, django_capture_on_commit_callbacks
):
    kept, removed, added = group
    client.force_login(supervisor)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("supervision:session-mentors", args=[session.pk]),
            {"mentors": [kept.pk, added.pk]},
            follow=True,
        )

    assert "1 invited, 1 told they are no longer invited" in response.content.decode()
    assert set(session.attendances.values_list("mentor_enrolment_id", flat=True)) == {
        kept.pk,
        added.pk,
    }
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {added.user.email, removed.user.email}
    calendar, event, _ = vevent(by_recipient[added.user.email])
    assert calendar["method"] == "REQUEST" and event["uid"] == session_uid(session)
    calendar, event, _ = vevent(by_recipient[removed.user.email])
    assert calendar["method"] == "CANCEL" and event["status"] == "CANCELLED"
    assert event["uid"] == session_uid(session) and event["sequence"] == 1
    assert "no longer invited" in by_recipient[removed.user.email].body
    session.refresh_from_db()
    assert session.cancelled_at is None


def test_removing_every_mentor_is_refused_and_nothing_changes(
    client, supervisor, session, group, django_capture_on_commit_callbacks
):
    client.force_login(supervisor)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("supervision:session-mentors", args=[session.pk]), {})

    assert response.status_code == 200
    assert "A session needs at least one mentor." in response.content.decode()
    assert session.attendances.count() == 2
    assert mail.outbox == []


def test_a_mentor_not_assigned_to_the_supervisor_cannot_be_invited(
    client, supervisor, scheme, session, group
):
    stranger = MentorEnrolmentFactory(scheme=scheme)
    client.force_login(supervisor)

    response = client.post(
        reverse("supervision:session-mentors", args=[session.pk]),
        {"mentors": [group[0].pk, group[1].pk, stranger.pk]},
    )

    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert not session.attendances.filter(mentor_enrolment=stranger).exists()


# --- Who may ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, expected",
    [
        ("mentor", 403),
        ("mentee", 403),
        ("dme", 403),
        ("other_organiser", 404),
        ("other_dme", 404),
    ],
)
@pytest.mark.parametrize("name", ["session-change", "session-mentors", "session-cancel"])
def test_others_may_not_change_a_session(as_role, session, group, who, expected, name):
    client = as_role(who)
    response = client.post(
        reverse(f"supervision:{name}", args=[session.pk]),
        change_data(session, place="Elsewhere") | {"mentors": [group[2].pk]},
    )
    assert response.status_code == expected
    session.refresh_from_db()
    assert session.place == "Seminar room 3" and session.cancelled_at is None
    assert session.attendances.count() == 2


def test_anonymous_visitors_are_sent_to_sign_in(client, session):
    response = client.post(reverse("supervision:session-cancel", args=[session.pk]))
    assert response.status_code == 302 and "/login" in response["Location"]


def test_changes_are_post_only(client, supervisor, session, organiser, scheme):
    client.force_login(supervisor)
    assert client.get(reverse("supervision:session-mentors", args=[session.pk])).status_code == 405
    client.force_login(organiser)
    event = TrainingEventFactory(scheme=scheme)
    url = reverse("supervision:event-cancel-event", args=[scheme.slug, event.pk])
    assert client.get(url).status_code == 405


# --- Cancelling a training event --------------------------------------------------------------


def test_organiser_cancels_an_event_and_each_booker_is_told_once(
    client, organiser, scheme, group, django_capture_on_commit_callbacks
):
    event = TrainingEventFactory(scheme=scheme, capacity=5, title="Coaching skills")
    for enrolment in group[:2]:
        training_event_book(event=event, enrolment=enrolment)
    TrainingBooking.objects.filter(event=event, enrolment=group[1]).update(status="cancelled")
    client.force_login(organiser)
    url = reverse("supervision:event-cancel-event", args=[scheme.slug, event.pk])

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(url, follow=True)

    event.refresh_from_db()
    assert event.cancelled_at
    assert "This event is already cancelled." in again.content.decode()
    assert "This event was cancelled" in again.content.decode()
    assert [message.to for message in mail.outbox] == [[group[0].user.email]]
    assert "Coaching skills" in mail.outbox[0].subject
    assert "cancelled" in mail.outbox[0].body
    with pytest.raises(ValidationError, match="no longer taking bookings"):
        training_event_book(event=event, enrolment=group[2])


@pytest.mark.parametrize(
    "who, expected",
    [("mentor", 403), ("supervisor", 403), ("other_organiser", 404), ("other_dme", 404)],
)
def test_others_may_not_cancel_an_event(as_role, scheme, who, expected):
    event = TrainingEventFactory(scheme=scheme)
    response = as_role(who).post(
        reverse("supervision:event-cancel-event", args=[scheme.slug, event.pk])
    )
    assert response.status_code == expected
    event.refresh_from_db()
    assert event.cancelled_at is None


def test_an_event_that_has_started_cannot_be_cancelled(client, organiser, scheme):
    event = TrainingEventFactory(scheme=scheme, starts_at=timezone.now() - timedelta(hours=1))
    client.force_login(organiser)
    response = client.post(
        reverse("supervision:event-cancel-event", args=[scheme.slug, event.pk]), follow=True
    )
    assert "already started" in response.content.decode()
    event.refresh_from_db()
    assert event.cancelled_at is None


def test_the_organisers_list_of_events_marks_a_cancelled_one(client, organiser, scheme):
    TrainingEventFactory(scheme=scheme, title="Coaching skills", cancelled_at=timezone.now())
    client.force_login(organiser)
    page = client.get(reverse("supervision:scheme", args=[scheme.slug])).content.decode()
    row = page[page.index("Coaching skills") :][:200]
    assert "Cancelled" in row


def test_a_mentor_who_has_withdrawn_is_not_sent_the_change(
    session, group, django_capture_on_commit_callbacks
):
    group[1].status = "withdrawn"
    group[1].save(update_fields=["status"])

    with django_capture_on_commit_callbacks(execute=True):
        supervision_session_reschedule(
            session=session, starts_at=in_days(9), duration_minutes=60, place="B", agenda=""
        )

    assert [message.to for message in mail.outbox] == [[group[0].user.email]]


def test_a_group_cannot_shrink_to_one_nor_a_one_to_one_grow(
    client, supervisor, session, group, django_capture_on_commit_callbacks
):
    one_to_one = session_with(supervisor, group[:1], starts_at=in_days(4))
    client.force_login(supervisor)

    with django_capture_on_commit_callbacks(execute=True):
        shrunk = client.post(
            reverse("supervision:session-mentors", args=[session.pk]), {"mentors": [group[0].pk]}
        )
        grown = client.post(
            reverse("supervision:session-mentors", args=[one_to_one.pk]),
            {"mentors": [group[0].pk, group[1].pk]},
        )

    assert "Choose at least two mentors for group supervision." in shrunk.content.decode()
    assert "Choose exactly one mentor for 1:1 supervision." in grown.content.decode()
    assert session.attendances.count() == 2 and one_to_one.attendances.count() == 1
    assert mail.outbox == []


# --- Changing a training event ----------------------------------------------------------------


def event_data(event, **overrides):
    """The change form as the organiser's browser sends it back untouched."""
    data = {
        "title": event.title,
        "kind": event.kind,
        "provider": event.provider,
        "starts_at": timezone.localtime(event.starts_at).strftime("%Y-%m-%dT%H:%M"),
        "hours": str(event.hours),
        "place": event.place,
        "capacity": str(event.capacity),
        "description": event.description,
    }
    data.update(overrides)
    return data


@pytest.fixture
def booked_event(scheme, group):
    event = TrainingEventFactory(
        scheme=scheme, capacity=5, title="Coaching skills", starts_at=in_days(10)
    )
    for enrolment in group[:2]:
        training_event_book(event=event, enrolment=enrolment)
    return event


def change_url(event):
    return reverse("supervision:event-change", args=[event.scheme.slug, event.pk])


def test_organiser_moves_an_event_and_each_booker_is_told_once(
    client, organiser, booked_event, group, django_capture_on_commit_callbacks
):
    client.force_login(organiser)
    moved = event_data(
        booked_event, starts_at=in_days(12).strftime("%Y-%m-%dT%H:%M"), place="Room 9"
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(change_url(booked_event), moved, follow=True)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(change_url(booked_event), moved)  # a second click: nothing new to tell

    booked_event.refresh_from_db()
    assert booked_event.place == "Room 9" and booked_event.starts_at == in_days(12)
    assert booked_event.revision == 1
    assert "The event is changed" in response.content.decode()
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        enrolment.user.email for enrolment in group[:2]
    )
    message = mail.outbox[0]
    assert message.subject.startswith("Changed: Coaching skills")
    assert "Room 9" in message.body and "Your place is kept" in message.body
    assert booked_event.bookings.booked().count() == 2


def test_an_untouched_save_changes_nothing_and_tells_nobody(
    client, organiser, booked_event, django_capture_on_commit_callbacks
):
    # Stored with seconds, as an event created elsewhere may be: the form shows minutes only.
    booked_event.starts_at = booked_event.starts_at.replace(second=30)
    booked_event.save(update_fields=["starts_at"])
    client.force_login(organiser)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(change_url(booked_event), event_data(booked_event), follow=True)

    fresh = type(booked_event).objects.get(pk=booked_event.pk)
    assert fresh.starts_at == booked_event.starts_at and fresh.revision == 0
    assert "Nothing changed; nobody was told." in response.content.decode()
    assert mail.outbox == []


def test_a_change_of_description_or_places_alone_is_saved_without_emails(
    client, organiser, booked_event, django_capture_on_commit_callbacks
):
    client.force_login(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            change_url(booked_event),
            event_data(booked_event, description="Bring a case", capacity="8"),
        )
    booked_event.refresh_from_db()
    assert (booked_event.description, booked_event.capacity) == ("Bring a case", 8)
    assert booked_event.revision == 0 and mail.outbox == []


def test_places_cannot_go_below_the_mentors_booked(client, organiser, booked_event):
    client.force_login(organiser)
    response = client.post(
        change_url(booked_event), event_data(booked_event, capacity="1", place="Room 2")
    )
    page = response.content.decode()
    assert "2 mentors have booked, so keep at least 2 places" in page
    booked_event.refresh_from_db()
    assert booked_event.capacity == 5 and booked_event.place != "Room 2"  # nothing half-saved


def test_a_start_in_the_past_gets_a_message_on_the_form(client, organiser, booked_event):
    client.force_login(organiser)
    yesterday = (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(change_url(booked_event), event_data(booked_event, starts_at=yesterday))
    assert "future" in response.content.decode()
    booked_event.refresh_from_db()
    assert booked_event.starts_at == in_days(10)


def test_a_started_or_cancelled_event_cannot_be_changed(client, organiser, scheme):
    started = TrainingEventFactory(scheme=scheme, starts_at=timezone.now() - timedelta(hours=1))
    cancelled = TrainingEventFactory(scheme=scheme, cancelled_at=timezone.now())
    client.force_login(organiser)
    for event in (started, cancelled):
        response = client.post(change_url(event), event_data(event, place="Elsewhere"), follow=True)
        assert "Only an event still to come can be changed." in response.content.decode()
        event.refresh_from_db()
        assert event.place != "Elsewhere"


@pytest.mark.parametrize(
    "who, expected",
    [
        ("mentor", 403),
        ("supervisor", 403),
        ("other_organiser", 404),
        ("other_dme", 404),
        ("anonymous", 302),
    ],
)
def test_others_may_not_open_or_change_an_event(as_role, booked_event, who, expected):
    client = as_role(who)
    opened = client.get(change_url(booked_event))
    sent = client.post(change_url(booked_event), event_data(booked_event, place="Elsewhere"))
    assert opened.status_code == sent.status_code == expected
    assert "Coaching skills" not in opened.content.decode()
    booked_event.refresh_from_db()
    assert booked_event.place != "Elsewhere"


def test_the_event_page_offers_the_change_only_while_it_can_change(client, organiser, scheme):
    coming = TrainingEventFactory(scheme=scheme, starts_at=in_days(3))
    past = TrainingEventFactory(scheme=scheme, starts_at=timezone.now() - timedelta(days=1))
    client.force_login(organiser)
    for event, offered in ((coming, True), (past, False)):
        page = client.get(reverse("supervision:event", args=[scheme.slug, event.pk]))
        assert (change_url(event) in page.content.decode()) is offered
