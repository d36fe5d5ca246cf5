from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings.models import Goal, Meeting, MentoringAgreement, PrivateNote
from meetings.retention import meeting_content_delete_expired
from meetings.tests.factories import GoalFactory, MeetingFactory, PrivateNoteFactory


def end(pair, days_ago):
    pair.created_at = timezone.now() - timedelta(days=days_ago + 200)
    pair.status = "ended"
    pair.ended_at = timezone.now() - timedelta(days=days_ago)
    pair.save()


@pytest.mark.django_db
def test_content_is_deleted_a_year_after_the_pair_ended_and_metadata_stays(pair, other_pair):
    meeting = MeetingFactory(pair=pair)
    PrivateNoteFactory(meeting=meeting)
    GoalFactory(pair=pair)
    kept_meeting = MeetingFactory(pair=other_pair)
    end(pair, days_ago=366)
    end(other_pair, days_ago=300)

    assert meeting_content_delete_expired() == 1
    assert meeting_content_delete_expired() == 0  # nothing left the second time

    meeting.refresh_from_db()
    assert meeting.summary == "" and meeting.topics == []
    assert meeting.held_on and meeting.duration_minutes  # the fact of the meeting stays
    assert not PrivateNote.objects.filter(meeting=meeting).exists()
    assert not Goal.objects.filter(pair=pair).exists()
    assert not MentoringAgreement.objects.filter(pair=pair).exists()
    assert Meeting.objects.get(pk=kept_meeting.pk).summary != ""


@pytest.mark.django_db
def test_the_pair_page_says_when_content_will_be_deleted(client, pair, settings):
    settings.MEETING_CONTENT_RETENTION_DAYS = 365
    end(pair, days_ago=10)
    client.force_login(pair.mentee)
    body = client.get(reverse("meetings:pair-detail", args=[pair.pk])).content.decode()
    deleted_on = (pair.ended_at + timedelta(days=365)).date()
    assert f"until {deleted_on.day} {deleted_on:%B %Y}" in body
