"""Reads that several views, emails and reports share, with the visibility rules built in.

Organisers' reads (`pair_overview`, `organiser_pairs`, `organiser_digest`) select dates, counts
and statuses only: they never load a summary, a note, a goal or a topic, so no template can show
one by mistake.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Count, DateField, Exists, Max, Min, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, TruncMonth, TruncQuarter
from django.utils import timezone

from matching.models import Pair
from matching.selectors import mentees_without_mentor
from schemes.models import Enrolment, Scheme, SchemeRole

from .filters import PairFilter
from .health import Health, health_filter, pair_health
from .models import Goal, Meeting, MentoringAgreement, Nudge, PlannedMeeting, PrivateNote

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from accounts.models import User

WAITING_TOO_LONG = timedelta(days=14)  # a mentee waiting longer appears in the weekly digest


def with_metadata(pairs: QuerySet[Pair]) -> QuerySet[Any]:
    """Annotate pairs with what organisers may see: counts, dates and flags, never content."""
    return pairs.annotate(
        last_meeting_on=Max("meetings__held_on"),
        meeting_count=Count("meetings", distinct=True),
        needs_check_in=Exists(
            Nudge.objects.filter(pair=OuterRef("pk"), number=2, answered_at=None)
        ),
        agreement_confirmed=Exists(
            MentoringAgreement.objects.filter(
                pair=OuterRef("pk"),
                mentee_confirmed_at__isnull=False,
                mentor_confirmed_at__isnull=False,
            )
        ),
    )


def days_since(day: date | None, today: date | None = None) -> int | None:
    if day is None:
        return None
    return ((today or timezone.localdate()) - day).days


# --- The pair's own pages --------------------------------------------------------------------


def pairs_for_member(user: User) -> list[dict[str, Any]]:
    """The user's pairs, current first, with what needs them."""
    awaiting_me = Meeting.objects.filter(pair=OuterRef("pk"), confirmed_by_other_at=None).exclude(
        logged_by=user
    )
    pairs = (
        Pair.objects.filter(Q(mentee=user) | Q(mentor=user))
        .select_related("scheme__organisation", "mentee", "mentor")
        .annotate(
            meetings_to_confirm=Exists(awaiting_me),
            last_meeting_on=Max("meetings__held_on"),
        )
        .order_by(Coalesce("ended_at", "created_at").desc())
    )
    rows = []
    now = timezone.now()
    for pair in pairs:
        rows.append(
            {
                "pair": pair,
                "partner": pair.other_member(user),
                "partner_name": pair.partner_label(user),
                "role": "mentee" if pair.mentee_id == user.pk else "mentor",
                "next_meeting": next_planned_meeting(pair, now=now),
            }
        )
    rows.sort(key=lambda row: row["pair"].status == Pair.Status.ENDED)
    return rows


def next_planned_meeting(pair: Pair, now: datetime | None = None) -> PlannedMeeting | None:
    return PlannedMeeting.objects.upcoming(now).filter(pair=pair).order_by("starts_at").first()


def pair_space(pair: Pair, user: User) -> dict[str, Any]:
    """Everything the pair's page shows to one member. Private notes: the user's own only."""
    now = timezone.now()
    meetings = list(pair.meetings.select_related("logged_by").order_by("-held_on", "-logged_at"))
    my_notes = set(
        PrivateNote.objects.filter(meeting__pair=pair, author=user).values_list(
            "meeting_id", flat=True
        )
    )
    for meeting in meetings:
        # Shown beside each meeting on the pair's page, for this member only.
        meeting.has_my_note = meeting.pk in my_notes  # type: ignore[attr-defined]
        meeting.awaits_my_confirmation = (  # type: ignore[attr-defined]
            meeting.confirmed_by_other_at is None and meeting.logged_by_id != user.pk
        )
    agreement = MentoringAgreement.objects.filter(pair=pair).first()
    if agreement is not None:
        agreement.pair = pair
        agreement.is_confirmed_by_me = agreement.is_confirmed_by(user)  # type: ignore[attr-defined]
    return {
        "pair": pair,
        "partner": pair.other_member(user),
        "is_mentee": pair.mentee_id == user.pk,
        "agreement": agreement,
        "goals": list(Goal.objects.filter(pair=pair)),
        "meetings": meetings,
        "upcoming": list(PlannedMeeting.objects.upcoming(now).filter(pair=pair)),
        "unlogged": list(
            PlannedMeeting.objects.not_cancelled()
            .filter(
                pair=pair,
                starts_at__lte=now,
                starts_at__gte=now - timedelta(days=60),
                logged_meeting=None,
            )
            .order_by("-starts_at")
        ),
        "is_meeting": pair.status in Pair.MEETING_STATUSES,
    }


