"""A regional lead finds out which ways of running a scheme work, on a region that looks like the
world (most trainees without an account, a scheme too small to show), not the demo."""

from pathlib import Path

import pytest

from accounts.tests.factories import UserFactory
from reports.tests.evaluation_world import synthetic_region
from schemes.tests.factories import make_regional_lead

from .conftest import (
    DESKTOP,
    PHONE,
    assert_accessible_basics,
    assert_fits_phone_width,
    assert_no_axe_violations,
    log_in,
    screenshot,
    wait_for_page_scripts,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_regional_lead_compares_the_ways_schemes_are_run(page, live_server):
    world = synthetic_region(trainees=60)
    lead = make_regional_lead(
        UserFactory(email="lead@synthetic.nhs.uk", organisation=world.organisations[0]),
        world.region,
    )
    log_in(page, lead.email)

    page.get_by_role("link", name="Regional report").click()
    page.get_by_role("heading", name="Peer mentoring provision in Synthetic Region").wait_for()
    page.get_by_role("link", name="Which ways of running a scheme work").click()

    page.get_by_role(
        "heading", name="Which ways of running a scheme work: Synthetic Region"
    ).wait_for()
    assert page.get_by_text("These comparisons are observational.").is_visible()
    # Opt-out schemes enrol more of their trainees: the table says so with its interval.
    uptake = page.locator("section", has=page.get_by_role("heading", name="Uptake", exact=True))
    opt_out = uptake.get_by_role("row", name="Enrolment: Opt-out")
    assert "%" in opt_out.inner_text() and " to " in opt_out.inner_text()
    # The small scheme is listed, with no figures.
    assert page.get_by_role("row", name="Synthetic scheme 99").is_visible()
    # Chart.js drew an interval chart beside each table with a figure.
    wait_for_page_scripts(page)
    drawn = page.evaluate(
        "() => [...document.querySelectorAll('canvas[data-chart]')]"
        ".filter(c => Chart.getChart(c) !== undefined).length"
    )
    assert drawn >= 5

    # The method is one link away.
    page.get_by_role("link", name="How these figures are made").click()
    assert page.get_by_role("heading", name="How these figures are made").is_visible()

    assert_accessible_basics(page)
    assert_no_axe_violations(page)
    screenshot(page, "evaluation-across-schemes")
    page.set_viewport_size(PHONE)
    # Chart.js redraws each chart for the narrower screen when the browser reports the resize.
    page.wait_for_function(
        "() => [...document.querySelectorAll('canvas')]"
        ".every(c => c.getBoundingClientRect().right <= window.innerWidth)"
    )
    assert_fits_phone_width(page)
    screenshot(page, "evaluation-across-schemes")
    page.set_viewport_size(DESKTOP)

    # The research extract downloads, pseudonymised.
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").last.click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "scheme_code" in text
    assert "Synthetic scheme" not in text and "@" not in text
