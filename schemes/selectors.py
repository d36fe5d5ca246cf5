"""Reads that several views share."""

from django.db.models import Count, Q
from django.utils import timezone

from .eligibility import mentee_decision, mentor_decision
from .models import Enrolment, Scheme, SchemeRole


def schemes_for_trainee(user):
    """The open schemes of the user's trust, each with what the user may do there.

    Returns a list of dicts: scheme, mentee (Decision), mentor (Decision), window (open intake
    window or None), next_window, enrolments (the user's current ones).
    """
    if not user.organisation_id:
        return []
    today = timezone.localdate()
    schemes = (
        Scheme.objects.filter(organisation_id=user.organisation_id, is_open=True)
        .select_related("organisation")
        .prefetch_related("intake_windows")
    )
    mine = {}
    for enrolment in Enrolment.objects.filter(user=user).exclude(status=Enrolment.Status.WITHDRAWN):
        mine.setdefault(enrolment.scheme_id, []).append(enrolment)
    rows = []
    for scheme in schemes:
        windows = list(scheme.intake_windows.all())
        rows.append(
            {
                "scheme": scheme,
                "mentee": mentee_decision(scheme, user),
                "mentor": mentor_decision(scheme, user),
                "window": next((w for w in windows if w.opens_on <= today <= w.closes_on), None),
                "next_window": next((w for w in windows if w.opens_on > today), None),
                "enrolments": mine.get(scheme.pk, []),
            }
        )
    return rows


def scheme_counts(schemes):
    """Schemes annotated with the numbers an overview shows (metadata only)."""
    current = ~Q(enrolments__status=Enrolment.Status.WITHDRAWN)
    return schemes.select_related("organisation").annotate(
        mentee_count=Count(
            "enrolments",
            filter=Q(enrolments__role=Enrolment.Role.MENTEE, enrolments__status="active"),
        ),
        mentor_count=Count(
            "enrolments",
            filter=Q(enrolments__role=Enrolment.Role.MENTOR, enrolments__status="active"),
        ),
        request_count=Count("enrolments", filter=Q(enrolments__status="requested") & current),
    )


def scheme_staff(scheme):
    return (
        SchemeRole.objects.filter(scheme=scheme)
        .select_related("user")
        .order_by("role", "user__last_name")
    )
