"""The pair's pages (its two members only) and the organisers' metadata pages.

Every view finds its pair through meetings.access: a member sees their pair, an organiser of the
scheme sees the metadata page only (403 elsewhere), everyone else gets 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.audit import audit_record
from schemes.access import scheme_for

from . import services
from .access import (
    meeting_for_member,
    pair_for_member,
    pair_for_overview,
    planned_meeting_for_member,
)
from .calendar import ics_filename, planned_meeting_ics
from .forms import (
    AgreementForm,
    EndPairForm,
    GoalForm,
    MeetingLogForm,
    PlanMeetingForm,
    PrivateNoteForm,
)
from .models import Goal, GoalProgress, MentoringAgreement, PlannedMeeting, PrivateNote
from .retention import content_deleted_on
from .selectors import (
    organiser_pairs,
    pair_overview,
    pair_space,
    pairs_for_member,
    scheme_organisers,
)


def _error_text(error):
    return " ".join(error.messages)


def _pair_page(request, template, the_pair, **context):
    """Render a member page with what every pair page shows: the "need help?" panel."""
    pair = context.setdefault("pair", the_pair)
    context.setdefault("partner", pair.other_member(request.user))
    context.setdefault("partner_name", pair.partner_label(request.user))
    context["end_reason_visible"] = pair.end_reason_visible_to(request.user)
    context["organisers"] = scheme_organisers(pair.scheme)
    return render(request, template, context)


# --- Member pages ----------------------------------------------------------------------------


@login_required
def my_pairs(request):
    return render(request, "meetings/my_pairs.html", {"rows": pairs_for_member(request.user)})


@login_required
def pair_detail(request, pk):
    pair = pair_for_member(request.user, pk)
    space = pair_space(pair, request.user)
    if pair.status == pair.Status.ENDED and space["is_mentee"]:
        enrolment = pair.mentee_enrolment
        space["can_ask_for_new_mentor"] = (
            enrolment.status in ("active", "paused")
            and not enrolment.rematch_priority
            and not enrolment.pairs_as_mentee.current().exists()
        )
        space["first_in_line"] = enrolment.rematch_priority and enrolment.status == "active"
    space["content_deleted_on"] = content_deleted_on(pair)
    return _pair_page(request, "meetings/pair_detail.html", pair, **space)


@login_required
@require_http_methods(["GET", "POST"])
def agreement_edit(request, pk):
    pair = pair_for_member(request.user, pk)
    agreement = MentoringAgreement.objects.filter(pair=pair).first()
    form = AgreementForm(request.POST or None, instance=agreement)
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_save(pair=pair, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                f"Your agreement is saved and confirmed by you. {pair.other_member(request.user)} "
                "will be asked to confirm it on this page.",
            )
            return redirect("meetings:pair-detail", pk=pair.pk)
    return _pair_page(request, "meetings/agreement_form.html", pair, form=form)


@login_required
@require_POST
def agreement_confirm(request, pk):
    pair = pair_for_member(request.user, pk)
    try:
        agreement = services.agreement_confirm(pair=pair, user=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request,
            "You confirmed the agreement. Both of you have now agreed to it."
            if agreement.is_confirmed
            else "You confirmed the agreement.",
        )
    return redirect("meetings:pair-detail", pk=pair.pk)


@login_required
@require_http_methods(["GET", "POST"])
def goal_add(request, pk):
    pair = pair_for_member(request.user, pk)
    form = GoalForm(request.POST or None, creating=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.goal_create(
                pair=pair,
                user=request.user,
                title=form.cleaned_data["title"],
                details=form.cleaned_data["details"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "The goal is added. You both see it.")
            return redirect("meetings:pair-detail", pk=pair.pk)
    return _pair_page(request, "meetings/goal_form.html", pair, form=form, creating=True)


@login_required
@require_http_methods(["GET", "POST"])
def goal_edit(request, pk, goal_pk):
    pair = pair_for_member(request.user, pk)
    goal = get_object_or_404(Goal, pk=goal_pk, pair=pair)
    goal.pair = pair
    form = GoalForm(request.POST or None, instance=Goal.objects.get(pk=goal.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.goal_update(goal=goal, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "The goal is saved.")
            return redirect("meetings:pair-detail", pk=pair.pk)
    progress = GoalProgress.objects.filter(goal=goal).select_related("meeting")
    return _pair_page(
        request, "meetings/goal_form.html", pair, form=form, goal=goal, progress=progress
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_log(request, pk):
    pair = pair_for_member(request.user, pk)
    goals = list(Goal.objects.filter(pair=pair))
    planned = None
    planned_id = request.GET.get("planned") or request.POST.get("planned")
    if planned_id and str(planned_id).isdigit():
        planned = (
            PlannedMeeting.objects.not_cancelled()
            .filter(pk=planned_id, pair=pair, logged_meeting=None)
            .first()
        )
    initial = {}
    if planned is not None:
        initial = {
            "held_on": timezone.localdate(planned.starts_at),
            "duration_minutes": planned.duration_minutes,
            "mode": planned.mode,
        }
    form = MeetingLogForm(request.POST or None, goals=goals, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = services.meeting_log(
                pair=pair,
                user=request.user,
                held_on=data["held_on"],
                duration_minutes=data["duration_minutes"],
                mode=data["mode"],
                topics=form.topic_list(),
                summary=data["summary"],
                private_note=data["private_note"],
                progress=form.progress(),
                planned_meeting=planned,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                f"Your meeting on {meeting.held_on:%d %B %Y} is logged. "
                f"{pair.other_member(request.user)} will be asked to confirm it.",
            )
            return redirect("meetings:pair-detail", pk=pair.pk)
    return _pair_page(request, "meetings/meeting_form.html", pair, form=form, planned=planned)


@login_required
def meeting_detail(request, pk, meeting_pk):
    meeting = meeting_for_member(request.user, pk, meeting_pk)
    pair = meeting.pair
    my_note = PrivateNote.objects.filter(meeting=meeting, author=request.user).first()
    note_form = PrivateNoteForm(initial={"text": my_note.text if my_note else ""})
    return _pair_page(
        request,
        "meetings/meeting_detail.html",
        pair,
        meeting=meeting,
        my_note=my_note,
        note_form=note_form,
        progress=meeting.goal_progress.select_related("goal"),
        awaits_my_confirmation=(
            meeting.confirmed_by_other_at is None and meeting.logged_by_id != request.user.pk
        ),
    )


@login_required
@require_POST
def meeting_confirm(request, pk, meeting_pk):
    meeting = meeting_for_member(request.user, pk, meeting_pk)
    try:
        services.meeting_confirm(meeting=meeting, user=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request, f"Thank you: you confirmed the meeting on {meeting.held_on:%d %B %Y}."
        )
    if request.POST.get("back_to") == "meeting":
        return redirect("meetings:meeting-detail", pk=meeting.pair_id, meeting_pk=meeting.pk)
    return redirect("meetings:pair-detail", pk=meeting.pair_id)


@login_required
@require_POST
def private_note_save(request, pk, meeting_pk):
    meeting = meeting_for_member(request.user, pk, meeting_pk)
    form = PrivateNoteForm(request.POST)
    if form.is_valid():
        try:
            note = services.private_note_save(
                meeting=meeting, author=request.user, text=form.cleaned_data["text"]
            )
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(
                request,
                "Your private note is saved. Only you can see it."
                if note
                else "Your private note is deleted.",
            )
    return redirect("meetings:meeting-detail", pk=meeting.pair_id, meeting_pk=meeting.pk)


@login_required
@require_http_methods(["GET", "POST"])
def plan_meeting(request, pk):
    pair = pair_for_member(request.user, pk)
    form = PlanMeetingForm(request.POST or None, initial={"duration_minutes": 60})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            planned = services.planned_meeting_create(
                pair=pair,
                user=request.user,
                starts_at=data["starts_at"],
                duration_minutes=data["duration_minutes"],
                mode=data["mode"],
                place=data["place"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                f"Your meeting is planned. You and {pair.other_member(request.user)} will each "
                "get an email with a calendar invitation.",
            )
            pair_url = reverse("meetings:pair-detail", args=[pair.pk])
            return redirect(f"{pair_url}#planned-{planned.pk}")
    return _pair_page(request, "meetings/plan_form.html", pair, form=form)


@login_required
@require_http_methods(["GET", "POST"])
def planned_meeting_edit(request, pk, planned_pk):
    planned = planned_meeting_for_member(request.user, pk, planned_pk)
    pair = planned.pair
    form = PlanMeetingForm(
        request.POST or None,
        initial=PlanMeetingForm.initial_for(planned),
        submit_label="Move the meeting and send updates",
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        sequence_before = planned.sequence
        try:
            moved = services.planned_meeting_reschedule(
                planned=planned,
                user=request.user,
                starts_at=data["starts_at"],
                duration_minutes=data["duration_minutes"],
                mode=data["mode"],
                place=data["place"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            # The service sends updates only when something changed, raising the sequence.
            if moved.sequence == sequence_before:
                messages.info(request, "Nothing changed, so no updated invitation was sent.")
            else:
                messages.success(
                    request,
                    "The meeting is moved. Both of you get an updated invitation, which replaces "
                    "the old one in your calendars.",
                )
            return redirect("meetings:pair-detail", pk=pair.pk)
    return _pair_page(request, "meetings/plan_form.html", pair, form=form, planned=planned)


@login_required
@require_POST
def planned_meeting_cancel(request, pk, planned_pk):
    planned = planned_meeting_for_member(request.user, pk, planned_pk)
    try:
        services.planned_meeting_cancel(planned=planned, user=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request, "The meeting is cancelled. Both calendars get a cancellation to remove it."
        )
    return redirect("meetings:pair-detail", pk=planned.pair_id)


@login_required
def planned_meeting_download(request, pk, planned_pk):
    planned = planned_meeting_for_member(request.user, pk, planned_pk)
    response = HttpResponse(
        planned_meeting_ics(planned), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{ics_filename(planned)}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def pair_pause(request, pk):
    pair = pair_for_member(request.user, pk)
    try:
        services.pair_pause(pair=pair, user=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request,
            "Your pair is paused: no reminders until one of you resumes it. Any planned "
            "meetings are cancelled and both calendars are updated.",
        )
    return redirect("meetings:pair-detail", pk=pair.pk)


@login_required
@require_POST
def pair_resume(request, pk):
    pair = pair_for_member(request.user, pk)
    try:
        services.pair_resume(pair=pair, user=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, "Welcome back: your pair is running again.")
    return redirect("meetings:pair-detail", pk=pair.pk)


@login_required
@require_http_methods(["GET", "POST"])
def pair_end(request, pk):
    pair = pair_for_member(request.user, pk)
    is_mentee = pair.mentee_id == request.user.pk
    form = EndPairForm(request.POST or None, is_mentee=is_mentee)
    if request.method == "POST" and form.is_valid():
        try:
            services.pair_end(
                pair=pair,
                user=request.user,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                share_reason=form.share_reason,
                wants_new_mentor=form.cleaned_data.get("wants_new_mentor"),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                f"Your pair has ended. {pair.partner_label(request.user)} has been told. "
                "Thank you for taking part.",
            )
            return redirect("meetings:pair-detail", pk=pair.pk)
    return _pair_page(request, "meetings/end_form.html", pair, form=form)


@login_required
@require_POST
def mentee_next_step(request, pk):
    pair = pair_for_member(request.user, pk)
    wants = request.POST.get("wants_new_mentor") == "yes"
    try:
        services.mentee_next_step(pair=pair, user=request.user, wants_new_mentor=wants)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request,
            "You are first in line for a new mentor. The organiser will introduce you."
            if wants
            else "Understood: you will not be matched again until you ask.",
        )
    return redirect("meetings:pair-detail", pk=pair.pk)


# --- Metadata pages (organisers; members see what organisers see) ----------------------------


@login_required
def pair_overview_page(request, pk):
    pair = pair_for_overview(request.user, pk)
    if not pair.has_member(request.user):
        audit_record(
            actor=request.user,
            action="pair_overview_viewed",
            target=f"pair:{pair.pk}",
            request=request,
        )
    return render(
        request,
        "meetings/pair_overview.html",
        {
            **pair_overview(pair),
            "is_member": pair.has_member(request.user),
            # Organisers read what a member chose to tell them; the partner only if shared.
            "end_reason_visible": not pair.has_member(request.user)
            or pair.end_reason_visible_to(request.user),
        },
    )


@login_required
def organiser_pair_list(request, slug):
    scheme = scheme_for(request.user, slug, need="organise")
    pair_filter, rows = organiser_pairs(scheme, request.GET)
    return render(
        request,
        "meetings/organiser_pair_list.html",
        {"scheme": scheme, "filter": pair_filter, "rows": rows},
    )
