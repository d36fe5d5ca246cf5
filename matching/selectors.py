"""Reads that several views, services and tasks share."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import (
    BooleanField,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
)
from django.db.models.functions import TruncQuarter

from schemes.models import Enrolment, Scheme

from .models import MatchingSettings, MatchRound, MentorChoice, Pair
from .rules import Pool
from .scoring import explain, fit_only, scores, weights_for

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from accounts.models import User

    from .models import Proposal

SUGGESTION_LIMIT = 5


def round_pool_mentees(scheme: Scheme) -> QuerySet[Enrolment]:
    """Mentees an organiser's round tries to match: active, without a mentor, and not in the
    middle of asking a mentor they chose themselves."""
    return (
        mentees_without_mentor(scheme)
        .exclude(Exists(MentorChoice.objects.waiting().filter(mentee_enrolment=OuterRef("pk"))))
        .order_by("pk")
    )


def mentees_without_mentor(scheme: Scheme | Iterable[Scheme]) -> QuerySet[Enrolment]:
    """Active mentees of `scheme` (one scheme, or an iterable or queryset of schemes) with no
    current pair: the mentees waiting for a mentor."""
    in_scheme = Q(scheme=scheme) if isinstance(scheme, Scheme) else Q(scheme__in=scheme)
    return (
        Enrolment.objects.mentees()
        .active()
        .filter(in_scheme)
        .exclude(Exists(Pair.objects.current().filter(mentee_enrolment=OuterRef("pk"))))
    )


def pool_overview(scheme: Scheme) -> dict[str, Any]:
    """Counts for the scheme's matching page (metadata only)."""
    waiting = round_pool_mentees(scheme)
    mentors = (
        Enrolment.objects.mentors()
        .active()
        .filter(scheme=scheme)
        .annotate(
            current=Count("pairs_as_mentor", filter=~Q(pairs_as_mentor__status=Pair.Status.ENDED))
        )
    )
    available = [mentor for mentor in mentors if mentor.available_for_matching]
    return {
        "mentees_waiting": waiting.count(),
        "rematches_waiting": waiting.filter(rematch_priority=True).count(),
        "mentors_active": len(mentors),
        "mentors_unavailable": len(mentors) - len(available),
        "places_free": sum(max(mentor.capacity - mentor.current, 0) for mentor in available),
        "requests_waiting": MentorChoice.objects.waiting()
        .filter(mentee_enrolment__scheme=scheme)
        .count(),
    }


def open_round(scheme: Scheme) -> MatchRound | None:
    return MatchRound.objects.open().filter(scheme=scheme).first()


def round_proposals(match_round: MatchRound) -> QuerySet[Proposal]:
    """Matched first (pinned at the top), then unmatched; by mentee name within each."""
    unmatched = ExpressionWrapper(Q(mentor_enrolment__isnull=True), output_field=BooleanField())
    return (
        match_round.proposals.select_related("mentee_enrolment__user", "mentor_enrolment__user")
        .annotate(is_unmatched=unmatched)
        .order_by(
            "is_unmatched",
            "-is_pinned",
            "mentee_enrolment__user__last_name",
            "mentee_enrolment__user__first_name",
            "pk",
        )
    )


def round_unmatched_reasons(match_round: MatchRound) -> list[tuple[str, int]]:
    """[(rule label, mentors it excluded in total over the unmatched mentees)], largest first."""
    totals: dict[str, int] = {}
    for excluded_by in match_round.proposals.filter(mentor_enrolment=None).values_list(
        "excluded_by", flat=True
    ):
        for label, count in (excluded_by or {}).items():
            totals[label] = totals.get(label, 0) + count
    return sorted(totals.items(), key=lambda item: -item[1])


def round_mentor_load(match_round: MatchRound) -> list[dict[str, Any]]:
    """Rows for the mentors' load table: mentor enrolment, places this round, mentees proposed."""
    load = match_round.summary.get("load", {})
    mentors = Enrolment.objects.filter(pk__in=[int(pk) for pk in load]).select_related("user")
    rows = [
        {"mentor": mentor, "assigned": load[str(mentor.pk)][0], "places": load[str(mentor.pk)][1]}
        for mentor in mentors
    ]
    return sorted(rows, key=lambda row: (-row["assigned"], str(row["mentor"].user)))


