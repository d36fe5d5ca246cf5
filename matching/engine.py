"""Matching engine: assign mentees to mentors, as many as possible, then the best total score.

Numpy and numba; no Django. Two entry points:

- :func:`solve_scores` takes the whole scheme as arrays: a matrix of integer scores, one row per
  mentee and one column per mentor (-1 where the rules refuse the pair), and each mentor's
  capacity. It returns a :class:`Solution` with the duals that prove it optimal, which the next
  solve of the same round can start from (:class:`WarmStart`). This is what a matching round uses.
- :func:`solve` takes ``(mentee_id, mentor_id, score)`` triples and any hashable ids, for callers
  with a short list of pairs; it canonicalises them and runs the same solver.

The problem. Mentee i may take one mentor, mentor j up to c_j mentees. Most mentees matched
comes first, then the highest total score: so each allowed pair gets the weight
``W = score + BIG`` with BIG a power of two above (mentees x best score), and the solver
maximises the total weight. One more pair is then worth more than any gain in score.

How it is solved (a primal-dual method with a certificate):

1. **Candidates.** A real scheme's rules allow most pairs (30 million in a 10,000 x 4,000
   region), but an optimal assignment uses few of them. The solver starts from a small set:
   each mentee's best few mentors and each mentor's best few mentees (by score, or on a warm
   start by score less the mentor's previous price).
2. **Shortest augmenting paths** (the Hungarian method, for capacities). Each mentor j has a
   price ``p_j >= 0``; mentee i's profit with j is ``W_ij - p_j``, and being unmatched gives 0.
   Two invariants hold throughout: every placed mentee is with a mentor of greatest profit
   (or unmatched when no profit is positive), and a mentor with a free place has price 0. A
   free mentee is placed by a Dijkstra search over mentors, in reduced costs that the
   invariants keep >= 0, for the cheapest chain of moves that ends at a free place or sends
   one mentee of the chain to "unmatched"; the prices of the mentors it passed are then raised
   so the invariants hold again. A mentor with capacity c is one node holding c mentees: no
   copy of its pairs per place, so a group mentor taking 20 costs what a mentor taking 1 does.
3. **Certificate.** When every mentee is placed, the prices and profits are a feasible dual
   solution of the linear programme *on the candidates*: ``u_i + p_j >= W_ij`` for each
   candidate pair, with equality on the pairs used, ``u_i = 0`` for the unmatched and
   ``p_j = 0`` for mentors with a free place. The same check over **every** allowed pair,
   block by block with numpy, proves the assignment optimal for the whole scheme: a feasible
   dual and a primal satisfying complementary slackness are both optimal (LP duality; the
   problem is totally unimodular, so the LP optimum is the integer one).
4. **Repair.** Pairs that fail the check (positive reduced weight ``W_ij - u_i - p_j``) join the
   candidates and their mentees are freed; step 2 places them again. A mentor a freed mentee
   left may then have an empty place at a price, which the invariants forbid: the mirror
   image of step 2 (`_fill`) lowers that price until a mentee moves in (passing its own place
   down a chain) or the price reaches 0. Then step 3 again, until nothing fails. Each pass adds
   pairs, so it ends; on real schemes it takes a few passes (9 at 10,000 x 4,000). Each check
   reads the whole matrix again: reading only the rows and columns whose duals fell was tried,
   and saved nothing measurable, as the early passes move most of them.

A warm start (the organiser pinned, forbade, swapped or removed someone) keeps the previous
assignment and prices, frees the mentees whose pair changed, repairs and continues from step 2:
the few changed mentees are placed again, not the whole scheme.

Exactness: weights are integers (scores in hundredths; :func:`solve` turns float scores into
integers in units of 2**-k, with k as large as keeps every sum below 2**61), so every
comparison is exact and the certificate is a proof, not a tolerance.

Ties: the searches take mentees in row order and break equal distances by column, so the
same arrays give the same answer; :func:`solve` sorts the ids first, so any order of the same
input does too.
"""

from __future__ import annotations

import math
import numbers
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from operator import itemgetter
from typing import TypeVar

import numba
import numpy as np

__all__ = ["Solution", "WarmStart", "solve", "solve_scores", "warm_up"]

# Mentee and mentor ids: any hashable, the same kind for both (enrolment pks in the app).
Id = TypeVar("Id", bound=Hashable)

