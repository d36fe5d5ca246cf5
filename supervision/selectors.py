"""Reads that several views share, the training gate, and the coverage figures reports use.

`mentor_is_trained(enrolment)` is the training gate for one mentor; `trained_enrolment_ids(scheme,
enrolments)` is the same rule for many at once, registered with the matcher through
`matching.rules.register_training_check` (see gate.py). The coverage functions
(`training_coverage`, `supervision_activity`, `flagged_mentors`, `scheme_supervision_summary`)
return metadata only, never a supervisor's notes; `training_coverage_for_schemes` and
`supervision_activity_for_schemes` answer for many schemes in a fixed number of queries (the
dashboards use them), and the one-scheme functions are built on them. They return true counts;
`coverage_shown` turns one scheme's summary into what a member of staff may see, through
schemes.disclosure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.db.models import Count, DateField, Q
from django.db.models.functions import TruncQuarter
from django.utils import timezone

from schemes import disclosure
from schemes.models import Enrolment, MentorTraining, SchemeRole

from .models import (
    FORMALITY,
    MentorFlag,
    SessionAttendance,
    SupervisionSession,
    SupervisorAssignment,
    TrainingBooking,
    TrainingEvent,
    TrainingKind,
    TrainingRecord,
    kinds_at_least,
)

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from accounts.models import User
    from matching.models import Pair
    from schemes.models import Scheme

KIND_LABELS = dict(TrainingKind.choices)


def mentor_is_trained(enrolment: Enrolment) -> bool:
    """True if the mentor may be offered to the matcher as far as training goes.

    "Trained" means at least one VERIFIED training record, in this scheme, of a kind at least as
    formal as the scheme requires (formal external > formal internal > informal). A scheme that
    requires no training ("none") treats every mentor as trained.
    """
    required = enrolment.scheme.mentor_training_required
    if required == MentorTraining.NONE:
        return True
    return TrainingRecord.objects.filter(
        scheme_id=enrolment.scheme_id,
        mentor_id=enrolment.user_id,
        status=TrainingRecord.Status.VERIFIED,
        kind__in=kinds_at_least(required),
    ).exists()


def trained_enrolment_ids(scheme: Scheme, enrolments: Iterable[Enrolment]) -> set[int]:
    """The training check registered with the matcher: of these mentor enrolments of `scheme`,
    the ids of those who are trained (same rule as `mentor_is_trained`), in one query."""
    enrolments = list(enrolments)
    if scheme.mentor_training_required == MentorTraining.NONE:
        return {enrolment.pk for enrolment in enrolments}
    trained_users = set(
        TrainingRecord.objects.filter(
            scheme=scheme,
            status=TrainingRecord.Status.VERIFIED,
            kind__in=kinds_at_least(scheme.mentor_training_required),
            mentor_id__in={enrolment.user_id for enrolment in enrolments},
        ).values_list("mentor_id", flat=True)
    )
    return {enrolment.pk for enrolment in enrolments if enrolment.user_id in trained_users}


@dataclass
class TrainingRequirement:
    """What a mentor's scheme asks of them, what they have, and exactly what is left to do."""

    enrolment: Enrolment
    required: str
    is_required: bool
    is_met: bool
    required_label: str = ""
    acceptable_labels: list = field(default_factory=list)
    records: list = field(default_factory=list)
    counting_pending: list = field(default_factory=list)
    too_informal: list = field(default_factory=list)
    bookings: list = field(default_factory=list)
    bookable_events: list = field(default_factory=list)
    steps: list = field(default_factory=list)


def training_requirement(
    enrolment: Enrolment, *, now: datetime | None = None
) -> TrainingRequirement:
    """Everything the mentor's own page shows about training, with the steps still to take."""
    now = now or timezone.now()
    scheme = enrolment.scheme
    required = scheme.mentor_training_required
    acceptable = kinds_at_least(required)
    records = list(
        TrainingRecord.objects.filter(scheme=scheme, mentor_id=enrolment.user_id).select_related(
            "event"
        )
    )
    bookings = list(
        TrainingBooking.objects.booked()
        .filter(enrolment=enrolment, event__cancelled_at=None, event__starts_at__gte=now)
        .select_related("event")
    )
    booked_event_ids = {booking.event_id for booking in bookings}
    events = [
        event
        for event in upcoming_events(scheme, now=now)
        if event.pk not in booked_event_ids and event.places_left > 0
    ]
    requirement = TrainingRequirement(
        enrolment=enrolment,
        required=required,
        is_required=required != MentorTraining.NONE,
        is_met=mentor_is_trained(enrolment),
        required_label=dict(MentorTraining.choices).get(required, required),
        acceptable_labels=[KIND_LABELS[kind].lower() for kind in acceptable],
        records=records,
        counting_pending=[
            r for r in records if r.status == TrainingRecord.Status.PENDING and r.kind in acceptable
        ],
        too_informal=[r for r in records if r.kind not in acceptable],
        bookings=bookings,
        bookable_events=events,
    )
    requirement.steps = _steps(requirement)
    return requirement


