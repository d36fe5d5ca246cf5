"""Reads that several views, emails and reports share, with the visibility rules built in.

Organisers' reads (`pair_overview`, `organiser_pairs`, `organiser_digest`) select dates, counts
and statuses only: they never load a summary, a note, a goal or a topic, so no template can show
one by mistake.
"""

from datetime import timedelta

from django.db.models import Count, Exists, Max, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from matching.models import Pair
from schemes.models import Enrolment, Scheme, SchemeRole

from .filters import PairFilter
from .health import MEETING_STATUSES, Health, pair_health
from .models import Goal, Meeting, MentoringAgreement, Nudge, PlannedMeeting, PrivateNote

WAITING_TOO_LONG = timedelta(days=14)  # a mentee waiting longer appears in the weekly digest


def with_metadata(pairs):
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


def days_since(day, today=None):
    if day is None:
        return None
    return ((today or timezone.localdate()) - day).days


# --- The pair's own pages --------------------------------------------------------------------


def pairs_for_member(user):
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
                "role": "mentee" if pair.mentee_id == user.pk else "mentor",
                "next_meeting": next_planned_meeting(pair, now=now),
            }
        )
    rows.sort(key=lambda row: row["pair"].status == Pair.Status.ENDED)
    return rows


def next_planned_meeting(pair, now=None):
    return (
        PlannedMeeting.objects.filter(
            pair=pair, cancelled_at=None, starts_at__gt=now or timezone.now()
        )
        .order_by("starts_at")
        .first()
    )


def pair_space(pair, user):
    """Everything the pair's page shows to one member. Private notes: the user's own only."""
    now = timezone.now()
    meetings = list(pair.meetings.select_related("logged_by").order_by("-held_on", "-logged_at"))
    my_notes = set(
        PrivateNote.objects.filter(meeting__pair=pair, author=user).values_list(
            "meeting_id", flat=True
        )
    )
    for meeting in meetings:
        meeting.has_my_note = meeting.pk in my_notes
        meeting.awaits_my_confirmation = (
            meeting.confirmed_by_other_at is None and meeting.logged_by_id != user.pk
        )
    agreement = MentoringAgreement.objects.filter(pair=pair).first()
    if agreement is not None:
        agreement.pair = pair
        agreement.is_confirmed_by_me = agreement.is_confirmed_by(user)
    return {
        "pair": pair,
        "partner": pair.other_member(user),
        "is_mentee": pair.mentee_id == user.pk,
        "agreement": agreement,
        "goals": list(Goal.objects.filter(pair=pair)),
        "meetings": meetings,
        "upcoming": list(
            PlannedMeeting.objects.filter(pair=pair, cancelled_at=None, starts_at__gt=now)
        ),
        "unlogged": list(
            PlannedMeeting.objects.filter(
                pair=pair,
                cancelled_at=None,
                starts_at__lte=now,
                starts_at__gte=now - timedelta(days=60),
                logged_meeting=None,
            ).order_by("-starts_at")
        ),
        "is_meeting": pair.status in MEETING_STATUSES,
    }


def scheme_organisers(scheme):
    return [
        role.user
        for role in SchemeRole.objects.filter(scheme=scheme, role=SchemeRole.Role.ORGANISER)
        .select_related("user")
        .order_by("user__last_name", "user__first_name")
    ]


# --- What organisers see ---------------------------------------------------------------------


def pair_overview(pair, today=None):
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


def organiser_pairs(scheme, params=None, today=None):
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


def pair_counts(schemes):
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


def mentees_waiting(schemes, now=None):
    """Active mentees with no current pair who have waited more than 14 days for a match."""
    now = now or timezone.now()
    current_pair = Pair.objects.filter(mentee_enrolment=OuterRef("pk")).exclude(status="ended")
    return (
        Enrolment.objects.filter(
            scheme__in=schemes,
            role=Enrolment.Role.MENTEE,
            status=Enrolment.Status.ACTIVE,
            waiting_since__lte=now - WAITING_TOO_LONG,
        )
        .exclude(Exists(current_pair))
        .select_related("user", "scheme")
        .order_by("-rematch_priority", "waiting_since")
    )


def organiser_digest(user, now=None):
    """The weekly digest of one organiser: per scheme they organise, who waits too long for a
    match and which pairs may need a check-in. Empty list when nothing needs them."""
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
                Pair.objects.filter(scheme=scheme, status__in=MEETING_STATUSES).select_related(
                    "mentee", "mentor"
                )
            ).filter(needs_check_in=True)
        ]
        if waiting or check_in:
            sections.append({"scheme": scheme, "waiting": waiting, "check_in": check_in})
    return sections
