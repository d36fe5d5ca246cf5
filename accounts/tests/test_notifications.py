from datetime import timedelta
from smtplib import SMTPException
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from accounts import services, tasks
from accounts.models import Notification
from accounts.tests.factories import UnconfirmedUserFactory


@pytest.mark.django_db
def test_queueing_the_same_key_twice_sends_one_email(django_capture_on_commit_callbacks):
    user = UnconfirmedUserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        first = services.notification_queue(key="k:1", kind="email_confirmation", recipient=user)
        second = services.notification_queue(key="k:1", kind="email_confirmation", recipient=user)

    assert first is not None and second is None
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_task_delivered_twice_sends_once():
    user = UnconfirmedUserFactory()
    notification = Notification.objects.create(key="k:2", kind="email_confirmation", recipient=user)

    assert services.notification_send(notification_id=notification.pk) is True
    assert services.notification_send(notification_id=notification.pk) is False
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_mail_error_releases_the_claim_and_records_the_error_for_the_retry():
    user = UnconfirmedUserFactory()
    notification = Notification.objects.create(key="k:3", kind="email_confirmation", recipient=user)

    with (
        mock.patch(
            "django.core.mail.EmailMultiAlternatives.send", side_effect=SMTPException("relay down")
        ),
        pytest.raises(SMTPException),
    ):
        services.notification_send(notification_id=notification.pk)

    notification.refresh_from_db()
    assert notification.sent_at is None
    assert notification.attempts == 1
    assert "relay down" in notification.last_error
    assert services.notification_send(notification_id=notification.pk) is True
    assert len(mail.outbox) == 1


def test_send_task_retries_with_backoff_on_mail_errors():
    options = tasks.notification_send_task
    assert SMTPException in options.autoretry_for
    assert options.retry_backoff and options.max_retries >= 3


@pytest.mark.django_db
def test_sweep_requeues_only_old_unsent_messages():
    user = UnconfirmedUserFactory()
    old = timezone.now() - timedelta(hours=1)
    lost = Notification.objects.create(
        key="lost", kind="email_confirmation", recipient=user, created_at=old
    )
    Notification.objects.create(key="fresh", kind="email_confirmation", recipient=user)
    Notification.objects.create(
        key="done", kind="email_confirmation", recipient=user, created_at=old, sent_at=old
    )

    requeued = tasks.notifications_sweep_unsent()

    assert requeued == 1
    lost.refresh_from_db()
    assert lost.sent_at is not None
    assert len(mail.outbox) == 1
    assert tasks.notifications_sweep_unsent() == 0  # running the sweep again sends nothing


@pytest.mark.django_db
def test_unknown_kind_fails_loudly():
    user = UnconfirmedUserFactory()
    notification = Notification.objects.create(key="odd", kind="no_such_kind", recipient=user)
    with pytest.raises(LookupError, match="no_such_kind"):
        services.notification_send(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.sent_at is None
