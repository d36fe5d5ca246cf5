"""Use cases that write: matching rounds, mentee choice, re-matching.

Views, tasks and the admin call these; each validates, writes inside one transaction, and
queues its emails with `accounts.services.notification_queue` (sent after commit).
"""

from __future__ import annotations

import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.utils import timezone

from accounts.audit import audit_record
from accounts.queue import enqueue
from accounts.services import notification_queue
from schemes.models import Enrolment, Scheme

from . import engine
from .models import HandPairing, MatchingSettings, MatchRound, MentorChoice, Pair, Proposal
from .rules import MenteeBlock, Pool
from .scoring import explain_pairs, fit_only, score_matrix, weights_for
from .selectors import hand_pairing_option, mentor_suggestions, round_pool_mentees

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)

# A round on fewer mentees than this is solved in the request; a bigger one by a Celery task
# while the organiser watches a progress bar.
SYNC_ROUND_LIMIT = 300
FORBIDDEN_LABEL = "Forbidden by an organiser in this round"
REMOVED_REASON = "Left out of this round by an organiser."
# A claimed round still running this long after its solve started has lost its worker: the
# task's soft time limit (9 minutes) would have marked it failed otherwise.
STUCK_ROUND_AFTER_SECONDS = 30 * 60
# Claims of one solve before it is given up: the first worker's, and one more after it died.
MAX_SOLVE_ATTEMPTS = 2


# --- Rounds --------------------------------------------------------------------------------------


def match_round_start(*, scheme: Scheme, started_by: User) -> MatchRound:
    """Open a round for the scheme and solve it, in the request if small, else in a task."""
    with transaction.atomic():
        Scheme.objects.select_for_update().filter(pk=scheme.pk).first()
        if MatchRound.objects.open().filter(scheme=scheme).exists():
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


def _solve_now_or_later(match_round) -> None:
    from .tasks import match_round_run_task  # tasks import services

    if round_pool_mentees(match_round.scheme).count() < SYNC_ROUND_LIMIT:
        match_round_run(round_id=match_round.pk)
    else:
        # If the broker is down the round waits, unclaimed, for the sweep to enqueue it again.
        transaction.on_commit(lambda: enqueue(match_round_run_task, match_round.pk))
    match_round.refresh_from_db()


def _set_progress(round_id, value, note="") -> None:
    MatchRound.objects.filter(pk=round_id, status=MatchRound.Status.RUNNING).update(
        progress=value, progress_note=note
    )


def match_round_run(*, round_id: int) -> bool:
    """Solve a running round: propose pairs and say why each unmatched mentee is unmatched.

    1. Claim the round (progress 0 -> 1), so a task delivered twice solves it once.
    2. Load the pool: the mentees waiting (less those the organiser removed) and all mentors.
    3. Build the score matrix: every rule and criterion as array operations over a block of
       mentees and all open mentors at once; refused and forbidden pairs are -1.
    4. Solve with the organiser's pins (pins that no longer hold are dropped with a note),
       starting from the round's previous solution when there is one.
    5. Write proposals (with explanations) and the summary, all at once; status "proposed".

    The round page shows each phase as it runs (`progress`, `progress_note`).

    Returns True if this call solved the round. A failure marks the round failed with the error.
    """
    if not _claim(round_id):
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


def _claim(round_id):
    """Step 1: move a running round's progress from 0 to 1, so a task delivered twice solves it
    once. True if this call claimed it."""
    claimed = MatchRound.objects.filter(
        pk=round_id, status=MatchRound.Status.RUNNING, progress=0
    ).update(progress=1, solve_attempts=F("solve_attempts") + 1)
    return claimed == 1


def _solve(match_round) -> None:
    """Steps 2 to 5 of `match_round_run` (the caller has claimed the round), timing each."""
    started = time.perf_counter()
    timings: dict[str, float] = {}
    _set_progress(match_round.pk, 2, "Loading the mentees, the mentors and the scheme's rules")
    waiting, removed, pool = _load_pool(match_round)
    _lap(timings, "load", started)
    weights = weights_for(match_round.scheme)
    forbidden_by_mentee = _forbidden_by_mentee(match_round)
    pinned = dict(match_round.pinned)  # mentee enrolment id -> mentor enrolment id
    matrix = _build_matrix(match_round, pool, weights, forbidden_by_mentee, pinned)
    _lap(timings, "edges", started)
    _set_progress(
        match_round.pk,
        50,
        f"Finding the best assignment among {matrix.allowed:,} allowed pairs",
    )
    assignment, pinnable, notes, solver_state = _solve_with_pins(match_round, pool, matrix, pinned)
    _lap(timings, "solve", started)
    capacities = _capacities(pool)
    previous = _previous_proposals(match_round)
    proposals, counts = _proposals(
        match_round, pool, assignment, matrix, forbidden_by_mentee, pinnable, weights, previous
    )
    proposals += _removed_proposals(match_round, waiting, removed)
    summary = _summary(waiting, pool, assignment, capacities, matrix, counts, notes)
    summary["solver"] = solver_state.pop("figures")
    _set_progress(match_round.pk, 95, "Saving the proposals")
    _write_proposals(
        match_round, proposals, previous, summary, pinnable, timings, started, solver_state
    )


