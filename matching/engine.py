"""Matching engine: assign mentees to mentors, as many as possible, then the best total score.

Pure Python, numpy and scipy; no Django. The one entry point is :func:`solve`.

How :func:`solve` works:

1. Validate and canonicalise the input. Ids are sorted and edges put in a fixed order, so the
   same input in any order reaches the solver as the same arrays and gets the same answer.
   Duplicate edges for a pair keep their highest score; forbidden pairs are dropped.
2. Apply the pins: each pinned mentee is assigned and its mentor loses one unit of capacity.
3. Expand capacities: a mentor with capacity c becomes c interchangeable slots, so what is left
   is a plain bipartite matching between the free mentees and the slots. (Each edge is copied
   c times: fine for the few places a mentor has, not for capacities in the hundreds.)
4. Find one maximum matching (Hopcroft-Karp) and from it the Dulmage-Mendelsohn decomposition:
   which mentees and slots some maximum matching leaves unmatched ("loose"), and therefore
   which edges no maximum matching can use.
5. In that structure every maximum matching is exactly a *full* matching of the vertices that
   every maximum matching covers, so scipy's min_weight_full_bipartite_matching (LAPJVsp)
   maximising the score finds the best one directly. Cardinality is fixed by construction:
   no big-M weights, no dummy "unmatched" vertices (both made the solver ~10x slower).

Precision: scores are turned into integers in units of 2**-k, with k as large as keeps every
sum the solver forms below 2**53, so its float64 arithmetic is exact. The result is optimal for
the scores rounded to that unit (integers and binary fractions such as 0.5 are exact), hence
within ``matched * 2**-k`` of the true optimum; for 10,000 mentees 2**-k is a few 1e-11 of
the largest score.

Ties: among equally good assignments the solver picks one; which one depends only on the
input set (never its order) but is otherwise unspecified.
"""

import math
import numbers
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from operator import itemgetter
from typing import TypeVar

import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import (
    breadth_first_order,
    maximum_bipartite_matching,
    min_weight_full_bipartite_matching,
)

__all__ = ["solve"]

# Mentee and mentor ids: any hashable, the same kind for both (enrolment pks in the app).
Id = TypeVar("Id", bound=Hashable)


def solve(
    edges: Iterable[tuple[Id, Id, float]],
    capacities: Mapping[Id, int],
    *,
    pinned: Iterable[tuple[Id, Id]] = (),
    forbidden: Iterable[tuple[Id, Id]] = (),
) -> dict[Id, Id]:
    """Return ``{mentee_id: mentor_id}``: the most mentees matched, then the highest total score.

    ``edges`` are the allowed ``(mentee_id, mentor_id, score)`` pairs, score a finite number
    >= 0; a pair listed twice keeps its highest score. ``capacities`` maps every mentor (each
    one named in an edge or pin must be there) to how many mentees it can take, an int >= 0.
    Every ``pinned`` pair is kept and no ``forbidden`` pair is used (forbidding a pair that is
    not an edge is harmless). Raises ``ValueError`` on bad input or impossible pins.
    """
    edges = list(edges)
    if set(map(len, edges)) - {3}:  # map, itemgetter: C loops, as edges can be 10**6
        raise ValueError("each edge must be a (mentee_id, mentor_id, score) triple")
    mentee_of_edge = list(map(itemgetter(0), edges))
    mentor_of_edge = list(map(itemgetter(1), edges))
    scores = _checked_scores(edges)
    _check_capacities(capacities)
    mentees = _sorted_ids(set(mentee_of_edge))
    mentors = _sorted_ids(capacities)
    mentee_index = {mentee: i for i, mentee in enumerate(mentees)}
    mentor_index = {mentor: j for j, mentor in enumerate(mentors)}
    unknown = set(mentor_of_edge) - mentor_index.keys()
    if unknown:
        raise ValueError(f"mentors in edges but not in capacities: {_sorted_ids(unknown)}")

    # Step 1: one canonical edge list, sorted by (mentee, mentor), best score per pair.
    pair_key = np.fromiter(map(mentee_index.__getitem__, mentee_of_edge), np.int64, len(edges))
    pair_key = pair_key * len(mentors) + np.fromiter(
        map(mentor_index.__getitem__, mentor_of_edge), np.int64, len(edges)
    )
    order = np.lexsort((scores, pair_key))
    pair_key, scores = pair_key[order], scores[order]
    best_of_pair = np.ones(len(pair_key), dtype=bool)
    best_of_pair[:-1] = pair_key[1:] != pair_key[:-1]  # last of each pair = highest score
    pair_key, scores = pair_key[best_of_pair], scores[best_of_pair]
    forbidden = set(forbidden)
    known_forbidden = [
        mentee_index[mentee] * len(mentors) + mentor_index[mentor]
        for mentee, mentor in forbidden
        if mentee in mentee_index and mentor in mentor_index  # the others are not edges anyway
    ]
    allowed = ~np.isin(pair_key, known_forbidden)
    pair_key, scores = pair_key[allowed], scores[allowed]

    # Step 2: pins.
    def is_edge(mentee, mentor):
        if mentee not in mentee_index or mentor not in mentor_index:
            return False
        key = mentee_index[mentee] * len(mentors) + mentor_index[mentor]
        position = np.searchsorted(pair_key, key)  # pair_key is sorted
        return position < len(pair_key) and pair_key[position] == key

    pins = _checked_pins(set(pinned), capacities, forbidden, is_edge)
    assignment = dict(pins)
    residual = np.array([capacities[mentor] for mentor in mentors], dtype=np.int64)
    for mentor in pins.values():
        residual[mentor_index[mentor]] -= 1
    pinned_mentee = np.zeros(len(mentees), dtype=bool)
    pinned_mentee[[mentee_index[mentee] for mentee in pins]] = True
    mentee, mentor = np.divmod(pair_key, max(len(mentors), 1))
    free = ~pinned_mentee[mentee] & (residual[mentor] > 0)
    mentee, mentor, scores = mentee[free], mentor[free], scores[free]
    if len(mentee) == 0:
        return assignment

    # Step 3: slots. Slot first_slot[j] + k is the k-th place of mentor j.
    first_slot = np.concatenate(([0], np.cumsum(residual)[:-1]))
    copies = residual[mentor]
    copy_number = np.arange(copies.sum()) - np.repeat(np.cumsum(copies) - copies, copies)
    mentee, scores = np.repeat(mentee, copies), np.repeat(scores, copies)
    slot = np.repeat(first_slot[mentor], copies) + copy_number
    slot_mentor = np.repeat(np.arange(len(mentors)), residual)
    weights = _integer_weights(scores, len(mentees) + len(slot_mentor))

    # Steps 4 and 5.
    best = _best_maximum_matching(mentee, slot, weights, len(mentees), len(slot_mentor))
    for mentee_i, slot_j in best:
        assignment[mentees[mentee_i]] = mentors[slot_mentor[slot_j]]
    return assignment


