"""An organiser writes to a group of their scheme: previewed with its count, sent once per person
through the notification machinery, listed with the counts; nobody else may send one."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Grade, Notification
from meetings.models import SchemeMessage
from meetings.services import scheme_message_send
from meetings.tests.factories import MeetingFactory
from schemes.models import Enrolment
from schemes.tests.factories import (
    EnrolmentFactory,
    MemberFactory,
    MentorEnrolmentFactory,
    appoint,
)

pytestmark = pytest.mark.django_db

SECRET_SUMMARY = "We talked about the incident on ward 7"


@pytest.fixture
def cast(scheme, pair, other_pair):
    """`pair` has been silent for months (may need a check-in); `other_pair` met last week;
    Wanda waits for a mentor; Will withdrew."""
    long_ago = timezone.now() - timedelta(days=200)
    type(pair).objects.filter(pk=pair.pk).update(created_at=long_ago, status_changed_at=long_ago)
    MeetingFactory(pair=other_pair, summary=SECRET_SUMMARY)
    waiting = EnrolmentFactory(
        scheme=scheme,
        user__email="wanda.waiting@example.nhs.uk",
        user__first_name="Wanda",
        user__last_name="Waiting",
        user__grade=Grade.FY2,
        site="St Thomas' Hospital",
    )
    withdrawn = EnrolmentFactory(
        scheme=scheme,
        user__email="will.withdrawn@example.nhs.uk",
        status=Enrolment.Status.WITHDRAWN,
    )
    return {"pair": pair, "other_pair": other_pair, "waiting": waiting.user, "withdrawn": withdrawn}


def compose(audience="waiting", **overrides):
    return {
        "audience": audience,
        "grade": "",
        "specialty": "",
        "site": "",
        "subject": "Matching evening on Thursday",
        "body": "Come and meet possible mentors at 18:00 in the education centre.",
        **overrides,
    }


def send(client, scheme, data, token="6b1f1f7e-0d7e-4d8b-9b3e-1d2a3c4b5e6f"):
    return client.post(
        reverse("meetings:scheme-message-send", args=[scheme.slug]), {**data, "send_token": token}
    )


def recipients():
    return sorted(email for message in mail.outbox for email in message.to)


# --- The organiser's journey ----------------------------------------------------------------


def test_organiser_previews_the_count_and_the_email_before_anything_is_sent(
    client, organiser, scheme, cast
):
    client.force_login(organiser)
    response = client.post(
        reverse("meetings:scheme-message-new", args=[scheme.slug]), compose("waiting")
    )
    body = response.content.decode()
    assert response.status_code == 200
    # Wanda, and the mentee of `other_pair`? No: that mentee has a current pair.
    assert "It goes to <strong>1 person</strong>" in body
    assert "Wanda Waiting" in body
    assert "Replies to this email are not read" in body and organiser.email in body
    assert "Send to 1 person" in body
    assert not SchemeMessage.objects.exists() and not Notification.objects.exists()
    assert mail.outbox == []


def test_organiser_sends_to_waiting_mentees_who_each_get_one_email(
    client, organiser, scheme, cast, django_capture_on_commit_callbacks
):
    client.force_login(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        response = send(client, scheme, compose("waiting"))

    assert response.status_code == 302
    assert recipients() == ["wanda.waiting@example.nhs.uk"]
    email = mail.outbox[0]
    assert email.subject == "SLaM peer mentoring: Matching evening on Thursday"
    assert "Come and meet possible mentors at 18:00" in email.body
    assert "Replies to this email are not read; contact your organiser at" in email.body
    assert organiser.email in email.body
    listing = client.get(response.url).content.decode()
    assert (
        "Matching evening on Thursday" in listing and "To mentees waiting for a mentor" in listing
    )
    message = SchemeMessage.objects.get()
    assert (message.sent_count, message.skipped_count, message.sent_by) == (1, 0, organiser)


def test_pressing_send_twice_sends_one_email_each(
    client, organiser, scheme, cast, django_capture_on_commit_callbacks
):
    client.force_login(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        send(client, scheme, compose("mentees"))
        send(client, scheme, compose("mentees"))

    assert SchemeMessage.objects.count() == 1
    assert recipients() == sorted(
        [cast["pair"].mentee.email, cast["other_pair"].mentee.email, cast["waiting"].email]
    )


def test_a_retried_delivery_never_sends_twice(
    organiser, scheme, cast, django_capture_on_commit_callbacks
):
    from accounts.services import notification_send

    with django_capture_on_commit_callbacks(execute=True):
        scheme_message_send(
            scheme=scheme,
            audience="waiting",
            subject="Hello",
            body="A word from the organisers.",
            sent_by=organiser,
        )
    notification = Notification.objects.get(kind="scheme_message")
    assert notification_send(notification_id=notification.pk) is False
    assert len(mail.outbox) == 1


def test_people_who_turned_scheme_messages_off_are_not_emailed_and_are_counted(
    client, organiser, scheme, cast, django_capture_on_commit_callbacks
):
    mentee = cast["pair"].mentee
    mentee.email_opt_outs = ["scheme_message"]
    mentee.save(update_fields=["email_opt_outs"])
    client.force_login(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        send(client, scheme, compose("mentees"))

    assert mentee.email not in recipients()
    assert len(mail.outbox) == 2
    message = SchemeMessage.objects.get()
    assert (message.sent_count, message.skipped_count) == (2, 1)
    listing = client.get(reverse("meetings:scheme-messages", args=[scheme.slug])).content.decode()
    assert "Emailed to 2 people" in listing
    assert "1 not emailed because they turned scheme messages off" in listing


def test_scheme_messages_are_listed_in_email_settings_as_optional():
    from accounts.services import email_is_optional

    assert email_is_optional("scheme_message")


def test_withdrawn_trainees_never_receive_a_message(
    client, organiser, scheme, cast, django_capture_on_commit_callbacks
):
    client.force_login(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        send(client, scheme, compose("mentees"))
    assert "will.withdrawn@example.nhs.uk" not in recipients()
    assert recipients()  # the others did get it


def test_all_mentors_reach_the_active_mentors_and_no_mentee(
    client, organiser, scheme, cast, django_capture_on_commit_callbacks
):
    MentorEnrolmentFactory(
        scheme=scheme, user__email="wes.withdrawn@example.nhs.uk", status=Enrolment.Status.WITHDRAWN
    )
    client.force_login(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        send(client, scheme, compose("mentors", subject="Supervision dates"))
    assert recipients() == sorted([cast["pair"].mentor.email, cast["other_pair"].mentor.email])


def test_pairs_needing_a_check_in_reach_both_members_and_no_other_pair(
    client, organiser, scheme, cast, django_capture_on_commit_callbacks
):
    client.force_login(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        send(client, scheme, compose("check_in", subject="How are things?"))
    assert recipients() == sorted([cast["pair"].mentee.email, cast["pair"].mentor.email])
    for email in mail.outbox:
        assert SECRET_SUMMARY not in email.body


def test_the_enrolments_filters_narrow_who_receives(
    client, organiser, scheme, cast, django_capture_on_commit_callbacks
):
    client.force_login(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        send(client, scheme, compose("mentees", grade=Grade.FY2, site="thomas"))
    assert recipients() == ["wanda.waiting@example.nhs.uk"]
    assert SchemeMessage.objects.get().filters == {"grade": Grade.FY2, "site": "thomas"}


def test_the_send_is_audited_with_counts_and_never_the_text(
    client, organiser, scheme, cast, django_capture_on_commit_callbacks
):
    client.force_login(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        send(client, scheme, compose("waiting"))
    event = AuditEvent.objects.get(action="scheme_message_sent")
    assert event.actor == organiser and event.target == f"scheme:{scheme.slug}"
    assert event.details["sent"] == 1 and event.details["audience"] == "waiting"
    assert "Come and meet" not in str(event.details)


# --- Bad input: a clear message, nothing saved, nothing sent ----------------------------------


@pytest.mark.parametrize(
    "overrides, says",
    [
        ({"subject": "  "}, "Write a subject."),
        ({"body": ""}, "Write the message."),
        ({"audience": "everyone-in-the-trust"}, "Choose who the message is for."),
        ({"subject": "x" * 151}, "at most 150 characters"),
        ({"body": "x" * 5001}, "at most 5000 characters"),
        ({"grade": "Professor"}, "Select a valid choice"),
    ],
)
@pytest.mark.parametrize("step", ["preview", "send"])
def test_bad_input_is_refused_with_a_clear_message(
    client, organiser, scheme, cast, overrides, says, step
):
    client.force_login(organiser)
    if step == "preview":
        url = reverse("meetings:scheme-message-new", args=[scheme.slug])
        response = client.post(url, compose(**overrides))
    else:
        response = send(client, scheme, compose(**overrides))
    assert response.status_code == (200 if step == "preview" else 400)
    assert says in response.content.decode()
    assert not SchemeMessage.objects.exists() and not Notification.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize("step", ["preview", "send"])
def test_a_message_to_no_one_is_refused(client, organiser, scheme, cast, step):
    client.force_login(organiser)
    data = compose("mentors", site="Nowhere General")
    if step == "preview":
        response = client.post(reverse("meetings:scheme-message-new", args=[scheme.slug]), data)
    else:
        response = send(client, scheme, data)
    assert "No one in the scheme matches" in response.content.decode()
    assert not SchemeMessage.objects.exists() and mail.outbox == []


# --- Who may and may not --------------------------------------------------------------------

MAY_NOT = {
    "dme": 403,
    "supervisor": 403,
    "mentee": 403,
    "mentor": 403,
    "other_organiser": 404,
    "other_dme": 404,
    "superuser": 404,
}


@pytest.mark.parametrize("member, status", list(MAY_NOT.items()))
@pytest.mark.parametrize("name", ["scheme-messages", "scheme-message-new"])
def test_only_the_schemes_organisers_open_the_message_pages(
    client, request, scheme, cast, member, status, name
):
    client.force_login(request.getfixturevalue(member))
    assert client.get(reverse(f"meetings:{name}", args=[scheme.slug])).status_code == status


@pytest.mark.parametrize("member, status", list(MAY_NOT.items()))
def test_nobody_but_an_organiser_can_send(client, request, scheme, cast, member, status):
    client.force_login(request.getfixturevalue(member))
    assert send(client, scheme, compose("mentees")).status_code == status
    assert not SchemeMessage.objects.exists() and mail.outbox == []


def test_a_co_organiser_may_write_and_sees_the_messages_of_the_others(
    client, organiser, scheme, cast, django_capture_on_commit_callbacks
):
    co_organiser = appoint(MemberFactory(organisation=scheme.organisation), scheme)
    client.force_login(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        send(client, scheme, compose("waiting"))
    client.force_login(co_organiser)
    listing = client.get(reverse("meetings:scheme-messages", args=[scheme.slug]))
    assert listing.status_code == 200 and "Matching evening on Thursday" in listing.content.decode()
    response = send(
        client, scheme, compose("mentors"), token="1b1f1f7e-0d7e-4d8b-9b3e-1d2a3c4b5e6f"
    )
    assert response.status_code == 302 and SchemeMessage.objects.count() == 2


def test_anonymous_visitors_are_sent_to_log_in(client, scheme):
    response = client.get(reverse("meetings:scheme-messages", args=[scheme.slug]))
    assert response.status_code == 302 and "/login" in response.url


def test_send_refuses_get(client, organiser, scheme):
    client.force_login(organiser)
    assert (
        client.get(reverse("meetings:scheme-message-send", args=[scheme.slug])).status_code == 405
    )


def test_the_organiser_nav_links_to_messages(client, organiser, scheme):
    client.force_login(organiser)
    body = client.get(reverse("schemes:enrolments", args=[scheme.slug])).content.decode()
    assert reverse("meetings:scheme-messages", args=[scheme.slug]) in body


def test_the_pairs_list_offers_a_message_to_pairs_needing_a_check_in(client, organiser, scheme):
    client.force_login(organiser)
    body = client.get(reverse("meetings:organiser-pairs", args=[scheme.slug])).content.decode()
    link = reverse("meetings:scheme-message-new", args=[scheme.slug]) + "?audience=check_in"
    assert link in body
    form = client.get(link).content.decode()
    checked = re.search(r'<input type="radio"[^>]*value="([a-z_]+)"[^>]*\bchecked>', form)
    assert checked and checked.group(1) == "check_in"
