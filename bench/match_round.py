"""Time an organiser's matching round on 2,000 mentees and ~800 mentors, through the real services.

Run from the project root:  .venv/bin/python bench/match_round.py [--mentees N] [--mentors N]

It builds a throwaway SQLite database in a temporary folder (your own database is not touched),
fills one peer-only scheme with a seeded, realistic population (mentees FY1-CT3, trainee mentors
2-8 years in training with 1-3 places, specialties, sites, goals, meeting modes, availability,
some gender preferences, supervisors and exclusions), then times:

- start: `match_round_start`, which for this size queues the Celery task (run eagerly here) that
  loads the pool, applies the rules, scores every allowed pair, solves and writes proposals;
- re-solve: pinning one pair and solving again, as the organiser's changes do;
- approve: `match_round_approve`, creating every pair and queuing two introductions per pair in
  one transaction. Sending the emails is a worker's job after commit, so it is not timed.

With --ortools (``.venv/bin/pip install ortools``: a reference, not a requirement) it also gives
the round's full score matrix, every allowed pair, to OR-Tools' min-cost max-flow in the same
run, and prints its build and solve times, whether it finds the same optimum, and the ratio.
"""

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SPECIALTIES = [
    "Psychiatry", "Paediatrics", "Surgery", "Medicine", "Anaesthetics",
    "Obstetrics and Gynaecology", "Emergency Medicine", "General Practice", "Radiology",
    "Pathology",
]  # fmt: skip
SITES = ["Maudsley", "Bethlem", "Lambeth", "Denmark Hill", "St Thomas'", "Guy's"]
TIMES = [
    "Tuesday evenings", "weekday lunchtimes", "Wednesday afternoons", "weekends",
    "Monday or Thursday evenings", "Friday mornings", "", "any time",
]  # fmt: skip


