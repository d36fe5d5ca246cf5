"""Upcoming planned meetings, named once on PlannedMeeting.objects."""

from datetime import timedelta

import pytest
from django.utils import timezone

from matching.tests.factories import PairFactory
from meetings.models import PlannedMeeting
from meetings.tests.factories import PlannedMeetingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def planned(scheme, now):
    pair = PairFactory(scheme=scheme)
    hour = timedelta(hours=1)

    def make(starts_at, cancelled=False):
        return PlannedMeetingFactory(
            pair=pair, starts_at=starts_at, cancelled_at=now - hour if cancelled else None
        )

    return {
        "past": make(now - hour),
        "exactly_now": make(now),
        "future": make(now + hour),
        "future_cancelled": make(now + hour, cancelled=True),
        "past_cancelled": make(now - hour, cancelled=True),
    }


def _names(planned, queryset):
    ids = set(queryset.values_list("pk", flat=True))
    return {name for name, meeting in planned.items() if meeting.pk in ids}


def test_upcoming_is_not_cancelled_and_starting_after_now(planned, now):
    assert _names(planned, PlannedMeeting.objects.upcoming(now)) == {"future"}


def test_upcoming_moves_with_the_moment_given(planned, now):
    earlier = now - timedelta(hours=2)
    assert _names(planned, PlannedMeeting.objects.upcoming(earlier)) == {
        "past",
        "exactly_now",
        "future",
    }


def test_upcoming_defaults_to_this_moment(planned):
    assert _names(planned, PlannedMeeting.objects.upcoming()) == {"future"}


def test_not_cancelled_keeps_past_and_future(planned):
    assert _names(planned, PlannedMeeting.objects.not_cancelled()) == {
        "past",
        "exactly_now",
        "future",
    }


def test_the_states_work_through_a_related_manager(planned, now):
    pair = planned["future"].pair
    assert list(pair.planned_meetings.upcoming(now)) == [planned["future"]]
