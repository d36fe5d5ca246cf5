"""The regional provision report (the seed's survey, live) and its exports: regional leads."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from schemes.access import region_for, regions_led_by

from .. import exports
from ..provision import region_provision


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


def _provision_export(request, slug, fmt):
    region = region_for(request.user, slug)
    return exports.audited_export(
        request,
        what="Regional provision report",
        target=region.slug,
        filters={"region": region.name},
        tables=exports.provision_tables(region_provision(region)),
        filename=f"provision-{region.slug}",
        fmt=exports.export_format(fmt),
    )


@login_required
@require_GET
def provision_csv(request, slug):
    return _provision_export(request, slug, "csv")


@login_required
@require_GET
def provision_xlsx(request, slug):
    return _provision_export(request, slug, "xlsx")
