"""Pair health follows the meetings held against the scheme's target interval, whether or not a
reminder went out (issue #13, item 4). The list's filter and each row's badge use one rule."""

from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from matching.models import Pair
from matching.tests.factories import PairFactory
from meetings.health import Health
from meetings.selectors import organiser_digest, organiser_pairs

from .factories import MeetingFactory

TODAY = timezone.localdate()


def days_ago(days):
    return TODAY - timedelta(days=days)


def began(days):
    return datetime.combine(days_ago(days), time(12, 0), tzinfo=timezone.get_default_timezone())


@pytest.fixture
def four_to_eight(scheme):
    scheme.meeting_interval_min_weeks = 4
    scheme.meeting_interval_max_weeks = 8
    scheme.save()
    return scheme


def pair_that_met(scheme, *, started, met):
    pair = PairFactory(scheme=scheme, created_at=began(started), status_changed_at=began(started))
    for days in met:
        MeetingFactory(pair=pair, held_on=days_ago(days))
    return pair


@pytest.fixture
def cast(four_to_eight):
    """The issue's pairs, and one of each other state, in a 4–8-week scheme; no reminder sent."""
    scheme = four_to_eight
    return {
        "silent_77": pair_that_met(scheme, started=200, met=[120, 77]),
        "silent_85": pair_that_met(scheme, started=200, met=[85]),
        "never_met_90": pair_that_met(scheme, started=90, met=[]),
        "new": pair_that_met(scheme, started=10, met=[]),
        "met_recently": pair_that_met(scheme, started=100, met=[12]),
        "met_6_weeks_ago": pair_that_met(scheme, started=100, met=[42]),
        "paused": PairFactory(
            scheme=scheme, status=Pair.Status.PAUSED, status_changed_at=began(100)
        ),
    }


def healths(scheme, params=None):
    _, rows = organiser_pairs(scheme, params)
    return {row["pair"].pk: row["health"] for row in rows}


@pytest.mark.django_db
def test_each_pair_reads_its_health_from_its_meetings_against_the_interval(cast, four_to_eight):
    health = healths(four_to_eight)
    assert health[cast["silent_77"].pk] == Health.NEEDS_CHECK_IN
    assert health[cast["silent_85"].pk] == Health.NEEDS_CHECK_IN
    assert health[cast["never_met_90"].pk] == Health.NEEDS_CHECK_IN
    assert health[cast["new"].pk] == Health.TOO_EARLY
    assert health[cast["met_recently"].pk] == Health.ON_TRACK
    assert health[cast["met_6_weeks_ago"].pk] == Health.DUE
    assert health[cast["paused"].pk] is None


@pytest.mark.django_db
@pytest.mark.parametrize("state", [value for value, _label in Health.CHOICES])
def test_the_filter_returns_exactly_the_pairs_whose_row_shows_that_health(
    cast, four_to_eight, state
):
    every = healths(four_to_eight)
    filtered = healths(four_to_eight, {"health": state})
    assert set(filtered) == {pk for pk, health in every.items() if health == state}
    assert set(filtered.values()) <= {state}


@pytest.mark.django_db
def test_boundaries_fall_on_the_shortest_and_longest_interval(four_to_eight):
    on_track = pair_that_met(four_to_eight, started=300, met=[28])
    due = pair_that_met(four_to_eight, started=300, met=[29])
    still_due = pair_that_met(four_to_eight, started=300, met=[56])
    check_in = pair_that_met(four_to_eight, started=300, met=[57])
    young = pair_that_met(four_to_eight, started=56, met=[])
    no_longer_young = pair_that_met(four_to_eight, started=57, met=[])
    health = healths(four_to_eight)
    assert health[on_track.pk] == Health.ON_TRACK
    assert health[due.pk] == health[still_due.pk] == Health.DUE
    assert health[check_in.pk] == Health.NEEDS_CHECK_IN
    assert health[young.pk] == Health.TOO_EARLY
    assert health[no_longer_young.pk] == Health.NEEDS_CHECK_IN
    for state in (Health.ON_TRACK, Health.DUE, Health.NEEDS_CHECK_IN, Health.TOO_EARLY):
        assert set(healths(four_to_eight, {"health": state})) == {
            pk for pk, value in health.items() if value == state
        }


@pytest.mark.django_db
def test_a_resumed_pair_counts_from_the_day_it_resumed(four_to_eight):
    resumed = pair_that_met(four_to_eight, started=300, met=[200])
    resumed.status_changed_at = began(3)
    resumed.save()
    assert healths(four_to_eight)[resumed.pk] == Health.ON_TRACK
    assert resumed.pk in healths(four_to_eight, {"health": Health.ON_TRACK})


@pytest.mark.django_db
def test_organiser_sees_may_need_a_check_in_for_the_silent_pairs(client, organiser, cast):
    client.force_login(organiser)
    address = reverse("meetings:organiser-pairs", args=[cast["silent_77"].scheme.slug])
    text = client.get(address, {"health": Health.NEEDS_CHECK_IN}).content.decode()
    for name in ("silent_77", "silent_85", "never_met_90"):
        assert cast[name].mentee.get_full_name() in text
    for name in ("new", "met_recently", "met_6_weeks_ago", "paused"):
        assert cast[name].mentee.get_full_name() not in text
    assert text.count("May need a check-in</span>") == 3


@pytest.mark.django_db
def test_the_digest_lists_the_same_pairs_as_the_filter(organiser, cast, four_to_eight):
    (section,) = organiser_digest(organiser)
    listed = {item["pair"].pk for item in section["check_in"]}
    assert listed == set(healths(four_to_eight, {"health": Health.NEEDS_CHECK_IN}))
    assert listed == {cast[name].pk for name in ("silent_77", "silent_85", "never_met_90")}
