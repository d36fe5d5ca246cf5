"""Two web nodes, two Celery workers and beat behind HAProxy, on loopback; one node and one
worker killed mid-run (README: "Running on more than one machine").

    apt-get install -y haproxy                               # once (Debian's package)
    .venv/bin/pip install -r bench/requirements.txt          # once (locust)
    .venv/bin/python bench/cluster.py                        # --victim round (default) or mail

1. Seeds a throwaway PostgreSQL database (`bench/seed_national.py --scale 0.05`, dropped at the
   end) and adds one big peer scheme (`bench/match_round.py`'s population) whose organiser has
   a password; empties Redis database 13, the only one it uses (broker and cache).
2. Starts, each in its own process group, on 127.0.0.1 only: two gunicorn nodes (2 sync workers
   each), two Celery workers (concurrency 1), one beat and HAProxy with deploy/haproxy.cfg.
   Emails go to files (Django's file backend), so sends can be counted across processes.
3. Runs locust (bench/locustfile.py) headless through HAProxy, each request logged with its
   start and duration (bench/request_log.py).
4. At `--kill-after` seconds, as the organiser would, in one transaction: starts a matching
   round on the big scheme (solved by a worker) and sends a message to its ST4 mentors (one
   email each).
5. Kills, with SIGKILL to the whole process group, web node 1 and one worker: with
   `--victim round` the worker solving the round, with `--victim mail` the other one (sending
   emails). Right after, downloads the scheme's enrolments CSV through HAProxy.
6. When locust ends and the survivors have emptied the queue, lets the recovery time pass: the
   sweeps would find the dead worker's work 10-30 minutes later (claim leases, grace periods);
   rather than wait, it moves those timestamps back by an hour, as tests/test_faults.py does,
   and sends the two sweeps to the workers through Redis, as beat would.
7. Checks and prints; exits 1 if any check fails:
   - no request failed but those in flight at the kill (started before it, not finished);
   - every email of the message sent, none twice (beyond the one a dead worker may have handed
     to the mail server without recording it, see accounts.services.notification_send) and no
     notification left unsent;
   - the round finished (proposed), and the export was complete;
   - each node trusted HAProxy's X-Forwarded-For, not the client's, and X-Request-ID is
     HAProxy's UUID.
Every process it started is stopped in a `finally`, and the database dropped.
"""

import argparse
import csv
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from contextlib import suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
sys.path[:0] = [str(BENCH), str(ROOT)]

from gunicorn_server import collect_static, server_environment  # noqa: E402

DATABASE = "mentoring_bench_cluster"
REDIS_URL = "redis://127.0.0.1:6379/13"
PASSWORD = "bench-password-2026"
ORGANISER = "organiser@bench.nhs.uk"
SPOOFED = "203.0.113.9"  # a documentation address, only ever sent as a header
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--victim", choices=["round", "mail"], default="round")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--spawn-rate", type=float, default=4)
    parser.add_argument("--run-time", type=int, default=100, help="seconds of load")
    parser.add_argument("--kill-after", type=int, default=40, help="seconds into the load")
    parser.add_argument("--during", type=int, default=15, help="seconds counted as 'during'")
    parser.add_argument("--scale", type=float, default=0.05, help="of the national data set")
    parser.add_argument("--mentees", type=int, default=6000)
    parser.add_argument("--mentors", type=int, default=2400)
    parser.add_argument("--port", type=int, default=8870, help="HAProxy; nodes on the next two")
    return parser.parse_args()


class Processes:
    """Every process the bench starts, each in a session (process group) of its own."""

    def __init__(self, folder):
        self.folder, self.running = folder, {}

    def start(self, name, command, environment):
        log = (self.folder / f"{name}.log").open("ab")
        self.running[name] = subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        return self.running[name]

    def kill(self, name):
        """SIGKILL to the whole group: the master and its workers die at once, as on a lost
        machine, with no chance to finish a request, hand back a message or close a socket."""
        os.killpg(self.running[name].pid, signal.SIGKILL)
        self.running.pop(name).wait(timeout=10)

    def stop_all(self):
        for process in self.running.values():
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in self.running.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        self.running.clear()


