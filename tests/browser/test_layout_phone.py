"""Layout promises from issue #13, item 16: on a phone an organiser acts on a matching proposal
without scrolling sideways; on a desktop the regional provision table fits the page."""

import pytest
from django.core.management import call_command

from .conftest import DESKTOP, PHONE, assert_fits_phone_width, log_in, screenshot
from .test_matching_round import cohort  # noqa: F401 (the fixture: three mentees, two mentors)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def start_a_round(page, scheme):
    page.goto(f"/matching/schemes/{scheme.slug}/")
    page.get_by_role("button", name="Start a matching round").click()
    page.get_by_role("heading", name="Proposals").wait_for()


def test_on_a_phone_the_first_proposals_actions_are_in_view_without_scrolling(
    new_page,
    live_server,
    scheme,
    organiser,
    cohort,  # noqa: F811
):
    page = new_page(PHONE)
    log_in(page, organiser.email)
    start_a_round(page, scheme)
    pin = page.get_by_role("button", name="Pin").first
    pin.scroll_into_view_if_needed()
    box = pin.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    # Nothing had to scroll sideways to bring it into view.
    scrolled = page.evaluate(
        "() => [window.scrollX, ...[...document.querySelectorAll('.table-responsive')]"
        ".map(element => element.scrollLeft)]"
    )
    assert set(scrolled) == {0}, scrolled
    assert_fits_phone_width(page)
    screenshot(page, "matching-round-phone")
    page.set_viewport_size(DESKTOP)
    screenshot(page, "matching-round-desktop")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_provision_table_fits_a_desktop_without_sideways_scrolling(
    new_page, live_server, viewport
):
    call_command("load_demo", verbosity=0)
    page = new_page(viewport)
    log_in(page, "lead@example.nhs.uk", "mentoring-demo-2026")
    page.goto("/reports/regions/south-london/provision/")
    page.get_by_role("heading", name="Trust by trust").wait_for()
    widths = page.evaluate(
        "() => [...document.querySelectorAll('section[aria-labelledby=table-heading] "
        ".table-responsive')].map(element => [element.scrollWidth, element.clientWidth])"
    )
    assert widths
    if viewport == DESKTOP:
        for scroll_width, client_width in widths:
            assert scroll_width <= client_width, widths
    else:
        assert_fits_phone_width(page)
    screenshot(page, f"regional-provision-{'desktop' if viewport == DESKTOP else 'phone'}")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_organiser_finds_the_silent_pair_under_may_need_a_check_in(
    new_page, live_server, scheme, organiser, viewport
):
    """Issue #13, item 4: a pair 77 days past its last meeting against a 4–8-week target, never
    nudged, is listed under "May need a check-in"; a pair that met last week is not."""
    from datetime import timedelta

    from django.utils import timezone

    from matching.tests.factories import PairFactory
    from meetings.tests.factories import MeetingFactory

    from .conftest import assert_no_axe_violations

    long_ago = timezone.now() - timedelta(days=200)
    silent = PairFactory(scheme=scheme, created_at=long_ago, status_changed_at=long_ago)
    MeetingFactory(pair=silent, held_on=timezone.localdate() - timedelta(days=77))
    recent = PairFactory(scheme=scheme, created_at=long_ago, status_changed_at=long_ago)
    MeetingFactory(pair=recent, held_on=timezone.localdate() - timedelta(days=7))

    page = new_page(viewport)
    log_in(page, organiser.email)
    page.goto("/schemes/manage/all/")
    page.get_by_role("heading", name="Run schemes").wait_for()
    screenshot(page, "run-schemes")
    page.goto(f"/pairs/scheme/{scheme.slug}/")
    page.get_by_label("Health").select_option(label="May need a check-in")
    page.get_by_role("button", name="Filter").click()
    page.get_by_text(silent.mentee.get_full_name()).first.wait_for()
    assert page.get_by_text(recent.mentee.get_full_name()).count() == 0
    row = page.get_by_role("row").filter(has_text=silent.mentee.get_full_name())
    assert row.get_by_text("May need a check-in").is_visible()
    if viewport == PHONE:
        assert_fits_phone_width(page)
    assert_no_axe_violations(page)
    screenshot(page, "organiser-pairs-check-in")
