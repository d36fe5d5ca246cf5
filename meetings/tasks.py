"""Background tasks: take ids, call a service, safe to run twice (STYLE.md §7).

Beat runs `reminders_sweep` every 15 minutes (CELERY_BEAT_SCHEDULE). It decides from the database
what is due and queues one Notification per message; each is then sent by its own
`accounts.tasks.notification_send_task`, which retries mail errors with capped backoff.
"""

from celery import shared_task

from .reminders import reminders_queue_due


@shared_task(soft_time_limit=4 * 60, time_limit=5 * 60)
def reminders_sweep():
    return reminders_queue_due()


@shared_task(soft_time_limit=4 * 60, time_limit=5 * 60)
def meeting_content_retention_sweep():
    """Daily: delete what pairs wrote once their retention period after ending has passed."""
    from .retention import meeting_content_delete_expired

    return meeting_content_delete_expired()
