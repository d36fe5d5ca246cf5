"""Health checks for load balancers and orchestrators: unauthenticated, cheap and never cached.

- `live`: the process answers. It touches nothing else, so a database outage does not make a
  load balancer kill every web node (they would only come back to the same outage).
- `ready`: this node can serve: the database answers a query, the broker (Redis in production)
  accepts a connection, and the cache that holds the rate-limit counters reads back what it was
  given. Each check is named in the JSON with "ok" or what kind of failure it was (the
  exception's class, never a connection string), and any failure makes the answer 503, so a
  load balancer takes the node out until it recovers.
"""

import secrets

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .celery import app as celery_app

# Seconds a broker check may take; a health check that hangs is worse than one that fails.
BROKER_TIMEOUT = 2


def _database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _broker():
    with celery_app.connection_for_write() as broker:
        broker.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT)


def _cache():
    key = "health:" + secrets.token_hex(8)
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise LookupError("the value written was not read back")
    cache.delete(key)


CHECKS = {"database": _database, "broker": _broker, "cache": _cache}


def _run(check):
    try:
        check()
    except Exception as error:  # a health check reports every failure; it never raises
        return f"failed: {type(error).__name__}"
    return "ok"


@never_cache
@require_safe
def live(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def ready(request):
    results = {name: _run(check) for name, check in CHECKS.items()}
    healthy = all(result == "ok" for result in results.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": results},
        status=200 if healthy else 503,
    )
