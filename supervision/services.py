"""Use cases that write: training records and events, supervision sessions and attendance,
flags for missed supervision, recognition criteria and certificates.

Every outgoing email is a Notification with a unique key (accounts.services.notification_queue),
so a double click, a retried task or a sweep that runs twice never sends a message twice.
"""

from datetime import UTC, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.services import notification_queue
from schemes.models import Enrolment, SchemeRole

from .evidence import check_evidence, display_name
from .models import (
    Certificate,
    MentorFlag,
    RecognitionCriteria,
    SessionAttendance,
    SupervisionSession,
    SupervisorAssignment,
    TrainingBooking,
    TrainingEvent,
    TrainingRecord,
)
from .recognition import activity_summary, recognition_progress

# A reminder goes this long before a session, unless it was scheduled closer to the day than
# this: then the invitation itself is the reminder.
REMINDER_AHEAD = timedelta(hours=24)
# Missing this many sessions in a row (absent, without apologies) raises a flag.
MISSED_IN_A_ROW = 2


def _require_current_mentor(enrolment, scheme=None):
    if enrolment.role != Enrolment.Role.MENTOR or enrolment.status == Enrolment.Status.WITHDRAWN:
        raise ValidationError("Only a current mentor of the scheme can do this.")
    if scheme is not None and enrolment.scheme_id != scheme.pk:
        raise ValidationError("This mentor is not enrolled in this scheme.")


def _organisers(scheme):
    return [
        role.user
        for role in SchemeRole.objects.filter(
            scheme=scheme, role=SchemeRole.Role.ORGANISER
        ).select_related("user")
    ]


# --- Training records -------------------------------------------------------------------------


def training_record_create(*, enrolment, kind, provider, title, completed_on, hours, evidence=None):
    """A mentor records training they did. It counts once an organiser verifies it."""
    _require_current_mentor(enrolment)
    if completed_on > timezone.localdate():
        raise ValidationError("The date completed cannot be in the future.")
    record = TrainingRecord(
        scheme=enrolment.scheme,
        mentor=enrolment.user,
        kind=kind,
        provider=provider,
        title=title,
        completed_on=completed_on,
        hours=hours,
    )
    if evidence:
        record.evidence_content_type = check_evidence(evidence)
        record.evidence_name = display_name(evidence)
        record.evidence = evidence
    try:
        with transaction.atomic():
            record.save()
    except Exception:
        # The file was written before the row failed: remove it so nothing is left behind.
        if record.evidence and record.evidence.name:
            record.evidence.storage.delete(record.evidence.name)
        raise
    return record


def _review(record, *, reviewer, status, reason=""):
    with transaction.atomic():
        updated = TrainingRecord.objects.filter(
            pk=record.pk, status=TrainingRecord.Status.PENDING
        ).update(
            status=status, reviewed_by=reviewer, reviewed_at=timezone.now(), rejection_reason=reason
        )
        if updated != 1:
            raise ValidationError("This record has already been checked.")
        record.refresh_from_db()
        notification_queue(
            key=f"training_record_reviewed:record:{record.pk}:{status}",
            kind="training_record_reviewed",
            recipient=record.mentor,
            context={"record_id": record.pk},
        )
    return record


def training_record_verify(*, record, reviewer):
    return _review(record, reviewer=reviewer, status=TrainingRecord.Status.VERIFIED)


def training_record_reject(*, record, reviewer, reason):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Say why the record is not accepted, so the mentor can put it right.")
    return _review(record, reviewer=reviewer, status=TrainingRecord.Status.REJECTED, reason=reason)


# --- Training events --------------------------------------------------------------------------


def training_event_create(*, scheme, created_by, **fields):
    if fields["starts_at"] <= timezone.now():
        raise ValidationError("Choose a date and time in the future.")
    return TrainingEvent.objects.create(scheme=scheme, created_by=created_by, **fields)


