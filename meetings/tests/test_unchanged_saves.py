"""Saving what is already stored is not an update: the pair's "updated" times stay true."""

from datetime import timedelta

import pytest
from django.utils import timezone

from meetings import services
from meetings.models import Goal, PrivateNote

from .factories import GoalFactory, MeetingFactory

pytestmark = pytest.mark.django_db

LAST_WEEK = timezone.now() - timedelta(days=7)


def test_saving_a_goal_unchanged_keeps_when_it_was_last_updated(pair, mentee):
    goal = GoalFactory(pair=pair, title="Portfolio", details="Sign-offs", updated_at=LAST_WEEK)

    services.goal_update(
        goal=goal, user=mentee, title=" Portfolio ", details="Sign-offs", status=goal.status
    )

    assert Goal.objects.get(pk=goal.pk).updated_at == LAST_WEEK
    services.goal_update(goal=goal, user=mentee, title="Portfolio", details="", status="achieved")
    goal.refresh_from_db()
    assert goal.updated_at > LAST_WEEK and goal.status == "achieved"


def test_saving_a_private_note_unchanged_keeps_when_it_was_last_updated(pair, mentee):
    meeting = MeetingFactory(pair=pair, logged_by=mentee)
    services.private_note_save(meeting=meeting, author=mentee, text="Felt better")
    PrivateNote.objects.update(updated_at=LAST_WEEK)

    services.private_note_save(meeting=meeting, author=mentee, text="Felt better ")

    assert PrivateNote.objects.get().updated_at == LAST_WEEK
    services.private_note_save(meeting=meeting, author=mentee, text="Felt much better")
    note = PrivateNote.objects.get()
    assert note.updated_at > LAST_WEEK and note.text == "Felt much better"
