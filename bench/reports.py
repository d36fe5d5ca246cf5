"""Query counts and timings of the dashboards and reports, and the CSV export against COPY.

    cd /work/main && .venv/bin/python bench/reports.py        # after bench/seed_national.py, twice:
        # .venv/bin/python bench/seed_national.py                       (mentoring_bench, 100 %)
        # .venv/bin/python bench/seed_national.py --scale 0.01 --database mentoring_bench_1pct

Options: --database (mentoring_bench), --small (mentoring_bench_1pct; "" to skip), --password,
--clients 4, --requests 15 (per client and page), --workers 3, --port 8765.

1. Query counts (and the time of one request, in process) of the scheme dashboard, the
   organisation dashboard, the regional provision report, the regional evaluation across
   schemes, "My mentoring" and a pair's page, on
   both databases: Django's test client, signed in with `force_login`, 2nd request counted.
2. Median and p95 under concurrent clients: gunicorn (from requirements.txt) on 127.0.0.1 with
   DEBUG=0, a SECRET_KEY, ALLOWED_HOSTS=127.0.0.1 and TWO_FACTOR_REQUIRED=0 (staff would
   otherwise be sent to set up an authenticator app); each client thread signs in through the
   real login form (CSRF token, email and password) and then requests one page over and over.
3. The streamed CSV export: the enrolments CSV of the largest scheme over HTTP, and the same
   streaming code (reports.exports.csv_response over the export's own SELECT) over 10 % and
   100 % of the national enrolments in process, beside PostgreSQL's `COPY (same SELECT) TO STDOUT
   WITH CSV`, with the peak RSS above the baseline (server workers, or this process).
"""

import argparse
import http.cookiejar
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gunicorn_server import Server, collect_static, rss_kib, server_environment  # noqa: E402

PAGES = [  # (label, account, path); {region} and {trust} filled per client
    ("scheme dashboard", "organiser1@{trust}.nhs.uk", "/reports/schemes/{trust}-1/"),
    ("organisation dashboard", "dme@{trust}.nhs.uk", "/reports/organisations/{trust}/"),
    ("regional provision report", "lead@{region}.nhs.uk", "/reports/regions/{region}/provision/"),
    ("regional evaluation", "lead@{region}.nhs.uk", "/reports/regions/{region}/evaluation/"),
    ('"My mentoring" (plain page)', "mentee0001@{trust}.nhs.uk", "/accounts/my-mentoring/"),
    ("pair page", "mentee0001@{trust}.nhs.uk", "/pairs/{pair}/"),
]


def percentile(values, share):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


# --- 1. Query counts, in a child process per database ----------------------------------------


def counts_child(database):
    """Run in a child process: print {label: [queries, milliseconds]} as JSON."""
    os.environ.update(server_environment(database))
    os.environ["DJANGO_SETTINGS_MODULE"] = "mentoring.settings"
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from accounts.models import User
    from matching.models import Pair

    setup_test_environment()
    pair = Pair.objects.get(mentee__email="mentee0001@trust001.nhs.uk", status="active")
    result = {}
    for label, account, path in PAGES:
        fill = {"trust": "trust001", "region": "region01", "pair": pair.pk}
        client = Client()
        client.force_login(User.objects.get(email=account.format(**fill)))
        url = path.format(**fill)
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        times = []
        for attempt in range(3):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - started)
            assert response.status_code == 200, (url, response.status_code)
            if attempt == 0:
                count = len(queries)
        result[label] = [count, round(1000 * statistics.median(times))]
    print(json.dumps(result))


def query_counts(databases):
    figures = {}
    for database in databases:
        output = subprocess.run(
            [sys.executable, __file__, "--counts-child", "--database", database],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        figures[database] = json.loads(output.strip().splitlines()[-1])
    print("\n1. Queries per page (and one request's time in process, no concurrency)")
    header = "".join(f" | {database}" for database in databases)
    print(f"| page{header} |")
    print("| --- " * (len(databases) + 1) + "|")
    for label, _account, _path in PAGES:
        cells = "".join(
            f" | {figures[db][label][0]} queries, {figures[db][label][1]} ms" for db in databases
        )
        print(f"| {label}{cells} |")
    return figures


# --- 2. A real server and HTTP clients ----------------------------------------------------------


class Browser:
    """One signed-in person: a cookie jar, the real login form, CSRF tokens from the pages."""

    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path):
        with self.opener.open(self.base + path, timeout=120) as response:
            return response.status, response.read(), response.geturl()

    def post(self, path, data):
        token = next(c.value for c in self.jar if c.name == "csrftoken")
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}, doseq=True)
        request = urllib.request.Request(
            self.base + path, data=body.encode(), headers={"Referer": self.base + path}
        )
        with self.opener.open(request, timeout=120) as response:
            return response.status, response.read(), response.geturl()

    def log_in(self, email, password):
        self.get("/accounts/login/")
        status, body, final = self.post(
            "/accounts/login/", {"username": email, "password": password}
        )
        if "/accounts/login/" in final:
            raise RuntimeError(f"could not sign in as {email}")
        return body


