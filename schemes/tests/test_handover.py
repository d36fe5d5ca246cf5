"""Organiser handover: what the next organiser is shown, stepping down with a successor in one
transaction, the DME's page to appoint an organiser, and the daily sweep for schemes nobody runs."""

from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from meetings.tests.factories import MeetingFactory
from schemes import services
from schemes.models import IntakeWindow, Referral, SchemeRole
from schemes.tasks import schemes_without_organiser_sweep
from schemes.tests.factories import MemberFactory, appoint
from supervision.tests.factories import TrainingEventFactory, assign, session_with

pytestmark = pytest.mark.django_db

SUMMARY = "HANDOVER-SHARED-SUMMARY"
REASON = "HANDOVER-REFERRAL-REASON"
NOTES = "HANDOVER-SUPERVISOR-NOTES"


def organisers_of(scheme):
    return set(
        SchemeRole.objects.filter(scheme=scheme, role="organiser").values_list(
            "user__email", flat=True
        )
    )


@pytest.fixture
def successor(scheme):
    return MemberFactory(organisation=scheme.organisation, email="next.organiser@example.nhs.uk")


def hand_over(client, scheme, **data):
    return client.post(reverse("schemes:handover", args=[scheme.slug]), data, follow=True)


# --- The page ----------------------------------------------------------------------------------


def test_the_handover_page_lists_what_is_open_as_metadata_never_content(
    client, organiser, scheme, pair, mentee_enrolment, mentor_enrolment, supervisor
):
    today = timezone.localdate()
    IntakeWindow.objects.create(
        scheme=scheme,
        label="February rotation",
        opens_on=today - timedelta(days=3),
        closes_on=today + timedelta(days=30),
    )
    IntakeWindow.objects.create(
        scheme=scheme, label="Old window", opens_on=today - timedelta(days=300),
        closes_on=today - timedelta(days=200),
    )  # fmt: skip
    # A pair that last met long ago, with a summary only the pair may read.
    MeetingFactory(pair=pair, held_on=today - timedelta(days=200), summary=SUMMARY)
    pair.status_changed_at = timezone.now() - timedelta(days=250)
    pair.save(update_fields=["status_changed_at"])
    Referral.objects.create(enrolment=mentee_enrolment, reason=REASON)
    mentee_enrolment.source = "referral"
    mentee_enrolment.save(update_fields=["source"])
    assign(supervisor, mentor_enrolment)
    session_with(
        supervisor,
        [mentor_enrolment],
        starts_at=timezone.now() + timedelta(days=5),
        supervisor_notes=NOTES,
    )
    TrainingEventFactory(scheme=scheme, title="Mentor skills day")
    client.force_login(organiser)

    response = client.get(reverse("schemes:handover", args=[scheme.slug]))

    text = response.text
    assert response.status_code == 200
    assert "February rotation" in text and "(open now)" in text
    assert "Old window" not in text
    assert f"{pair.mentee} and {pair.mentor}: last met 200 days ago" in text
    assert "through a confidential referral: 1" in text
    assert f"supervision with {supervisor}" in text
    assert "Mentor skills day" in text
    for secret in (SUMMARY, REASON, NOTES):
        assert secret not in text


@pytest.mark.parametrize(
    ("member", "expected"),
    [
        ("other_organiser", 404),
        ("mentee", 403),
        ("mentor", 403),
        ("supervisor", 403),
        ("dme", 403),
        ("other_dme", 404),
    ],
)
def test_only_the_schemes_organisers_may_hand_it_over(
    client, request, scheme, organiser, successor, member, expected
):
    client.force_login(request.getfixturevalue(member))
    url = reverse("schemes:handover", args=[scheme.slug])

    assert client.get(url).status_code == expected
    assert client.post(url, {"email": successor.email}).status_code == expected
    assert organisers_of(scheme) == {organiser.email}


def test_an_anonymous_visitor_is_sent_to_sign_in(client, scheme):
    response = client.get(reverse("schemes:handover", args=[scheme.slug]))

    assert response.status_code == 302 and "/login" in response["Location"]


# --- Stepping down -----------------------------------------------------------------------------


def test_organiser_appoints_a_successor_and_steps_down_and_the_successor_is_emailed(
    client, organiser, scheme, successor, django_capture_on_commit_callbacks
):
    client.force_login(organiser)

    with django_capture_on_commit_callbacks(execute=True):
        response = hand_over(client, scheme, email="NEXT.Organiser@example.nhs.uk")

    assert organisers_of(scheme) == {successor.email}
    assert f"{successor} is now an organiser of {scheme.name}" in response.text
    assert [message.to for message in mail.outbox] == [[successor.email]]
    assert "handed" in mail.outbox[0].body
    assert reverse("schemes:handover", args=[scheme.slug]) in mail.outbox[0].body


def test_the_last_organiser_cannot_step_down_without_a_successor_or_telling_the_dme(
    client, organiser, scheme, dme
):
    client.force_login(organiser)

    response = hand_over(client, scheme, email="")

    assert "You are the scheme&#x27;s only organiser" in response.text
    assert organisers_of(scheme) == {organiser.email}
    assert not Notification.objects.exists()


def test_the_last_organiser_may_leave_the_scheme_to_the_dme_who_is_emailed_once(
    client, organiser, scheme, dme, django_capture_on_commit_callbacks
):
    client.force_login(organiser)

    with django_capture_on_commit_callbacks(execute=True):
        hand_over(client, scheme, tell_dme="on")
        schemes_without_organiser_sweep()  # the next daily sweep does not repeat it

    assert organisers_of(scheme) == set()
    assert [message.to for message in mail.outbox] == [[dme.email]]
    assert reverse("schemes:organiser-appoint", args=[scheme.slug]) in mail.outbox[0].body


