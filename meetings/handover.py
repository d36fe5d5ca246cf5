"""The pairs a scheme's next organiser should know about, for the handover page
(schemes.handover): names and dates only, never what a pair wrote."""

from django.utils import timezone

from matching.models import Pair
from schemes.handover import HandoverSection, register_section

from .health import Health, health_filter
from .selectors import days_since, mentees_waiting, with_metadata


@register_section
def pairs_needing_attention(scheme, now):
    today = timezone.localdate(now)
    pairs = (
        with_metadata(Pair.objects.filter(scheme=scheme).select_related("mentee", "mentor"))
        .filter(health_filter(Health.NEEDS_CHECK_IN, scheme, today))
        .order_by("last_meeting_on", "pk")
    )
    rows = []
    for pair in pairs:
        since = days_since(pair.last_meeting_on, today)
        met = f"last met {since} days ago" if since is not None else "no meeting logged yet"
        rows.append(f"{pair.mentee} and {pair.mentor}: {met}")
    for enrolment in mentees_waiting([scheme], now):
        rows.append(
            f"{enrolment.user} has waited {(now - enrolment.waiting_since).days} days for a mentor"
        )
    return HandoverSection(
        "Pairs and mentees needing attention",
        rows,
        "No pair needs a check-in and no mentee has waited long for a mentor.",
        ("Pairs", "meetings:organiser-pairs"),
        position=30,
    )
