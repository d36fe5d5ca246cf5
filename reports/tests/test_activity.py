"""Observed against declared (reports.activity): what a scheme's pairs, mentors and supervisors did
in the last 12 months, counted on a scheme whose every figure is worked out by hand below."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from matching.models import Pair
from matching.tests.factories import PairFactory
from meetings.tests.factories import MeetingFactory
from reports.activity import DAYS_IN_QUARTER, scheme_activity, window_start
from schemes.models import Enrolment
from schemes.tests.factories import EnrolmentFactory, MentorEnrolmentFactory, SchemeFactory
from supervision.models import SessionAttendance
from supervision.tests.factories import TrainingRecordFactory, session_with, verified_training

pytestmark = pytest.mark.django_db

ATTENDED = SessionAttendance.Status.ATTENDED
APOLOGIES = SessionAttendance.Status.APOLOGIES
ABSENT = SessionAttendance.Status.ABSENT


def days_ago(days, hour=10):
    """A moment `days` local days before today, at `hour` o'clock."""
    day = timezone.localdate() - timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(hour)))


def pair_of(scheme, mentor, *, begun, ended=None, status=Pair.Status.ACTIVE, **extra):
    """A pair begun `begun` days ago (and ended `ended` days ago), with a new mentee."""
    return PairFactory(
        scheme=scheme,
        mentor_enrolment=mentor,
        created_at=days_ago(begun),
        ended_at=days_ago(ended) if ended is not None else None,
        status=Pair.Status.ENDED if ended is not None else status,
        **extra,
    )


def meetings(pair, *days, minutes=60):
    for day in days:
        MeetingFactory(
            pair=pair, held_on=timezone.localdate() - timedelta(days=day), duration_minutes=minutes
        )


def attendance(session, statuses):
    """Record each invited mentor's attendance, in the order they were invited."""
    for row, status in zip(session.attendances.order_by("pk"), statuses, strict=True):
        row.status = status
        row.save()
    session.attendance_recorded_at = session.starts_at + timedelta(hours=2)
    session.save()
    return session


@pytest.fixture
def world(scheme, supervisor):
    """One scheme that meets every 4–8 weeks and asks for formal internal training:

    - pair "steady", begun 400 days ago and still meeting: 8 meetings of 60 minutes in the
      window (and one before it, and one dated next week by mistake) — as declared;
    - pair "paused", begun 200 days ago and paused since: 1 meeting of 45 minutes — not;
    - pair "rotated", begun 300 days ago, ended 100 days ago when its mentor rotated to another
      trust: 2 meetings of 30 minutes — not;
    - pair "new", begun 30 days ago with the steady pair's mentor: 1 meeting of 60 minutes, too
      new to judge;
    - pair "old", begun 600 days ago and ended 400 days ago: outside the window.
    """
    steady_mentor = MentorEnrolmentFactory(scheme=scheme, capacity=2)
    paused_mentor = MentorEnrolmentFactory(scheme=scheme)
    rotated_mentor = MentorEnrolmentFactory(
        scheme=scheme, status=Enrolment.Status.WITHDRAWN, status_changed_at=days_ago(100)
    )
    idle_mentor = MentorEnrolmentFactory(scheme=scheme)  # enrolled, never paired
    # Neither counts: withdrawn before the window, and a request not yet accepted.
    MentorEnrolmentFactory(
        scheme=scheme, status=Enrolment.Status.WITHDRAWN, status_changed_at=days_ago(500)
    )
    MentorEnrolmentFactory(scheme=scheme, status=Enrolment.Status.REQUESTED)

    steady = pair_of(scheme, steady_mentor, begun=400)
    meetings(steady, 380, 350, 300, 250, 200, 150, 100, 50, 5)
    meetings(steady, -7)  # dated next week: left out
    paused = pair_of(scheme, paused_mentor, begun=200, status=Pair.Status.PAUSED)
    meetings(paused, 190, minutes=45)
    rotated = pair_of(
        scheme, rotated_mentor, begun=300, ended=100, end_reason=Pair.EndReason.ROTATED_OUT
    )
    meetings(rotated, 280, 150, minutes=30)
    new = pair_of(scheme, steady_mentor, begun=30)
    meetings(new, 10)
    old = pair_of(scheme, paused_mentor, begun=600, ended=400)
    meetings(old, 500)

    # Supervision: a group session (steady attended, paused sent apologies, idle absent) and a
    # 1:1 of 45 minutes (paused attended). Not counted: a cancelled session, one whose attendance
    # was never recorded, and one before the window.
    group = session_with(
        supervisor, [steady_mentor, paused_mentor, idle_mentor], starts_at=days_ago(30)
    )
    attendance(group, [ATTENDED, APOLOGIES, ABSENT])
    one = session_with(supervisor, [paused_mentor], starts_at=days_ago(60), duration_minutes=45)
    attendance(one, [ATTENDED])
    cancelled = session_with(
        supervisor, [steady_mentor], starts_at=days_ago(20), cancelled_at=days_ago(25)
    )
    attendance(cancelled, [ATTENDED])
    session_with(supervisor, [idle_mentor], starts_at=days_ago(10))
    long_ago = session_with(supervisor, [idle_mentor], starts_at=days_ago(400))
    attendance(long_ago, [ATTENDED])

    # Training: verified formal internal (meets), verified informal (too informal), and a
    # formal course still waiting to be verified.
    verified_training(steady_mentor)
    verified_training(paused_mentor, kind="informal")
    TrainingRecordFactory(scheme=scheme, mentor=idle_mentor.user)
    return scheme