def _lap(timings, phase, started):
    """Record the seconds since the phases timed so far."""
    timings[phase] = time.perf_counter() - started - sum(timings.values())


def _load_pool(match_round):
    """Step 2: the mentees waiting (less those the organiser removed) and all mentors."""
    removed = set(match_round.removed)
    waiting = list(round_pool_mentees(match_round.scheme).select_related("user"))
    pool = Pool.load(
        match_round.scheme, [enrolment for enrolment in waiting if enrolment.pk not in removed]
    )
    return waiting, removed, pool


def _forbidden_by_mentee(match_round):
    forbidden = {tuple(pair) for pair in match_round.forbidden}
    forbidden_by_mentee: dict[int, set[int]] = {}
    for mentee_id, mentor_id in forbidden:
        forbidden_by_mentee.setdefault(mentee_id, set()).add(mentor_id)
    return forbidden_by_mentee


@dataclass
class _Matrix:
    """Every pair's score in hundredths (-1: refused by a rule or forbidden), one row per mentee
    of the pool and one column per open mentor, and what the proposals need to know of it."""

    scores: np.ndarray
    mentee_ids: list
    mentor_ids: np.ndarray
    row_of: dict = field(default_factory=dict)
    column_of: dict = field(default_factory=dict)
    eligible_count: dict = field(default_factory=dict)
    pinnable: set = field(default_factory=set)

    @property
    def allowed(self) -> int:
        return sum(self.eligible_count.values())

    def score(self, mentee_id, mentor_id) -> float:
        return int(self.scores[self.row_of[mentee_id], self.column_of[mentor_id]]) / 100


ROWS_PER_BLOCK = 256  # mentees scored at once: a few MB of temporaries against 4,000 mentors
BLOCKS_PER_PROGRESS = 8
PROGRESS_EVERY_SECONDS = 0.5
SCORING_THREADS = min(os.cpu_count() or 1, 4)


def _build_matrix(match_round, pool, weights, forbidden_by_mentee, pinned):
    """Step 3: every rule and criterion over a block of mentees and all open mentors at once.

    numpy releases the GIL in its array operations, so blocks are scored on a thread per core;
    the progress is written from this thread only (a thread of its own would need its own
    database connection).
    """
    mentors = pool.open_mentors.coded()
    n = len(pool.mentees)
    scores = np.empty((n, len(mentors)), dtype=np.int32)

    def score_block(start):
        rows = slice(start, start + ROWS_PER_BLOCK)
        mentees = MenteeBlock(pool.mentees[rows], mentors.vocabulary)
        allowed = pool.allowed(mentees, mentors)
        scores[rows] = np.where(allowed, score_matrix(mentees, mentors, weights), -1)

    starts = list(range(0, n, ROWS_PER_BLOCK))
    with ThreadPoolExecutor(max_workers=SCORING_THREADS) as threads:
        for first in range(0, len(starts), BLOCKS_PER_PROGRESS):
            list(threads.map(score_block, starts[first : first + BLOCKS_PER_PROGRESS]))
            done = min((first + BLOCKS_PER_PROGRESS) * ROWS_PER_BLOCK, n)
            _set_progress(
                match_round.pk,
                5 + 45 * done // max(n, 1),
                f"Applying the rules and scoring every pair: {done:,} of {n:,} mentees",
            )
    mentee_ids = [mentee.pk for mentee in pool.mentees]
    row_of = {mentee_id: row for row, mentee_id in enumerate(mentee_ids)}
    column_of = {int(mentor_id): column for column, mentor_id in enumerate(mentors.enrolment_id)}
    for mentee_id, mentor_ids in forbidden_by_mentee.items():
        columns = [column_of[mentor_id] for mentor_id in mentor_ids if mentor_id in column_of]
        if mentee_id in row_of and columns:
            scores[row_of[mentee_id], columns] = -1
    matrix = _Matrix(scores, mentee_ids, mentors.enrolment_id, row_of, column_of)
    matrix.eligible_count = dict(
        zip(mentee_ids, np.count_nonzero(scores >= 0, axis=1).tolist(), strict=True)
    )
    matrix.pinnable = {
        (mentee_id, mentor_id)
        for mentee_id, mentor_id in pinned.items()
        if mentee_id in row_of
        and mentor_id in column_of
        and scores[row_of[mentee_id], column_of[mentor_id]] >= 0
    }
    return matrix