def concurrent_timings(server, password, clients, requests_per_client, regions):
    pages = [page for page in PAGES if page[0] != "pair page"]
    print(
        f"\n2. Under {clients} concurrent clients (gunicorn, {server.workers} sync workers, "
        f"{requests_per_client} requests per client after 2 to warm up)"
    )
    print("| page | median | p95 | requests |\n| --- | --- | --- | --- |")
    results = {}
    for label, account, path in pages:
        durations, errors = [], []

        def client(number, label=label, account=account, path=path, durations=durations,
                   errors=errors):  # fmt: skip
            fill = {
                "trust": f"trust{number + 1:03d}",
                "region": f"region{number % regions + 1:02d}",
            }
            browser = Browser(server.url)
            try:
                browser.log_in(account.format(**fill), password)
                url = path.format(**fill)
                for attempt in range(requests_per_client + 2):
                    started = time.perf_counter()
                    status, _body, _final = browser.get(url)
                    if attempt >= 2:
                        durations.append(time.perf_counter() - started)
            except Exception as error:  # noqa: BLE001 — counted and printed below
                errors.append(repr(error))

        threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        median, p95 = statistics.median(durations), percentile(durations, 0.95)
        results[label] = (median, p95)
        note = f" ({len(errors)} errors: {errors[0]})" if errors else ""
        print(
            f"| {label} | {1000 * median:.0f} ms | {1000 * p95:.0f} ms | {len(durations)}{note} |"
        )
    plain = results['"My mentoring" (plain page)'][0]
    organisation = results["organisation dashboard"][0]
    regional = results["regional provision report"][0]
    print(
        f"Aims: organisation dashboard {organisation / plain:.1f}x the plain page (aim ≤ 5x); "
        f"regional report median {regional:.2f} s, p95 "
        f"{results['regional provision report'][1]:.2f} s (aim < 1 s)"
    )
    return results


# --- 3. The CSV export ----------------------------------------------------------------------------


class PeakRss:
    """Sample the RSS of some processes every 5 ms; `peak - base` per process, in MiB."""

    def __init__(self, pids):
        self.pids = pids
        self.base = {pid: rss_kib(pid) for pid in pids}
        self.peak = dict(self.base)
        self.running = True
        self.thread = threading.Thread(target=self.sample, daemon=True)

    def sample(self):
        while self.running:
            for pid in self.pids:
                self.peak[pid] = max(self.peak[pid], rss_kib(pid))
            time.sleep(0.005)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()

    def growth_mib(self):
        return max(self.peak[pid] - self.base[pid] for pid in self.pids) / 1024

    def peak_mib(self):
        return max(self.peak.values()) / 1024


def copy_seconds(connection, queryset):
    """PostgreSQL's COPY (the queryset's SELECT) TO STDOUT WITH CSV: seconds, rows, bytes."""
    sql, params = queryset.query.sql_with_params()

    class Sink:
        size = 0
        lines = 0

        def write(self, data):
            self.size += len(data)
            self.lines += data.count(b"\n") if isinstance(data, bytes) else data.count("\n")

    sink = Sink()
    with connection.cursor() as cursor:
        statement = cursor.mogrify(sql, params).decode()
        started = time.perf_counter()
        cursor.copy_expert(f"COPY ({statement}) TO STDOUT WITH CSV", sink)
        return time.perf_counter() - started, sink.lines, sink.size


