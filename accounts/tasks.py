"""Background tasks: take ids, call a service, safe to run twice (STYLE.md §7)."""

from datetime import timedelta
from smtplib import SMTPException

from celery import shared_task
from django.db.models import Q
from django.utils import timezone

from . import services
from .models import Notification
from .queue import enqueue

# A notification older than this that is still unsent is picked up again by the sweep: long
# enough that a task already queued normally runs first.
UNSENT_GRACE = timedelta(minutes=10)
# After this many failed attempts a notification waits for a person to look at `last_error`.
MAX_ATTEMPTS = 8


@shared_task(
    autoretry_for=(SMTPException, ConnectionError, TimeoutError, OSError),
    retry_backoff=30,
    retry_backoff_max=60 * 10,  # no task is scheduled more than 10 minutes ahead
    retry_jitter=True,
    max_retries=6,
)
def notification_send_task(notification_id):
    return services.notification_send(notification_id=notification_id)


@shared_task
def notifications_sweep_unsent():
    """Re-enqueue notifications whose task was lost (a worker crashed, Redis was emptied)."""
    now = timezone.now()
    unsent_ids = list(
        Notification.objects.filter(
            sent_at=None, created_at__lt=now - UNSENT_GRACE, attempts__lt=MAX_ATTEMPTS
        )
        .filter(Q(claimed_at=None) | Q(claimed_at__lt=now - services.CLAIM_LEASE))
        .values_list("pk", flat=True)[:1000]
    )
    for notification_id in unsent_ids:
        if not enqueue(notification_send_task, notification_id):
            break  # the broker is down: the next sweep tries again
    return len(unsent_ids)
