"""An organiser writes to the mentees still waiting for a mentor: the preview counts them and
shows the email, Send sends it once, and the list shows what went to how many."""

import pytest
from django.core import mail

from accounts.tests.factories import DEFAULT_PASSWORD
from meetings.models import SchemeMessage
from schemes.models import Enrolment
from schemes.tests.factories import EnrolmentFactory

from .conftest import PHONE, assert_accessible_basics, assert_fits_phone_width, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}


def look(page, name):
    assert_accessible_basics(page)
    screenshot(page, name)
    page.set_viewport_size(PHONE)
    assert_fits_phone_width(page)
    screenshot(page, name)
    page.set_viewport_size(DESKTOP)


def test_organiser_writes_to_waiting_mentees_and_the_mentee_gets_the_email(
    new_page, live_server, scheme, organiser, pair
):
    EnrolmentFactory(
        scheme=scheme,
        user__email="wanda.waiting@example.nhs.uk",
        user__first_name="Wanda",
        user__last_name="Waiting",
    )
    EnrolmentFactory(
        scheme=scheme,
        user__email="will.withdrawn@example.nhs.uk",
        status=Enrolment.Status.WITHDRAWN,
    )
    page = new_page()
    page.goto(f"/accounts/login/?next=/pairs/scheme/{scheme.slug}/messages/")
    page.get_by_label("Email address").fill(organiser.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name=f"{scheme.name}: messages").wait_for()
    assert page.get_by_text("No messages yet.").is_visible()
    look(page, "scheme-messages-empty")

    # 1. Compose: sending with no subject says what is missing.
    page.get_by_role("link", name="Write a message").click()
    page.get_by_role("heading", name=f"Write to people in {scheme.name}").wait_for()
    page.get_by_label("Mentees waiting for a mentor").check()
    page.get_by_role("button", name="Preview").click()
    page.get_by_role("link", name="Subject: Write a subject.").wait_for()
    page.get_by_label("Subject").fill("Matching evening on Thursday")
    page.get_by_label("Message").fill("Come and meet possible mentors at 18:00 in the library.")
    look(page, "scheme-message-compose")

    # 2. The preview: the count, who, and the email as they will see it. Nothing sent yet.
    page.get_by_role("button", name="Preview").click()
    page.get_by_role("heading", name="Check your message before it is sent").wait_for()
    assert "1 person" in page.locator("#recipient-count").inner_text()
    assert page.get_by_text("Wanda Waiting").first.is_visible()
    assert page.get_by_text("Replies to this email are not read").is_visible()
    assert mail.outbox == []
    look(page, "scheme-message-preview")

    # 3. Send: one email to Wanda, none to the withdrawn trainee or to the paired mentee.
    page.get_by_role("button", name="Send to 1 person").click()
    page.get_by_text("is on its way to 1 person").wait_for()
    assert [message.to for message in mail.outbox] == [["wanda.waiting@example.nhs.uk"]]
    email = mail.outbox[0]
    assert email.subject == f"{scheme.name}: Matching evening on Thursday"
    assert "Come and meet possible mentors at 18:00" in email.body
    sent = page.get_by_role("listitem").filter(has_text="Matching evening on Thursday")
    assert "To mentees waiting for a mentor" in sent.inner_text()
    assert "Emailed to 1 person" in sent.inner_text()
    look(page, "scheme-messages-sent")
    assert SchemeMessage.objects.get().sent_count == 1
