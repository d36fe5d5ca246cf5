"""Use cases that write: training records and events, supervision sessions and attendance,
flags for missed supervision, recognition criteria and certificates.

Every outgoing email is a Notification with a unique key (accounts.services.notification_queue),
so a double click, a retried task or a sweep that runs twice never sends a message twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.services import notification_queue
from accounts.widgets import as_sent_back
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

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from accounts.models import User
    from schemes.models import Scheme

# A reminder goes this long before a session, unless it was scheduled closer to the day than
# this: then the invitation itself is the reminder.
REMINDER_AHEAD = timedelta(hours=24)
# Missing this many sessions in a row (absent, without apologies) raises a flag.
MISSED_IN_A_ROW = 2


def _require_current_mentor(enrolment, scheme=None):
    if enrolment.role != Enrolment.Role.MENTOR or not enrolment.is_current:
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


def training_record_create(
    *,
    enrolment: Enrolment,
    kind: str,
    provider: str,
    title: str,
    completed_on: date,
    hours: Decimal,
    evidence: UploadedFile | None = None,
) -> TrainingRecord:
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


def _review(record, *, reviewer, status, reason: str = ""):
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


def training_record_verify(*, record: TrainingRecord, reviewer: User) -> TrainingRecord:
    return _review(record, reviewer=reviewer, status=TrainingRecord.Status.VERIFIED)


def training_record_reject(
    *, record: TrainingRecord, reviewer: User, reason: str
) -> TrainingRecord:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Say why the record is not accepted, so the mentor can put it right.")
    return _review(record, reviewer=reviewer, status=TrainingRecord.Status.REJECTED, reason=reason)


# --- Training events --------------------------------------------------------------------------


def training_event_create(*, scheme: Scheme, created_by: User, **fields: Any) -> TrainingEvent:
    if fields["starts_at"] <= timezone.now():
        raise ValidationError("Choose a date and time in the future.")
    return TrainingEvent.objects.create(scheme=scheme, created_by=created_by, **fields)


def training_event_book(*, event: TrainingEvent, enrolment: Enrolment) -> TrainingBooking:
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
        booked = event.bookings.booked().count()
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


def training_booking_cancel(*, booking: TrainingBooking) -> TrainingBooking:
    if booking.status != TrainingBooking.Status.BOOKED or booking.event.starts_at <= timezone.now():
        raise ValidationError("This booking can no longer be cancelled.")
    booking.status = TrainingBooking.Status.CANCELLED
    booking.save(update_fields=["status"])
    return booking


def training_event_cancel(*, event: TrainingEvent) -> TrainingEvent:
    """Cancel an event still to come: bookings close, the event shows as cancelled (it is kept),
    and every mentor booked on it is told by email, once."""
    with transaction.atomic():
        event = TrainingEvent.objects.select_for_update().get(pk=event.pk)
        if event.cancelled_at:
            raise ValidationError("This event is already cancelled.")
        if event.starts_at <= timezone.now():
            raise ValidationError(
                "This event has already started, so it can no longer be cancelled."
            )
        event.cancelled_at = timezone.now()
        event.save(update_fields=["cancelled_at"])
        for booking in event.bookings.booked().select_related("enrolment__user"):
            notification_queue(
                key=f"training_event_cancelled:event:{event.pk}:enrolment:{booking.enrolment_id}",
                kind="training_event_cancelled",
                recipient=booking.enrolment.user,
                context={"event_id": event.pk},
            )
    return event


# What a mentor booked on an event plans around: a change to any of these is told to them.
TRAINING_EVENT_TOLD_FIELDS = ("title", "starts_at", "hours", "place")


def training_event_change(*, event: TrainingEvent, **fields: Any) -> tuple[TrainingEvent, bool]:
    """Edit or move an event still to come. Returns (event, changed).

    1. Refuse a cancelled or started event, a start in the past, fewer places than are booked.
    2. If nothing changed, save nothing and tell nobody.
    3. Otherwise save; if the title, time, length or place changed, raise the revision and tell
       each mentor booked by email, once for this revision (a double click tells nobody twice).
    """
    with transaction.atomic():
        locked = TrainingEvent.objects.select_for_update().get(pk=event.pk)
        if locked.cancelled_at:
            raise ValidationError("This event is cancelled, so it can no longer change.")
        if locked.starts_at <= timezone.now():
            raise ValidationError("This event has already started, so it can no longer change.")
        fields["starts_at"] = as_sent_back(locked.starts_at, fields["starts_at"])
        if fields["starts_at"] <= timezone.now():
            raise ValidationError("Choose a date and time in the future.")
        booked = locked.bookings.booked().count()
        if fields["capacity"] < booked:
            raise ValidationError(
                f"{booked} mentors have booked, so keep at least {booked} places. To have fewer, "
                "ask some of them to cancel their booking first."
            )
        changed = [name for name, value in fields.items() if getattr(locked, name) != value]
        if not changed:
            return locked, False
        for name in changed:
            setattr(locked, name, fields[name])
        told = any(name in TRAINING_EVENT_TOLD_FIELDS for name in changed)
        if told:
            locked.revision += 1
            changed.append("revision")
        locked.save(update_fields=changed)
        if told:
            for booking in locked.bookings.booked().select_related("enrolment__user"):
                notification_queue(
                    key=(
                        f"training_event_changed:event:{locked.pk}:"
                        f"enrolment:{booking.enrolment_id}:revision:{locked.revision}"
                    ),
                    kind="training_event_changed",
                    recipient=booking.enrolment.user,
                    context={"event_id": locked.pk},
                )
    return locked, True


def training_event_attendance_record(
    *, event: TrainingEvent, attended_enrolment_ids: Iterable[int], recorded_by: User
) -> TrainingEvent:
    """Mark who came. Attending creates a verified training record; correcting to "did not
    attend" removes the record the event created.
    """
    if event.cancelled_at:
        raise ValidationError("This event was cancelled, so there is no attendance to record.")
    if event.starts_at > timezone.now():
        raise ValidationError("Attendance can be recorded once the event has started.")
    attended_enrolment_ids = {int(pk) for pk in attended_enrolment_ids}
    now = timezone.now()
    with transaction.atomic():
        bookings = event.bookings.not_cancelled().select_related("enrolment__user")
        for booking in bookings:
            came = booking.enrolment_id in attended_enrolment_ids
            status = TrainingBooking.Status.ATTENDED if came else TrainingBooking.Status.ABSENT
            if booking.status != status:
                booking.status = status
                booking.save(update_fields=["status"])
                event.attendance_recorded_at = None
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
        if event.attendance_recorded_at is None:  # first recorded, or corrected
            event.attendance_recorded_at = now
            event.save(update_fields=["attendance_recorded_at"])
    return event


# --- Supervisors and their mentors ------------------------------------------------------------


def supervisor_assignment_create(
    *, scheme: Scheme, supervisor: User, mentor_enrolment: Enrolment, assigned_by: User
) -> SupervisorAssignment:
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


def supervisor_assignment_remove(*, assignment: SupervisorAssignment) -> None:
    assignment.delete()


# --- Supervision sessions ---------------------------------------------------------------------


def supervision_session_schedule(
    *,
    scheme: Scheme,
    supervisor: User,
    kind: str,
    starts_at: datetime,
    duration_minutes: int,
    place: str,
    agenda: str = "",
    mentor_enrolments: Iterable[Enrolment],
) -> SupervisionSession:
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
            _invite(session, enrolment)
    return session


def _session_locked_for_change(session):
    """The session, locked and read fresh, if it can still change; else a clear refusal."""
    locked = SupervisionSession.objects.select_for_update().get(pk=session.pk)
    if locked.cancelled_at:
        raise ValidationError("This session is already cancelled.")
    if locked.starts_at <= timezone.now():
        raise ValidationError("This session has already started, so it can no longer change.")
    return locked


def _invite(session, enrolment, *, updated: bool = False) -> None:
    """One invitation per mentor per calendar revision: the key names the SEQUENCE, so each
    change is told once and a double click never tells it twice."""
    notification_queue(
        key=(
            f"supervision_invitation:session:{session.pk}:enrolment:{enrolment.pk}:"
            f"seq:{session.sequence}"
        ),
        kind="supervision_invitation",
        recipient=enrolment.user,
        context={"session_id": session.pk, "enrolment_id": enrolment.pk, "updated": updated},
    )


def supervision_session_reschedule(
    *,
    session: SupervisionSession,
    starts_at: datetime,
    duration_minutes: int,
    place: str,
    agenda: str = "",
) -> tuple[SupervisionSession, bool]:
    """Move or edit a session still to come. Returns (session, changed).

    1. Refuse a cancelled or started session, a start in the past, a length out of range.
    2. If nothing changed, save nothing and tell nobody.
    3. Otherwise save, raise SEQUENCE, and send each invited mentor an updated invitation whose
       .ics (same UID, higher SEQUENCE) replaces the earlier one in their calendar.
    """
    if starts_at <= timezone.now():
        raise ValidationError("Choose a date and time in the future.")
    if not 15 <= duration_minutes <= 480:
        raise ValidationError("Enter a length between 15 and 480 minutes.")
    with transaction.atomic():
        locked = _session_locked_for_change(session)
        starts_at = as_sent_back(locked.starts_at, starts_at)
        new = {
            "starts_at": starts_at,
            "duration_minutes": duration_minutes,
            "place": place,
            "agenda": agenda,
        }
        if all(getattr(locked, field) == value for field, value in new.items()):
            return locked, False
        for field, value in new.items():
            setattr(locked, field, value)
        locked.sequence += 1
        locked.save(update_fields=[*new, "sequence"])
        attendances = locked.attendances.filter(
            mentor_enrolment__in=Enrolment.objects.current()
        ).select_related("mentor_enrolment__user")
        for attendance in attendances:
            _invite(locked, attendance.mentor_enrolment, updated=True)
    return locked, True


def supervision_session_update_mentors(
    *, session: SupervisionSession, mentor_enrolments: Iterable[Enrolment]
) -> tuple[list[Enrolment], list[Enrolment]]:
    """Invite and remove mentors. Added mentors get the invitation; removed mentors a
    cancellation for them alone; the others hear nothing. Returns (added, removed)."""
    wanted = {enrolment.pk: enrolment for enrolment in mentor_enrolments}
    if not wanted:
        raise ValidationError(
            "A session needs at least one mentor. To call it off, cancel the session instead."
        )
    with transaction.atomic():
        locked = _session_locked_for_change(session)
        if locked.kind == SupervisionSession.Kind.ONE_TO_ONE and len(wanted) != 1:
            raise ValidationError("Choose exactly one mentor for 1:1 supervision.")
        if locked.kind == SupervisionSession.Kind.GROUP and len(wanted) < 2:
            raise ValidationError("Choose at least two mentors for group supervision.")
        assigned = set(
            SupervisorAssignment.objects.filter(
                supervisor_id=locked.supervisor_id, mentor_enrolment__scheme_id=locked.scheme_id
            ).values_list("mentor_enrolment_id", flat=True)
        )
        current = {
            attendance.mentor_enrolment_id: attendance
            for attendance in locked.attendances.select_related("mentor_enrolment__user")
        }
        added = [enrolment for pk, enrolment in wanted.items() if pk not in current]
        removed = [attendance for pk, attendance in current.items() if pk not in wanted]
        for enrolment in added:
            _require_current_mentor(enrolment, locked.scheme)
            if enrolment.pk not in assigned:
                raise ValidationError(f"{enrolment.user} is not one of the supervisor's mentors.")
        if not added and not removed:
            return [], []
        locked.sequence += 1
        locked.save(update_fields=["sequence"])
        for enrolment in added:
            SessionAttendance.objects.create(session=locked, mentor_enrolment=enrolment)
            _invite(locked, enrolment)
        for attendance in removed:
            enrolment = attendance.mentor_enrolment
            attendance.delete()
            notification_queue(
                key=(
                    f"supervision_cancelled:session:{locked.pk}:enrolment:{enrolment.pk}:"
                    f"seq:{locked.sequence}"
                ),
                kind="supervision_cancelled",
                recipient=enrolment.user,
                context={"session_id": locked.pk, "enrolment_id": enrolment.pk, "removed": True},
            )
    return added, [attendance.mentor_enrolment for attendance in removed]


def supervision_session_cancel(*, session: SupervisionSession) -> SupervisionSession:
    """Cancel a session still to come: kept (not deleted), marked cancelled, and every invited
    mentor sent a METHOD:CANCEL .ics that removes it from their calendar."""
    with transaction.atomic():
        session = _session_locked_for_change(session)
        session.cancelled_at = timezone.now()
        session.sequence += 1
        session.save(update_fields=["cancelled_at", "sequence"])
        for attendance in session.attendances.select_related("mentor_enrolment__user"):
            notification_queue(
                key=(
                    f"supervision_cancelled:session:{session.pk}:"
                    f"enrolment:{attendance.mentor_enrolment_id}:seq:{session.sequence}"
                ),
                kind="supervision_cancelled",
                recipient=attendance.mentor_enrolment.user,
                context={"session_id": session.pk, "enrolment_id": attendance.mentor_enrolment_id},
            )
    return session


def supervision_apologies_send(*, session: SupervisionSession, enrolment: Enrolment) -> bool:
    """A mentor says in advance that they cannot come. Apologies never count as a missed session."""
    if session.cancelled_at or session.attendance_recorded_at:
        raise ValidationError("Attendance for this session is already settled.")
    updated = SessionAttendance.objects.filter(
        session=session, mentor_enrolment=enrolment, status=SessionAttendance.Status.INVITED
    ).update(status=SessionAttendance.Status.APOLOGIES, apologies_sent_at=timezone.now())
    return updated == 1


def supervision_attendance_record(
    *, session: SupervisionSession, statuses: Mapping[int, str]
) -> SupervisionSession:
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
            if attendance.status == status and attendance.recorded_at:
                continue  # recorded so already: saving it again is not a new record
            attendance.status = status
            attendance.recorded_at = now
            attendance.save(update_fields=["status", "recorded_at"])
            session.attendance_recorded_at = None
        if session.attendance_recorded_at is None:
            SupervisionSession.objects.filter(pk=session.pk).update(attendance_recorded_at=now)
            session.attendance_recorded_at = now
        for attendance in attendances:
            mentor_flag_evaluate(enrolment=attendance.mentor_enrolment)
    return session


def supervision_notes_save(*, session: SupervisionSession, notes: str) -> SupervisionSession:
    SupervisionSession.objects.filter(pk=session.pk).update(supervisor_notes=notes)
    session.supervisor_notes = notes
    return session


# --- Flags for missed supervision -------------------------------------------------------------


def mentor_flag_evaluate(*, enrolment: Enrolment) -> MentorFlag | None:
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


def mentor_flag_resolve(*, flag: MentorFlag, resolved_by: User) -> MentorFlag:
    if flag.resolved_at:
        raise ValidationError("This flag is already closed.")
    return _flag_close(flag, MentorFlag.Resolution.ORGANISER, resolved_by)


# --- Reminders sweep --------------------------------------------------------------------------


def supervision_reminders_queue(*, now: datetime | None = None) -> int:
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
        attendances = session.attendances.filter(
            status=SessionAttendance.Status.INVITED,
            mentor_enrolment__in=Enrolment.objects.current(),
        ).select_related("mentor_enrolment__user")
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


def recognition_criteria_save(
    *, scheme: Scheme, updated_by: User, **values: Any
) -> RecognitionCriteria:
    unchanged = RecognitionCriteria.objects.filter(scheme=scheme, **values).first()
    if unchanged:
        return unchanged  # saved as they were: not an update, and not by this organiser
    criteria, _ = RecognitionCriteria.objects.update_or_create(
        scheme=scheme, defaults={**values, "updated_by": updated_by, "updated_at": timezone.now()}
    )
    return criteria


def certificate_issue(*, enrolment: Enrolment) -> Certificate:
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


def certificate_revoke(*, certificate: Certificate, revoked_by: User, reason: str) -> Certificate:
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
