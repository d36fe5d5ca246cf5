"""The scheme and organisation dashboards (organisers, DMEs, regional leads) and their exports."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from accounts.audit import audit_record
from schemes import disclosure
from schemes.access import (
    is_dme_of,
    organisation_for,
    organisations_overseen_by,
    organised_schemes,
    scheme_for,
)
from schemes.selectors import organisation_schemes

from .. import dashboard_exports, exports
from ..dashboards import GRADE_LABELS, dashboard, mentee_enrolments
from ..filters import DashboardFilter
from ..outcomes import outcome_comparison, outcome_periods

# --- Dashboards (organisers and DMEs) --------------------------------------------------------


def _dashboard_context(request, schemes, *, organisations=None, organisation=None, data=None):
    """Filter the mentee enrolments of `schemes` by the query string and compute the figures."""
    scheme_list = list(schemes)
    dashboard_filter = DashboardFilter(
        data if data is not None else (request.GET or None),
        queryset=mentee_enrolments(scheme_list, organisation),
        schemes=schemes if organisation is not None else None,
        organisations=organisations,
    )
    enrolments = dashboard_filter.qs
    filters = dashboard_filter.form.cleaned_data if dashboard_filter.is_bound else {}
    chosen = filters.get("scheme")
    if chosen is not None:
        scheme_list = [chosen]
    # Any filter in the query string (an organisation is the page's own scope, not a filter).
    is_filtered = any(value for name, value in filters.items() if name != "organisation")
    return {
        "filter": dashboard_filter,
        "figures": dashboard(
            scheme_list,
            enrolments=enrolments,
            filters=filters,
            organisation=organisation if chosen is None else None,
            filtered=is_filtered,
            part_of=organisation,
        ),
        "is_filtered": is_filtered,
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
    organisation = organisation_for(request.user, slug, need="oversee")
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
        organisation_schemes(organisation),
        organisations=organisations,
        organisation=organisation,
        data=data,
    )
    return render(
        request,
        "reports/organisation_dashboard.html",
        {
            "organisation": organisation,
            # The regional lead reads the dashboard but not the trust's list of its trainees.
            "keeps_trainee_list": is_dme_of(request.user, organisation),
            **context,
        },
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


# --- The dashboards' exports (reports/dashboard_exports.py builds the tables) ------------------


def _filters(scope, dashboard_filter):
    """The filters as (field name, readable value), after the dashboard's scope: only those the
    form accepted, exactly as the page applies them (an invalid value is ignored there too)."""
    filters = dict(scope)
    if not dashboard_filter.is_bound:
        return filters
    form = dashboard_filter.form
    cleaned = form.cleaned_data
    for name in form.fields:
        value = cleaned.get(name)
        if name == "organisation" or value in (None, ""):
            continue
        if name == "grade":
            value = GRADE_LABELS.get(value, value)
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        filters[name] = str(value)
    return filters


def _dashboard_export(request, *, what, target, context, scope, filename, fmt):
    dashboard_filter = context["filter"]
    filters = _filters(scope, dashboard_filter)
    labels = {name: field.label for name, field in dashboard_filter.form.fields.items()}
    shown_filters = {labels.get(name, name.capitalize()): value for name, value in filters.items()}
    notes = [
        ("Scheme-wide figures", dashboard_exports.SCHEME_WIDE_NOTE),
        ("Small numbers", dashboard_exports.suppression_note()),
    ]
    tables = dashboard_exports.dashboard_tables(context["figures"])
    about = exports.about_rows(what=what, filters=shown_filters, user=request.user) + notes
    return exports.audited_export(
        request,
        what=what,
        target=target,
        filters=filters,
        fmt=fmt,
        filename=filename,
        tables=tables,
        about=about,
        csv_table=exports.Table(
            "Dashboard", dashboard_exports.LONG_COLUMNS, dashboard_exports.long_rows(tables, about)
        ),
    )


def _scheme_export(request, slug, fmt):
    scheme = scheme_for(request.user, slug, need="organise")
    return _dashboard_export(
        request,
        what="Scheme dashboard",
        target=scheme.slug,
        context=_dashboard_context(request, [scheme]),
        scope={"scheme": scheme.name},
        filename=f"dashboard-{scheme.slug}",
        fmt=fmt,
    )


def _organisation_export(request, slug, fmt):
    """The organisation in the address is the one exported: an `organisation` in the query
    string is overridden (the page redirects on it; an export link never carries another)."""
    organisation = organisation_for(request.user, slug, need="oversee")
    data = request.GET.copy()
    data["organisation"] = str(organisation.pk)
    context = _dashboard_context(
        request,
        organisation_schemes(organisation),
        organisations=organisations_overseen_by(request.user),
        organisation=organisation,
        data=data,
    )
    chosen = context["filter"].form.cleaned_data.get("scheme")
    return _dashboard_export(
        request,
        what="Organisation dashboard",
        target=organisation.slug,
        context=context,
        scope={
            "organisation": organisation.name,
            "scheme": chosen.name if chosen is not None else "All schemes",
        },
        filename=f"dashboard-{organisation.slug}",
        fmt=fmt,
    )


@login_required
@require_GET
def scheme_dashboard_csv(request, slug):
    return _scheme_export(request, slug, "csv")


@login_required
@require_GET
def scheme_dashboard_xlsx(request, slug):
    return _scheme_export(request, slug, "xlsx")


@login_required
@require_GET
def organisation_dashboard_csv(request, slug):
    return _organisation_export(request, slug, "csv")


@login_required
@require_GET
def organisation_dashboard_xlsx(request, slug):
    return _organisation_export(request, slug, "xlsx")


@login_required
@require_GET
def organisation_print(request, slug):
    """The organisation report, print-ready (A4), for a DME's annual report: every scheme of the
    trust, unfiltered, and the latest outcomes comparison. Recorded like an export."""
    organisation = organisation_for(request.user, slug, need="oversee")
    periods = outcome_periods(organisation)
    audit_record(
        actor=request.user,
        action="report_export",
        target=organisation.slug,
        details={
            "export": "Organisation report (print)",
            "format": "html",
            "filters": {"organisation": organisation.name},
        },
        request=request,
    )
    return render(
        request,
        "reports/organisation_print.html",
        {
            "organisation": organisation,
            "figures": dashboard(
                organisation_schemes(organisation), organisation=organisation, part_of=organisation
            ),
            "comparison": outcome_comparison(organisation, periods[0]) if periods else None,
            "min_group": disclosure.min_count(),
        },
    )
