"""Locust add-on for bench/cluster.py: every request as one JSON line in BENCH_REQUEST_LOG.

Locust's own CSV gives totals for the whole run; the cluster bench also needs to know when each
request started and ended, to split the run at the moment it kills a node (before, during,
after) and to tell a request that was in flight at that moment from one that came later.
"""

import json
import os

from locust import events

_log = open(os.environ["BENCH_REQUEST_LOG"], "a", buffering=1)  # noqa: SIM115 — open for the run


@events.request.add_listener
def record(request_type, name, response_time, exception, start_time=None, **kwargs):
    _log.write(
        json.dumps(
            {
                "method": request_type,
                "name": name,
                "start": start_time,
                "ms": response_time,
                "error": None if exception is None else str(exception)[:200],
            }
        )
        + "\n"
    )
