"""A scheme run for several trusts: its organiser opens it to another trust of the region, a
trainee of that trust joins, and that trust's DME sees the enrolment counted in their dashboard."""

import pytest

from accounts.models import Grade
from schemes.models import Enrolment
from schemes.tests.factories import MemberFactory

from .conftest import assert_no_axe_violations, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_partner_trusts_trainee_joins_and_their_dme_sees_them_counted(
    page, live_server, scheme, organiser, other_organisation, other_dme
):
    MemberFactory(organisation=other_organisation, email="zara@other-trust.nhs.uk", grade=Grade.CT1)

    # The organiser opens the scheme to the Other trust.
    log_in(page, organiser.email)
    page.goto(f"/schemes/{scheme.slug}/settings/")
    page.get_by_text("Also open to the trainees of").first.wait_for()
    page.get_by_label("Other Hospitals NHS Trust").check()
    assert_no_axe_violations(page)
    screenshot(page, "scheme-settings-partner-trusts")
    page.get_by_role("button", name="Save scheme").click()
    page.get_by_text("The scheme's settings are saved.").wait_for()
    assert list(scheme.partner_organisations.all()) == [other_organisation]
    page.get_by_role("button", name="Log out").click()

    # A trainee of the Other trust finds it among the schemes open to them and joins.
    log_in(page, "zara@other-trust.nhs.uk")
    page.get_by_role("link", name="Find a scheme to join").click()
    page.get_by_role("heading", name="Schemes open to you").wait_for()
    assert page.get_by_text(scheme.name).first.is_visible()
    page.get_by_role("link", name="Join as a mentee").click()
    page.get_by_label("Career planning").check()
    page.get_by_label("I agree that the scheme's organisers").check()
    page.get_by_role("button", name="Join as a mentee").click()
    page.get_by_text(f"You have joined {scheme.name} as a mentee.").wait_for()
    enrolment = Enrolment.objects.get(user__email="zara@other-trust.nhs.uk")
    assert enrolment.organisation == other_organisation
    page.get_by_role("button", name="Log out").click()

    # The Other trust's DME sees the enrolment counted in their trust's part of the scheme.
    log_in(page, other_dme.email)
    page.goto(f"/reports/organisations/{other_organisation.slug}/")
    table = page.locator("#by-scheme")
    table.wait_for()
    row = table.get_by_role("row", name="SLaM peer mentoring (run by SLaM for several trusts)")
    assert row.get_by_role("cell").inner_text() == "fewer than 5"
    assert_no_axe_violations(page)
    screenshot(page, "partner-trust-dashboard")
    # ...and is refused the scheme's own pages.
    response = page.goto(f"/reports/schemes/{scheme.slug}/")
    assert response.status == 403
