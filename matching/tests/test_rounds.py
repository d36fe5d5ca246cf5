"""Organiser-run rounds: propose, explain, pin/forbid/swap/remove, re-solve, approve."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from accounts.models import Notification
from matching import services
from matching.models import MatchingSettings, MatchRound, MentorChoice, Pair
from matching.tests.factories import PairFactory
from schemes.models import Enrolment


def proposals_of(match_round):
    return {
        proposal.mentee_enrolment_id: proposal.mentor_enrolment_id
        for proposal in match_round.proposals.all()
    }


def start(scheme, organiser):
    return services.match_round_start(scheme=scheme, started_by=organiser)


def test_a_round_proposes_a_mentor_for_every_mentee_it_can_with_the_explanation(
    scheme, organiser, make_mentee, make_mentor
):
    mentees = [make_mentee(scheme) for _ in range(3)]
    mentor = make_mentor(scheme, capacity=2)
    other_mentor = make_mentor(scheme, capacity=1)

    match_round = start(scheme, organiser)

    assert match_round.status == MatchRound.Status.PROPOSED
    assert match_round.progress == 100
    assert sorted(proposals_of(match_round).values()) == sorted(
        [mentor.pk, mentor.pk, other_mentor.pk]
    )
    proposal = match_round.proposals.first()
    assert proposal.score > 0
    assert [
        "Distance in training",
        3.0,
        "2 years ahead in training: the ideal distance for a peer",
    ] in (proposal.explanation)
    assert match_round.summary["matched"] == 3 and match_round.summary["mentees"] == 3
    assert not Pair.objects.exists(), "nothing is matched before the organiser approves"
    assert {m.pk for m in mentees} == set(proposals_of(match_round))


def test_matching_as_many_mentees_as_possible_comes_before_the_best_fit(
    scheme, organiser, make_mentee, make_mentor
):
    # Ann fits Xavier best, but Ben can only have Xavier: both are matched, Ann with Yolanda.
    MatchingSettings.objects.create(scheme=scheme, weight_specialty=10)
    xavier = make_mentor(scheme, years=5, capacity=1, user={"specialty": "Surgery"})
    yolanda = make_mentor(scheme, years=3, capacity=1, user={"specialty": "Medicine"})
    ann = make_mentee(
        scheme, years=1, user={"specialty": "Surgery"}, mentor_specialty_preference="same"
    )
    ben = make_mentee(scheme, years=3.5)

    match_round = start(scheme, organiser)

    assert proposals_of(match_round) == {ann.pk: yolanda.pk, ben.pk: xavier.pk}


def test_an_unmatched_mentee_carries_the_reason_and_the_rules_that_excluded_mentors(
    scheme, organiser, make_mentee, make_mentor
):
    stuck = make_mentee(scheme, years=6)
    make_mentor(scheme, years=3)
    make_mentor(scheme, years=7, available_for_matching=False)

    match_round = start(scheme, organiser)

    proposal = match_round.proposals.get(mentee_enrolment=stuck)
    assert proposal.mentor_enrolment is None
    assert proposal.unmatched_reason == "No eligible mentor."
    assert proposal.excluded_by == {
        "Marked themselves unavailable": 1,
        "Not far enough ahead of the mentee in training": 1,
    }
    assert match_round.summary["no_eligible_mentor"] == 1


def test_a_mentee_left_over_when_places_run_out_is_told_capacity_is_used_up(
    scheme, organiser, make_mentee, make_mentor
):
    make_mentor(scheme, capacity=1)
    make_mentee(scheme)
    make_mentee(scheme)

    match_round = start(scheme, organiser)

    unmatched = match_round.proposals.get(mentor_enrolment=None)
    assert unmatched.unmatched_reason == (
        "Capacity used up: the 1 mentor who could mentor them has no place left after this round."
    )
    assert match_round.summary["capacity_used_up"] == 1
    assert match_round.summary["load"] and match_round.summary["mentors_full"] == 1


def test_mentees_who_have_a_mentor_or_a_waiting_request_are_not_in_the_round(
    scheme, organiser, make_mentee, make_mentor
):
    mentor = make_mentor(scheme, capacity=3)
    paired = make_mentee(scheme)
    PairFactory(scheme=scheme, mentee_enrolment=paired, mentor_enrolment=mentor)
    asking = make_mentee(scheme)
    MentorChoice.objects.create(mentee_enrolment=asking, mentor_enrolment=mentor, status="waiting")
    waiting = make_mentee(scheme)

    match_round = start(scheme, organiser)

    assert proposals_of(match_round) == {waiting.pk: mentor.pk}
    assert match_round.summary["load"][str(mentor.pk)] == [1, 1], "a pair and a request hold places"


def test_a_rematch_goes_first_and_never_back_to_the_previous_mentor(
    scheme, organiser, make_mentee, make_mentor
):
    previous = make_mentor(scheme, years=3, capacity=2)
    only_place = make_mentor(scheme, years=3, capacity=1)
    returning = make_mentee(scheme, years=1)
    PairFactory(
        scheme=scheme, mentee_enrolment=returning, mentor_enrolment=previous, status="ended"
    )
    Enrolment.objects.filter(pk=previous.pk).update(capacity=0)  # previous mentor is full now
    newcomer = make_mentee(scheme, years=1, user={"specialty": "Surgery"})
    services.mentee_rematch_request(enrolment=returning)

    match_round = start(scheme, organiser)

    assert proposals_of(match_round) == {returning.pk: only_place.pk, newcomer.pk: None}


def test_pinned_pairs_are_kept_when_the_round_is_re_solved(
    scheme, organiser, make_mentee, make_mentor
):
    mentee = make_mentee(scheme, years=1)
    best = make_mentor(scheme, years=2, capacity=1)
    worse = make_mentor(scheme, years=8, capacity=1)
    match_round = start(scheme, organiser)
    assert proposals_of(match_round)[mentee.pk] == best.pk

    services.match_round_forbid(
        match_round=match_round, mentee_enrolment_id=mentee.pk, mentor_enrolment_id=best.pk
    )
    assert proposals_of(match_round)[mentee.pk] == worse.pk
    services.match_round_pin(match_round=match_round, mentee_enrolment_id=mentee.pk)
    services.match_round_forbid(
        match_round=match_round,
        mentee_enrolment_id=mentee.pk,
        mentor_enrolment_id=best.pk,
        forbid=False,
    )

    match_round.refresh_from_db()
    assert proposals_of(match_round)[mentee.pk] == worse.pk, "the pin beats the better fit"
    assert match_round.proposals.get(mentee_enrolment=mentee).is_pinned
    assert match_round.pinned == [[mentee.pk, worse.pk]]


def test_a_re_solve_starts_from_the_last_solution_and_rewrites_only_what_changed(
    scheme, organiser, make_mentee, make_mentor
):
    mentees = [make_mentee(scheme, years=1) for _ in range(6)]
    mentors = [make_mentor(scheme, years=2 + number, capacity=2) for number in range(3)]
    match_round = start(scheme, organiser)
    first = {p.mentee_enrolment_id: p for p in match_round.proposals.all()}
    assert not match_round.summary["solver"]["warm_start"]
    moved = mentees[0]
    was_with = first[moved.pk].mentor_enrolment_id

    services.match_round_forbid(
        match_round=match_round, mentee_enrolment_id=moved.pk, mentor_enrolment_id=was_with
    )

    match_round.refresh_from_db()
    after = {p.mentee_enrolment_id: p for p in match_round.proposals.all()}
    assert match_round.summary["solver"]["warm_start"]
    assert after[moved.pk].mentor_enrolment_id not in (None, was_with)
    # The moved mentee's proposal is new and explained; a mentee whose pair stands keeps its row.
    assert after[moved.pk].pk != first[moved.pk].pk
    assert sum(points for _, points, _ in after[moved.pk].explanation) == pytest.approx(
        after[moved.pk].score
    )
    standing = [
        mentee_id
        for mentee_id, proposal in after.items()
        if proposal.mentor_enrolment_id == first[mentee_id].mentor_enrolment_id
    ]
    assert standing and all(after[m].pk == first[m].pk for m in standing)
    assert match_round.summary["proposals_written"] == len(after) - len(standing)
    assert match_round.summary["total_score"] == pytest.approx(
        sum(proposal.score for proposal in after.values())
    )
    assert {p.mentor_enrolment_id for p in after.values()} <= {m.pk for m in mentors}


def test_each_mentee_without_a_mentor_gets_the_rules_that_refused_them(
    scheme, organiser, make_mentee, make_mentor
):
    scheme.asks_mentor_gender_preference = True
    scheme.save()
    mentor = make_mentor(scheme, years=3, user={"gender": "man"})
    wants_a_woman = make_mentee(scheme, years=1, mentor_gender_preference="woman")
    supervised = make_mentee(scheme, years=1, educational_supervisor_email=mentor.user.email)
    too_senior = make_mentee(scheme, years=5)

    match_round = start(scheme, organiser)

    excluded_by = {p.mentee_enrolment_id: p.excluded_by for p in match_round.proposals.all()}
    assert excluded_by[wants_a_woman.pk] == {"Not the gender the mentee asked for": 1}
    assert excluded_by[supervised.pk] == {"The mentee's educational or clinical supervisor": 1}
    assert excluded_by[too_senior.pk] == {"Not far enough ahead of the mentee in training": 1}
    assert match_round.summary["no_eligible_mentor"] == 3


def test_forbidding_the_only_eligible_mentor_says_so(scheme, organiser, make_mentee, make_mentor):
    mentee = make_mentee(scheme)
    mentor = make_mentor(scheme)
    match_round = start(scheme, organiser)

    services.match_round_forbid(
        match_round=match_round, mentee_enrolment_id=mentee.pk, mentor_enrolment_id=mentor.pk
    )

    proposal = match_round.proposals.get(mentee_enrolment=mentee)
    assert proposal.mentor_enrolment is None
    assert proposal.excluded_by == {"Forbidden by an organiser in this round": 1}


def test_swapping_exchanges_two_mentors_and_pins_both_pairs(
    scheme, organiser, make_mentee, make_mentor
):
    first, second = make_mentee(scheme, years=1), make_mentee(scheme, years=1)
    x, y = make_mentor(scheme, capacity=1), make_mentor(scheme, capacity=1)
    match_round = start(scheme, organiser)
    before = proposals_of(match_round)

    services.match_round_swap(
        match_round=match_round, first_mentee_id=first.pk, second_mentee_id=second.pk
    )

    after = proposals_of(match_round)
    assert after == {first.pk: before[second.pk], second.pk: before[first.pk]}
    assert sorted(map(tuple, match_round.pinned)) == sorted(after.items())
    assert {x.pk, y.pk} == set(after.values())


def test_a_swap_that_breaks_a_rule_is_refused_with_the_rule(
    scheme, organiser, make_mentee, make_mentor
):
    junior, senior = make_mentee(scheme, years=1), make_mentee(scheme, years=4)
    make_mentor(scheme, years=3, capacity=1)
    make_mentor(scheme, years=6, capacity=1)
    match_round = start(scheme, organiser)
    before = proposals_of(match_round)

    with pytest.raises(ValidationError, match="not far enough ahead of the mentee in training"):
        services.match_round_swap(
            match_round=match_round, first_mentee_id=junior.pk, second_mentee_id=senior.pk
        )
    match_round.refresh_from_db()
    assert proposals_of(match_round) == before
    assert match_round.pinned == []


def test_a_mentee_left_out_of_the_round_keeps_waiting_and_can_be_put_back(
    scheme, organiser, make_mentee, make_mentor
):
    mentee = make_mentee(scheme)
    make_mentor(scheme)
    match_round = start(scheme, organiser)

    services.match_round_remove(match_round=match_round, mentee_enrolment_id=mentee.pk)
    proposal = match_round.proposals.get(mentee_enrolment=mentee)
    assert proposal.mentor_enrolment is None
    assert proposal.unmatched_reason == services.REMOVED_REASON
    assert match_round.summary["removed"] == 1

    services.match_round_remove(
        match_round=match_round, mentee_enrolment_id=mentee.pk, remove=False
    )
    assert match_round.proposals.get(mentee_enrolment=mentee).mentor_enrolment is not None


def test_approving_creates_every_pair_and_introduces_each_pair_by_email(
    scheme, organiser, make_mentee, make_mentor, django_capture_on_commit_callbacks
):
    MatchingSettings.objects.create(
        scheme=scheme, introduction_guidance="Meet within a fortnight, somewhere quiet."
    )
    mentee = make_mentee(scheme, user={"first_name": "Maya", "last_name": "Patel"})
    Enrolment.objects.filter(pk=mentee.pk).update(rematch_priority=True)
    mentor = make_mentor(scheme, user={"first_name": "Tom", "last_name": "Okafor"})
    match_round = start(scheme, organiser)

    with django_capture_on_commit_callbacks(execute=True):
        pairs = services.match_round_approve(match_round=match_round, approved_by=organiser)

    pair = Pair.objects.get()
    assert pairs == [pair]
    assert (pair.mentee_enrolment, pair.mentor_enrolment) == (mentee, mentor)
    assert pair.status == Pair.Status.INTRODUCED and pair.match_round == match_round
    assert pair.explanation and all(entry[0] != "Re-match" for entry in pair.explanation)
    match_round.refresh_from_db()
    assert match_round.status == MatchRound.Status.APPROVED
    assert match_round.approved_by == organiser
    mentee.refresh_from_db()
    assert not mentee.rematch_priority

    to_mentee = next(message for message in mail.outbox if message.to == [mentee.user.email])
    to_mentor = next(message for message in mail.outbox if message.to == [mentor.user.email])
    assert len(mail.outbox) == 2
    assert "Meet your mentor: Tom Okafor" in to_mentee.subject
    assert mentor.user.email in to_mentee.body and "Tom Okafor" in to_mentee.body
    assert "Meet within a fortnight, somewhere quiet." in to_mentee.body
    assert "Meet your mentee: Maya Patel" in to_mentor.subject
    assert mentee.user.email in to_mentor.body
    assert "Meet within a fortnight" in to_mentor.alternatives[0][0]


def test_approving_twice_creates_nothing_twice(scheme, organiser, make_mentee, make_mentor):
    make_mentee(scheme)
    make_mentor(scheme)
    match_round = start(scheme, organiser)
    services.match_round_approve(match_round=match_round, approved_by=organiser)

    with pytest.raises(ValidationError, match="not waiting for approval"):
        services.match_round_approve(match_round=match_round, approved_by=organiser)
    assert Pair.objects.count() == 1
    assert Notification.objects.filter(kind="match_introduction").count() == 2


def test_approval_is_all_or_nothing_when_things_changed_since_the_solve(
    scheme, organiser, make_mentee, make_mentor
):
    first, second = make_mentee(scheme), make_mentee(scheme)
    mentor = make_mentor(scheme, capacity=2)
    match_round = start(scheme, organiser)
    # Meanwhile the second mentee found a mentor another way.
    PairFactory(scheme=scheme, mentee_enrolment=second, mentor_enrolment=make_mentor(scheme))

    with pytest.raises(ValidationError, match="has been matched since"):
        services.match_round_approve(match_round=match_round, approved_by=organiser)

    assert not Pair.objects.filter(mentor_enrolment=mentor).exists()
    assert not Notification.objects.exists()
    match_round.refresh_from_db()
    assert match_round.status == MatchRound.Status.PROPOSED
    assert first.pk in proposals_of(match_round)


def test_approval_withdraws_the_matched_mentees_open_requests(
    scheme, organiser, make_mentee, make_mentor
):
    mentee = make_mentee(scheme)
    make_mentor(scheme, capacity=1)
    match_round = start(scheme, organiser)
    asked_late = MentorChoice.objects.create(
        mentee_enrolment=mentee, mentor_enrolment=make_mentor(scheme), status="queued"
    )

    services.match_round_approve(match_round=match_round, approved_by=organiser)

    asked_late.refresh_from_db()
    assert asked_late.status == MentorChoice.Status.WITHDRAWN


def test_one_open_round_per_scheme(scheme, organiser, make_mentee, make_mentor):
    make_mentee(scheme)
    make_mentor(scheme)
    start(scheme, organiser)
    with pytest.raises(ValidationError, match="already open"):
        start(scheme, organiser)


def test_a_round_with_nobody_waiting_is_not_started(scheme, organiser, make_mentor):
    make_mentor(scheme)
    with pytest.raises(ValidationError, match="No mentee is waiting"):
        start(scheme, organiser)
    assert not MatchRound.objects.exists()


def test_a_discarded_round_matches_nobody_and_frees_the_scheme_for_another(
    scheme, organiser, make_mentee, make_mentor
):
    make_mentee(scheme)
    make_mentor(scheme)
    match_round = start(scheme, organiser)
    services.match_round_discard(match_round=match_round)
    assert match_round.status == MatchRound.Status.DISCARDED
    with pytest.raises(ValidationError):
        services.match_round_approve(match_round=match_round, approved_by=organiser)
    assert start(scheme, organiser).status == MatchRound.Status.PROPOSED
    assert not Pair.objects.exists()


def test_a_big_round_is_solved_by_a_task_and_reports_progress(
    scheme, organiser, make_mentee, make_mentor, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "SYNC_ROUND_LIMIT", 1)
    make_mentee(scheme)
    make_mentee(scheme)
    make_mentor(scheme)
    seen = []
    original = services._set_progress

    def record(pk, value, note=""):
        seen.append((value, note.split(":")[0]))
        original(pk, value, note)

    monkeypatch.setattr(services, "_set_progress", record)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        match_round = start(scheme, organiser)

    assert len(callbacks) == 1, "the solve is queued as a task after commit"
    match_round.refresh_from_db()
    assert match_round.status == MatchRound.Status.PROPOSED and match_round.progress == 100
    assert match_round.progress_note == ""
    values = [value for value, _ in seen]
    assert values == sorted(values)
    # Each real phase is announced, in order: the organiser never looks at a silent bar.
    assert [note for _, note in seen] == [
        "Loading the mentees, the mentors and the scheme's rules",
        "Applying the rules and scoring every pair",
        "Finding the best assignment among 2 allowed pairs",
        "Explaining each proposal",
        "Saving the proposals",
    ]


def test_running_a_round_twice_solves_it_once(scheme, organiser, make_mentee, make_mentor):
    make_mentee(scheme)
    make_mentor(scheme)
    match_round = start(scheme, organiser)
    assert services.match_round_run(round_id=match_round.pk) is False


def _round_whose_worker_died(scheme, organiser, *, attempts):
    """A round a worker claimed an hour ago, then died solving (its progress never moved on)."""
    from datetime import timedelta

    from django.utils import timezone

    return MatchRound.objects.create(
        scheme=scheme,
        started_by=organiser,
        progress=40,
        solve_attempts=attempts,
        solve_started_at=timezone.now() - timedelta(hours=1),
    )


def test_a_round_whose_worker_died_is_solved_again_by_the_sweep(
    scheme, organiser, make_mentee, make_mentor, django_capture_on_commit_callbacks
):
    from matching.tasks import matching_sweep

    make_mentee(scheme)
    make_mentor(scheme)
    stuck = _round_whose_worker_died(scheme, organiser, attempts=1)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = matching_sweep()
    assert result["retried"] == 1 and len(callbacks) == 1
    stuck.refresh_from_db()
    assert stuck.status == MatchRound.Status.PROPOSED, stuck.error
    assert stuck.proposals.exclude(mentor_enrolment=None).count() == 1
    assert stuck.solve_attempts == 2


def test_a_round_whose_worker_died_twice_is_marked_failed_by_the_sweep(
    scheme, organiser, django_capture_on_commit_callbacks
):
    from matching.tasks import matching_sweep

    stuck = _round_whose_worker_died(scheme, organiser, attempts=2)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        matching_sweep()
    assert callbacks == []
    stuck.refresh_from_db()
    assert stuck.status == MatchRound.Status.FAILED
    assert "stopped twice" in stuck.error


def test_a_round_being_solved_now_is_left_to_its_worker(scheme, organiser):
    from django.utils import timezone

    from matching.tasks import matching_sweep

    solving = MatchRound.objects.create(
        scheme=scheme,
        started_by=organiser,
        progress=40,
        solve_attempts=1,
        solve_started_at=timezone.now(),
    )
    matching_sweep()
    solving.refresh_from_db()
    assert solving.status == MatchRound.Status.RUNNING and solving.progress == 40


def test_a_failing_solve_marks_the_round_failed_with_the_error(
    scheme, organiser, make_mentee, make_mentor, monkeypatch
):
    make_mentee(scheme)
    make_mentor(scheme)

    def broken(*args, **kwargs):
        raise RuntimeError("solver exploded")

    monkeypatch.setattr(services.engine, "solve_scores", broken)
    match_round = start(scheme, organiser)
    assert match_round.status == MatchRound.Status.FAILED
    assert "solver exploded" in match_round.error


def test_a_round_whose_task_was_lost_when_the_broker_was_down_is_solved_by_the_sweep(
    scheme, organiser, make_mentee, make_mentor, monkeypatch, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone
    from kombu.exceptions import OperationalError

    from matching import tasks

    monkeypatch.setattr(services, "SYNC_ROUND_LIMIT", 1)
    make_mentee(scheme)
    make_mentee(scheme)
    make_mentor(scheme)

    def broker_down(*args, **kwargs):
        raise OperationalError("Redis is down")

    with monkeypatch.context() as patch:
        patch.setattr(tasks.match_round_run_task, "delay", broker_down)
        with django_capture_on_commit_callbacks(execute=True):
            match_round = start(scheme, organiser)  # the request still succeeds
    assert match_round.status == MatchRound.Status.RUNNING and match_round.progress == 0

    with time_machine.travel(timezone.now() + timedelta(minutes=1)):
        tasks.matching_sweep()
    match_round.refresh_from_db()
    assert match_round.status == MatchRound.Status.RUNNING, "a task may still be on its way"

    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        tasks.matching_sweep()
    match_round.refresh_from_db()
    assert match_round.status == MatchRound.Status.PROPOSED
    assert match_round.summary["matched"] == 2
