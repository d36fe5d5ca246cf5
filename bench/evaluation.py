"""The regional evaluation across schemes at national scale: its queries, its time and where the
time goes, beside the regional provision report it starts from.

    cd /work/main && .venv/bin/python bench/evaluation.py --database mentoring_bench_100pct
    .venv/bin/python bench/evaluation.py --database mentoring_bench_100pct --page provision
    # side by side, the whole process timed from outside, pairs of runs in turn:
    farm-bench -n 5 -- .venv/bin/python bench/evaluation.py --requests 10 \\
        --vs '.venv/bin/python bench/evaluation.py --requests 10 --page provision'

After bench/seed_national.py (which imports last training year's ARCP outcomes for every trainee).
Signs in as region01's lead with Django's test client, asks for the page `--requests` times after
one to warm up, and prints the queries of one request (the same at every scale, or the page
reads per scheme), the median time, and for the evaluation the schemes counted and the adjusted
models fitted (20 schemes or more).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from gunicorn_server import server_environment  # noqa: E402

PAGES = {
    "evaluation": "/reports/regions/region01/evaluation/",
    "provision": "/reports/regions/region01/provision/",
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="mentoring_bench")
    parser.add_argument("--page", choices=sorted(PAGES), default="evaluation")
    parser.add_argument("--requests", type=int, default=10)
    args = parser.parse_args()
    os.environ.update(server_environment(args.database))
    os.environ["DJANGO_SETTINGS_MODULE"] = "mentoring.settings"
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from accounts.models import User

    setup_test_environment()
    client = Client()
    client.force_login(User.objects.get(email="lead@region01.nhs.uk"))
    url = PAGES[args.page]
    assert client.get(url).status_code == 200
    times = []
    for attempt in range(args.requests):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
        if attempt == 0:
            count = len(queries)
    line = f"{args.page}: {count} queries, median {1000 * statistics.median(times):.0f} ms"
    if args.page == "evaluation":
        evaluation = response.context["evaluation"]
        models = ", ".join(f"{m.key} ({c.schemes} schemes)" for m, c in evaluation.adjusted)
        line += f"; {evaluation.scheme_count} schemes; models fitted: {models or 'none'}"
    print(line)


if __name__ == "__main__":
    main()
