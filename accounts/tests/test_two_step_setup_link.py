"""A password alone cannot claim a staff member's second factor: the first pairing of an
authenticator for a staff role needs a one-time link emailed to the account's address, opened in
the sign-in that asked for it, within 30 minutes."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.ratelimits import LIMITS
from accounts.tests.test_two_step import current_code, log_in

pytestmark = pytest.mark.django_db

EMAILED = "We have emailed you a link to set up two-step sign-in"


@pytest.fixture(autouse=True)
def two_step_on(settings):
    settings.TWO_FACTOR_REQUIRED = True


def shows_the_secret(response):
    body = response.content.decode()
    return "<svg" in body or "Key:" in body or "otpauth://" in body


def emailed_link(message):
    return re.search(r"http://testserver(/accounts/two-step/setup/link/\S+)", message.body).group(1)


def sign_in_and_get_link(client, user, capture):
    log_in(client, user)
    with capture(execute=True):
        page = client.get(reverse("accounts:two-step-setup"))
    assert EMAILED in page.content.decode()
    message = [m for m in mail.outbox if m.to == [user.email]][-1]
    return emailed_link(message)


def test_a_password_alone_does_not_show_the_pairing_secret(client, organiser):
    log_in(client, organiser)

    page = client.get(reverse("accounts:two-step-setup"))
    attempt = client.post(reverse("accounts:two-step-setup"), {"code": "123456"})

    assert EMAILED in page.content.decode()
    assert not shows_the_secret(page) and not shows_the_secret(attempt)
    assert attempt.status_code == 403
    assert not TOTPDevice.objects.filter(user=organiser).exists()


def test_the_link_is_emailed_to_the_account_once_per_sign_in(
    client, organiser, django_capture_on_commit_callbacks
):
    sign_in_and_get_link(client, organiser, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("accounts:two-step-setup"))  # a reload does not send another

    assert [m.to for m in mail.outbox] == [[organiser.email]]
    assert "Set up two-step sign-in" in mail.outbox[0].subject
    assert "30 minutes" in mail.outbox[0].body


def test_the_emailed_link_opens_pairing_and_works_once(
    client, organiser, scheme, django_capture_on_commit_callbacks
):
    link = sign_in_and_get_link(client, organiser, django_capture_on_commit_callbacks)

    opened = client.get(link)
    assert opened["Location"].startswith(reverse("accounts:two-step-setup"))
    setup = client.get(opened["Location"])
    assert shows_the_secret(setup)
    again = client.get(link)
    assert again.status_code == 400
    assert "no longer works" in again.content.decode()

    device = TOTPDevice.objects.get(user=organiser)
    client.post(reverse("accounts:two-step-setup"), {"code": current_code(device)})
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("schemes:enrolments", args=[scheme.slug])).status_code == 200


def test_an_expired_link_is_refused_with_a_way_to_get_a_new_one(
    client, organiser, django_capture_on_commit_callbacks
):
    link = sign_in_and_get_link(client, organiser, django_capture_on_commit_callbacks)

    with time_machine.travel(timezone.now() + timedelta(minutes=20)):
        client.get(reverse("accounts:two-step-setup"))  # still active, so still signed in
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        response = client.get(link)
        setup = client.get(reverse("accounts:two-step-setup"))

    assert response.status_code == 400
    body = response.content.decode()
    assert "has expired" in body
    assert reverse("accounts:two-step-setup-link-send") in body
    assert not shows_the_secret(setup)


def test_a_link_made_for_another_account_is_refused(
    organiser, supervisor, django_capture_on_commit_callbacks
):
    organisers_link = sign_in_and_get_link(Client(), organiser, django_capture_on_commit_callbacks)
    other = Client()
    sign_in_and_get_link(other, supervisor, django_capture_on_commit_callbacks)

    response = other.get(organisers_link)

    assert response.status_code == 400
    assert not shows_the_secret(other.get(reverse("accounts:two-step-setup")))


def test_a_link_works_only_in_the_sign_in_that_asked_for_it(
    client, organiser, django_capture_on_commit_callbacks
):
    link = sign_in_and_get_link(client, organiser, django_capture_on_commit_callbacks)
    elsewhere = Client()
    log_in(elsewhere, organiser)

    assert elsewhere.get(link).status_code == 400
    assert not shows_the_secret(elsewhere.get(reverse("accounts:two-step-setup")))


def test_asking_for_a_new_link_sends_one_and_the_old_one_stops_working(
    client, organiser, django_capture_on_commit_callbacks
):
    old = sign_in_and_get_link(client, organiser, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:two-step-setup-link-send"), follow=True)
    assert "We have emailed you a new link" in response.content.decode()
    new = emailed_link(mail.outbox[-1])

    assert new != old
    assert client.get(old).status_code == 400
    assert client.get(new).status_code == 302


def test_new_links_stop_at_the_limit(client, organiser, django_capture_on_commit_callbacks):
    sign_in_and_get_link(client, organiser, django_capture_on_commit_callbacks)
    per_hour = int(
        next(lim.rate for lim in LIMITS["two-step-setup-link"] if lim.by == "user").split("/")[0]
    )
    url = reverse("accounts:two-step-setup-link-send")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(per_hour - 1):  # the first link, sent on arrival, counted too
            assert client.post(url).status_code == 302
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        over = client.post(url)

    assert over.status_code == 429
    assert "Please wait before trying again" in over.content.decode()
    assert len(mail.outbox) == sent == per_hour


def test_a_trainee_turning_two_step_on_pairs_at_once(client, mentee):
    log_in(client, mentee)
    assert shows_the_secret(client.get(reverse("accounts:two-step-setup")))


def test_the_link_pages_need_a_sign_in(client):
    response = client.post(reverse("accounts:two-step-setup-link-send"))
    assert response["Location"].startswith(reverse("accounts:login"))
    response = client.get(reverse("accounts:two-step-setup-link"), {"token": "x"})
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_link_returns_to_the_page_asked_for_but_never_off_site(
    client, organiser, django_capture_on_commit_callbacks
):
    log_in(client, organiser)
    for wanted, lands_on in (
        ("/reports/dashboards/?grade=CT1", "/reports/dashboards/?grade=CT1"),
        ("https://evil.example/", reverse("accounts:my-mentoring")),
    ):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("accounts:two-step-setup-link-send"), {"next": wanted})
        opened = client.get(emailed_link(mail.outbox[-1]))
        assert opened["Location"] == f"{reverse('accounts:two-step-setup')}?" + urlencode(
            {"next": lands_on}
        )
        session = client.session  # as if not yet opened, for the next round
        session.pop("two_step_setup_link_opened", None)
        session.save()
