"""Who may see which survey pages: the one place views ask.

- A scheme's survey settings and results: its organisers. Other people related to the scheme
  (its trainees and supervisors, the trust's DME, the regional lead) get 403; outsiders 404,
  as schemes.access decides. The DME and the regional lead read the organisation's aggregate
  instead, so that no one sees a scheme's figures beside a total they could subtract them from.
- An organisation's results (aggregate only, never free text): its DME and the regional lead of
  its region. Its own staff and the organisers of its schemes get 403; anyone else 404.
- Answering: whoever holds the signed link (tokens.py); no login.
"""

from schemes.access import organisation_for, organised_schemes, scheme_for
from schemes.models import Organisation, OrganisationRole, RegionRole, SchemeRole


def scheme_for_surveys(user, slug):
    """The scheme if `user` organises it; 404 for outsiders, 403 for a lesser role."""
    return scheme_for(user, slug, need="organise")


def organisation_for_results(user, slug):
    """The organisation if `user` may read its aggregate results (schemes.access decides)."""
    return organisation_for(user, slug, need="results")


def results_index_for(user):
    """What a user may open from the results index: schemes, organisations; None if nothing."""
    schemes = list(organised_schemes(user).select_related("organisation"))
    organisations = list(
        Organisation.objects.filter(
            pk__in=OrganisationRole.objects.filter(user=user).values("organisation")
        )
        | Organisation.objects.filter(
            region__in=RegionRole.objects.filter(user=user).values("region")
        )
    )
    if not schemes and not organisations:
        return None
    return {"schemes": schemes, "organisations": sorted(set(organisations), key=str)}


def sees_results(user):
    """For the header link: anyone with something on the results index."""
    return user.is_authenticated and (
        SchemeRole.objects.filter(user=user, role=SchemeRole.Role.ORGANISER).exists()
        or OrganisationRole.objects.filter(user=user).exists()
        or RegionRole.objects.filter(user=user).exists()
    )
