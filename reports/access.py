"""Who may read which report: one place for the reports app."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from schemes.access import is_regional_lead_of
from schemes.models import Region, RegionRole


def region_for(user, slug):
    """A region whose report the user may read: its regional leads (and admins).

    A regional lead of another region gets 404; anyone else 403.
    """
    region = get_object_or_404(Region, slug=slug)
    if is_regional_lead_of(user, region):
        return region
    if RegionRole.objects.filter(user=user).exists():
        raise Http404("No such region.")
    raise PermissionDenied("The regional provision report is for regional leads.")


def regions_led_by(user):
    if user.is_superuser:
        return Region.objects.all()
    return Region.objects.filter(roles__user=user).distinct()


def organisation_for(user, slug):
    """An organisation whose dashboard the user may read: its DMEs, the regional leads of its
    region (and admins). Another trust's DME gets 404; anyone else 403."""
    from schemes.access import is_dme_of
    from schemes.models import Organisation, OrganisationRole

    organisation = get_object_or_404(Organisation.objects.select_related("region"), slug=slug)
    if is_dme_of(user, organisation) or is_regional_lead_of(user, organisation.region):
        return organisation
    if OrganisationRole.objects.filter(user=user).exists():
        raise Http404("No such organisation.")
    raise PermissionDenied("The organisation dashboard is for its Directors of Medical Education.")


def organisations_overseen_by(user):
    """Organisations whose dashboard the user may read, as DME or regional lead."""
    from django.db.models import Q

    from schemes.models import Organisation

    if user.is_superuser:
        return Organisation.objects.order_by("name")
    return (
        Organisation.objects.filter(Q(roles__user=user) | Q(region__roles__user=user))
        .distinct()
        .order_by("name")
    )
