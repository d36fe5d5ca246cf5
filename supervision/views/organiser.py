"""What a scheme's organisers do here: check training records, run training events, assign
mentors to supervisors, follow up flags, set recognition criteria, and see coverage figures.
Organisers see metadata about supervision (dates, attendance), never a supervisor's notes."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.redirects import safe_next
from schemes import disclosure
from schemes.access import scheme_for

from .. import selectors, services
from ..filters import TrainingRecordFilter
from ..forms import (
    AssignmentForm,
    EventAttendanceForm,
    RecognitionCriteriaForm,
    RejectForm,
    RevokeForm,
    TrainingEventForm,
)
from ..models import (
    Certificate,
    MentorFlag,
    SupervisorAssignment,
    TrainingEvent,
    TrainingRecord,
)
from ..recognition import criteria_for


@login_required
def scheme_overview(request, slug):
    scheme = scheme_for(request.user, slug, need="organise")
    pending = TrainingRecord.objects.filter(
        scheme=scheme, status=TrainingRecord.Status.PENDING
    ).select_related("mentor")
    return render(
        request,
        "supervision/scheme_overview.html",
        {
            "scheme": scheme,
            "coverage": selectors.coverage_shown(selectors.scheme_supervision_summary(scheme)),
            "min_count": disclosure.min_count(),
            "flags": list(selectors.flagged_mentors(scheme)),
            "pending": list(pending[:10]),
            "pending_count": pending.count(),
            "mentor_rows": selectors.mentor_rows(scheme),
            "events": list(selectors.events_with_counts(scheme)[:10]),
            "assignments": list(selectors.scheme_assignments(scheme)),
            "assignment_form": AssignmentForm(scheme=scheme),
            "criteria": criteria_for(scheme),
            "reject_form": RejectForm(),
        },
    )


@login_required
def record_list(request, slug):
    scheme = scheme_for(request.user, slug, need="organise")
    queryset = TrainingRecord.objects.filter(scheme=scheme).select_related("mentor", "reviewed_by")
    data = request.GET if request.GET else {"status": TrainingRecord.Status.PENDING}
    record_filter = TrainingRecordFilter(data, queryset=queryset)
    page = Paginator(record_filter.qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "supervision/record_list.html",
        {
            "scheme": scheme,
            "filter": record_filter,
            "page": page,
            "query": query.urlencode(),
            "reject_form": RejectForm(),
        },
    )


def _back(request, scheme):
    default = reverse("supervision:scheme", args=[scheme.slug])
    return redirect(safe_next(request, default, within=f"/supervision/schemes/{scheme.slug}/"))


@login_required
@require_POST
def record_verify(request, slug, pk):
    scheme = scheme_for(request.user, slug, need="organise")
    record = get_object_or_404(TrainingRecord, pk=pk, scheme=scheme)
    try:
        services.training_record_verify(record=record, reviewer=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"“{record.title}” by {record.mentor} is verified.")
    return _back(request, scheme)


@login_required
@require_POST
def record_reject(request, slug, pk):
    scheme = scheme_for(request.user, slug, need="organise")
    record = get_object_or_404(TrainingRecord, pk=pk, scheme=scheme)
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, f"“{record.title}” is unchanged: say why it is not accepted, then try again."
        )
        return _back(request, scheme)
    try:
        services.training_record_reject(
            record=record, reviewer=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, f"“{record.title}” is not accepted; {record.mentor} has been told why."
        )
    return _back(request, scheme)


@login_required
@require_http_methods(["GET", "POST"])
def event_create(request, slug):
    scheme = scheme_for(request.user, slug, need="organise")
    form = TrainingEventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.training_event_create(
                scheme=scheme, created_by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, f"“{event.title}” is created. Mentors can book it from their page."
            )
            return redirect("supervision:event", slug=scheme.slug, pk=event.pk)
    return render(request, "supervision/event_form.html", {"form": form, "scheme": scheme})


def _event_context(scheme, event, form=None):
    bookings = list(event.bookings.not_cancelled().select_related("enrolment__user"))
    started = event.starts_at <= timezone.now()
    if form is None and started and bookings and not event.cancelled_at:
        form = EventAttendanceForm(bookings=bookings)
    if form is not None:
        form.helper.form_action = reverse(
            "supervision:event-attendance", kwargs={"slug": scheme.slug, "pk": event.pk}
        )
    return {
        "scheme": scheme,
        "event": event,
        "bookings": bookings,
        "started": started,
        "attendance_form": form,
    }


@login_required
def event_detail(request, slug, pk):
    scheme = scheme_for(request.user, slug, need="organise")
    event = get_object_or_404(TrainingEvent, pk=pk, scheme=scheme)
    return render(request, "supervision/event_detail.html", _event_context(scheme, event))


@login_required
@require_http_methods(["GET", "POST"])
def event_change(request, slug, pk):
    """Edit or move an event still to come; the mentors booked are told of a new time or place."""
    scheme = scheme_for(request.user, slug, need="organise")
    event = get_object_or_404(TrainingEvent, pk=pk, scheme=scheme)
    if event.cancelled_at or event.starts_at <= timezone.now():
        messages.error(request, "Only an event still to come can be changed.")
        return redirect("supervision:event", slug=scheme.slug, pk=event.pk)
    # The form edits a copy, so a refused change leaves the event as it was for the service.
    form = TrainingEventForm(request.POST or None, instance=TrainingEvent.objects.get(pk=event.pk))
    if request.method == "POST" and form.is_valid():
        try:
            _, changed = services.training_event_change(event=event, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if changed:
                messages.success(
                    request,
                    "The event is changed. If its title, time, length or place changed, each "
                    "mentor booked has been told by email.",
                )
            else:
                messages.info(request, "Nothing changed; nobody was told.")
            return redirect("supervision:event", slug=scheme.slug, pk=event.pk)
    return render(
        request,
        "supervision/event_form.html",
        {"form": form, "scheme": scheme, "event": event},
    )


@login_required
@require_POST
def event_cancel(request, slug, pk):
    """Cancel a training event: bookings close and every mentor booked is told by email."""
    scheme = scheme_for(request.user, slug, need="organise")
    event = get_object_or_404(TrainingEvent, pk=pk, scheme=scheme)
    try:
        services.training_event_cancel(event=event)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, "The event is cancelled. Each mentor booked on it has been told by email."
        )
    return redirect("supervision:event", slug=scheme.slug, pk=event.pk)


@login_required
@require_POST
def event_attendance(request, slug, pk):
    scheme = scheme_for(request.user, slug, need="organise")
    event = get_object_or_404(TrainingEvent, pk=pk, scheme=scheme)
    bookings = event.bookings.not_cancelled().select_related("enrolment__user")
    form = EventAttendanceForm(request.POST, bookings=list(bookings))
    if form.is_valid():
        try:
            services.training_event_attendance_record(
                event=event,
                attended_enrolment_ids=form.cleaned_data["attended"],
                recorded_by=request.user,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                "Attendance is saved. Each mentor who attended now has a verified training record.",
            )
        return redirect("supervision:event", slug=scheme.slug, pk=event.pk)
    return render(
        request, "supervision/event_detail.html", _event_context(scheme, event, form=form)
    )


@login_required
@require_POST
def assignment_add(request, slug):
    scheme = scheme_for(request.user, slug, need="organise")
    form = AssignmentForm(request.POST, scheme=scheme)
    if form.is_valid():
        try:
            services.supervisor_assignment_create(
                scheme=scheme,
                supervisor=form.cleaned_data["supervisor"],
                mentor_enrolment=form.cleaned_data["mentor_enrolment"],
                assigned_by=request.user,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                f"{form.cleaned_data['supervisor']} now supervises "
                f"{form.cleaned_data['mentor_enrolment'].user}.",
            )
    else:
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
    return redirect(f"/supervision/schemes/{scheme.slug}/#supervisors")


@login_required
@require_POST
def assignment_remove(request, slug, pk):
    scheme = scheme_for(request.user, slug, need="organise")
    assignment = get_object_or_404(SupervisorAssignment, pk=pk, scheme=scheme)
    services.supervisor_assignment_remove(assignment=assignment)
    messages.success(
        request,
        f"{assignment.supervisor} no longer supervises {assignment.mentor_enrolment.user}.",
    )
    return redirect(f"/supervision/schemes/{scheme.slug}/#supervisors")


@login_required
@require_POST
def flag_resolve(request, slug, pk):
    scheme = scheme_for(request.user, slug, need="organise")
    flag = get_object_or_404(MentorFlag, pk=pk, scheme=scheme)
    try:
        services.mentor_flag_resolve(flag=flag, resolved_by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"The flag on {flag.mentor_enrolment.user} is closed.")
    return redirect("supervision:scheme", slug=scheme.slug)


@login_required
@require_http_methods(["GET", "POST"])
def recognition(request, slug):
    scheme = scheme_for(request.user, slug, need="organise")
    form = RecognitionCriteriaForm(request.POST or None, instance=criteria_for(scheme))
    if request.method == "POST" and form.is_valid():
        services.recognition_criteria_save(
            scheme=scheme, updated_by=request.user, **form.cleaned_data
        )
        messages.success(request, "The recognition criteria are saved.")
        return redirect("supervision:recognition", slug=scheme.slug)
    certificates = Certificate.objects.filter(scheme=scheme).select_related("enrolment__user")
    return render(
        request,
        "supervision/recognition.html",
        {
            "scheme": scheme,
            "form": form,
            "certificates": list(certificates[:200]),
            "revoke_form": RevokeForm(),
        },
    )


@login_required
@require_POST
def certificate_revoke(request, slug, pk):
    scheme = scheme_for(request.user, slug, need="organise")
    certificate = get_object_or_404(Certificate, pk=pk, scheme=scheme)
    form = RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The certificate is still valid: say why you revoke it.")
        return redirect("supervision:recognition", slug=scheme.slug)
    try:
        services.certificate_revoke(
            certificate=certificate, revoked_by=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"Certificate {certificate.code} is revoked: its verification page now says so.",
        )
    return redirect("supervision:recognition", slug=scheme.slug)
