"""Every link in an email starts with SITE_URL, so `PORT=18801 make run` mails links that reach
port 18801 (issue #13, item 7): the confirmation, the set-password and opt-out links of a cohort
enrolment, a meeting's .ics and the supervision .ics. mentoring/tests/test_settings.py checks
that SITE_URL follows PORT; this checks that the emails use it."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import resolve
from django.utils import timezone

from accounts.services import notification_queue
from accounts.tests.factories import UnconfirmedUserFactory, UserFactory
from meetings.tests.factories import PlannedMeetingFactory
from schemes.from_trainee_list import trainee_list_invite
from schemes.models import Enrolment, TraineeListImport
from schemes.services import placements_ending_sweep
from schemes.tests.factories import EnrolmentFactory, PlacementFactory
from supervision.tests.factories import session_with

pytestmark = pytest.mark.django_db

SITE = "http://127.0.0.1:18801"
LINK = re.compile(r"https?://[^\s\"'<>]+")


def links(message):
    """Every absolute link in the text, the HTML and the attachments of an email."""
    parts = [message.body]
    parts += [content for content, _ in getattr(message, "alternatives", [])]
    parts += [
        attachment[1] if isinstance(attachment[1], str) else attachment[1].decode()
        for attachment in message.attachments
    ]
    # Folded .ics lines (RFC 5545) continue after a line break and a space.
    return LINK.findall(re.sub(r"\r?\n ", "", "\n".join(parts)))


@override_settings(SITE_URL=SITE)
def test_every_link_in_these_emails_reaches_the_configured_site(
    pair, supervisor, mentor_enrolment, scheme, django_capture_on_commit_callbacks
):
    newcomer = UserFactory(password=None)
    newcomer.set_unusable_password()
    newcomer.save()
    cohort = EnrolmentFactory(scheme=scheme, user=newcomer, source=Enrolment.Source.COHORT)
    planned = PlannedMeetingFactory(pair=pair)
    session = session_with(supervisor, [mentor_enrolment], starts_at=None)

    with django_capture_on_commit_callbacks(execute=True):
        notification_queue(
            key="links:confirm", kind="email_confirmation", recipient=UnconfirmedUserFactory()
        )
        notification_queue(
            key="links:cohort",
            kind="cohort_enrolled",
            recipient=newcomer,
            context={"enrolment_id": cohort.pk},
        )
        notification_queue(
            key="links:meeting",
            kind="meeting_invitation",
            recipient=pair.mentee,
            context={"planned_meeting_id": planned.pk},
        )
        notification_queue(
            key="links:supervision",
            kind="supervision_invitation",
            recipient=mentor_enrolment.user,
            context={"session_id": session.pk, "enrolment_id": mentor_enrolment.pk},
        )

    assert len(mail.outbox) == 4
    for message in mail.outbox:
        found = links(message)
        assert found, f"{message.subject!r} has a link"
        elsewhere = [link for link in found if not link.startswith(f"{SITE}/")]
        assert not elsewhere, f"{message.subject!r} links elsewhere: {elsewhere}"
    cohort_links = links(mail.outbox[1])
    assert any("/opt-out/" in link for link in cohort_links)
    assert any("/reset/" in link or "password" in link for link in cohort_links)


@override_settings(SITE_URL=SITE)
def test_the_trainee_list_emails_link_to_pages_of_the_configured_site(
    pair, organiser, django_capture_on_commit_callbacks
):
    """The invitation to someone with no account, and the warning that a placement ends: every
    link is on SITE_URL and names a page of the site."""
    scheme = pair.scheme
    today = timezone.localdate()
    TraineeListImport.objects.create(
        organisation=scheme.organisation,
        as_of=today - timedelta(days=30),
        file_name="rotation.csv",
        confirmed_at=timezone.now(),
    )
    PlacementFactory(organisation=scheme.organisation, email="no.account@nhs.net")
    PlacementFactory(
        organisation=scheme.organisation,
        user=pair.mentee,
        email=pair.mentee.email,
        ends_on=today + timedelta(days=10),
    )

    with django_capture_on_commit_callbacks(execute=True):
        trainee_list_invite(scheme=scheme, invited_by=organiser, on=today)
        placements_ending_sweep(today=today)

    kinds = {message.to[0]: message for message in mail.outbox}
    assert "no.account@nhs.net" in kinds  # the invitation
    assert pair.mentor.email in kinds  # the partner's warning
    for message in mail.outbox:
        found = links(message)
        assert found, f"{message.subject!r} has a link"
        for link in found:
            assert link.startswith(f"{SITE}/"), f"{message.subject!r} links elsewhere: {link}"
            resolve(urlsplit(link).path)  # a page of the site, not a made-up path