UNPLACED = -1  # a mentee the solver still has to place
UNMATCHED = -2  # placed: unmatched is its best
INFINITY = np.int64(2**62)
# Candidates on a cold start: each mentee's best mentors and each mentor's best mentees.
MENTORS_PER_MENTEE = 6
MENTEES_PER_MENTOR = 6
# Failing pairs added per mentee in one repair: the worst few are enough to move on.
ADDED_PER_MENTEE = 4
ROWS_PER_BLOCK = 512  # rows of the score matrix checked at once: a few MB of temporaries


@dataclass(frozen=True)
class WarmStart:
    """A previous solution of the same round, aligned to the new matrix's rows and columns."""

    mentor_of: np.ndarray  # (rows,) the column each mentee had, or -1
    prices: np.ndarray  # (columns,) each mentor's price, in units with this `big`
    big: int


@dataclass(frozen=True)
class Solution:
    """The assignment, the duals that prove it optimal, and how the solve went."""

    mentor_of: np.ndarray  # (rows,) column of each mentee's mentor, or -1 when unmatched
    prices: np.ndarray  # (columns,) p_j: the mentor duals
    profits: np.ndarray  # (rows,) u_i: the mentee duals (0 for pinned and unmatched mentees)
    big: int
    passes: int  # rounds of solve-then-check
    candidates: int  # pairs the solver looked at, of `allowed`
    allowed: int

    def warm_start(self) -> WarmStart:
        return WarmStart(self.mentor_of, self.prices, self.big)


def solve_scores(
    scores: np.ndarray,
    capacities: np.ndarray,
    *,
    pinned: Iterable[tuple[int, int]] = (),
    warm: WarmStart | None = None,
    progress: Callable[[int], None] | None = None,
) -> Solution:
    """Best assignment of the rows of ``scores`` (mentees) to its columns (mentors).

    ``scores`` is an (n, m) integer matrix: the score of each pair, >= 0, or -1 where the pair
    is not allowed. ``capacities`` gives each column's places (ints >= 0). Each ``(row, column)``
    in ``pinned`` is kept and uses a place. ``warm`` is a previous solution of the same rows and
    columns to start from (any, even a stale one: the result is the same optimum). ``progress``
    is called with the number of check passes done. Raises ``ValueError`` on impossible pins.
    """
    scores = np.asarray(scores)
    capacities = np.asarray(capacities, dtype=np.int64)
    n, m = scores.shape
    if len(capacities) != m:
        raise ValueError(f"{m} columns but {len(capacities)} capacities")
    if (capacities < 0).any():
        raise ValueError("capacities must be >= 0")
    pins = _checked_matrix_pins(pinned, scores, capacities)
    residual = capacities.copy()
    np.subtract.at(residual, list(pins.values()), 1)
    active = np.ones(n, dtype=bool)
    active[list(pins)] = False
    best_score = int(scores.max()) if scores.size else 0
    big = _big(n, best_score)
    graph = _DenseGraph(scores, big, active, residual > 0)
    solution = _solve(graph, n, m, residual, big, warm, progress)
    mentor_of = solution.mentor_of
    for row, column in pins.items():
        mentor_of[row] = column
    return solution


def warm_up() -> None:
    """Load the compiled loops (from numba's cache on disk; the first time on a machine, compile
    them: several seconds), so that a worker does it when it starts, not in a round."""
    scores = np.array([[3, 1], [2, -1]], dtype=np.int32)
    capacities = np.ones(2, dtype=np.int64)
    first = solve_scores(scores, capacities)
    solve_scores(scores, capacities, warm=first.warm_start())


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

    # One canonical edge list, sorted by (mentee, mentor), best score per pair.
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
    active = np.ones(len(mentees), dtype=bool)
    active[[mentee_index[mentee] for mentee in pins]] = False
    rows, columns = np.divmod(pair_key, max(len(mentors), 1))
    keep = active[rows] & (residual[columns] > 0)
    rows, columns, scores = rows[keep], columns[keep], scores[keep]
    if len(rows) == 0:
        return assignment
    weights, big = _integer_weights(scores, len(mentees))
    graph = _PairsGraph(len(mentees), rows, columns, weights + big)
    graph.active[~active] = False
    solution = _solve(graph, len(mentees), len(mentors), residual, big, None, None)
    for row in np.flatnonzero(solution.mentor_of >= 0):
        assignment[mentees[row]] = mentors[solution.mentor_of[row]]
    return assignment


# --- The method: candidates, augment, check, repair ------------------------------------------


