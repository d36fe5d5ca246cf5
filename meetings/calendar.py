"""Calendar invitations (.ics) for planned meetings, made with the icalendar package.

One planned meeting is one calendar event: its UID never changes and its SEQUENCE is the planned
meeting's `sequence`, so a reschedule (METHOD:REQUEST, higher SEQUENCE) updates the event in the
members' calendars and a cancellation (METHOD:CANCEL) removes it. Times are written in UTC.
The event is marked private and its title says no more than "Peer mentoring meeting", because
calendars are often shared with colleagues.
"""

from datetime import UTC

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from accounts.calendar import calendar_address, site_calendar_uid

PRODUCT_ID = "-//Peer Mentoring for Doctors in Training//Meetings//EN"
EVENT_TITLE = "Peer mentoring meeting"


def calendar_uid(planned):
    return site_calendar_uid(planned.uid)


def planned_meeting_ics(planned, *, now=None):
    """The invitation as bytes: a REQUEST for a planned meeting, a CANCEL once it is cancelled."""
    pair = planned.pair
    cancelled = planned.is_cancelled
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")

    event = Event()
    event.add("uid", calendar_uid(planned))
    event.add("sequence", planned.sequence)
    event.add("dtstamp", (now or timezone.now()).astimezone(UTC))
    event.add("dtstart", planned.starts_at.astimezone(UTC))
    event.add("dtend", planned.ends_at.astimezone(UTC))
    event.add("summary", EVENT_TITLE)
    event.add("location", planned.place or planned.get_mode_display())
    pair_url = settings.SITE_URL + reverse("meetings:pair-detail", args=[pair.pk])
    event.add(
        "description",
        f"{planned.get_mode_display()} with your mentoring partner. "
        f"Plan, move or log it on your pair's page: {pair_url}",
    )
    event.add("url", pair_url)
    event.add("class", "PRIVATE")
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    organiser = planned.planned_by or pair.mentee
    event.add("organizer", calendar_address(organiser))
    for member in (pair.mentee, pair.mentor):
        event.add(
            "attendee",
            calendar_address(member, role="REQ-PARTICIPANT", partstat="NEEDS-ACTION", rsvp="FALSE"),
            encode=0,
        )
    calendar.add_component(event)
    return calendar.to_ical()


def ics_filename(planned):
    return "mentoring-meeting-cancelled.ics" if planned.is_cancelled else "mentoring-meeting.ics"


def ics_mimetype(planned):
    return f"text/calendar; method={'CANCEL' if planned.is_cancelled else 'REQUEST'}"