def _steps(requirement):
    """The plain-language list of what the mentor must still do before they can be matched."""
    if not requirement.is_required or requirement.is_met:
        return []
    needed = " or ".join(requirement.acceptable_labels)
    steps = [
        f"Complete {needed} and have it verified by an organiser: until then you will not be "
        "offered mentees."
    ]
    for record in requirement.counting_pending:
        steps.append(
            f"“{record.title}” is waiting for an organiser to verify it; you need do nothing "
            "more unless they ask."
        )
    for record in requirement.too_informal:
        steps.append(
            f"“{record.title}” ({record.get_kind_display().lower()}) is welcome, but this scheme "
            f"needs {needed}."
        )
    for booking in requirement.bookings:
        when = timezone.localtime(booking.event.starts_at)
        steps.append(
            f"You are booked on “{booking.event.title}” on {when:%-d %B %Y}: attending it "
            "completes your training."
        )
    if not requirement.counting_pending and not requirement.bookings:
        if requirement.bookable_events:
            steps.append(
                "Book one of the scheme's training events below, or record training you have "
                "done elsewhere."
            )
        else:
            steps.append(
                "Record training you have done elsewhere, with a certificate if you have one, or "
                "ask the organisers when the next training event is."
            )
    return steps


def upcoming_events(scheme: Scheme, *, now: datetime | None = None) -> list[TrainingEvent]:
    now = now or timezone.now()
    return list(
        TrainingEvent.objects.filter(scheme=scheme, cancelled_at=None, starts_at__gte=now)
        .annotate(
            booked_count=Count("bookings", filter=Q(bookings__status=TrainingBooking.Status.BOOKED))
        )
        .order_by("starts_at")
    )


def events_with_counts(scheme: Scheme) -> QuerySet[Any]:
    return (
        TrainingEvent.objects.filter(scheme=scheme)
        .annotate(
            bookings_count=Count(
                "bookings",
                filter=Q(
                    bookings__status__in=[
                        TrainingBooking.Status.BOOKED,
                        TrainingBooking.Status.ATTENDED,
                        TrainingBooking.Status.ABSENT,
                    ]
                ),
            ),
            attended_count=Count(
                "bookings", filter=Q(bookings__status=TrainingBooking.Status.ATTENDED)
            ),
        )
        .order_by("-starts_at")
    )


def mentor_enrolments(user: User) -> list[Enrolment]:
    """The user's current mentor enrolments, for their own training and supervision page."""
    return list(
        Enrolment.objects.mentors()
        .current()
        .filter(user=user)
        .select_related("scheme__organisation")
        .order_by("scheme__name")
    )


def mentor_attendance(enrolment: Enrolment) -> list[SessionAttendance]:
    """The mentor's supervision sessions, newest first, with their attendance (no notes)."""
    return list(
        SessionAttendance.objects.filter(mentor_enrolment=enrolment)
        .select_related("session__supervisor")
        .order_by("-session__starts_at")
    )


def mentor_pairs(enrolment: Enrolment) -> list[Pair]:
    """The mentor's mentees: names and pair status only, never what the pair wrote."""
    from matching.models import Pair

    return list(
        Pair.objects.filter(mentor_enrolment=enrolment)
        .select_related("mentee")
        .only("pk", "status", "created_at", "ended_at", "mentee__first_name", "mentee__last_name")
        .order_by("status", "-created_at")
    )


def supervised_schemes(user: User) -> list[Scheme]:
    """Schemes in which the user is a supervisor."""
    return [
        role.scheme
        for role in SchemeRole.objects.filter(user=user, role=SchemeRole.Role.SUPERVISOR)
        .select_related("scheme__organisation")
        .order_by("scheme__name")
    ]


