"""What reminder is due when, decided from the database by a sweep every 15 minutes (DESIGN.md).

Times are stored in UTC. The moments people see ("09:00 the day before") are wall-clock times in
settings.TIME_ZONE (Europe/London), so a reminder arrives at 09:00 on both sides of a clock change.
Each message's key names its object and its day, week or sequence, never a clock time, so a sweep
that runs twice, two sweeps racing, the hour repeated when the clocks go back, or a worker that
dies mid-sweep can never send a message twice; whatever a dead sweep did not queue, the next one
still finds due. Nothing is scheduled ahead in the broker: every message is queued when it is due.

Messages:
- meeting_reminder: 09:00 the day before a planned meeting, to both members (unless the meeting
  was planned or moved after that moment: they have just had the invitation).
- meeting_log_prompt: 09:00 the day after a planned meeting that nobody has logged, for a week.
- pair_nudge: to both members when no meeting has been logged within the scheme's longest interval
  plus a grace week, counted from the last meeting or the day the pair began or resumed; a second
  nudge two weeks after the first. Two unanswered nudges flag the pair "may need a check-in".
- organiser_digest: from Monday 08:00 each week, to each organiser with something to act on.
"""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import Notification, User
from accounts.services import notification_queue
from matching.models import Pair
from schemes.models import SchemeRole

from .health import GRACE
from .models import Nudge, PlannedMeeting
from .selectors import organiser_digest

SEND_AT = time(9, 0)
DIGEST_AT = time(8, 0)
SECOND_NUDGE_AFTER = timedelta(weeks=2)
LOG_PROMPT_FOR = timedelta(days=7)


@dataclass(frozen=True)
class Due:
    key: str
    kind: str
    recipient: User
    context: dict = field(default_factory=dict)


def local_moment(day, at=SEND_AT):
    """An aware datetime for a wall-clock time on a local day."""
    return datetime.combine(day, at, tzinfo=timezone.get_default_timezone())


def reminder_due_at(planned):
    return local_moment(timezone.localdate(planned.starts_at) - timedelta(days=1))


def log_prompt_due_at(planned):
    return local_moment(timezone.localdate(planned.starts_at) + timedelta(days=1))


def nudge_anchor(status_changed_at, last_meeting_on):
    """The day a pair's silence is counted from: its last meeting, or the day its status last
    changed (introduced, active, resumed after a pause), whichever is later."""
    began = timezone.localdate(status_changed_at)
    return max(last_meeting_on, began) if last_meeting_on else began


def first_nudge_due_at(interval_max_weeks, anchor):
    return local_moment(anchor + timedelta(weeks=interval_max_weeks) + GRACE)


def second_nudge_due_at(first_nudge):
    return local_moment(timezone.localdate(first_nudge.created_at) + SECOND_NUDGE_AFTER)


def week_label(day):
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


# --- Deciding what is due --------------------------------------------------------------------


def meeting_reminders_due(now):
    planned_meetings = (
        PlannedMeeting.objects.upcoming(now)
        .filter(starts_at__lte=now + timedelta(days=2), pair__status__in=Pair.MEETING_STATUSES)
        .select_related("pair__mentee", "pair__mentor")
    )
    for planned in planned_meetings:
        due_at = reminder_due_at(planned)
        if now < due_at or planned.updated_at >= due_at:
            continue
        day = timezone.localdate(planned.starts_at)
        for member in (planned.pair.mentee, planned.pair.mentor):
            yield Due(
                key=f"meeting_reminder:planned:{planned.pk}:on:{day}:user:{member.pk}",
                kind="meeting_reminder",
                recipient=member,
                context={"planned_meeting_id": planned.pk},
            )


def log_prompts_due(now):
    planned_meetings = (
        PlannedMeeting.objects.not_cancelled()
        .filter(
            starts_at__lt=now,
            starts_at__gte=now - LOG_PROMPT_FOR - timedelta(days=2),
            logged_meeting=None,
            pair__status__in=Pair.MEETING_STATUSES,
        )
        .select_related("pair__mentee", "pair__mentor")
        .annotate(pair_last_met_on=Max("pair__meetings__held_on"))
    )
    for planned in planned_meetings:
        due_at = log_prompt_due_at(planned)
        if not due_at <= now < due_at + LOG_PROMPT_FOR:
            continue
        day = timezone.localdate(planned.starts_at)
        if planned.pair_last_met_on and planned.pair_last_met_on >= day:
            continue  # logged without saying which plan it was
        for member in (planned.pair.mentee, planned.pair.mentor):
            yield Due(
                key=f"meeting_log_prompt:planned:{planned.pk}:on:{day}:user:{member.pk}",
                kind="meeting_log_prompt",
                recipient=member,
                context={"planned_meeting_id": planned.pk},
            )


