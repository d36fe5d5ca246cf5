"""Life cycle in the browser: a mentee leaves the scheme and the mentor sees the pair ended, kindly,
with the place free; a member ends a pair without giving a reason."""

import pytest
from django.core import mail

from matching.models import Pair
from schemes.models import Enrolment

from .conftest import (
    PHONE,
    assert_accessible_basics,
    assert_fits_phone_width,
    assert_no_axe_violations,
    log_in,
    screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_out(page):
    page.get_by_role("button", name="Log out").click()


def test_a_mentee_leaves_and_the_mentor_sees_the_pair_ended_kindly_with_the_place_free(
    new_page, pair, mentee, mentor, mentee_enrolment, mentor_enrolment
):
    Enrolment.objects.filter(pk=mentor_enrolment.pk).update(capacity=1)
    page = new_page()

    # The mentee leaves from My mentoring, without a reason.
    log_in(page, mentee.email)
    page.get_by_role("link", name=f"Leave {pair.scheme.name}").click()
    page.get_by_text("it ends when you leave").wait_for()
    assert_no_axe_violations(page)
    screenshot(page, "lifecycle-leave")
    page.get_by_role("button", name="Leave the scheme").click()
    page.get_by_text(f"You have left {pair.scheme.name}").wait_for()
    log_out(page)

    # The mentor was told once, kindly, and sees the pair under past pairs.
    [email] = [message for message in mail.outbox if message.to == [mentor.email]]
    assert email.subject == f"Your mentee has left {pair.scheme.name}"
    for viewport, phone in ((None, False), (PHONE, True)):
        page = new_page(viewport) if phone else new_page()
        log_in(page, mentor.email)
        page.get_by_role("heading", name="Past pairs").wait_for()
        past = page.get_by_role("list").filter(has_text="left the scheme")
        assert "your mentee left the scheme" in past.inner_text()
        assert page.get_by_text("0 of 1 place taken").is_visible()  # the place is free
        assert_accessible_basics(page)
        assert_no_axe_violations(page)
        if phone:
            assert_fits_phone_width(page)
        screenshot(page, "lifecycle-mentor-my-mentoring")
        page.get_by_role("link", name=mentee.get_full_name()).first.click()
        page.get_by_text("your mentee left the scheme").wait_for()
        assert "Nobody needs to give a reason" in page.content()
        assert_no_axe_violations(page)
        screenshot(page, "lifecycle-mentor-pair-ended")
    pair.refresh_from_db()
    assert pair.status == Pair.Status.ENDED
    assert not Pair.objects.filter(mentor_enrolment=mentor_enrolment).exclude(status="ended")


def test_a_mentor_ends_a_pair_without_a_reason_and_the_mentee_is_not_told_one(
    new_page, pair, mentee, mentor
):
    for viewport in (None, PHONE):
        page = new_page(viewport) if viewport else new_page()
        log_in(page, mentor.email)
        page.goto(f"/pairs/{pair.pk}/end/")
        page.get_by_role("heading", name="End your pair").wait_for()
        assert page.get_by_label("I would rather not say").is_checked()
        assert page.get_by_label(
            "Only the scheme's organisers: your partner is told just that the pair has ended"
        ).is_checked()
        assert_accessible_basics(page)
        assert_no_axe_violations(page)
        screenshot(page, "lifecycle-end-form")
        if viewport:
            assert_fits_phone_width(page)
            break
        log_out(page)
    page.get_by_role("button", name="End the pair").click()
    page.get_by_text("Your pair has ended.").wait_for()
    assert "This pair ended on" in page.content()
    screenshot(page, "lifecycle-ended-by-me")
    pair.refresh_from_db()
    assert pair.status == Pair.Status.ENDED and pair.end_reason == ""
    [email] = [message for message in mail.outbox if message.to == [mentee.email]]
    assert "has ended your mentoring pair in SLaM peer mentoring." in email.body
