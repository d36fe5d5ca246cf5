"""The matching engine's promises, one test each, then a property test against brute force."""

import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from matching import engine
from matching.engine import solve


def total(assignment, edges):
    best = {}
    for mentee, mentor, score in edges:
        best[mentee, mentor] = max(score, best.get((mentee, mentor), score))
    return sum(best[pair] for pair in assignment.items())


def assert_valid(assignment, edges, capacities, pinned=(), forbidden=()):
    listed = {(mentee, mentor) for mentee, mentor, _ in edges}
    assert set(assignment.items()) <= listed
    assert not set(assignment.items()) & set(forbidden)
    assert set(pinned) <= set(assignment.items())
    for mentor, capacity in capacities.items():
        assert sum(1 for chosen in assignment.values() if chosen == mentor) <= capacity


def test_respects_every_capacity():
    edges = [(mentee, mentor, 1.0) for mentee in range(10) for mentor in "ab"]
    capacities = {"a": 3, "b": 2}

    assignment = solve(edges, capacities)

    assert len(assignment) == 5
    assert_valid(assignment, edges, capacities)


def test_uses_only_listed_edges():
    edges = [(1, "a", 1.0), (2, "a", 1.0), (2, "b", 0.1)]

    assignment = solve(edges, {"a": 1, "b": 5, "c": 5})

    assert assignment == {1: "a", 2: "b"}


def test_keeps_every_pinned_pair_even_at_a_cost():
    edges = [(1, "a", 10.0), (1, "b", 1.0), (2, "a", 1.0), (2, "b", 10.0)]

    assignment = solve(edges, {"a": 1, "b": 1}, pinned=[(1, "b")])

    assert assignment == {1: "b", 2: "a"}


def test_a_pin_uses_up_a_place():
    edges = [(1, "a", 1.0), (2, "a", 5.0), (2, "b", 1.0)]

    assignment = solve(edges, {"a": 1, "b": 1}, pinned=[(1, "a")])

    assert assignment == {1: "a", 2: "b"}


def test_never_uses_a_forbidden_pair():
    edges = [(1, "a", 10.0), (1, "b", 1.0)]

    assignment = solve(edges, {"a": 1, "b": 1}, forbidden=[(1, "a")])

    assert assignment == {1: "b"}


def test_forbidding_a_pair_that_is_not_an_edge_is_harmless():
    edges = [(1, "a", 1.0)]

    assignment = solve(edges, {"a": 1}, forbidden=[(1, "z"), (9, "a")])

    assert assignment == {1: "a"}


def test_more_matches_beat_a_higher_total_score():
    # 1-a alone scores 100; 1-b plus 2-a scores 2 but matches both mentees.
    edges = [(1, "a", 100.0), (1, "b", 1.0), (2, "a", 1.0)]

    assignment = solve(edges, {"a": 1, "b": 1})

    assert assignment == {1: "b", 2: "a"}


def test_greatest_total_score_among_assignments_matching_the_most():
    edges = [(1, "a", 5.0), (1, "b", 4.0), (2, "a", 3.0), (2, "b", 1.0)]

    assignment = solve(edges, {"a": 1, "b": 1})

    # Mentee 1 prefers a, but 1-b + 2-a = 4 + 3 beats 1-a + 2-b = 5 + 1.
    assert assignment == {1: "b", 2: "a"}
    assert total(assignment, edges) == 7.0


def test_a_tiny_score_difference_still_decides():
    edges = [(1, "a", 1.0), (1, "b", 1.0 + 1e-9)]

    assert solve(edges, {"a": 1, "b": 1}) == {1: "b"}


def test_mentor_with_capacity_zero_gets_nobody():
    edges = [(1, "a", 9.0), (1, "b", 1.0), (2, "a", 9.0)]

    assignment = solve(edges, {"a": 0, "b": 1})

    assert assignment == {1: "b"}


def test_zero_score_edges_are_still_used_to_match_more_mentees():
    edges = [(1, "a", 0.0), (2, "b", 0.0), (2, "a", 0.0)]

    assignment = solve(edges, {"a": 1, "b": 1})

    assert assignment == {1: "a", 2: "b"}


def test_all_tied_gives_a_valid_maximum_assignment():
    edges = [(mentee, mentor, 2.0) for mentee in range(6) for mentor in range(3)]
    capacities = {0: 1, 1: 2, 2: 1}

    assignment = solve(edges, capacities)

    assert len(assignment) == 4
    assert total(assignment, edges) == 8.0
    assert_valid(assignment, edges, capacities)


def test_empty_input_gives_an_empty_assignment():
    assert solve([], {}) == {}
    assert solve([], {"a": 3}) == {}
    assert solve(iter([]), {"a": 3}, pinned=iter([]), forbidden=iter([])) == {}


