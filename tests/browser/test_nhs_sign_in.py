"""Signing in with NHSmail in a browser, against a real OpenID Connect provider process
(tests/sign_in_provider.py): the provider's own page is where the person signs in, and what
comes back is a signed token the app has to check."""

import re
import time

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ProviderIdentity, User

from .conftest import (
    assert_accessible_basics,
    assert_no_axe_violations,
    screenshot_both_widths,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def provider(settings, sign_in_provider):
    settings.SIGN_IN_PROVIDERS = sign_in_provider.settings_for(
        allowed_domains=["nhs.net", "example.nhs.uk"]
    )
    return sign_in_provider


def sign_in_with_nhsmail(page, subject, start="/accounts/login/"):
    """From the login page, through the provider's page, back to the app."""
    page.goto(start)
    page.get_by_role("link", name="Sign in with NHSmail").click()
    page.locator("input[name=sub]").fill(subject)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_load_state()


def alert_text(page):
    return page.locator(".alert").first.inner_text()


def test_a_new_trainee_signs_in_with_nhsmail_and_completes_the_profile(page, provider):
    subject = provider.person(
        "new-trainee",
        email="zara.ahmed@nhs.net",
        email_verified=True,
        given_name="Zara",
        family_name="Ahmed",
    )
    page.goto("/accounts/login/")
    assert_accessible_basics(page)
    assert_no_axe_violations(page)
    screenshot_both_widths(page, "login-with-nhsmail")

    sign_in_with_nhsmail(page, subject)

    page.get_by_role("heading", name="Your profile").wait_for()
    assert "You are signed in with NHSmail" in alert_text(page)
    assert page.get_by_label("First name").input_value() == "Zara"
    user = User.objects.get(email="zara.ahmed@nhs.net")
    assert user.has_confirmed_email and not user.has_usable_password()
    screenshot_both_widths(page, "nhsmail-new-account-profile")


def test_an_imported_trainee_claims_the_account_and_signs_out_of_nhsmail_too(page, provider):
    imported = User.objects.create_user(
        email="rotating.trainee@nhs.net", first_name="Rota", last_name="Ting"
    )
    subject = provider.person("imported", email="rotating.trainee@nhs.net", email_verified=True)

    sign_in_with_nhsmail(page, subject)

    page.get_by_role("heading", name="My mentoring").wait_for()
    imported.refresh_from_db()
    assert imported.has_confirmed_email
    assert ProviderIdentity.objects.get().user == imported

    page.get_by_role("button", name=re.compile("Log out")).click()
    page.get_by_role("heading", name="You have logged out").wait_for()
    assert_accessible_basics(page)
    assert_no_axe_violations(page)
    screenshot_both_widths(page, "signed-out-offer-nhsmail")
    page.get_by_role("link", name="Sign out of NHSmail too").click()
    page.get_by_role("button", name="End session").click()  # the provider's own page
    page.wait_for_url(re.compile(r"/$"))
    assert page.get_by_role("link", name="Log in").count() >= 1


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        (
            {"email": "wrong.aud@nhs.net", "aud": "another-service"},
            "NHSmail's answer could not be checked",
        ),
        (
            {"email": "late@nhs.net", "exp": "PAST"},
            "NHSmail's answer arrived too late",
        ),
        (
            {"email": "someone@gmail.com"},
            "Signing in with NHSmail is for addresses ending @nhs.net or @example.nhs.uk",
        ),
    ],
    ids=["wrong-audience", "expired-token", "disallowed-domain"],
)
def test_a_refused_sign_in_says_what_to_do_and_makes_nothing(page, provider, claims, message):
    claims = {**claims, "email_verified": True}
    if claims.get("exp") == "PAST":
        claims["exp"] = int(time.time()) - 600
    subject = provider.person("refused", **claims)

    sign_in_with_nhsmail(page, subject)

    page.get_by_role("heading", name="Log in", exact=True).wait_for()
    assert message in alert_text(page)
    assert "password below" in alert_text(page)
    assert not User.objects.exists()
    assert page.get_by_role("link", name="Sign in with NHSmail").is_visible()


def test_a_replayed_sign_in_link_is_refused(page, provider):
    subject = provider.person("replay", email="replay@nhs.net", email_verified=True)
    callbacks = []
    page.on(
        "request",
        lambda request: (
            callbacks.append(request.url) if "/accounts/sign-in/callback/" in request.url else None
        ),
    )
    sign_in_with_nhsmail(page, subject)
    page.get_by_role("heading", name="Your profile").wait_for()
    page.get_by_role("button", name=re.compile("Log out")).click()
    page.get_by_role("heading", name="You have logged out").wait_for()

    page.goto(callbacks[0])  # the same code and state again, as a stolen link would be

    page.get_by_role("heading", name="Log in", exact=True).wait_for()
    assert "already been used or has expired" in alert_text(page)
    assert page.get_by_role("button", name=re.compile("Log out")).count() == 0


@pytest.mark.parametrize(
    ("amr", "lands_on"),
    [(["pwd", "mfa"], "My mentoring"), (["pwd"], "Set up two-step sign-in")],
    ids=["mfa-asserted", "mfa-not-asserted"],
)
def test_a_staff_members_second_step(page, provider, organiser, settings, amr, lands_on):
    settings.TWO_FACTOR_REQUIRED = True
    subject = provider.person("organiser", email=organiser.email, email_verified=True, amr=amr)

    sign_in_with_nhsmail(page, subject)

    page.get_by_role("heading", name=lands_on).wait_for()
    assert not TOTPDevice.objects.filter(user=organiser, confirmed=True).exists()
