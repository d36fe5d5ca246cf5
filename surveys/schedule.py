"""What is due: which person should be asked which survey, for which period, right now.

Reads pairs and enrolments; writes nothing. `surveys.services.survey_sweep` turns each `Due` into
an invitation whose unique key (person, survey slot, period) makes asking twice impossible.

The rules, per schedule entry of a scheme that collects outcome data:

1. At match (baseline): each member of a pair matched in the last BASELINE_WINDOW days that has
   not ended. Older pairs are not asked: an answer months in is no longer a baseline.
2. Every N months (follow-up): each member of a pair that is introduced or active (not paused or
   ended), for the latest whole interval since the match: month N, 2N, ... Missed intervals are
   not sent late; only the latest one is.
3. At the end of a pair: each member of a pair that ended in the last END_WINDOW days.
4. At the end of the year: during the entry's `year_end_month`, each member (of that audience)
   of a pair that was current at some time in the past year.

Nobody is asked whose enrolment in that role was withdrawn, or whose account is inactive, with one
exception: the end-of-pair survey still asks a member whose enrolment ended with the pair because
they rotated to another trust (Pair.EndReason.ROTATED_OUT). They did not choose to leave, and
their closing answer is the one the evaluation needs.
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q
from django.utils import timezone

from matching.models import Pair

from .models import Audience, Moment

BASELINE_WINDOW = timedelta(days=14)
END_WINDOW = timedelta(days=30)
YEAR = timedelta(days=365)
# A member whose enrolment ended within this time of a pair ended by rotation ended with it.
ROTATED_OUT_TOGETHER = timedelta(days=1)


@dataclass(frozen=True)
class Due:
    entry_id: int
    user_id: int
    pair_id: int | None
    period: str


def add_months(day, months):
    """The same day `months` later; the 31st becomes the last day of a shorter month."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def follow_up_number(started_on, today, every_months):
    """How many whole intervals of `every_months` have passed since `started_on` (0 if none)."""
    count = 0
    while add_months(started_on, (count + 1) * every_months) <= today:
        count += 1
    return count


def invitation_key(*, scheme_id, audience, moment, period, user_id):
    return f"survey:{scheme_id}:{audience}:{moment}:{period}:user-{user_id}"


def _member(pair, audience):
    """(user id, enrolment) of the pair's member in `audience`."""
    if audience == Audience.MENTEE:
        return pair.mentee_id, pair.mentee_enrolment
    return pair.mentor_id, pair.mentor_enrolment


def _may_be_asked(pair, audience, *, at_end=False):
    enrolment = _member(pair, audience)[1]
    user = pair.mentee if audience == Audience.MENTEE else pair.mentor
    if not user.is_active:
        return False
    return enrolment.is_current or (at_end and _rotated_out_with_pair(pair, enrolment))


def _rotated_out_with_pair(pair, enrolment):
    """The pair ended because a member rotated out, and this enrolment ended with it (in the same
    daily sweep, as when both members rotate on the same day), not by leaving later."""
    return (
        pair.end_reason == Pair.EndReason.ROTATED_OUT
        and pair.ended_at is not None
        and enrolment.status_changed_at <= pair.ended_at + ROTATED_OUT_TOGETHER
    )


def _pairs(scheme, *extra_filters, pairs=Pair.objects):
    return (
        pairs.filter(*extra_filters, scheme=scheme)
        .select_related("mentee", "mentor", "mentee_enrolment", "mentor_enrolment")
        .order_by("pk")
    )


def due_for_entry(entry, *, now):
    """Every `Due` for one schedule entry at `now` (an aware datetime)."""
    today = timezone.localdate(now)
    scheme, audience = entry.scheme, entry.audience
    found = []  # (pair, period)

    if entry.moment == Moment.AT_MATCH:
        pairs = _pairs(
            scheme, Q(created_at__gte=now - BASELINE_WINDOW), pairs=Pair.objects.current()
        )
        found = [(pair, f"pair-{pair.pk}-match") for pair in pairs]

    elif entry.moment == Moment.PERIODIC:
        pairs = _pairs(scheme, pairs=Pair.objects.meeting())
        for pair in pairs:
            started_on = timezone.localdate(pair.created_at)
            number = follow_up_number(started_on, today, entry.every_months)
            if number:
                found.append((pair, f"pair-{pair.pk}-month-{number * entry.every_months}"))

    elif entry.moment == Moment.END_OF_PAIR:
        pairs = _pairs(scheme, Q(ended_at__gte=now - END_WINDOW), pairs=Pair.objects.ended())
        found = [(pair, f"pair-{pair.pk}-end") for pair in pairs]

    elif entry.moment == Moment.END_OF_YEAR and today.month == entry.year_end_month:
        pairs = _pairs(
            scheme,
            Q(created_at__lte=now),
            Q(ended_at__isnull=True) | Q(ended_at__gte=now - YEAR),
        )
        # Not tied to one pair: a mentor of three mentees is asked once a year.
        dues, seen = [], set()
        for pair in pairs:
            user_id = _member(pair, audience)[0]
            if user_id not in seen and _may_be_asked(pair, audience):
                seen.add(user_id)
                dues.append(
                    Due(
                        entry_id=entry.pk,
                        user_id=user_id,
                        pair_id=None,
                        period=f"year-{today.year}",
                    )
                )
        return dues

    at_end = entry.moment == Moment.END_OF_PAIR
    return [
        Due(entry_id=entry.pk, user_id=_member(pair, audience)[0], pair_id=pair.pk, period=period)
        for pair, period in found
        if _may_be_asked(pair, audience, at_end=at_end)
    ]
