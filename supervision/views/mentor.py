"""What a mentor does: see what training the scheme asks, record training, book events, see
their supervision sessions, send apologies, and get a certificate of mentoring activity."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from schemes.models import Enrolment

from .. import selectors, services
from ..access import event_for, mentor_enrolment_for, training_record_for
from ..forms import TrainingRecordForm
from ..models import MentorFlag, TrainingBooking
from ..recognition import recognition_progress


@login_required
def mine(request):
    """The mentor's own page: training, supervision attendance and mentees (names only)."""
    sections = []
    for enrolment in selectors.mentor_enrolments(request.user):
        sections.append(
            {
                "enrolment": enrolment,
                "training": selectors.training_requirement(enrolment),
                "attendance": selectors.mentor_attendance(enrolment),
                "pairs": selectors.mentor_pairs(enrolment),
                "recognition": recognition_progress(enrolment),
                "open_flag": MentorFlag.objects.filter(
                    mentor_enrolment=enrolment, resolved_at=None
                ).first(),
            }
        )
    return render(request, "supervision/mine.html", {"sections": sections})


@login_required
@require_http_methods(["GET", "POST"])
def training_add(request, enrolment_pk):
    enrolment = mentor_enrolment_for(request.user, enrolment_pk)
    form = TrainingRecordForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.training_record_create(
                enrolment=enrolment,
                kind=data["kind"],
                provider=data["provider"],
                title=data["title"],
                completed_on=data["completed_on"],
                hours=data["hours"],
                evidence=data.get("evidence"),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                f"“{data['title']}” is recorded. An organiser of {enrolment.scheme.name} will "
                "check it; we will email you when they have.",
            )
            return redirect("supervision:mine")
    return render(request, "supervision/training_form.html", {"form": form, "enrolment": enrolment})


@login_required
def training_evidence(request, pk):
    """The evidence file, for the record's mentor and the scheme's organisers only."""
    record = training_record_for(request.user, pk, need="view")
    if not record.evidence:
        raise Http404("This record has no evidence file.")
    try:
        handle = record.evidence.open("rb")
    except FileNotFoundError as error:
        raise Http404("The evidence file is missing.") from error
    response = FileResponse(
        handle,
        content_type=record.evidence_content_type or "application/octet-stream",
        as_attachment=record.evidence_content_type == "application/pdf",
        filename=record.evidence_name or "evidence",
    )
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _enrolment_for_event(user, event):
    return get_object_or_404(
        Enrolment.objects.mentors().current(),
        scheme=event.scheme,
        user_id=user.pk,
    )


@login_required
@require_POST
def event_book(request, pk):
    event = event_for(request.user, pk)
    enrolment = _enrolment_for_event(request.user, event)
    try:
        services.training_event_book(event=event, enrolment=enrolment)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"You are booked on “{event.title}”.")
    return redirect("supervision:mine")


@login_required
@require_POST
def event_cancel_booking(request, pk):
    event = event_for(request.user, pk)
    enrolment = _enrolment_for_event(request.user, event)
    booking = get_object_or_404(TrainingBooking, event=event, enrolment=enrolment)
    try:
        services.training_booking_cancel(booking=booking)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Your place on “{event.title}” is cancelled.")
    return redirect("supervision:mine")


@login_required
@require_POST
def certificate_issue(request, enrolment_pk):
    enrolment = mentor_enrolment_for(request.user, enrolment_pk)
    try:
        certificate = services.certificate_issue(enrolment=enrolment)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("supervision:mine")
    return redirect("supervision:certificate", pk=certificate.pk)
