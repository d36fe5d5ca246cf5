"""A round too big for the request, solved and re-solved by a real Celery worker against Redis."""

import os
import time
import uuid

import pytest
from django.db import connection

from matching import services
from matching.models import MatchRound
from mentoring.celery import app as celery_app
from schemes.models import MentorTraining
from tests.workers import start_worker, stop_worker


def wait_until_proposed(match_round, log, seconds=90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        match_round.refresh_from_db()
        if match_round.status != MatchRound.Status.RUNNING:
            break
        time.sleep(0.3)
    assert match_round.status == MatchRound.Status.PROPOSED, log.read_text()


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_solves_a_round_then_re_solves_it_from_its_solution_after_a_pin(
    tmp_path, monkeypatch, scheme, organiser, make_mentee, make_mentor
):
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.skip("set REDIS_URL (e.g. redis://127.0.0.1:6379/0) to run a real worker")
    if connection.vendor != "postgresql":
        pytest.skip("the worker process needs a database it can share: set DATABASE_URL")
    # The worker runs the real training check: none is required here, so every mentor counts.
    scheme.mentor_training_required = MentorTraining.NONE
    scheme.save()
    mentees = [make_mentee(scheme, years=number % 3) for number in range(14)]
    for number in range(6):
        make_mentor(scheme, years=3 + number % 3, capacity=2)
    monkeypatch.setattr(services, "SYNC_ROUND_LIMIT", 1)  # any round goes to the worker
    queue = f"test-{uuid.uuid4().hex[:12]}"  # a queue of our own, so no stray task interferes
    log = tmp_path / "worker.log"
    worker = start_worker(broker=redis_url, log=log, queue=queue)
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    try:
        match_round = services.match_round_start(scheme=scheme, started_by=organiser)
        wait_until_proposed(match_round, log)
        assert match_round.summary["matched"] == 12  # 6 mentors x 2 places
        assert not match_round.summary["solver"]["warm_start"]
        assert match_round.progress == 100 and match_round.progress_note == ""
        kept = match_round.proposals.exclude(mentor_enrolment=None).first()

        services.match_round_pin(
            match_round=match_round, mentee_enrolment_id=kept.mentee_enrolment_id
        )
        wait_until_proposed(match_round, log)
    finally:
        celery_app.conf.task_always_eager = True
        celery_app.conf.task_default_queue = "celery"
        stop_worker(worker)

    assert match_round.summary["solver"]["warm_start"], "the re-solve starts from the first"
    pinned = match_round.proposals.get(mentee_enrolment_id=kept.mentee_enrolment_id)
    assert pinned.is_pinned and pinned.mentor_enrolment_id == kept.mentor_enrolment_id
    assert match_round.proposals.count() == len(mentees)
    assert "Traceback" not in log.read_text()