def setup_django(folder):
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    os.environ.setdefault("DEBUG", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "mentoring.settings_test"  # Celery eager, no broker
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def populate(n_mentees, n_mentors, seed):
    from accounts.models import Gender, Grade, User
    from matching.models import Exclusion
    from schemes.models import (
        Enrolment,
        MentoringArea,
        MentorTraining,
        Organisation,
        Region,
        Scheme,
    )

    rng = random.Random(seed)
    region = Region.objects.create(name="South London", slug="south-london")
    trust = Organisation.objects.create(
        region=region, name="Bench NHS Trust", short_name="Bench", slug="bench"
    )
    scheme = Scheme.objects.create(
        organisation=trust,
        name="Bench peer mentoring",
        slug="bench",
        mentor_training_required=MentorTraining.NONE,
        asks_mentor_gender_preference=True,
        mentor_min_years_in_training=1,
    )
    today = date.today()
    mentee_grades = [Grade.FY1, Grade.FY2, Grade.CT1, Grade.CT2, Grade.CT3]
    mentor_grades = [Grade.ST3, Grade.ST4, Grade.ST5, Grade.ST6]
    users = []
    for number in range(n_mentees + n_mentors):
        is_mentor = number >= n_mentees
        years = rng.uniform(2, 8) if is_mentor else rng.uniform(0, 3)
        users.append(
            User(
                email=f"{'mentor' if is_mentor else 'mentee'}{number}@bench.nhs.uk",
                first_name=f"First{number}",
                last_name=f"Last{number}",
                password="!",
                grade=rng.choice(mentor_grades if is_mentor else mentee_grades),
                specialty=rng.choice(SPECIALTIES),
                organisation=trust,
                site=rng.choice(SITES),
                gender=rng.choice([Gender.WOMAN, Gender.MAN, Gender.WOMAN, Gender.UNSAID]),
                training_started_on=today - timedelta(days=round(years * 365.25)),
            )
        )
    users = User.objects.bulk_create(users, batch_size=500)
    areas = MentoringArea.values
    enrolments = []
    for number, user in enumerate(users):
        is_mentor = number >= n_mentees
        enrolment = Enrolment(
            scheme=scheme,
            user=user,
            role=Enrolment.Role.MENTOR if is_mentor else Enrolment.Role.MENTEE,
            site=user.site,
            areas=rng.sample(areas, rng.randint(1, 4)),
            availability=rng.choice(TIMES),
            meeting_mode=rng.choice(["any", "any", "video", "in_person", "phone"]),
        )
        if is_mentor:
            enrolment.capacity = rng.choice([1, 2, 2, 3])
        else:
            enrolment.mentor_specialty_preference = rng.choice(["same", "different", "any", "any"])
            enrolment.prefers_same_site = rng.random() < 0.3
            enrolment.mentor_gender_preference = rng.choice(["", "", "", "", "woman", "man"])
        enrolment.waiting_since = enrolment.created_at - timedelta(days=rng.randint(0, 120))
        enrolments.append(enrolment)
    enrolments = Enrolment.objects.bulk_create(enrolments, batch_size=500)
    mentees, mentors = enrolments[:n_mentees], enrolments[n_mentees:]
    for mentee in rng.sample(mentees, n_mentees // 10):  # some name a supervisor who mentors
        mentee.educational_supervisor_email = rng.choice(mentors).user.email
    Enrolment.objects.bulk_update(mentees, ["educational_supervisor_email"], batch_size=500)
    Exclusion.objects.bulk_create(
        [
            Exclusion(
                mentee_enrolment=mentee,
                excluded_user=rng.choice(mentors).user,
                reason=Exclusion.Reason.MENTEE,
            )
            for mentee in rng.sample(mentees, n_mentees // 20)
        ],
        ignore_conflicts=True,
    )
    organiser = User.objects.create(email="organiser@bench.nhs.uk", password="!")
    return scheme, organiser


def timed(function):
    """(result, wall seconds, CPU seconds of this process). On a busy machine the wall time
    grows with the other processes' load; the CPU time is what the work itself costs."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def phases(summary):
    return ", ".join(f"{phase} {seconds:.2f} s" for phase, seconds in summary["timings"].items())


class SolveRecorder:
    """Wraps matching.engine.solve_scores to keep each call's input and wall time."""

    def __init__(self, engine):
        self.engine, self.original, self.calls = engine, engine.solve_scores, []
        engine.solve_scores = self

    def __call__(self, scores, capacities, **options):
        started = time.perf_counter()
        solution = self.original(scores, capacities, **options)
        self.calls.append((scores, np.asarray(capacities), solution, time.perf_counter() - started))
        return solution


def solver_figures(summary):
    solver = summary["solver"]
    return (
        f"solver: {solver['seconds']:.2f} s, {'warm' if solver['warm_start'] else 'cold'} start, "
        f"{solver['passes']} check passes, {solver['candidate_pairs']:,} candidate pairs of "
        f"{solver['allowed_pairs']:,} allowed"
    )


def compare_with_ortools(scores, capacities, solution, engine_seconds):
    """OR-Tools' min-cost max-flow on every allowed pair of the same matrix, side by side."""
    try:
        from ortools.graph.python import min_cost_flow
    except ImportError:
        print("ortools : not installed; for the reference run: .venv/bin/pip install ortools")
        return
    started = time.perf_counter()
    n, m = scores.shape
    rows, columns = np.nonzero(scores >= 0)
    flow = min_cost_flow.SimpleMinCostFlow()
    source, sink = n + m, n + m + 1
    flow.add_arcs_with_capacity_and_unit_cost(
        np.full(n, source), np.arange(n), np.ones(n, np.int64), np.zeros(n, np.int64)
    )
    pair_arcs = flow.add_arcs_with_capacity_and_unit_cost(
        rows, n + columns, np.ones(len(rows), np.int64), -scores[rows, columns].astype(np.int64)
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        n + np.arange(m), np.full(m, sink), capacities.astype(np.int64), np.zeros(m, np.int64)
    )
    flow.set_node_supply(source, n)
    flow.set_node_supply(sink, -n)
    built = time.perf_counter()
    if flow.solve_max_flow_with_min_cost() != flow.OPTIMAL:
        raise RuntimeError("OR-Tools did not find an optimum")
    solved = time.perf_counter()
    used = flow.flows(pair_arcs) > 0
    reference = (int(used.sum()), int(scores[rows[used], columns[used]].sum()))
    matched = np.flatnonzero(solution.mentor_of >= 0)
    ours = (len(matched), int(scores[matched, solution.mentor_of[matched]].sum()))
    total = solved - started
    print(
        f"ortools : {total:6.2f} s wall (build {built - started:.2f} s from the matrix, solve "
        f"{solved - built:.2f} s) on the same {len(rows):,} allowed pairs; matched "
        f"{reference[0]}, total score {reference[1] / 100:.2f}"
    )
    print(
        f"          engine {engine_seconds:.2f} s vs OR-Tools {total:.2f} s: "
        f"{engine_seconds / total:.3f}x its time; same optimum: {ours == reference} "
        f"(engine: matched {ours[0]}, total score {ours[1] / 100:.2f})"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentees", type=int, default=2000)
    parser.add_argument("--mentors", type=int, default=800)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--ortools", action="store_true", help="time OR-Tools on the same pairs")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        setup_django(folder)
        import accounts.tasks
        from matching import engine, services

        # A worker loads the engine's compiled code once, at its first round (about 0.3 s from
        # numba's cache on disk, several seconds to compile the first time ever): not timed here.
        engine.solve_scores(np.zeros((1, 1), dtype=np.int32), np.ones(1, dtype=np.int64))
        solves = SolveRecorder(engine)

        # Introductions are sent by workers after commit; only queuing them is timed.
        accounts.tasks.notification_send_task.delay = lambda *args, **kwargs: None

        started = time.perf_counter()
        scheme, organiser = populate(args.mentees, args.mentors, args.seed)
        print(
            f"population: {args.mentees} mentees, {args.mentors} mentors "
            f"(built in {time.perf_counter() - started:.1f} s, SQLite in a temporary folder)"
        )

        match_round, wall, cpu = timed(
            lambda: services.match_round_start(scheme=scheme, started_by=organiser)
        )
        summary = match_round.summary
        print(
            f"start   : {wall:6.2f} s wall, {cpu:5.2f} s CPU; status {match_round.status}, "
            f"matched {summary['matched']} of {summary['mentees']} ({summary['places']} places, "
            f"{summary['edges']} allowed pairs); unmatched: {summary['no_eligible_mentor']} no "
            f"eligible mentor, {summary['capacity_used_up']} capacity used up"
        )
        print(
            f"          phases (wall): {phases(summary)}  [load: pool and the rules' data; "
            "edges: rules and scores of every pair; solve: matching.engine.solve_scores; write: "
            "explanations and proposals]"
        )
        print(f"          {solver_figures(summary)}")
        if args.ortools:
            compare_with_ortools(*solves.calls[0][:3], engine_seconds=solves.calls[0][3])

        proposal = match_round.proposals.exclude(mentor_enrolment=None).first()
        _, wall, cpu = timed(
            lambda: services.match_round_pin(
                match_round=match_round, mentee_enrolment_id=proposal.mentee_enrolment_id
            )
        )
        match_round.refresh_from_db()
        print(f"re-solve: {wall:6.2f} s wall, {cpu:5.2f} s CPU (after pinning one pair)")
        print(f"          phases (wall): {phases(match_round.summary)}")
        print(f"          {solver_figures(match_round.summary)}")

        pairs, wall, cpu = timed(
            lambda: services.match_round_approve(match_round=match_round, approved_by=organiser)
        )
        print(
            f"approve : {wall:6.2f} s wall, {cpu:5.2f} s CPU; {len(pairs)} pairs created and "
            f"{2 * len(pairs)} introductions queued, in one transaction"
        )


if __name__ == "__main__":
    main()
