"""A scheme reaches its trust's trainee list in Chromium: an opt-in scheme's organiser invites it,
and a doctor with no account follows the email to sign up and find the scheme; an opt-out
scheme's organiser enrols the list through the cohort check."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Grade
from schemes.models import Enrolment, EnrolmentModel, Placement, TraineeListImport
from schemes.tests.factories import PlacementFactory

from .conftest import (
    PHONE,
    assert_accessible_basics,
    assert_fits_phone_width,
    assert_no_axe_violations,
    log_in,
    screenshot,
    screenshot_both_widths,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "harbour-lantern-violet-93"


def _trust_list(organisation, names):
    TraineeListImport.objects.create(
        organisation=organisation,
        as_of=timezone.localdate() - timedelta(days=30),
        file_name="rotation.csv",
        confirmed_at=timezone.now(),
    )
    return [
        PlacementFactory(
            organisation=organisation,
            first_name=first,
            last_name=last,
            email=f"{first}.{last}@nhs.net".lower(),
            grade=Grade.CT1,
            specialty="Psychiatry",
        )
        for first, last in names
    ]


def test_an_invited_doctor_signs_up_from_the_email_and_finds_the_scheme(
    new_page, live_server, scheme, organiser
):
    _trust_list(scheme.organisation, [("Nia", "Adeyemi"), ("Ben", "Osei"), ("Carys", "Jones")])
    page = new_page()
    log_in(page, organiser.email)
    page.goto(reverse("schemes:enrolments", args=[scheme.slug]))
    page.get_by_role("link", name="Invite the trainee list").click()
    page.get_by_role("heading", name=re.compile("invite the trainee list")).wait_for()
    assert page.locator("#count-to-invite").inner_text() == "3"
    assert_accessible_basics(page)
    assert_no_axe_violations(page)
    screenshot_both_widths(page, "trainee-list-invite")

    page.get_by_role("button", name="Send 3 invitations").click()
    page.get_by_text("3 trainees invited").wait_for()
    assert page.locator("#count-invited").inner_text() == "3"
    assert page.get_by_role("heading", name="Nobody to invite").is_visible()
    invitation = next(m for m in mail.outbox if m.to == ["nia.adeyemi@nhs.net"])
    sign_up_path = re.search(r"https?://[^/\s]+(/accounts/sign-up/)", invitation.body)[1]
    scheme_path = re.search(rf"https?://[^/\s]+(/schemes/{scheme.slug}/)", invitation.body)[1]

    # Nia has no account: she follows the email's steps on her phone.
    trainee = new_page(PHONE)
    trainee.goto(sign_up_path)
    trainee.get_by_label("Email address").fill("nia.adeyemi@nhs.net")
    trainee.get_by_label("First name").fill("Nia")
    trainee.get_by_label("Last name").fill("Adeyemi")
    trainee.get_by_label("Grade").select_option("CT1")
    trainee.get_by_label("Specialty").fill("Psychiatry")
    trainee.get_by_label("Organisation").select_option(label=scheme.organisation.name)
    trainee.locator("#id_password1").fill(PASSWORD)
    trainee.get_by_label("Password confirmation").fill(PASSWORD)
    trainee.get_by_role("button", name="Create my account").click()
    trainee.get_by_role("heading", name="Check your email").wait_for()
    confirmation = next(
        m for m in mail.outbox if m.to == ["nia.adeyemi@nhs.net"] and m is not invitation
    )
    trainee.goto(re.search(r"/accounts/confirm/[^/\s]+/", confirmation.body)[0])
    trainee.get_by_text("your email address is confirmed").wait_for()
    trainee.get_by_label("Email address").fill("nia.adeyemi@nhs.net")
    trainee.get_by_label("Password").fill(PASSWORD)
    trainee.get_by_role("button", name="Log in").click()
    trainee.get_by_role("heading", name="My mentoring").wait_for()

    trainee.goto(scheme_path)
    trainee.get_by_role("heading", name=scheme.name).first.wait_for()
    assert trainee.get_by_role("link", name=re.compile("Join as a mentee")).first.is_visible()
    assert_fits_phone_width(trainee)
    screenshot(trainee, "trainee-list-invited-scheme")
    # Her place on the list is now linked to her account.
    assert Placement.objects.get(email="nia.adeyemi@nhs.net").user.email == "nia.adeyemi@nhs.net"


def test_an_organiser_enrols_the_trainee_list_of_an_opt_out_scheme(
    new_page, live_server, scheme, organiser
):
    scheme.enrolment_model = EnrolmentModel.OPT_OUT
    scheme.save()
    _trust_list(scheme.organisation, [("Amara", "Obi"), ("Dev", "Shah")])
    page = new_page()
    log_in(page, organiser.email)
    page.goto(reverse("schemes:cohort-upload", args=[scheme.slug]))
    assert page.get_by_role("link", name="Invite the trainee list").count() == 0  # opt-out
    assert_accessible_basics(page)
    screenshot_both_widths(page, "cohort-upload-from-list")
    page.get_by_role("button", name="Check the trainee list").click()
    page.get_by_role("heading", name="Check the cohort file").wait_for()
    assert page.locator("#count-valid").inner_text() == "2"
    assert_no_axe_violations(page)
    screenshot_both_widths(page, "trainee-list-enrol-preview")

    page.get_by_role("button", name="Enrol 2 trainees").click()
    page.get_by_text("2 trainees enrolled").wait_for()
    assert Enrolment.objects.filter(scheme=scheme, source=Enrolment.Source.COHORT).count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["amara.obi@nhs.net", "dev.shah@nhs.net"]
