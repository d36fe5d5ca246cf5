"""Small numbers in a browser: a count of 3 people reads "fewer than 5" on the survey results, the
organiser's training and supervision coverage, the outcomes report and the regional provision
report, at desktop and phone widths, and each page stays accessible and fits a phone."""

import pytest

from reports.tests.test_outcomes import JOINED, outcome
from schemes.tests.factories import EnrolmentFactory, MemberFactory, MentorEnrolmentFactory
from supervision.tests.factories import verified_training
from surveys.tests.factories import builtin, response_with

from .conftest import (
    PHONE,
    assert_accessible_basics,
    assert_fits_phone_width,
    assert_no_axe_violations,
    log_in,
    screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
VIEWPORTS = pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])


def open_as(new_page, viewport, user, path):
    page = new_page(viewport) if viewport else new_page()
    log_in(page, user.email)
    page.goto(path)
    return page


def check(page, name):
    assert_accessible_basics(page)
    assert_fits_phone_width(page)
    assert_no_axe_violations(page)
    screenshot(page, name)


@VIEWPORTS
def test_survey_answers_of_three_people_read_fewer_than_5(new_page, organiser, scheme, viewport):
    follow_up = builtin("mentee-follow-up")
    for answer, how_many in {1: 3, 2: 4, 4: 6, 5: 7}.items():
        for _ in range(how_many):
            response_with(scheme, follow_up, {"content-feedback": answer})
    page = open_as(new_page, viewport, organiser, f"/surveys/schemes/{scheme.slug}/results/")
    page.get_by_role("heading", name="Survey results").wait_for()
    page.get_by_text("Question by question").first.click()
    table = page.get_by_role("table", name="Answers to “My mentor gives me useful feedback.”")
    assert table.get_by_role("row", name="1 – Strongly disagree").inner_text().count("fewer than 5")
    assert "6" in table.get_by_role("row", name="4").inner_text()
    check(page, "disclosure-survey-results")


@VIEWPORTS
def test_three_trained_mentors_read_fewer_than_5(new_page, organiser, scheme, viewport):
    for _ in range(3):
        verified_training(MentorEnrolmentFactory(scheme=scheme), kind="formal_internal")
    page = open_as(new_page, viewport, organiser, f"/supervision/schemes/{scheme.slug}/")
    coverage = page.get_by_role(
        "table", name="Active mentors by their most formal verified training"
    )
    assert (
        "fewer than 5" in coverage.get_by_role("row", name="Formal internal training").inner_text()
    )
    check(page, "disclosure-supervision-coverage")


@VIEWPORTS
def test_three_mentors_in_the_outcomes_report_read_fewer_than_5(new_page, dme, scheme, viewport):
    organisation = scheme.organisation
    for _ in range(20):
        outcome(organisation, EnrolmentFactory(scheme=scheme, created_at=JOINED).user, exam="yes")
    for _ in range(3):
        outcome(organisation, MentorEnrolmentFactory(scheme=scheme, created_at=JOINED).user)
    for _ in range(30):
        outcome(organisation, MemberFactory(organisation=organisation))
    for _ in range(4):  # left out: only a request awaiting approval
        waiting = EnrolmentFactory(scheme=scheme, status="requested", created_at=JOINED).user
        outcome(organisation, waiting)
    page = open_as(new_page, viewport, dme, f"/reports/organisations/{organisation.slug}/outcomes/")
    page.get_by_role("heading", name="Training year 2025/26").wait_for()
    shown = page.locator("text=fewer than 5 >> visible=true")
    assert shown.count() >= 4  # the mentors' four figures
    check(page, "disclosure-outcomes")


@VIEWPORTS
def test_three_mentees_in_the_provision_report_read_fewer_than_5(
    new_page, regional_lead, region, scheme, viewport
):
    members = [
        MemberFactory(organisation=scheme.organisation, grade="CT1", specialty="Psychiatry")
        for _ in range(10)
    ]
    for member in members[:3]:
        EnrolmentFactory(scheme=scheme, user=member)
    page = open_as(new_page, viewport, regional_lead, f"/reports/regions/{region.slug}/provision/")
    page.get_by_text("fewer than 5 of 10").wait_for()
    check(page, "disclosure-provision")
