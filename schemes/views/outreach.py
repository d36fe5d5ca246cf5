"""A scheme reaches its trust's trainee list: an opt-out scheme enrols it (through the cohort
import's preview and confirm), an opt-in scheme invites it (schemes/from_trainee_list.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from ..access import scheme_for
from ..from_trainee_list import (
    cohort_import_from_trainee_list,
    invitation_plan,
    list_organisation_ids,
    trainee_list_invite,
)
from ..selectors import trainee_list_dates

NAMES_SHOWN = 200  # each group on the invitation page lists at most this many people


@login_required
@require_POST
def cohort_from_trainee_list(request, slug):
    scheme = scheme_for(request.user, slug, need="organise")
    if not trainee_list_dates(list_organisation_ids(scheme)):
        messages.error(request, _no_list_message(scheme))
        return redirect("schemes:cohort-upload", slug=scheme.slug)
    try:
        cohort_import = cohort_import_from_trainee_list(
            scheme=scheme, uploaded_by=request.user, on=timezone.localdate()
        )
    except ValidationError as error:
        messages.error(request, error.message)
        return redirect("schemes:cohort-upload", slug=scheme.slug)
    return redirect("schemes:cohort-preview", slug=scheme.slug, pk=cohort_import.pk)


@login_required
@require_http_methods(["GET", "POST"])
def scheme_invite(request, slug):
    scheme = scheme_for(request.user, slug, need="organise")
    today = timezone.localdate()
    list_dates = trainee_list_dates(list_organisation_ids(scheme))
    if request.method == "POST" and list_dates:
        try:
            count = trainee_list_invite(scheme=scheme, invited_by=request.user, on=today)
        except ValidationError as error:
            messages.error(request, error.message)
        else:
            if count:
                messages.success(
                    request,
                    f"{count} trainee{'s' if count != 1 else ''} invited to {scheme.name}. "
                    "The emails are on their way; each person is invited once.",
                )
            else:
                messages.info(request, "Nobody was left to invite: nothing was sent.")
        return redirect("schemes:invite", slug=scheme.slug)
    plan = invitation_plan(scheme, today) if list_dates else None
    return render(
        request,
        "schemes/invite.html",
        {
            "scheme": scheme,
            "plan": plan,
            "list_date": max(list_dates.values()) if list_dates else None,
            "no_list_message": "" if list_dates else _no_list_message(scheme),
            "names_shown": NAMES_SHOWN,
            "more_to_invite": len(plan.to_invite) - NAMES_SHOWN if plan else 0,
            "today": today,
        },
    )


def _no_list_message(scheme):
    return (
        f"{scheme.organisation.name} has no trainee list yet. Import the list of doctors in "
        "training from the trust's trainee list page first; then come back here."
    )
