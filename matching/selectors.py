"""Reads that several views, services and tasks share."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q

from schemes.models import Enrolment

from .models import MatchingSettings, MatchRound, MentorChoice, Pair
from .rules import Pool
from .scoring import explain, fit_only, scores, weights_for

SUGGESTION_LIMIT = 5
OPEN_ROUND_STATUSES = (MatchRound.Status.RUNNING, MatchRound.Status.PROPOSED)


def _current_pairs():
    return Pair.objects.exclude(status=Pair.Status.ENDED)


def round_pool_mentees(scheme):
    """Mentees an organiser's round tries to match: active, without a mentor, and not in the
    middle of asking a mentor they chose themselves."""
    return (
        Enrolment.objects.filter(
            scheme=scheme, role=Enrolment.Role.MENTEE, status=Enrolment.Status.ACTIVE
        )
        .exclude(Exists(_current_pairs().filter(mentee_enrolment=OuterRef("pk"))))
        .exclude(
            Exists(
                MentorChoice.objects.filter(
                    mentee_enrolment=OuterRef("pk"), status=MentorChoice.Status.WAITING
                )
            )
        )
        .order_by("pk")
    )


def pool_overview(scheme):
    """Counts for the scheme's matching page (metadata only)."""
    waiting = round_pool_mentees(scheme)
    mentors = Enrolment.objects.filter(
        scheme=scheme, role=Enrolment.Role.MENTOR, status=Enrolment.Status.ACTIVE
    ).annotate(
        current=Count("pairs_as_mentor", filter=~Q(pairs_as_mentor__status=Pair.Status.ENDED))
    )
    available = [mentor for mentor in mentors if mentor.available_for_matching]
    return {
        "mentees_waiting": waiting.count(),
        "rematches_waiting": waiting.filter(rematch_priority=True).count(),
        "mentors_active": len(mentors),
        "mentors_unavailable": len(mentors) - len(available),
        "places_free": sum(max(mentor.capacity - mentor.current, 0) for mentor in available),
        "requests_waiting": MentorChoice.objects.filter(
            mentee_enrolment__scheme=scheme, status=MentorChoice.Status.WAITING
        ).count(),
    }


def open_round(scheme):
    return MatchRound.objects.filter(scheme=scheme, status__in=OPEN_ROUND_STATUSES).first()


def round_proposals(match_round):
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


def round_unmatched_reasons(match_round):
    """[(rule label, mentors it excluded in total over the unmatched mentees)], largest first."""
    totals = {}
    for excluded_by in match_round.proposals.filter(mentor_enrolment=None).values_list(
        "excluded_by", flat=True
    ):
        for label, count in (excluded_by or {}).items():
            totals[label] = totals.get(label, 0) + count
    return sorted(totals.items(), key=lambda item: -item[1])


def round_mentor_load(match_round):
    """Rows for the mentors' load table: mentor enrolment, places this round, mentees proposed."""
    load = match_round.summary.get("load", {})
    mentors = Enrolment.objects.filter(pk__in=[int(pk) for pk in load]).select_related("user")
    rows = [
        {"mentor": mentor, "assigned": load[str(mentor.pk)][0], "places": load[str(mentor.pk)][1]}
        for mentor in mentors
    ]
    return sorted(rows, key=lambda row: (-row["assigned"], str(row["mentor"].user)))


def round_forbidden_pairs(match_round):
    ids = {pk for pair in match_round.forbidden for pk in pair}
    enrolments = Enrolment.objects.select_related("user").in_bulk(ids)
    return [
        {"mentee": enrolments.get(mentee_id), "mentor": enrolments.get(mentor_id)}
        for mentee_id, mentor_id in match_round.forbidden
        if mentee_id in enrolments and mentor_id in enrolments
    ]


def proposal_pairs_for_swap(match_round):
    return round_proposals(match_round).exclude(mentor_enrolment=None)


@dataclass
class Suggestion:
    mentor_enrolment: Enrolment
    score: float
    explanation: list


def mentor_suggestions(mentee_enrolment, limit=SUGGESTION_LIMIT):
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


def rounds_to_enqueue(now):
    """Ids of rounds waiting for a worker that no worker has claimed: their task was lost (the
    broker was down when it was published, or Redis was emptied)."""
    return list(
        MatchRound.objects.filter(
            status=MatchRound.Status.RUNNING,
            progress=0,
            solve_started_at__lt=now - UNCLAIMED_ROUND_GRACE,
        ).values_list("pk", flat=True)
    )


def choices_due(now):
    """Ids of waiting requests now past their deadline, and of those due their one reminder.

    The reminder goes halfway through the time the scheme gives mentors to answer.
    """
    expired, remind = [], []
    days_of = dict(MatchingSettings.objects.values_list("scheme_id", "choice_response_days"))
    default_days = MatchingSettings._meta.get_field("choice_response_days").default
    waiting = MentorChoice.objects.filter(status=MentorChoice.Status.WAITING).values_list(
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


def my_matches(user):
    """What the "Your mentoring matches" panel shows this user.

    For each active mentee enrolment without a mentor, their open requests or that they wait
    for the organisers; for each active mentor enrolment, the requests waiting for their answer,
    their places and whether they take new mentees. Pairs themselves are shown by the meetings
    app's "Your mentoring pairs" panel.
    """
    pairs = list(_current_pairs().filter(Q(mentee=user) | Q(mentor=user)))
    enrolments = list(
        Enrolment.objects.filter(user=user, status=Enrolment.Status.ACTIVE)
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
                MentorChoice.objects.filter(
                    mentee_enrolment=enrolment,
                    status__in=[MentorChoice.Status.QUEUED, MentorChoice.Status.WAITING],
                )
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
                MentorChoice.objects.filter(
                    mentor_enrolment=enrolment, status=MentorChoice.Status.WAITING
                )
                .select_related("mentee_enrolment__user")
                .order_by("offered_at")
            )
            for choice in requests:
                choice.due_at = choice.answer_due_at(settings.choice_response_days)
            current = sum(1 for pair in pairs if pair.mentor_enrolment_id == enrolment.pk)
            mentor_rows.append({"enrolment": enrolment, "requests": requests, "current": current})
    return {"waiting_mentees": waiting_mentees, "mentor_rows": mentor_rows}


def proposal_counts(match_round):
    return match_round.proposals.aggregate(
        matched=Count("pk", filter=Q(mentor_enrolment__isnull=False)),
        unmatched=Count("pk", filter=Q(mentor_enrolment__isnull=True)),
        pinned=Count("pk", filter=Q(is_pinned=True)),
    )