def environment_for(folder, port):
    environment = server_environment(DATABASE)
    environment.update(
        REDIS_URL=REDIS_URL,
        EMAIL_URL=f"filemail:///{folder / 'mail'}",
        PRIVATE_MEDIA_ROOT=str(folder / "private"),  # the shared volume, here one folder
        AXES_BEHIND_PROXY="1",
        SECURE_PROXY_SSL_HEADER="1",
        SITE_URL=f"http://127.0.0.1:{port}",
        LOG_LEVEL="INFO",
        LOG_FORMAT="json",
    )
    return environment


def redis_flush():
    subprocess.run(["redis-cli", "-u", REDIS_URL, "flushdb"], check=True, capture_output=True)


def seed(environment, scale):
    subprocess.run(
        [sys.executable, str(BENCH / "seed_national.py"), "--replace", "--scale", str(scale),
         "--database", DATABASE, "--password", PASSWORD],
        cwd=ROOT, env=environment, check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip


def big_scheme(mentees, mentors):
    """One peer scheme big enough that a worker solves its round (bench/match_round.py)."""
    from django.utils import timezone
    from match_round import populate

    from schemes.models import SchemeRole

    scheme, organiser = populate(mentees, mentors, seed=2024)
    organiser.set_password(PASSWORD)
    organiser.email_confirmed_at = timezone.now()
    organiser.save(update_fields=["password", "email_confirmed_at"])
    SchemeRole.objects.create(scheme=scheme, user=organiser, role=SchemeRole.Role.ORGANISER)
    return scheme, organiser


def resume_the_load_pairs():
    """The load's trainees (mentee0001-0010 of each trust, bench/locustfile.py) log meetings in
    their pair, which must be meeting. The seed gives the lowest numbers active pairs, but at 5 %
    a few of theirs are paused (7 of 450 accounts, as mentee or as mentor), and the form
    refuses them; they are resumed here, through the service a member uses. (One account's
    first pair has ended; a run that picks it and logs a meeting fails that request.)"""
    from django.db.models import Q

    from matching.models import Pair
    from meetings.services import pair_resume

    load_account = r"^mentee00(0[1-9]|10)@"
    paused = Pair.objects.filter(
        Q(mentee__email__regex=load_account) | Q(mentor__email__regex=load_account),
        status=Pair.Status.PAUSED,
    ).select_related("mentee")
    for pair in paused:
        pair_resume(pair=pair, user=pair.mentee)


def start_cluster(processes, environment, folder, port):
    bin_ = ROOT / ".venv/bin"
    for number in (1, 2):
        processes.start(
            f"web{number}",
            [str(bin_ / "gunicorn"), "mentoring.wsgi", "--bind", f"127.0.0.1:{port + number}",
             "--workers", "2", "--timeout", "120", "--access-logfile", "-"],
            environment,
        )  # fmt: skip
        processes.start(
            f"worker{number}",
            [str(bin_ / "celery"), "-A", "mentoring", "worker", "-n", f"worker{number}@cluster",
             "--concurrency", "1", "--loglevel", "INFO", "--without-mingle", "--without-gossip"],
            environment,
        )  # fmt: skip
    processes.start(
        "beat",
        [str(bin_ / "celery"), "-A", "mentoring", "beat", "--loglevel", "INFO",
         "--schedule", str(folder / "celerybeat-schedule")],
        environment,
    )  # fmt: skip
    processes.start(
        "haproxy",
        ["haproxy", "-W", "-db", "-f", str(ROOT / "deploy/haproxy.cfg")],
        {
            **environment,
            "LB_BIND": f"127.0.0.1:{port}",
            "WEB1": f"127.0.0.1:{port + 1}",
            "WEB2": f"127.0.0.1:{port + 2}",
            "SITE_HOST": "127.0.0.1",
            "WEB_WORKERS": "2",
        },
    )


def wait_ready(port, celery_app):
    deadline = time.monotonic() + 90
    pending = {f"http://127.0.0.1:{port + offset}/health/ready/" for offset in (0, 1, 2)}
    while pending and time.monotonic() < deadline:
        for url in list(pending):
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        pending.discard(url)
            except OSError:
                pass
        time.sleep(0.5)
    workers = {}
    while len(workers) < 2 and time.monotonic() < deadline:
        workers = celery_app.control.inspect(timeout=1).ping() or {}
    if pending or len(workers) < 2:
        raise RuntimeError(f"not ready after 90 s: {sorted(pending)}, workers {sorted(workers)}")


def start_locust(processes, environment, folder, args):
    from schemes.models import Organisation

    trusts = Organisation.objects.filter(slug__startswith="trust").count()
    return processes.start(
        "locust",
        [str(ROOT / ".venv/bin/locust"), "-f",
         f"{BENCH / 'locustfile.py'},{BENCH / 'request_log.py'}", "--headless",
         "--host", f"http://127.0.0.1:{args.port}", "--users", str(args.users),
         "--spawn-rate", str(args.spawn_rate), "--run-time", f"{args.run_time}s",
         "--stop-timeout", "10", "--csv", str(folder / "locust"), "--only-summary",
         "--loglevel", "WARNING"],
        {**environment, "BENCH_PASSWORD": PASSWORD, "BENCH_TRUSTS": str(trusts),
         "BENCH_REQUEST_LOG": str(folder / "requests.jsonl")},
    )  # fmt: skip


def start_background_work(scheme, organiser):
    """What an organiser starts: a round and a message to the scheme's ST4 mentors (one email
    each). Both are published when this transaction commits, the round's task first, so one
    worker starts solving while the other starts sending."""
    from django.db import transaction

    from matching.services import match_round_start
    from meetings.services import scheme_message_send

    with transaction.atomic():
        match_round = match_round_start(scheme=scheme, started_by=organiser)
        message = scheme_message_send(
            scheme=scheme,
            audience="mentors",
            filters={"grade": "ST4"},
            subject="Mentor forum next week",
            body="Bring one question from your mentoring to the forum.",
            sent_by=organiser,
        )
    return match_round, message


def choose_victim(victim, match_round, celery_app, deadline):
    """Wait until the round is being solved; return the worker to kill and what it was doing."""
    from matching.models import MatchRound

    while time.monotonic() < deadline:
        match_round.refresh_from_db()
        if match_round.status != MatchRound.Status.RUNNING:
            break  # solved already: the kill catches no round
        if match_round.progress >= 2:
            active = celery_app.control.inspect(timeout=0.5).active() or {}
            solving = [
                node
                for node, tasks in active.items()
                if any(task["name"] == "matching.tasks.match_round_run_task" for task in tasks)
            ]
            if solving:
                name = solving[0].split("@")[0]
                if victim == "round":
                    return name, f"solving the round (progress {match_round.progress} %)"
                other = "worker2" if name == "worker1" else "worker1"
                return other, "sending the message's emails"
        time.sleep(0.1)
    return "worker1", f"round {match_round.status} before the kill"


def export_through_balancer(port, scheme):
    """The organiser signs in and downloads the scheme's enrolments CSV through HAProxy, sending
    a forged X-Forwarded-For and X-Request-ID: the proxy must replace both."""
    import requests

    from schemes.models import Enrolment

    session = requests.Session()
    base = f"http://127.0.0.1:{port}"
    forged = {"X-Forwarded-For": SPOOFED, "X-Request-ID": "chosen-by-the-client"}
    page = session.get(f"{base}/accounts/login/", headers=forged, timeout=60)
    token = CSRF.search(page.content).group(1).decode()
    signed_in = session.post(
        f"{base}/accounts/login/",
        {"username": ORGANISER, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers=forged,
        timeout=60,
    )
    started = time.monotonic()
    response = session.get(f"{base}/reports/schemes/{scheme.slug}/enrolments.csv", timeout=120)
    is_csv = response.headers.get("Content-Type", "").startswith("text/csv")
    rows = len(list(csv.reader(io.StringIO(response.content.decode())))) - 1 if is_csv else 0
    expected = Enrolment.objects.filter(scheme=scheme).count()
    request_id = response.headers.get("X-Request-ID", "")
    return {
        "signed_in": "/accounts/login/" not in signed_in.url,
        "status": response.status_code,
        "rows": rows,
        "expected": expected,
        "seconds": time.monotonic() - started,
        "request_id_is_haproxys": _is_uuid(request_id),
    }


def _is_uuid(value):
    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


def client_address_seen():
    """The address the nodes recorded for the organiser's sign-in (django-axes' access log)."""
    from axes.models import AccessLog

    return list(
        AccessLog.objects.filter(username=ORGANISER).values_list("ip_address", flat=True)[:5]
    )


def wait_drained(celery_app, seconds=180):
    """Until the queue is empty and no survivor runs a task (the recovery must not race them)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if client.llen("celery") == 0:
            active = celery_app.control.inspect(timeout=1).active() or {}
            if not any(active.values()):
                return True
        time.sleep(1)
    return False


def let_the_leases_run_out():
    """Steps the sweeps would take after 10-30 minutes, taken now: every timestamp a dead
    worker's claim or a grace period is measured from moves an hour back."""
    from datetime import timedelta

    from django.db.models import F
    from django.utils import timezone

    from accounts.models import Notification
    from matching.models import MatchRound

    hour = timedelta(hours=1)
    unsent = Notification.objects.filter(sent_at=None)
    claimed = unsent.exclude(claimed_at=None).update(claimed_at=F("claimed_at") - hour)
    left = unsent.update(created_at=F("created_at") - hour)
    rounds = MatchRound.objects.filter(status=MatchRound.Status.RUNNING).update(
        solve_started_at=timezone.now() - hour
    )
    print(
        f"Left for the sweeps once the survivors were idle: {left} unsent notifications "
        f"({claimed} claimed by the dead worker), {rounds} round still running"
    )


def run_sweeps():
    from accounts.tasks import notifications_sweep_unsent
    from matching.tasks import matching_sweep

    notifications_sweep_unsent.delay()
    matching_sweep.delay()


def wait_recovered(match_round, seconds=120):
    from accounts.models import Notification
    from matching.models import MatchRound

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        match_round.refresh_from_db()
        unsent = Notification.objects.filter(sent_at=None).exists()
        if match_round.status != MatchRound.Status.RUNNING and not unsent:
            return True
        time.sleep(1)
    return False


def emails_by_recipient(folder):
    counts = {}
    for path in (folder / "mail").glob("*.log"):
        for address in re.findall(r"^To: (.+)$", path.read_text(errors="replace"), re.M):
            counts[address.strip()] = counts.get(address.strip(), 0) + 1
    return counts


def windows(folder, killed_at, during):
    """Requests by when they started: before the kill, the `during` seconds after, the rest."""
    requests = [json.loads(line) for line in (folder / "requests.jsonl").open()]
    spans = {"before": [], "during": [], "after": []}
    in_flight = []
    for request in requests:
        started, ended = request["start"], request["start"] + request["ms"] / 1000
        if started < killed_at < ended:
            in_flight.append(request)
        if started < killed_at:
            spans["before"].append(request)
        elif started < killed_at + during:
            spans["during"].append(request)
        else:
            spans["after"].append(request)
    return requests, spans, in_flight


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0


def report_requests(requests, spans, in_flight, killed_at, during):
    print("| window | requests | failures | p50 | p95 |")
    print("| --- | --- | --- | --- | --- |")
    first = min(request["start"] for request in requests)
    last = max(request["start"] for request in requests)
    bounds = {
        "before": (first, killed_at),
        "during": (killed_at, None),
        "after": (None, last),
    }
    for name, span in spans.items():
        failures = sum(1 for request in span if request["error"])
        times = [request["ms"] for request in span]
        low, high = bounds[name]
        label = f"{name} the kill" if name != "during" else f"the first {during} s after it"
        seconds = ""
        if low and high:
            seconds = f" ({high - low:.0f} s)"
        print(
            f"| {label}{seconds} | {len(span):,} | {failures} | "
            f"{percentile(times, 0.5):.0f} ms | {percentile(times, 0.95):.0f} ms |"
        )
    failed = [request for request in requests if request["error"]]
    failed_in_flight = [request for request in in_flight if request["error"]]
    for request in failed[:10]:
        print(f"  failed: {request['method']} {request['name']}: {request['error']}")
    print(
        f"In flight at the kill: {len(in_flight)} requests, {len(failed_in_flight)} failed; "
        f"failed at other times: {len(failed) - len(failed_in_flight)}"
    )
    return len(failed) - len(failed_in_flight)


def main():  # noqa: C901, PLR0912, PLR0915 — one scenario, read top to bottom
    args = parse_args()
    if shutil.which("haproxy") is None:
        sys.exit("HAProxy is missing: run `apt-get install -y haproxy` (Debian's package) first.")
    folder = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    (folder / "mail").mkdir()
    environment = environment_for(folder, args.port)
    processes = Processes(folder)
    redis_flush()
    problems = []
    try:
        started = time.monotonic()
        seed(environment, args.scale)
        os.environ.update(environment)
        os.environ["DJANGO_SETTINGS_MODULE"] = "mentoring.settings"
        import django

        django.setup()
        from accounts.models import Notification
        from mentoring.celery import app as celery_app

        scheme, organiser = big_scheme(args.mentees, args.mentors)
        resume_the_load_pairs()
        collect_static(environment)
        print(f"Seeded {DATABASE} and the big scheme in {time.monotonic() - started:.0f} s")
        start_cluster(processes, environment, folder, args.port)
        wait_ready(args.port, celery_app)
        print("Cluster ready: HAProxy, web1, web2, worker1, worker2, beat")

        locust = start_locust(processes, environment, folder, args)
        load_started = time.monotonic()
        time.sleep(args.kill_after)
        match_round, message = start_background_work(scheme, organiser)
        victim, doing = choose_victim(
            args.victim, match_round, celery_app, deadline=time.monotonic() + 30
        )
        sent_at_kill = Notification.objects.filter(
            key__startswith=f"scheme_message:{message.pk}:"
        ).exclude(sent_at=None)
        sent_before_kill = sent_at_kill.count()
        killed_at = time.time()
        killed_into_load = time.monotonic() - load_started
        processes.kill("web1")
        processes.kill(victim)
        print(
            f"Killed web1 and {victim} ({doing}) {killed_into_load:.0f} s into "
            f"the load; {sent_before_kill} of {message.sent_count} emails sent by then"
        )
        export = export_through_balancer(args.port, scheme)
        addresses = client_address_seen()

        locust.wait(timeout=args.run_time + 60)
        processes.running.pop("locust")
        drained = wait_drained(celery_app)
        let_the_leases_run_out()
        run_sweeps()
        recovered = wait_recovered(match_round)

        requests, spans, in_flight = windows(folder, killed_at, args.during)
        print(
            f"\nLoad: {args.users} users for {args.run_time} s through HAProxy; web1 and "
            f"{victim} killed at {killed_into_load:.0f} s"
        )
        unexplained = report_requests(requests, spans, in_flight, killed_at, args.during)
        if unexplained:
            problems.append(f"{unexplained} requests failed that were not in flight at the kill")

        match_round.refresh_from_db()
        print(
            f"Round: {match_round.status} after {match_round.solve_attempts} solve attempts, "
            f"{match_round.proposals.count()} proposals"
            + (f" ({match_round.error})" if match_round.error else "")
        )
        if match_round.status != "proposed":
            problems.append(f"the round ended {match_round.status}, not proposed")

        counts = emails_by_recipient(folder)
        recipients = list(
            Notification.objects.filter(
                key__startswith=f"scheme_message:{message.pk}:"
            ).values_list("recipient__email", flat=True)
        )
        lost = [email for email in recipients if counts.get(email, 0) == 0]
        twice = [email for email in recipients if counts.get(email, 0) > 1]
        unsent = Notification.objects.filter(sent_at=None).count()
        print(
            f"Message: {len(recipients)} emails; "
            f"sent once {len(recipients) - len(lost) - len(twice)}, lost {len(lost)}, "
            f"sent twice {len(twice)}; notifications left unsent (any kind): {unsent}; "
            f"queue drained by the survivors: {drained}; recovered: {recovered}"
        )
        if lost or unsent:
            problems.append(f"{len(lost)} emails lost, {unsent} notifications unsent")
        # One message may have reached the mail server just before its worker died, unrecorded.
        if len(twice) > 1 or (twice and args.victim != "mail"):
            problems.append(f"{len(twice)} emails sent twice")

        print(
            f"Export through HAProxy right after the kill: HTTP {export['status']}, "
            f"{export['rows']:,} of {export['expected']:,} rows in {export['seconds']:.1f} s; "
            f"X-Request-ID is HAProxy's UUID: {export['request_id_is_haproxys']}; "
            f"client address the nodes recorded: {sorted(set(addresses))}"
        )
        if not export["signed_in"]:
            problems.append("the organiser could not sign in through HAProxy")
        if export["status"] != 200 or export["rows"] != export["expected"]:
            problems.append("the export was incomplete")
        if not export["request_id_is_haproxys"]:
            problems.append("X-Request-ID was not HAProxy's")
        if SPOOFED in addresses or not addresses:
            problems.append(f"the nodes recorded the client address as {addresses}")
        beat_alive = processes.running["beat"].poll() is None
        print(f"Beat: one process, started once, alive at the end: {beat_alive}")
        if not beat_alive:
            problems.append("beat stopped")
    finally:
        processes.stop_all()
        redis_flush()
        subprocess.run(
            ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "--force", DATABASE],
            check=False,
        )
    for problem in problems:
        print(f"FAILED: {problem}")
    print(f"Logs: {folder}")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