def _solve(graph, n, m, capacities, big, warm, progress) -> Solution:
    """Steps 1 to 4 of the module docstring, on `graph` (every allowed pair, as weights W)."""
    state = _State.empty(n, m, capacities)
    state.mentor_of[~graph.active] = UNMATCHED  # pinned: settled before the searches
    if warm is not None and warm.big == big:
        pairs = _Pairs(n, m, *graph.candidates(warm.prices))
        warm_rows = np.flatnonzero(warm.mentor_of >= 0)
        pairs.add(*graph.pairs_at(warm_rows, warm.mentor_of))
        state.prices[:] = np.maximum(warm.prices, 0)
        _adopt(*pairs.arrays(), *state.arrays(), np.asarray(warm.mentor_of, np.int64))
    else:
        pairs = _Pairs(n, m, *graph.candidates(None))
    passes = 0
    while True:
        passes += 1
        _repair(*pairs.arrays(), *state.arrays())
        _augment(*pairs.arrays(), *state.arrays(), np.flatnonzero(state.mentor_of == UNPLACED))
        _fill(*pairs.arrays(), *state.arrays(), state.empty_places_with_a_price())
        profits = state.profits()
        state.check_certificate(profits)
        failing = graph.failing(profits, state.prices)
        if progress is not None:
            progress(passes)
        if len(failing[0]) == 0:
            break
        before = pairs.count
        pairs.add(*failing)
        if pairs.count == before:  # a candidate failing its own check: a bug, not a fact
            raise RuntimeError("matching engine: the optimality check failed on a candidate pair")
    mentor_of = np.where(state.mentor_of >= 0, state.mentor_of, -1)
    return Solution(
        mentor_of=mentor_of,
        prices=state.prices,
        profits=profits,
        big=big,
        passes=passes,
        candidates=pairs.count,
        allowed=graph.allowed,
    )


@dataclass
class _State:
    """Where each mentee is, who each mentor holds (linked lists) and the prices."""

    mentor_of: np.ndarray  # column, UNPLACED or UNMATCHED
    weight_of: np.ndarray  # W of the mentee's pair
    capacities: np.ndarray
    held: np.ndarray  # how many mentees each mentor holds
    prices: np.ndarray
    first: np.ndarray  # first mentee a mentor holds, or -1
    next: np.ndarray  # the next mentee held by the same mentor, or -1
    previous: np.ndarray

    @classmethod
    def empty(cls, n, m, capacities):
        return cls(
            mentor_of=np.full(n, UNPLACED, dtype=np.int64),
            weight_of=np.zeros(n, dtype=np.int64),
            capacities=np.asarray(capacities, dtype=np.int64),
            held=np.zeros(m, dtype=np.int64),
            prices=np.zeros(m, dtype=np.int64),
            first=np.full(m, -1, dtype=np.int64),
            next=np.full(n, -1, dtype=np.int64),
            previous=np.full(n, -1, dtype=np.int64),
        )

    def arrays(self):
        return (
            self.mentor_of,
            self.weight_of,
            self.capacities,
            self.held,
            self.prices,
            self.first,
            self.next,
            self.previous,
        )

    def empty_places_with_a_price(self):
        return np.flatnonzero((self.held < self.capacities) & (self.prices > 0))

    def check_certificate(self, profits):
        """The conditions the searches keep, checked: a failure is a bug in this module."""
        if (
            (self.held > self.capacities).any()
            or (self.prices[self.held < self.capacities] != 0).any()
            or (self.prices < 0).any()
            or (profits < 0).any()
        ):
            raise RuntimeError("matching engine: an invariant of the solution does not hold")

    def profits(self):
        held = self.mentor_of >= 0
        profits = np.zeros(len(self.mentor_of), dtype=np.int64)
        profits[held] = self.weight_of[held] - self.prices[self.mentor_of[held]]
        return profits


