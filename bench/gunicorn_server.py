"""Start and stop gunicorn on 127.0.0.1 for the benchmarks, production-shaped (DEBUG=0).

Shared by bench/reports.py and bench/load.py. Differences from production, all for plain HTTP on
the loopback address: no TLS redirect or secure-only cookies, ALLOWED_HOSTS=127.0.0.1, and
TWO_FACTOR_REQUIRED=0 so that staff accounts sign in with a password alone (the benchmarks would
otherwise need an authenticator code for every organiser, DME and regional lead).
"""

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG = "postgres://postgres@127.0.0.1:5432"


def server_environment(database):
    return {
        **os.environ,
        "DATABASE_URL": f"{PG}/{database}",
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key-not-used-anywhere-else-0123456789abcdef",
        "ALLOWED_HOSTS": "127.0.0.1,testserver",
        "TWO_FACTOR_REQUIRED": "0",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
        # Follow-up emails of a logged meeting go to a Redis database of their own, no worker.
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"),
        "CONN_MAX_AGE": "60",
    }


class Server:
    """gunicorn with sync workers on the bench database; collectstatic first (DEBUG=0 reads the
    hashed names from the manifest in staticfiles/)."""

    def __init__(self, database, port, workers):
        self.database, self.port, self.workers = database, port, workers
        self.environment = server_environment(database)
        self.process = None

    def __enter__(self):
        collect_static(self.environment)
        self.process = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "mentoring.wsgi", "--bind",
             f"127.0.0.1:{self.port}", "--workers", str(self.workers), "--timeout", "120",
             "--access-logfile", "/dev/null"],
            cwd=ROOT,
            env=self.environment,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/accounts/login/", timeout=30).read()
                return self
            except OSError:  # refused while booting, or a worker still importing
                time.sleep(0.5)
        self.process.terminate()
        raise RuntimeError("gunicorn did not answer within 60 s")

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=30)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self):
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]


def rss_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def collect_static(environment):
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=environment,
        check=True,
    )