def _capacities(pool):
    return {
        int(mentor_id): int(places)
        for mentor_id, places in zip(
            pool.open_mentors.enrolment_id, pool.open_mentors.places_left, strict=True
        )
    }


def _solve_with_pins(match_round, pool, matrix, pinned):
    """Step 4: solve with the organiser's pins; pins that no longer hold are dropped with a note.

    Starts from the round's previous solution, if any (an organiser's change re-solves in a
    fraction of the first solve). Returns the assignment (mentee enrolment id -> mentor
    enrolment id), the pins kept, the notes and the solver's state to keep for the next solve.
    """
    pinnable = matrix.pinnable
    notes = [
        f"The pin of {_name(pool, mentee_id)} could not be kept: that pair is no longer allowed."
        for mentee_id, mentor_id in sorted(pinned.items())
        if (mentee_id, mentor_id) not in pinnable
    ]
    row_of, column_of = matrix.row_of, matrix.column_of
    capacities = pool.open_mentors.places_left
    warm = _warm_start(match_round, matrix, row_of, column_of)

    last_said = [time.perf_counter()]

    def checked(passes):
        # A long proof says how far it is; a short one is not slowed by a write per check.
        if time.perf_counter() - last_said[0] < PROGRESS_EVERY_SECONDS:
            return
        last_said[0] = time.perf_counter()
        _set_progress(
            match_round.pk,
            min(50 + 5 * passes, 80),
            f"Finding the best assignment among {matrix.allowed:,} allowed pairs: proof of "
            f"optimality, check {passes}",
        )

    def solve(pins):
        return engine.solve_scores(
            matrix.scores,
            capacities,
            pinned=[(row_of[mentee], column_of[mentor]) for mentee, mentor in pins],
            warm=warm,
            progress=checked,
        )

    started = time.perf_counter()
    try:
        solution = solve(pinnable)
    except ValueError:
        notes.append(
            "The pins could not all be kept (more mentees are pinned to a mentor than they "
            "have places); solved without them."
        )
        pinnable = set()
        solution = solve(pinnable)
    matched = np.flatnonzero(solution.mentor_of >= 0)
    assignment = {
        matrix.mentee_ids[row]: int(matrix.mentor_ids[solution.mentor_of[row]]) for row in matched
    }
    state = {
        "big": solution.big,
        "mentor_ids": matrix.mentor_ids.tolist(),
        "prices": solution.prices.tolist(),
        "figures": {
            "seconds": round(time.perf_counter() - started, 3),
            "warm_start": warm is not None,
            "passes": solution.passes,
            "candidate_pairs": solution.candidates,
            "allowed_pairs": solution.allowed,
        },
    }
    return assignment, pinnable, notes, state


def _warm_start(match_round, matrix, row_of, column_of):
    """The round's previous solution, aligned to this matrix; None on the first solve."""
    state = match_round.solver_state
    if not state:
        return None
    prices = np.zeros(len(matrix.mentor_ids), dtype=np.int64)
    for mentor_id, price in zip(state["mentor_ids"], state["prices"], strict=True):
        if mentor_id in column_of:
            prices[column_of[mentor_id]] = price
    mentor_of = np.full(len(matrix.mentee_ids), -1, dtype=np.int64)
    previous = match_round.proposals.exclude(mentor_enrolment=None).values_list(
        "mentee_enrolment_id", "mentor_enrolment_id"
    )
    for mentee_id, mentor_id in previous:
        if mentee_id in row_of and mentor_id in column_of:
            mentor_of[row_of[mentee_id]] = column_of[mentor_id]
    return engine.WarmStart(mentor_of=mentor_of, prices=prices, big=state["big"])


@dataclass(frozen=True)
class _Previous:
    """A proposal of the round's last solve, as far as telling whether it still stands."""

    id: int
    mentor_id: int | None
    score: float
    is_pinned: bool
    unmatched_reason: str
    excluded_by: dict


