"""Mentor training, supervision of mentors, and recognition of their mentoring activity.

The seed: training for mentors ranged from formal external courses to nothing, support from 1:1
and group supervision to none, and "mentors not attending supervision" was one of the three main
difficulties schemes reported. Supervisors' notes on a session are for the supervisor alone.
"""

import secrets
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from schemes.models import Enrolment, Scheme

from .storage import private_storage


class TrainingKind(models.TextChoices):
    """The seed's forms of mentor training, from the most to the least formal."""

    FORMAL_EXTERNAL = "formal_external", "Formal external training"
    FORMAL_INTERNAL = "formal_internal", "Formal internal training"
    INFORMAL = "informal", "Informal training"


# How formal each kind is: a requirement is met by a kind at least this formal.
FORMALITY: dict[str, int] = {
    TrainingKind.INFORMAL: 1,
    TrainingKind.FORMAL_INTERNAL: 2,
    TrainingKind.FORMAL_EXTERNAL: 3,
}


def kinds_at_least(required):
    """The training kinds that satisfy a scheme's `mentor_training_required` value."""
    if required not in FORMALITY:
        return []
    return [kind for kind, rank in FORMALITY.items() if rank >= FORMALITY[required]]


def _evidence_path(record, filename):
    # The stored name never uses the uploaded name: a random token and the sniffed extension.
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}.get(
        record.evidence_content_type, "bin"
    )
    return f"training-evidence/{record.scheme_id}/{secrets.token_hex(16)}.{extension}"


class TrainingRecord(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for an organiser to check"
        VERIFIED = "verified", "Verified"
        REJECTED = "rejected", "Not accepted"

    confidential_fields = ("evidence", "evidence_name", "rejection_reason")

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="training_records")
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_records"
    )
    kind = models.CharField(max_length=24, choices=TrainingKind.choices)
    provider = models.CharField(max_length=160, help_text="Who ran it, e.g. the trust, a college.")
    title = models.CharField(max_length=200)
    completed_on = models.DateField("date completed")
    hours = models.DecimalField(max_digits=5, decimal_places=1)
    evidence = models.FileField(
        storage=private_storage, upload_to=_evidence_path, max_length=200, blank=True
    )
    evidence_content_type = models.CharField(max_length=40, blank=True)
    evidence_name = models.CharField("evidence file name as uploaded", max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)
    event = models.ForeignKey(
        "TrainingEvent",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="records",
        help_text="Set when attending one of the scheme's training events created this record.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-completed_on", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0, hours__lte=Decimal("500")),
                name="training_hours_positive",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="training_rejection_has_reason",
            ),
            models.UniqueConstraint(
                fields=["event", "mentor"],
                condition=Q(event__isnull=False),
                name="training_record_once_per_event",
            ),
        ]
        indexes = [models.Index(fields=["scheme", "status"], name="training_scheme_status_idx")]

    def __str__(self):
        return f"{self.title} ({self.get_kind_display()}) — {self.mentor}"


class TrainingEvent(models.Model):
    """A training session the scheme's organisers run, which mentors book."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="training_events")
    title = models.CharField(max_length=200)
    kind = models.CharField(
        max_length=24, choices=TrainingKind.choices, default=TrainingKind.FORMAL_INTERNAL
    )
    provider = models.CharField(max_length=160, blank=True)
    starts_at = models.DateTimeField()
    hours = models.DecimalField("length (hours)", max_digits=4, decimal_places=1)
    place = models.CharField(max_length=200, help_text="A room and site, or a video link.")
    capacity = models.PositiveSmallIntegerField(help_text="How many mentors can attend.")
    description = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    attendance_recorded_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Raised by each change the mentors booked are told of, so each change is told once.
    revision = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__gte=1, capacity__lte=500), name="training_event_capacity"
            ),
            models.CheckConstraint(
                condition=Q(hours__gt=0, hours__lte=Decimal("100")), name="training_event_hours"
            ),
        ]

    def __str__(self):
        return f"{self.title} on {timezone.localtime(self.starts_at):%d %b %Y}"

    @property
    def provider_name(self):
        return self.provider or self.scheme.organisation.name

    @property
    def places_left(self):
        booked = getattr(self, "booked_count", None)  # annotated by the selectors
        if booked is None:
            booked = self.bookings.booked().count()
        return max(self.capacity - booked, 0)

    @property
    def is_cancelled(self):
        return self.cancelled_at is not None


class TrainingBookingQuerySet(models.QuerySet):
    def not_cancelled(self):
        """Booked, attended or absent: the people on the event's list."""
        return self.exclude(status=TrainingBooking.Status.CANCELLED)

    def booked(self):
        """Booked and not yet marked attended or absent: holding a place."""
        return self.filter(status=TrainingBooking.Status.BOOKED)


class TrainingBooking(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        CANCELLED = "cancelled", "Cancelled"
        ATTENDED = "attended", "Attended"
        ABSENT = "absent", "Did not attend"

    event = models.ForeignKey(TrainingEvent, on_delete=models.CASCADE, related_name="bookings")
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="training_bookings"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BOOKED)
    booked_at = models.DateTimeField(default=timezone.now)

    objects = TrainingBookingQuerySet.as_manager()

    class Meta:
        ordering = ["booked_at"]
        constraints = [
            models.UniqueConstraint(fields=["event", "enrolment"], name="booking_once_per_event")
        ]

    def __str__(self):
        return f"{self.enrolment.user} at {self.event}"


