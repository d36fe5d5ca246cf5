"""Recognition of mentors: the scheme's criteria, the mentor's progress, and the figures printed
on a certificate of mentoring activity.

Two facts come from apps written alongside this one, so they are read through the two small
functions below, which import lazily and say clearly when the fact is not available (they return
None, and the criterion shows as "not available yet" and unmet) instead of failing:

- `meetings_logged_by_mentor(enrolment)`: `meetings.models.Meeting` rows of the mentor's pairs
  (`Meeting.pair` → `matching.Pair.mentor_enrolment`). A count only: never what was written.
- `end_of_pair_survey_returned(enrolment)`: a `surveys.models.Invitation` of the mentor for this
  scheme at the `end_of_pair` moment with `responded_at` set. The invitation knows only *that*
  the mentor answered, never what, so anonymity holds.
"""

import logging
from dataclasses import dataclass

from django.core.exceptions import FieldError
from django.db.models import Sum

from .models import Certificate, RecognitionCriteria, SessionAttendance, TrainingRecord

logger = logging.getLogger(__name__)


def meetings_logged_by_mentor(enrolment):
    """How many meetings the mentor's pairs in this enrolment have logged, or None if unknown."""
    try:
        from meetings.models import Meeting
    except ImportError:
        return None
    try:
        return Meeting.objects.filter(pair__mentor_enrolment=enrolment).count()
    except (FieldError, AttributeError) as error:
        logger.warning("Cannot count meetings for recognition: %s", error)
        return None


def end_of_pair_survey_returned(enrolment):
    """True if the mentor returned an end-of-pair survey in this scheme; None if unknown."""
    try:
        from surveys.models import Invitation, Moment
    except ImportError:
        return None
    try:
        return Invitation.objects.filter(
            scheme_id=enrolment.scheme_id,
            user_id=enrolment.user_id,
            moment=Moment.END_OF_PAIR,
            responded_at__isnull=False,
        ).exists()
    except (FieldError, AttributeError) as error:
        logger.warning("Cannot read end-of-pair surveys for recognition: %s", error)
        return None


def criteria_for(scheme):
    """The scheme's criteria, or the defaults (unsaved) when organisers have not changed them."""
    try:
        return scheme.recognition_criteria
    except RecognitionCriteria.DoesNotExist:
        return RecognitionCriteria(scheme=scheme)


@dataclass
class Criterion:
    label: str
    needed: str
    have: str
    met: bool
    unavailable: bool = False


def recognition_progress(enrolment):
    """Each criterion with what is needed, what the mentor has, and whether it is met.

    Returns a dict: criteria (list of Criterion), met (all met), certificate (the valid one, or
    None).
    """
    criteria = criteria_for(enrolment.scheme)
    rows = []
    verified = TrainingRecord.objects.filter(
        scheme_id=enrolment.scheme_id,
        mentor_id=enrolment.user_id,
        status=TrainingRecord.Status.VERIFIED,
    ).count()
    if criteria.min_verified_training:
        rows.append(
            Criterion(
                label="Training records verified by an organiser",
                needed=f"at least {criteria.min_verified_training}",
                have=str(verified),
                met=verified >= criteria.min_verified_training,
            )
        )
    if criteria.min_meetings_logged:
        meetings = meetings_logged_by_mentor(enrolment)
        rows.append(
            Criterion(
                label="Meetings logged with your mentees",
                needed=f"at least {criteria.min_meetings_logged}",
                have="not available yet" if meetings is None else str(meetings),
                met=meetings is not None and meetings >= criteria.min_meetings_logged,
                unavailable=meetings is None,
            )
        )
    if criteria.require_end_of_pair_survey:
        returned = end_of_pair_survey_returned(enrolment)
        rows.append(
            Criterion(
                label="The end-of-pair survey returned",
                needed="returned",
                have={None: "not available yet", True: "returned", False: "not yet"}[returned],
                met=bool(returned),
                unavailable=returned is None,
            )
        )
    return {
        "criteria": rows,
        "met": all(row.met for row in rows),
        "certificate": Certificate.objects.filter(enrolment=enrolment, revoked_at=None).first(),
    }


def activity_summary(enrolment):
    """The figures a certificate prints: training, mentees, meetings and supervision attended."""
    from matching.models import Pair

    records = TrainingRecord.objects.filter(
        scheme_id=enrolment.scheme_id,
        mentor_id=enrolment.user_id,
        status=TrainingRecord.Status.VERIFIED,
    ).order_by("completed_on")
    hours = records.aggregate(total=Sum("hours"))["total"] or 0
    return {
        "since": enrolment.created_at.date().isoformat(),
        "training": [
            {
                "title": record.title,
                "kind": record.get_kind_display(),
                "provider": record.provider,
                "completed_on": record.completed_on.isoformat(),
                "hours": str(record.hours),
            }
            for record in records
        ],
        "training_hours": str(hours),
        "mentees": Pair.objects.filter(mentor_enrolment=enrolment).count(),
        "meetings_logged": meetings_logged_by_mentor(enrolment),
        "supervision_attended": SessionAttendance.objects.filter(
            mentor_enrolment=enrolment, status=SessionAttendance.Status.ATTENDED
        ).count(),
    }
