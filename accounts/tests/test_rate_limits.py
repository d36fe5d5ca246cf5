"""Forms that send email, and the two-step code forms, refuse a flood with a 429 that says when
to try again; nothing is sent once the limit is passed, and the refusal is audited once."""

import pytest
from django.core import mail
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEvent, User
from accounts.ratelimits import LIMITS
from accounts.tests.factories import UnconfirmedUserFactory, UserFactory
from accounts.tests.test_sign_up import sign_up_data

pytestmark = pytest.mark.django_db


def allowed(group, by):
    """How many a limit lets through, read from the one table (accounts.ratelimits.LIMITS)."""
    rate = next(limit.rate for limit in LIMITS[group] if limit.by == by)
    return int(rate.split("/")[0])


def assert_refused_with_a_way_forward(response):
    assert response.status_code == 429
    body = response.content.decode()
    assert "Please wait before trying again" in body
    assert "Try again in" in body and "minute" in body
    assert int(response["Retry-After"]) > 0


def test_sign_ups_for_one_address_stop_at_the_limit_and_send_nothing_more(
    client, django_capture_on_commit_callbacks
):
    UserFactory(email="taken@example.nhs.uk")
    url = reverse("accounts:sign-up")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(allowed("sign-up", "email")):
            response = client.post(url, sign_up_data(email="taken@example.nhs.uk"))
            assert response.status_code == 302
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        over = client.post(url, sign_up_data(email="taken@example.nhs.uk"))

    assert_refused_with_a_way_forward(over)
    assert len(mail.outbox) == sent == 1  # one "someone tried" email an hour, however many tries


def test_sign_ups_from_one_address_stop_at_the_limit(client, django_capture_on_commit_callbacks):
    url = reverse("accounts:sign-up")
    limit = allowed("sign-up", "ip")
    with django_capture_on_commit_callbacks(execute=True):
        for number in range(limit):
            response = client.post(url, sign_up_data(email=f"new{number}@example.nhs.uk"))
            assert response.status_code == 302
        over = client.post(url, sign_up_data(email="one.more@example.nhs.uk"))

    assert_refused_with_a_way_forward(over)
    assert len(mail.outbox) == limit
    assert not User.objects.filter(email="one.more@example.nhs.uk").exists()
    assert AuditEvent.objects.filter(action="rate_limited", target="sign-up").count() == 1


def test_a_mistyped_sign_up_does_not_count_against_the_limit(client):
    url = reverse("accounts:sign-up")
    for _ in range(allowed("sign-up", "email") + 2):
        assert client.post(url, sign_up_data(password2="does-not-match")).status_code == 200
    assert client.post(url, sign_up_data()).status_code == 302


def test_password_reset_emails_stop_at_the_limit(client):
    UserFactory(email="reset.me@example.nhs.uk")
    url = reverse("accounts:password-reset")
    limit = allowed("password-reset", "email")
    for _ in range(limit):
        assert client.post(url, {"email": "reset.me@example.nhs.uk"}).status_code == 302

    over = client.post(url, {"email": "reset.me@example.nhs.uk"})

    assert_refused_with_a_way_forward(over)
    assert len(mail.outbox) == limit


def test_resend_confirmation_stops_at_the_limit(client, django_capture_on_commit_callbacks):
    waiting = UnconfirmedUserFactory(email="waiting@example.nhs.uk")
    url = reverse("accounts:resend-confirmation")
    limit = allowed("resend-confirmation", "email")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(limit):
            assert client.post(url, {"email": waiting.email}).status_code == 302
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        over = client.post(url, {"email": waiting.email})

    assert_refused_with_a_way_forward(over)
    assert len(mail.outbox) == sent >= 1


def test_two_step_codes_stop_at_the_limit_even_for_the_right_code(client, organiser, settings):
    from accounts.tests.test_two_step import current_code, log_in

    settings.TWO_FACTOR_REQUIRED = True
    device = TOTPDevice.objects.create(user=organiser, name="authenticator", confirmed=True)
    log_in(client, organiser)
    url = reverse("accounts:two-step-verify")
    for _ in range(allowed("two-step-code", "user")):
        assert "did not work" in client.post(url, {"code": "000000"}).content.decode()

    over = client.post(url, {"code": current_code(device)})

    assert_refused_with_a_way_forward(over)
    assert client.get(reverse("accounts:my-mentoring")).status_code == 302  # still not through
    assert AuditEvent.objects.filter(action="rate_limited", target="two-step-code").count() == 1


def test_the_limit_page_is_in_the_sites_layout_for_a_signed_out_visitor(client):
    url = reverse("accounts:password-reset")
    for _ in range(allowed("password-reset", "email") + 1):
        response = client.post(url, {"email": "nobody@example.nhs.uk"})
    assert_refused_with_a_way_forward(response)
    body = response.content.decode()
    assert 'href="/accounts/login/"' in body and "<nav" in body