def round_forbidden_pairs(match_round: MatchRound) -> list[dict[str, Enrolment | None]]:
    ids = {pk for pair in match_round.forbidden for pk in pair}
    enrolments = Enrolment.objects.select_related("user").in_bulk(ids)
    return [
        {"mentee": enrolments.get(mentee_id), "mentor": enrolments.get(mentor_id)}
        for mentee_id, mentor_id in match_round.forbidden
        if mentee_id in enrolments and mentor_id in enrolments
    ]


def proposal_pairs_for_swap(match_round: MatchRound) -> QuerySet[Proposal]:
    return round_proposals(match_round).exclude(mentor_enrolment=None)


@dataclass
class SwapChoices:
    """For one proposed pair: the pairs it may swap mentors with, and why not the others."""

    first: object  # the Proposal
    allowed: list  # Proposals
    refused: list  # (Proposal, reason)


def swap_choices(match_round: MatchRound, first_mentee_id: int) -> SwapChoices | None:
    """Which proposed pairs the rules let swap mentors with this mentee's pair, and why not the
    rest: each mentee must be allowed the other's mentor, and neither pair forbidden here."""
    proposals = list(proposal_pairs_for_swap(match_round))
    first = next((p for p in proposals if p.mentee_enrolment_id == first_mentee_id), None)
    if first is None:
        return None
    pool = Pool.load(match_round.scheme, [proposal.mentee_enrolment for proposal in proposals])
    profiles = {mentee.pk: mentee for mentee in pool.mentees}
    forbidden = {tuple(pair) for pair in match_round.forbidden}
    choices = SwapChoices(first=first, allowed=[], refused=[])
    for other in proposals:
        if other.mentor_enrolment_id == first.mentor_enrolment_id:
            continue
        reason = _swap_refusal(pool, profiles, forbidden, first, other) or _swap_refusal(
            pool, profiles, forbidden, other, first
        )
        if reason:
            choices.refused.append((other, reason))
        else:
            choices.allowed.append(other)
    return choices


def _swap_refusal(pool, profiles, forbidden, taker, giver) -> str:
    """Why `taker`'s mentee may not have `giver`'s mentor, or "" when they may."""
    mentee, mentor = taker.mentee_enrolment, giver.mentor_enrolment
    if (mentee.pk, mentor.pk) in forbidden:
        return f"You forbade {mentor.user} for {mentee.user} in this round"
    rule = pool.refusal(profiles[mentee.pk], mentor.pk)
    if rule is None:
        return ""
    return f"{mentee.user} cannot have {mentor.user}: {rule.label[0].lower()}{rule.label[1:]}"


@dataclass
class Suggestion:
    mentor_enrolment: Enrolment
    score: float
    explanation: list


def mentor_suggestions(
    mentee_enrolment: Enrolment, limit: int | None = SUGGESTION_LIMIT
) -> list[Suggestion]:
    """The mentors best suited to this mentee, best first: every rule applies, so a mentor with
    no place left, or who is unavailable, is never suggested; nor is one already asked."""
    scheme = mentee_enrolment.scheme
    pool = Pool.load(scheme, [mentee_enrolment])
    mentee = pool.mentees[0]
    eligible = pool.mentors.take(pool.eligible_indices(mentee))
    already_asked = set(
        MentorChoice.objects.filter(mentee_enrolment=mentee_enrolment)
        .exclude(status=MentorChoice.Status.WITHDRAWN)
        .values_list("mentor_enrolment_id", flat=True)
    )
    weights = weights_for(scheme)
    ranked = sorted(
        zip(scores(mentee, eligible, weights).tolist(), range(len(eligible)), strict=True),
        key=lambda item: (-item[0], eligible.enrolments[item[1]].pk),
    )
    suggestions = []
    for _, position in ranked:
        if eligible.enrolments[position].pk in already_asked:
            continue
        score, explanation = explain(mentee, eligible.take([position]), weights)
        suggestions.append(Suggestion(eligible.enrolments[position], score, fit_only(explanation)))
        if limit is not None and len(suggestions) == limit:
            break
    return suggestions


UNCLAIMED_ROUND_GRACE = timedelta(minutes=2)


