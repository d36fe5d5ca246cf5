"""Uptake of schemes by mentees, in numbers and in the survey's bands.

Counts come from two grouped queries whatever the number of schemes, so a regional or national
report costs the same number of queries at any size.
"""

from collections import Counter

from django.db.models import Count
from django.db.models.functions import Lower

from accounts.models import User
from schemes.models import TRAINEE_GRADES, Enrolment, MenteeEligibility

BANDS = ["<25%", "25–50%", "50–75%", ">75%"]


def uptake_band(percent):
    if percent is None:
        return "No data"
    if percent < 25:
        return BANDS[0]
    if percent < 50:
        return BANDS[1]
    if percent < 75:
        return BANDS[2]
    return BANDS[3]


def _eligible(scheme, trainee_groups):
    """Sum the (organisation, grade, specialty) groups the scheme's mentee rules admit."""
    grades = set(TRAINEE_GRADES)
    specialties = None
    if scheme.mentee_eligibility == MenteeEligibility.CHOSEN:
        if scheme.eligible_grades:
            grades &= set(scheme.eligible_grades)
        if scheme.eligible_specialties:
            specialties = {specialty.lower() for specialty in scheme.eligible_specialties}
    return sum(
        count
        for (organisation_id, grade, specialty), count in trainee_groups.items()
        if organisation_id == scheme.organisation_id
        and grade in grades
        and (specialties is None or specialty in specialties)
    )


def uptake_by_scheme(schemes):
    """{scheme_id: (eligible, enrolled mentees, percent or None)} for the given schemes."""
    schemes = list(schemes)
    organisation_ids = {scheme.organisation_id for scheme in schemes}
    trainee_groups = Counter(
        {
            (row["organisation_id"], row["grade"], row["specialty_lower"]): row["count"]
            for row in User.objects.filter(
                organisation_id__in=organisation_ids, grade__in=TRAINEE_GRADES, is_active=True
            )
            .values("organisation_id", "grade", specialty_lower=Lower("specialty"))
            .annotate(count=Count("id"))
        }
    )
    enrolled = dict(
        Enrolment.objects.filter(scheme__in=schemes, role=Enrolment.Role.MENTEE)
        .exclude(status__in=[Enrolment.Status.WITHDRAWN, Enrolment.Status.REQUESTED])
        .values_list("scheme_id")
        .annotate(count=Count("user", distinct=True))
    )
    result = {}
    for scheme in schemes:
        eligible = _eligible(scheme, trainee_groups)
        count = enrolled.get(scheme.pk, 0)
        result[scheme.pk] = (
            eligible,
            count,
            round(100 * count / eligible, 1) if eligible else None,
        )
    return result
