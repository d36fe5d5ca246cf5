"""Demo training and supervision for the demo region (schemes/demo.py), so `make run` shows the
training gate, coverage figures and supervision with something in them.

Deterministic (no randomness: choices follow enrolment ids) and safe to run again: a scheme
that already has training records or supervisor assignments is left alone. Writes rows directly
and sends no email.
"""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from schemes.models import Enrolment, MentorTraining, Scheme, SchemeRole

from .models import (
    MentorFlag,
    SessionAttendance,
    SupervisionSession,
    SupervisorAssignment,
    TrainingEvent,
    TrainingKind,
    TrainingRecord,
)

COURSES = {
    TrainingKind.FORMAL_EXTERNAL: ("Mentoring skills for clinicians", "Royal College"),
    TrainingKind.FORMAL_INTERNAL: ("Peer mentoring: the first conversation", "Trust education"),
    TrainingKind.INFORMAL: ("Reading and shadowing an experienced mentor", "Self-directed"),
}


def load_demo_supervision(*, now=None):
    """Returns {"schemes": n, "records": n, "assignments": n, "sessions": n, "events": n}."""
    now = now or timezone.now()
    counts = dict.fromkeys(["schemes", "records", "assignments", "sessions", "events"], 0)
    for scheme in Scheme.objects.select_related("organisation"):
        if (
            TrainingRecord.objects.filter(scheme=scheme).exists()
            or SupervisorAssignment.objects.filter(scheme=scheme).exists()
        ):
            continue
        with transaction.atomic():
            _load_scheme(scheme, now, counts)
        counts["schemes"] += 1
    return counts


def _load_scheme(scheme, now, counts):
    mentors = list(
        Enrolment.objects.filter(
            scheme=scheme, role=Enrolment.Role.MENTOR, status=Enrolment.Status.ACTIVE
        )
        .select_related("user")
        .order_by("pk")
    )
    required = scheme.mentor_training_required
    kind = TrainingKind.INFORMAL if required == MentorTraining.NONE else TrainingKind(required)
    title, provider = COURSES[kind]
    provider = f"{provider} ({scheme.organisation.short_name})"
    organiser = SchemeRole.objects.filter(scheme=scheme, role=SchemeRole.Role.ORGANISER).first()
    for position, enrolment in enumerate(mentors):
        # Three in four trained and verified, one in eight waiting for a check, the rest none.
        if position % 8 == 7:
            continue
        TrainingRecord.objects.create(
            scheme=scheme,
            mentor=enrolment.user,
            kind=kind,
            provider=provider,
            title=title,
            completed_on=(now - timedelta(days=40 + 9 * position)).date(),
            hours=Decimal("6.0"),
            status="pending" if position % 8 == 6 else "verified",
            reviewed_by=organiser.user if organiser and position % 8 != 6 else None,
            reviewed_at=now if position % 8 != 6 else None,
        )
        counts["records"] += 1
    if required != MentorTraining.NONE:
        TrainingEvent.objects.create(
            scheme=scheme,
            title=title,
            kind=kind,
            provider=provider,
            starts_at=(now + timedelta(days=21)).replace(hour=13, minute=0, second=0),
            hours=Decimal("3.5"),
            place=f"{scheme.organisation.short_name} education centre",
            capacity=12,
            created_by=organiser.user if organiser else None,
        )
        counts["events"] += 1
    supervisors = [
        role.user
        for role in SchemeRole.objects.filter(
            scheme=scheme, role=SchemeRole.Role.SUPERVISOR
        ).select_related("user")
    ]
    if not supervisors or not mentors:
        return
    groups = {supervisor.pk: [] for supervisor in supervisors}
    for position, enrolment in enumerate(mentors):
        supervisor = supervisors[position % len(supervisors)]
        SupervisorAssignment.objects.create(
            scheme=scheme,
            supervisor=supervisor,
            mentor_enrolment=enrolment,
            assigned_by=organiser.user if organiser else None,
        )
        groups[supervisor.pk].append(enrolment)
        counts["assignments"] += 1
    for supervisor in supervisors:
        group = groups[supervisor.pk][:8]
        if len(group) < 2:
            continue
        # Monthly group supervision for the last four months, and the next one booked.
        for months_ago in (4, 3, 2, 1, -1):
            starts = (now - timedelta(days=30 * months_ago)).replace(
                hour=18, minute=0, second=0, microsecond=0
            )
            held = months_ago > 0
            session = SupervisionSession.objects.create(
                scheme=scheme,
                supervisor=supervisor,
                kind=SupervisionSession.Kind.GROUP,
                starts_at=starts,
                duration_minutes=90,
                place=f"{scheme.organisation.short_name}, seminar room",
                agenda="Cases and questions from your mentoring",
                attendance_recorded_at=starts + timedelta(hours=2) if held else None,
                created_at=starts - timedelta(days=14),
            )
            counts["sessions"] += 1
            for position, enrolment in enumerate(group):
                status = "invited"
                if held:
                    # The last mentor of each group misses the two most recent sessions.
                    if position == len(group) - 1 and months_ago <= 2:
                        status = "absent"
                    elif (position + months_ago) % 5 == 0:
                        status = "apologies"
                    else:
                        status = "attended"
                SessionAttendance.objects.create(
                    session=session,
                    mentor_enrolment=enrolment,
                    status=status,
                    recorded_at=session.attendance_recorded_at,
                )
        missed = list(
            SupervisionSession.objects.filter(
                supervisor=supervisor, scheme=scheme, attendance_recorded_at__isnull=False
            )
            .order_by("-starts_at")
            .values_list("pk", flat=True)[:2]
        )
        MentorFlag.objects.create(scheme=scheme, mentor_enrolment=group[-1], session_ids=missed)