def training_event_book(*, event, enrolment):
    """Book a mentor onto an event, if it has a place left. Booking twice is harmless."""
    _require_current_mentor(enrolment, event.scheme)
    with transaction.atomic():
        # Lock the event so two mentors cannot both take its last place.
        event = TrainingEvent.objects.select_for_update().get(pk=event.pk)
        if event.cancelled_at or event.starts_at <= timezone.now():
            raise ValidationError("This event is no longer taking bookings.")
        booking = TrainingBooking.objects.filter(event=event, enrolment=enrolment).first()
        if booking and booking.status == TrainingBooking.Status.BOOKED:
            return booking
        booked = event.bookings.filter(status=TrainingBooking.Status.BOOKED).count()
        if booked >= event.capacity:
            raise ValidationError(
                f"“{event.title}” is full. Choose another date, or ask the organisers to add "
                "places."
            )
        if booking:
            booking.status = TrainingBooking.Status.BOOKED
            booking.booked_at = timezone.now()
            booking.save(update_fields=["status", "booked_at"])
        else:
            booking = TrainingBooking.objects.create(event=event, enrolment=enrolment)
    return booking


def training_booking_cancel(*, booking):
    if booking.status != TrainingBooking.Status.BOOKED or booking.event.starts_at <= timezone.now():
        raise ValidationError("This booking can no longer be cancelled.")
    booking.status = TrainingBooking.Status.CANCELLED
    booking.save(update_fields=["status"])
    return booking


def training_event_attendance_record(*, event, attended_enrolment_ids, recorded_by):
    """Mark who came. Attending creates a verified training record; correcting to "did not
    attend" removes the record the event created.
    """
    if event.starts_at > timezone.now():
        raise ValidationError("Attendance can be recorded once the event has started.")
    attended_enrolment_ids = {int(pk) for pk in attended_enrolment_ids}
    now = timezone.now()
    with transaction.atomic():
        bookings = event.bookings.exclude(status=TrainingBooking.Status.CANCELLED).select_related(
            "enrolment__user"
        )
        for booking in bookings:
            came = booking.enrolment_id in attended_enrolment_ids
            booking.status = (
                TrainingBooking.Status.ATTENDED if came else TrainingBooking.Status.ABSENT
            )
            booking.save(update_fields=["status"])
            if came:
                TrainingRecord.objects.get_or_create(
                    event=event,
                    mentor=booking.enrolment.user,
                    defaults={
                        "scheme": event.scheme,
                        "kind": event.kind,
                        "provider": event.provider_name,
                        "title": event.title,
                        "completed_on": timezone.localdate(event.starts_at),
                        "hours": event.hours,
                        "status": TrainingRecord.Status.VERIFIED,
                        "reviewed_by": recorded_by,
                        "reviewed_at": now,
                    },
                )
            else:
                TrainingRecord.objects.filter(event=event, mentor=booking.enrolment.user).delete()
        event.attendance_recorded_at = now
        event.save(update_fields=["attendance_recorded_at"])
    return event


# --- Supervisors and their mentors ------------------------------------------------------------


def supervisor_assignment_create(*, scheme, supervisor, mentor_enrolment, assigned_by):
    if not SchemeRole.objects.filter(
        scheme=scheme, user=supervisor, role=SchemeRole.Role.SUPERVISOR
    ).exists():
        raise ValidationError(f"{supervisor} is not a supervisor of {scheme.name}.")
    _require_current_mentor(mentor_enrolment, scheme)
    assignment, _ = SupervisorAssignment.objects.get_or_create(
        supervisor=supervisor,
        mentor_enrolment=mentor_enrolment,
        defaults={"scheme": scheme, "assigned_by": assigned_by},
    )
    return assignment


def supervisor_assignment_remove(*, assignment):
    assignment.delete()


# --- Supervision sessions ---------------------------------------------------------------------


