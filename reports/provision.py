"""The seed's regional survey, answered live from each trust's configuration and enrolments."""

from collections import Counter
from dataclasses import dataclass, field

from schemes.models import EnrolmentModel, MentorTraining, Organisation, Scheme

from .uptake import BANDS, uptake_band, uptake_by_scheme

MENTOR_KINDS = [
    ("trainees", "Trainees"),
    ("consultants", "Consultants"),
    ("sas", "SAS doctors"),
    ("other", "Other healthcare professionals"),
]


@dataclass
class ProvisionRow:
    organisation: Organisation
    schemes: list = field(default_factory=list)  # [(scheme, eligible, enrolled, percent, band)]

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


def region_provision(region):
    """One row per organisation of the region, and the seed's three figures.

    Returns a dict: rows, figures (who are the mentors, uptake bands, mentor training) and the
    headline counts the seed reports (organisations, with a scheme, peer schemes).
    """
    organisations = list(Organisation.objects.filter(region=region).order_by("name"))
    schemes = list(
        Scheme.objects.filter(organisation__region=region).select_related("organisation")
    )
    uptake = uptake_by_scheme(schemes)
    rows = {organisation.pk: ProvisionRow(organisation) for organisation in organisations}
    for scheme in schemes:
        eligible, enrolled, percent = uptake[scheme.pk]
        rows[scheme.organisation_id].schemes.append(
            {
                "scheme": scheme,
                "eligible": eligible,
                "enrolled": enrolled,
                "percent": percent,
                "band": uptake_band(percent),
                "recruitment": _recruitment(scheme),
            }
        )
    # As in the seed: a peer scheme has trainees as mentors (7 in South London); two of those also
    # use consultants and so are not peer-only. A scheme of senior mentors only is not peer.
    peer = [scheme for scheme in schemes if scheme.mentors_may_be_trainees]
    mentor_kinds = Counter()
    for scheme in schemes:
        mentor_kinds["trainees"] += scheme.mentors_may_be_trainees
        mentor_kinds["consultants"] += scheme.mentors_may_be_consultants
        mentor_kinds["sas"] += scheme.mentors_may_be_sas
        mentor_kinds["other"] += scheme.mentors_may_be_other_professionals
    # The seed's figures on uptake and training describe the peer schemes it analysed.
    bands = Counter(uptake_band(uptake[scheme.pk][2]) for scheme in peer)
    training = Counter(scheme.mentor_training_required for scheme in peer)
    peer_percents = [uptake[s.pk][2] for s in peer if uptake[s.pk][2] is not None]
    return {
        "rows": list(rows.values()),
        "organisation_count": len(organisations),
        "with_scheme_count": sum(1 for row in rows.values() if row.has_scheme),
        "peer_scheme_count": len(peer),
        "peer_only_count": sum(1 for scheme in peer if scheme.is_peer_only),
        "scheme_count": len(schemes),
        "opt_in_count": sum(1 for s in schemes if s.enrolment_model == EnrolmentModel.OPT_IN),
        "opt_out_count": sum(1 for s in schemes if s.enrolment_model == EnrolmentModel.OPT_OUT),
        "outcome_data_count": sum(1 for s in schemes if s.collects_outcome_data),
        "average_peer_uptake": (
            round(sum(peer_percents) / len(peer_percents), 1) if peer_percents else None
        ),
        "figures": {
            "mentors": [(label, mentor_kinds[key]) for key, label in MENTOR_KINDS],
            "uptake": [(band, bands[band]) for band in BANDS],
            "training": [(label, training[value]) for value, label in MentorTraining.choices],
        },
    }
