from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from schemes.access import organised_schemes, scheme_for

from .access import organisation_for, organisations_overseen_by, region_for, regions_led_by
from .dashboards import dashboard, mentee_enrolments
from .filters import DashboardFilter
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


# --- Dashboards (organisers and DMEs) --------------------------------------------------------


def _dashboard_context(request, schemes, *, organisations=None, organisation=None, data=None):
    """Filter the mentee enrolments of `schemes` by the query string and compute the figures."""
    scheme_list = list(schemes)
    dashboard_filter = DashboardFilter(
        data if data is not None else (request.GET or None),
        queryset=mentee_enrolments(scheme_list),
        schemes=schemes if organisation is not None else None,
        organisations=organisations,
    )
    enrolments = dashboard_filter.qs
    filters = dashboard_filter.form.cleaned_data if dashboard_filter.is_bound else {}
    chosen = filters.get("scheme")
    if chosen is not None:
        scheme_list = [chosen]
    return {
        "filter": dashboard_filter,
        "figures": dashboard(
            scheme_list,
            enrolments=enrolments,
            filters=filters,
            organisation=organisation if chosen is None else None,
        ),
        "is_filtered": any(value for name, value in filters.items() if name != "organisation"),
    }


@login_required
@require_GET
def scheme_dashboard(request, slug):
    scheme = scheme_for(request.user, slug, need="organise")
    context = _dashboard_context(request, [scheme])
    return render(request, "reports/scheme_dashboard.html", {"scheme": scheme, **context})


@login_required
@require_GET
def organisation_dashboard(request, slug):
    organisation = organisation_for(request.user, slug)
    organisations = organisations_overseen_by(request.user)
    data = request.GET.copy()
    chosen = data.get("organisation")
    if chosen and chosen != str(organisation.pk):
        other = organisations.filter(pk=chosen).first() if chosen.isdigit() else None
        if other is not None:
            return redirect(
                f"{reverse('reports:organisation-dashboard', args=[other.slug])}?{data.urlencode()}"
            )
    data["organisation"] = str(organisation.pk)
    context = _dashboard_context(
        request,
        organisation.schemes.order_by("name"),
        organisations=organisations,
        organisation=organisation,
        data=data,
    )
    return render(
        request,
        "reports/organisation_dashboard.html",
        {"organisation": organisation, **context},
    )


@login_required
@require_GET
def dashboards(request):
    """The dashboards a user may open: schemes they organise, organisations they oversee."""
    schemes = list(organised_schemes(request.user).select_related("organisation").order_by("name"))
    organisations = list(organisations_overseen_by(request.user))
    if not schemes and not organisations:
        raise PermissionDenied("Dashboards are for scheme organisers and DMEs.")
    if len(schemes) + len(organisations) == 1:
        if schemes:
            return redirect("reports:scheme-dashboard", slug=schemes[0].slug)
        return redirect("reports:organisation-dashboard", slug=organisations[0].slug)
    return render(
        request, "reports/dashboards.html", {"schemes": schemes, "organisations": organisations}
    )