def supervision_session_schedule(
    *, scheme, supervisor, kind, starts_at, duration_minutes, place, agenda="", mentor_enrolments
):
    """Schedule a session with some of the supervisor's mentors and invite them by email.

    1. Check the supervisor's role and that every mentor is assigned to them.
    2. Create the session and one attendance row ("invited") per mentor.
    3. Queue one invitation per mentor (with a link to the .ics file), sent after commit.
    """
    if not SchemeRole.objects.filter(
        scheme=scheme, user=supervisor, role=SchemeRole.Role.SUPERVISOR
    ).exists():
        raise ValidationError("Only the scheme's supervisors can schedule supervision.")
    mentor_enrolments = list(mentor_enrolments)
    assigned = set(
        SupervisorAssignment.objects.filter(
            supervisor=supervisor, mentor_enrolment__scheme=scheme
        ).values_list("mentor_enrolment_id", flat=True)
    )
    for enrolment in mentor_enrolments:
        _require_current_mentor(enrolment, scheme)
        if enrolment.pk not in assigned:
            raise ValidationError(f"{enrolment.user} is not one of your mentors.")
    if kind == SupervisionSession.Kind.ONE_TO_ONE and len(mentor_enrolments) != 1:
        raise ValidationError("Choose exactly one mentor for 1:1 supervision.")
    if kind == SupervisionSession.Kind.GROUP and len(mentor_enrolments) < 2:
        raise ValidationError("Choose at least two mentors for group supervision.")
    if starts_at <= timezone.now():
        raise ValidationError("Choose a date and time in the future.")
    with transaction.atomic():
        session = SupervisionSession.objects.create(
            scheme=scheme,
            supervisor=supervisor,
            kind=kind,
            starts_at=starts_at,
            duration_minutes=duration_minutes,
            place=place,
            agenda=agenda,
        )
        for enrolment in mentor_enrolments:
            SessionAttendance.objects.create(session=session, mentor_enrolment=enrolment)
            notification_queue(
                key=f"supervision_invitation:session:{session.pk}:enrolment:{enrolment.pk}",
                kind="supervision_invitation",
                recipient=enrolment.user,
                context={"session_id": session.pk, "enrolment_id": enrolment.pk},
            )
    return session


def supervision_session_cancel(*, session):
    if session.cancelled_at or session.starts_at <= timezone.now():
        raise ValidationError("Only a session still to come can be cancelled.")
    with transaction.atomic():
        session.cancelled_at = timezone.now()
        session.sequence += 1
        session.save(update_fields=["cancelled_at", "sequence"])
        for attendance in session.attendances.select_related("mentor_enrolment__user"):
            notification_queue(
                key=(
                    f"supervision_cancelled:session:{session.pk}:"
                    f"enrolment:{attendance.mentor_enrolment_id}"
                ),
                kind="supervision_cancelled",
                recipient=attendance.mentor_enrolment.user,
                context={"session_id": session.pk, "enrolment_id": attendance.mentor_enrolment_id},
            )
    return session


def supervision_apologies_send(*, session, enrolment):
    """A mentor says in advance that they cannot come. Apologies never count as a missed session."""
    if session.cancelled_at or session.attendance_recorded_at:
        raise ValidationError("Attendance for this session is already settled.")
    updated = SessionAttendance.objects.filter(
        session=session, mentor_enrolment=enrolment, status=SessionAttendance.Status.INVITED
    ).update(status=SessionAttendance.Status.APOLOGIES, apologies_sent_at=timezone.now())
    return updated == 1


