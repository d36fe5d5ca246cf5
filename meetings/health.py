"""A pair's health on the organiser's list (Together-style): on track, may need a check-in, or too
early to tell. Shared by selectors, the list's filter and the reminders sweep."""

from datetime import timedelta

from django.utils import timezone

from matching.models import Pair

MEETING_STATUSES = (Pair.Status.INTRODUCED, Pair.Status.ACTIVE)  # pairs that meet and are nudged
GRACE = timedelta(weeks=1)  # on top of the scheme's longest interval before a pair is nudged


class Health:
    ON_TRACK = "on_track"
    NEEDS_CHECK_IN = "needs_check_in"
    TOO_EARLY = "too_early"
    LABELS = {
        ON_TRACK: "On track",
        NEEDS_CHECK_IN: "May need a check-in",
        TOO_EARLY: "Too early to tell",
    }
    CHOICES = list(LABELS.items())


def on_track_since(scheme, today=None):
    """A pair whose last meeting is on or after this date is on track."""
    today = today or timezone.localdate()
    return today - timedelta(weeks=scheme.meeting_interval_max_weeks) - GRACE


def pair_health(pair, today=None):
    """On track, may need a check-in, or too early to tell; None for a paused or ended pair.

    - May need a check-in: two nudges about the same silence went unanswered.
    - On track: a meeting logged within the scheme's longest interval plus a week's grace.
    - Too early to tell: no meeting logged yet, or reminded once and not answered yet.
    `pair` is annotated by `selectors.with_metadata` (needs_check_in, last_meeting_on).
    """
    if pair.status not in MEETING_STATUSES:
        return None
    if pair.needs_check_in:
        return Health.NEEDS_CHECK_IN
    if pair.last_meeting_on and pair.last_meeting_on >= on_track_since(pair.scheme, today):
        return Health.ON_TRACK
    return Health.TOO_EARLY
