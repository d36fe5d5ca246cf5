"""Demo training and supervision for the demo region (demo/plan.py), so `make run` shows the
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
from supervision.models import (
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

# Group supervision held four, three, two and one month ago, and the next one a month ahead.
SESSIONS_MONTHS_AGO = (4, 3, 2, 1, -1)


def demo_supervision_load(*, now=None):
    """Add demo mentor training, training events, supervisor assignments and supervision history
    to the demo region's schemes (load the region first). Running it again adds nothing; no email
    is sent.

    Returns {"schemes": n, "records": n, "assignments": n, "sessions": n, "events": n}.
    """
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


def demo_supervision_summary(counts):
    """The line that says what `demo_supervision_load` did."""
    return (
        "Demo training and supervision: "
        + ", ".join(f"{count} {name}" for name, count in counts.items())
        + "."
    )


def _load_scheme(scheme, now, counts):
    mentors = list(
        Enrolment.objects.mentors()
        .active()
        .filter(scheme=scheme)
        .select_related("user")
        .order_by("pk")
    )
    required = scheme.mentor_training_required
    kind = TrainingKind.INFORMAL if required == MentorTraining.NONE else TrainingKind(required)
    title, provider = COURSES[kind]
    course = (kind, title, f"{provider} ({scheme.organisation.short_name})")
    organiser = SchemeRole.objects.filter(scheme=scheme, role=SchemeRole.Role.ORGANISER).first()
    organiser_user = organiser.user if organiser else None
    counts["records"] += _training_records(scheme, mentors, course, organiser_user, now)
    if required != MentorTraining.NONE:
        _training_event(scheme, course, organiser_user, now)
        counts["events"] += 1
    supervisors = [
        role.user
        for role in SchemeRole.objects.filter(
            scheme=scheme, role=SchemeRole.Role.SUPERVISOR
        ).select_related("user")
    ]
    if not supervisors or not mentors:
        return
    groups = _assign_supervisors(scheme, mentors, supervisors, organiser_user)
    counts["assignments"] += len(mentors)
    for supervisor in supervisors:
        group = groups[supervisor.pk][:8]
        if len(group) >= 2:
            counts["sessions"] += _group_supervision(scheme, supervisor, group, now)


def _training_records(scheme, mentors, course, organiser_user, now):
    """Three in four mentors trained and verified, one in eight waiting for a check, the rest
    none. Returns how many records were written."""
    kind, title, provider = course
    written = 0
    for position, enrolment in enumerate(mentors):
        if position % 8 == 7:
            continue
        pending = position % 8 == 6
        TrainingRecord.objects.create(
            scheme=scheme,
            mentor=enrolment.user,
            kind=kind,
            provider=provider,
            title=title,
            completed_on=(now - timedelta(days=40 + 9 * position)).date(),
            hours=Decimal("6.0"),
            status="pending" if pending else "verified",
            reviewed_by=organiser_user if not pending else None,
            reviewed_at=now if not pending else None,
        )
        written += 1
    return written


def _training_event(scheme, course, organiser_user, now):
    kind, title, provider = course
    TrainingEvent.objects.create(
        scheme=scheme,
        title=title,
        kind=kind,
        provider=provider,
        starts_at=(now + timedelta(days=21)).replace(hour=13, minute=0, second=0),
        hours=Decimal("3.5"),
        place=f"{scheme.organisation.short_name} education centre",
        capacity=12,
        created_by=organiser_user,
    )


def _assign_supervisors(scheme, mentors, supervisors, organiser_user):
    """Share the mentors out among the supervisors in turn; returns each supervisor's group."""
    groups = {supervisor.pk: [] for supervisor in supervisors}
    for position, enrolment in enumerate(mentors):
        supervisor = supervisors[position % len(supervisors)]
        SupervisorAssignment.objects.create(
            scheme=scheme,
            supervisor=supervisor,
            mentor_enrolment=enrolment,
            assigned_by=organiser_user,
        )
        groups[supervisor.pk].append(enrolment)
    return groups


def _group_supervision(scheme, supervisor, group, now):
    """Monthly group supervision for the last four months, and the next one booked; the last
    mentor of the group is flagged for missing the two most recent. Returns the sessions made."""
    for months_ago in SESSIONS_MONTHS_AGO:
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
        for position, enrolment in enumerate(group):
            SessionAttendance.objects.create(
                session=session,
                mentor_enrolment=enrolment,
                status=_attendance(position, len(group), months_ago),
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
    return len(SESSIONS_MONTHS_AGO)


def _attendance(position, group_size, months_ago):
    if months_ago <= 0:
        return "invited"
    # The last mentor of each group misses the two most recent sessions.
    if position == group_size - 1 and months_ago <= 2:
        return "absent"
    if (position + months_ago) % 5 == 0:
        return "apologies"
    return "attended"
