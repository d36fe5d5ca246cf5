"""Handing work to Celery without making the user's request depend on the broker.

Every piece of background work is first written to the database (a Notification row, a match
round, a choice with its deadline), so if Redis is unreachable the request still succeeds: the
publish is logged and skipped, and the next sweep finds the work and enqueues it again.
"""

import logging

from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

BROKER_ERRORS = (OperationalError, ConnectionError, TimeoutError, OSError)


def enqueue(task, *args):
    """`task.delay(*args)`; returns False (and logs) if the broker cannot be reached."""
    return _publish(lambda: task.delay(*args), task.name)


def enqueue_signature(signature):
    """`signature.apply_async()` for chunks, groups and the like; False if the broker is down."""
    return _publish(signature.apply_async, repr(signature))


def _publish(send, description):
    try:
        send()
    except BROKER_ERRORS as error:
        logger.warning(
            "Broker unreachable; the next sweep will pick up %s (%s)", description, error
        )
        return False
    return True
