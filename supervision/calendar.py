"""Supervision sessions as iCalendar (.ics) files, made with the icalendar package.

One session is one calendar event: its UID never changes and SEQUENCE rises when it is cancelled,
so a cancellation (METHOD:CANCEL) removes the event that the invitation (METHOD:REQUEST) added.
Times are written in UTC. The file names the supervisor (ORGANIZER) and, when made for one mentor,
that mentor alone as ATTENDEE: the other members of a group are not listed, and the supervisor's
notes are never in it.
"""

from datetime import UTC

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from accounts.calendar import calendar_address, site_calendar_uid

PRODUCT_ID = "-//Peer Mentoring for Doctors in Training//Supervision//EN"


def session_uid(session):
    return site_calendar_uid(f"supervision-session-{session.pk}")


def session_method(session, attendee=None, *, removed=False):
    if attendee is None:
        return "PUBLISH"
    return "CANCEL" if session.cancelled_at or removed else "REQUEST"


def session_ics(session, *, attendee=None, now=None, removed=False):
    """The session as bytes. With `attendee` (a mentor user) it is that mentor's invitation;
    with `removed` too, the cancellation for that mentor alone (taken off the session)."""
    cancelled = bool(session.cancelled_at) or removed
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", session_method(session, attendee, removed=removed))
    event = Event()
    event.add("uid", session_uid(session))
    event.add("sequence", session.sequence)
    event.add("dtstamp", (now or timezone.now()).astimezone(UTC))
    event.add("dtstart", session.starts_at.astimezone(UTC))
    event.add("dtend", session.ends_at.astimezone(UTC))
    event.add("summary", f"{session.get_kind_display()} for mentors — {session.scheme.name}")
    event.add("location", session.place)
    url = f"{settings.SITE_URL}{reverse('supervision:session', kwargs={'pk': session.pk})}"
    description = [f"With {session.supervisor.get_full_name() or session.supervisor.email}."]
    if session.agenda:
        description.append(f"Agenda: {session.agenda}")
    description.append(f"Details, and apologies if you cannot come: {url}")
    event.add("description", "\n\n".join(description))
    event.add("url", url)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    event.add("organizer", calendar_address(session.supervisor))
    if attendee is not None:
        event.add(
            "attendee",
            calendar_address(
                attendee, role="REQ-PARTICIPANT", partstat="NEEDS-ACTION", rsvp="FALSE"
            ),
            encode=0,
        )
    calendar.add_component(event)
    return calendar.to_ical()


def session_ics_attachment(session, attendee, *, removed=False):
    """(file name, content, MIME type) for an email to one mentor."""
    method = session_method(session, attendee, removed=removed)
    name = "supervision-cancelled.ics" if method == "CANCEL" else "supervision.ics"
    return (
        name,
        session_ics(session, attendee=attendee, removed=removed),
        f"text/calendar; method={method}",
    )
