"""The seed's regional survey, answered live from each trust's configuration and enrolments.

The per-scheme facts a trust declares (who may mentor, training required, support, resources) are
not counts of people and are shown as they are. The counts of people, each scheme's eligible
trainees and enrolled mentees, go through schemes.disclosure (`count`): 1 to 4 reads "fewer than
5". Uptake, a percentage, is given only when both counts are shown and at least the threshold
were eligible; so is its band (a band and an exact number eligible can pin a small number
enrolled), and a scheme whose uptake is not shown is left out of the uptake figure and of the
average.
"""

from collections import Counter
from dataclasses import dataclass, field

from schemes import disclosure
from schemes.selectors import region_organisations, region_schemes, report_vocabulary

from .uptake import (
    BANDS,
    counted_from,
    part_label,
    scheme_totals,
    uptake_band,
    uptake_by_part,
)

MENTOR_KINDS = [
    ("trainees", "Trainees"),
    ("consultants", "Consultants"),
    ("sas", "SAS doctors"),
    ("other", "Other healthcare professionals"),
]


@dataclass
class ProvisionRow:
    organisation: object  # a schemes Organisation
    # [{scheme, eligible, enrolled (disclosure.Shown), percent, band, recruitment}]
    schemes: list = field(default_factory=list)
    counted_from: str = ""  # where its eligible trainees come from (reports.uptake.counted_from)

    @property
    def has_scheme(self):
        return bool(self.schemes)


def _recruitment(scheme):
    parts = []
    if scheme.recruits_at_intake:
        parts.append("At rotation start")
    if scheme.accepts_requests:
        parts.append("on request at any time")
    if scheme.accepts_referrals:
        parts.append("by referral")
    return ", ".join(parts).capitalize() or "Any time"


UPTAKE_NOT_SHOWN = "Not shown"


def _uptake_shown(eligible, enrolled, percent):
    """(eligible, enrolled) as disclosure.Shown, and the percent and band that may be shown."""
    eligible_shown, enrolled_shown = disclosure.count(eligible), disclosure.count(enrolled)
    if percent is None:
        return eligible_shown, enrolled_shown, None, uptake_band(None)
    if eligible_shown.suppressed or enrolled_shown.suppressed or not disclosure.enough(eligible):
        return eligible_shown, enrolled_shown, None, UPTAKE_NOT_SHOWN
    return eligible_shown, enrolled_shown, percent, uptake_band(percent)


def _scheme_entry(scheme, shown):
    eligible, enrolled, percent, band = shown
    return {
        "scheme": scheme,
        "label": part_label(scheme),
        "eligible": eligible,
        "enrolled": enrolled,
        "percent": percent,
        "band": band,
        "recruitment": _recruitment(scheme),
    }


def _rows(organisations, schemes, parts, list_dates):
    """One ProvisionRow per organisation, holding its part of each scheme that serves it: its
    own schemes, and those run by another trust for several (each trainee counts in their own
    trust, so each trust's row shows its own part, never the scheme's total)."""
    rows = {
        organisation.pk: ProvisionRow(
            organisation, counted_from=counted_from(list_dates.get(organisation.pk))
        )
        for organisation in organisations
    }
    for scheme in sorted(schemes, key=lambda scheme: scheme.name):
        for trust_id in sorted(scheme.trust_ids(), key=lambda pk: pk != scheme.organisation_id):
            if trust_id in rows:
                entry = _scheme_entry(scheme, _uptake_shown(*parts[(scheme.pk, trust_id)]))
                rows[trust_id].schemes.append(entry)
    return list(rows.values())


def _mentor_kinds(schemes):
    """How many schemes take each kind of mentor."""
    kinds = Counter()
    for scheme in schemes:
        kinds["trainees"] += scheme.mentors_may_be_trainees
        kinds["consultants"] += scheme.mentors_may_be_consultants
        kinds["sas"] += scheme.mentors_may_be_sas
        kinds["other"] += scheme.mentors_may_be_other_professionals
    return kinds


def _average(percents):
    return round(sum(percents) / len(percents), 1) if percents else None


def _scheme_counts(schemes):
    """The counts of schemes the seed reports: opt-in, opt-out, collecting outcome data."""
    vocabulary = report_vocabulary()
    return {
        "scheme_count": len(schemes),
        "opt_in_count": sum(1 for s in schemes if s.enrolment_model == vocabulary["opt_in"]),
        "opt_out_count": sum(1 for s in schemes if s.enrolment_model == vocabulary["opt_out"]),
        "outcome_data_count": sum(1 for s in schemes if s.collects_outcome_data),
    }


def _peer_figures(peer, shown):
    """The seed's figures on uptake and training, over the peer schemes it analysed."""
    bands = Counter(shown[scheme.pk][3] for scheme in peer)
    training = Counter(scheme.mentor_training_required for scheme in peer)
    percents = [shown[s.pk][2] for s in peer if shown[s.pk][2] is not None]
    choices = report_vocabulary()["mentor_training_choices"]
    return {
        "peer_scheme_count": len(peer),
        "peer_only_count": sum(1 for scheme in peer if scheme.is_peer_only),
        "average_peer_uptake": _average(percents),
        "uptake_not_shown_count": bands[UPTAKE_NOT_SHOWN],
        "uptake": [(band, bands[band]) for band in BANDS],
        "training": [(label, training[value]) for value, label in choices],
    }


def region_provision(region):
    """One row per organisation of the region, and the seed's three figures.

    Returns a dict: rows, figures (who are the mentors, uptake bands, mentor training) and the
    headline counts the seed reports (organisations, with a scheme, peer schemes).

    1. Read the region's organisations and schemes, and each scheme's uptake as shown.
    2. One row per organisation with its part of each scheme that serves it.
    3. The figures over all schemes (mentor kinds, counts) and over the peer schemes.
    """
    organisations = region_organisations(region)
    schemes = region_schemes(region)
    parts, list_dates = uptake_by_part(schemes)
    uptake = scheme_totals(parts)
    shown = {scheme.pk: _uptake_shown(*uptake[scheme.pk]) for scheme in schemes}
    rows = _rows(organisations, schemes, parts, list_dates)
    # As in the seed: a peer scheme has trainees as mentors (7 in South London); two of those also
    # use consultants and so are not peer-only. A scheme of senior mentors only is not peer.
    peer = [scheme for scheme in schemes if scheme.mentors_may_be_trainees]
    mentor_kinds = _mentor_kinds(schemes)
    peer_figures = _peer_figures(peer, shown)
    return {
        "rows": rows,
        "organisation_count": len(organisations),
        "with_scheme_count": sum(1 for row in rows if row.has_scheme),
        "peer_scheme_count": peer_figures["peer_scheme_count"],
        "peer_only_count": peer_figures["peer_only_count"],
        **_scheme_counts(schemes),
        "average_peer_uptake": peer_figures["average_peer_uptake"],
        "uptake_not_shown_count": peer_figures["uptake_not_shown_count"],
        "min_count": disclosure.min_count(),
        "figures": {
            "mentors": [(label, mentor_kinds[key]) for key, label in MENTOR_KINDS],
            "uptake": peer_figures["uptake"],
            "training": peer_figures["training"],
        },
    }