def test_with_no_dme_to_tell_the_last_organiser_must_name_a_successor(client, organiser, scheme):
    client.force_login(organiser)

    response = hand_over(client, scheme, tell_dme="on")

    assert "the trust has no DME here to tell" in response.text
    assert organisers_of(scheme) == {organiser.email}


def test_a_co_organiser_may_step_down_without_a_successor(client, organiser, scheme, dme):
    appoint(MemberFactory(organisation=scheme.organisation, email="co@example.nhs.uk"), scheme)
    client.force_login(organiser)

    hand_over(client, scheme)

    assert organisers_of(scheme) == {"co@example.nhs.uk"}
    assert not Notification.objects.exists()  # the scheme still has an organiser


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "nobody@example.nhs.uk"}, "Nobody has an account with that address"),
        ({"email": "not an address"}, "Enter a valid email address"),
        ({"email": "organiser@example.nhs.uk"}, "Choose someone else as your successor"),
        (
            {"email": "next.organiser@example.nhs.uk", "tell_dme": "on"},
            "Either name a successor or tell the DME",
        ),
    ],
)
def test_bad_input_says_why_and_changes_nothing(
    client, organiser, scheme, successor, dme, data, message
):
    client.force_login(organiser)

    response = hand_over(client, scheme, **data)

    assert message in response.text
    assert organisers_of(scheme) == {organiser.email}
    assert not Notification.objects.exists()


def test_a_closed_account_cannot_take_over(client, organiser, scheme, successor):
    successor.is_active = False
    successor.save(update_fields=["is_active"])
    client.force_login(organiser)

    response = hand_over(client, scheme, email=successor.email)

    assert "Nobody has an account with that address" in response.text
    assert organisers_of(scheme) == {organiser.email}


def test_the_handover_is_one_transaction_a_failed_step_down_appoints_nobody(
    organiser, scheme, successor
):
    real_audit = services.audit_record

    def fail_on_removal(**kwargs):
        if kwargs["action"] == "role_removed":
            raise RuntimeError("the database went away")
        return real_audit(**kwargs)

    with (
        mock.patch.object(services, "audit_record", side_effect=fail_on_removal),
        pytest.raises(RuntimeError),
    ):
        services.scheme_handover(scheme=scheme, organiser=organiser, successor=successor)

    assert organisers_of(scheme) == {organiser.email}
    assert not Notification.objects.exists()


# --- The DME appoints an organiser -------------------------------------------------------------


def test_the_dme_appoints_an_organiser_who_is_emailed(
    client, scheme, dme, successor, django_capture_on_commit_callbacks
):
    client.force_login(dme)
    url = reverse("schemes:organiser-appoint", args=[scheme.slug])

    assert "This scheme has no organiser" in client.get(url).text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"email": successor.email}, follow=True)

    assert organisers_of(scheme) == {successor.email}
    assert f"{successor} is an organiser of {scheme.name}" in response.text
    assert [message.to for message in mail.outbox] == [[successor.email]]
    assert "appointed you an organiser" in mail.outbox[0].body


def test_the_dme_page_says_clearly_when_nobody_has_the_address(client, scheme, dme):
    client.force_login(dme)

    response = client.post(
        reverse("schemes:organiser-appoint", args=[scheme.slug]), {"email": "nobody@nhs.uk"}
    )

    assert "Nobody has an account with that address yet" in response.text
    assert organisers_of(scheme) == set()


@pytest.mark.parametrize(
    ("member", "expected"),
    [
        ("organiser", 403),
        ("other_organiser", 404),
        ("mentee", 403),
        ("regional_lead", 403),
        ("other_dme", 404),
    ],
)
def test_only_the_trusts_dme_uses_the_appoint_page(
    client, request, scheme, successor, member, expected
):
    client.force_login(request.getfixturevalue(member))
    url = reverse("schemes:organiser-appoint", args=[scheme.slug])
    before = organisers_of(scheme)

    assert client.get(url).status_code == expected
    assert client.post(url, {"email": successor.email}).status_code == expected
    assert organisers_of(scheme) == before


# --- The daily sweep ---------------------------------------------------------------------------


def test_the_sweep_is_in_the_beat_schedule_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["schemes-without-organiser"]

    assert entry["task"] == "schemes.tasks.schemes_without_organiser_sweep"
    assert entry["schedule"] == 24 * 60 * 60


def test_the_sweep_tells_the_dme_once_however_often_it_runs(
    scheme, dme, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        schemes_without_organiser_sweep()
    with django_capture_on_commit_callbacks(execute=True):
        schemes_without_organiser_sweep()

    assert [message.to for message in mail.outbox] == [[dme.email]]
    assert mail.outbox[0].subject == f"{scheme.name} has no organiser"


def test_the_sweep_leaves_schemes_with_an_organiser_alone(organiser, scheme, dme):
    assert schemes_without_organiser_sweep() == 0
    assert not Notification.objects.exists()


def test_an_organiser_whose_account_is_closed_does_not_count(organiser, scheme, dme):
    organiser.is_active = False
    organiser.save(update_fields=["is_active"])

    assert schemes_without_organiser_sweep() == 1


def test_a_scheme_left_without_organisers_again_tells_the_dme_again(
    scheme, dme, successor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        schemes_without_organiser_sweep()
        services.organiser_appoint(scheme=scheme, user=successor, appointed_by=dme)
        schemes_without_organiser_sweep()  # has an organiser: nothing
        services.scheme_handover(scheme=scheme, organiser=successor, successor=None, tell_dme=True)
        schemes_without_organiser_sweep()  # told already, at the step-down

    assert [message.to for message in mail.outbox] == [
        [dme.email],
        [successor.email],
        [dme.email],
    ]
