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