def supervision_attendance_record(*, session, statuses):
    """Record each invited mentor as attended, sent apologies or absent, then look at flags.

    `statuses` maps mentor enrolment id → status. Recording again corrects the record (and a flag
    the correction undoes is closed).
    """
    if session.cancelled_at:
        raise ValidationError("This session was cancelled.")
    if session.starts_at > timezone.now():
        raise ValidationError("Attendance can be recorded once the session has started.")
    allowed = {
        SessionAttendance.Status.ATTENDED,
        SessionAttendance.Status.APOLOGIES,
        SessionAttendance.Status.ABSENT,
    }
    now = timezone.now()
    with transaction.atomic():
        attendances = list(session.attendances.select_related("mentor_enrolment"))
        for attendance in attendances:
            status = statuses.get(attendance.mentor_enrolment_id)
            if status not in allowed:
                raise ValidationError(
                    f"Say whether {attendance.mentor_enrolment.user} attended, sent apologies or "
                    "was absent."
                )
            attendance.status = status
            attendance.recorded_at = now
            attendance.save(update_fields=["status", "recorded_at"])
        SupervisionSession.objects.filter(pk=session.pk).update(attendance_recorded_at=now)
        session.attendance_recorded_at = now
        for attendance in attendances:
            mentor_flag_evaluate(enrolment=attendance.mentor_enrolment)
    return session


def supervision_notes_save(*, session, notes):
    SupervisionSession.objects.filter(pk=session.pk).update(supervisor_notes=notes)
    session.supervisor_notes = notes
    return session


# --- Flags for missed supervision -------------------------------------------------------------


def mentor_flag_evaluate(*, enrolment):
    """Raise or close the mentor's flag from their recorded supervision attendance.

    The rule (documented on the organiser page): a mentor is flagged when the last two sessions
    they were invited to, whose attendance is recorded, both say "absent". Apologies are not a
    miss and break the run. The two sessions of an earlier flag never raise another one, so
    each flag takes two fresh misses, and each flag prompts the mentor once.

    1. Read the latest recorded sessions, newest first (cancelled sessions do not count).
    2. An open flag closes when the newest is "attended", or when a correction means its
       sessions are no longer both missed.
    3. Otherwise, two misses in a row with no open flag raise one: the mentor gets a friendly
       prompt and each organiser a note, once per flag.
    """
    latest = list(
        SessionAttendance.objects.filter(
            mentor_enrolment=enrolment,
            session__cancelled_at=None,
            session__attendance_recorded_at__isnull=False,
        )
        .exclude(status=SessionAttendance.Status.INVITED)
        .order_by("-session__starts_at", "-session_id")
        .values_list("session_id", "status")
    )
    status_of = dict(latest)
    open_flag = MentorFlag.objects.filter(mentor_enrolment=enrolment, resolved_at=None).first()
    if open_flag:
        still_missed = all(
            status_of.get(session_id) == SessionAttendance.Status.ABSENT
            for session_id in open_flag.session_ids
        )
        if latest and latest[0][1] == SessionAttendance.Status.ATTENDED:
            return _flag_close(open_flag, MentorFlag.Resolution.ATTENDED)
        if not still_missed:
            return _flag_close(open_flag, MentorFlag.Resolution.CORRECTED)
        return open_flag
    run = latest[:MISSED_IN_A_ROW]
    if len(run) < MISSED_IN_A_ROW or any(
        status != SessionAttendance.Status.ABSENT for _, status in run
    ):
        return None
    run_ids = [session_id for session_id, _ in run]
    already_flagged = {
        session_id
        for ids in MentorFlag.objects.filter(mentor_enrolment=enrolment).values_list(
            "session_ids", flat=True
        )
        for session_id in ids
    }
    if already_flagged.intersection(run_ids):
        return None
    with transaction.atomic():
        flag = MentorFlag.objects.create(
            scheme=enrolment.scheme, mentor_enrolment=enrolment, session_ids=run_ids
        )
        notification_queue(
            key=f"supervision_missed_prompt:flag:{flag.pk}",
            kind="supervision_missed_prompt",
            recipient=enrolment.user,
            context={"flag_id": flag.pk},
        )
        for organiser in _organisers(enrolment.scheme):
            notification_queue(
                key=f"supervision_mentor_flagged:flag:{flag.pk}:to:{organiser.pk}",
                kind="supervision_mentor_flagged",
                recipient=organiser,
                context={"flag_id": flag.pk},
            )
    return flag