def _best_maximum_matching(mentee, slot, weights, n_mentees, n_slots):
    """Pairs (mentee, slot) of a maximum matching with the greatest total weight."""
    graph = csr_array((np.ones(len(mentee)), (mentee, slot)), shape=(n_mentees, n_slots))
    slot_of_mentee = maximum_bipartite_matching(graph, perm_type="column")
    mentee_of_slot = np.full(n_slots, -1)
    matched = slot_of_mentee >= 0
    mentee_of_slot[slot_of_mentee[matched]] = np.flatnonzero(matched)

    # Loose: some maximum matching leaves it unmatched, i.e. it is reachable from an unmatched
    # vertex of its side by an alternating path (any edge across, the matched edge back).
    via_mate = mentee_of_slot[slot] >= 0
    loose_mentee = _reachable(
        np.flatnonzero(~matched), mentee[via_mate], mentee_of_slot[slot[via_mate]], n_mentees
    )
    via_mate = slot_of_mentee[mentee] >= 0
    loose_slot = _reachable(
        np.flatnonzero(mentee_of_slot < 0),
        slot[via_mate],
        slot_of_mentee[mentee[via_mate]],
        n_slots,
    )
    # Tight: a neighbour of a loose vertex; every maximum matching pairs it with a loose one.
    # Core: the rest; every maximum matching pairs core mentees with core slots, all of them.
    # So no maximum matching uses an edge outside these three kinds (loose-tight either way,
    # core-core), and each kind is a full matching of its tight or core side.
    tight_mentee = _mask(mentee[loose_slot[slot]], n_mentees)
    tight_slot = _mask(slot[loose_mentee[mentee]], n_slots)
    core = ~(loose_mentee | tight_mentee)[mentee] & ~(loose_slot | tight_slot)[slot]
    fill_slots = loose_mentee[mentee]
    match_mentees = loose_slot[slot] | core

    slots_filled = _best_full_matching(
        slot[fill_slots], mentee[fill_slots], weights[fill_slots], n_slots, n_mentees
    )
    mentees_matched = _best_full_matching(
        mentee[match_mentees], slot[match_mentees], weights[match_mentees], n_mentees, n_slots
    )
    return [(i, j) for j, i in slots_filled] + mentees_matched