def test_a_scheme_observed_against_what_it_declared(world):
    activity = scheme_activity([world])[world.pk]
    today = timezone.localdate()
    since = window_start(today)

    assert activity.since == since
    assert activity.pairs == 4  # steady, paused, rotated, new: the old pair ended before
    in_window = (today - since).days + 200 + 200 + 30
    assert activity.pair_quarters == pytest.approx(in_window / DAYS_IN_QUARTER)
    assert activity.meetings == 8 + 1 + 2 + 1  # steady's before-window and next-week left out
    assert activity.meetings_per_pair_quarter == pytest.approx(12 / (in_window / DAYS_IN_QUARTER))
    assert activity.pairs_judged == 3  # the new pair has not had 8 weeks yet
    assert activity.pairs_meeting_as_declared == 1  # steady only
    assert activity.target_per_quarter == pytest.approx((13 / 8, 13 / 4))

    assert (activity.one_to_one_sessions, activity.group_sessions) == (1, 1)
    # steady's, paused's, rotated's (withdrawn in the window) and idle's mentors.
    assert activity.mentors == 4
    assert activity.mentors_attending_supervision == 2  # apologies and absence do not count

    assert (activity.active_mentors, activity.mentors_meeting_training) == (3, 1)

    assert activity.mentees_meeting == 4
    assert activity.mentee_meeting_minutes == 8 * 60 + 45 + 2 * 30 + 60
    assert activity.mentors_meeting == 3  # steady's mentor met two mentees
    assert activity.mentor_meeting_minutes == activity.mentee_meeting_minutes
    assert activity.mentor_supervision_minutes == 60 + 45
    # Meeting.duration_minutes is required (5 to 600), so every meeting has one.
    assert activity.meetings_without_duration == 0


def test_a_pair_meeting_less_often_than_the_longest_interval_is_not_as_declared(scheme):
    mentor = MentorEnrolmentFactory(scheme=scheme)
    # 112 days, 8-weekly at most: two meetings are as declared, one is not.
    enough = pair_of(scheme, mentor, begun=112)
    meetings(enough, 100, 40)
    too_few = pair_of(scheme, MentorEnrolmentFactory(scheme=scheme), begun=112)
    meetings(too_few, 100)

    activity = scheme_activity([scheme])[scheme.pk]

    assert (activity.pairs_judged, activity.pairs_meeting_as_declared) == (2, 1)


def test_a_pair_begun_before_the_window_counts_only_its_time_inside(scheme):
    pair_of(scheme, MentorEnrolmentFactory(scheme=scheme), begun=1000, ended=300)
    activity = scheme_activity([scheme])[scheme.pk]
    inside = (timezone.localdate() - timedelta(days=300) - activity.since).days
    assert activity.pair_quarters == pytest.approx(inside / DAYS_IN_QUARTER)


def test_a_scheme_without_pairs_has_no_meetings_per_pair(scheme):
    EnrolmentFactory(scheme=scheme)
    activity = scheme_activity([scheme])[scheme.pk]
    assert (activity.pairs, activity.pair_quarters, activity.meetings) == (0, 0, 0)
    assert activity.meetings_per_pair_quarter is None


def test_a_scheme_that_asks_for_no_training_counts_every_active_mentor_as_meeting_it(scheme):
    scheme.mentor_training_required = "none"
    scheme.save()
    MentorEnrolmentFactory(scheme=scheme)
    MentorEnrolmentFactory(scheme=scheme)
    activity = scheme_activity([scheme])[scheme.pk]
    assert (activity.active_mentors, activity.mentors_meeting_training) == (2, 2)


def test_each_scheme_counts_only_its_own(world, other_scheme):
    pair = pair_of(other_scheme, MentorEnrolmentFactory(scheme=other_scheme), begun=90)
    meetings(pair, 60, 30)
    activity = scheme_activity([world, other_scheme])
    assert (activity[world.pk].pairs, activity[world.pk].meetings) == (4, 12)
    assert (activity[other_scheme.pk].pairs, activity[other_scheme.pk].meetings) == (1, 2)
    assert activity[other_scheme.pk].mentors_attending_supervision == 0


def test_the_window_ends_on_the_day_asked_for(world):
    """Asked as of 100 days ago, the window runs from 465 to 100 days ago: later meetings and
    sessions are in its future, and the old pair and the session 400 days ago fall inside."""
    earlier = timezone.localdate() - timedelta(days=100)
    activity = scheme_activity([world], today=earlier)[world.pk]
    # steady: 380, 350, 300, 250, 200, 150, 100; paused: 190; rotated: 280, 150.
    assert activity.meetings == 10
    assert activity.pairs == 4  # steady, paused, rotated and old: the new pair had not begun
    assert (activity.one_to_one_sessions, activity.group_sessions) == (1, 0)
    assert activity.mentor_supervision_minutes == 60


def test_the_query_count_does_not_grow_with_the_schemes(world, django_assert_num_queries):
    with django_assert_num_queries(7):
        scheme_activity([world])
    more = [SchemeFactory(organisation=world.organisation) for _ in range(4)]
    for other in more:
        pair = pair_of(other, MentorEnrolmentFactory(scheme=other), begun=120)
        meetings(pair, 100, 50)
        verified_training(pair.mentor_enrolment)
    with django_assert_num_queries(7):
        scheme_activity([world, *more])
