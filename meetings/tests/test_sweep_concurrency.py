"""Two sweeps racing in parallel threads, each with its own PostgreSQL connection, send once.

SQLite serialises writers for the whole file, so a race there proves nothing: these tests run on
PostgreSQL only (CI sets DATABASE_URL=postgres://postgres@127.0.0.1:5432/mentoring).
"""

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import connection, connections

from accounts.models import Notification
from matching.models import Pair
from matching.tests.factories import PairFactory
from meetings import reminders
from meetings.models import Nudge
from schemes.tests.factories import EnrolmentFactory

from .factories import PlannedMeetingFactory

LONDON = ZoneInfo("Europe/London")
MOMENT = datetime(2026, 3, 23, 9, 0, tzinfo=LONDON)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip(
            "the parallel sweep test needs PostgreSQL (SQLite allows one writer at a time): "
            "set DATABASE_URL=postgres://postgres@127.0.0.1:5432/mentoring"
        )


@pytest.fixture
def everything_due(scheme, organiser):
    """Due at MOMENT: a reminder to both members of one pair, a first nudge to both members of
    a quiet pair, and the organiser's weekly digest."""
    met = PairFactory(
        scheme=scheme,
        created_at=MOMENT - timedelta(days=10),
        status_changed_at=MOMENT - timedelta(days=10),
    )
    PlannedMeetingFactory(
        pair=met,
        starts_at=MOMENT + timedelta(days=1),
        created_at=MOMENT - timedelta(days=5),
        updated_at=MOMENT - timedelta(days=5),
    )
    introduced = MOMENT - timedelta(weeks=12)
    PairFactory(
        scheme=scheme,
        status=Pair.Status.INTRODUCED,
        created_at=introduced,
        status_changed_at=introduced,
    )
    EnrolmentFactory(scheme=scheme, waiting_since=MOMENT - timedelta(days=30))


def race(sweeps):
    barrier = threading.Barrier(sweeps)
    errors = []

    def sweep():
        try:
            barrier.wait(timeout=10)
            reminders.reminders_queue_due()
        except Exception as error:  # reported below: a thread's exception would vanish
            errors.append(error)
        finally:
            connections.close_all()

    with time_machine.travel(MOMENT, tick=False):
        threads = [threading.Thread(target=sweep) for _ in range(sweeps)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert errors == []


def test_two_sweeps_in_parallel_threads_send_each_message_once(everything_due):
    race(2)

    keys = list(Notification.objects.values_list("key", flat=True))
    assert len(keys) == len(set(keys)) == 5  # 2 reminders, 2 nudges, 1 digest
    assert Nudge.objects.count() == 1
    assert len(mail.outbox) == 5
    assert Notification.objects.filter(sent_at=None).count() == 0


def test_many_sweeps_racing_still_send_once(everything_due):
    race(6)

    assert Notification.objects.count() == 5
    assert len(mail.outbox) == 5
