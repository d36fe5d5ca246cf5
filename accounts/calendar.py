"""What every calendar invitation (.ics) the product sends has in common, made with icalendar.

Planned meetings (meetings/calendar.py) and supervision sessions (supervision/calendar.py) each
build their own events; both name people and the site the same way.
"""

from urllib.parse import urlsplit

from django.conf import settings
from icalendar import vCalAddress, vText


def site_calendar_uid(local_part):
    """A UID that stays the same for one event, on the site's own host name."""
    return f"{local_part}@{urlsplit(settings.SITE_URL).hostname or 'peer-mentoring'}"


def calendar_address(user, **params):
    """A user as ORGANIZER or ATTENDEE: their email, their name, and any parameters (role=...)."""
    address = vCalAddress(f"mailto:{user.email}")
    address.params["cn"] = vText(user.get_full_name() or user.email)
    for name, value in params.items():
        address.params[name.replace("_", "-")] = vText(value)
    return address
