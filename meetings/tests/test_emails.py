"""Every email of this app: what it says, that it carries no meeting content, and its footer."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Notification
from meetings import services
from meetings.models import Nudge

from .conftest import CONTENT
from .factories import MeetingFactory, PlannedMeetingFactory


def send(kind, recipient, **context):
    notification = Notification.objects.create(
        key=f"test:{kind}:{recipient.pk}:{Notification.objects.count()}",
        kind=kind,
        recipient=recipient,
        context=context,
    )
    assert account_services.notification_send(notification_id=notification.pk)
    return mail.outbox[-1]


@pytest.fixture
def every_email(full_pair, mentee, mentor, organiser):
    planned = full_pair.planned_meetings.get()
    meeting = full_pair.meetings.get()
    anchor = (timezone.localdate() - timedelta(weeks=10)).isoformat()
    Nudge.objects.create(pair=full_pair, anchor_on=anchor, number=2)
    # Silent for ten weeks, past the scheme's longest interval: the digest lists the pair.
    meeting.held_on = anchor
    meeting.save(update_fields=["held_on"])
    return {
        "meeting_invitation": send(
            "meeting_invitation", mentor, planned_meeting_id=planned.pk, sequence=0
        ),
        "meeting_reminder": send("meeting_reminder", mentee, planned_meeting_id=planned.pk),
        "meeting_log_prompt": send("meeting_log_prompt", mentee, planned_meeting_id=planned.pk),
        "meeting_logged": send("meeting_logged", mentor, meeting_id=meeting.pk),
        "pair_nudge": send("pair_nudge", mentee, pair_id=full_pair.pk, number=2, anchor_on=anchor),
        "pair_status_changed": send(
            "pair_status_changed", mentor, pair_id=full_pair.pk, status="paused", by_id=mentee.pk
        ),
        "organiser_digest": send("organiser_digest", organiser, week="2026-W21"),
    }


@pytest.mark.django_db
def test_no_email_carries_meeting_content(every_email):
    for kind, message in every_email.items():
        html = message.alternatives[0][0]
        for secret in CONTENT:
            assert secret not in message.body, (kind, secret)
            assert secret not in html, (kind, secret)


@pytest.mark.django_db
def test_every_email_says_why_it_was_sent_and_links_to_email_settings(every_email):
    for kind, message in every_email.items():
        html = message.alternatives[0][0]
        for text in (message.body, html):
            assert "Why you got this email:" in text, kind
            assert "http://testserver/accounts/email-settings/" in text, kind
        if account_services.email_is_optional(kind):
            assert "You can turn this kind of email off" in message.body, kind
        else:
            assert "cannot be turned off" in message.body, kind


@pytest.mark.django_db
def test_the_invitation_tells_when_and_where_in_uk_time(every_email, full_pair):
    planned = full_pair.planned_meetings.get()
    message = every_email["meeting_invitation"]
    local = timezone.localtime(planned.starts_at)
    assert f"{local:%H:%M} (UK time)" in message.body
    assert planned.place in message.body
    assert message.attachments[0][0] == "mentoring-meeting.ics"


@pytest.mark.django_db
def test_the_second_nudge_says_the_organiser_may_check_in(every_email, organiser):
    body = every_email["pair_nudge"].body
    assert "second reminder" in body
    assert organiser.email in body
    assert "never what you wrote" in body


@pytest.mark.django_db
def test_the_digest_names_the_pair_needing_a_check_in(every_email, full_pair):
    assert full_pair.mentee.get_full_name() in every_email["organiser_digest"].body


@pytest.mark.django_db
def test_a_member_who_turned_off_invitations_gets_none_and_no_row_is_kept(
    pair, mentee, mentor, django_capture_on_commit_callbacks
):
    mentor.email_opt_outs = ["meeting_invitation"]
    mentor.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.planned_meeting_create(
            pair=pair,
            user=mentee,
            starts_at=timezone.now() + timedelta(days=5),
            duration_minutes=60,
            mode="phone",
        )
    assert [message.to for message in mail.outbox] == [[mentee.email]]
    assert not Notification.objects.filter(recipient=mentor).exists()


@pytest.mark.django_db
def test_essential_pair_emails_are_sent_even_to_someone_who_turned_everything_off(
    pair, mentee, mentor, django_capture_on_commit_callbacks
):
    mentor.email_opt_outs = list(account_services.OPTIONAL_EMAIL_KINDS)
    mentor.save()
    MeetingFactory(pair=pair)
    PlannedMeetingFactory(pair=pair)
    with django_capture_on_commit_callbacks(execute=True):
        services.pair_end(pair=pair, user=mentee, reason="no_time", wants_new_mentor=False)
    to_mentor = [message for message in mail.outbox if message.to == [mentor.email]]
    assert [message.subject for message in to_mentor] == [
        f"Your mentoring pair with {mentee.first_name} has ended"
    ]


@pytest.mark.django_db
def test_plain_text_emails_are_not_html_escaped(
    pair, mentee, mentor, django_capture_on_commit_callbacks
):
    mentee.first_name, mentee.last_name = "Siobhán", "O'Brien & Co"
    mentee.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.pair_end(pair=pair, user=mentee, reason="rotation", wants_new_mentor=False)
    (message,) = [m for m in mail.outbox if m.to == [mentor.email]]
    assert "O'Brien & Co" in message.body
    assert "&#x27;" not in message.body and "&amp;" not in message.body
