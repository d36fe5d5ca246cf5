from django.utils import timezone

from accounts.panels import register

from . import selectors
from .models import SessionAttendance


@register
def my_mentor_training(request):
    """ "My mentor training": per mentor enrolment, whether the training gate is passed and what
    is left to do, and the next supervision session."""
    enrolments = selectors.mentor_enrolments(request.user)
    if not enrolments:
        return None
    rows = []
    for enrolment in enrolments:
        next_session = (
            SessionAttendance.objects.filter(
                mentor_enrolment=enrolment,
                session__cancelled_at=None,
                session__starts_at__gte=timezone.now(),
            )
            .select_related("session")
            .order_by("session__starts_at")
            .first()
        )
        rows.append(
            {
                "enrolment": enrolment,
                "training": selectors.training_requirement(enrolment),
                "next_session": next_session.session if next_session else None,
            }
        )
    return {
        "template": "supervision/panels/my_training.html",
        "context": {"rows": rows},
        "position": 30,
    }