def test_duplicate_edges_keep_the_highest_score():
    edges = [(1, "a", 1.0), (1, "a", 7.0), (1, "a", 2.0), (1, "b", 5.0)]

    assert solve(edges, {"a": 1, "b": 1}) == {1: "a"}


def test_string_ids_work():
    edges = [("maya", "tom", 0.5), ("sam", "tom", 0.25), ("sam", "ann", 0.1)]

    assert solve(edges, {"tom": 1, "ann": 1}) == {"maya": "tom", "sam": "ann"}


def test_same_input_in_any_order_gives_the_same_assignment():
    # Many ties, so many optimal assignments: only a canonical order picks the same one.
    rng = random.Random(7)
    edges = [
        (mentee, mentor, rng.choice([0.0, 1.0, 2.0]))
        for mentee in range(40)
        for mentor in range(12)
        if rng.random() < 0.4
    ]
    edges += edges[:10]  # duplicates too
    capacities = {mentor: rng.randint(0, 3) for mentor in range(12)}
    pinned = [next((m, t) for m, t, _ in edges if capacities[t] > 0)]
    forbidden = [(m, t) for m, t, _ in edges[20:30] if (m, t) not in pinned]
    expected = solve(edges, capacities, pinned=pinned, forbidden=forbidden)

    for _ in range(5):
        rng.shuffle(edges)
        rng.shuffle(forbidden)
        shuffled_capacities = dict(rng.sample(sorted(capacities.items()), len(capacities)))
        assert solve(edges, shuffled_capacities, pinned=pinned, forbidden=forbidden) == expected


@pytest.mark.parametrize(
    ("edges", "capacities", "pinned", "forbidden", "message"),
    [
        ([(1, "a", 1.0)], {"a": 1}, [(1, "b")], [], "mentor has no capacity entry"),
        ([(1, "a", 1.0)], {"a": 1, "b": 1}, [(1, "b")], [], "is not one of the edges"),
        ([(1, "a", 1.0)], {"a": 1}, [(2, "a")], [], "is not one of the edges"),
        ([(1, "a", 1.0)], {"a": 1}, [(1, "a")], [(1, "a")], "is also forbidden"),
        (
            [(1, "a", 1.0), (1, "b", 1.0)],
            {"a": 1, "b": 1},
            [(1, "a"), (1, "b")],
            [],
            r"mentee 1 is pinned to two mentors: \['a', 'b'\]",
        ),
        (
            [(1, "a", 1.0), (2, "a", 1.0)],
            {"a": 1},
            [(1, "a"), (2, "a")],
            [],
            "mentor 'a' has 2 pinned mentees but capacity 1",
        ),
    ],
    ids=["mentor-unknown", "not-an-edge", "mentee-unknown", "forbidden", "two-mentors", "full"],
)
def test_impossible_pins_raise_a_clear_error(edges, capacities, pinned, forbidden, message):
    with pytest.raises(ValueError, match=message):
        solve(edges, capacities, pinned=pinned, forbidden=forbidden)


@pytest.mark.parametrize(
    ("edges", "capacities", "message"),
    [
        ([(1, "a", -1.0)], {"a": 1}, r"edge \(1, 'a', -1.0\): score must be finite and >= 0"),
        ([(1, "a", math.nan)], {"a": 1}, "score must be finite and >= 0"),
        ([(1, "a", math.inf)], {"a": 1}, "score must be finite and >= 0"),
        ([(1, "a", "1.0")], {"a": 1}, "score must be a real number"),
        ([(1, "a", None)], {"a": 1}, "score must be a real number"),
        ([(1, "a", 1.0)], {"a": -1}, "capacity of mentor 'a' must be >= 0, got -1"),
        ([(1, "a", 1.0)], {"a": 1.5}, "capacity of mentor 'a' must be an int"),
        ([(1, "a", 1.0)], {"b": 1}, r"mentors in edges but not in capacities: \['a'\]"),
        ([(1, "a", 1.0), ("x", "a", 1.0)], {"a": 1}, "ids must all be of one comparable type"),
        ([(1, "a")], {"a": 1}, r"each edge must be a \(mentee_id, mentor_id, score\) triple"),
    ],
    ids=[
        "negative-score",
        "nan-score",
        "infinite-score",
        "text-score",
        "missing-score",
        "negative-capacity",
        "fractional-capacity",
        "mentor-unknown",
        "mixed-id-types",
        "short-edge",
    ],
)
def test_bad_input_raises_a_clear_error(edges, capacities, message):
    with pytest.raises(ValueError, match=message):
        solve(edges, capacities)


# Property test: the engine against an exhaustive search on small instances.


