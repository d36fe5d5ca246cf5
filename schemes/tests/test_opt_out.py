"""The one-click opt-out link in a cohort-enrolled trainee's email: works without logging in,
changes nothing until its button is pressed, and explains itself when it cannot be used."""

import time
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse

from accounts.tokens import email_confirmation_token
from matching.models import Pair
from matching.tests.factories import PairFactory
from schemes.models import Enrolment
from schemes.tests.factories import EnrolmentFactory
from schemes.tokens import OPT_OUT_MAX_AGE, opt_out_token


@pytest.fixture
def cohort_enrolment(scheme, organiser):
    return EnrolmentFactory(
        scheme=scheme,
        source=Enrolment.Source.COHORT,
        consent_given_at=None,
        user__email="aisha.khan@nhs.net",
        user__first_name="Aisha",
    )


def opt_out_url(token):
    return reverse("schemes:opt-out", kwargs={"token": token})


@pytest.mark.django_db
def test_the_link_shows_one_button_naming_the_scheme_and_changes_nothing(client, cohort_enrolment):
    response = client.get(opt_out_url(opt_out_token(cohort_enrolment)))

    body = response.content.decode()
    assert response.status_code == 200
    assert body.count("<h1") == 1
    assert body.count('type="submit"') == 1
    assert ">Opt out of SLaM peer mentoring</button>" in body
    cohort_enrolment.refresh_from_db()
    assert cohort_enrolment.status == Enrolment.Status.ACTIVE


@pytest.mark.django_db
def test_pressing_the_button_opts_out_without_logging_in_and_says_how_to_rejoin(
    client, cohort_enrolment
):
    response = client.post(opt_out_url(opt_out_token(cohort_enrolment)))

    body = response.content.decode()
    assert response.status_code == 200
    assert "You have opted out of SLaM peer mentoring" in body
    assert "Changed your mind?" in body
    assert reverse("schemes:detail", args=["slam-peer"]) in body
    assert "organiser@example.nhs.uk" in body
    cohort_enrolment.refresh_from_db()
    assert cohort_enrolment.status == Enrolment.Status.WITHDRAWN
    assert cohort_enrolment.withdrawal_reason == ""


@pytest.mark.django_db
def test_using_the_link_twice_says_you_have_already_opted_out(client, cohort_enrolment):
    url = opt_out_url(opt_out_token(cohort_enrolment))
    client.post(url)
    changed_at = Enrolment.objects.get(pk=cohort_enrolment.pk).status_changed_at

    again = client.post(url)
    opened_again = client.get(url)

    for response in (again, opened_again):
        assert response.status_code == 200
        assert "You have already opted out of SLaM peer mentoring" in response.content.decode()
    assert Enrolment.objects.get(pk=cohort_enrolment.pk).status_changed_at == changed_at


@pytest.mark.django_db
@pytest.mark.parametrize(
    "damage",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
        lambda token: token[: len(token) // 2],
        lambda token: "not-a-token",
    ],
    ids=["altered", "cut-short", "nonsense"],
)
def test_a_damaged_link_is_refused_and_says_who_to_ask(client, cohort_enrolment, damage):
    response = client.post(opt_out_url(damage(opt_out_token(cohort_enrolment))))

    body = response.content.decode()
    assert response.status_code == 400
    assert "This opt-out link is not valid" in body
    assert "Nothing has changed: you are still enrolled." in body
    assert "organisers" in body
    cohort_enrolment.refresh_from_db()
    assert cohort_enrolment.status == Enrolment.Status.ACTIVE


@pytest.mark.django_db
def test_a_token_made_for_another_purpose_is_not_an_opt_out_link(client, cohort_enrolment):
    token = email_confirmation_token(cohort_enrolment.user)
    assert client.post(opt_out_url(token)).status_code == 400
    cohort_enrolment.refresh_from_db()
    assert cohort_enrolment.is_current


@pytest.mark.django_db
def test_an_expired_link_is_refused_and_says_so(client, cohort_enrolment):
    made_long_ago = time.time() - OPT_OUT_MAX_AGE.total_seconds() - 60
    with mock.patch("django.core.signing.time.time", return_value=made_long_ago):
        token = opt_out_token(cohort_enrolment)

    for response in (client.get(opt_out_url(token)), client.post(opt_out_url(token))):
        body = response.content.decode()
        assert response.status_code == 400
        assert "This opt-out link has expired" in body
        assert "Opt-out links work for 60 days, and this one, for SLaM peer mentoring" in body
        assert reverse("accounts:my-mentoring") in body
    cohort_enrolment.refresh_from_db()
    assert cohort_enrolment.status == Enrolment.Status.ACTIVE


@pytest.mark.django_db
def test_a_link_still_within_its_time_works(client, cohort_enrolment):
    made_recently = time.time() - OPT_OUT_MAX_AGE.total_seconds() + 3600
    with mock.patch("django.core.signing.time.time", return_value=made_recently):
        token = opt_out_token(cohort_enrolment)
    assert client.post(opt_out_url(token)).status_code == 200
    cohort_enrolment.refresh_from_db()
    assert cohort_enrolment.status == Enrolment.Status.WITHDRAWN


@pytest.mark.django_db
def test_a_link_to_an_enrolment_that_no_longer_exists_says_there_is_nothing_to_do(client, db):
    # As when a trainee has erased their account since the email was sent.
    token = opt_out_token(Enrolment(pk=987_654))
    response = client.post(opt_out_url(token))
    assert response.status_code == 200
    assert "You are no longer enrolled" in response.content.decode()


@pytest.mark.django_db
def test_the_link_refuses_other_methods(client, cohort_enrolment):
    assert client.put(opt_out_url(opt_out_token(cohort_enrolment))).status_code == 405


@pytest.mark.django_db
def test_a_logged_in_stranger_using_the_link_only_opts_out_the_trainee_it_names(
    client, cohort_enrolment, mentee
):
    client.force_login(mentee)
    client.post(opt_out_url(opt_out_token(cohort_enrolment)))
    cohort_enrolment.refresh_from_db()
    assert cohort_enrolment.status == Enrolment.Status.WITHDRAWN
    assert mentee.enrolments.get().status == Enrolment.Status.ACTIVE


@pytest.mark.django_db
def test_opting_out_mid_pair_ends_the_pair_and_the_mentor_is_told(
    client, cohort_enrolment, mentor_enrolment, django_capture_on_commit_callbacks
):
    """The link is one more way an enrolment ends (schemes.lifecycle): the pair ends with it."""
    pair = PairFactory(
        scheme=cohort_enrolment.scheme,
        mentee_enrolment=cohort_enrolment,
        mentor_enrolment=mentor_enrolment,
    )

    with django_capture_on_commit_callbacks(execute=True):
        client.post(opt_out_url(opt_out_token(cohort_enrolment)))

    pair.refresh_from_db()
    assert pair.status == Pair.Status.ENDED
    assert pair.end_reason == Pair.EndReason.MEMBER_LEFT and not pair.ended_badly
    told = [message for message in mail.outbox if message.to == [mentor_enrolment.user.email]]
    assert [message.subject for message in told] == ["Your mentee has left SLaM peer mentoring"]
