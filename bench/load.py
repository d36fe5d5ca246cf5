"""Load test (issue #9): locust against gunicorn on PostgreSQL with the national data set.

    .venv/bin/pip install -r bench/requirements.txt          # locust, pinned; once
    .venv/bin/python bench/seed_national.py                  # once: mentoring_bench, 100 %
    .venv/bin/python bench/load.py                           # --users 30 --spawn-rate 2
                                                             # --run-time 90s --workers 3

1. Starts gunicorn on 127.0.0.1 only (bench/gunicorn_server.py: DEBUG=0, TWO_FACTOR_REQUIRED=0,
   emails queued to Redis database 15 with no worker) and waits for it.
2. Runs locust headless for a bounded time (bench/locustfile.py: trainees, organisers, DMEs,
   each signed in through the login form), writing its CSV statistics to a temporary folder.
3. Stops the server, deletes the meetings the run logged and the email tasks it queued, and
   prints throughput, p50/p95 per page and the error count. Zero errors is the bar: the script
   exits 1 on any.
"""

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gunicorn_server import Server, server_environment  # noqa: E402

LOAD_SUMMARY = "Load test meeting: exam plan."  # bench/locustfile.py writes it


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="mentoring_bench")
    parser.add_argument("--password", default="bench-password-2026")
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--spawn-rate", type=float, default=2)
    parser.add_argument("--run-time", default="90s")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()

    environment = server_environment(args.database)
    os.environ.update(environment)
    os.environ["DJANGO_SETTINGS_MODULE"] = "mentoring.settings"
    import django

    django.setup()
    from meetings.models import Meeting
    from schemes.models import Organisation

    trusts = Organisation.objects.count()
    before = Meeting.objects.count()
    folder = Path(tempfile.mkdtemp(prefix="bench-load-"))
    with Server(args.database, args.port, args.workers) as server:
        started = time.perf_counter()
        subprocess.run(
            [str(ROOT / ".venv/bin/locust"), "-f", str(ROOT / "bench/locustfile.py"),
             "--headless", "--host", server.url, "--users", str(args.users),
             "--spawn-rate", str(args.spawn_rate), "--run-time", args.run_time,
             "--stop-timeout", "10", "--csv", str(folder / "load"), "--only-summary",
             "--loglevel", "WARNING"],
            cwd=ROOT,
            env={**environment, "BENCH_PASSWORD": args.password, "BENCH_TRUSTS": str(trusts)},
            check=False,
        )  # fmt: skip
        elapsed = time.perf_counter() - started
    logged = Meeting.objects.filter(summary=LOAD_SUMMARY).count()
    Meeting.objects.filter(summary=LOAD_SUMMARY).delete()
    clear_queue(environment["REDIS_URL"])

    with open(folder / "load_stats.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    print(
        f"\nLoad test: {args.users} users (spawned {args.spawn_rate}/s) for {args.run_time} "
        f"against gunicorn ({args.workers} sync workers) on {args.database} "
        f"({trusts} trusts, {before:,} meetings); {logged} meetings logged and removed again; "
        f"locust ran {elapsed:.0f} s"
    )
    print("| request | count | errors | req/s | p50 | p95 | max |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    order = {"My mentoring": 0}
    rows.sort(key=lambda row: (row["Name"] == "Aggregated", order.get(row["Name"], 1), row["Name"]))
    errors = 0
    for row in rows:
        name = "all requests" if row["Name"] == "Aggregated" else row["Name"]
        if row["Name"] != "Aggregated":
            errors += int(row["Failure Count"])
        print(
            f"| {name} | {int(row['Request Count']):,} | {row['Failure Count']} | "
            f"{float(row['Requests/s']):.1f} | {row['50%']} ms | {row['95%']} ms | "
            f"{float(row['Max Response Time']):.0f} ms |"
        )
    failures = folder / "load_failures.csv"
    if failures.exists():
        for row in list(csv.DictReader(failures.open()))[:10]:
            print(f"  error: {row['Method']} {row['Name']}: {row['Error']} ×{row['Occurrences']}")
    print(f"Errors: {errors} (the bar: 0)")
    sys.exit(1 if errors else 0)


def clear_queue(redis_url):
    """Drop the email tasks the logged meetings queued (no worker reads this Redis database)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter("celery*"):
        client.delete(key)
    for key in client.scan_iter("_kombu*"):
        client.delete(key)


if __name__ == "__main__":
    main()
