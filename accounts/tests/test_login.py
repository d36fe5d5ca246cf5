from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory


def log_in(client, email, password, address="10.1.2.3"):
    return client.post(
        reverse("accounts:login"),
        {"username": email, "password": password},
        REMOTE_ADDR=address,
    )


@pytest.mark.django_db
def test_login_with_email_in_any_case_reaches_my_mentoring(client, mentee):
    response = log_in(client, "MENTEE@example.nhs.uk", DEFAULT_PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:my-mentoring")
    page = client.get(response["Location"])
    assert "My mentoring" in page.content.decode()


@pytest.mark.django_db
def test_wrong_password_shows_an_error_and_signs_nobody_in(client, mentee):
    response = log_in(client, mentee.email, "not-the-password")

    assert response.status_code == 200
    assert "do not match an account" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_login_gives_a_new_session_key(client, mentee):
    client.get(reverse("accounts:login"))
    before = client.session.session_key
    log_in(client, mentee.email, DEFAULT_PASSWORD)
    assert client.session.session_key != before


@pytest.mark.django_db
def test_five_failures_lock_that_account_from_that_address_for_15_minutes(client, mentee):
    for _ in range(5):
        log_in(client, mentee.email, "wrong-password-guess")

    locked = log_in(client, mentee.email, DEFAULT_PASSWORD)

    assert locked.status_code == 429
    assert "Try again after 15 minutes" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.get().failures_since_start >= 5


@pytest.mark.django_db
def test_lockout_does_not_shut_out_colleagues_behind_the_same_hospital_address(client, mentee):
    colleague = UserFactory(email="colleague@example.nhs.uk")
    for _ in range(5):
        log_in(client, mentee.email, "wrong-password-guess")

    response = log_in(client, colleague.email, DEFAULT_PASSWORD)

    assert response.status_code == 302


@pytest.mark.django_db
def test_lockout_does_not_stop_the_owner_on_another_connection(client, mentee):
    for _ in range(5):
        log_in(client, mentee.email, "wrong-password-guess", address="10.1.2.3")

    response = log_in(client, mentee.email, DEFAULT_PASSWORD, address="192.0.2.77")

    assert response.status_code == 302


@pytest.mark.django_db
def test_lock_lifts_after_the_cool_off(client, mentee):
    for _ in range(5):
        log_in(client, mentee.email, "wrong-password-guess")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))

    response = log_in(client, mentee.email, DEFAULT_PASSWORD)

    assert response.status_code == 302


@pytest.mark.django_db
def test_session_ends_after_30_idle_minutes(client, mentee):
    client.force_login(mentee)
    assert client.get(reverse("accounts:my-mentoring")).status_code == 200
    session = Session.objects.get(session_key=client.session.session_key)
    assert session.expire_date <= timezone.now() + timedelta(minutes=30, seconds=5)

    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("accounts:my-mentoring"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_logout_is_post_only_and_ends_the_session(client, mentee):
    client.force_login(mentee)
    assert client.get(reverse("accounts:logout")).status_code == 405

    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_password_change_keeps_this_session_and_ends_others(client, mentee):
    other_device = client.__class__()
    other_device.force_login(mentee)
    client.force_login(mentee)
    new_password = "quiet-meadow-harbour-71"

    response = client.post(
        reverse("accounts:password-change"),
        {
            "old_password": DEFAULT_PASSWORD,
            "new_password1": new_password,
            "new_password2": new_password,
        },
    )

    assert response.status_code == 302
    assert client.get(reverse("accounts:my-mentoring")).status_code == 200
    assert other_device.get(reverse("accounts:my-mentoring")).status_code == 302


@pytest.mark.django_db
def test_password_change_with_a_weak_password_says_why(client, mentee):
    client.force_login(mentee)
    response = client.post(
        reverse("accounts:password-change"),
        {"old_password": DEFAULT_PASSWORD, "new_password1": "short", "new_password2": "short"},
    )
    assert response.status_code == 200
    assert "at least 12 characters" in response.content.decode()
    mentee.refresh_from_db()
    assert mentee.check_password(DEFAULT_PASSWORD)


@pytest.mark.django_db
def test_an_absurdly_long_email_is_refused_before_it_reaches_authentication(client):
    response = log_in(client, "x" * 10_000 + "@example.nhs.uk", "whatever-password")
    assert response.status_code == 200
    assert "Enter the email address you signed up with." in response.content.decode()
    assert not AccessAttempt.objects.exists()
