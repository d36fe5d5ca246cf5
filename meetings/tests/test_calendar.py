from datetime import UTC, datetime

import pytest
from icalendar import Calendar

from meetings.calendar import calendar_uid, planned_meeting_ics

from .conftest import CONTENT
from .factories import PlannedMeetingFactory


def parse(ics):
    calendar = Calendar.from_ical(ics)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


@pytest.mark.django_db
def test_invitation_is_a_request_in_utc_with_a_stable_uid(pair):
    planned = PlannedMeetingFactory(
        pair=pair, starts_at=datetime(2026, 7, 1, 17, 30, tzinfo=UTC), duration_minutes=45
    )

    calendar, event = parse(planned_meeting_ics(planned))

    assert calendar["METHOD"] == "REQUEST"
    assert str(event["UID"]) == calendar_uid(planned) == f"{planned.uid}@testserver"
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == datetime(2026, 7, 1, 17, 30, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2026, 7, 1, 18, 15, tzinfo=UTC)
    raw = planned_meeting_ics(planned).decode()
    assert "DTSTART:20260701T173000Z" in raw  # UTC, not a local time with a zone
    attendees = sorted(str(a) for a in event["ATTENDEE"])
    assert attendees == sorted([f"mailto:{pair.mentee.email}", f"mailto:{pair.mentor.email}"])
    assert str(event["ORGANIZER"]) == f"mailto:{pair.mentee.email}"
    assert event["CLASS"] == "PRIVATE"


@pytest.mark.django_db
def test_the_uid_stays_and_the_sequence_rises_when_moved(pair):
    planned = PlannedMeetingFactory(pair=pair)
    first_uid = str(parse(planned_meeting_ics(planned))[1]["UID"])
    planned.sequence = 3
    planned.starts_at = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
    _, event = parse(planned_meeting_ics(planned))
    assert str(event["UID"]) == first_uid
    assert event["SEQUENCE"] == 3


@pytest.mark.django_db
def test_a_cancelled_meeting_is_a_cancel(pair):
    planned = PlannedMeetingFactory(pair=pair, sequence=2, cancelled_at=datetime.now(UTC))
    calendar, event = parse(planned_meeting_ics(planned))
    assert calendar["METHOD"] == "CANCEL"
    assert event["STATUS"] == "CANCELLED"


@pytest.mark.django_db
def test_the_invitation_carries_no_meeting_content(full_pair):
    planned = full_pair.planned_meetings.get()
    ics = planned_meeting_ics(planned).decode()
    for secret in CONTENT:
        assert secret not in ics
    assert "SUMMARY:Peer mentoring meeting" in ics
