"""Objective outcomes: the trust's DME imports and reads them; the regional lead reads only.

The comparison's exports follow the page's access rule and are written to the audit log: who,
what and with which filters, never the content.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.audit import audit_record
from schemes import disclosure
from schemes.access import organisation_for, organisations_overseen_by

from .. import exports
from ..forms import OutcomeUploadForm
from ..models import OutcomeImport
from ..outcomes import (
    OutcomesAlreadyConfirmed,
    outcome_comparison,
    outcome_import_confirm,
    outcome_import_preview,
    outcome_periods,
)

PROBLEM_ROWS_SHOWN = 500


def reads_outcomes(user):
    return user.is_authenticated and organisations_overseen_by(user).exists()


@login_required
@require_GET
def outcomes_index(request):
    organisations = list(organisations_overseen_by(request.user))
    if not organisations:
        raise PermissionDenied("The outcomes report is for DMEs and regional leads.")
    if len(organisations) == 1:
        return redirect("reports:outcomes", slug=organisations[0].slug)
    return render(request, "reports/outcomes_index.html", {"organisations": organisations})


def _period(request, organisation):
    periods = outcome_periods(organisation)
    wanted = request.GET.get("period", "")
    return periods, (wanted if wanted in periods else (periods[0] if periods else None))


@login_required
@require_GET
def outcomes(request, slug):
    organisation = organisation_for(request.user, slug, need="outcomes")
    periods, period = _period(request, organisation)
    can_import = True
    try:
        organisation_for(request.user, slug, need="import")
    except PermissionDenied:
        can_import = False
    return render(
        request,
        "reports/outcomes_report.html",
        {
            "organisation": organisation,
            "periods": periods,
            "period": period,
            "comparison": outcome_comparison(organisation, period) if period else None,
            "can_import": can_import,
            "min_group": disclosure.min_count(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def outcomes_upload(request, slug):
    organisation = organisation_for(request.user, slug, need="import")
    form = OutcomeUploadForm(request.POST, request.FILES) if request.method == "POST" else None
    if form is None:
        form = OutcomeUploadForm()
    elif form.is_valid():
        try:
            outcome_import = outcome_import_preview(
                organisation=organisation,
                uploaded_file=form.cleaned_data["file"],
                uploaded_by=request.user,
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            if outcome_import.ignored_columns:
                messages.info(
                    request,
                    "We ignored these columns, which we do not use: "
                    + ", ".join(outcome_import.ignored_columns)
                    + ".",
                )
            return redirect(
                "reports:outcomes-preview", slug=organisation.slug, pk=outcome_import.pk
            )
    status = 400 if form.is_bound else 200
    return render(
        request,
        "reports/outcomes_upload.html",
        {
            "organisation": organisation,
            "form": form,
            "recent_imports": organisation.outcome_imports.all()[:5],
        },
        status=status,
    )


@login_required
@require_GET
def outcomes_preview(request, slug, pk):
    organisation = organisation_for(request.user, slug, need="import")
    outcome_import = get_object_or_404(OutcomeImport, pk=pk, organisation=organisation)
    problems = outcome_import.problems
    return render(
        request,
        "reports/outcomes_preview.html",
        {
            "organisation": organisation,
            "outcome_import": outcome_import,
            "problems": problems[:PROBLEM_ROWS_SHOWN],
            "problem_count": len(problems),
            "problems_not_shown": max(len(problems) - PROBLEM_ROWS_SHOWN, 0),
            "row_count": len(outcome_import.rows),
        },
    )


@login_required
@require_POST
def outcomes_confirm(request, slug, pk):
    organisation = organisation_for(request.user, slug, need="import")
    outcome_import = get_object_or_404(OutcomeImport, pk=pk, organisation=organisation)
    try:
        outcome_import = outcome_import_confirm(
            outcome_import=outcome_import, confirmed_by=request.user
        )
    except OutcomesAlreadyConfirmed as error:
        messages.info(request, error.message)
    except ValidationError as error:
        messages.error(request, error.message)
        return redirect("reports:outcomes-preview", slug=organisation.slug, pk=outcome_import.pk)
    else:
        audit_record(
            actor=request.user,
            action="outcomes_import",
            target=organisation.slug,
            details={"import": outcome_import.pk, "rows": outcome_import.saved_count},
            request=request,
        )
        count = outcome_import.saved_count
        messages.success(request, f"{count} outcome{'s' if count != 1 else ''} saved.")
    return redirect("reports:outcomes", slug=organisation.slug)


# --- Exports ----------------------------------------------------------------------------------


def _outcomes_export(request, slug, fmt):
    organisation = organisation_for(request.user, slug, need="outcomes")
    _periods, period = _period(request, organisation)
    if period is None:
        messages.info(request, "There are no outcomes to export yet.")
        return redirect("reports:outcomes", slug=organisation.slug)
    return exports.audited_export(
        request,
        what="Objective outcomes comparison",
        target=organisation.slug,
        filters={"organisation": organisation.name, "period": period},
        tables=exports.outcome_tables(outcome_comparison(organisation, period)),
        filename=f"outcomes-{organisation.slug}-{period.replace('/', '-')}",
        fmt=exports.export_format(fmt),
    )


@login_required
@require_GET
def outcomes_csv(request, slug):
    return _outcomes_export(request, slug, "csv")


@login_required
@require_GET
def outcomes_xlsx(request, slug):
    return _outcomes_export(request, slug, "xlsx")