def _previous_proposals(match_round):
    """{mentee enrolment id: _Previous}: after an organiser's change most proposals stand, and
    are neither explained nor written again."""
    rows = match_round.proposals.values_list(
        "id",
        "mentee_enrolment_id",
        "mentor_enrolment_id",
        "score",
        "is_pinned",
        "unmatched_reason",
        "excluded_by",
    )
    return {mentee_id: _Previous(id_, *rest) for id_, mentee_id, *rest in rows}


def _stands(previous, proposal):
    """Whether the last solve's proposal says what `proposal` says (explanation aside: the same
    pair with the same score has the same explanation)."""
    return previous is not None and (
        previous.mentor_id,
        previous.score,
        previous.is_pinned,
        previous.unmatched_reason,
        previous.excluded_by,
    ) == (
        proposal.mentor_enrolment_id,
        proposal.score,
        proposal.is_pinned,
        proposal.unmatched_reason,
        proposal.excluded_by,
    )


def _proposals(  # noqa: PLR0913 — the solve's results, each needed here
    match_round, pool, assignment, matrix, forbidden_by_mentee, pinnable, weights, previous
):
    """Step 5a: a proposal for each mentee in the pool, matched or saying why not.

    A matched mentee whose pair, score and pin are what the last solve proposed keeps that
    proposal's explanation (it would be written the same). Returns the proposals and how many
    were unmatched for want of an eligible mentor and of a place.
    """
    proposals, counts = [], {"no_eligible": 0, "used_up": 0}
    scored = {
        mentee_id: matrix.score(mentee_id, mentor_id) for mentee_id, mentor_id in assignment.items()
    }
    to_explain = [
        mentee
        for mentee in pool.mentees
        if mentee.pk in assignment
        and not _stands(
            previous.get(mentee.pk),
            Proposal(
                mentor_enrolment_id=assignment[mentee.pk],
                score=scored[mentee.pk],
                is_pinned=(mentee.pk, assignment[mentee.pk]) in pinnable,
            ),
        )
    ]
    explained = _explanations(match_round, pool, to_explain, assignment, weights)
    without_mentor = [
        mentee
        for mentee in pool.mentees
        if mentee.pk not in assignment and matrix.eligible_count[mentee.pk] == 0
    ]
    excluded_by = dict(
        zip(
            [mentee.pk for mentee in without_mentor],
            pool.exclusion_counts_of(without_mentor),
            strict=True,
        )
    )
    for mentee in pool.mentees:
        mentor_id = assignment.get(mentee.pk)
        eligible_count = matrix.eligible_count[mentee.pk]
        if mentor_id is not None:
            score, explanation = explained.get(mentee.pk, (scored[mentee.pk], []))
            proposal = Proposal(
                match_round=match_round,
                mentee_enrolment_id=mentee.pk,
                mentor_enrolment_id=mentor_id,
                score=score,
                explanation=explanation,
                is_pinned=(mentee.pk, mentor_id) in pinnable,
            )
        elif eligible_count == 0:
            counts["no_eligible"] += 1
            proposal = _no_eligible_proposal(
                match_round,
                pool,
                mentee,
                excluded_by[mentee.pk],
                forbidden_by_mentee.get(mentee.pk, set()),
            )
        else:
            counts["used_up"] += 1
            proposal = _used_up_proposal(match_round, mentee, eligible_count)
        proposals.append(proposal)
    return proposals, counts


EXPLAINED_AT_ONCE = 1000


def _explanations(match_round, pool, matched, assignment, weights):
    """{mentee enrolment id: (score, explanation)} for the `matched` mentees, in chunks."""
    explained = {}
    for start in range(0, len(matched), EXPLAINED_AT_ONCE):
        _set_progress(
            match_round.pk,
            85 + 10 * start // len(matched),
            f"Explaining each proposal: {start:,} of {len(matched):,} pairs",
        )
        mentees = matched[start : start + EXPLAINED_AT_ONCE]
        mentors = pool.mentors.take(
            [pool.mentors.index_of[assignment[mentee.pk]] for mentee in mentees]
        )
        for mentee, result in zip(mentees, explain_pairs(mentees, mentors, weights), strict=True):
            explained[mentee.pk] = result
    return explained


