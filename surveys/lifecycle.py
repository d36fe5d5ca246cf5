"""surveys' part when an enrolment ends (schemes.lifecycle): no more survey follow-ups.

The sweep already asks nobody whose enrolment is withdrawn (schedule.py); this closes the
surveys the person was asked in that role and has not answered, so no reminder goes out.
"""

from django.utils import timezone

from .models import Invitation


def invitations_close_for_ended_enrolment(*, enrolment, cause):
    now = timezone.now()
    Invitation.objects.filter(
        user=enrolment.user,
        scheme=enrolment.scheme,
        template__audience=enrolment.role,
        responded_at=None,
        closes_at__gt=now,
    ).update(closes_at=now)