class _Pairs:
    """The candidate pairs, by row (CSR) and by column (CSC), with their weights W."""

    def __init__(self, n, m, rows, columns, weights):
        self.n, self.m = n, m
        self._rows = np.asarray(rows, dtype=np.int64)
        self._columns = np.asarray(columns, dtype=np.int64)
        self._weights = np.asarray(weights, dtype=np.int64)
        self._index()

    def add(self, rows, columns, weights):
        self._rows = np.concatenate((self._rows, rows))
        self._columns = np.concatenate((self._columns, columns))
        self._weights = np.concatenate((self._weights, weights))
        self._index()

    def _index(self):
        key = self._rows * (self.m + 1) + self._columns
        key, first = np.unique(key, return_index=True)  # sorted by (row, column), no repeats
        self._rows, self._columns = np.divmod(key, self.m + 1)
        self._weights = self._weights[first]
        self.row_start = np.searchsorted(self._rows, np.arange(self.n + 1))
        by_column = np.argsort(self._columns, kind="stable")
        self.column_rows = self._rows[by_column]
        self.column_weights = self._weights[by_column]
        self.column_start = np.searchsorted(self._columns[by_column], np.arange(self.m + 1))
        self.count = len(key)

    def arrays(self):
        return (
            self.row_start,
            self._columns,
            self._weights,
            self.column_start,
            self.column_rows,
            self.column_weights,
        )


class _DenseGraph:
    """Every allowed pair, as a score matrix (-1 = refused) plus BIG."""

    def __init__(self, scores, big, active, open_columns):
        self.scores, self.big, self.active = scores, big, active
        self.open_columns = open_columns
        self.n, self.m = scores.shape
        self.allowed = 0
        for rows in _blocks(self.n):
            self.allowed += int(np.count_nonzero(scores[rows] >= 0))

    def _block(self, rows):
        """W for the rows, with -1 where the pair is refused, the mentee pinned or the mentor
        has no place left."""
        weights = self.scores[rows].astype(np.int64)
        usable = (weights >= 0) & self.active[rows, None] & self.open_columns[None, :]
        return np.where(usable, weights + self.big, -1)

    def candidates(self, prices):
        """Each row's best columns and each column's best rows, by W (less `prices`)."""
        use_prices = prices is not None
        rows, columns = _best_pairs(
            self.scores,
            self.big,
            self.active,
            self.open_columns,
            prices if use_prices else np.zeros(self.m, dtype=np.int64),
            MENTORS_PER_MENTEE,
            MENTEES_PER_MENTOR,
        )
        return rows, columns, self._weights_at(rows, columns)

    def _weights_at(self, rows, columns):
        return self.scores[rows, columns].astype(np.int64) + self.big

    def pairs_at(self, rows, mentor_of):
        columns = mentor_of[rows]
        good = (self.scores[rows, columns] >= 0) & self.open_columns[columns] & self.active[rows]
        rows, columns = rows[good], columns[good]
        return rows, columns, self._weights_at(rows, columns)

    def failing(self, profits, prices):
        """The allowed pairs with W > u_i + p_j: the worst few of each row."""
        rows, columns = _failing_pairs(
            self.scores, self.big, self.active, self.open_columns, profits, prices,
            ADDED_PER_MENTEE,
        )  # fmt: skip
        return rows, columns, self._weights_at(rows, columns)


class _PairsGraph:
    """Every allowed pair as arrays, for :func:`solve`'s lists of pairs."""

    def __init__(self, n, rows, columns, weights):
        self.rows, self.columns, self.weights = rows, columns, weights
        self.allowed = len(rows)
        self.active = np.ones(n, dtype=bool)

    def candidates(self, prices):
        """Each row's best few pairs and each column's best few, by weight."""
        keep = _best_per_group(self.rows, self.weights, MENTORS_PER_MENTEE)
        keep |= _best_per_group(self.columns, self.weights, MENTEES_PER_MENTOR)
        return self.rows[keep], self.columns[keep], self.weights[keep]

    def pairs_at(self, rows, mentor_of):  # pragma: no cover - solve() never warm-starts
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty

    def failing(self, profits, prices):
        bad = self.weights > profits[self.rows] + prices[self.columns]
        return self.rows[bad], self.columns[bad], self.weights[bad]


def _best_per_group(groups, weights, k):
    """Mask of the k heaviest pairs of each group (ties: the first listed)."""
    order = np.lexsort((-weights, groups))
    sorted_groups = groups[order]
    starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]])
    rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    keep = np.zeros(len(order), dtype=bool)
    keep[order[rank < k]] = True
    return keep


def _blocks(n):
    return [slice(start, min(start + ROWS_PER_BLOCK, n)) for start in range(0, n, ROWS_PER_BLOCK)]


def _big(rows, best_score):
    """BIG: a power of two above any total of scores, so one more pair outweighs them all."""
    return 1 << (max(rows, 1) * (best_score + 1)).bit_length()


# --- Compiled loops -----------------------------------------------------------------------------
#
# The searches are sequential by nature (each depends on the prices the last one left), so they
# are compiled (numba, cached on disk after the first run) rather than vectorised. So are the
# two scans of the whole score matrix: one pass over 40 million cells, with no temporaries.


