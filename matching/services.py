"""Use cases that write: matching rounds, mentee choice, re-matching.

Views, tasks and the admin call these; each validates, writes inside one transaction, and
queues its emails with `accounts.services.notification_queue` (sent after commit).
"""

import logging
import time
from datetime import timedelta
from itertools import repeat

import numpy as np
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from accounts.queue import enqueue
from accounts.services import notification_queue
from schemes.models import Enrolment, Scheme

from . import engine
from .models import MatchingSettings, MatchRound, MentorChoice, Pair, Proposal
from .rules import Pool
from .scoring import explain, fit_only, scores, weights_for
from .selectors import mentor_suggestions, round_pool_mentees

logger = logging.getLogger(__name__)

# A round on fewer mentees than this is solved in the request; a bigger one by a Celery task
# while the organiser watches a progress bar.
SYNC_ROUND_LIMIT = 300
FORBIDDEN_LABEL = "Forbidden by an organiser in this round"
REMOVED_REASON = "Left out of this round by an organiser."
STUCK_ROUND_AFTER_SECONDS = 30 * 60
_OPEN = (MatchRound.Status.RUNNING, MatchRound.Status.PROPOSED)


# --- Rounds --------------------------------------------------------------------------------------


def match_round_start(*, scheme, started_by):
    """Open a round for the scheme and solve it, in the request if small, else in a task."""
    with transaction.atomic():
        Scheme.objects.select_for_update().filter(pk=scheme.pk).first()
        if MatchRound.objects.filter(scheme=scheme, status__in=_OPEN).exists():
            raise ValidationError(
                "A round is already open for this scheme: approve or discard it before starting "
                "another."
            )
        if not round_pool_mentees(scheme).exists():
            raise ValidationError(
                "No mentee is waiting for a mentor, so there is nothing to match yet. Enrol "
                "mentees or import a cohort first."
            )
        try:
            with transaction.atomic():
                match_round = MatchRound.objects.create(
                    scheme=scheme, started_by=started_by, solve_started_at=timezone.now()
                )
        except IntegrityError as error:  # another organiser started one at the same moment
            raise ValidationError(
                "Another organiser has just started a round for this scheme."
            ) from error
    _solve_now_or_later(match_round)
    return match_round


def _solve_now_or_later(match_round):
    from .tasks import match_round_run_task  # tasks import services

    if round_pool_mentees(match_round.scheme).count() < SYNC_ROUND_LIMIT:
        match_round_run(round_id=match_round.pk)
    else:
        # If the broker is down the round waits, unclaimed, for the sweep to enqueue it again.
        transaction.on_commit(lambda: enqueue(match_round_run_task, match_round.pk))
    match_round.refresh_from_db()


def _set_progress(round_id, value):
    MatchRound.objects.filter(pk=round_id, status=MatchRound.Status.RUNNING).update(progress=value)


def match_round_run(*, round_id):
    """Solve a running round: propose pairs and say why each unmatched mentee is unmatched.

    1. Claim the round (progress 0 -> 1), so a task delivered twice solves it once.
    2. Load the pool: the mentees waiting (less those the organiser removed) and all mentors.
    3. Build the engine's edges: for each mentee, the mentors every rule allows, less the pairs
       the organiser forbade, scored by the scheme's weights.
    4. Solve with the organiser's pins; pins that no longer hold are dropped with a note.
    5. Write proposals (with explanations) and the summary, all at once; status "proposed".

    Returns True if this call solved the round. A failure marks the round failed with the error.
    """
    claimed = MatchRound.objects.filter(
        pk=round_id, status=MatchRound.Status.RUNNING, progress=0
    ).update(progress=1)
    if claimed != 1:
        return False
    match_round = MatchRound.objects.select_related("scheme").get(pk=round_id)
    try:
        _solve(match_round)
    except Exception as error:
        logger.exception("Matching round %s failed", round_id)
        MatchRound.objects.filter(pk=round_id, status=MatchRound.Status.RUNNING).update(
            status=MatchRound.Status.FAILED, error=str(error)[:2000], finished_at=timezone.now()
        )
        return False
    return True


