from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Grade
from schemes.models import Enrolment
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


def test_trainee_finds_the_scheme_and_joins_as_a_mentee(page, live_server, scheme):
    MemberFactory(organisation=scheme.organisation, email="maya@example.nhs.uk", grade=Grade.CT1)
    log_in(page, "maya@example.nhs.uk")

    page.get_by_role("link", name="Find a scheme to join").click()
    page.get_by_role("heading", name="Schemes open to you").wait_for()
    assert_accessible_basics(page)
    page.get_by_role("link", name="Join as a mentee").click()

    page.get_by_label("Career planning").check()
    page.get_by_label("Exams").check()
    page.get_by_label("Anything else you would like to explore?").fill("Choosing a specialty")
    page.get_by_label("Your mentor's specialty").select_option("different")
    page.get_by_label("How would you like to meet?").select_option("video")
    page.get_by_label("When are you usually free to meet?").fill("Tuesday evenings")
    assert_accessible_basics(page)
    screenshot(page, "join-mentee")
    page.get_by_role("button", name="Join as a mentee").click()
    # Without consent the form says what to do, and nothing is saved.
    error = page.get_by_text("Tick the box to agree")
    error.first.wait_for()
    assert error.count() == 2  # in the summary at the top, and beside the field
    assert not Enrolment.objects.exists()
    page.get_by_label("I agree that the scheme's organisers").check()
    page.get_by_role("button", name="Join as a mentee").click()

    page.get_by_text(f"You have joined {scheme.name} as a mentee.").wait_for()
    enrolment = Enrolment.objects.get(user__email="maya@example.nhs.uk")
    assert enrolment.areas == ["career", "exams"]
    assert enrolment.mentor_specialty_preference == "different"
    screenshot(page, "my-mentoring-enrolled")


def test_ineligible_trainee_is_refused_as_mentor_with_the_reason_then_eligible_one_joins(
    page, live_server, scheme
):
    MemberFactory(
        organisation=scheme.organisation,
        email="fy1@example.nhs.uk",
        grade=Grade.FY1,
        training_started_on=timezone.localdate() - timedelta(days=100),
    )
    MemberFactory(organisation=scheme.organisation, email="st4@example.nhs.uk", grade=Grade.ST4)

    log_in(page, "fy1@example.nhs.uk")
    page.goto(f"/schemes/{scheme.slug}/")
    page.get_by_text("Mentors in this scheme need at least 1 year in training").wait_for()
    page.goto(f"/schemes/{scheme.slug}/join/mentor/")
    page.get_by_role("heading", name=f"You can't join {scheme.name} as a mentor").wait_for()
    assert page.get_by_text("need at least 1 year in training").is_visible()
    screenshot(page, "join-mentor-refused")
    page.get_by_role("button", name="Log out").click()

    log_in(page, "st4@example.nhs.uk")
    page.goto("/schemes/")
    page.get_by_role("link", name="Join as a mentor").click()
    page.get_by_label("Exams").check()
    page.get_by_label("How many mentees could you support at once?").select_option("2")
    page.get_by_label("I agree that the scheme's organisers").check()
    page.get_by_role("button", name="Join as a mentor").click()
    page.get_by_text(f"You have joined {scheme.name} as a mentor.").wait_for()
    assert Enrolment.objects.get(user__email="st4@example.nhs.uk").capacity == 2


def test_trainee_leaves_a_scheme_without_giving_a_reason(new_page, live_server, mentee_enrolment):
    page = new_page(PHONE)
    log_in(page, mentee_enrolment.user.email)
    assert_fits_phone_width(page)
    page.get_by_role("link", name=f"Leave {mentee_enrolment.scheme.name}").click()
    page.get_by_role("button", name="Leave the scheme").click()
    page.get_by_text(f"You have left {mentee_enrolment.scheme.name}").wait_for()
    mentee_enrolment.refresh_from_db()
    assert mentee_enrolment.status == "withdrawn"


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_organiser_pages_render_and_fit(
    new_page, live_server, organiser, scheme, mentee_enrolment, mentor_enrolment, viewport
):
    page = new_page(viewport) if viewport else new_page()
    log_in(page, organiser.email)
    for name, path in [
        ("manage", "/schemes/manage/all/"),
        ("enrolments", f"/schemes/{scheme.slug}/enrolments/"),
        ("scheme-settings", f"/schemes/{scheme.slug}/settings/"),
        ("people", f"/schemes/{scheme.slug}/people/"),
    ]:
        page.goto(path)
        screenshot(page, name)
        assert_accessible_basics(page)
        assert_fits_phone_width(page)
        assert_no_axe_violations(page)