def assigned_mentor_enrolments(supervisor: User, scheme: Scheme) -> QuerySet[Enrolment]:
    return (
        Enrolment.objects.mentors()
        .current()
        .filter(supervisor_assignments__supervisor=supervisor, scheme=scheme)
        .select_related("user")
        .order_by("user__last_name", "user__first_name")
    )


def scheme_assignments(scheme: Scheme) -> QuerySet[SupervisorAssignment]:
    return (
        SupervisorAssignment.objects.filter(
            scheme=scheme, mentor_enrolment__in=Enrolment.objects.current()
        )
        .select_related("supervisor", "mentor_enrolment__user")
        .order_by("supervisor__last_name", "mentor_enrolment__user__last_name")
    )


def supervisor_sessions(supervisor: User, scheme: Scheme | None = None) -> QuerySet[Any]:
    sessions = SupervisionSession.objects.filter(supervisor=supervisor).select_related("scheme")
    if scheme is not None:
        sessions = sessions.filter(scheme=scheme)
    return sessions.annotate(
        invited_count=Count("attendances"),
        attended_count=Count(
            "attendances", filter=Q(attendances__status=SessionAttendance.Status.ATTENDED)
        ),
    ).order_by("-starts_at")


# --- Coverage for organisers and the reports issue ---------------------------------------------


def _months_before(moment, months):
    """The same local day-of-month `months` earlier (clamped to the month's length)."""
    year, month = moment.year, moment.month - months
    while month < 1:
        month += 12
        year -= 1
    day = moment.day
    while True:
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            day -= 1


def training_coverage(scheme: Scheme) -> dict[str, Any]:
    """Share of the scheme's active mentors trained, overall and by their most formal training.

    Returns a dict: active_mentors, meets_requirement (count), meets_requirement_share (0–1 or
    None when there are no active mentors), required (the scheme's value), and by_kind: a list
    of {kind, label, count, share} for each kind (most formal first) and "none" (no verified
    training). Each mentor counts once, under their most formal verified record.
    """
    return training_coverage_for_schemes([scheme])[scheme.pk]


def training_coverage_for_schemes(schemes: Iterable[Scheme]) -> dict[int, dict[str, Any]]:
    """`training_coverage` of each scheme, as {scheme id: dict}, in two queries however many
    schemes, mentors and records there are."""
    schemes = list(schemes)
    mentor_users: dict[int, set[int]] = {scheme.pk: set() for scheme in schemes}
    for scheme_id, user_id in (
        Enrolment.objects.mentors()
        .active()
        .filter(scheme__in=schemes)
        .values_list("scheme_id", "user_id")
    ):
        mentor_users[scheme_id].add(user_id)
    highest: dict[int, dict[int, str]] = {scheme.pk: {} for scheme in schemes}
    for scheme_id, user_id, kind in TrainingRecord.objects.filter(
        scheme__in=schemes, status=TrainingRecord.Status.VERIFIED
    ).values_list("scheme_id", "mentor_id", "kind"):
        if user_id not in mentor_users[scheme_id]:
            continue
        best = highest[scheme_id]
        if FORMALITY.get(kind, 0) > FORMALITY.get(best.get(user_id, ""), 0):
            best[user_id] = kind
    return {
        scheme.pk: _coverage(scheme, len(mentor_users[scheme.pk]), highest[scheme.pk])
        for scheme in schemes
    }


def _coverage(scheme, total: int, highest):
    """The coverage dict of one scheme: `total` active mentors, `highest` {user id: kind}."""

    def share(count: int):
        return count / total if total else None

    by_kind = []
    for kind in sorted(FORMALITY, key=FORMALITY.__getitem__, reverse=True):
        count = sum(1 for value in highest.values() if value == kind)
        by_kind.append(
            {"kind": str(kind), "label": KIND_LABELS[kind], "count": count, "share": share(count)}
        )
    untrained = total - len(highest)
    by_kind.append(
        {
            "kind": "none",
            "label": "No verified training",
            "count": untrained,
            "share": share(untrained),
        }
    )
    required = scheme.mentor_training_required
    acceptable = set(kinds_at_least(required))
    if required == MentorTraining.NONE:
        meets = total
    else:
        meets = sum(1 for value in highest.values() if value in acceptable)
    return {
        "active_mentors": total,
        "required": required,
        "required_label": dict(MentorTraining.choices).get(required, required),
        "meets_requirement": meets,
        "meets_requirement_share": share(meets),
        "by_kind": by_kind,
    }


