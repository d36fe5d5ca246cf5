"""Who may do what with a scheme: the one place views ask (STYLE.md §3).

Outsiders (no relation to the scheme at all) get 404, so a scheme's existence is not revealed to
people of other trusts; people related to it but without the needed role get 403.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import Enrolment, OrganisationRole, RegionRole, Scheme, SchemeRole


def is_organiser(user, scheme):
    return user.is_authenticated and (
        user.is_superuser
        or SchemeRole.objects.filter(
            user=user, scheme=scheme, role=SchemeRole.Role.ORGANISER
        ).exists()
    )


def is_dme_of(user, organisation):
    return user.is_authenticated and (
        user.is_superuser
        or OrganisationRole.objects.filter(user=user, organisation=organisation).exists()
    )


def is_regional_lead_of(user, region):
    return user.is_authenticated and (
        user.is_superuser or RegionRole.objects.filter(user=user, region=region).exists()
    )


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
        user.is_superuser
        or user.organisation_id == scheme.organisation_id
        or SchemeRole.objects.filter(user=user, scheme=scheme).exists()
        or Enrolment.objects.filter(user=user, scheme=scheme).exists()
        or is_dme_of(user, scheme.organisation)
        or is_regional_lead_of(user, scheme.organisation.region)
    )


def scheme_for(user, slug, *, need):
    """Return the scheme if `user` may `need` it ("view", "organise" or "refer").

    Raises Http404 for outsiders and PermissionDenied for a lesser role.
    """
    scheme = get_object_or_404(Scheme.objects.select_related("organisation__region"), slug=slug)
    if not is_related(user, scheme):
        raise Http404("No such scheme.")
    allowed = {
        "view": lambda: True,
        "organise": lambda: is_organiser(user, scheme),
        "refer": lambda: can_refer(user, scheme),
    }[need]()
    if not allowed:
        raise PermissionDenied("Only the scheme's organisers can do this.")
    return scheme


def organised_schemes(user):
    if user.is_superuser:
        return Scheme.objects.all()
    return Scheme.objects.filter(roles__user=user, roles__role=SchemeRole.Role.ORGANISER).distinct()


def schemes_visible_to_staff(user):
    """Schemes a user oversees as organiser, DME of the trust, or regional lead."""
    if user.is_superuser:
        return Scheme.objects.all()
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