def rounds_to_enqueue(now: datetime) -> list[int]:
    """Ids of rounds waiting for a worker that no worker has claimed: their task was lost (the
    broker was down when it was published, or Redis was emptied)."""
    return list(
        MatchRound.objects.filter(
            status=MatchRound.Status.RUNNING,
            progress=0,
            solve_started_at__lt=now - UNCLAIMED_ROUND_GRACE,
        ).values_list("pk", flat=True)
    )


def choices_due(now: datetime) -> tuple[list[int], list[int]]:
    """Ids of waiting requests now past their deadline, and of those due their one reminder.

    The reminder goes halfway through the time the scheme gives mentors to answer.
    """
    expired, remind = [], []
    days_of = dict(MatchingSettings.objects.values_list("scheme_id", "choice_response_days"))
    default_days = MatchingSettings._meta.get_field("choice_response_days").default
    waiting = MentorChoice.objects.waiting().values_list(
        "pk", "offered_at", "reminded_at", "mentee_enrolment__scheme_id"
    )
    for pk, offered_at, reminded_at, scheme_id in waiting:
        days = days_of.get(scheme_id, default_days)
        if offered_at is None:
            continue
        if now >= offered_at + timedelta(days=days):
            expired.append(pk)
        elif reminded_at is None and now >= offered_at + timedelta(days=days) / 2:
            remind.append(pk)
    return expired, remind


def my_matches(user: User) -> dict[str, Any]:
    """What the "Your mentoring matches" panel shows this user.

    For each active mentee enrolment without a mentor, their open requests or that they wait
    for the organisers; for each active mentor enrolment, the requests waiting for their answer,
    their places and whether they take new mentees. Pairs themselves are shown by the meetings
    app's "Your mentoring pairs" panel.
    """
    pairs = list(Pair.objects.current().filter(Q(mentee=user) | Q(mentor=user)))
    enrolments = list(
        Enrolment.objects.active()
        .filter(user=user)
        .select_related("scheme__matching")
        .order_by("scheme__name", "role")
    )
    paired_mentee_enrolments = {pair.mentee_enrolment_id for pair in pairs}
    waiting_mentees, mentor_rows = [], []
    for enrolment in enrolments:
        settings = getattr(enrolment.scheme, "matching", None) or MatchingSettings(
            scheme=enrolment.scheme
        )
        if enrolment.role == Enrolment.Role.MENTEE:
            if enrolment.pk in paired_mentee_enrolments:
                continue
            choices = list(
                MentorChoice.objects.open()
                .filter(mentee_enrolment=enrolment)
                .select_related("mentor_enrolment__user")
                .order_by("rank")
            )
            for choice in choices:
                choice.due_at = choice.answer_due_at(settings.choice_response_days)
            waiting_mentees.append(
                {"enrolment": enrolment, "settings": settings, "choices": choices}
            )
        else:
            requests = list(
                MentorChoice.objects.waiting()
                .filter(mentor_enrolment=enrolment)
                .select_related("mentee_enrolment__user")
                .order_by("offered_at")
            )
            for choice in requests:
                choice.due_at = choice.answer_due_at(settings.choice_response_days)
            current = sum(1 for pair in pairs if pair.mentor_enrolment_id == enrolment.pk)
            mentor_rows.append({"enrolment": enrolment, "requests": requests, "current": current})
    return {"waiting_mentees": waiting_mentees, "mentor_rows": mentor_rows}


def proposal_counts(match_round: MatchRound) -> dict[str, int]:
    return match_round.proposals.aggregate(
        matched=Count("pk", filter=Q(mentor_enrolment__isnull=False)),
        unmatched=Count("pk", filter=Q(mentor_enrolment__isnull=True)),
        pinned=Count("pk", filter=Q(is_pinned=True)),
    )


# --- Pairing by hand ----------------------------------------------------------------------------

# Rules an organiser can never override: the mentor is the mentee's own supervisor, someone
# excluded for the mentee (by them or an organiser), from a pair that ended badly, the mentee
# themself, outside the scheme, or either of them is not active in it.
NEVER_OVERRIDDEN = frozenset(
    {
        "same_scheme",
        "mentee_active",
        "mentor_active",
        "same_person",
        "supervisor",
        "excluded",
        "ended_badly",
    }
)
CAPACITY_RULE = "mentor_capacity"
WAITING_LIST_LIMIT = 100


