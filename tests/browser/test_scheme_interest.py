"""A trust without a scheme: its DME records that it would like one; the regional lead sees it."""

import pytest

from schemes.tests.factories import MemberFactory, OrganisationFactory, make_dme

from .conftest import PHONE, assert_fits_phone_width, assert_no_axe_violations, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dme_records_interest_and_the_regional_lead_sees_it(
    page, live_server, region, regional_lead
):
    trust = OrganisationFactory(region=region, short_name="KMH", name="Kingsmead Hospital")
    dme = make_dme(MemberFactory(organisation=trust, email="dme@kmh.nhs.uk"), trust)
    log_in(page, dme.email)

    page.goto(f"/schemes/organisations/{trust.slug}/scheme-interest/")
    page.get_by_label("Would the trust like a peer mentoring scheme?").select_option("interested")
    page.get_by_label("Note (optional)").fill("Looking for a consultant lead")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("interest recorded").wait_for()
    assert_no_axe_violations(page)
    screenshot(page, "scheme-interest")
    page.set_viewport_size(PHONE)
    assert_fits_phone_width(page)
    assert_no_axe_violations(page)
    screenshot(page, "scheme-interest")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Log out").click()

    log_in(page, regional_lead.email)
    page.goto(f"/reports/regions/{region.slug}/provision/")
    page.get_by_text("Interest in one: interested").first.wait_for()
    assert page.get_by_text("Looking for a consultant lead").first.is_visible()