def scheme_organisers(scheme: Scheme) -> list[User]:
    return [
        role.user
        for role in SchemeRole.objects.filter(scheme=scheme, role=SchemeRole.Role.ORGANISER)
        .select_related("user")
        .order_by("user__last_name", "user__first_name")
    ]


# --- What organisers see ---------------------------------------------------------------------


def pair_overview(pair: Pair, today: date | None = None) -> dict[str, Any]:
    """The metadata page: status, dates of meetings logged, days since the last one, whether the
    agreement is confirmed, health and nudges. Reads dates only: no content is loaded."""
    today = today or timezone.localdate()
    annotated = with_metadata(Pair.objects.filter(pk=pair.pk)).select_related("scheme").get()
    meeting_dates = list(
        Meeting.objects.filter(pair=pair).order_by("-held_on").values_list("held_on", flat=True)
    )
    return {
        "pair": annotated,
        "meeting_dates": meeting_dates,
        "last_meeting_on": annotated.last_meeting_on,
        "days_since_last": days_since(annotated.last_meeting_on, today),
        "agreement_confirmed": annotated.agreement_confirmed,
        "health": pair_health(annotated, today),
        "health_label": Health.LABELS.get(pair_health(annotated, today), ""),
        "nudges": list(
            Nudge.objects.filter(pair=pair).order_by("-created_at").values("created_at", "number")
        ),
        "organisers": scheme_organisers(pair.scheme),
    }


def organiser_pairs(
    scheme: Scheme, params: Mapping[str, Any] | None = None, today: date | None = None
) -> tuple[PairFilter, list[dict[str, Any]]]:
    """The organiser's list of a scheme's pairs, filtered, each with its health. Returns
    (filterset, rows)."""
    today = today or timezone.localdate()
    queryset = with_metadata(
        Pair.objects.filter(scheme=scheme).select_related("scheme", "mentee", "mentor")
    ).order_by("status", "-created_at")
    pair_filter = PairFilter(params or None, queryset=queryset, scheme=scheme, today=today)
    rows = [
        {
            "pair": pair,
            "health": (health := pair_health(pair, today)),
            "health_label": Health.LABELS.get(health, ""),
            "days_since_last": days_since(pair.last_meeting_on, today),
        }
        for pair in pair_filter.qs
    ]
    return pair_filter, rows


def pair_counts(schemes: Iterable[Scheme]) -> dict[str, Any]:
    """Counts only, for DMEs and regional leads (reports): pairs by status and meetings logged."""
    by_status = {
        row["status"]: row["count"]
        for row in Pair.objects.filter(scheme__in=schemes)
        .order_by()
        .values("status")
        .annotate(count=Count("pk"))
    }
    return {
        "pairs_by_status": {status: by_status.get(status, 0) for status in Pair.Status.values},
        "meetings_logged": Meeting.objects.filter(pair__scheme__in=schemes).count(),
    }


