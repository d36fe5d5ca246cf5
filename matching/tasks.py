"""Background tasks: take ids, call a service, safe to run twice (STYLE.md §7)."""

from smtplib import SMTPException

from celery import shared_task
from celery.signals import worker_init
from django.utils import timezone

from accounts.queue import enqueue

from . import engine, selectors, services


@worker_init.connect
def load_the_matching_engine(**kwargs):
    """A worker loads the engine's compiled code as it starts (its pool's processes, forked
    from it, have it too), so the first round it solves is not slowed by it (or, on a new
    machine, by compiling it)."""
    engine.warm_up()


@shared_task(time_limit=10 * 60, soft_time_limit=9 * 60)
def match_round_run_task(round_id):
    """Solve a big round while the organiser watches its progress bar."""
    return services.match_round_run(round_id=round_id)


@shared_task(
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=30,
    max_retries=5,
)
def mentor_choice_expire_task(choice_id):
    next_choice = services.mentor_choice_expire(choice_id=choice_id)
    return next_choice.pk if next_choice else None


@shared_task(
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=30,
    max_retries=5,
)
def mentor_choice_remind_task(choice_id):
    return services.mentor_choice_remind(choice_id=choice_id)


@shared_task
def matching_sweep():
    """Every 15 minutes: requests past their deadline move on, requests halfway there remind
    the mentor (once), rounds whose task was lost are enqueued again, and rounds whose worker
    died are solved again by another (once; then marked failed). Each task it enqueues is safe
    to run twice."""
    now = timezone.now()
    expired, remind = selectors.choices_due(now)
    work = [(mentor_choice_expire_task, choice_id) for choice_id in expired]
    work += [(mentor_choice_remind_task, choice_id) for choice_id in remind]
    work += [(match_round_run_task, round_id) for round_id in selectors.rounds_to_enqueue(now)]
    for task, object_id in work:
        if not enqueue(task, object_id):
            break  # the broker is down: the next sweep tries again
    stuck = services.match_rounds_recover_stuck(now=now)
    return {"expired": len(expired), "reminded": len(remind), **stuck}
