"""Background tasks: take ids or nothing, call a service, safe to run twice (STYLE.md §7).

Each email the sweep queues is a Notification with a unique key, sent by its own
`accounts.tasks.notification_send_task`, which retries mail errors with capped backoff.
"""

from celery import shared_task
from django.db import OperationalError

from . import services

# A daily sweep retries a database outage with capped backoff and never runs past five minutes.
DAILY_SWEEP = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": 60,
    "retry_backoff_max": 60 * 10,
    "retry_jitter": True,
    "max_retries": 3,
    "soft_time_limit": 4 * 60,
    "time_limit": 5 * 60,
}


@shared_task(**DAILY_SWEEP)
def schemes_without_organiser_sweep():
    """Daily: tell the trust's DME about each scheme left with no organiser, once."""
    return services.schemes_without_organiser_notify()


@shared_task(**DAILY_SWEEP)
def placements_ending_sweep():
    """Daily: warn ahead of a trainee's placement ending, and end their enrolments at the trust
    the day after it ends (schemes.rotating_out)."""
    return services.placements_ending_sweep()