@numba.njit(cache=True)
def _keep_best(keys, ids, count, key, id_):
    """Keep the len(keys) largest keys seen (ties: the first seen). Returns the new count and
    the smallest key kept once full (until then the lowest int64), below which `key` need
    not be offered."""
    if count < len(keys):
        keys[count] = key
        ids[count] = id_
        count += 1
        if count < len(keys):
            return count, np.iinfo(np.int64).min
    else:
        worst = 0
        for position in range(1, count):
            if keys[position] < keys[worst]:
                worst = position
        keys[worst] = key
        ids[worst] = id_
    floor = keys[0]
    for position in range(1, count):
        floor = min(floor, keys[position])
    return count, floor


@numba.njit(cache=True)
def _best_pairs(scores, big, active, open_columns, prices, per_row, per_column):
    """Each active row's `per_row` best open columns by W - price, and each open column's
    `per_column` best active rows: the starting candidates."""
    n, m = scores.shape
    lowest = np.iinfo(np.int64).min
    rows = np.empty(n * per_row + m * per_column, dtype=np.int64)
    columns = np.empty_like(rows)
    found = 0
    column_keys = np.empty((m, per_column), dtype=np.int64)
    column_rows = np.empty((m, per_column), dtype=np.int64)
    column_count = np.zeros(m, dtype=np.int64)
    column_floor = np.full(m, lowest, dtype=np.int64)
    row_keys = np.empty(per_row, dtype=np.int64)
    row_columns = np.empty(per_row, dtype=np.int64)
    for row in range(n):
        if not active[row]:
            continue
        count, floor = 0, lowest
        for column in range(m):
            score = scores[row, column]
            if score < 0 or not open_columns[column]:
                continue
            key = score + big - prices[column]
            if key > floor or count < per_row:
                count, floor = _keep_best(row_keys, row_columns, count, key, column)
            if key > column_floor[column] or column_count[column] < per_column:
                column_count[column], column_floor[column] = _keep_best(
                    column_keys[column], column_rows[column], column_count[column], key, row
                )
        for position in range(count):
            rows[found] = row
            columns[found] = row_columns[position]
            found += 1
    for column in range(m):
        for position in range(column_count[column]):
            rows[found] = column_rows[column, position]
            columns[found] = column
            found += 1
    return rows[:found], columns[:found]


@numba.njit(cache=True)
def _failing_pairs(scores, big, active, open_columns, profits, prices, per_row):
    """The allowed pairs with W > u_i + p_j (the certificate fails there): per row, the
    `per_row` worst."""
    n, m = scores.shape
    rows = np.empty(n * per_row, dtype=np.int64)
    columns = np.empty_like(rows)
    found = 0
    keys = np.empty(per_row, dtype=np.int64)
    ids = np.empty(per_row, dtype=np.int64)
    for row in range(n):
        if not active[row]:
            continue
        count, floor = 0, np.int64(0)
        bar = profits[row] - big  # W - u_i - p_j > 0  <=>  score - p_j > u_i - big
        for column in range(m):
            score = scores[row, column]
            if score < 0 or not open_columns[column]:
                continue
            excess = score - prices[column] - bar
            if excess > floor:
                count, floor = _keep_best(keys, ids, count, excess, column)
                floor = max(floor, 0)
        for position in range(count):
            rows[found] = row
            columns[found] = ids[position]
            found += 1
    return rows[:found], columns[:found]


@numba.njit(cache=True)
def _link(row, column, first, next_, previous):
    head = first[column]
    next_[row] = head
    previous[row] = -1
    if head >= 0:
        previous[head] = row
    first[column] = row


@numba.njit(cache=True)
def _unlink(row, column, first, next_, previous):
    before, after = previous[row], next_[row]
    if before >= 0:
        next_[before] = after
    else:
        first[column] = after
    if after >= 0:
        previous[after] = before
    next_[row] = -1
    previous[row] = -1


@numba.njit(cache=True)
def _adopt(
    row_start, columns, weights, column_start, column_rows, column_weights,
    mentor_of, weight_of, capacities, held, prices, first, next_, previous,
    previous_mentor_of,
):  # fmt: skip
    """Start from a previous assignment: each mentee with its mentor where that pair is still a
    candidate, unmatched if it was; `_repair` then frees whatever no longer holds."""
    for row in range(len(mentor_of)):
        if mentor_of[row] == UNMATCHED:  # pinned
            continue
        column = previous_mentor_of[row]
        if column < 0:
            mentor_of[row] = UNMATCHED
            continue
        for edge in range(row_start[row], row_start[row + 1]):
            if columns[edge] == column:
                mentor_of[row] = column
                weight_of[row] = weights[edge]
                held[column] += 1
                _link(row, column, first, next_, previous)
                break