def _no_eligible_proposal(match_round, pool, mentee, excluded_by, refused_here):
    if refused_here:
        still_allowed = set(pool.mentors.enrolment_id[pool.eligible_indices(mentee)])
        if forbidden_count := len(refused_here & still_allowed):
            excluded_by[FORBIDDEN_LABEL] = forbidden_count
    return Proposal(
        match_round=match_round,
        mentee_enrolment_id=mentee.pk,
        unmatched_reason="No eligible mentor.",
        excluded_by=excluded_by,
    )


def _used_up_proposal(match_round, mentee, count):
    return Proposal(
        match_round=match_round,
        mentee_enrolment_id=mentee.pk,
        unmatched_reason=(
            f"Capacity used up: the {_plural(count, 'mentor')} who could mentor them "
            f"{'has' if count == 1 else 'have'} no place left after this round."
        ),
    )


def _removed_proposals(match_round, waiting, removed):
    """Step 5b: the mentees the organiser left out of the round, in the order they wait."""
    return [
        Proposal(
            match_round=match_round,
            mentee_enrolment_id=enrolment.pk,
            unmatched_reason=REMOVED_REASON,
        )
        for enrolment in waiting
        if enrolment.pk in removed
    ]


def _summary(waiting, pool, assignment, capacities, matrix, counts, notes):
    """Step 5c: the round's figures, as the round page shows them."""
    assigned: dict[int, int] = {}
    for mentor_id in assignment.values():
        assigned[mentor_id] = assigned.get(mentor_id, 0) + 1
    return {
        "mentees": len(waiting),
        "matched": len(assignment),
        "unmatched": len(pool.mentees) - len(assignment),
        "no_eligible_mentor": counts["no_eligible"],
        "capacity_used_up": counts["used_up"],
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
        "total_score": round(
            sum(matrix.score(mentee_id, mentor_id) for mentee_id, mentor_id in assignment.items()),
            2,
        ),
        "edges": matrix.allowed,
        "notes": notes,
    }


def _write_proposals(  # noqa: PLR0913
    match_round, proposals, previous, summary, pinnable, timings, started, solver_state
):
    """Step 5d: write proposals and summary at once, status "proposed" (unless discarded).

    Only what changed since the last solve is written: the proposals that no longer stand are
    replaced, the others stay as they are.
    """
    with transaction.atomic():
        still_running = (
            MatchRound.objects.select_for_update()
            .filter(pk=match_round.pk, status=MatchRound.Status.RUNNING)
            .exists()
        )
        if not still_running:  # discarded while it was being solved
            return
        changed = [p for p in proposals if not _stands(previous.get(p.mentee_enrolment_id), p)]
        kept = {p.mentee_enrolment_id for p in proposals} - {p.mentee_enrolment_id for p in changed}
        gone = [old.id for mentee_id, old in previous.items() if mentee_id not in kept]
        for chunk in range(0, len(gone), 500):  # SQLite takes at most 999 parameters
            Proposal.objects.filter(pk__in=gone[chunk : chunk + 500]).delete()
        Proposal.objects.bulk_create(changed, batch_size=500)
        summary["proposals_written"] = len(changed)
        summary["seconds"] = round(time.perf_counter() - started, 2)
        timings["write"] = summary["seconds"] - sum(timings.values())
        summary["timings"] = {phase: round(seconds, 2) for phase, seconds in timings.items()}
        MatchRound.objects.filter(pk=match_round.pk).update(
            status=MatchRound.Status.PROPOSED,
            progress=100,
            summary=summary,
            pinned=[list(pair) for pair in sorted(pinnable)],
            solver_state=solver_state,
            progress_note="",
            finished_at=timezone.now(),
            error="",
        )


def _name(pool, mentee_enrolment_id):
    for mentee in pool.mentees:
        if mentee.pk == mentee_enrolment_id:
            return str(mentee.enrolment.user)
    return "a mentee who is no longer waiting"


def _plural(count: int, word: str) -> str:
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
        solve_attempts=0,
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


def match_round_pin(
    *, match_round: MatchRound, mentee_enrolment_id: int, pin: bool = True
) -> MatchRound:
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


def match_round_forbid(
    *,
    match_round: MatchRound,
    mentee_enrolment_id: int,
    mentor_enrolment_id: int,
    forbid: bool = True,
) -> MatchRound:
    """Never propose this pair in this round (or allow it again), then re-solve."""
    pair = [mentee_enrolment_id, mentor_enrolment_id]
    forbidden = [item for item in match_round.forbidden if item != pair]
    if forbid:
        forbidden.append(pair)
    pinned = [item for item in match_round.pinned if item != pair]
    return _resolve(match_round, forbidden=forbidden, pinned=pinned)


