import pytest
from django.core.management import call_command

from .conftest import (
    PHONE,
    assert_accessible_basics,
    assert_fits_phone_width,
    assert_no_axe_violations,
    log_in,
    screenshot,
    wait_for_page_scripts,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_regional_lead_opens_the_provision_report(new_page, live_server, viewport):
    call_command("load_demo", verbosity=0)
    page = new_page(viewport) if viewport else new_page()
    log_in(page, "lead@example.nhs.uk", "mentoring-demo-2026")
    if viewport:
        page.get_by_role("button", name="Show or hide the menu").click()
    page.get_by_role("link", name="Regional report").click()

    page.get_by_role("heading", name="Peer mentoring provision in South London").wait_for()
    assert page.get_by_text("8 of 10").is_visible()
    # Chart.js drew each chart: the canvases have a size and a chart attached.
    wait_for_page_scripts(page)
    drawn = page.evaluate(
        "() => [...document.querySelectorAll('canvas[data-chart]')]"
        ".filter(c => Chart.getChart(c) !== undefined).length"
    )
    assert drawn == 3
    assert_accessible_basics(page)
    assert_fits_phone_width(page)
    assert_no_axe_violations(page)
    screenshot(page, "regional-provision")
