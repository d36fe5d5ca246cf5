"""Who may do what with a scheme: the one place views ask (STYLE.md §3).

Outsiders (no relation to the scheme at all) get 404, so a scheme's existence is not revealed to
people of other trusts; people related to it but without the needed role get 403.

Roles come from appointment only. The site admin (a superuser) runs the service through the admin
site and holds no role by being admin: organiser, DME or regional lead of nothing they were not
appointed to, so no referral reason, survey answer or report reaches them by the back door.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import (
    Enrolment,
    Organisation,
    OrganisationRole,
    Region,
    RegionRole,
    Scheme,
    SchemeRole,
)


def is_organiser(user, scheme):
    return (
        user.is_authenticated
        and SchemeRole.objects.filter(
            user=user, scheme=scheme, role=SchemeRole.Role.ORGANISER
        ).exists()
    )


def is_dme_of(user, organisation):
    return (
        user.is_authenticated
        and OrganisationRole.objects.filter(user=user, organisation=organisation).exists()
    )


def is_regional_lead_of(user, region):
    return user.is_authenticated and RegionRole.objects.filter(user=user, region=region).exists()


def holds_staff_role(user):
    """Scheme organiser or supervisor, DME or regional lead: needs two-step sign-in."""
    return (
        SchemeRole.objects.filter(user=user).exists()
        or OrganisationRole.objects.filter(user=user).exists()
        or RegionRole.objects.filter(user=user).exists()
    )


def can_refer(user, scheme):
    return is_organiser(user, scheme) or is_dme_of(user, scheme.organisation)


def is_related(user, scheme):
    """Anyone with a reason to know the scheme exists."""
    if not user.is_authenticated:
        return False
    return (
        scheme.serves(user.organisation_id)
        or SchemeRole.objects.filter(user=user, scheme=scheme).exists()
        or Enrolment.objects.filter(user=user, scheme=scheme).exists()
        or is_dme_of(user, scheme.organisation)
        or is_partner_dme(user, scheme)
        or is_regional_lead_of(user, scheme.organisation.region)
    )


def is_partner_dme(user, scheme):
    """DME of a partner trust of a scheme run for several trusts: sees their own trust's part
    of it on their organisation dashboard (counts only), never the scheme's organiser pages."""
    return (
        user.is_authenticated
        and OrganisationRole.objects.filter(
            user=user, organisation__partner_schemes=scheme
        ).exists()
    )


def scheme_for(user, slug, *, need):
    """Return the scheme if `user` may `need` it ("view", "organise", "refer", or "appoint":
    the trust's DME appointing an organiser).

    Raises Http404 for outsiders and PermissionDenied for a lesser role.
    """
    scheme = get_object_or_404(Scheme.objects.select_related("organisation__region"), slug=slug)
    if not is_related(user, scheme):
        raise Http404("No such scheme.")
    allowed = {
        "view": lambda: True,
        "organise": lambda: is_organiser(user, scheme),
        "refer": lambda: can_refer(user, scheme),
        "appoint": lambda: is_dme_of(user, scheme.organisation),
    }[need]()
    if not allowed:
        if need == "appoint":
            raise PermissionDenied("Only the trust's DME appoints organisers here.")
        raise PermissionDenied("Only the scheme's organisers can do this.")
    return scheme


def organised_schemes(user):
    return Scheme.objects.filter(roles__user=user, roles__role=SchemeRole.Role.ORGANISER).distinct()


def schemes_visible_to_staff(user):
    """Schemes a user oversees as organiser, DME of the trust, or regional lead."""
    return Scheme.objects.filter(
        Q(roles__user=user, roles__role=SchemeRole.Role.ORGANISER)
        | Q(organisation__roles__user=user)
        | Q(organisation__region__roles__user=user)
    ).distinct()


def enrolment_for_owner(user, pk):
    """An enrolment its own trainee may act on; anyone else's is a 404."""
    return get_object_or_404(
        Enrolment.objects.select_related("scheme__organisation"), pk=pk, user=user
    )


# --- Organisations and regions: one helper for every organisation-level page -------------------
#
# Each need keeps the 403/404 rule its pages had before the rules were gathered here; they
# differ (see `organisation_for`), and a change to any of them is a product decision.

ORGANISATION_NEEDS = ("oversee", "results", "outcomes", "import", "trainees")