class SupervisorAssignment(models.Model):
    """A mentor whom a supervisor supervises (set by the scheme's organisers)."""

    scheme = models.ForeignKey(
        Scheme, on_delete=models.CASCADE, related_name="supervisor_assignments"
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="supervisees"
    )
    mentor_enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="supervisor_assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["mentor_enrolment__user__last_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["supervisor", "mentor_enrolment"], name="supervisor_assignment_once"
            )
        ]

    def __str__(self):
        return f"{self.supervisor} supervises {self.mentor_enrolment.user}"


class SupervisionSession(models.Model):
    class Kind(models.TextChoices):
        ONE_TO_ONE = "one_to_one", "1:1 supervision"
        GROUP = "group", "Group supervision"

    confidential_fields = ("place", "agenda", "supervisor_notes")

    scheme = models.ForeignKey(
        Scheme, on_delete=models.CASCADE, related_name="supervision_sessions"
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="supervision_sessions"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(default=60)
    place = models.CharField(max_length=200, help_text="A room and site, or a video link.")
    agenda = models.TextField(blank=True, help_text="Shared with the mentors invited.")
    supervisor_notes = models.TextField(
        blank=True, help_text="Seen by you alone: not by the mentors, organisers or anyone else."
    )
    created_at = models.DateTimeField(default=timezone.now)
    attendance_recorded_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    sequence = models.PositiveIntegerField(default=0, help_text="Calendar revision number.")

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=15, duration_minutes__lte=480),
                name="supervision_duration_15_to_480",
            )
        ]
        indexes = [
            models.Index(fields=["scheme", "starts_at"], name="supervision_scheme_start_idx")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} on {timezone.localtime(self.starts_at):%d %b %Y %H:%M}"

    @property
    def ends_at(self):
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def is_cancelled(self):
        return self.cancelled_at is not None

    @property
    def is_past(self):
        return self.starts_at <= timezone.now()


class SessionAttendance(models.Model):
    class Status(models.TextChoices):
        INVITED = "invited", "Invited"
        ATTENDED = "attended", "Attended"
        APOLOGIES = "apologies", "Sent apologies"
        ABSENT = "absent", "Absent"

    session = models.ForeignKey(
        SupervisionSession, on_delete=models.CASCADE, related_name="attendances"
    )
    mentor_enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="supervision_attendances"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.INVITED)
    apologies_sent_at = models.DateTimeField(null=True, blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["mentor_enrolment__user__last_name", "mentor_enrolment__user__first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "mentor_enrolment"], name="attendance_once_per_session"
            )
        ]

    def __str__(self):
        return f"{self.mentor_enrolment.user}: {self.get_status_display()}"


class MentorFlag(models.Model):
    """A mentor who missed two supervision sessions in a row, for the organisers' attention.

    One open flag per mentor at a time; it closes when the mentor next attends, or when an
    organiser marks it dealt with. The two sessions are kept so they never raise a second flag.
    """

    class Resolution(models.TextChoices):
        ATTENDED = "attended", "Attended a later session"
        ORGANISER = "organiser", "Dealt with by an organiser"
        CORRECTED = "corrected", "Attendance corrected"

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="mentor_flags")
    mentor_enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="supervision_flags"
    )
    session_ids = models.JSONField(default=list, help_text="The sessions missed in a row.")
    raised_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=10, choices=Resolution.choices, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["mentor_enrolment"],
                condition=Q(resolved_at__isnull=True),
                name="mentor_flag_one_open",
            )
        ]

    def __str__(self):
        return f"{self.mentor_enrolment.user} missed two supervision sessions"

    @property
    def is_open(self):
        return self.resolved_at is None


class RecognitionCriteria(models.Model):
    """What a mentor must have done for a certificate of mentoring activity in this scheme."""

    scheme = models.OneToOneField(
        Scheme, on_delete=models.CASCADE, related_name="recognition_criteria"
    )
    min_verified_training = models.PositiveSmallIntegerField(
        "verified training records needed", default=1
    )
    min_meetings_logged = models.PositiveSmallIntegerField(
        "meetings logged with mentees needed", default=3
    )
    require_end_of_pair_survey = models.BooleanField(
        "the end-of-pair survey must be returned", default=True
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "recognition criteria"
        constraints = [
            models.CheckConstraint(
                condition=Q(min_verified_training__lte=20, min_meetings_logged__lte=100),
                name="recognition_criteria_sensible",
            )
        ]

    def __str__(self):
        return f"Recognition criteria of {self.scheme}"


# Letters and digits nobody confuses when reading a printed code aloud (no 0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_certificate_code():
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


class Certificate(models.Model):
    """A certificate of mentoring activity, checkable by anyone through its code."""

    confidential_fields = ("revoke_reason",)

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="certificates")
    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="certificates")
    code = models.CharField(max_length=14, unique=True, default=new_certificate_code)
    holder_name = models.CharField(max_length=300)
    activity = models.JSONField(default=dict, help_text="The figures printed on the certificate.")
    issued_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoke_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment"],
                condition=Q(revoked_at__isnull=True),
                name="certificate_one_valid_per_enrolment",
            )
        ]

    def __str__(self):
        return f"Certificate {self.code} for {self.holder_name}"

    @property
    def is_valid(self):
        return self.revoked_at is None