def brute_force_optimum(edges, capacities, pinned, forbidden):
    """(matched, total) of the best valid assignment, or None if the pins cannot all hold."""
    best_score = {}
    for mentee, mentor, score in edges:
        if (mentee, mentor) not in forbidden:
            best_score[mentee, mentor] = max(score, best_score.get((mentee, mentor), score))
    mentees = sorted({mentee for mentee, _ in best_score})
    pin_of = {}
    for mentee, mentor in pinned:
        if (mentee, mentor) not in best_score or pin_of.setdefault(mentee, mentor) != mentor:
            return None
    best = None
    room = dict(capacities)

    def search(position, matched, score):
        nonlocal best
        if position == len(mentees):
            if best is None or (matched, score) > (best[0], best[1] + 1e-9):
                best = (matched, score)
            return
        mentee = mentees[position]
        if mentee not in pin_of:
            search(position + 1, matched, score)
        for (candidate, mentor), pair_score in best_score.items():
            allowed = candidate == mentee and pin_of.get(mentee, mentor) == mentor
            if allowed and room[mentor] > 0:
                room[mentor] -= 1
                search(position + 1, matched + 1, score + pair_score)
                room[mentor] += 1

    search(0, 0, 0.0)
    return best


@st.composite
def instances(draw):
    mentees, mentors = range(draw(st.integers(1, 6))), range(draw(st.integers(1, 4)))
    capacities = {mentor: draw(st.integers(0, 3)) for mentor in mentors}
    scores = st.sampled_from([0.0, 0.1, 0.5, 1.0, 1.0, 2.5, 3.0])  # few values: many ties
    edges = [
        (mentee, mentor, draw(scores))
        for mentee in mentees
        for mentor in mentors
        if draw(st.booleans())
    ]
    if not edges:
        return edges, capacities, [], []
    listed = st.sampled_from(sorted({(mentee, mentor) for mentee, mentor, _ in edges}))
    edges += [(*pair, draw(scores)) for pair in draw(st.lists(listed, max_size=4))]  # duplicates
    pinned = draw(st.lists(listed, max_size=2))
    forbidden = draw(st.lists(listed, max_size=3))
    return edges, capacities, pinned, forbidden


@settings(max_examples=300, deadline=None)
@given(instances())
def test_matches_brute_force_optimum_on_small_instances(instance):
    edges, capacities, pinned, forbidden = instance
    optimum = brute_force_optimum(edges, capacities, set(pinned), set(forbidden))

    if optimum is None:
        with pytest.raises(ValueError):
            solve(edges, capacities, pinned=pinned, forbidden=forbidden)
        return
    assignment = solve(edges, capacities, pinned=pinned, forbidden=forbidden)
    assert_valid(assignment, edges, capacities, pinned, forbidden)
    assert len(assignment) == optimum[0]
    assert total(assignment, edges) == pytest.approx(optimum[1], abs=1e-9)


# The score-matrix entry point: a small candidate set, proved optimal over every allowed pair.


def optimum_of(mentor_of, scores):
    """(matched, total score) of an assignment given as each row's column or -1."""
    rows = np.flatnonzero(mentor_of >= 0)
    return len(rows), int(scores[rows, mentor_of[rows]].sum())


def full_optimum(scores, capacities):
    """(matched, total score) by an independent method on every pair: scipy's assignment solver
    on a dense matrix with one column per place, one "unmatched" column per mentee, and a bonus
    per pair bigger than any total score (so more pairs come first)."""
    n = scores.shape[0]
    slot_mentor = np.repeat(np.arange(len(capacities)), capacities)
    bonus = (int(scores.max()) + 1) * n
    weights = np.where(scores >= 0, scores.astype(float) + bonus, -np.inf)[:, slot_mentor]
    unmatched = np.where(np.eye(n, dtype=bool), 0.0, -np.inf)
    matrix = np.hstack((weights, unmatched))
    cost = np.where(np.isfinite(matrix), -matrix, 10.0 * bonus * n)  # refused: never worth it
    rows, columns = linear_sum_assignment(cost)
    paired = columns < len(slot_mentor)
    return int(paired.sum()), int(scores[rows[paired], slot_mentor[columns[paired]]].sum())


def dense_instance(rng, n, m, density, values=(0, 50, 100, 150, 300, 320)):
    """A scheme whose rules allow most pairs, with the many ties of real scores."""
    scores = rng.choice(values, size=(n, m)).astype(np.int32)
    scores[rng.random((n, m)) > density] = -1
    capacities = rng.integers(0, 4, size=m)
    capacities[rng.integers(0, m)] = 20  # a group mentor
    return scores, capacities


