"""Meeting content is kept for a limited time after a pair ends (MEETING_CONTENT_RETENTION_DAYS).

What is deleted is what the pair wrote: summaries, topics, private notes, goals and the agreement.
What remains is metadata (that meetings happened, when, how long), so reports keep their counts.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from matching.models import Pair

from .models import Goal, GoalProgress, Meeting, MentoringAgreement, PrivateNote


def content_deleted_on(pair):
    """The date this ended pair's content is (or was) deleted, or None while it is current."""
    if pair.ended_at is None:
        return None
    return (pair.ended_at + timedelta(days=settings.MEETING_CONTENT_RETENTION_DAYS)).date()


def meeting_content_delete_expired(*, now=None):
    """Delete the content of pairs that ended longer ago than the retention period.

    Idempotent: a second run finds nothing left to delete. Returns the number of pairs cleared.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.MEETING_CONTENT_RETENTION_DAYS)
    pair_ids = list(Pair.objects.ended().filter(ended_at__lt=cutoff).values_list("pk", flat=True))
    cleared = 0
    for start in range(0, len(pair_ids), 500):
        chunk = pair_ids[start : start + 500]
        with transaction.atomic():
            meetings = Meeting.objects.filter(pair_id__in=chunk)
            deleted_notes, _ = PrivateNote.objects.filter(meeting__in=meetings).delete()
            GoalProgress.objects.filter(meeting__in=meetings).delete()
            changed = meetings.exclude(summary="", topics=[]).update(summary="", topics=[])
            deleted_goals, _ = Goal.objects.filter(pair_id__in=chunk).delete()
            deleted_agreements, _ = MentoringAgreement.objects.filter(pair_id__in=chunk).delete()
            if deleted_notes or changed or deleted_goals or deleted_agreements:
                cleared += len(chunk)
    return cleared
