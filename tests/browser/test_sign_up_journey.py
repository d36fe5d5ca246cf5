import re

import pytest
from django.core import mail

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

from .conftest import (
    PHONE,
    assert_accessible_basics,
    assert_fits_phone_width,
    assert_no_axe_violations,
    screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "harbour-lantern-violet-93"


def test_trainee_signs_up_confirms_by_email_logs_in_and_sees_my_mentoring(page, live_server):
    page.goto("/")
    assert_accessible_basics(page)
    page.get_by_role("link", name="Sign up").first.click()

    page.get_by_label("Email address").fill("nia.adeyemi@example.nhs.uk")
    page.get_by_label("First name").fill("Nia")
    page.get_by_label("Last name").fill("Adeyemi")
    page.get_by_label("Grade").select_option("CT1")
    page.get_by_label("Specialty").fill("Paediatrics")
    page.get_by_label("Site").fill("Kingston Hospital")
    page.get_by_label("Date training started").fill("2025-08-06")
    page.locator("#id_password1").fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    assert_accessible_basics(page)
    page.get_by_role("button", name="Create my account").click()

    page.get_by_role("heading", name="Check your email").wait_for()
    assert "nia.adeyemi@example.nhs.uk" in page.content()
    assert len(mail.outbox) == 1
    link = re.search(r"/accounts/confirm/[^/\s]+/", mail.outbox[0].body)[0]

    # Not yet confirmed: logging in is refused with the reason.
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill("nia.adeyemi@example.nhs.uk")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("Please confirm your email address first").wait_for()

    page.goto(link)
    page.get_by_text("your email address is confirmed").wait_for()
    page.get_by_label("Email address").fill("nia.adeyemi@example.nhs.uk")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("heading", name="My mentoring").wait_for()
    assert page.get_by_text("Welcome, Nia.").is_visible()
    assert User.objects.get(email="nia.adeyemi@example.nhs.uk").email_confirmed_at is not None


def test_wrong_password_shows_an_error(page, live_server):
    UserFactory(email="tom@example.nhs.uk")
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill("tom@example.nhs.uk")
    page.get_by_label("Password").fill("not-my-password")
    page.get_by_role("button", name="Log in").click()

    error = page.get_by_text("do not match an account")
    error.wait_for()
    assert error.is_visible()
    assert page.get_by_role("heading", name="Log in").is_visible()


def test_trainee_edits_profile_on_a_phone(new_page, live_server):
    UserFactory(email="phone@example.nhs.uk", specialty="")
    page = new_page(PHONE)
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill("phone@example.nhs.uk")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="My mentoring").wait_for()
    assert_fits_phone_width(page)

    page.get_by_role("link", name="Complete your profile").click()
    page.get_by_label("Specialty").fill("Obstetrics and gynaecology")
    page.get_by_role("button", name="Save profile").click()
    page.get_by_text("Your profile is saved.").wait_for()
    assert User.objects.get(email="phone@example.nhs.uk").specialty == "Obstetrics and gynaecology"

    # The menu collapses behind a toggle on a phone and still works.
    page.get_by_role("button", name="Show or hide the menu").click()
    page.get_by_role("link", name="My mentoring").click()
    page.get_by_role("heading", name="My mentoring").wait_for()


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_pages_render_and_fit_at_desktop_and_phone_width(new_page, live_server, viewport):
    UserFactory(email="looker@example.nhs.uk", grade="", specialty="")
    page = new_page(viewport) if viewport else new_page()
    for name, path in [
        ("home", "/"),
        ("sign-up", "/accounts/sign-up/"),
        ("login", "/accounts/login/"),
        ("password-reset", "/accounts/password/reset/"),
    ]:
        page.goto(path)
        assert_accessible_basics(page)
        assert_fits_phone_width(page)
        assert_no_axe_violations(page)
        screenshot(page, name)

    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill("looker@example.nhs.uk")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="My mentoring").wait_for()
    for name, path in [
        ("my-mentoring", "/accounts/my-mentoring/"),
        ("profile", "/accounts/profile/"),
    ]:
        page.goto(path)
        assert_accessible_basics(page)
        assert_fits_phone_width(page)
        assert_no_axe_violations(page)
        screenshot(page, name)