def match_round_remove(
    *, match_round: MatchRound, mentee_enrolment_id: int, remove: bool = True
) -> MatchRound:
    """Leave a mentee out of this round (they keep waiting for the next), or put them back."""
    _proposal(match_round, mentee_enrolment_id)
    removed = [pk for pk in match_round.removed if pk != mentee_enrolment_id]
    if remove:
        removed.append(mentee_enrolment_id)
    pinned = [pair for pair in match_round.pinned if pair[0] != mentee_enrolment_id]
    return _resolve(match_round, removed=removed, pinned=pinned)


def match_round_swap(
    *, match_round: MatchRound, first_mentee_id: int, second_mentee_id: int
) -> MatchRound:
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


def match_round_discard(*, match_round: MatchRound) -> MatchRound:
    updated = MatchRound.objects.filter(
        pk=match_round.pk, status__in=[*MatchRound.OPEN_STATUSES, MatchRound.Status.FAILED]
    ).update(status=MatchRound.Status.DISCARDED, finished_at=timezone.now())
    if updated != 1:
        raise ValidationError("This round was already approved or discarded.")
    match_round.refresh_from_db()
    return match_round


def match_rounds_recover_stuck(*, now: datetime | None = None) -> dict[str, int]:
    """Rounds a worker claimed long ago and never finished: that worker died (a lost machine, a
    killed process), and the broker keeps its message out of sight for an hour.

    Each is handed to another worker: back to unclaimed and enqueued after commit (if the broker
    is down, the sweep's `rounds_to_enqueue` finds it later). A round that has already stopped
    `MAX_SOLVE_ATTEMPTS` times is marked failed instead, so a round that kills its worker is not
    solved for ever.
    """
    from .tasks import match_round_run_task  # tasks import services

    now = now or timezone.now()
    stuck = MatchRound.objects.filter(
        status=MatchRound.Status.RUNNING,
        progress__gt=0,
        solve_started_at__lt=now - timedelta(seconds=STUCK_ROUND_AFTER_SECONDS),
    )
    retried = 0
    again = stuck.filter(solve_attempts__lt=MAX_SOLVE_ATTEMPTS).values_list("pk", flat=True)
    for round_id in list(again):
        updated = stuck.filter(pk=round_id, solve_attempts__lt=MAX_SOLVE_ATTEMPTS).update(
            progress=0,
            progress_note="The worker solving this round stopped; another is solving it again",
            solve_started_at=now,
        )
        if updated:
            retried += 1
            transaction.on_commit(partial(enqueue, match_round_run_task, round_id))
    failed = stuck.filter(solve_attempts__gte=MAX_SOLVE_ATTEMPTS).update(
        status=MatchRound.Status.FAILED,
        error="The round stopped twice while being solved; discard it and start another.",
        finished_at=now,
    )
    return {"retried": retried, "failed": failed}


def match_round_approve(*, match_round: MatchRound, approved_by: User) -> list[Pair]:
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
                    mentor=proposal.mentor_enrolment.user,  # type: ignore[union-attr]  # matched only
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
        MentorChoice.objects.open().filter(mentee_enrolment__in=matched).update(
            status=MentorChoice.Status.WITHDRAWN, responded_at=now
        )
        for pair in pairs:
            _introduce(pair)
    match_round.refresh_from_db()
    return pairs


def _check_proposals_still_hold(match_round, proposals):
    problems = []
    already = set(
        Pair.objects.current()
        .filter(mentee_enrolment__in=match_round.proposals.values("mentee_enrolment_id"))
        .values_list("mentee_enrolment_id", flat=True)
    )
    current = dict(
        Pair.objects.current()
        .filter(scheme_id=match_round.scheme_id)
        .values_list("mentor_enrolment_id")
        .annotate(count=Count("pk"))
    )
    wanted: dict[int, int] = {}
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


def _introduce(pair) -> None:
    for role, recipient in (("mentee", pair.mentee), ("mentor", pair.mentor)):
        notification_queue(
            key=f"match_introduction:pair:{pair.pk}:{role}",
            kind="match_introduction",
            recipient=recipient,
            context={"pair_id": pair.pk},
        )


# --- Pairing by hand ----------------------------------------------------------------------------

REASON_MIN_LENGTH = 10