def _flag_close(flag, resolution, resolved_by=None):
    MentorFlag.objects.filter(pk=flag.pk, resolved_at=None).update(
        resolved_at=timezone.now(), resolution=resolution, resolved_by=resolved_by
    )
    flag.refresh_from_db()
    return flag


def mentor_flag_resolve(*, flag, resolved_by):
    if flag.resolved_at:
        raise ValidationError("This flag is already closed.")
    return _flag_close(flag, MentorFlag.Resolution.ORGANISER, resolved_by)


# --- Reminders sweep --------------------------------------------------------------------------


def supervision_reminders_queue(*, now=None):
    """Queue a reminder for each invited mentor of a session in the next 24 hours.

    Safe to run any number of times: the key names the session, the mentor and the start time,
    so a rescheduled session would be reminded again but a session never twice. Mentors who sent
    apologies, withdrawn mentors, and sessions booked within a day of starting are left out.
    Returns how many reminders were newly queued.
    """
    now = now or timezone.now()
    sessions = SupervisionSession.objects.filter(
        cancelled_at=None, starts_at__gt=now, starts_at__lte=now + REMINDER_AHEAD
    )
    queued = 0
    for session in sessions:
        if session.created_at > session.starts_at - REMINDER_AHEAD:
            continue
        stamp = session.starts_at.astimezone(UTC).strftime("%Y%m%d%H%M")
        attendances = (
            session.attendances.filter(status=SessionAttendance.Status.INVITED)
            .exclude(mentor_enrolment__status=Enrolment.Status.WITHDRAWN)
            .select_related("mentor_enrolment__user")
        )
        for attendance in attendances:
            user = attendance.mentor_enrolment.user
            # notification_queue skips people who turned reminders off in their email settings.
            with transaction.atomic():
                notification = notification_queue(
                    key=(
                        f"supervision_reminder:session:{session.pk}:"
                        f"enrolment:{attendance.mentor_enrolment_id}:{stamp}"
                    ),
                    kind="supervision_reminder",
                    recipient=user,
                    context={
                        "session_id": session.pk,
                        "enrolment_id": attendance.mentor_enrolment_id,
                    },
                )
            queued += notification is not None
    return queued


# --- Recognition ------------------------------------------------------------------------------


def recognition_criteria_save(*, scheme, updated_by, **values):
    criteria, _ = RecognitionCriteria.objects.update_or_create(
        scheme=scheme, defaults={**values, "updated_by": updated_by, "updated_at": timezone.now()}
    )
    return criteria


def certificate_issue(*, enrolment):
    """Issue the mentor's certificate if they meet the scheme's criteria (or return theirs)."""
    _require_current_mentor(enrolment)
    progress = recognition_progress(enrolment)
    if progress["certificate"]:
        return progress["certificate"]
    if not progress["met"]:
        missing = "; ".join(
            f"{row.label.lower()} ({row.have}, need {row.needed})"
            for row in progress["criteria"]
            if not row.met
        )
        raise ValidationError(f"Not yet: still needed — {missing}.")
    user = enrolment.user
    with transaction.atomic():
        return Certificate.objects.create(
            enrolment=enrolment,
            scheme=enrolment.scheme,
            holder_name=user.get_full_name() or user.email.split("@")[0],
            activity=activity_summary(enrolment),
        )


def certificate_revoke(*, certificate, revoked_by, reason):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Say why the certificate is revoked.")
    updated = Certificate.objects.filter(pk=certificate.pk, revoked_at=None).update(
        revoked_at=timezone.now(), revoked_by=revoked_by, revoke_reason=reason
    )
    if updated != 1:
        raise ValidationError("This certificate is already revoked.")
    certificate.refresh_from_db()
    return certificate
