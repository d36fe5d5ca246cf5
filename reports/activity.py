"""Observed against declared: what each scheme's pairs, mentors and supervisors did in the last
12 months, beside how the scheme says it runs, and what it cost the people taking part in time.

`scheme_activity(schemes)` returns true counts (`SchemeActivity`), read for all the schemes at
once in seven queries however many schemes, pairs, meetings, sessions or records there are:

1. the pairs that existed in the window (meetings.selectors.pairs_in_window);
2. their meetings in the window, grouped by pair (meetings.selectors.meetings_by_pair);
3. the mentor enrolments active in the window (schemes.selectors.mentors_enrolled_between);
4. and 5. supervision sessions held, and who attended for how long
   (supervision.selectors.supervision_held_for_schemes);
6. and 7. training coverage (supervision.selectors.training_coverage_for_schemes).

Nothing here suppresses anything: disclosure is applied where the figures are shown
(reports.provision), never to the counts themselves.

The window runs from the same day 12 months ago (`since`) to today, both included. A pair's time
in the window runs from the later of its start and `since` to the earlier of its end and today;
paused time counts, since a pause is the pair's own arrangement. A quarter is 91.3 days.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from meetings.selectors import PairMeetings, PairSpan, meetings_by_pair, pairs_in_window
from schemes.selectors import mentors_enrolled_between
from supervision.selectors import (
    SupervisionHeld,
    supervision_held_for_schemes,
    training_coverage_for_schemes,
)

if TYPE_CHECKING:
    # For the annotations only: reports reads schemes through their selectors.
    from schemes.selectors import Scheme

WINDOW_MONTHS = 12
DAYS_IN_QUARTER = 91.3
WEEKS_IN_QUARTER = 13


@dataclass(frozen=True)
class SchemeActivity:
    scheme_id: int
    since: date  # first day of the window (12 months before today)
    # Meetings
    pairs: int  # pairs that existed at some time in the window (any status)
    pair_quarters: float  # their total time paired inside the window, in quarters
    meetings: int  # meetings held in the window (future-dated left out)
    pairs_judged: int  # pairs paired inside the window for at least the longest interval
    pairs_meeting_as_declared: int  # of those: meetings per week >= 1 / longest interval
    target_per_quarter: tuple[float, float]  # the declared meetings per quarter, low and high
    # Supervision (sessions not cancelled, started, attendance recorded, in the window)
    one_to_one_sessions: int
    group_sessions: int
    mentors: int  # distinct mentors enrolled in the window, paired in it or attending supervision
    mentors_attending_supervision: int  # distinct mentors who attended at least one session
    # Training
    active_mentors: int  # as training_coverage_for_schemes counts them
    mentors_meeting_training: int  # as training_coverage_for_schemes' meets_requirement
    # Cost to the individual
    mentees_meeting: int  # distinct mentees with at least one meeting in the window
    mentee_meeting_minutes: int  # minutes of those meetings (one without a duration counts 0)
    mentors_meeting: int  # distinct mentors with at least one meeting in the window
    mentor_meeting_minutes: int  # the same meetings' minutes, mentor side
    mentor_supervision_minutes: int  # minutes of the sessions each mentor attended, summed
    meetings_without_duration: int

    @property
    def meetings_per_pair_quarter(self) -> float | None:
        """Meetings held per quarter of pairing, or None when no pair was paired in the window."""
        return self.meetings / self.pair_quarters if self.pair_quarters else None


def window_start(today: date) -> date:
    """The same day WINDOW_MONTHS months before `today` (the month's last day if it is shorter)."""
    year, month = divmod(today.year * 12 + today.month - 1 - WINDOW_MONTHS, 12)
    month += 1
    day = today.day
    while True:
        try:
            return date(year, month, day)
        except ValueError:
            day -= 1


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def _days_in_window(pair: PairSpan, since: date, today: date) -> int:
    start = max(pair.created_on, since)
    end = min(pair.ended_on or today, today)
    return max((end - start).days, 0)


@dataclass
class _Tally:
    """One scheme's running totals while the rows are read."""

    pairs: int = 0
    days: int = 0
    judged: int = 0
    as_declared: int = 0
    meetings: int = 0
    minutes: int = 0
    without_duration: int = 0
    mentees: set[int] = field(default_factory=set)  # user ids of mentees who met
    mentors_meeting: set[int] = field(default_factory=set)  # of mentors who met
    mentors: set[int] = field(default_factory=set)  # of mentors enrolled or paired


def _tally_meetings(tallies: dict[int, _Tally], rows: list[PairMeetings]) -> None:
    for row in rows:
        tally = tallies[row.scheme_id]
        tally.meetings += row.meetings
        tally.minutes += row.minutes
        tally.without_duration += row.without_duration
        tally.mentees.add(row.mentee_id)
        tally.mentors_meeting.add(row.mentor_id)


def _tally_pairs(tallies, spans, meetings_of_pair, intervals, since, today) -> None:
    """Pairs, their time in the window, and whether each met as often as its scheme declares:
    judged once paired in the window for the scheme's longest interval, meeting as declared when
    its meetings per week are at least one per longest interval."""
    for pair in spans:
        tally = tallies[pair.scheme_id]
        days = _days_in_window(pair, since, today)
        longest = intervals[pair.scheme_id]
        tally.pairs += 1
        tally.days += days
        tally.mentors.add(pair.mentor_id)
        if days >= 7 * longest:
            tally.judged += 1
            tally.as_declared += meetings_of_pair.get(pair.pair_id, 0) * 7 * longest >= days


def _activity(
    scheme: Scheme, tally: _Tally, held: SupervisionHeld, coverage: dict[str, Any], since: date
) -> SchemeActivity:
    mentors = tally.mentors | tally.mentors_meeting | held.attending_mentor_ids
    return SchemeActivity(
        scheme_id=scheme.pk,
        since=since,
        pairs=tally.pairs,
        pair_quarters=tally.days / DAYS_IN_QUARTER,
        meetings=tally.meetings,
        pairs_judged=tally.judged,
        pairs_meeting_as_declared=tally.as_declared,
        target_per_quarter=(
            WEEKS_IN_QUARTER / scheme.meeting_interval_max_weeks,
            WEEKS_IN_QUARTER / scheme.meeting_interval_min_weeks,
        ),
        one_to_one_sessions=held.one_to_one_sessions,
        group_sessions=held.group_sessions,
        mentors=len(mentors),
        mentors_attending_supervision=len(held.attending_mentor_ids),
        active_mentors=coverage["active_mentors"],
        mentors_meeting_training=coverage["meets_requirement"],
        mentees_meeting=len(tally.mentees),
        mentee_meeting_minutes=tally.minutes,
        mentors_meeting=len(tally.mentors_meeting),
        mentor_meeting_minutes=tally.minutes,
        mentor_supervision_minutes=held.attended_minutes,
        meetings_without_duration=tally.without_duration,
    )


def scheme_activity(
    schemes: Iterable[Scheme], *, today: date | None = None
) -> dict[int, SchemeActivity]:
    """Each scheme's activity over the last WINDOW_MONTHS months, as {scheme id: SchemeActivity},
    in seven queries however many schemes, pairs, meetings, sessions and records there are (the
    module docstring lists them). True counts: the caller applies disclosure where it shows them.
    """
    schemes = list(schemes)
    now = timezone.now()
    today = today or timezone.localdate(now)
    since = window_start(today)
    tallies = {scheme.pk: _Tally() for scheme in schemes}
    meetings = meetings_by_pair(schemes, since=since, until=today)
    _tally_meetings(tallies, meetings)
    _tally_pairs(
        tallies,
        pairs_in_window(schemes, since=since, until=today),
        {row.pair_id: row.meetings for row in meetings},
        {scheme.pk: scheme.meeting_interval_max_weeks for scheme in schemes},
        since,
        today,
    )
    window = {
        "since": _local_midnight(since),
        "until": min(now, _local_midnight(today + timedelta(days=1))),
    }
    for scheme_id, user_id in mentors_enrolled_between(schemes, **window):
        tallies[scheme_id].mentors.add(user_id)
    held = supervision_held_for_schemes(schemes, **window)
    coverage = training_coverage_for_schemes(schemes)
    return {
        scheme.pk: _activity(
            scheme, tallies[scheme.pk], held[scheme.pk], coverage[scheme.pk], since
        )
        for scheme in schemes
    }