def pair_create_by_hand(
    *,
    scheme: Scheme,
    mentee_enrolment: Enrolment,
    mentor_enrolment: Enrolment,
    created_by: User,
    override_reason: str = "",
    capacity_reason: str = "",
) -> Pair:
    """An organiser pairs a waiting mentee with a mentor they chose, and both are introduced.

    1. Lock both enrolments, so a round's approval or a second organiser cannot pair the mentee
       at the same moment; the mentee must still be waiting.
    2. Ask every hard rule. A rule no reason overrides (the mentee's own supervisor, an excluded
       person, a pair that ended badly...) refuses the pair; any other refusing rule needs an
       override reason, and a mentor without a free place needs a reason to take one more.
    3. Create the pair, record who paired them and the reasons, audit it, and introduce the two
       exactly as an approved round does (emails sent after commit).
    """
    override_reason = (override_reason or "").strip()
    capacity_reason = (capacity_reason or "").strip()
    with transaction.atomic():
        locked = Enrolment.objects.select_for_update().filter(
            pk__in=[mentee_enrolment.pk, mentor_enrolment.pk]
        )
        list(locked.order_by("pk"))
        mentee_enrolment.refresh_from_db()
        mentor_enrolment.refresh_from_db()
        _check_hand_pairing_people(scheme, mentee_enrolment, mentor_enrolment)
        option = hand_pairing_option(scheme, mentee_enrolment, mentor_enrolment.pk)
        if option is None:
            raise ValidationError(f"{mentor_enrolment.user} is not a mentor in {scheme} any more.")
        _check_hand_pairing_reasons(option, override_reason, capacity_reason)
        pair = _hand_pair_write(scheme, option, mentee_enrolment, created_by)
        HandPairing.objects.create(
            pair=pair,
            created_by=created_by,
            created_at=pair.created_at,
            overridden_rules=[rule.code for rule in option.overridable],
            override_reason=override_reason if option.overridable else "",
            capacity_raised=option.is_full,
            capacity_reason=capacity_reason if option.is_full else "",
        )
        audit_record(
            actor=created_by,
            action="pair_created_by_hand",
            target=f"pair:{pair.pk}",
            details={
                "scheme_id": scheme.pk,
                "mentee_enrolment_id": mentee_enrolment.pk,
                "mentor_enrolment_id": mentor_enrolment.pk,
                "overridden_rules": [rule.code for rule in option.overridable],
                "capacity_raised": option.is_full,
            },
        )
        _introduce(pair)
    return pair


def _check_hand_pairing_people(scheme, mentee_enrolment, mentor_enrolment):
    if mentee_enrolment.scheme_id != scheme.pk or mentee_enrolment.role != Enrolment.Role.MENTEE:
        raise ValidationError(f"{mentee_enrolment.user} is not a mentee in {scheme}.")
    if mentor_enrolment.scheme_id != scheme.pk or mentor_enrolment.role != Enrolment.Role.MENTOR:
        raise ValidationError(f"{mentor_enrolment.user} is not a mentor in {scheme}.")
    if _current_pair_exists(mentee_enrolment):
        raise ValidationError(
            f"{mentee_enrolment.user} already has a mentor in this scheme: nothing was changed."
        )


def _current_pair_exists(mentee_enrolment):
    return Pair.objects.current().filter(mentee_enrolment=mentee_enrolment).exists()


def _check_hand_pairing_reasons(option, override_reason, capacity_reason):
    mentor = option.mentor_enrolment.user
    if option.never_allowed:
        raise ValidationError(
            f"{mentor} can never be paired with this mentee: "
            f"{option.never_allowed[0].label.lower()}."
        )
    if option.overridable and len(override_reason) < REASON_MIN_LENGTH:
        raise ValidationError(
            f"A rule refuses this pair ({option.overridable[0].label.lower()}): say why you are "
            f"overriding it, in at least {REASON_MIN_LENGTH} characters."
        )
    if option.is_full and len(capacity_reason) < REASON_MIN_LENGTH:
        raise ValidationError(
            f"{mentor} has no place left: say why they should take one more mentee, in at least "
            f"{REASON_MIN_LENGTH} characters."
        )


