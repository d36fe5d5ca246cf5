"""matching's part when an enrolment ends (schemes.lifecycle): requests to and from it close.

Pairs are ended by the meetings app, which owns a pair's life cycle; a mentor's places are
counted from current pairs and waiting requests, so ending both frees them.
"""

from django.utils import timezone

from schemes.models import Enrolment

from .models import MentorChoice
from .services import _move_on


def mentor_choices_close_for_ended_enrolment(*, enrolment, cause):
    """1. A mentee who leaves: their open requests are withdrawn (the mentor need not answer).
    2. A mentor who leaves: requests to them are withdrawn; a mentee whose request was waiting
       for this mentor's answer is asked about by their next choice, and told (once) kindly.
    """
    now = timezone.now()
    if enrolment.role == Enrolment.Role.MENTEE:
        MentorChoice.objects.open().filter(mentee_enrolment=enrolment).update(
            status=MentorChoice.Status.WITHDRAWN, responded_at=now
        )
        return
    waiting = list(
        MentorChoice.objects.waiting()
        .select_related("mentee_enrolment__scheme")
        .filter(mentor_enrolment=enrolment)
    )
    MentorChoice.objects.open().filter(mentor_enrolment=enrolment).update(
        status=MentorChoice.Status.WITHDRAWN, responded_at=now
    )
    for choice in waiting:
        choice.refresh_from_db()
        if choice.mentee_enrolment.status == Enrolment.Status.ACTIVE:
            _move_on(choice)