def _best_full_matching(rows, cols, weights, n_rows, n_cols):
    """Pairs (row, col) matching every row in ``rows`` once, with the greatest total weight."""
    if len(rows) == 0:
        return []
    row_ids, row = _renumbered(rows, n_rows)  # drop the rows and cols without an edge here
    col_ids, col = _renumbered(cols, n_cols)
    # +1: scipy drops zero entries; every full matching has len(row_ids) edges, so a constant
    # added to each weight does not change which one is best.
    graph = csr_array((weights + 1, (row, col)), shape=(len(row_ids), len(col_ids)))
    row_ind, col_ind = min_weight_full_bipartite_matching(graph, maximize=True)
    return list(zip(row_ids[row_ind].tolist(), col_ids[col_ind].tolist(), strict=True))


def _reachable(starts, tails, heads, n):
    """Mask of the nodes among ``range(n)`` reachable from ``starts`` along arcs tail -> head."""
    if len(starts) == 0:
        return np.zeros(n, dtype=bool)
    source = n  # an extra node with an arc to every start, so one search covers them all
    arcs_from = np.concatenate((tails, np.full(len(starts), source)))
    arcs_to = np.concatenate((heads, starts))
    graph = csr_array((np.ones(len(arcs_from)), (arcs_from, arcs_to)), shape=(n + 1, n + 1))
    order = breadth_first_order(graph, source, directed=True, return_predecessors=False)
    return _mask(order[order < n], n)


def _mask(indices, n):
    mask = np.zeros(n, dtype=bool)
    mask[indices] = True
    return mask


def _renumbered(ids, n):
    """The distinct ``ids`` (all in ``range(n)``) sorted, and each id's position among them."""
    present = _mask(ids, n)
    return np.flatnonzero(present), (np.cumsum(present) - 1)[ids]


def _integer_weights(scores, n_vertices):
    """Scores as exact integers in float64, in units of 2**-k (see the module docstring)."""
    largest = float(scores.max())
    if largest == 0:
        return np.zeros_like(scores)
    # A solver's dual values and path sums stay below ~(number of vertices) * (largest weight
    # + 1); 4x headroom on top keeps them under 2**53, where float64 integers are exact.
    limit_bits = 53 - 2 - n_vertices.bit_length()
    k = limit_bits - math.frexp(largest)[1]  # largest * 2**k < 2**limit_bits
    return np.rint(np.ldexp(scores, k))


def _checked_scores(edges):
    scores = list(map(itemgetter(2), edges))
    for kind in set(map(type, scores)):  # a few types, however many edges
        if not issubclass(kind, numbers.Real) or issubclass(kind, bool):
            edge = next(edge for edge in edges if type(edge[2]) is kind)
            raise ValueError(f"edge {edge!r}: score must be a real number")
    values = np.fromiter(scores, dtype=np.float64, count=len(scores))
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        raise ValueError(f"edge {edges[np.argmax(bad)]!r}: score must be finite and >= 0")
    return values


def _check_capacities(capacities):
    for mentor, capacity in capacities.items():
        if isinstance(capacity, bool) or not isinstance(capacity, numbers.Integral):
            raise ValueError(f"capacity of mentor {mentor!r} must be an int, got {capacity!r}")
        if capacity < 0:
            raise ValueError(f"capacity of mentor {mentor!r} must be >= 0, got {capacity}")


def _checked_pins(pins, capacities, forbidden, is_edge):
    """Pins as ``{mentee: mentor}``, or ValueError saying why they cannot all hold."""
    assigned = {}
    for mentee, mentor in _sorted_ids(pins):  # a fixed order, so the same error each time
        if mentor not in capacities:
            raise ValueError(f"pinned pair {(mentee, mentor)!r}: mentor has no capacity entry")
        if (mentee, mentor) in forbidden:
            raise ValueError(f"pinned pair {(mentee, mentor)!r} is also forbidden")
        if not is_edge(mentee, mentor):
            raise ValueError(f"pinned pair {(mentee, mentor)!r} is not one of the edges")
        if mentee in assigned:
            both = _sorted_ids({assigned[mentee], mentor})
            raise ValueError(f"mentee {mentee!r} is pinned to two mentors: {both!r}")
        assigned[mentee] = mentor
    for mentor, count in sorted(Counter(assigned.values()).items()):
        if count > capacities[mentor]:
            raise ValueError(
                f"mentor {mentor!r} has {count} pinned mentees but capacity {capacities[mentor]}"
            )
    return assigned


def _sorted_ids(ids):
    try:
        return sorted(ids)
    except TypeError as error:
        raise ValueError(f"ids must all be of one comparable type: {error}") from None
