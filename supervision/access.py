"""Who may see and do what in supervision: the one place views ask (STYLE.md §3).

Outsiders (no relation to the scheme) get 404; people related to the scheme without the needed
role get 403. A session's notes are for its supervisor alone: views pass `can_see_notes` from
`may_see_notes`, and nothing else renders them.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from schemes.access import is_organiser, is_related, scheme_for
from schemes.models import Enrolment, SchemeRole

from .models import Certificate, SupervisionSession, TrainingEvent, TrainingRecord


def _refuse(user, scheme, message):
    if is_related(user, scheme):
        raise PermissionDenied(message)
    raise Http404("Not found.")


def is_supervisor(user, scheme):
    return (
        user.is_authenticated
        and SchemeRole.objects.filter(
            user=user, scheme=scheme, role=SchemeRole.Role.SUPERVISOR
        ).exists()
    )


def may_see_notes(user, session):
    """Only the session's own supervisor: not organisers, other supervisors or site admins."""
    return user.is_authenticated and session.supervisor_id == user.pk


def training_record_for(user, pk, *, need):
    """A training record: "view" for its mentor and the scheme's organisers, "review" for
    organisers only."""
    record = get_object_or_404(
        TrainingRecord.objects.select_related("scheme__organisation__region", "mentor"), pk=pk
    )
    if need == "view" and user.is_authenticated and record.mentor_id == user.pk:
        return record
    if is_organiser(user, record.scheme):
        return record
    _refuse(user, record.scheme, "Only the mentor and the scheme's organisers can see this.")


def session_for(user, pk, *, need):
    """A supervision session: "view" for its supervisor, its invited mentors and the scheme's
    organisers (who see times and attendance, never notes); "change" (move, cancel, invite or
    remove mentors) for its supervisor and the scheme's organisers; "supervise" (attendance,
    notes) for its supervisor alone."""
    session = get_object_or_404(
        SupervisionSession.objects.select_related("scheme__organisation__region", "supervisor"),
        pk=pk,
    )
    if user.is_authenticated and session.supervisor_id == user.pk:
        return session
    if need == "change" and is_organiser(user, session.scheme):
        return session
    if need == "view" and (
        session.attendances.filter(mentor_enrolment__user_id=user.pk).exists()
        or is_organiser(user, session.scheme)
    ):
        return session
    _refuse(user, session.scheme, "Only the session's supervisor can do this.")


def supervised_scheme_for(user, slug):
    scheme = scheme_for(user, slug, need="view")
    if not is_supervisor(user, scheme):
        raise PermissionDenied("Only the scheme's supervisors can do this.")
    return scheme


def mentor_enrolment_for(user, pk):
    """The user's own current mentor enrolment; anything else is a 404."""
    return get_object_or_404(
        Enrolment.objects.mentors().current().select_related("scheme__organisation"),
        pk=pk,
        user_id=user.pk,
    )


def event_for(user, pk):
    """A training event, for a mentor of its scheme (to book) or its organisers."""
    event = get_object_or_404(TrainingEvent.objects.select_related("scheme__organisation"), pk=pk)
    if (
        is_organiser(user, event.scheme)
        or Enrolment.objects.mentors()
        .current()
        .filter(scheme=event.scheme, user_id=user.pk)
        .exists()
    ):
        return event
    _refuse(user, event.scheme, "Training events are for the scheme's mentors.")


def certificate_for(user, pk):
    """A certificate's printable page: its mentor and the scheme's organisers."""
    certificate = get_object_or_404(
        Certificate.objects.select_related("scheme__organisation__region", "enrolment"), pk=pk
    )
    if user.is_authenticated and certificate.enrolment.user_id == user.pk:
        return certificate
    if is_organiser(user, certificate.scheme):
        return certificate
    _refuse(user, certificate.scheme, "Only the mentor and the scheme's organisers can see this.")
