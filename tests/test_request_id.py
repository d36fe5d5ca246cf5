"""One request id follows a request from the load balancer through the web node into the Celery
tasks it enqueues, and every log line is one JSON object carrying it."""

import io
import json
import logging
import os
import time
import uuid

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils.module_loading import import_string
from django_guid import clear_guid, get_guid, set_guid

from accounts.models import Notification
from accounts.tasks import notification_send_task
from accounts.tests.factories import UnconfirmedUserFactory
from mentoring.celery import app as celery_app

from .workers import start_worker, stop_worker


def _json_handler(stream):
    """A handler built from the project's LOGGING settings: its JSON formatter and filter."""
    formatter_spec = dict(settings.LOGGING["formatters"]["json"])
    formatter = import_string(formatter_spec.pop("()"))(**formatter_spec)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(import_string(settings.LOGGING["filters"]["request_id"]["()"])())
    return handler


@pytest.mark.django_db
def test_the_load_balancers_request_id_is_kept_and_returned(client):
    request_id = uuid.uuid4().hex

    response = client.get(reverse("health-live"), HTTP_X_REQUEST_ID=request_id)

    assert response["X-Request-ID"] == request_id


@pytest.mark.django_db
def test_a_request_without_a_usable_id_gets_a_new_one(client):
    first = client.get(reverse("health-live"), HTTP_X_REQUEST_ID="<script>")
    second = client.get(reverse("health-live"))

    assert uuid.UUID(first["X-Request-ID"])
    assert uuid.UUID(second["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_each_log_line_is_one_json_object_with_the_request_id():
    stream = io.StringIO()
    logger = logging.getLogger("tests.request_id")
    handler = _json_handler(stream)
    logger.addHandler(handler)
    set_guid("0f1e2d3c4b5a69788796a5b4c3d2e1f0")
    try:
        logger.warning("Sent notification %s (%s)", 42, "email_confirmation")
    finally:
        logger.removeHandler(handler)
        clear_guid()

    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["request_id"] == "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "tests.request_id"
    assert entry["message"] == "Sent notification 42 (email_confirmation)"
    assert "time" in entry


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_task_enqueued_by_a_request_logs_with_that_requests_id(tmp_path):
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.skip("set REDIS_URL to run a real worker against Redis")
    if connection.vendor != "postgresql":
        pytest.skip("the worker process needs a database it can share: use PostgreSQL")

    user = UnconfirmedUserFactory(email="request.id@example.nhs.uk")
    notification = Notification.objects.create(
        key=f"request-id-test:{uuid.uuid4()}", kind="email_confirmation", recipient=user
    )
    queue = f"test-{uuid.uuid4().hex[:12]}"
    log = tmp_path / "worker.log"
    worker = start_worker(broker=redis_url, log=log, queue=queue, extra_env={"LOG_FORMAT": "json"})
    request_id = uuid.uuid4().hex
    try:
        celery_app.conf.task_always_eager = False
        set_guid(request_id)  # as the middleware does for a request
        notification_send_task.apply_async(args=[notification.pk], queue=queue)
        assert get_guid() == request_id
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            notification.refresh_from_db()
            if notification.sent_at is not None and "Sent notification" in log.read_text():
                break
            time.sleep(0.5)
    finally:
        clear_guid()
        celery_app.conf.task_always_eager = True
        stop_worker(worker)

    entries = []
    for line in log.read_text().splitlines():
        try:
            entries.append(json.loads(line))
        except ValueError:
            continue  # the console email backend prints the message itself, as plain text
    sent = [entry for entry in entries if entry.get("message", "").startswith("Sent notification")]
    assert sent, log.read_text()
    assert sent[0]["request_id"] == request_id
    assert str(notification.pk) in sent[0]["message"]
