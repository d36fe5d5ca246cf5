"""Journey: an organiser runs a matching round, pins one pair, approves, and both members of each
pair see their new pair on My mentoring."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Grade
from matching.models import MatchRound, Pair
from schemes.models import MentorTraining
from schemes.tests.factories import EnrolmentFactory, MentorEnrolmentFactory

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


def years_ago(years):
    return timezone.localdate() - timedelta(days=round(365.25 * years) + 10)


@pytest.fixture
def cohort(scheme):
    scheme.mentor_training_required = MentorTraining.NONE
    scheme.save()
    mentees = [
        EnrolmentFactory(
            scheme=scheme,
            user__email=f"{first.lower()}@example.nhs.uk",
            user__first_name=first,
            user__last_name=last,
            user__grade=Grade.FY2,
            user__training_started_on=years_ago(1),
            areas=["career", "exams"],
        )
        for first, last in [("Maya", "Patel"), ("Ravi", "Shah"), ("Lena", "Berg")]
    ]
    mentors = [
        MentorEnrolmentFactory(
            scheme=scheme,
            capacity=capacity,
            user__email=f"{first.lower()}@example.nhs.uk",
            user__first_name=first,
            user__last_name=last,
            user__training_started_on=years_ago(3),
            areas=["exams"],
        )
        for first, last, capacity in [("Tom", "Okafor", 2), ("Zoe", "Adams", 1)]
    ]
    return mentees, mentors


def test_organiser_runs_a_round_pins_a_pair_approves_and_both_members_see_it(
    page, live_server, scheme, organiser, cohort
):
    mentees, mentors = cohort
    log_in(page, organiser.email)
    page.goto(f"/schemes/{scheme.slug}/enrolments/")
    page.get_by_role("link", name="Matching").click()
    page.get_by_role("heading", name=f"{scheme.name}: matching").wait_for()
    assert_accessible_basics(page)
    screenshot(page, "matching-scheme")

    page.get_by_role("button", name="Start a matching round").click()
    page.get_by_text("Solved: 3 of 3 mentees have a proposed mentor.").wait_for()
    assert page.get_by_text("2 years ahead in training: the ideal distance for a peer").count()
    assert_accessible_basics(page)
    assert_no_axe_violations(page)
    screenshot(page, "matching-round")

    page.get_by_role("button", name="Pin Maya Patel").click()
    page.get_by_text("Maya Patel is pinned. The round is re-solved.").wait_for()
    maya_row = page.get_by_role("row").filter(has_text="Maya Patel")
    assert maya_row.get_by_text("Pinned").is_visible()
    match_round = MatchRound.objects.get()
    maya_mentor = match_round.proposals.get(mentee_enrolment=mentees[0]).mentor_enrolment
    assert match_round.pinned == [[mentees[0].pk, maya_mentor.pk]]

    page.get_by_role("button", name="Approve 3 pairs and introduce them").click()
    page.get_by_text("This will create 3 pairs and send 6 introduction emails").wait_for()
    assert Pair.objects.count() == 0, "nothing is created before the second press"
    screenshot(page, "matching-round-approve-confirm")
    page.get_by_role("button", name="Yes, create 3 pairs and send the emails").click()
    page.get_by_text("Approved: 3 pairs created.").wait_for()
    assert Pair.objects.count() == 3
    assert Pair.objects.get(mentee_enrolment=mentees[0]).mentor_enrolment == maya_mentor
    page.get_by_role("button", name="Log out").click()

    # The pair is on both members' My mentoring page (the meetings app's "Your mentoring pairs").
    log_in(page, "maya@example.nhs.uk")
    page.get_by_role("main").get_by_text(maya_mentor.user.get_full_name()).first.wait_for()
    assert page.get_by_text("Finding your mentor").count() == 0
    screenshot(page, "my-mentoring-new-pair")
    page.get_by_role("button", name="Log out").click()

    log_in(page, maya_mentor.user.email)
    page.get_by_role("main").get_by_text("Maya Patel").first.wait_for()


def test_a_background_round_shows_a_progress_bar_until_the_proposals_are_ready(
    page, live_server, scheme, organiser, cohort
):
    running = MatchRound.objects.create(scheme=scheme, started_by=organiser, progress=35)
    log_in(page, organiser.email)
    page.goto(f"/matching/schemes/{scheme.slug}/rounds/{running.pk}/")
    bar = page.get_by_role("progressbar", name="Progress of the round")
    bar.wait_for()
    assert bar.get_attribute("aria-valuenow") == "35"
    screenshot(page, "matching-round-progress")

    page.get_by_text("Waiting for a worker to start solving the round").wait_for()
    MatchRound.objects.filter(pk=running.pk).update(
        progress=60, progress_note="Finding the best assignment among 29,937,545 allowed pairs"
    )
    page.wait_for_function(
        "() => document.querySelector('[role=progressbar]').getAttribute('aria-valuenow') == '60'"
    )
    # The phase is said in words, on the page and to a screen reader reaching the bar.
    page.get_by_text("Finding the best assignment among 29,937,545 allowed pairs").wait_for()
    assert bar.get_attribute("aria-valuetext") == (
        "60%: Finding the best assignment among 29,937,545 allowed pairs"
    )
    screenshot_both_widths(page, "matching-round-progress-phase")
    # The worker finishes: the page notices and reloads itself.
    MatchRound.objects.filter(pk=running.pk).update(
        status=MatchRound.Status.PROPOSED,
        progress=100,
        summary={
            "matched": 0, "mentees": 0, "unmatched": 0, "no_eligible_mentor": 0,
            "capacity_used_up": 0, "removed": 0, "places": 0, "mentors_full": 0,
            "mentors_without_mentee": 0, "mentors_with_places": 0, "total_score": 0,
            "seconds": 0.1, "edges": 0, "notes": [], "load": {},
        },
    )  # fmt: skip
    page.get_by_role("heading", name="Summary").wait_for()


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_matching_pages_fit_a_phone_and_pass_accessibility_checks(
    new_page, live_server, scheme, organiser, cohort, viewport
):
    page = new_page(viewport) if viewport else new_page()
    log_in(page, organiser.email)
    page.goto(f"/matching/schemes/{scheme.slug}/")
    page.get_by_role("button", name="Start a matching round").click()
    page.get_by_role("heading", name="Proposals").wait_for()
    for name, path in [
        ("matching-round", page.url),
        ("matching-scheme", f"/matching/schemes/{scheme.slug}/"),
        ("matching-settings", f"/matching/schemes/{scheme.slug}/settings/"),
    ]:
        page.goto(path)
        screenshot(page, name)
        assert_accessible_basics(page)
        assert_fits_phone_width(page)
        assert_no_axe_violations(page)