def nudges_due(now):
    """(pair, anchor, number) for each pair whose next nudge is due.

    Reads plain values for every pair that is meeting, and loads in full only the overdue ones:
    in a scheme that works, most pairs are not.
    """
    rows = (
        Pair.objects.meeting()
        .values("pk", "status_changed_at", "scheme__meeting_interval_max_weeks")
        .annotate(last_meeting_on=Max("meetings__held_on"))
        .order_by()
    )
    overdue = {}
    for row in rows:
        anchor = nudge_anchor(row["status_changed_at"], row["last_meeting_on"])
        if now >= first_nudge_due_at(row["scheme__meeting_interval_max_weeks"], anchor):
            overdue[row["pk"]] = anchor
    if not overdue:
        return
    sent = {}
    for nudge in Nudge.objects.filter(pair_id__in=list(overdue)):
        sent[(nudge.pair_id, nudge.anchor_on, nudge.number)] = nudge
    pairs = Pair.objects.filter(pk__in=list(overdue)).select_related("mentee", "mentor")
    for pair in pairs:
        anchor = overdue[pair.pk]
        first = sent.get((pair.pk, anchor, 1))
        second = sent.get((pair.pk, anchor, 2))
        if first is None:
            yield pair, anchor, 1
        elif second is None and first.answered_at is None and now >= second_nudge_due_at(first):
            yield pair, anchor, 2


def organiser_digests_due(now):
    today = timezone.localdate(now)
    monday = today - timedelta(days=today.weekday())
    if now < local_moment(monday, DIGEST_AT):
        return
    week = week_label(monday)
    organisers = User.objects.filter(
        is_active=True, scheme_roles__role=SchemeRole.Role.ORGANISER
    ).distinct()
    keys = {user.pk: f"organiser_digest:user:{user.pk}:week:{week}" for user in organisers}
    done = set(Notification.objects.filter(key__in=keys.values()).values_list("key", flat=True))
    for organiser in organisers:
        if keys[organiser.pk] in done or not organiser_digest(organiser, now):
            continue
        yield Due(
            key=keys[organiser.pk],
            kind="organiser_digest",
            recipient=organiser,
            context={"week": week},
        )


# --- Queueing --------------------------------------------------------------------------------


def _queue(dues):
    dues = list(dues)
    done = set(
        Notification.objects.filter(key__in=[due.key for due in dues]).values_list("key", flat=True)
    )
    queued = 0
    for due in dues:
        if due.key in done:
            continue
        if notification_queue(
            key=due.key, kind=due.kind, recipient=due.recipient, context=due.context
        ):
            queued += 1
    return queued


def nudge_send(*, pair, anchor, number, now):
    """Record the nudge and queue its emails in one transaction: both or neither, so a sweep that
    dies here leaves the nudge due for the next one. Returns how many emails were queued."""
    queued = 0
    with transaction.atomic():
        _, created = Nudge.objects.get_or_create(
            pair=pair, anchor_on=anchor, number=number, defaults={"created_at": now}
        )
        if not created:
            return 0  # another sweep got here first, and queued the emails with it
        for member in (pair.mentee, pair.mentor):
            if notification_queue(
                key=f"pair_nudge:pair:{pair.pk}:since:{anchor}:n{number}:user:{member.pk}",
                kind="pair_nudge",
                recipient=member,
                context={"pair_id": pair.pk, "number": number, "anchor_on": anchor.isoformat()},
            ):
                queued += 1
    return queued


def reminders_queue_due(*, now=None):
    """Queue every reminder, prompt, nudge and digest that is due and not queued yet.

    Returns the number of emails queued. Safe to run at any moment, twice, or in parallel.
    """
    now = now or timezone.now()
    queued = _queue(meeting_reminders_due(now))
    queued += _queue(log_prompts_due(now))
    for pair, anchor, number in list(nudges_due(now)):
        queued += nudge_send(pair=pair, anchor=anchor, number=number, now=now)
    queued += _queue(organiser_digests_due(now))
    return queued