def mentees_waiting(schemes: Iterable[Scheme], now: datetime | None = None) -> QuerySet[Enrolment]:
    """Active mentees with no current pair who have waited more than 14 days for a match."""
    now = now or timezone.now()
    return (
        mentees_without_mentor(schemes)
        .filter(waiting_since__lte=now - WAITING_TOO_LONG)
        .select_related("user", "scheme")
        .order_by("-rematch_priority", "waiting_since")
    )


def organiser_digest(user: User, now: datetime | None = None) -> list[dict[str, Any]]:
    """The weekly digest of one organiser: per scheme they organise, who waits too long for a
    match and which pairs may need a check-in (`health.health_filter`, as on the pairs list).
    Empty list when nothing needs them."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    schemes = Scheme.objects.filter(
        roles__user=user, roles__role=SchemeRole.Role.ORGANISER
    ).order_by("name")
    sections = []
    for scheme in schemes:
        waiting = [
            {"enrolment": enrolment, "days": (now - enrolment.waiting_since).days}
            for enrolment in mentees_waiting([scheme], now)
        ]
        check_in = [
            {"pair": pair, "days_since_last": days_since(pair.last_meeting_on, today)}
            for pair in with_metadata(
                Pair.objects.filter(scheme=scheme).select_related("mentee", "mentor")
            ).filter(health_filter(Health.NEEDS_CHECK_IN, scheme, today))
        ]
        if waiting or check_in:
            sections.append({"scheme": scheme, "waiting": waiting, "check_in": check_in})
    return sections


# --- An organiser's message to a group of the scheme -----------------------------------------

# Filters of the enrolments page that a message may narrow its audience by.
MESSAGE_FILTERS = ("grade", "specialty", "site")


def scheme_message_recipients(
    scheme: Scheme,
    audience: str,
    filters: Mapping[str, str] | None = None,
    today: date | None = None,
) -> QuerySet[User]:
    """The people an organiser's message to `audience` of `scheme` reaches, each once, by name.

    Enrolments that are active or paused only: a withdrawn enrolment (or a request not yet
    accepted) never receives. "Waiting" mentees are active ones with no current pair; "check-in"
    is both members of the pairs `health.health_filter` reads as "May need a check-in", the same
    rule as the pairs list and the digest. `filters` narrow by the enrolments page's grade,
    specialty and site (`schemes.filters.EnrolmentFilter`).
    """
    from accounts.models import User
    from schemes.filters import EnrolmentFilter

    from .models import SchemeMessage

    Audience = SchemeMessage.Audience
    enrolments = Enrolment.objects.enrolled().filter(scheme=scheme, user__is_active=True)
    if audience == Audience.MENTEES:
        enrolments = enrolments.mentees()
    elif audience == Audience.MENTORS:
        enrolments = enrolments.mentors()
    elif audience == Audience.WAITING:
        # Active mentees with no current pair (the enrolled rule above already holds for them).
        enrolments = mentees_without_mentor(scheme).filter(user__is_active=True)
    elif audience == Audience.CHECK_IN:
        members = with_metadata(Pair.objects.filter(scheme=scheme)).filter(
            health_filter(Health.NEEDS_CHECK_IN, scheme, today or timezone.localdate())
        )
        ids = {
            pk for pks in members.values_list("mentee_enrolment", "mentor_enrolment") for pk in pks
        }
        enrolments = enrolments.filter(pk__in=ids)
    else:
        raise ValueError(f"Unknown audience {audience!r}.")
    narrowed = {key: value for key, value in (filters or {}).items() if key in MESSAGE_FILTERS}
    if narrowed:
        enrolments = EnrolmentFilter(narrowed, queryset=enrolments).qs
    return User.objects.filter(pk__in=enrolments.values("user")).order_by(
        "last_name", "first_name", "pk"
    )


# --- Reads for reports ---
# Metadata only, as the module promises: dates, counts and statuses, never a meeting's content.


def mentee_dashboard_rows(enrolments: QuerySet[Enrolment]) -> list[dict[str, Any]]:
    """One dict per mentee enrolment: its metadata, the date of its first pair and of its last
    meeting, the month it began, the trainee's grade and specialty."""
    rows = (
        enrolments.annotate(
            first_pair_at=Min("pairs_as_mentee__created_at"),
            last_meeting_on=Max("pairs_as_mentee__meetings__held_on"),
            month=TruncMonth("created_at"),
        )
        .order_by()
        .values(
            "user_id",
            "scheme_id",
            "status",
            "source",
            "site",
            "created_at",
            "month",
            "first_pair_at",
            "last_meeting_on",
            "user__grade",
            "user__specialty",
        )
    )
    return [dict(row) for row in rows]


