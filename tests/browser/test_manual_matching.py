"""Journey: an organiser pairs a mentee who has waited months with a mentor they choose.

From the matching page's waiting list they open the mentee, see every mentor with the rules that
allow or refuse the pair and the score explained, override a refusing rule with a reason, confirm,
and see the new pair. The mentee's own supervisor is offered no choice at all.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Gender, Grade
from matching.models import Pair
from schemes.models import Enrolment, MentorTraining
from schemes.tests.factories import EnrolmentFactory, MentorEnrolmentFactory

from .conftest import (
    PHONE,
    SCREENSHOTS,
    assert_accessible_basics,
    assert_fits_phone_width,
    assert_no_axe_violations,
    log_in,
    screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REASON = "Maya met Tom at induction and asked for him; she is happy with a man as mentor."


def years_ago(years):
    return timezone.localdate() - timedelta(days=round(365.25 * years) + 10)


def mentor(scheme, first, last, gender, **fields):
    return MentorEnrolmentFactory(
        scheme=scheme,
        capacity=1,
        user__email=f"{first.lower()}@example.nhs.uk",
        user__first_name=first,
        user__last_name=last,
        user__gender=gender,
        user__training_started_on=years_ago(3),
        areas=["exams"],
        **fields,
    )


@pytest.fixture
def waiting_maya(scheme):
    """Maya has waited 179 days for a mentor and asked for a woman; Tom, Zoe and Sam mentor."""
    scheme.mentor_training_required = MentorTraining.NONE
    scheme.asks_mentor_gender_preference = True
    scheme.save()
    maya = EnrolmentFactory(
        scheme=scheme,
        user__email="maya@example.nhs.uk",
        user__first_name="Maya",
        user__last_name="Patel",
        user__grade=Grade.FY2,
        user__training_started_on=years_ago(1),
        areas=["career", "exams"],
        mentor_gender_preference="woman",
        educational_supervisor_email="sam@example.nhs.uk",
        waiting_since=timezone.now() - timedelta(days=179),
    )
    mentor(scheme, "Tom", "Okafor", Gender.MAN)
    mentor(scheme, "Zoe", "Adams", Gender.WOMAN)
    mentor(scheme, "Sam", "Reid", Gender.WOMAN)
    return maya


def test_organiser_pairs_a_waiting_mentee_by_hand_overriding_a_rule_with_a_reason(
    page, live_server, scheme, organiser, waiting_maya, django_capture_on_commit_callbacks
):
    log_in(page, organiser.email)
    page.goto(f"/matching/schemes/{scheme.slug}/")
    waiting = page.get_by_role("table", name="waiting for a mentor")
    waiting.get_by_role("row").filter(has_text="Maya Patel").get_by_text("5 months").wait_for()
    waiting.get_by_role("link", name="Choose a mentor for Maya Patel").click()

    page.get_by_role("heading", name="Choose a mentor for Maya Patel").wait_for()
    rows = page.get_by_role("table").get_by_role("row")
    zoe, tom, sam = (rows.filter(has_text=name) for name in ("Zoe", "Tom", "Sam"))
    assert zoe.get_by_text("Every rule allows this pair").is_visible()
    assert zoe.get_by_text("2 years ahead in training").is_visible()
    assert tom.get_by_text("Not the gender the mentee asked for").is_visible()
    assert tom.get_by_text("Needs a reason").is_visible()
    assert sam.get_by_text("The mentee's educational or clinical supervisor").is_visible()
    assert sam.get_by_role("link").count() == 0, "the supervisor cannot be chosen at all"
    assert_accessible_basics(page)
    screenshot(page, "pair-by-hand-list")

    tom.get_by_role("link", name="Choose Tom Okafor").click()
    page.get_by_role("heading", name="Pair Maya Patel with Tom Okafor").wait_for()
    button = page.get_by_role("button", name="Pair them and send the introductions")
    button.click()
    page.get_by_text(
        "Say why you are overriding the rule, in at least 10 characters.", exact=True
    ).wait_for()
    assert not Pair.objects.exists()
    screenshot(page, "pair-by-hand-confirm-error")

    page.get_by_label("Why you are overriding the rule").fill(REASON)
    with django_capture_on_commit_callbacks(execute=True):
        page.get_by_role("button", name="Pair them and send the introductions").click()
        page.get_by_text("Maya Patel is paired with Tom Okafor.").wait_for()

    pair = Pair.objects.get()
    assert (pair.mentee_enrolment, pair.mentor.first_name) == (waiting_maya, "Tom")
    assert pair.hand_pairing.override_reason == REASON
    assert page.get_by_role("main").get_by_text("Tom Okafor").count()
    assert sorted(message.to[0] for message in mail.outbox) == [
        "maya@example.nhs.uk",
        "tom@example.nhs.uk",
    ]
    screenshot(page, "pair-by-hand-done")


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_pair_by_hand_pages_fit_a_phone_and_pass_accessibility_checks(
    new_page, live_server, scheme, organiser, waiting_maya, viewport
):
    page = new_page(viewport) if viewport else new_page()
    log_in(page, organiser.email)
    tom = Enrolment.objects.get(user__first_name="Tom")
    base = f"/matching/schemes/{scheme.slug}/mentees/{waiting_maya.pk}/pair/"
    for name, path in [
        ("matching-scheme-waiting", f"/matching/schemes/{scheme.slug}/"),
        ("pair-by-hand-list", base),
        ("pair-by-hand-confirm", f"{base}{tom.pk}/"),
    ]:
        page.goto(path)
        screenshot(page, name)
        assert_accessible_basics(page)
        assert_fits_phone_width(page)
        assert_no_axe_violations(page)


@pytest.fixture
def round_with_a_refused_swap(scheme, waiting_maya):
    """Maya (asking for a woman) and Ravi wait; Zoe and Tom have one place each. Sam, Maya's
    supervisor, is paused so the round can only give Maya Zoe and Ravi Tom."""
    Enrolment.objects.filter(user__first_name="Sam").update(status=Enrolment.Status.PAUSED)
    EnrolmentFactory(
        scheme=scheme,
        user__email="ravi@example.nhs.uk",
        user__first_name="Ravi",
        user__last_name="Shah",
        user__grade=Grade.FY2,
        user__training_started_on=years_ago(1),
    )


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_a_round_offers_only_the_swaps_the_rules_allow_and_asks_before_approving(
    new_page, live_server, scheme, organiser, round_with_a_refused_swap, viewport
):
    page = new_page(viewport) if viewport else new_page()
    log_in(page, organiser.email)
    page.goto(f"/matching/schemes/{scheme.slug}/")
    page.get_by_role("button", name="Start a matching round").click()
    page.get_by_text("Solved: 2 of 2 mentees have a proposed mentor.").wait_for()

    swap = page.locator("#swap")
    swap.get_by_role("heading", name="Swap the mentor of Maya Patel").wait_for()
    assert swap.get_by_text("No other proposed pair can swap mentors with this one").is_visible()
    swap.get_by_text("Swaps the rules refuse (1)").click()
    swap.get_by_text(
        "Maya Patel cannot have Tom Okafor: not the gender the mentee asked for"
    ).wait_for()
    assert_accessible_basics(page)
    assert_fits_phone_width(page)
    assert_no_axe_violations(page)
    swap.screenshot(path=str(screenshot_path(page, "matching-round-swap-refused")))

    page.get_by_role("button", name="Approve 2 pairs and introduce them").click()
    page.get_by_text("This will create 2 pairs and send 4 introduction emails").wait_for()
    assert not Pair.objects.exists()
    assert_accessible_basics(page)
    assert_fits_phone_width(page)
    assert_no_axe_violations(page)
    screenshot(page, "matching-round-approve-confirm")
    page.get_by_role("button", name="Yes, create 2 pairs and send the emails").click()
    page.get_by_text("Approved: 2 pairs created.").wait_for()
    assert Pair.objects.count() == 2


def screenshot_path(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}-{page.viewport_size['width']}.png"