@numba.njit(cache=True)
def _free(row, mentor_of, held, first, next_, previous):
    column = mentor_of[row]
    if column >= 0:
        _unlink(row, column, first, next_, previous)
        held[column] -= 1
    mentor_of[row] = UNPLACED
    return column


@numba.njit(cache=True)
def _repair(
    row_start, columns, weights, column_start, column_rows, column_weights,
    mentor_of, weight_of, capacities, held, prices, first, next_, previous,
):  # fmt: skip
    """Free each placed mentee that some candidate pays more than its own pair, and each
    mentee beyond a mentor's capacity, after pairs were added or a previous state adopted."""
    n, m = len(mentor_of), len(held)
    for row in range(n):
        placed = mentor_of[row]
        if placed == UNPLACED:
            continue
        profit = weight_of[row] - prices[placed] if placed >= 0 else 0
        best = 0
        for edge in range(row_start[row], row_start[row + 1]):
            value = weights[edge] - prices[columns[edge]]
            if value > best:
                best = value
        if best > profit or profit < 0:
            _free(row, mentor_of, held, first, next_, previous)
    for column in range(m):
        while held[column] > capacities[column]:
            _free(first[column], mentor_of, held, first, next_, previous)


@numba.njit(cache=True)
def _push(heap_distance, heap_column, size, distance, column):
    """Push onto a binary heap ordered by (distance, column); returns the new size."""
    position = size
    while position > 0:
        parent = (position - 1) // 2
        if heap_distance[parent] < distance or (
            heap_distance[parent] == distance and heap_column[parent] <= column
        ):
            break
        heap_distance[position] = heap_distance[parent]
        heap_column[position] = heap_column[parent]
        position = parent
    heap_distance[position] = distance
    heap_column[position] = column
    return size + 1


@numba.njit(cache=True)
def _pop(heap_distance, heap_column, size):
    """Remove the top of the heap; returns the new size."""
    size -= 1
    distance, column = heap_distance[size], heap_column[size]
    position = 0
    while True:
        child = 2 * position + 1
        if child >= size:
            break
        if child + 1 < size and (
            heap_distance[child + 1] < heap_distance[child]
            or (
                heap_distance[child + 1] == heap_distance[child]
                and heap_column[child + 1] < heap_column[child]
            )
        ):
            child += 1
        if distance < heap_distance[child] or (
            distance == heap_distance[child] and column <= heap_column[child]
        ):
            break
        heap_distance[position] = heap_distance[child]
        heap_column[position] = heap_column[child]
        position = child
    if size > 0:
        heap_distance[position] = distance
        heap_column[position] = column
    return size


@numba.njit(cache=True)
def _relax(
    row, base, row_start, columns, weights, prices, done, distance, via_row, via_weight,
    touched, n_touched, heap_distance, heap_column, size,
):  # fmt: skip
    """Offer each mentor of `row`'s pairs at distance ``base - (W - p)``, where `base` is the
    distance of `row` plus its profit; returns the counts of touched mentors and heap entries."""
    for edge in range(row_start[row], row_start[row + 1]):
        column = columns[edge]
        if done[column]:
            continue
        cost = base - (weights[edge] - prices[column])
        if cost < distance[column]:
            if distance[column] == INFINITY:
                touched[n_touched] = column
                n_touched += 1
            distance[column] = cost
            via_row[column] = row
            via_weight[column] = weights[edge]
            size = _push(heap_distance, heap_column, size, cost, column)
    return n_touched, size


