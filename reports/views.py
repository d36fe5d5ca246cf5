from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from .access import region_for, regions_led_by
from .provision import region_provision


@login_required
def regions(request):
    led = list(regions_led_by(request.user))
    if not led:
        raise PermissionDenied("The regional provision report is for regional leads.")
    if len(led) == 1:
        return redirect("reports:provision", slug=led[0].slug)
    return render(request, "reports/regions.html", {"regions": led})


@login_required
def provision(request, slug):
    region = region_for(request.user, slug)
    return render(
        request,
        "reports/provision.html",
        {"region": region, "report": region_provision(region)},
    )
