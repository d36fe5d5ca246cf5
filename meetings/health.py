"""A pair's health on the organiser's list (Together-style), from the meetings it has held against
its scheme's target interval. Reminders sent or unanswered play no part: a pair silent for twelve
weeks may need a check-in whether or not anyone has been nudged yet.

The one definition is `_boundaries` plus the two readings of it below: `pair_health` for one
pair (the lists, the pair's page, the dashboards) and `health_filter` for a query (the list's
filter, the organiser's digest). They compare the same dates, so they cannot disagree.
"""

from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from matching.models import Pair

MEETING_STATUSES = Pair.MEETING_STATUSES  # one home: matching.models.Pair; reports imports it
GRACE = timedelta(weeks=1)  # on top of the scheme's longest interval before a pair is nudged


class Health:
    ON_TRACK = "on_track"
    DUE = "due"
    NEEDS_CHECK_IN = "needs_check_in"
    TOO_EARLY = "too_early"
    LABELS = {
        ON_TRACK: "On track",
        DUE: "Meeting due",
        NEEDS_CHECK_IN: "May need a check-in",
        TOO_EARLY: "Too early to tell",
    }
    CHOICES = list(LABELS.items())


def _boundaries(scheme, today):
    """(on_track_from, due_from): a pair whose anchor (its last meeting, or the day it began or
    resumed if later) is on or after `on_track_from` met within the scheme's shortest interval;
    on or after `due_from`, within its longest. Before `due_from`, it is past its target."""
    return (
        today - timedelta(weeks=scheme.meeting_interval_min_weeks),
        today - timedelta(weeks=scheme.meeting_interval_max_weeks),
    )


def health_from(*, status, began_at, last_meeting_on, scheme, today=None):
    """The health of a pair in `scheme`, or None when it is paused or ended.

    1. Too early to tell: it has logged no meeting and began less than one (longest) interval
       ago.
    2. Otherwise count from its anchor, the later of its last meeting and the day it began or
       resumed: on track within the shortest interval, meeting due within the longest, and may
       need a check-in beyond it.
    """
    if status not in Pair.MEETING_STATUSES:
        return None
    today = today or timezone.localdate()
    on_track_from, due_from = _boundaries(scheme, today)
    began_on = timezone.localdate(began_at)
    if last_meeting_on is None and began_on >= due_from:
        return Health.TOO_EARLY
    anchor = max(last_meeting_on, began_on) if last_meeting_on else began_on
    if anchor >= on_track_from:
        return Health.ON_TRACK
    if anchor >= due_from:
        return Health.DUE
    return Health.NEEDS_CHECK_IN


def pair_health(pair, today=None):
    """`health_from` for a pair annotated with `last_meeting_on` (`selectors.with_metadata`)."""
    return health_from(
        status=pair.status,
        began_at=pair.status_changed_at,
        last_meeting_on=pair.last_meeting_on,
        scheme=pair.scheme,
        today=today,
    )


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_default_timezone())


def health_filter(health, scheme, today=None):
    """A Q selecting the pairs of `scheme` in `health`: `health_from`'s rule as a query, for a
    queryset annotated with `last_meeting_on`."""
    today = today or timezone.localdate()
    on_track_from, due_from = _boundaries(scheme, today)

    def anchor_on_or_after(day):
        return Q(last_meeting_on__gte=day) | Q(status_changed_at__gte=_start_of(day))

    def anchor_before(day):
        return (Q(last_meeting_on__isnull=True) | Q(last_meeting_on__lt=day)) & Q(
            status_changed_at__lt=_start_of(day)
        )

    too_early = Q(last_meeting_on__isnull=True, status_changed_at__gte=_start_of(due_from))
    under_way = Q(last_meeting_on__isnull=False) | Q(status_changed_at__lt=_start_of(due_from))
    rule = {
        Health.TOO_EARLY: too_early,
        Health.ON_TRACK: under_way & anchor_on_or_after(on_track_from),
        Health.DUE: under_way & anchor_before(on_track_from) & anchor_on_or_after(due_from),
        Health.NEEDS_CHECK_IN: anchor_before(due_from),
    }[health]
    return Q(status__in=Pair.MEETING_STATUSES) & rule