def supervision_activity(
    scheme: Scheme, *, months: int, now: datetime | None = None
) -> dict[str, Any]:
    """Supervision sessions held in the last `months` months and how well mentors attended.

    A session counts as held when it was not cancelled, has started, and its attendance is
    recorded. The attendance rate is attended ÷ (attended + apologies + absent) over those
    sessions, or None when nothing was recorded.
    """
    return supervision_activity_for_schemes([scheme], months=months, now=now)[scheme.pk]


def supervision_activity_for_schemes(
    schemes: Iterable[Scheme], *, months: int, now: datetime | None = None
) -> dict[int, dict[str, Any]]:
    """`supervision_activity` of each scheme, as {scheme id: dict}, in two grouped queries
    however many schemes, sessions and attendances there are."""
    schemes = list(schemes)
    now = now or timezone.now()
    since = _months_before(timezone.localtime(now), months)
    held = _held_sessions(schemes, since=since, until=now)
    sessions = {scheme.pk: {"group": 0, "one_to_one": 0, "all": 0} for scheme in schemes}
    for row in held.order_by().values("scheme_id", "kind").annotate(count=Count("pk")):
        counts = sessions[row["scheme_id"]]
        counts["all"] += row["count"]
        if row["kind"] == SupervisionSession.Kind.GROUP:
            counts["group"] += row["count"]
        elif row["kind"] == SupervisionSession.Kind.ONE_TO_ONE:
            counts["one_to_one"] += row["count"]
    status = SessionAttendance.Status
    empty: dict[str, int] = {"attended": 0, "apologies": 0, "absent": 0}
    attendance = {
        row["session__scheme_id"]: {
            "attended": row["attended"],
            "apologies": row["apologies"],
            "absent": row["absent"],
        }
        for row in SessionAttendance.objects.filter(session__in=held)
        .order_by()
        .values("session__scheme_id")
        .annotate(
            attended=Count("pk", filter=Q(status=status.ATTENDED)),
            apologies=Count("pk", filter=Q(status=status.APOLOGIES)),
            absent=Count("pk", filter=Q(status=status.ABSENT)),
        )
    }
    result = {}
    for scheme in schemes:
        counts = attendance.get(scheme.pk, empty)
        recorded = counts["attended"] + counts["apologies"] + counts["absent"]
        result[scheme.pk] = {
            "months": months,
            "since": since,
            "sessions_held": sessions[scheme.pk]["all"],
            "group_sessions": sessions[scheme.pk]["group"],
            "one_to_one_sessions": sessions[scheme.pk]["one_to_one"],
            **counts,
            "attendance_rate": counts["attended"] / recorded if recorded else None,
        }
    return result


def _held_sessions(schemes, *, since: datetime, until: datetime) -> QuerySet[SupervisionSession]:
    """Sessions held from `since` to `until`: not cancelled, started, attendance recorded."""
    return SupervisionSession.objects.filter(
        scheme__in=schemes,
        cancelled_at=None,
        attendance_recorded_at__isnull=False,
        starts_at__gte=since,
        starts_at__lte=until,
    )


@dataclass(frozen=True)
class SupervisionHeld:
    """One scheme's supervision held in a window: sessions by kind, and who attended for how
    long (user ids of the mentors who attended at least one; minutes summed over attendances).
    Metadata only, never a supervisor's notes."""

    one_to_one_sessions: int = 0
    group_sessions: int = 0
    attending_mentor_ids: frozenset[int] = frozenset()
    attended_minutes: int = 0