def is_dme(user):
    """DME of some organisation (any)."""
    return user.is_authenticated and OrganisationRole.objects.filter(user=user).exists()


def _works_with(user, organisation, *, enrolled):
    """Its own staff, the organisers (and supervisors) of its schemes; with `enrolled`, its
    schemes' trainees too."""
    return (
        user.organisation_id == organisation.pk
        or SchemeRole.objects.filter(user=user, scheme__organisation=organisation).exists()
        or (
            enrolled
            and Enrolment.objects.filter(user=user, scheme__organisation=organisation).exists()
        )
    )


def _refuse_oversee(user, organisation):
    # Another trust's DME: 404; anyone else (outsiders too): 403.
    if is_dme(user):
        return Http404("No such organisation.")
    return PermissionDenied("The organisation dashboard is for its Directors of Medical Education.")


def _refuse_results(user, organisation):
    # Its own people: 403; anyone else (another trust's DME too): 404.
    if _works_with(user, organisation, enrolled=False):
        return PermissionDenied("Only the trust's DME and the regional lead see these results.")
    return Http404("No such organisation.")


def _refuse_outcomes(user, organisation):
    # Its own people and trainees, unless they are a DME (of another trust): 403; else 404.
    if _works_with(user, organisation, enrolled=True) and not is_dme(user):
        return PermissionDenied("Only the trust's DME sees the outcomes report.")
    return Http404("No such organisation.")


def _refuse_trainees(user, organisation):
    # Its own people, its schemes' trainees and its region's lead: 403; anyone else 404.
    if _works_with(user, organisation, enrolled=True) or is_regional_lead_of(
        user, organisation.region
    ):
        return PermissionDenied(
            "The trust's trainee list is for its DMEs and the organisers of its schemes."
        )
    return Http404("No such organisation.")


def organises_at(user, organisation):
    """Organiser of one of the organisation's schemes."""
    return SchemeRole.objects.filter(
        user=user, scheme__organisation=organisation, role=SchemeRole.Role.ORGANISER
    ).exists()


_REFUSALS = {
    "oversee": _refuse_oversee,
    "results": _refuse_results,
    "outcomes": _refuse_outcomes,
    "import": _refuse_outcomes,
    "trainees": _refuse_trainees,
}


def organisation_for(user, slug, *, need):
    """Return the organisation if `user` may `need` it; else raise Http404 or PermissionDenied.

    Every need admits the organisation's DMEs; the regional lead of its region may do all but
    "import". Refusals keep each page's rule as it was:
    - "oversee" (dashboards, their exports, the print report): another trust's DME 404, anyone
      else 403, outsiders included;
    - "results" (survey results and their exports): its own staff and its schemes' organisers
      403, anyone else 404;
    - "outcomes" (read) and "import": the regional lead may not import (403); its staff, its
      schemes' organisers and trainees 403 unless they are another trust's DME; anyone else 404;
    - "trainees" (the trust's trainee list: read and import): its DMEs and the organisers of
      its schemes; its staff, its schemes' trainees and the regional lead 403; anyone else 404.
    """
    refuse = _REFUSALS[need]
    organisation = get_object_or_404(Organisation.objects.select_related("region"), slug=slug)
    if is_dme_of(user, organisation):
        return organisation
    if need == "trainees":
        if organises_at(user, organisation):
            return organisation
        raise refuse(user, organisation)
    if is_regional_lead_of(user, organisation.region):
        if need != "import":
            return organisation
        raise PermissionDenied("Only the trust's DME can import outcomes.")
    raise refuse(user, organisation)


def organisations_overseen_by(user):
    """Organisations whose dashboards and outcomes the user may read, as DME or regional lead."""
    return (
        Organisation.objects.filter(Q(roles__user=user) | Q(region__roles__user=user))
        .distinct()
        .order_by("name")
    )


def region_for(user, slug):
    """A region whose report the user may read: its regional leads.

    A regional lead of another region gets 404; anyone else 403.
    """
    region = get_object_or_404(Region, slug=slug)
    if is_regional_lead_of(user, region):
        return region
    if RegionRole.objects.filter(user=user).exists():
        raise Http404("No such region.")
    raise PermissionDenied("The regional provision report is for regional leads.")


def regions_led_by(user):
    return Region.objects.filter(roles__user=user).distinct()
