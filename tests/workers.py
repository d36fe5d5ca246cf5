"""Real Celery workers for integration tests: started against Redis, sharing the test database."""

import os
import subprocess
import sys
from pathlib import Path

from django.db import connection

PROJECT = Path(__file__).resolve().parents[1]


def worker_database_url():
    """The URL of the database this test is using, for a worker process to share."""
    settings = connection.settings_dict
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or "5432"
    return f"postgres://{settings.get('USER') or ''}{password}@{host}:{port}/{settings['NAME']}"


def start_worker(*, broker, log, queue=None, extra_env=None):
    """Start `celery worker` (solo pool) against `broker`, appending its output to `log`."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mentoring.settings",
        "DEBUG": "1",
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": broker,
        "EMAIL_URL": "consolemail://",
        "CONN_MAX_AGE": "0",
        **(extra_env or {}),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    command = [sys.executable, "-m", "celery", "-A", "mentoring", "worker", "--pool", "solo"]
    if queue:
        command += ["--queues", queue]
    command += ["--without-mingle", "--without-gossip", "--loglevel", "INFO"]
    return subprocess.Popen(
        command, cwd=PROJECT, env=env, stdout=log.open("a"), stderr=subprocess.STDOUT
    )


def stop_worker(worker):
    worker.terminate()
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