def supervision_held_for_schemes(
    schemes: Iterable[Scheme], *, since: datetime, until: datetime
) -> dict[int, SupervisionHeld]:
    """`SupervisionHeld` of each scheme from `since` to `until` (held as in
    `supervision_activity`), as {scheme id: SupervisionHeld}, in two queries however many
    schemes, sessions and attendances there are."""
    schemes = list(schemes)
    held = _held_sessions(schemes, since=since, until=until)
    sessions: dict[int, dict[str, int]] = {scheme.pk: {} for scheme in schemes}
    for scheme_id, kind, count in (
        held.order_by()
        .values("scheme_id", "kind")
        .annotate(count=Count("pk"))
        .values_list("scheme_id", "kind", "count")
    ):
        sessions[scheme_id][kind] = count
    attending: dict[int, set[int]] = {scheme.pk: set() for scheme in schemes}
    minutes: dict[int, int] = {scheme.pk: 0 for scheme in schemes}
    for scheme_id, user_id, duration in SessionAttendance.objects.filter(
        session__in=held, status=SessionAttendance.Status.ATTENDED
    ).values_list("session__scheme_id", "mentor_enrolment__user_id", "session__duration_minutes"):
        attending[scheme_id].add(user_id)
        minutes[scheme_id] += duration
    return {
        scheme.pk: SupervisionHeld(
            one_to_one_sessions=sessions[scheme.pk].get(SupervisionSession.Kind.ONE_TO_ONE, 0),
            group_sessions=sessions[scheme.pk].get(SupervisionSession.Kind.GROUP, 0),
            attending_mentor_ids=frozenset(attending[scheme.pk]),
            attended_minutes=minutes[scheme.pk],
        )
        for scheme in schemes
    }


def flagged_mentors(scheme: Scheme) -> QuerySet[MentorFlag]:
    """Open flags: mentors who missed two supervision sessions in a row."""
    return (
        MentorFlag.objects.filter(scheme=scheme, resolved_at=None)
        .select_related("mentor_enrolment__user")
        .order_by("raised_at")
    )


def scheme_supervision_summary(scheme: Scheme, *, now: datetime | None = None) -> dict[str, Any]:
    """All the coverage figures of one scheme, for the organiser page and the reports issue."""
    now = now or timezone.now()
    return {
        "training": training_coverage(scheme),
        "supervision_3_months": supervision_activity(scheme, months=3, now=now),
        "supervision_12_months": supervision_activity(scheme, months=12, now=now),
        "flagged_count": flagged_mentors(scheme).count(),
    }


def coverage_shown(summary: dict[str, Any]) -> dict[str, Any]:
    """The coverage figures of `scheme_supervision_summary`, as the organiser page shows them.

    Counts of people go through schemes.disclosure: the active mentors by their most formal
    training add up to the active mentors, and those who meet the requirement and those who do
    not likewise, so each is suppressed as a group; so are a period's attendances (attended,
    apologies, absent: they add up to those recorded). A share is given only beside a count
    that is shown, of a group of at least the threshold. Sessions held are counts of sessions,
    not of people, and are shown as they are. (The named list of mentors further down the page
    is an operational list for the organiser, not an aggregate: it is not affected.)
    """
    training = summary["training"]
    total = training["active_mentors"]
    kinds = disclosure.group(
        {row["kind"]: row["count"] for row in training["by_kind"]}, total=total
    )
    meets = training["meets_requirement"]
    meets_shown = disclosure.group({"meets": meets, "does not": total - meets}, total=total)
    return {
        "active_mentors": disclosure.count(total),
        "required": training["required"],
        "required_label": training["required_label"],
        "meets_requirement": meets_shown["meets"],
        "meets_requirement_share": _share_text(meets_shown["meets"], total),
        "by_kind": [
            {
                "label": row["label"],
                "count": kinds[row["kind"]],
                "share": _share_text(kinds[row["kind"]], total),
            }
            for row in training["by_kind"]
        ],
        "supervision": [
            {"label": "Last 3 months", **_activity_shown(summary["supervision_3_months"])},
            {"label": "Last 12 months", **_activity_shown(summary["supervision_12_months"])},
        ],
    }


def _activity_shown(activity):
    statuses = {key: activity[key] for key in ("attended", "apologies", "absent")}
    recorded = sum(statuses.values())
    shown = disclosure.group(statuses, total=recorded)
    return {
        "sessions_held": activity["sessions_held"],
        **shown,
        "attendance_rate": _share_text(shown["attended"], recorded),
    }


def _share_text(shown, whole):
    """ "62%"; "—" when there is nothing to divide by; "not shown" when the count is suppressed
    or the group is under the threshold."""
    if not whole:
        return "—"
    if shown.suppressed:
        return disclosure.NOT_SHOWN
    return disclosure.share(shown.value, whole) or disclosure.NOT_SHOWN