def dashboard_pairs(schemes: Iterable[Scheme], enrolments: QuerySet[Enrolment]) -> list[Pair]:
    """The pairs of the mentee enrolments, with organisers' metadata (with_metadata) only."""
    return list(
        with_metadata(
            Pair.objects.filter(scheme__in=schemes, mentee_enrolment__in=enrolments)
            .select_related("scheme")
            .only(
                "status",
                "created_at",
                "status_changed_at",
                "ended_at",
                "scheme__meeting_interval_min_weeks",
                "scheme__meeting_interval_max_weeks",
            )
        ).order_by()
    )


def meetings_by_quarter(
    schemes: Iterable[Scheme], enrolments: QuerySet[Enrolment], *, until: date
) -> list[tuple[date, int]]:
    """[(first day of the quarter, meetings held)] of the enrolments' pairs, up to `until`."""
    rows = (
        Meeting.objects.filter(
            pair__scheme__in=schemes, pair__mentee_enrolment__in=enrolments, held_on__lte=until
        )
        .annotate(quarter=TruncQuarter("held_on"))
        .order_by("quarter")
        .values("quarter")
        .annotate(meetings=Count("pk"))
    )
    return [(row["quarter"], row["meetings"]) for row in rows]


def meeting_pair_count(schemes: Iterable[Scheme]) -> int:
    """Pairs of the schemes that are meeting (Pair.MEETING_STATUSES)."""
    return Pair.objects.meeting().filter(scheme__in=schemes).count()


