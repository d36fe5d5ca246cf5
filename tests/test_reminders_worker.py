"""A real Celery worker, started against Redis, runs the reminders sweep as beat would: the
reminder that is due reaches both members once, however often the sweep is delivered."""

import os
import time
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Notification
from matching.tests.factories import PairFactory
from meetings.models import PlannedMeeting
from meetings.tasks import reminders_sweep
from mentoring.celery import app as celery_app

from .workers import PROJECT, start_worker, stop_worker


def test_beat_runs_the_reminders_sweep_every_15_minutes(settings):
    (entry,) = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "meetings.tasks.reminders_sweep"
    ]
    assert entry["schedule"] == 15 * 60


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_sends_a_due_reminder_once_when_the_sweep_runs_twice(tmp_path):
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.skip(
            "set REDIS_URL (e.g. redis://127.0.0.1:6379/0) to run a real worker against Redis"
        )
    if connection.vendor != "postgresql":
        pytest.skip(
            "the worker process needs a database it can share: set DATABASE_URL to PostgreSQL"
        )

    pair = PairFactory(
        mentee_enrolment__user__email="worker.mentee@example.nhs.uk",
        mentor_enrolment__user__email="worker.mentor@example.nhs.uk",
    )
    three_days_ago = timezone.now() - timedelta(days=3)
    PlannedMeeting.objects.create(
        pair=pair,
        starts_at=timezone.now() + timedelta(hours=3),
        mode="video",
        planned_by=pair.mentee,
        created_at=three_days_ago,
        updated_at=three_days_ago,
    )

    # A queue of our own, also the worker's default queue, so the emails the sweep queues come
    # back to this worker and no stray task from elsewhere interferes.
    queue = f"test-{uuid.uuid4().hex[:12]}"
    (tmp_path / "reminders_worker_settings.py").write_text(
        f"from mentoring.settings import *  # noqa\nCELERY_TASK_DEFAULT_QUEUE = {queue!r}\n"
    )
    log = tmp_path / "worker.log"
    worker = start_worker(
        broker=redis_url,
        log=log,
        queue=queue,
        extra_env={
            "DJANGO_SETTINGS_MODULE": "reminders_worker_settings",
            "PYTHONPATH": os.pathsep.join([str(tmp_path), str(PROJECT)]),
        },
    )
    reminders = Notification.objects.filter(kind="meeting_reminder")
    try:
        celery_app.conf.task_always_eager = False  # send through Redis, not in this process
        reminders_sweep.apply_async(queue=queue)
        reminders_sweep.apply_async(queue=queue)  # beat ticks twice, or a delivery repeats

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if reminders.count() == 2 and not reminders.filter(sent_at=None).exists():
                break
            time.sleep(0.5)
        reminders_sweep.apply_async(queue=queue)  # and once more after the emails went out
        time.sleep(3)
    finally:
        celery_app.conf.task_always_eager = True
        stop_worker(worker)

    output = log.read_text()
    assert reminders.count() == 2, output
    assert not reminders.filter(sent_at=None).exists(), output
    assert set(reminders.values_list("attempts", flat=True)) == {1}, output
    assert output.count("Subject: Reminder: mentoring meeting on") == 2, output
    assert "To: worker.mentee@example.nhs.uk" in output
    assert "To: worker.mentor@example.nhs.uk" in output
