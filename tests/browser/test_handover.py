"""An organiser who rotates out hands the scheme over in the browser; the DME appoints an
organiser for a scheme nobody runs; intake windows come from the rotation dates."""

from datetime import timedelta

import pytest
from django.utils import timezone

from schemes.models import IntakeWindow, SchemeRole
from schemes.tests.factories import MemberFactory

from .conftest import (
    PHONE,
    assert_accessible_basics,
    assert_fits_phone_width,
    assert_no_axe_violations,
    log_in,
    screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def check_at_both_widths(page, name):
    assert_accessible_basics(page)
    assert_no_axe_violations(page)
    screenshot(page, name)
    page.set_viewport_size(PHONE)
    assert_fits_phone_width(page)
    assert_no_axe_violations(page)
    screenshot(page, name)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_organiser_hands_over_to_a_successor_who_then_runs_the_scheme(
    page, live_server, scheme, organiser, pair
):
    today = timezone.localdate()
    IntakeWindow.objects.create(
        scheme=scheme,
        label="February rotation",
        opens_on=today - timedelta(days=2),
        closes_on=today + timedelta(days=40),
    )
    successor = MemberFactory(
        organisation=scheme.organisation, email="next.organiser@example.nhs.uk"
    )
    log_in(page, organiser.email)

    page.goto(f"/schemes/{scheme.slug}/settings/")
    page.get_by_role("link", name="Hand over").click()
    page.get_by_role("heading", name=f"{scheme.name}: hand over").wait_for()
    assert page.get_by_text("February rotation").is_visible()
    assert page.get_by_text("You are the scheme's only organiser.").is_visible()
    check_at_both_widths(page, "handover")

    # A mistyped address is refused with the reason, and nothing changes.
    page.get_by_label("Your successor's email address").fill("next.organizer@example.nhs.uk")
    page.get_by_role("button", name="Hand over and step down").click()
    page.get_by_text("Nobody has an account with that address").first.wait_for()
    check_at_both_widths(page, "handover-error")
    assert SchemeRole.objects.filter(scheme=scheme, user=organiser).exists()

    page.get_by_label("Your successor's email address").fill(successor.email)
    page.get_by_role("button", name="Hand over and step down").click()
    page.get_by_text(f"{successor} is now an organiser of {scheme.name}").wait_for()
    assert not SchemeRole.objects.filter(scheme=scheme, user=organiser).exists()
    page.get_by_role("button", name="Log out").click()

    log_in(page, successor.email)
    page.get_by_role("link", name="Run schemes").first.click()
    page.get_by_text(scheme.name).first.wait_for()
    page.goto(f"/schemes/{scheme.slug}/handover/")
    page.get_by_role("heading", name="Pairs and mentees needing attention").wait_for()


def test_the_dme_appoints_an_organiser_for_a_scheme_nobody_runs(page, live_server, scheme, dme):
    successor = MemberFactory(organisation=scheme.organisation, email="new.lead@example.nhs.uk")
    log_in(page, dme.email)

    page.goto(f"/schemes/{scheme.slug}/organisers/appoint/")
    page.get_by_text("This scheme has no organiser").wait_for()
    check_at_both_widths(page, "organiser-appoint")
    page.get_by_label("Their email address").fill(successor.email)
    page.get_by_role("button", name="Appoint organiser").click()

    page.get_by_text(f"{successor} is an organiser of {scheme.name}").wait_for()
    assert SchemeRole.objects.filter(scheme=scheme, user=successor, role="organiser").exists()


def test_organiser_adds_the_next_rotations_intake_windows(page, live_server, scheme, organiser):
    log_in(page, organiser.email)

    page.goto(f"/schemes/{scheme.slug}/settings/")
    page.get_by_role("link", name="Add the next windows from the February and August").click()
    page.get_by_role(
        "heading", name=f"{scheme.name}: intake windows from rotation dates"
    ).wait_for()
    check_at_both_widths(page, "rotation-windows")
    page.get_by_role("button", name="Add 2 intake windows").click()

    page.get_by_text("Intake windows added:").wait_for()
    assert IntakeWindow.objects.filter(scheme=scheme).count() == 2
