"""Fixtures for a pair with content in every confidential place, so tests can look for it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from .factories import (
    AgreementFactory,
    GoalFactory,
    MeetingFactory,
    PlannedMeetingFactory,
    PrivateNoteFactory,
)

# Strings that must appear only where the rules allow.
SUMMARY = "SHARED-SUMMARY-we-discussed-the-rota"
MENTEE_NOTE = "MENTEE-PRIVATE-NOTE-i-am-struggling"
MENTOR_NOTE = "MENTOR-PRIVATE-NOTE-refer-to-psu"
GOAL = "GOAL-TEXT-decide-on-specialty"
TOPIC = "TOPIC-TEXT-rota-gaps"
AGREEMENT = "AGREEMENT-TEXT-work-on-wellbeing"
CONTENT = [SUMMARY, MENTEE_NOTE, MENTOR_NOTE, GOAL, TOPIC, AGREEMENT]


@pytest.fixture
def meeting(pair):
    """A meeting the mentee logged, with a private note from each member."""
    meeting = MeetingFactory(
        pair=pair,
        held_on=timezone.localdate() - timedelta(days=5),
        summary=SUMMARY,
        topics=["career", TOPIC],
        logged_by=pair.mentee,
    )
    PrivateNoteFactory(meeting=meeting, author=pair.mentee, text=MENTEE_NOTE)
    PrivateNoteFactory(meeting=meeting, author=pair.mentor, text=MENTOR_NOTE)
    return meeting


@pytest.fixture
def goal(pair):
    return GoalFactory(pair=pair, title=GOAL)


@pytest.fixture
def agreement(pair):
    return AgreementFactory(pair=pair, working_on=AGREEMENT)


@pytest.fixture
def planned(pair):
    return PlannedMeetingFactory(pair=pair, place="Room 4, Bethlem Royal Hospital")


@pytest.fixture
def full_pair(pair, meeting, goal, agreement, planned):
    """`pair` with a logged meeting, notes, a goal, an agreement and a planned meeting."""
    return pair


@pytest.fixture
def pair(pair):
    """The cast's pair, introduced two months ago so that past meetings can be logged."""
    pair.created_at = pair.status_changed_at = timezone.now() - timedelta(days=60)
    pair.save(update_fields=["created_at", "status_changed_at"])
    return pair