def current_pair_of(mentee_enrolment: Enrolment) -> Pair | None:
    """The mentee's current pair (not ended), or None."""
    return (
        Pair.objects.current()
        .filter(mentee_enrolment=mentee_enrolment)
        .select_related("mentor", "mentee")
        .first()
    )


def waiting_list(scheme: Scheme, limit: int = WAITING_LIST_LIMIT) -> QuerySet[Enrolment]:
    """The mentees waiting for a mentor, longest waiting first (re-matches at the top)."""
    return (
        round_pool_mentees(scheme)
        .select_related("user")
        .order_by("-rematch_priority", "waiting_since", "pk")[:limit]
    )


@dataclass
class MentorOption:
    """One mentor as the "Pair by hand" page shows them for one mentee."""

    mentor_enrolment: Enrolment
    places_taken: int
    refusals: list  # every Rule that refuses the pair, in RULES order
    score: float
    explanation: list

    @property
    def capacity(self):
        return self.mentor_enrolment.capacity

    @property
    def never_allowed(self):
        """The rules refusing the pair that no reason can override."""
        return [rule for rule in self.refusals if rule.code in NEVER_OVERRIDDEN]

    @property
    def overridable(self):
        """The rules refusing the pair that an organiser may override with a reason."""
        return [
            rule
            for rule in self.refusals
            if rule.code not in NEVER_OVERRIDDEN and rule.code != CAPACITY_RULE
        ]

    @property
    def is_full(self):
        return any(rule.code == CAPACITY_RULE for rule in self.refusals)

    @property
    def is_allowed(self) -> bool:
        return not self.refusals


def _mentor_option(pool, mentee, index, refusals, weights):
    mentor_enrolment = pool.mentors.enrolments[index]
    score, explanation = explain(mentee, pool.mentors.take([index]), weights)
    return MentorOption(
        mentor_enrolment=mentor_enrolment,
        places_taken=mentor_enrolment.capacity - int(pool.mentors.places_left[index]),
        refusals=refusals,
        score=score,
        explanation=fit_only(explanation),
    )


def hand_pairing_options(scheme: Scheme, mentee_enrolment: Enrolment) -> list[MentorOption]:
    """Every mentor of the scheme for this mentee: allowed ones first, best score first."""
    pool = Pool.load(scheme, [mentee_enrolment])
    mentee = pool.mentees[0]
    weights = weights_for(scheme)
    options = [
        _mentor_option(pool, mentee, index, refusals, weights)
        for index, refusals in enumerate(pool.refusals_by_mentor(mentee))
    ]
    options.sort(
        key=lambda option: (bool(option.never_allowed), bool(option.refusals), -option.score)
    )
    return options


def hand_pairing_option(
    scheme: Scheme, mentee_enrolment: Enrolment, mentor_enrolment_id: int
) -> MentorOption | None:
    """The option for this one mentor, or None if they are not a current mentor of the scheme."""
    pool = Pool.load(scheme, [mentee_enrolment])
    index = pool.mentors.index_of.get(mentor_enrolment_id)
    if index is None:
        return None
    mentee = pool.mentees[0]
    refusals = pool.refusals_by_mentor(mentee)[index]
    return _mentor_option(pool, mentee, index, refusals, weights_for(scheme))


def pairs_by_quarter(schemes: Iterable[Scheme]) -> dict[str, dict[tuple[int, date], int]]:
    """Pairs formed and pairs ended in each calendar quarter, in two grouped queries:
    {"formed": {(scheme id, first day of the quarter): count}, "ended": {...}}."""
    pairs = Pair.objects.filter(scheme__in=schemes).order_by()
    formed = (
        pairs.annotate(quarter=TruncQuarter("created_at", output_field=DateField()))
        .values("scheme_id", "quarter")
        .annotate(count=Count("pk"))
    )
    ended = (
        pairs.ended()
        .filter(ended_at__isnull=False)
        .annotate(quarter=TruncQuarter("ended_at", output_field=DateField()))
        .values("scheme_id", "quarter")
        .annotate(count=Count("pk"))
    )
    return {
        name: {(row["scheme_id"], row["quarter"]): row["count"] for row in rows}
        for name, rows in (("formed", formed), ("ended", ended))
    }
