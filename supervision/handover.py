"""Supervision and training coming up, for the handover page (schemes.handover): dates,
places and counts only, never a supervisor's notes."""

from django.utils import timezone

from schemes.handover import HandoverSection, register_section

from .models import SupervisionSession
from .selectors import upcoming_events


def _when(moment):
    return f"{timezone.localtime(moment):%d %b %Y, %H:%M}"


@register_section
def upcoming_supervision(scheme, now):
    sessions = (
        SupervisionSession.objects.filter(scheme=scheme, cancelled_at=None, starts_at__gte=now)
        .select_related("supervisor")
        .order_by("starts_at")
    )
    rows = [
        f"{_when(session.starts_at)}: {session.get_kind_display().lower()} supervision "
        f"with {session.supervisor}"
        for session in sessions
    ]
    return HandoverSection(
        "Supervision sessions coming up",
        rows,
        "No supervision session is planned.",
        ("Supervision", "supervision:scheme"),
        position=40,
    )


@register_section
def upcoming_training(scheme, now):
    rows = [
        f"{_when(event.starts_at)}: {event.title} ({event.booked_count} booked)"
        for event in upcoming_events(scheme, now=now)
    ]
    return HandoverSection(
        "Mentor training events coming up",
        rows,
        "No training event is planned.",
        ("Supervision", "supervision:scheme"),
        position=50,
    )
