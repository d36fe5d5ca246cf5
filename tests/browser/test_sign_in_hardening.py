"""Sign-in hardening, as people meet it: a staff member's first two-step set-up through an emailed
link, a filtered page surviving the second step, sign-up that does not reveal who has an account,
the rate-limit page, and an off-site `next` that is not followed."""

import re

import pytest
from django.core import mail
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

from .conftest import (
    PHONE,
    assert_accessible_basics,
    assert_fits_phone_width,
    assert_no_axe_violations,
    screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_step_on(settings):
    settings.TWO_FACTOR_REQUIRED = True


def code_for(device):
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def sign_in(page, email, path="/accounts/login/"):
    page.goto(path)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_an_organiser_sets_up_two_step_through_the_emailed_link(
    page, live_server, organiser, scheme, two_step_on
):
    sign_in(page, organiser.email)

    page.get_by_text("We have emailed you a link to set up two-step sign-in").wait_for()
    assert page.locator("svg").count() == 0 and "Key:" not in page.content()
    assert_accessible_basics(page)
    assert_no_axe_violations(page)
    screenshot(page, "two-step-setup-link-sent")
    [message] = [m for m in mail.outbox if m.to == [organiser.email]]
    link = re.search(r"https?://\S+(/accounts/two-step/setup/link/\S+)", message.body).group(1)

    page.goto(link)
    page.get_by_role("heading", name="Set up two-step sign-in").wait_for()
    page.get_by_text("Scan this code").wait_for()
    device = TOTPDevice.objects.get(user=organiser, confirmed=False)
    page.get_by_label("6-digit code").fill(code_for(device))
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    page.get_by_text("Two-step sign-in is on").wait_for()
    page.get_by_role("link", name="I have saved them").click()

    page.get_by_role("heading", name="My mentoring").wait_for()
    page.goto(f"/schemes/{scheme.slug}/enrolments/")
    assert "/two-step/" not in page.url

    # The link worked once: opening it again says so.
    page.goto(link)
    page.get_by_role("heading", name="This link does not work").wait_for()


def test_the_setup_link_page_and_a_refused_link_fit_a_phone(
    new_page, live_server, organiser, two_step_on
):
    page = new_page(PHONE)
    sign_in(page, organiser.email)
    page.get_by_text("We have emailed you a link").wait_for()
    assert_fits_phone_width(page)
    screenshot(page, "two-step-setup-link-sent")
    page.goto("/accounts/two-step/setup/link/?token=not-a-real-link")
    page.get_by_role("heading", name="This link does not work").wait_for()
    assert_fits_phone_width(page)
    assert_no_axe_violations(page)
    screenshot(page, "two-step-setup-link-refused")


def test_a_bookmarked_filtered_dashboard_stays_filtered_through_the_second_step(
    page, live_server, dme, two_step_on
):
    device = TOTPDevice.objects.create(user=dme, name="authenticator", confirmed=True)
    wanted = "/reports/organisations/slam/?grade=CT1&enrolled_from=2026-01-01"

    page.goto(wanted)
    assert "/accounts/login/" in page.url
    page.get_by_label("Email address").fill(dme.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Two-step sign-in").wait_for()
    page.get_by_label("6-digit code").fill(code_for(device))
    page.get_by_role("button", name="Continue").click()

    page.wait_for_url(re.compile(r"/reports/organisations/slam/\?"))
    assert page.url.endswith(wanted)
    assert page.get_by_label("Grade").input_value() == "CT1"


def test_signing_up_with_an_address_that_has_an_account_looks_like_any_sign_up(
    page, live_server, organisation
):
    UserFactory(email="already.here@example.nhs.uk", first_name="Ola")
    page.goto("/accounts/sign-up/")
    page.get_by_label("Email address").fill("already.here@example.nhs.uk")
    page.get_by_label("First name").fill("Someone")
    page.get_by_label("Last name").fill("Else")
    page.get_by_label("Grade").select_option("CT1")
    page.locator("#id_password1").fill("harbour-lantern-violet-93")
    page.get_by_label("Password confirmation").fill("harbour-lantern-violet-93")
    page.get_by_role("button", name="Create my account").click()

    page.get_by_role("heading", name="Check your email").wait_for()
    assert "already exists" not in page.content()
    [message] = mail.outbox
    assert message.to == ["already.here@example.nhs.uk"]
    assert "Someone tried to create an account" in message.body


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_too_many_reset_requests_get_a_page_that_says_when_to_try_again(
    new_page, live_server, viewport
):
    page = new_page(PHONE) if viewport == "phone" else new_page()
    for _ in range(4):
        page.goto("/accounts/password/reset/")
        page.get_by_label("Email").fill("someone@example.nhs.uk")
        page.get_by_role("button", name=re.compile("reset|Send", re.I)).click()
        page.wait_for_load_state()

    page.get_by_role("heading", name="Please wait before trying again").wait_for()
    assert page.get_by_text(re.compile(r"Try again in \d+ minutes?")).is_visible()
    assert_accessible_basics(page)
    assert_no_axe_violations(page)
    if viewport == "phone":
        assert_fits_phone_width(page)
    screenshot(page, "rate-limited")


def test_an_off_site_next_in_a_status_button_is_not_followed(
    page, live_server, organiser, scheme, mentee_enrolment
):
    sign_in(page, organiser.email)
    page.get_by_role("heading", name="My mentoring").wait_for()
    page.goto(f"/schemes/{scheme.slug}/enrolments/")
    page.evaluate(
        """() => document.querySelectorAll('input[name="next"]')
            .forEach(input => { input.value = 'https://evil.example/'; })"""
    )
    with page.expect_response(lambda response: response.request.method == "POST") as answer:
        page.get_by_role("button", name=re.compile("Pause")).first.click()
    page.wait_for_load_state()

    assert "evil.example" not in (answer.value.headers.get("location") or "")
    assert page.url.startswith(f"{live_server.url}/schemes/{scheme.slug}/enrolments/")
    page.get_by_text("now paused").wait_for()
