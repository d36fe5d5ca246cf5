"""Supervision sessions: supervisors schedule them, record attendance and keep notes; invited
mentors see them, add them to their calendar and send apologies; organisers see the metadata."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from schemes.access import is_organiser

from .. import selectors, services
from ..access import may_see_notes, session_for, supervised_scheme_for
from ..calendar import session_ics
from ..forms import (
    SessionAttendanceForm,
    SessionChangeForm,
    SessionMentorsForm,
    SessionNotesForm,
    SessionScheduleForm,
)
from ..models import SessionAttendance, SupervisionSession


@login_required
def supervising(request):
    """The supervisor's page: their mentors and sessions in each scheme they supervise."""
    schemes = selectors.supervised_schemes(request.user)
    if not schemes:
        return render(request, "supervision/supervising.html", {"rows": []})
    rows = []
    for scheme in schemes:
        mentors = list(selectors.assigned_mentor_enrolments(request.user, scheme))
        flagged = set(
            selectors.flagged_mentors(scheme).values_list("mentor_enrolment_id", flat=True)
        )
        for enrolment in mentors:
            enrolment.is_flagged = enrolment.pk in flagged
        rows.append(
            {
                "scheme": scheme,
                "mentors": mentors,
                "sessions": list(selectors.supervisor_sessions(request.user, scheme)[:30]),
            }
        )
    return render(
        request,
        "supervision/supervising.html",
        {"rows": rows, "attendance_due": list(selectors.attendance_due(request.user))},
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_schedule(request, slug):
    scheme = supervised_scheme_for(request.user, slug)
    mentors = selectors.assigned_mentor_enrolments(request.user, scheme)
    form = SessionScheduleForm(request.POST or None, mentors=mentors)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = services.supervision_session_schedule(
                scheme=scheme,
                supervisor=request.user,
                kind=data["kind"],
                starts_at=data["starts_at"],
                duration_minutes=data["duration_minutes"],
                place=data["place"],
                agenda=data["agenda"],
                mentor_enrolments=data["mentors"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            count = len(data["mentors"])
            messages.success(
                request,
                f"The session is scheduled and {count} mentor{'s' if count != 1 else ''} "
                f"{'have' if count != 1 else 'has'} been invited by email.",
            )
            return redirect("supervision:session", pk=session.pk)
    return render(
        request,
        "supervision/session_form.html",
        {"form": form, "scheme": scheme, "has_mentors": mentors.exists()},
    )


@login_required
def session_detail(request, pk):
    session = session_for(request.user, pk, need="view")
    is_supervisor = session.supervisor_id == request.user.pk
    attendances = list(session.attendances.select_related("mentor_enrolment__user"))
    mine = next((a for a in attendances if a.mentor_enrolment.user_id == request.user.pk), None)
    context = {
        "session": session,
        "scheme": session.scheme,
        "attendances": attendances,
        "is_supervisor": is_supervisor,
        "may_change": is_supervisor or is_organiser(request.user, session.scheme),
        "my_attendance": mine,
        "can_see_notes": may_see_notes(request.user, session),
    }
    if is_supervisor:
        context.update(_supervisor_forms(session, attendances))
    return render(request, "supervision/session_detail.html", context)


def _supervisor_forms(session, attendances, *, attendance_form=None, notes_form=None):
    """The forms only the session's supervisor sees. Once the session has started, attendance
    and notes are one form (so notes typed first are not lost); before, notes stand alone."""
    forms = {
        "notes_form": notes_form or SessionNotesForm(initial={"notes": session.supervisor_notes})
    }
    if session.is_past and not session.is_cancelled:
        forms["attendance_form"] = attendance_form or SessionAttendanceForm(attendances=attendances)
        forms["notes_form"].helper.form_tag = False
        forms["notes_form"].helper.inputs = []  # the combined form has its own button
    else:
        forms["notes_form"].helper.form_action = reverse(
            "supervision:session-notes", kwargs={"pk": session.pk}
        )
    return forms


@login_required
@require_POST
def session_attendance(request, pk):
    session = session_for(request.user, pk, need="supervise")
    attendances = list(session.attendances.select_related("mentor_enrolment__user"))
    form = SessionAttendanceForm(request.POST, attendances=attendances)
    notes_form = SessionNotesForm(request.POST)
    if form.is_valid() and notes_form.is_valid():
        try:
            with transaction.atomic():
                services.supervision_attendance_record(session=session, statuses=form.statuses())
                if "notes" in request.POST:
                    services.supervision_notes_save(
                        session=session, notes=notes_form.cleaned_data["notes"]
                    )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Attendance is saved.")
            return redirect("supervision:session", pk=session.pk)
    context = {
        "session": session,
        "scheme": session.scheme,
        "attendances": attendances,
        "is_supervisor": True,
        "can_see_notes": may_see_notes(request.user, session),
        **_supervisor_forms(session, attendances, attendance_form=form, notes_form=notes_form),
    }
    return render(request, "supervision/session_detail.html", context)


@login_required
@require_POST
def session_notes(request, pk):
    session = session_for(request.user, pk, need="supervise")
    form = SessionNotesForm(request.POST)
    if form.is_valid():
        services.supervision_notes_save(session=session, notes=form.cleaned_data["notes"])
        messages.success(request, "Your notes are saved. Only you can see them.")
    return redirect("supervision:session", pk=session.pk)


def _change_page(request, session, *, change_form=None, mentors_form=None, status=200):
    mentors = selectors.assigned_mentor_enrolments(session.supervisor, session.scheme)
    invited = list(session.attendances.values_list("mentor_enrolment_id", flat=True))
    context = {
        "session": session,
        "scheme": session.scheme,
        "change_form": change_form or SessionChangeForm(instance=session),
        "mentors_form": mentors_form
        or SessionMentorsForm(mentors=mentors, initial={"mentors": invited}),
    }
    context["mentors_form"].helper.form_action = reverse(
        "supervision:session-mentors", kwargs={"pk": session.pk}
    )
    return render(request, "supervision/session_change.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def session_change(request, pk):
    """Move or edit a session; each invited mentor gets an updated invitation."""
    session = session_for(request.user, pk, need="change")
    if session.cancelled_at or session.is_past:
        messages.error(request, "Only a session still to come can be changed.")
        return redirect("supervision:session", pk=session.pk)
    if request.method == "GET":
        return _change_page(request, session)
    form = SessionChangeForm(request.POST, instance=SupervisionSession.objects.get(pk=session.pk))
    if form.is_valid():
        data = form.cleaned_data
        try:
            _, changed = services.supervision_session_reschedule(
                session=session,
                starts_at=data["starts_at"],
                duration_minutes=data["duration_minutes"],
                place=data["place"],
                agenda=data["agenda"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if changed:
                messages.success(
                    request,
                    "The session is changed. Each mentor invited has been sent an updated "
                    "invitation, which replaces the earlier one in their calendar.",
                )
            else:
                messages.info(request, "Nothing changed; no invitation sent.")
            return redirect("supervision:session", pk=session.pk)
    return _change_page(request, session, change_form=form)


@login_required
@require_POST
def session_mentors(request, pk):
    """Invite or remove mentors: added mentors are invited, removed ones told, others not."""
    session = session_for(request.user, pk, need="change")
    mentors = selectors.assigned_mentor_enrolments(session.supervisor, session.scheme)
    form = SessionMentorsForm(request.POST, mentors=mentors)
    if form.is_valid():
        try:
            added, removed = services.supervision_session_update_mentors(
                session=session, mentor_enrolments=form.cleaned_data["mentors"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if added or removed:
                messages.success(
                    request,
                    f"Mentors updated: {len(added)} invited, {len(removed)} told they are no "
                    "longer invited.",
                )
            else:
                messages.info(request, "Nothing changed; nobody was emailed.")
            return redirect("supervision:session", pk=session.pk)
    if session.cancelled_at or session.is_past:
        messages.error(request, "Only a session still to come can be changed.")
        return redirect("supervision:session", pk=session.pk)
    return _change_page(request, session, mentors_form=form)


@login_required
@require_POST
def session_cancel(request, pk):
    session = session_for(request.user, pk, need="change")
    try:
        services.supervision_session_cancel(session=session)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "The session is cancelled and the mentors have been told.")
    return redirect("supervision:session", pk=session.pk)


@login_required
@require_POST
def session_apologies(request, pk):
    session = session_for(request.user, pk, need="view")
    attendance = get_object_or_404(
        SessionAttendance, session=session, mentor_enrolment__user_id=request.user.pk
    )
    try:
        sent = services.supervision_apologies_send(
            session=session, enrolment=attendance.mentor_enrolment
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if sent:
            messages.success(request, "Your apologies are sent. Thank you for letting us know.")
        else:
            messages.info(request, "Your apologies were already recorded.")
    return redirect("supervision:session", pk=session.pk)


@login_required
def session_calendar(request, pk):
    """The session as an .ics file, for the supervisor and invited mentors (never the notes)."""
    session = session_for(request.user, pk, need="view")
    invited = session.attendances.filter(mentor_enrolment__user_id=request.user.pk).exists()
    attendee = request.user if invited else None
    response = HttpResponse(
        session_ics(session, attendee=attendee), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="supervision-{session.pk}.ics"'
    response["Cache-Control"] = "private, no-store"
    return response
