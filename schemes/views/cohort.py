"""Cohort import (organisers) and the one-click opt-out link (trainees, no login needed)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ..access import scheme_for
from ..cohort import CohortAlreadyConfirmed, cohort_import_confirm, cohort_import_preview
from ..cohort_plan import cohort_import_plan
from ..forms_cohort import CohortUploadForm
from ..from_trainee_list import list_organisation_ids
from ..models import CohortImport, SchemeRole
from ..opt_out import enrolment_for_expired_link, enrolment_for_opt_out, enrolment_opt_out
from ..selectors import trainee_list_dates
from ..tokens import OPT_OUT_MAX_AGE, OptOutLinkInvalid

# A preview lists at most this many rows with problems; a file with more needs fixing as a whole.
PROBLEM_ROWS_SHOWN = 500
ALREADY = "schemes/opt_out_already.html"  # the page for a link used already


@login_required
@require_http_methods(["GET", "POST"])
def cohort_upload(request, slug):
    scheme = scheme_for(request.user, slug, need="organise")
    if request.method == "POST":
        # Bound even when the POST is empty, so a missing file is reported rather than ignored.
        form = CohortUploadForm(request.POST, request.FILES)
    else:
        form = CohortUploadForm()
    if form.is_bound and form.is_valid():
        try:
            cohort_import = cohort_import_preview(
                scheme=scheme, uploaded_file=form.cleaned_data["file"], uploaded_by=request.user
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            if cohort_import.ignored_columns:
                messages.info(
                    request,
                    "We ignored these columns, which we do not use: "
                    + ", ".join(cohort_import.ignored_columns)
                    + ".",
                )
            return redirect("schemes:cohort-preview", slug=scheme.slug, pk=cohort_import.pk)
    return render(
        request,
        "schemes/cohort_upload.html",
        {
            "scheme": scheme,
            "form": form,
            "recent_imports": scheme.cohort_imports.all()[:5],
            "list_dates": trainee_list_dates(list_organisation_ids(scheme)),
        },
    )


@login_required
def cohort_preview(request, slug, pk):
    scheme = scheme_for(request.user, slug, need="organise")
    cohort_import = get_object_or_404(CohortImport, pk=pk, scheme=scheme)
    context = {"scheme": scheme, "cohort_import": cohort_import}
    if cohort_import.confirmed_at is None:
        plan = cohort_import_plan(cohort_import)
        problems = sorted(cohort_import.problems + plan.blocked, key=lambda entry: entry["row"])
        context["plan"] = plan
    else:
        # Once confirmed, the rows are enrolled: sorting them again would call them all
        # "already enrolled". The rows that had problems are still worth showing.
        problems = cohort_import.problems
    context.update(
        problems=problems[:PROBLEM_ROWS_SHOWN],
        problem_count=len(problems),
        problems_not_shown=max(len(problems) - PROBLEM_ROWS_SHOWN, 0),
    )
    return render(request, "schemes/cohort_preview.html", context)


@login_required
@require_POST
def cohort_confirm(request, slug, pk):
    scheme = scheme_for(request.user, slug, need="organise")
    cohort_import = get_object_or_404(
        CohortImport.objects.select_related("scheme__organisation"), pk=pk, scheme=scheme
    )
    try:
        cohort_import = cohort_import_confirm(
            cohort_import=cohort_import, confirmed_by=request.user
        )
    except CohortAlreadyConfirmed as error:
        messages.info(request, error.message)
    except ValidationError as error:
        messages.error(request, error.message)
    else:
        count = cohort_import.enrolled_count
        messages.success(
            request,
            f"{count} trainee{'s' if count != 1 else ''} enrolled in {scheme.name}. Each is being "
            "emailed a link to finish their profile and a link to opt out.",
        )
    return redirect("schemes:cohort-preview", slug=scheme.slug, pk=cohort_import.pk)


# The link in the email only shows a page; opting out takes a press of its button (a POST).
# NHS mail and other filters fetch every link in a message to scan it before the trainee sees
# it: if the GET itself opted out, every trainee would be opted out by the scanner.
@require_http_methods(["GET", "POST"])
def opt_out(request, token):
    try:
        enrolment, template = _opt_out_step(request, token)
    except OptOutLinkInvalid as error:
        enrolment = enrolment_for_expired_link(error) if error.expired else None
        return render(
            request,
            "schemes/opt_out_failed.html",
            {
                "expired": error.expired,
                "enrolment": enrolment,
                "scheme": enrolment.scheme if enrolment else None,
                "organisers": _organisers(enrolment.scheme) if enrolment else [],
                "valid_days": OPT_OUT_MAX_AGE.days,
            },
            status=400,
        )
    scheme = enrolment.scheme if enrolment else None
    return render(
        request,
        template,
        {
            "enrolment": enrolment,
            "scheme": scheme,
            "organisers": _organisers(scheme) if scheme else [],
            "token": token,
        },
    )


def _opt_out_step(request, token):
    """(enrolment, page): opt out on a POST, ask on a GET. Raises OptOutLinkInvalid."""
    if request.method == "POST":
        outcome = enrolment_opt_out(token=token)
        done = outcome.opted_out_now
        return outcome.enrolment, "schemes/opt_out_done.html" if done else ALREADY
    enrolment = enrolment_for_opt_out(token)
    asks = enrolment is not None and enrolment.is_current
    return enrolment, "schemes/opt_out.html" if asks else ALREADY


def _organisers(scheme):
    return [
        role.user
        for role in scheme.roles.filter(role=SchemeRole.Role.ORGANISER).select_related("user")
    ]
