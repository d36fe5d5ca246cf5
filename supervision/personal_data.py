"""supervision's models in the personal-data registry (see accounts/personal_data.py).

A mentor's training records (with evidence files), attendance, flags and certificates are theirs;
a supervisor's sessions and private notes are theirs. On erasure, rows that coverage figures
count stay, stripped of anything identifying; evidence files and notes are deleted.
"""

from accounts.personal_data import exclude, register

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


def _keep(rows, user):
    """Kept: the row carries no more than a date and a status, and coverage figures count it."""


def _delete_records_and_files(rows, user):
    for record in rows.exclude(evidence=""):
        record.evidence.delete(save=False)
    rows.delete()


def _erase_notes(rows, user):
    # Sessions stay (mentors' attendance hangs on them); the supervisor's own words go.
    rows.update(supervisor_notes="")


def _revoke_certificates(rows, user):
    # Without the name we cannot vouch for the certificate any more: it stops verifying.
    from django.utils import timezone

    rows.filter(revoked_at=None).update(
        revoked_at=timezone.now(), revoke_reason="Erased at the holder's request."
    )
    rows.update(holder_name="(erased)", activity={})


register(
    TrainingRecord,
    user_fields=("mentor",),
    fields=(
        "scheme__name",
        "kind",
        "title",
        "provider",
        "completed_on",
        "hours",
        "evidence_name",
        "status",
        "rejection_reason",
        "reviewed_at",
        "created_at",
    ),
    erase=_delete_records_and_files,
    label="Your mentor training records",
)
register(
    TrainingBooking,
    user_fields=("enrolment__user",),
    fields=("event__scheme__name", "event__title", "event__starts_at", "status", "booked_at"),
    erase=_keep,
    label="Your bookings on training events",
)
register(
    SessionAttendance,
    user_fields=("mentor_enrolment__user",),
    fields=(
        "session__scheme__name",
        "session__kind",
        "session__starts_at",
        "status",
        "apologies_sent_at",
    ),
    erase=_keep,
    label="Your attendance at supervision",
)
register(
    MentorFlag,
    user_fields=("mentor_enrolment__user",),
    fields=("scheme__name", "raised_at", "resolved_at", "resolution"),
    label="Times you were noted as missing supervision",
)
register(
    Certificate,
    user_fields=("enrolment__user",),
    fields=(
        "scheme__name",
        "code",
        "holder_name",
        "activity",
        "issued_at",
        "revoked_at",
        "revoke_reason",
    ),
    erase=_revoke_certificates,
    label="Your certificates of mentoring activity",
)
register(
    SupervisionSession,
    user_fields=("supervisor",),
    fields=(
        "scheme__name",
        "kind",
        "starts_at",
        "duration_minutes",
        "place",
        "agenda",
        "supervisor_notes",
        "cancelled_at",
    ),
    erase=_erase_notes,
    label="Supervision sessions you led, with your notes",
)
register(
    SupervisorAssignment,
    user_fields=("supervisor",),
    fields=("scheme__name", "created_at"),
    label="Mentors assigned to you for supervision (how many, not who)",
)
exclude(TrainingEvent, reason="Staff's scheme work: the organiser who created an event.")
exclude(RecognitionCriteria, reason="Scheme settings: the organiser who last changed them.")
