"""Background tasks: take ids, call a service, safe to run twice (STYLE.md §7)."""

from celery import shared_task

from . import services


@shared_task(time_limit=10 * 60, soft_time_limit=9 * 60)
def surveys_sweep():
    """Beat runs this hourly: invitations that are due, and the one reminder each may get.

    Each message is a Notification with a unique key, sent by its own task after commit, so a
    tick delivered twice sends nothing twice (services.survey_sweep).
    """
    return services.survey_sweep()