def enrolment_export_values(enrolments: QuerySet[Enrolment]) -> QuerySet[Any]:
    """The enrolment list's columns of `enrolments` as one SELECT in primary-key order: who,
    where, whether paired and how many meetings, never what a pair wrote."""
    in_pair = Q(mentee_enrolment=OuterRef("pk")) | Q(mentor_enrolment=OuterRef("pk"))
    meetings = (
        Meeting.objects.filter(
            Q(pair__mentee_enrolment=OuterRef("pk")) | Q(pair__mentor_enrolment=OuterRef("pk"))
        )
        .order_by()
        .values("pair__scheme")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return (
        enrolments.annotate(
            matched=Exists(Pair.objects.current().filter(in_pair)),
            ever_paired=Exists(Pair.objects.filter(in_pair)),
            meeting_count=Subquery(meetings),
        )
        .order_by("pk")
        .values_list(
            "user__first_name",
            "user__last_name",
            "user__email",
            "role",
            "status",
            "source",
            "user__grade",
            "user__specialty",
            "site",
            "user__site",
            "created_at",
            "status_changed_at",
            "matched",
            "ever_paired",
            "meeting_count",
        )
    )


def mentee_days_to_match(schemes: Iterable[Scheme]) -> list[tuple[int, int, int]]:
    """(scheme id, trust id, days) for every mentee enrolled now (active or paused) who has had a
    pair: whole days from enrolling to the first pair, as the dashboards' "matched" and days to
    match count them (never negative). The trust is the one the enrolment counts in. One
    query."""
    rows = (
        Enrolment.objects.mentees()
        .enrolled()
        .filter(scheme__in=schemes)
        .with_trust()
        .annotate(first_pair_at=Min("pairs_as_mentee__created_at"))
        .filter(first_pair_at__isnull=False)
        .order_by()
        .values_list("scheme_id", "trust_id", "created_at", "first_pair_at")
    )
    return [
        (scheme_id, trust_id, max((first_pair_at - created_at).days, 0))
        for scheme_id, trust_id, created_at, first_pair_at in rows
    ]


# --- Observed against declared (reports.activity) ---


@dataclass(frozen=True)
class PairSpan:
    """A pair's place and life, as local dates: metadata only."""

    pair_id: int
    scheme_id: int
    mentee_id: int
    mentor_id: int
    created_on: date
    ended_on: date | None


@dataclass(frozen=True)
class PairMeetings:
    """A pair's meetings held in a window: how many, and their minutes."""

    pair_id: int
    scheme_id: int
    mentee_id: int
    mentor_id: int
    meetings: int
    minutes: int
    without_duration: int


def pairs_in_window(schemes: Iterable[Scheme], *, since: date, until: date) -> list[PairSpan]:
    """The schemes' pairs, in any status, that existed on some day from `since` to `until`
    (local dates, both included): begun by `until` and not ended before `since`. One query."""
    begun_by = _local_midnight(until + timedelta(days=1))
    not_ended_before = _local_midnight(since)
    rows = (
        Pair.objects.filter(scheme__in=schemes, created_at__lt=begun_by)
        .filter(Q(ended_at=None) | Q(ended_at__gte=not_ended_before))
        .order_by()
        .values_list("pk", "scheme_id", "mentee_id", "mentor_id", "created_at", "ended_at")
    )
    return [
        PairSpan(
            pair_id=pk,
            scheme_id=scheme_id,
            mentee_id=mentee_id,
            mentor_id=mentor_id,
            created_on=timezone.localdate(created_at),
            ended_on=timezone.localdate(ended_at) if ended_at else None,
        )
        for pk, scheme_id, mentee_id, mentor_id, created_at, ended_at in rows
    ]


def meetings_by_pair(schemes: Iterable[Scheme], *, since: date, until: date) -> list[PairMeetings]:
    """Per pair of the schemes: meetings held from `since` to `until` (both included; a meeting
    dated later is left out), their minutes, and how many have no duration. One grouped query;
    only counts and minutes are read, never what a pair wrote."""
    rows = (
        Meeting.objects.filter(pair__scheme__in=schemes, held_on__gte=since, held_on__lte=until)
        .order_by()
        .values("pair_id", "pair__scheme_id", "pair__mentee_id", "pair__mentor_id")
        .annotate(
            meetings=Count("pk"),
            with_duration=Count("duration_minutes"),
            minutes=Coalesce(Sum("duration_minutes"), 0),
        )
    )
    return [
        PairMeetings(
            pair_id=row["pair_id"],
            scheme_id=row["pair__scheme_id"],
            mentee_id=row["pair__mentee_id"],
            mentor_id=row["pair__mentor_id"],
            meetings=row["meetings"],
            minutes=row["minutes"],
            without_duration=row["meetings"] - row["with_duration"],
        )
        for row in rows
    ]


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def meetings_by_scheme_quarter(
    schemes: Iterable[Scheme], *, until: date
) -> dict[tuple[int, date], tuple[int, int]]:
    """{(scheme id, first day of the quarter): (meetings held, their minutes)} of every pair of
    the schemes, held on or before `until` (a meeting dated later has not happened yet)."""
    rows = (
        Meeting.objects.filter(pair__scheme__in=schemes, held_on__lte=until)
        .annotate(quarter=TruncQuarter("held_on", output_field=DateField()))
        .order_by()
        .values("pair__scheme_id", "quarter")
        .annotate(meetings=Count("pk"), minutes=Sum("duration_minutes"))
    )
    return {
        (row["pair__scheme_id"], row["quarter"]): (row["meetings"], row["minutes"] or 0)
        for row in rows
    }
