"""A real Celery worker, started against Redis, runs a task; its effect lands in the database."""

import os
import time
import uuid

import pytest
from django.db import connection

from accounts.models import Notification
from accounts.tasks import notification_send_task
from accounts.tests.factories import UnconfirmedUserFactory
from mentoring.celery import app as celery_app

from .workers import start_worker, stop_worker


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_sends_a_queued_notification_once(tmp_path):
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.skip(
            "set REDIS_URL (e.g. redis://127.0.0.1:6379/0) to run a real worker against Redis"
        )
    if connection.vendor != "postgresql":
        pytest.skip(
            "the worker process needs a database it can share: set DATABASE_URL to PostgreSQL"
        )

    user = UnconfirmedUserFactory(email="worker.test@example.nhs.uk")
    notification = Notification.objects.create(
        key=f"worker-test:{uuid.uuid4()}", kind="email_confirmation", recipient=user
    )
    queue = f"test-{uuid.uuid4().hex[:12]}"  # a queue of our own, so no stray task interferes
    log = tmp_path / "worker.log"
    worker = start_worker(broker=redis_url, log=log, queue=queue)
    try:
        celery_app.conf.task_always_eager = False  # send through Redis, not in this process
        notification_send_task.apply_async(args=[notification.pk], queue=queue)
        notification_send_task.apply_async(args=[notification.pk], queue=queue)  # delivered twice

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            notification.refresh_from_db()
            if (
                notification.sent_at is not None
                and "succeeded" in log.read_text().split("sent_at")[0]
            ):
                break
            time.sleep(0.5)
        # Let the second delivery run too, then check it sent nothing more.
        time.sleep(2)
    finally:
        celery_app.conf.task_always_eager = True
        stop_worker(worker)

    output = log.read_text()
    notification.refresh_from_db()
    assert notification.sent_at is not None, output
    assert notification.attempts == 1, output
    assert output.count("Confirm your email address for Peer Mentoring") == 1, output