def assert_certified(solution, scores, capacities):
    """The duals prove the assignment optimal: no allowed pair with a positive reduced weight,
    complementary slackness on the pairs used, free places unpriced. (A mentor with no place
    is out of the problem: its dual may be as high as needed.)"""
    weights = np.where(scores >= 0, scores.astype(np.int64) + solution.big, -1)
    reduced = weights - solution.profits[:, None] - solution.prices[None, :]
    assert not ((scores >= 0) & (reduced > 0) & (capacities > 0)[None, :]).any()
    used = np.flatnonzero(solution.mentor_of >= 0)
    held = np.bincount(solution.mentor_of[used], minlength=len(capacities))
    assert (held <= capacities).all()
    assert (solution.prices[held < capacities] == 0).all()


@pytest.mark.parametrize("seed", range(12))
def test_the_pruned_and_certified_solve_equals_a_full_solve_on_dense_instances(seed):
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(20, 160)), int(rng.integers(8, 50))
    scores, capacities = dense_instance(rng, n, m, density=rng.uniform(0.5, 0.95))

    solution = engine.solve_scores(scores, capacities)

    assert solution.candidates < solution.allowed or m <= engine.MENTORS_PER_MENTEE
    assert optimum_of(solution.mentor_of, scores) == full_optimum(scores, capacities)
    assert_certified(solution, scores, capacities)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("change", ["pin", "forbid", "swap", "remove", "rescore"])
def test_a_warm_start_after_an_organisers_change_reaches_the_cold_optimum(seed, change):
    rng = np.random.default_rng(100 + seed)
    scores, capacities = dense_instance(rng, 120, 30, density=0.8)
    first = engine.solve_scores(scores, capacities)
    matched = np.flatnonzero(first.mentor_of >= 0)
    one, other = (int(row) for row in rng.choice(matched, size=2, replace=False))
    pinned = []
    changed = scores.copy()
    if change == "pin":  # an allowed pair the solver did not choose
        column = int(np.flatnonzero((scores[one] >= 0) & (capacities > 0))[0])
        pinned = [(one, column)]
    elif change == "forbid":
        changed[matched[:5], first.mentor_of[matched[:5]]] = -1
    elif change == "swap":
        a, b = first.mentor_of[one], first.mentor_of[other]
        changed[one, b] = max(changed[one, b], 0)
        changed[other, a] = max(changed[other, a], 0)
        pinned = [(one, int(b)), (other, int(a))]
    elif change == "remove":
        changed[one] = -1
    else:  # a day later everyone has waited longer: every score moves
        changed = np.where(scores >= 0, scores + rng.integers(0, 3, size=scores.shape), -1)

    warm = engine.solve_scores(changed, capacities, pinned=pinned, warm=first.warm_start())
    cold = engine.solve_scores(changed, capacities, pinned=pinned)

    assert optimum_of(warm.mentor_of, changed) == optimum_of(cold.mentor_of, changed)
    assert all(warm.mentor_of[row] == column for row, column in pinned)
    if not pinned:
        assert_certified(warm, changed, capacities)


def test_capacity_is_not_copied_per_place():
    # A mentor taking a million costs what a mentor taking one does: no slot per place.
    scores = np.full((50, 2), 10, dtype=np.int32)
    capacities = np.array([10**6, 1])

    solution = engine.solve_scores(scores, capacities)

    assert optimum_of(solution.mentor_of, scores) == (50, 500)


def test_matrix_pins_are_kept_and_impossible_ones_refused():
    scores = np.array([[10, 1], [1, 10], [-1, 5]], dtype=np.int32)
    capacities = np.array([1, 1])

    solution = engine.solve_scores(scores, capacities, pinned=[(0, 1)])

    assert solution.mentor_of.tolist() == [1, 0, -1]
    with pytest.raises(ValueError, match="not allowed"):
        engine.solve_scores(scores, capacities, pinned=[(2, 0)])
    with pytest.raises(ValueError, match="capacity 1"):
        engine.solve_scores(scores, capacities, pinned=[(0, 1), (2, 1)])


@pytest.mark.parametrize("seed", range(6))
def test_solve_on_a_list_of_pairs_prunes_and_still_finds_the_optimum(seed):
    rng = np.random.default_rng(200 + seed)
    scores, capacities = dense_instance(rng, 90, 25, density=0.7)
    rows, columns = np.nonzero(scores >= 0)
    edges = list(zip(rows.tolist(), columns.tolist(), scores[rows, columns].tolist(), strict=True))

    assignment = solve(edges, dict(enumerate(capacities.tolist())))

    mentor_of = np.full(scores.shape[0], -1)
    for row, column in assignment.items():
        mentor_of[row] = column
    assert optimum_of(mentor_of, scores) == full_optimum(scores, capacities)


def test_a_worker_process_loads_the_compiled_engine_as_it_starts():
    from celery.signals import worker_init

    from matching.tasks import load_the_matching_engine

    assert any(
        receiver() is load_the_matching_engine
        for _, receiver in worker_init.receivers
        if callable(receiver)
    )
    engine.warm_up()  # and it runs
