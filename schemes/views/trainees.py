"""A trust's trainee list: the current placements, and the import of a new list (DMEs and the
organisers of the trust's schemes; schemes.access.organisation_for, need "trainees")."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from ..access import organisation_for
from ..forms_trainee_list import PlacementFilter, TraineeListUploadForm
from ..models import Placement, TraineeListImport
from ..trainee_list import (
    TraineeListAlreadyConfirmed,
    trainee_list_confirm,
    trainee_list_plan,
    trainee_list_preview,
)

PROBLEM_ROWS_SHOWN = 500
LISTED_IN_PREVIEW = 200  # joiners, changes and leavers each listed up to this many


def _last_list(organisation):
    return (
        TraineeListImport.objects.filter(organisation=organisation, confirmed_at__isnull=False)
        .select_related("uploaded_by")
        .order_by("-as_of", "-confirmed_at")
        .first()
    )


@login_required
def trainee_list(request, slug):
    organisation = organisation_for(request.user, slug, need="trainees")
    today = timezone.localdate()
    current = Placement.objects.filter(organisation=organisation).current(today)
    placement_filter = PlacementFilter(request.GET or None, queryset=current)
    page = Paginator(placement_filter.qs.order_by("last_name", "first_name", "pk"), 50).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "schemes/trainee_list.html",
        {
            "organisation": organisation,
            "filter": placement_filter,
            "page": page,
            "query": query.urlencode(),
            "today": today,
            "current_count": current.count(),
            "linked_count": current.filter(user__isnull=False).count(),
            "last_list": _last_list(organisation),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def trainee_list_upload(request, slug):
    organisation = organisation_for(request.user, slug, need="trainees")
    if request.method == "POST":
        # Bound even when the POST is empty, so a missing file is reported rather than ignored.
        form = TraineeListUploadForm(request.POST, request.FILES)
    else:
        form = TraineeListUploadForm()
    if form.is_bound and form.is_valid():
        try:
            staged = trainee_list_preview(
                organisation=organisation,
                uploaded_file=form.cleaned_data["file"],
                uploaded_by=request.user,
                as_of=form.cleaned_data["as_of"],
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            if staged.ignored_columns:
                messages.info(
                    request,
                    "We ignored these columns, which we do not use: "
                    + ", ".join(staged.ignored_columns)
                    + ".",
                )
            return redirect("schemes:trainee-list-preview", slug=organisation.slug, pk=staged.pk)
    return render(
        request,
        "schemes/trainee_list_upload.html",
        {
            "organisation": organisation,
            "form": form,
            "last_list": _last_list(organisation),
            "recent_imports": organisation.trainee_lists.all()[:5],
        },
    )


@login_required
def trainee_list_import_preview(request, slug, pk):
    organisation = organisation_for(request.user, slug, need="trainees")
    staged = get_object_or_404(TraineeListImport, pk=pk, organisation=organisation)
    context = {
        "organisation": organisation,
        "staged": staged,
        "shown": LISTED_IN_PREVIEW,
        "leavers_end": staged.as_of - timedelta(days=1),
    }
    if staged.confirmed_at is None:
        context["plan"] = trainee_list_plan(staged)
    problems = staged.problems
    context.update(
        problems=problems[:PROBLEM_ROWS_SHOWN],
        problem_count=len(problems),
        problems_not_shown=max(len(problems) - PROBLEM_ROWS_SHOWN, 0),
    )
    return render(request, "schemes/trainee_list_preview.html", context)


@login_required
@require_POST
def trainee_list_import_confirm(request, slug, pk):
    organisation = organisation_for(request.user, slug, need="trainees")
    staged = get_object_or_404(
        TraineeListImport.objects.select_related("organisation"), pk=pk, organisation=organisation
    )
    try:
        staged = trainee_list_confirm(trainee_list=staged, confirmed_by=request.user)
    except TraineeListAlreadyConfirmed as error:
        messages.info(request, error.message)
    except ValidationError as error:
        messages.error(request, error.message)
        return redirect("schemes:trainee-list-preview", slug=organisation.slug, pk=staged.pk)
    else:
        messages.success(
            request,
            f"Trainee list of {staged.as_of:%-d %B %Y} saved: {staged.joiner_count} joined, "
            f"{staged.change_count} changed, {staged.leaver_count} left. Nobody was enrolled "
            "or emailed.",
        )
    return redirect("schemes:trainee-list", slug=organisation.slug)
