"""Uptake of schemes by mentees, in numbers and in the survey's bands.

Counts come from two grouped queries whatever the number of schemes, so a regional or national
report costs the same number of queries at any size.
"""

from django.utils import timezone

from schemes.selectors import (
    enrolled_mentees_by_part,
    enrolled_mentees_by_scheme,
    scheme_admits_trainee,
    trainee_population,
)

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


def run_for_several_text(scheme):
    """How a scheme run for several trusts is labelled wherever a trust's part of it shows."""
    host = scheme.organisation
    return f"run by {host.short_name or host.name} for several trusts"


def part_label(scheme):
    """The scheme's name, and for a scheme run for several trusts who runs it."""
    return f"{scheme.name} ({run_for_several_text(scheme)})" if scheme.has_partners else scheme.name


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


def _eligible(scheme, groups, trust_ids=None):
    """Sum the (organisation, grade, specialty) groups the scheme's mentee rules admit, in the
    trusts it serves (or those of `trust_ids`)."""
    trust_ids = scheme.trust_ids() if trust_ids is None else trust_ids
    return sum(
        count
        for (organisation_id, grade, specialty), count in groups.items()
        if organisation_id in trust_ids and scheme_admits_trainee(scheme, grade, specialty)
    )


def _percent(count, eligible):
    return round(100 * count / eligible, 1) if eligible else None


def uptake_by_scheme(schemes):
    """{scheme_id: (eligible, enrolled mentees, percent or None)} for the given schemes."""
    return uptake_with_sources(schemes)[0]


def uptake_with_sources(schemes, *, on=None):
    """(uptake_by_scheme's answer, {organisation id: date of its trainee list}); eligible
    trainees are those placed on `on` (default today) where the trust has a list."""
    schemes = list(schemes)
    population = trainee_population(
        set().union(*(scheme.trust_ids() for scheme in schemes)), on=on or timezone.localdate()
    )
    enrolled = enrolled_mentees_by_scheme(schemes)
    result = {}
    for scheme in schemes:
        eligible = _eligible(scheme, population.groups)
        count = enrolled.get(scheme.pk, 0)
        result[scheme.pk] = (eligible, count, _percent(count, eligible))
    return result, population.list_dates


def uptake_by_part(schemes, *, on=None):
    """Each trust's part of each scheme: {(scheme id, trust id): (eligible, enrolled, percent or
    None)} for every trust the scheme serves (for a scheme of one trust, its own), and the
    trainee lists' dates. Each trainee and each enrolment counts in their own trust."""
    served = [(scheme, scheme.trust_ids()) for scheme in schemes]
    population = trainee_population(
        set().union(*(ids for _, ids in served)), on=on or timezone.localdate()
    )
    enrolled = enrolled_mentees_by_part([scheme for scheme, _ in served])
    result = {}
    for scheme, trust_ids in served:
        for trust_id in trust_ids:
            eligible = _eligible(scheme, population.groups, {trust_id})
            count = enrolled.get((scheme.pk, trust_id), 0)
            result[(scheme.pk, trust_id)] = (eligible, count, _percent(count, eligible))
    return result, population.list_dates


def scheme_totals(parts):
    """Each scheme's uptake as a whole from `uptake_by_part`'s answer: {scheme id: (eligible,
    enrolled, percent or None)}. A trainee counts in one trust, so the parts add up."""
    sums = {}
    for (scheme_id, _trust_id), (eligible, enrolled, _) in parts.items():
        total_eligible, total_enrolled = sums.get(scheme_id, (0, 0))
        sums[scheme_id] = (total_eligible + eligible, total_enrolled + enrolled)
    return {
        scheme_id: (eligible, enrolled, _percent(enrolled, eligible))
        for scheme_id, (eligible, enrolled) in sums.items()
    }
