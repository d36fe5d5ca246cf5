from unittest import mock

import pytest
from django.urls import reverse
from kombu.exceptions import OperationalError

from accounts.models import Notification, User
from accounts.queue import enqueue
from accounts.tasks import notification_send_task


def test_enqueue_reports_a_broker_outage_instead_of_raising():
    with mock.patch.object(notification_send_task, "delay", side_effect=OperationalError("down")):
        assert enqueue(notification_send_task, 1) is False


@pytest.mark.django_db
def test_sign_up_succeeds_while_the_broker_is_down_and_the_sweep_sends_later(
    client, django_capture_on_commit_callbacks
):
    data = {
        "email": "offline@example.nhs.uk",
        "first_name": "Ola",
        "last_name": "Ade",
        "password1": "harbour-lantern-violet-93",
        "password2": "harbour-lantern-violet-93",
    }
    with (
        mock.patch.object(
            notification_send_task, "delay", side_effect=OperationalError("Redis is down")
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(reverse("accounts:sign-up"), data)

    assert response.status_code == 302
    assert User.objects.filter(email="offline@example.nhs.uk").exists()
    notification = Notification.objects.get()
    assert notification.sent_at is None  # waiting for the sweep
