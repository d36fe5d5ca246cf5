"""Journey: a mentee picks a suggested mentor, and the mentor accepts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Grade
from matching.models import MatchingSettings, MentorChoice, Pair
from schemes.models import MentorTraining
from schemes.tests.factories import EnrolmentFactory, MentorEnrolmentFactory

from .conftest import (
    PHONE,
    assert_accessible_basics,
    assert_fits_phone_width,
    assert_no_axe_violations,
    log_in,
    screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def years_ago(years):
    return timezone.localdate() - timedelta(days=round(365.25 * years) + 10)


@pytest.fixture
def choosing_scheme(scheme):
    scheme.mentor_training_required = MentorTraining.NONE
    scheme.save()
    MatchingSettings.objects.create(scheme=scheme, mentee_choice_enabled=True)
    return scheme


@pytest.fixture
def maya(choosing_scheme):
    return EnrolmentFactory(
        scheme=choosing_scheme,
        user__email="maya@example.nhs.uk",
        user__first_name="Maya",
        user__last_name="Patel",
        user__grade=Grade.FY2,
        user__training_started_on=years_ago(1),
        areas=["career", "exams"],
        availability="Tuesday evenings",
        meeting_mode="video",
    )


@pytest.fixture
def mentors(choosing_scheme):
    return [
        MentorEnrolmentFactory(
            scheme=choosing_scheme,
            capacity=1,
            user__email=f"{first.lower()}@example.nhs.uk",
            user__first_name=first,
            user__last_name=last,
            user__training_started_on=years_ago(years),
            areas=areas,
            areas_other=other,
            availability="weekday evenings",
        )
        for first, last, years, areas, other in [
            ("Tom", "Okafor", 3, ["career", "exams"], "Passed MRCPsych first time"),
            ("Zoe", "Adams", 6, ["portfolio"], ""),
        ]
    ]


def test_a_mentee_picks_a_suggested_mentor_and_the_mentor_accepts(
    new_page, live_server, maya, mentors
):
    page = new_page()
    log_in(page, "maya@example.nhs.uk")
    page.get_by_role("heading", name="Your mentoring matches").wait_for()
    page.get_by_role("link", name="Choose your mentor").click()
    page.get_by_role("heading", name="Choose your mentor").wait_for()
    tom_card = page.get_by_role("region", name="Tom Okafor")
    assert tom_card.get_by_text("Passed MRCPsych first time").is_visible()
    assert tom_card.get_by_text("2 years ahead in training: the ideal distance for a peer").count()
    assert_accessible_basics(page)
    assert_no_axe_violations(page)
    screenshot(page, "matching-suggestions")

    # Nothing chosen: the page says what to do, and nobody is asked.
    page.get_by_role("button", name="Ask my chosen mentors").click()
    page.get_by_text("Choose at least one mentor").wait_for()
    assert not MentorChoice.objects.exists()

    page.get_by_label("Your choice for Tom Okafor").select_option(label="1st choice")
    page.get_by_label("Your choice for Zoe Adams").select_option(label="2nd choice")
    page.get_by_role("button", name="Ask my chosen mentors").click()
    page.get_by_text("We have asked your first choice.").wait_for()
    page.get_by_text("Tom Okafor: asked, answer due by").wait_for()
    page.get_by_role("button", name="Log out").click()

    log_in(page, "tom@example.nhs.uk")
    page.get_by_text("Maya Patel would like you as their mentor").wait_for()
    screenshot(page, "matching-mentor-request")
    page.get_by_role("button", name="Accept Maya Patel").click()
    page.get_by_text("You are now Maya Patel's mentor.").wait_for()

    pair = Pair.objects.get()
    assert (pair.mentee_enrolment, pair.mentor_enrolment) == (maya, mentors[0])
    assert MentorChoice.objects.get(mentor_enrolment=mentors[1]).status == "withdrawn"
    page.get_by_role("button", name="Log out").click()

    log_in(page, "maya@example.nhs.uk")
    page.get_by_role("main").get_by_text("Tom Okafor").first.wait_for()
    assert page.get_by_role("link", name="Choose your mentor").count() == 0


def test_the_suggestions_and_requests_fit_a_phone(new_page, live_server, maya, mentors):
    page = new_page(PHONE)
    log_in(page, "maya@example.nhs.uk")
    page.goto(f"/matching/enrolments/{maya.pk}/suggestions/")
    page.get_by_role("heading", name="Choose your mentor").wait_for()
    assert_fits_phone_width(page)
    screenshot(page, "matching-suggestions")
    page.get_by_label("Your choice for Tom Okafor").select_option(label="1st choice")
    page.get_by_role("button", name="Ask my chosen mentors").click()
    page.get_by_text("We have asked your first choice.").wait_for()
    assert_fits_phone_width(page)
    screenshot(page, "matching-mentee-waiting")
    page.context.clear_cookies()  # log out (the button is behind the menu on a phone)

    log_in(page, "tom@example.nhs.uk")
    page.get_by_text("Maya Patel would like you as their mentor").wait_for()
    assert_fits_phone_width(page)
    assert_no_axe_violations(page)
    screenshot(page, "matching-mentor-request")
