"""Uptake of schemes by mentees, in numbers and in the survey's bands.

Counts come from two grouped queries whatever the number of schemes, so a regional or national
report costs the same number of queries at any size.
"""

from django.utils import timezone

from schemes.selectors import enrolled_mentees_by_scheme, scheme_admits_trainee, trainee_population

BANDS = ["<25%", "25–50%", "50–75%", ">75%"]


COUNTED_FROM_ACCOUNTS = (
    "Eligible trainees counted from accounts — import your trainee list for a true uptake figure"
)


def counted_from(list_date):
    """Where an organisation's eligible trainees come from, in the words every page and export
    uses: its trainee list of `list_date`, or (None) its trainees' accounts."""
    if list_date is None:
        return COUNTED_FROM_ACCOUNTS
    return f"Eligible trainees counted from the trust's trainee list of {list_date:%-d %B %Y}"


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


def _eligible(scheme, groups):
    """Sum the (organisation, grade, specialty) groups the scheme's mentee rules admit."""
    return sum(
        count
        for (organisation_id, grade, specialty), count in groups.items()
        if organisation_id == scheme.organisation_id
        and scheme_admits_trainee(scheme, grade, specialty)
    )


def uptake_by_scheme(schemes):
    """{scheme_id: (eligible, enrolled mentees, percent or None)} for the given schemes."""
    return uptake_with_sources(schemes)[0]


def uptake_with_sources(schemes, *, on=None):
    """(uptake_by_scheme's answer, {organisation id: date of its trainee list}); eligible
    trainees are those placed on `on` (default today) where the trust has a list."""
    schemes = list(schemes)
    population = trainee_population(
        {scheme.organisation_id for scheme in schemes}, on=on or timezone.localdate()
    )
    enrolled = enrolled_mentees_by_scheme(schemes)
    result = {}
    for scheme in schemes:
        eligible = _eligible(scheme, population.groups)
        count = enrolled.get(scheme.pk, 0)
        result[scheme.pk] = (
            eligible,
            count,
            round(100 * count / eligible, 1) if eligible else None,
        )
    return result, population.list_dates