def attendance_due(
    supervisor: User, *, now: datetime | None = None
) -> QuerySet[SupervisionSession]:
    """The supervisor's past sessions whose attendance is not yet recorded."""
    now = now or timezone.now()
    return SupervisionSession.objects.filter(
        supervisor=supervisor, cancelled_at=None, attendance_recorded_at=None, starts_at__lte=now
    ).order_by("starts_at")


def mentor_rows(scheme: Scheme, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """One row per current mentor for the organiser page: training, supervisors, attendance over
    the last 12 months and any open flag. Metadata only."""
    now = now or timezone.now()
    since = _months_before(timezone.localtime(now), 12)
    enrolments = list(
        Enrolment.objects.mentors()
        .current()
        .filter(scheme=scheme)
        .select_related("user")
        .order_by("user__last_name", "user__first_name")
    )
    acceptable = set(kinds_at_least(scheme.mentor_training_required))
    highest: dict[int, str] = {}
    for user_id, kind in TrainingRecord.objects.filter(
        scheme=scheme, status=TrainingRecord.Status.VERIFIED
    ).values_list("mentor_id", "kind"):
        if FORMALITY.get(kind, 0) > FORMALITY.get(highest.get(user_id, ""), 0):
            highest[user_id] = kind
    supervisors: dict[int, list[User]] = {}
    for assignment in SupervisorAssignment.objects.filter(scheme=scheme).select_related(
        "supervisor"
    ):
        supervisors.setdefault(assignment.mentor_enrolment_id, []).append(assignment.supervisor)
    attendance: dict[int, dict[str, int]] = {}
    for enrolment_id, status in SessionAttendance.objects.filter(
        session__scheme=scheme,
        session__cancelled_at=None,
        session__attendance_recorded_at__isnull=False,
        session__starts_at__gte=since,
    ).values_list("mentor_enrolment_id", "status"):
        row = attendance.setdefault(enrolment_id, {"attended": 0, "recorded": 0})
        row["recorded"] += 1
        row["attended"] += status == SessionAttendance.Status.ATTENDED
    flagged = set(flagged_mentors(scheme).values_list("mentor_enrolment_id", flat=True))
    rows = []
    for enrolment in enrolments:
        highest_kind = highest.get(enrolment.user_id)
        rows.append(
            {
                "enrolment": enrolment,
                "highest_kind": KIND_LABELS.get(highest_kind or "", "None verified"),
                "trained": scheme.mentor_training_required == MentorTraining.NONE
                or highest_kind in acceptable,
                "supervisors": supervisors.get(enrolment.pk, []),
                "attendance": attendance.get(enrolment.pk, {"attended": 0, "recorded": 0}),
                "flagged": enrolment.pk in flagged,
            }
        )
    return rows


def supervision_by_quarter(
    schemes: Iterable[Scheme], *, until: datetime
) -> dict[tuple[int, date], dict[str, int]]:
    """{(scheme id, first day of the quarter): {"sessions", "attendances", "mentors"}} in two
    grouped queries: sessions held (as `supervision_activity` counts them: not cancelled,
    started by `until`, attendance recorded), times a mentor attended one, and the different
    mentors who attended."""
    held = SupervisionSession.objects.filter(
        scheme__in=schemes,
        cancelled_at=None,
        attendance_recorded_at__isnull=False,
        starts_at__lte=until,
    )
    result: dict[tuple[int, date], dict[str, int]] = {}
    sessions = (
        held.annotate(quarter=TruncQuarter("starts_at", output_field=DateField()))
        .order_by()
        .values("scheme_id", "quarter")
        .annotate(count=Count("pk"))
    )
    for row in sessions:
        result[(row["scheme_id"], row["quarter"])] = {
            "sessions": row["count"],
            "attendances": 0,
            "mentors": 0,
        }
    attended = (
        SessionAttendance.objects.filter(session__in=held, status=SessionAttendance.Status.ATTENDED)
        .annotate(quarter=TruncQuarter("session__starts_at", output_field=DateField()))
        .order_by()
        .values("session__scheme_id", "quarter")
        .annotate(count=Count("pk"), mentors=Count("mentor_enrolment__user", distinct=True))
    )
    for attendance in attended:
        counts = result[(attendance["session__scheme_id"], attendance["quarter"])]
        counts["attendances"] = attendance["count"]
        counts["mentors"] = attendance["mentors"]
    return result
