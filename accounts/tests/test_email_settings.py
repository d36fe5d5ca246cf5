"""People choose which non-essential emails they get; essential ones always go."""

import pytest
from django.core import mail
from django.urls import reverse

from accounts import services
from accounts.models import Notification
from accounts.tests.factories import UserFactory


@pytest.mark.django_db
def test_an_opted_out_optional_kind_is_not_queued_and_leaves_no_row(
    django_capture_on_commit_callbacks,
):
    user = UserFactory(email_opt_outs=["meeting_reminder"])
    with django_capture_on_commit_callbacks(execute=True):
        result = services.notification_queue(key="r:1", kind="meeting_reminder", recipient=user)
    assert result is None
    assert not Notification.objects.exists()
    assert mail.outbox == []


@pytest.mark.django_db
def test_an_essential_kind_is_sent_even_if_listed_as_opted_out(django_capture_on_commit_callbacks):
    user = UserFactory(email_opt_outs=["email_confirmation"])
    with django_capture_on_commit_callbacks(execute=True):
        result = services.notification_queue(key="c:1", kind="email_confirmation", recipient=user)
    assert result is not None
    assert len(mail.outbox) == 1


def test_essential_kinds_cannot_be_turned_off():
    for kind in ("email_confirmation", "referral_made", "match_introduction", "cohort_enrolled"):
        assert not services.email_is_optional(kind)


@pytest.mark.django_db
def test_email_settings_page_saves_the_kinds_left_unticked(client):
    user = UserFactory()
    client.force_login(user)
    kept = {kind: "on" for kind in services.OPTIONAL_EMAIL_KINDS if kind != "pair_nudge"}

    response = client.post(reverse("accounts:email-settings"), kept)

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email_opt_outs == ["pair_nudge"]
    page = client.get(reverse("accounts:email-settings")).content.decode()
    assert "Emails we always send" in page
    assert 'name="pair_nudge"' in page


@pytest.mark.django_db
def test_email_settings_need_a_login_and_are_linked_from_the_profile(client):
    response = client.get(reverse("accounts:email-settings"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    client.force_login(UserFactory())
    assert (
        reverse("accounts:email-settings")
        in client.get(reverse("accounts:profile")).content.decode()
    )
    assert client.delete(reverse("accounts:email-settings")).status_code == 405


@pytest.mark.django_db
def test_a_kind_may_attach_a_file(monkeypatch):
    from accounts import notifications

    monkeypatch.setitem(
        notifications._context_builders,
        "email_confirmation",
        lambda n: {
            "confirm_url": "x",
            "valid_days": 3,
            "attachments": [("invite.ics", "BEGIN:VCALENDAR", "text/calendar; method=REQUEST")],
        },
    )
    user = UserFactory()
    notification = Notification.objects.create(key="a:1", kind="email_confirmation", recipient=user)
    services.notification_send(notification_id=notification.pk)
    (message,) = mail.outbox
    assert message.attachments[0][0] == "invite.ics"


@pytest.mark.django_db
def test_essential_emails_say_why_they_were_sent_and_link_to_email_settings(client):
    user = UserFactory(email="reset.me@example.nhs.uk")
    services.email_confirmation_send(user=user)
    notification = Notification.objects.get()
    services.notification_send(notification_id=notification.pk)
    client.post(reverse("accounts:password-reset"), {"email": user.email})

    confirmation, reset = mail.outbox
    for message in (confirmation, reset):
        for text in (message.body, message.alternatives[0][0]):
            assert "Why you got this email:" in text
            assert "/accounts/email-settings/" in text
            assert "cannot be turned off" in text
    assert "http://testserver/accounts/email-settings/" in reset.body
