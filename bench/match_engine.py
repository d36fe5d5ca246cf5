"""Benchmark matching.engine.solve against OR-Tools' min-cost flow on one seeded instance.

Run from the project root:  .venv/bin/python bench/match_engine.py [--seed N] [--repeat N]

The instance: 10,000 mentees, 4,000 mentors with capacity 1-3, 50 random candidate mentors per
mentee with a random float score in [0, 1). Both solvers start from the same edge list and
their times include turning it into their own input; the best of --repeat runs is shown.
OR-Tools is only a reference for this script, not a project requirement.
"""

import argparse
import math
import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from matching.engine import solve  # noqa: E402

MENTEES, MENTORS, CANDIDATES = 10_000, 4_000, 50
COST_SCALE = 10**9  # OR-Tools needs integer costs: -round(score * COST_SCALE)


def make_instance(seed):
    rng = random.Random(seed)
    capacities = {mentor: rng.randint(1, 3) for mentor in range(MENTORS)}
    edges = [
        (mentee, mentor, rng.random())
        for mentee in range(MENTEES)
        for mentor in rng.sample(range(MENTORS), CANDIDATES)
    ]
    return edges, capacities


def solve_with_ortools(edges, capacities, min_cost_flow):
    """Max flow of min cost: source -> mentee (cap 1) -> mentor (cap 1) -> sink (capacity).

    Returns the assignment and the seconds spent in OR-Tools' solve alone. (It assumes no
    duplicate edges, which this instance has none of.)
    """
    mentees = sorted({mentee for mentee, _, _ in edges})
    mentors = sorted(capacities)
    mentee_node = {mentee: i for i, mentee in enumerate(mentees)}
    mentor_node = {mentor: len(mentees) + j for j, mentor in enumerate(mentors)}
    source, sink = len(mentees) + len(mentors), len(mentees) + len(mentors) + 1
    tails = np.fromiter((mentee_node[mentee] for mentee, _, _ in edges), np.int64, len(edges))
    heads = np.fromiter((mentor_node[mentor] for _, mentor, _ in edges), np.int64, len(edges))
    scores = np.fromiter((score for _, _, score in edges), np.float64, len(edges))

    flow = min_cost_flow.SimpleMinCostFlow()
    ones, zeros = np.ones(len(mentees), np.int64), np.zeros(len(mentees), np.int64)
    flow.add_arcs_with_capacity_and_unit_cost(
        np.full(len(mentees), source), np.arange(len(mentees)), ones, zeros
    )
    pair_arcs = flow.add_arcs_with_capacity_and_unit_cost(
        tails, heads, np.ones(len(edges), np.int64), -np.rint(scores * COST_SCALE).astype(np.int64)
    )
    mentor_nodes = np.array([mentor_node[mentor] for mentor in mentors], np.int64)
    mentor_capacities = np.array([capacities[mentor] for mentor in mentors], np.int64)
    flow.add_arcs_with_capacity_and_unit_cost(
        mentor_nodes,
        np.full(len(mentors), sink),
        mentor_capacities,
        np.zeros(len(mentors), np.int64),
    )
    flow.set_node_supply(source, len(mentees))
    flow.set_node_supply(sink, -len(mentees))
    start = time.perf_counter()
    status = flow.solve_max_flow_with_min_cost()
    solve_seconds = time.perf_counter() - start
    if status != flow.OPTIMAL:
        raise RuntimeError(f"OR-Tools status {status}")
    used = flow.flows(pair_arcs) > 0
    return {edges[k][0]: edges[k][1] for k in np.flatnonzero(used)}, solve_seconds


def best_time(function, repeat):
    """Shortest wall time of ``repeat`` calls, and every call's result."""
    times, results = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        results.append(function())
        times.append(time.perf_counter() - start)
    return min(times), results


def total_score(assignment, edges):
    score_of = {(mentee, mentor): score for mentee, mentor, score in edges}
    return math.fsum(score_of[pair] for pair in assignment.items())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    edges, capacities = make_instance(args.seed)
    print(
        f"instance: {MENTEES} mentees, {MENTORS} mentors, {sum(capacities.values())} places, "
        f"{len(edges)} edges (seed {args.seed}, best of {args.repeat})"
    )
    engine_time, results = best_time(lambda: solve(edges, capacities), args.repeat)
    engine = results[-1]
    engine_score = total_score(engine, edges)
    print(f"engine  : {engine_time:7.3f} s  matched {len(engine)}  objective {engine_score:.6f}")

    try:
        from ortools.graph.python import min_cost_flow
    except ImportError:
        print("ortools is not installed; for the reference run: .venv/bin/pip install ortools")
        return
    ortools_time, results = best_time(
        lambda: solve_with_ortools(edges, capacities, min_cost_flow), args.repeat
    )
    reference = results[-1][0]
    ortools_solve_time = min(seconds for _, seconds in results)
    reference_score = total_score(reference, edges)
    print(
        f"ortools : {ortools_time:7.3f} s  matched {len(reference)}  "
        f"objective {reference_score:.6f}  (of which SolveMaxFlowWithMinCost "
        f"{ortools_solve_time:.3f} s)"
    )
    # OR-Tools optimises scores rounded to 1/COST_SCALE, so it may trail the true optimum
    # by up to one unit per match; the engine's own rounding is far finer.
    tolerance = len(reference) / COST_SCALE
    same = len(engine) == len(reference) and abs(engine_score - reference_score) <= tolerance
    print(
        f"same matched count and objective (tolerance {tolerance:.1e}): {same}; "
        f"difference {engine_score - reference_score:+.2e}; "
        f"engine/ortools time {engine_time / ortools_time:.2f}x"
    )


if __name__ == "__main__":
    main()