@numba.njit(cache=True)
def _augment(  # noqa: C901, PLR0915 — one compiled loop, sharing only `_relax`
    row_start, columns, weights, column_start, column_rows, column_weights,
    mentor_of, weight_of, capacities, held, prices, first, next_, previous,
    to_place,
):  # fmt: skip
    """Step 2 of the module docstring: place each mentee of `to_place`, one search each."""
    m = len(held)
    distance = np.full(m, INFINITY, dtype=np.int64)
    done = np.zeros(m, dtype=np.bool_)
    via_row = np.zeros(m, dtype=np.int64)
    via_weight = np.zeros(m, dtype=np.int64)
    touched = np.zeros(m, dtype=np.int64)
    finished = np.zeros(m, dtype=np.int64)
    heap_distance = np.zeros(2 * len(columns) + 1, dtype=np.int64)  # each pair pushed at most
    heap_column = np.zeros(2 * len(columns) + 1, dtype=np.int64)  # once a search, the start's twice
    for start in to_place:
        if mentor_of[start] != UNPLACED:
            continue
        n_touched = n_finished = size = 0
        profit = 0
        for edge in range(row_start[start], row_start[start + 1]):
            value = weights[edge] - prices[columns[edge]]
            if value > profit:
                profit = value
        # Sending `start` itself to unmatched costs its best profit; so does each other way.
        unmatched_cost, unmatched_row = profit, start
        n_touched, size = _relax(
            start, profit, row_start, columns, weights, prices, done, distance, via_row,
            via_weight, touched, n_touched, heap_distance, heap_column, size,
        )  # fmt: skip
        sink, reached = -1, unmatched_cost
        while True:
            while size > 0 and (
                done[heap_column[0]] or heap_distance[0] > distance[heap_column[0]]
            ):
                size = _pop(heap_distance, heap_column, size)
            if size == 0 or unmatched_cost < heap_distance[0]:
                reached = unmatched_cost
                break
            column, reached = heap_column[0], heap_distance[0]
            size = _pop(heap_distance, heap_column, size)
            if held[column] < capacities[column]:
                sink = column
                break
            done[column] = True
            finished[n_finished] = column
            n_finished += 1
            row = first[column]
            while row >= 0:
                row_profit = weight_of[row] - prices[column]
                if reached + row_profit < unmatched_cost:
                    unmatched_cost, unmatched_row = reached + row_profit, row
                n_touched, size = _relax(
                    row, reached + row_profit, row_start, columns, weights, prices, done,
                    distance, via_row, via_weight, touched, n_touched, heap_distance,
                    heap_column, size,
                )  # fmt: skip
                row = next_[row]
        for index in range(n_finished):
            column = finished[index]
            prices[column] += reached - distance[column]
        # Move the mentees along the chain, from its end back to `start`.
        if sink >= 0:
            column = sink
            held[column] += 1
        else:
            column = mentor_of[unmatched_row]
            if unmatched_row == start:
                column = -1
            else:
                _unlink(unmatched_row, column, first, next_, previous)
            mentor_of[unmatched_row] = UNMATCHED
        while column >= 0:
            row = via_row[column]
            left = mentor_of[row]
            if left >= 0:
                _unlink(row, left, first, next_, previous)
            _link(row, column, first, next_, previous)
            mentor_of[row] = column
            weight_of[row] = via_weight[column]
            if row == start:
                break
            column = left
        for index in range(n_touched):
            distance[touched[index]] = INFINITY
            done[touched[index]] = False


@numba.njit(cache=True)
def _fill(  # noqa: C901, PLR0915 — the mirror image of _augment, compiled the same way
    row_start, columns, weights, column_start, column_rows, column_weights,
    mentor_of, weight_of, capacities, held, prices, first, next_, previous,
    to_fill,
):  # fmt: skip
    """Give each mentor of `to_fill` (a free place, a price > 0) a mentee or a price of 0.

    The mirror image of `_augment`: lowering the mentor's price until some mentee would as
    soon move there (leaving their own place to fill in turn), a Dijkstra search over mentors
    in the same reduced costs. It ends when an unmatched mentee moves in, or when a place
    left empty reaches price 0. Needed after a warm start or a repair, when a mentee left a
    mentor that others pay a price for.
    """
    m = len(held)
    distance = np.full(m, INFINITY, dtype=np.int64)
    done = np.zeros(m, dtype=np.bool_)
    parent = np.zeros(m, dtype=np.int64)
    mover = np.zeros(m, dtype=np.int64)
    mover_weight = np.zeros(m, dtype=np.int64)
    touched = np.zeros(m, dtype=np.int64)
    finished = np.zeros(m, dtype=np.int64)
    heap_distance = np.zeros(len(columns) + 2, dtype=np.int64)
    heap_column = np.zeros(len(columns) + 2, dtype=np.int64)
    for start in to_fill:
        _fill_one(
            start, columns, weights, column_start, column_rows, column_weights,
            mentor_of, weight_of, capacities, held, prices, first, next_, previous,
            distance, done, parent, mover, mover_weight, touched, finished,
            heap_distance, heap_column,
        )  # fmt: skip