def export_over_http(server, password, connection):
    from django.db.models import Count

    from reports import exports
    from schemes.models import Enrolment, Scheme

    scheme = Scheme.objects.annotate(n=Count("enrolments")).order_by("-n", "pk").first()
    number = scheme.slug.rsplit("-", 1)[1]
    trust = scheme.organisation.slug
    browser = Browser(server.url)
    browser.log_in(f"organiser{number}@{trust}.nhs.uk", password)
    path = f"/reports/schemes/{scheme.slug}/enrolments.csv"
    browser.get(path)  # warm the worker
    times, rows, growth = [], 0, 0.0
    for _ in range(5):
        with PeakRss(server.worker_pids()) as rss:
            started = time.perf_counter()
            _status, body, _final = browser.get(path)
            times.append(time.perf_counter() - started)
        rows = body.count(b"\n") - 1
        growth = max(growth, rss.growth_mib())
    seconds = statistics.median(times)
    queryset = exports._enrolment_values(Enrolment.objects.filter(scheme=scheme))
    copy_times = [copy_seconds(connection, queryset)[0] for _ in range(5)]
    copy_time = statistics.median(copy_times)
    print(
        f"\n3a. Enrolments CSV of the largest scheme ({scheme.slug}, {rows:,} rows) over HTTP: "
        f"{seconds * 1000:.0f} ms = {rows / seconds:,.0f} rows/s (whole request: sign-in "
        f"check, audit row, query); COPY of the same SELECT {copy_time * 1000:.0f} ms = "
        f"{rows / copy_time:,.0f} rows/s; worker RSS growth during the export ≤ {growth:.1f} MiB"
    )
    return rows, seconds, copy_time


def export_in_process(connection):
    """The streamed path (csv_response over the export's SELECT) at 10 % and 100 % of all
    enrolments, in this process, against COPY of the same SELECT."""
    from reports import exports
    from schemes.models import Enrolment, Scheme

    scheme_ids = list(Scheme.objects.order_by("pk").values_list("pk", flat=True))
    print(
        "\n3b. The streamed CSV path over the national enrolments, in process "
        "(csv_response over reports.exports' own SELECT, all schemes at once)"
    )
    print(
        "| rows | streamed | rows/s | COPY same SELECT | COPY rows/s | streamed ÷ COPY speed "
        "| RSS growth while streaming |\n| --- | --- | --- | --- | --- | --- | --- |"
    )
    figures = []
    for share in (0.1, 0.1, 1.0):  # the first pass only warms up (imports, plans, caches)
        chosen = scheme_ids[: max(1, round(len(scheme_ids) * share))]
        enrolments = Enrolment.objects.filter(scheme_id__in=chosen)
        table = exports.Table(
            "Enrolments",
            exports.ENROLMENT_COLUMNS,
            exports._enrolment_dicts(exports._enrolment_values(enrolments), show_referrals=True),
        )
        with PeakRss([os.getpid()]) as rss:
            started = time.perf_counter()
            response = exports.csv_response(table, "bench")
            size = lines = 0
            for chunk in response.streaming_content:
                size += len(chunk)
                lines += chunk.count(b"\n")
            streamed = time.perf_counter() - started
        rows = lines - 1
        copy_time, copy_rows, _copy_size = copy_seconds(
            connection, exports._enrolment_values(enrolments)
        )
        assert copy_rows == rows, (copy_rows, rows)
        ratio = (rows / streamed) / (rows / copy_time)
        if not figures and share < 1:
            figures.append(None)
            continue
        figures.append((rows, streamed, copy_time, rss.growth_mib()))
        print(
            f"| {rows:,} | {streamed:.2f} s | {rows / streamed:,.0f} | {copy_time:.2f} s | "
            f"{rows / copy_time:,.0f} | {ratio:.2f} | {rss.growth_mib():.1f} MiB |"
        )
    print("Aim: streamed at least a third of COPY's speed, memory flat from 10 % to 100 %.")
    return figures[1:]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="mentoring_bench")
    parser.add_argument("--small", default="mentoring_bench_1pct")
    parser.add_argument("--password", default="bench-password-2026")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--requests", type=int, default=15)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--counts-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.counts_child:
        counts_child(args.database)
        return

    started = time.perf_counter()
    collect_static(server_environment(args.database))
    query_counts([db for db in (args.small, args.database) if db])

    os.environ.update(server_environment(args.database))
    os.environ["DJANGO_SETTINGS_MODULE"] = "mentoring.settings"
    import django

    django.setup()
    from django.db import connection

    from schemes.models import Region

    regions = Region.objects.count()
    with Server(args.database, args.port, args.workers) as server:
        concurrent_timings(server, args.password, args.clients, args.requests, regions)
        export_over_http(server, args.password, connection)
    export_in_process(connection)
    print(f"\n(whole run {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
