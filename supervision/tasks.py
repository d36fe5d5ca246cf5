"""Background work: take ids or nothing, call a service, safe to run twice (STYLE.md §7)."""

from celery import shared_task

from . import services


@shared_task
def supervision_reminders_sweep():
    """Beat runs this every 15 minutes: queue reminders for supervision in the next 24 hours."""
    return services.supervision_reminders_queue()