@numba.njit(cache=True)
def _fill_one(  # noqa: C901, PLR0915 — see _fill
    start, columns, weights, column_start, column_rows, column_weights,
    mentor_of, weight_of, capacities, held, prices, first, next_, previous,
    distance, done, parent, mover, mover_weight, touched, finished,
    heap_distance, heap_column,
):  # fmt: skip
    """One mentor of `_fill`: one search per empty place, while it has one and a price."""
    while held[start] < capacities[start] and prices[start] > 0:
        distance[start] = 0
        touched[0] = start
        n_touched, n_finished = 1, 0
        size = _push(heap_distance, heap_column, 0, 0, start)
        best, best_column, best_row, best_weight = INFINITY, -1, -1, 0
        while size > 0:
            column, reached = heap_column[0], heap_distance[0]
            size = _pop(heap_distance, heap_column, size)
            if done[column] or reached > distance[column]:
                continue
            if reached >= best:
                break
            done[column] = True
            finished[n_finished] = column
            n_finished += 1
            if reached + prices[column] < best:  # its price reaches 0: the place may stay empty
                best, best_column, best_row = reached + prices[column], column, -1
            for edge in range(column_start[column], column_start[column + 1]):
                row = column_rows[edge]
                placed = mentor_of[row]
                if placed == UNPLACED or placed == column:  # noqa: SIM109 — compiled: no tuples
                    continue
                profit = weight_of[row] - prices[placed] if placed >= 0 else 0
                cost = reached + profit - (column_weights[edge] - prices[column])
                if placed == UNMATCHED:
                    if cost < best:
                        best, best_column, best_row = cost, column, row
                        best_weight = column_weights[edge]
                elif not done[placed] and cost < distance[placed]:
                    if distance[placed] == INFINITY:
                        touched[n_touched] = placed
                        n_touched += 1
                    distance[placed] = cost
                    parent[placed] = column
                    mover[placed] = row
                    mover_weight[placed] = column_weights[edge]
                    size = _push(heap_distance, heap_column, size, cost, placed)
        for index in range(n_finished):
            column = finished[index]
            prices[column] -= best - distance[column]
        # The empty place moves from `start` along the chain to `best_column`, and is filled
        # there by `best_row` (or stays, at price 0).
        held[start] += 1
        column = best_column
        while column != start:
            row = mover[column]
            _unlink(row, column, first, next_, previous)
            _link(row, parent[column], first, next_, previous)
            mentor_of[row] = parent[column]
            weight_of[row] = mover_weight[column]
            column = parent[column]
        if best_row >= 0:
            _link(best_row, best_column, first, next_, previous)
            mentor_of[best_row] = best_column
            weight_of[best_row] = best_weight
        else:
            held[best_column] -= 1
        size = 0
        for index in range(n_touched):
            distance[touched[index]] = INFINITY
            done[touched[index]] = False


# --- Input checks -------------------------------------------------------------------------------


def _checked_matrix_pins(pinned, scores, capacities):
    """Pins as ``{row: column}``, or ValueError saying why they cannot all hold."""
    assigned: dict[int, int] = {}
    for row, column in sorted(set(pinned)):
        if not (0 <= row < scores.shape[0] and 0 <= column < scores.shape[1]):
            raise ValueError(f"pinned pair {(row, column)!r} is outside the matrix")
        if scores[row, column] < 0:
            raise ValueError(f"pinned pair {(row, column)!r} is not allowed")
        if row in assigned:
            raise ValueError(f"row {row} is pinned to two columns: {[assigned[row], column]!r}")
        assigned[row] = column
    for column, count in sorted(Counter(assigned.values()).items()):
        if count > capacities[column]:
            raise ValueError(
                f"column {column} has {count} pinned rows but capacity {capacities[column]}"
            )
    return assigned


def _integer_weights(scores, n_rows):
    """(scores as int64 in units of 2**-k, BIG): every sum the solver forms stays below 2**61."""
    largest = float(scores.max())
    limit_bits = 58 - max(n_rows, 1).bit_length()  # n_rows * largest < 2**58
    if largest == 0:
        weights = np.zeros(len(scores), dtype=np.int64)
    else:
        k = limit_bits - math.frexp(largest)[1]  # largest * 2**k < 2**limit_bits
        weights = np.rint(np.ldexp(scores, k)).astype(np.int64)
    return weights, _big(n_rows, int(weights.max()))


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