def _solve(match_round):
    started = time.perf_counter()
    scheme = match_round.scheme
    removed = set(match_round.removed)
    waiting = list(round_pool_mentees(scheme).select_related("user"))
    pool = Pool.load(scheme, [enrolment for enrolment in waiting if enrolment.pk not in removed])
    _set_progress(match_round.pk, 5)
    timings = {"load": time.perf_counter() - started}
    weights = weights_for(scheme)
    forbidden = {tuple(pair) for pair in match_round.forbidden}
    forbidden_by_mentee = {}
    for mentee_id, mentor_id in forbidden:
        forbidden_by_mentee.setdefault(mentee_id, set()).add(mentor_id)
    pinned = dict(match_round.pinned)  # mentee enrolment id -> mentor enrolment id

    # Step 3: edges. Scores are computed over all open mentors at once, then masked.
    edges, eligible_count, pinnable = [], {}, set()
    open_ids = pool.open_mentors.enrolment_id
    step = max(len(pool.mentees) // 10, 1)
    for number, mentee in enumerate(pool.mentees):
        allowed = pool.eligible_among_open(mentee)
        refused_here = forbidden_by_mentee.get(mentee.pk)
        if refused_here:
            allowed &= ~np.isin(open_ids, list(refused_here))
        eligible_count[mentee.pk] = int(allowed.sum())
        if eligible_count[mentee.pk]:
            mentor_ids = open_ids[allowed].tolist()
            mentee_scores = scores(mentee, pool.open_mentors, weights)[allowed].tolist()
            edges.extend(zip(repeat(mentee.pk), mentor_ids, mentee_scores, strict=False))
            if mentee.pk in pinned and pinned[mentee.pk] in mentor_ids:
                pinnable.add((mentee.pk, pinned[mentee.pk]))
        if number % step == 0:
            _set_progress(match_round.pk, 5 + 60 * number // len(pool.mentees))
    _set_progress(match_round.pk, 70)
    timings["edges"] = time.perf_counter() - started - sum(timings.values())

    # Step 4: solve.
    capacities = {
        int(mentor_id): int(places)
        for mentor_id, places in zip(open_ids, pool.open_mentors.places_left, strict=True)
    }
    notes = [
        f"The pin of {_name(pool, mentee_id)} could not be kept: that pair is no longer allowed."
        for mentee_id, mentor_id in sorted(pinned.items())
        if (mentee_id, mentor_id) not in pinnable
    ]
    try:
        assignment = engine.solve(edges, capacities, pinned=pinnable)
    except ValueError as error:
        notes.append(f"The pins could not all be kept ({error}); solved without them.")
        pinnable = set()
        assignment = engine.solve(edges, capacities)
    _set_progress(match_round.pk, 85)
    timings["solve"] = time.perf_counter() - started - sum(timings.values())

    # Step 5: proposals and summary.
    proposals, no_eligible, used_up = [], 0, 0
    for mentee in pool.mentees:
        mentor_id = assignment.get(mentee.pk)
        if mentor_id is not None:
            index = pool.mentors.index_of[mentor_id]
            score, explanation = explain(mentee, pool.mentors.take([index]), weights)
            proposals.append(
                Proposal(
                    match_round=match_round,
                    mentee_enrolment_id=mentee.pk,
                    mentor_enrolment_id=mentor_id,
                    score=score,
                    explanation=explanation,
                    is_pinned=(mentee.pk, mentor_id) in pinnable,
                )
            )
        elif eligible_count[mentee.pk] == 0:
            no_eligible += 1
            excluded_by = pool.exclusion_counts(mentee)
            refused_here = forbidden_by_mentee.get(mentee.pk, set())
            if refused_here:
                still_allowed = set(pool.mentors.enrolment_id[pool.eligible_indices(mentee)])
                if forbidden_count := len(refused_here & still_allowed):
                    excluded_by[FORBIDDEN_LABEL] = forbidden_count
            proposals.append(
                Proposal(
                    match_round=match_round,
                    mentee_enrolment_id=mentee.pk,
                    unmatched_reason="No eligible mentor.",
                    excluded_by=excluded_by,
                )
            )
        else:
            used_up += 1
            count = eligible_count[mentee.pk]
            proposals.append(
                Proposal(
                    match_round=match_round,
                    mentee_enrolment_id=mentee.pk,
                    unmatched_reason=(
                        f"Capacity used up: the {_plural(count, 'mentor')} who could mentor them "
                        f"{'has' if count == 1 else 'have'} no place left after this round."
                    ),
                )
            )
    for enrolment in waiting:
        if enrolment.pk in removed:
            proposals.append(
                Proposal(
                    match_round=match_round,
                    mentee_enrolment_id=enrolment.pk,
                    unmatched_reason=REMOVED_REASON,
                )
            )
    assigned = {}
    for mentor_id in assignment.values():
        assigned[mentor_id] = assigned.get(mentor_id, 0) + 1
    summary = {
        "mentees": len(waiting),
        "matched": len(assignment),
        "unmatched": len(pool.mentees) - len(assignment),
        "no_eligible_mentor": no_eligible,
        "capacity_used_up": used_up,
        "removed": len(waiting) - len(pool.mentees),
        "mentors": len(pool.mentors),
        "mentors_with_places": len(capacities),
        "places": sum(capacities.values()),
        "load": {
            str(mentor_id): [assigned.get(mentor_id, 0), places]
            for mentor_id, places in capacities.items()
        },
        "mentors_full": sum(
            1 for mentor_id, places in capacities.items() if assigned.get(mentor_id, 0) >= places
        ),
        "mentors_without_mentee": sum(1 for mentor_id in capacities if mentor_id not in assigned),
        "total_score": round(sum(proposal.score for proposal in proposals), 2),
        "edges": len(edges),
        "notes": notes,
    }
    with transaction.atomic():
        still_running = (
            MatchRound.objects.select_for_update()
            .filter(pk=match_round.pk, status=MatchRound.Status.RUNNING)
            .exists()
        )
        if not still_running:  # discarded while it was being solved
            return
        match_round.proposals.all().delete()
        Proposal.objects.bulk_create(proposals, batch_size=500)
        summary["seconds"] = round(time.perf_counter() - started, 2)
        timings["write"] = summary["seconds"] - sum(timings.values())
        summary["timings"] = {phase: round(seconds, 2) for phase, seconds in timings.items()}
        MatchRound.objects.filter(pk=match_round.pk).update(
            status=MatchRound.Status.PROPOSED,
            progress=100,
            summary=summary,
            pinned=[list(pair) for pair in sorted(pinnable)],
            finished_at=timezone.now(),
            error="",
        )


def _name(pool, mentee_enrolment_id):
    for mentee in pool.mentees:
        if mentee.pk == mentee_enrolment_id:
            return str(mentee.enrolment.user)
    return "a mentee who is no longer waiting"


def _plural(count, word):
    return f"{count} {word}{'' if count == 1 else 's'}"


def _resolve(match_round, **changes):
    """Save the organiser's change and solve the round again."""
    updated = MatchRound.objects.filter(
        pk=match_round.pk, status=MatchRound.Status.PROPOSED
    ).update(
        status=MatchRound.Status.RUNNING,
        progress=0,
        error="",
        solve_started_at=timezone.now(),
        **changes,
    )
    if updated != 1:
        raise ValidationError(
            "This round is not waiting for approval any more (it is being solved, or was "
            "approved or discarded). Reload the page to see where it is."
        )
    match_round.refresh_from_db()
    _solve_now_or_later(match_round)
    return match_round


def _proposal(match_round, mentee_enrolment_id):
    proposal = (
        match_round.proposals.filter(mentee_enrolment_id=mentee_enrolment_id)
        .select_related("mentee_enrolment__user", "mentor_enrolment__user")
        .first()
    )
    if proposal is None:
        raise ValidationError("That mentee is not in this round.")
    return proposal


def match_round_pin(*, match_round, mentee_enrolment_id, pin=True):
    """Keep (or stop keeping) a proposed pair whatever the re-solve finds."""
    proposal = _proposal(match_round, mentee_enrolment_id)
    pinned = [pair for pair in match_round.pinned if pair[0] != mentee_enrolment_id]
    if pin:
        if proposal.mentor_enrolment_id is None:
            raise ValidationError(
                f"{proposal.mentee_enrolment.user} has no proposed mentor to pin."
            )
        pinned.append([mentee_enrolment_id, proposal.mentor_enrolment_id])
    return _resolve(match_round, pinned=pinned)


def match_round_forbid(*, match_round, mentee_enrolment_id, mentor_enrolment_id, forbid=True):
    """Never propose this pair in this round (or allow it again), then re-solve."""
    pair = [mentee_enrolment_id, mentor_enrolment_id]
    forbidden = [item for item in match_round.forbidden if item != pair]
    if forbid:
        forbidden.append(pair)
    pinned = [item for item in match_round.pinned if item != pair]
    return _resolve(match_round, forbidden=forbidden, pinned=pinned)


def match_round_remove(*, match_round, mentee_enrolment_id, remove=True):
    """Leave a mentee out of this round (they keep waiting for the next), or put them back."""
    _proposal(match_round, mentee_enrolment_id)
    removed = [pk for pk in match_round.removed if pk != mentee_enrolment_id]
    if remove:
        removed.append(mentee_enrolment_id)
    pinned = [pair for pair in match_round.pinned if pair[0] != mentee_enrolment_id]
    return _resolve(match_round, removed=removed, pinned=pinned)


def match_round_swap(*, match_round, first_mentee_id, second_mentee_id):
    """Exchange the mentors of two proposed pairs, pin both new pairs, and re-solve."""
    if first_mentee_id == second_mentee_id:
        raise ValidationError("Choose two different pairs to swap.")
    first = _proposal(match_round, first_mentee_id)
    second = _proposal(match_round, second_mentee_id)
    for proposal in (first, second):
        if proposal.mentor_enrolment_id is None:
            raise ValidationError(
                f"{proposal.mentee_enrolment.user} has no proposed mentor to swap."
            )
    if first.mentor_enrolment_id == second.mentor_enrolment_id:
        raise ValidationError("Both pairs have the same mentor: there is nothing to swap.")
    pool = Pool.load(match_round.scheme, [first.mentee_enrolment, second.mentee_enrolment])
    new_pairs = [
        (pool.mentees[0], second.mentor_enrolment),
        (pool.mentees[1], first.mentor_enrolment),
    ]
    for mentee, mentor_enrolment in new_pairs:
        pair = [mentee.pk, mentor_enrolment.pk]
        if pair in match_round.forbidden:
            raise ValidationError(
                f"You forbade {mentor_enrolment.user} for {mentee.enrolment.user} in this round: "
                "allow that pair again first."
            )
        refusal = pool.refusal(mentee, mentor_enrolment.pk)
        if refusal is not None:
            raise ValidationError(
                f"{mentor_enrolment.user} cannot mentor {mentee.enrolment.user}: "
                f"{refusal.label.lower()}."
            )
    pinned = [
        pair for pair in match_round.pinned if pair[0] not in (first_mentee_id, second_mentee_id)
    ]
    pinned += [[mentee.pk, mentor_enrolment.pk] for mentee, mentor_enrolment in new_pairs]
    return _resolve(match_round, pinned=pinned)


def match_round_discard(*, match_round):
    updated = MatchRound.objects.filter(
        pk=match_round.pk, status__in=[*_OPEN, MatchRound.Status.FAILED]
    ).update(status=MatchRound.Status.DISCARDED, finished_at=timezone.now())
    if updated != 1:
        raise ValidationError("This round was already approved or discarded.")
    match_round.refresh_from_db()
    return match_round


def match_rounds_fail_stuck(*, now=None):
    """Mark rounds a worker started solving long ago and never finished (it died) as failed."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=STUCK_ROUND_AFTER_SECONDS)
    stuck = MatchRound.objects.filter(
        status=MatchRound.Status.RUNNING, progress__gt=0, solve_started_at__lt=cutoff
    )
    return stuck.update(
        status=MatchRound.Status.FAILED,
        error="The round took too long to solve; discard it and start another.",
        finished_at=now,
    )


def match_round_approve(*, match_round, approved_by):
    """Create every proposed pair in one transaction and introduce each pair by email.

    1. Claim the round (proposed -> approved), so approving twice creates nothing twice.
    2. Check nothing changed since the solve that would break a pair: a mentee matched or gone
       meanwhile, a mentor paused or without the places. If so, nothing is created and the
       organiser is asked to re-solve.
    3. Create the pairs (status introduced), clear the mentees' re-match flag, withdraw their
       open requests, and queue one introduction email to each member of each pair.
    """
    now = timezone.now()
    with transaction.atomic():
        claimed = MatchRound.objects.filter(
            pk=match_round.pk, status=MatchRound.Status.PROPOSED
        ).update(status=MatchRound.Status.APPROVED, approved_at=now, approved_by=approved_by)
        if claimed != 1:
            raise ValidationError(
                "This round is not waiting for approval (it was approved or discarded, or is "
                "being solved)."
            )
        proposals = list(
            match_round.proposals.exclude(mentor_enrolment=None).select_related(
                "mentee_enrolment__user", "mentor_enrolment__user"
            )
        )
        _check_proposals_still_hold(match_round, proposals)
        pairs = Pair.objects.bulk_create(
            [
                Pair(
                    scheme_id=match_round.scheme_id,
                    mentee_enrolment=proposal.mentee_enrolment,
                    mentor_enrolment=proposal.mentor_enrolment,
                    mentee=proposal.mentee_enrolment.user,
                    mentor=proposal.mentor_enrolment.user,
                    status=Pair.Status.INTRODUCED,
                    match_round=match_round,
                    score=proposal.score,
                    explanation=fit_only(proposal.explanation),
                    created_at=now,
                    status_changed_at=now,
                )
                for proposal in proposals
            ],
            batch_size=500,
        )
        matched = match_round.proposals.exclude(mentor_enrolment=None).values("mentee_enrolment_id")
        Enrolment.objects.filter(pk__in=matched).update(rematch_priority=False)
        MentorChoice.objects.filter(
            mentee_enrolment__in=matched,
            status__in=[MentorChoice.Status.QUEUED, MentorChoice.Status.WAITING],
        ).update(status=MentorChoice.Status.WITHDRAWN, responded_at=now)
        for pair in pairs:
            _introduce(pair)
    match_round.refresh_from_db()
    return pairs


def _check_proposals_still_hold(match_round, proposals):
    problems = []
    already = set(
        Pair.objects.exclude(status=Pair.Status.ENDED)
        .filter(mentee_enrolment__in=match_round.proposals.values("mentee_enrolment_id"))
        .values_list("mentee_enrolment_id", flat=True)
    )
    current = dict(
        Pair.objects.filter(scheme_id=match_round.scheme_id)
        .exclude(status=Pair.Status.ENDED)
        .values_list("mentor_enrolment_id")
        .annotate(count=Count("pk"))
    )
    wanted = {}
    for proposal in proposals:
        mentee, mentor = proposal.mentee_enrolment, proposal.mentor_enrolment
        wanted[mentor.pk] = wanted.get(mentor.pk, 0) + 1
        if proposal.mentee_enrolment_id in already:
            problems.append(f"{mentee.user} has been matched since")
        elif mentee.status != Enrolment.Status.ACTIVE:
            problems.append(f"{mentee.user} is no longer active")
    mentors = {proposal.mentor_enrolment.pk: proposal.mentor_enrolment for proposal in proposals}
    for mentor_id, count in sorted(wanted.items()):
        mentor = mentors[mentor_id]
        if mentor.status != Enrolment.Status.ACTIVE:
            problems.append(f"{mentor.user} is no longer an active mentor")
        elif current.get(mentor_id, 0) + count > mentor.capacity:
            problems.append(f"{mentor.user} no longer has {_plural(count, 'place')}")
    if problems:
        shown = "; ".join(problems[:5]) + ("; and more" if len(problems) > 5 else "")
        raise ValidationError(
            f"Things changed since this round was solved ({shown}). Nothing was approved: "
            "re-solve the round, check it, then approve."
        )


def _introduce(pair):
    for role, recipient in (("mentee", pair.mentee), ("mentor", pair.mentor)):
        notification_queue(
            key=f"match_introduction:pair:{pair.pk}:{role}",
            kind="match_introduction",
            recipient=recipient,
            context={"pair_id": pair.pk},
        )


# --- Re-matching --------------------------------------------------------------------------------


def mentee_rematch_request(*, enrolment):
    """A mentee whose pair ended asks for a new mentor: they wait again, with priority.

    Called by the meetings app when a pair ends and the mentee says yes. The rules keep their
    previous mentors (and anyone from a pair that ended badly) away; the scores put them first.
    Asking twice is harmless.
    """
    if enrolment.role != Enrolment.Role.MENTEE:
        raise ValidationError("Only a mentee can ask for a new mentor.")
    if enrolment.status != Enrolment.Status.ACTIVE:
        raise ValidationError(
            "Your place in this scheme is not active, so no mentor can be found; contact the "
            "scheme's organisers."
        )
    if Pair.objects.filter(mentee_enrolment=enrolment).exclude(status=Pair.Status.ENDED).exists():
        raise ValidationError("You still have a mentor in this scheme: end that pair first.")
    if not enrolment.rematch_priority:
        Enrolment.objects.filter(pk=enrolment.pk).update(
            rematch_priority=True, waiting_since=timezone.now()
        )
        enrolment.refresh_from_db(fields=["rematch_priority", "waiting_since"])
    return enrolment


# --- Mentee choice ------------------------------------------------------------------------------


def _choice_settings(scheme):
    settings = MatchingSettings.for_scheme(scheme)
    if not settings.mentee_choice_enabled:
        raise ValidationError(
            "In this scheme the organisers match mentees with mentors, so there is nothing to "
            "choose. They will email you when you have a mentor."
        )
    return settings


def mentor_choices_set(*, mentee_enrolment, mentor_enrolment_ids):
    """A mentee asks the mentors they picked, in their order: the first now, the next if the
    first says no or does not answer in time."""
    ids = list(mentor_enrolment_ids)
    _choice_settings(mentee_enrolment.scheme)
    if not ids:
        raise ValidationError("Choose at least one mentor: give your first choice the number 1.")
    if len(set(ids)) != len(ids):
        raise ValidationError("Give each mentor you choose a different place in your order.")
    if mentee_enrolment.role != Enrolment.Role.MENTEE:
        raise ValidationError("Only mentees choose mentors.")
    with transaction.atomic():
        Enrolment.objects.select_for_update().filter(pk=mentee_enrolment.pk).first()
        mentee_enrolment.refresh_from_db()
        _mentee_waiting(mentee_enrolment)
        if MentorChoice.objects.filter(
            mentee_enrolment=mentee_enrolment,
            status__in=[MentorChoice.Status.QUEUED, MentorChoice.Status.WAITING],
        ).exists():
            raise ValidationError(
                "You have already asked your chosen mentors. Withdraw those requests first if "
                "you would like to choose again."
            )
        suggestions = {
            suggestion.mentor_enrolment.pk: suggestion
            for suggestion in mentor_suggestions(mentee_enrolment, limit=None)
        }
        gone = [pk for pk in ids if pk not in suggestions]
        if gone:
            raise ValidationError(
                "One of the mentors you chose can no longer take a new mentee. Choose again "
                "from the mentors suggested now."
            )
        now = timezone.now()
        for rank, mentor_id in enumerate(ids, start=1):
            suggestion = suggestions[mentor_id]
            MentorChoice.objects.update_or_create(
                mentee_enrolment=mentee_enrolment,
                mentor_enrolment_id=mentor_id,
                defaults={
                    "rank": rank,
                    "status": MentorChoice.Status.QUEUED,
                    "created_at": now,
                    "offered_at": None,
                    "responded_at": None,
                    "reminded_at": None,
                    "score": suggestion.score,
                    "explanation": suggestion.explanation,
                },
            )
        offered = _offer_next(mentee_enrolment)
    return offered


def _mentee_waiting(mentee_enrolment):
    if mentee_enrolment.status != Enrolment.Status.ACTIVE:
        raise ValidationError("Your place in this scheme is not active, so you cannot choose.")
    if (
        Pair.objects.filter(mentee_enrolment=mentee_enrolment)
        .exclude(status=Pair.Status.ENDED)
        .exists()
    ):
        raise ValidationError("You already have a mentor in this scheme.")
    return True


def _offer_next(mentee_enrolment):
    """Ask the mentee's next queued choice that can still take them; None if none can.

    A queued choice whose mentor has since filled their places, become unavailable or
    otherwise ineligible is withdrawn rather than asked.
    """
    now = timezone.now()
    queued = MentorChoice.objects.filter(
        mentee_enrolment=mentee_enrolment, status=MentorChoice.Status.QUEUED
    ).order_by("rank")
    pool = None
    for choice in queued:
        pool = pool or Pool.load(mentee_enrolment.scheme, [mentee_enrolment])
        if pool.refusal(pool.mentees[0], choice.mentor_enrolment_id) is None:
            updated = MentorChoice.objects.filter(
                pk=choice.pk, status=MentorChoice.Status.QUEUED
            ).update(status=MentorChoice.Status.WAITING, offered_at=now, reminded_at=None)
            if updated == 1:
                choice.refresh_from_db()
                notification_queue(
                    key=f"mentor_request:choice:{choice.pk}:{int(now.timestamp())}",
                    kind="mentor_request",
                    recipient=choice.mentor_enrolment.user,
                    context={"choice_id": choice.pk},
                )
                return choice
        MentorChoice.objects.filter(pk=choice.pk, status=MentorChoice.Status.QUEUED).update(
            status=MentorChoice.Status.WITHDRAWN, responded_at=now
        )
    return None


def mentor_choices_withdraw(*, mentee_enrolment):
    """The mentee takes back their open requests (to choose again, or to wait for a round)."""
    now = timezone.now()
    return MentorChoice.objects.filter(
        mentee_enrolment=mentee_enrolment,
        status__in=[MentorChoice.Status.QUEUED, MentorChoice.Status.WAITING],
    ).update(status=MentorChoice.Status.WITHDRAWN, responded_at=now)


def _claim_answer(choice, status, **extra):
    now = timezone.now()
    updated = MentorChoice.objects.filter(pk=choice.pk, status=MentorChoice.Status.WAITING).update(
        status=status, responded_at=now, **extra
    )
    if updated != 1:
        raise ValidationError(
            "This request is no longer waiting for your answer: it was answered, withdrawn by "
            "the mentee, or timed out."
        )
    choice.refresh_from_db()
    return choice


def mentor_choice_accept(*, choice):
    """The mentor says yes: the pair is created and introduced; the mentee's other requests are
    withdrawn."""
    with transaction.atomic():
        choice = _claim_answer(choice, MentorChoice.Status.ACCEPTED)
        mentee_enrolment = choice.mentee_enrolment
        mentor_enrolment = choice.mentor_enrolment
        if (
            Pair.objects.filter(mentee_enrolment=mentee_enrolment)
            .exclude(status=Pair.Status.ENDED)
            .exists()
        ):
            raise ValidationError(f"{mentee_enrolment.user} already has a mentor now.")
        if mentee_enrolment.status != Enrolment.Status.ACTIVE:
            raise ValidationError(f"{mentee_enrolment.user} has left the scheme.")
        current = (
            Pair.objects.filter(mentor_enrolment=mentor_enrolment)
            .exclude(status=Pair.Status.ENDED)
            .count()
        )
        if current >= mentor_enrolment.capacity:
            raise ValidationError(
                "All your places are taken. Decline this request, or end a pair first."
            )
        now = timezone.now()
        pair = Pair.objects.create(
            scheme_id=mentee_enrolment.scheme_id,
            mentee_enrolment=mentee_enrolment,
            mentor_enrolment=mentor_enrolment,
            mentee=mentee_enrolment.user,
            mentor=mentor_enrolment.user,
            status=Pair.Status.INTRODUCED,
            score=choice.score,
            explanation=choice.explanation,
            created_at=now,
            status_changed_at=now,
        )
        Enrolment.objects.filter(pk=mentee_enrolment.pk).update(rematch_priority=False)
        MentorChoice.objects.filter(
            mentee_enrolment=mentee_enrolment, status=MentorChoice.Status.QUEUED
        ).update(status=MentorChoice.Status.WITHDRAWN, responded_at=now)
        _introduce(pair)
    return pair


def mentor_choice_decline(*, choice):
    """The mentor says no (no reason asked): the mentee's next choice is asked, or the mentee is
    back in the pool. The mentee is told either way."""
    with transaction.atomic():
        choice = _claim_answer(choice, MentorChoice.Status.DECLINED)
        return _move_on(choice)


def mentor_choice_expire(*, choice_id, now=None):
    """No answer in time: like a decline, without blame. Safe to run twice."""
    now = now or timezone.now()
    choice = (
        MentorChoice.objects.select_related("mentee_enrolment__scheme")
        .filter(pk=choice_id, status=MentorChoice.Status.WAITING)
        .first()
    )
    if choice is None or choice.offered_at is None:
        return None
    days = MatchingSettings.for_scheme(choice.mentee_enrolment.scheme).choice_response_days
    if now < choice.answer_due_at(days):
        return None
    with transaction.atomic():
        updated = MentorChoice.objects.filter(
            pk=choice.pk, status=MentorChoice.Status.WAITING, offered_at=choice.offered_at
        ).update(status=MentorChoice.Status.EXPIRED, responded_at=now)
        if updated != 1:
            return None
        choice.refresh_from_db()
        return _move_on(choice)


def _move_on(closed_choice):
    next_choice = _offer_next(closed_choice.mentee_enrolment)
    notification_queue(
        key=f"mentor_choice_update:choice:{closed_choice.pk}:{closed_choice.status}",
        kind="mentor_choice_update",
        recipient=closed_choice.mentee_enrolment.user,
        context={
            "choice_id": closed_choice.pk,
            "next_choice_id": next_choice.pk if next_choice else None,
        },
    )
    return next_choice


def mentor_choice_remind(*, choice_id, now=None):
    """Remind the mentor once that a request waits for their answer. Returns True if queued."""
    now = now or timezone.now()
    claimed = MentorChoice.objects.filter(
        pk=choice_id, status=MentorChoice.Status.WAITING, reminded_at=None
    ).update(reminded_at=now)
    if claimed != 1:
        return False
    choice = MentorChoice.objects.select_related("mentor_enrolment__user").get(pk=choice_id)
    notification_queue(
        key=f"mentor_request_reminder:choice:{choice.pk}:{int(choice.offered_at.timestamp())}",
        kind="mentor_request_reminder",
        recipient=choice.mentor_enrolment.user,
        context={"choice_id": choice.pk},
    )
    return True


def mentor_availability_set(*, enrolment, available):
    """A mentor takes no new mentees for now (or again). Requests already waiting stay theirs
    to answer; they are simply not suggested or matched while unavailable."""
    if enrolment.role != Enrolment.Role.MENTOR:
        raise ValidationError("Only mentors can mark themselves unavailable.")
    Enrolment.objects.filter(pk=enrolment.pk).update(available_for_matching=available)
    enrolment.available_for_matching = available
    return enrolment