def _hand_pair_write(scheme, option, mentee_enrolment, created_by):
    mentor_enrolment = option.mentor_enrolment
    now = timezone.now()
    try:
        with transaction.atomic():
            pair = Pair.objects.create(
                scheme=scheme,
                mentee_enrolment=mentee_enrolment,
                mentor_enrolment=mentor_enrolment,
                mentee=mentee_enrolment.user,
                mentor=mentor_enrolment.user,
                status=Pair.Status.INTRODUCED,
                score=option.score,
                explanation=option.explanation,
                created_at=now,
                status_changed_at=now,
            )
    except IntegrityError as error:  # paired a moment ago by someone else
        raise ValidationError(
            f"{mentee_enrolment.user} already has a mentor in this scheme: nothing was changed."
        ) from error
    Enrolment.objects.filter(pk=mentee_enrolment.pk).update(rematch_priority=False)
    MentorChoice.objects.open().filter(mentee_enrolment=mentee_enrolment).update(
        status=MentorChoice.Status.WITHDRAWN, responded_at=now
    )
    return pair


# --- Re-matching --------------------------------------------------------------------------------


def mentee_rematch_request(*, enrolment: Enrolment) -> Enrolment:
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
    if Pair.objects.current().filter(mentee_enrolment=enrolment).exists():
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


def mentor_choices_set(
    *, mentee_enrolment: Enrolment, mentor_enrolment_ids: list[int]
) -> MentorChoice | None:
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
        if MentorChoice.objects.open().filter(mentee_enrolment=mentee_enrolment).exists():
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


def _mentee_waiting(mentee_enrolment) -> bool:
    if mentee_enrolment.status != Enrolment.Status.ACTIVE:
        raise ValidationError("Your place in this scheme is not active, so you cannot choose.")
    if Pair.objects.current().filter(mentee_enrolment=mentee_enrolment).exists():
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


def mentor_choices_withdraw(*, mentee_enrolment: Enrolment) -> int:
    """The mentee takes back their open requests (to choose again, or to wait for a round)."""
    now = timezone.now()
    return (
        MentorChoice.objects.open()
        .filter(mentee_enrolment=mentee_enrolment)
        .update(status=MentorChoice.Status.WITHDRAWN, responded_at=now)
    )


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


def mentor_choice_accept(*, choice: MentorChoice) -> Pair:
    """The mentor says yes: the pair is created and introduced; the mentee's other requests are
    withdrawn."""
    with transaction.atomic():
        choice = _claim_answer(choice, MentorChoice.Status.ACCEPTED)
        mentee_enrolment = choice.mentee_enrolment
        mentor_enrolment = choice.mentor_enrolment
        if Pair.objects.current().filter(mentee_enrolment=mentee_enrolment).exists():
            raise ValidationError(f"{mentee_enrolment.user} already has a mentor now.")
        if mentee_enrolment.status != Enrolment.Status.ACTIVE:
            raise ValidationError(f"{mentee_enrolment.user} has left the scheme.")
        current = Pair.objects.current().filter(mentor_enrolment=mentor_enrolment).count()
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


def mentor_choice_decline(*, choice: MentorChoice) -> MentorChoice | None:
    """The mentor says no (no reason asked): the mentee's next choice is asked, or the mentee is
    back in the pool. The mentee is told either way."""
    with transaction.atomic():
        choice = _claim_answer(choice, MentorChoice.Status.DECLINED)
        return _move_on(choice)


def mentor_choice_expire(*, choice_id: int, now: datetime | None = None) -> MentorChoice | None:
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


def mentor_choice_remind(*, choice_id: int, now: datetime | None = None) -> bool:
    """Remind the mentor once that a request waits for their answer. Returns True if queued."""
    now = now or timezone.now()
    claimed = MentorChoice.objects.filter(
        pk=choice_id, status=MentorChoice.Status.WAITING, reminded_at=None
    ).update(reminded_at=now)
    if claimed != 1:
        return False
    choice = MentorChoice.objects.select_related("mentor_enrolment__user").get(pk=choice_id)
    notification_queue(
        # A waiting request always has its offered_at.
        key=f"mentor_request_reminder:choice:{choice.pk}:{int(choice.offered_at.timestamp())}",  # type: ignore[union-attr]
        kind="mentor_request_reminder",
        recipient=choice.mentor_enrolment.user,
        context={"choice_id": choice.pk},
    )
    return True


def mentor_availability_set(*, enrolment: Enrolment, available: bool) -> Enrolment:
    """A mentor takes no new mentees for now (or again). Requests already waiting stay theirs
    to answer; they are simply not suggested or matched while unavailable."""
    if enrolment.role != Enrolment.Role.MENTOR:
        raise ValidationError("Only mentors can mark themselves unavailable.")
    Enrolment.objects.filter(pk=enrolment.pk).update(available_for_matching=available)
    enrolment.available_for_matching = available
    return enrolment
