import re

import pytest
from django.core import mail, signing
from django.test import Client
from django.urls import reverse

from accounts.models import Notification, User
from accounts.tests.factories import UnconfirmedUserFactory, UserFactory
from accounts.tokens import EMAIL_CONFIRMATION_SALT, email_confirmation_token

GOOD_PASSWORD = "harbour-lantern-violet-93"


def sign_up_data(**overrides):
    data = {
        "email": "New.Trainee@Example.NHS.uk",
        "first_name": "Nia",
        "last_name": "Adeyemi",
        "grade": "CT1",
        "specialty": "Paediatrics",
        "site": "Kingston Hospital",
        "training_started_on": "2025-08-06",
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
    }
    data.update(overrides)
    return data


def confirmation_link(message):
    return re.search(r"http://testserver(/accounts/confirm/[^/\s]+/)", message.body).group(1)


@pytest.mark.django_db
def test_trainee_signs_up_and_gets_one_confirmation_email(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:sign-up"), sign_up_data())

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:sign-up-done")
    user = User.objects.get()
    assert user.email == "new.trainee@example.nhs.uk"  # stored in one case
    assert user.grade == "CT1" and user.specialty == "Paediatrics"
    assert user.email_confirmed_at is None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.trainee@example.nhs.uk"]
    assert "Confirm your email address" in mail.outbox[0].subject
    assert Notification.objects.get().sent_at is not None
    page = client.get(response["Location"])
    assert "new.trainee@example.nhs.uk" in page.content.decode()


@pytest.mark.django_db
def test_confirmation_link_confirms_and_then_login_works(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:sign-up"), sign_up_data())
    link = confirmation_link(mail.outbox[0])

    response = client.get(link, follow=True)

    assert response.redirect_chain[-1][0] == reverse("accounts:login")
    assert "your email address is confirmed" in response.content.decode()
    assert User.objects.get().email_confirmed_at is not None
    login = client.post(
        reverse("accounts:login"),
        {"username": "new.trainee@example.nhs.uk", "password": GOOD_PASSWORD},
    )
    assert login.status_code == 302
    assert login["Location"] == reverse("accounts:my-mentoring")


@pytest.mark.django_db
def test_unconfirmed_account_cannot_log_in_and_is_told_why(client):
    UnconfirmedUserFactory(email="waiting@example.nhs.uk")

    response = client.post(
        reverse("accounts:login"),
        {"username": "waiting@example.nhs.uk", "password": "a-long-test-password-42"},
    )

    assert response.status_code == 200
    assert "Please confirm your email address first" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_expired_confirmation_link_is_refused_with_a_way_forward(client, settings):
    user = UnconfirmedUserFactory()
    token = email_confirmation_token(user)
    settings.EMAIL_CONFIRMATION_MAX_AGE = -1  # every link is now too old

    response = client.get(reverse("accounts:confirm-email", args=[token]))

    assert response.status_code == 400
    assert "This link has expired" in response.content.decode()
    assert reverse("accounts:resend-confirmation") in response.content.decode()
    user.refresh_from_db()
    assert user.email_confirmed_at is None


@pytest.mark.django_db
def test_tampered_confirmation_link_is_refused(client):
    user = UnconfirmedUserFactory()
    forged = signing.dumps({"user": user.pk, "email": user.email}, salt="another-salt")

    response = client.get(reverse("accounts:confirm-email", args=[forged]))

    assert response.status_code == 400
    user.refresh_from_db()
    assert user.email_confirmed_at is None


@pytest.mark.django_db
def test_confirmation_link_stops_working_when_the_address_changes(client):
    user = UnconfirmedUserFactory(email="old@example.nhs.uk")
    token = signing.dumps({"user": user.pk, "email": user.email}, salt=EMAIL_CONFIRMATION_SALT)
    user.email = "new@example.nhs.uk"
    user.save()

    response = client.get(reverse("accounts:confirm-email", args=[token]))

    assert response.status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"password1": "short-pw1", "password2": "short-pw1"}, "password2", "at least 12"),
        ({"password1": "password1234", "password2": "password1234"}, "password2", "too common"),
        (
            {"password1": "nia.adeyemi.x", "password2": "nia.adeyemi.x"},
            "password2",
            "too similar",
        ),
        ({"password2": "something-else-entirely"}, "password2", "didn’t match"),
        ({"email": "not-an-address"}, "email", "valid email"),
        ({"first_name": ""}, "first_name", "required"),
    ],
)
def test_bad_sign_up_input_shows_a_clear_message_and_saves_nothing(
    client, overrides, field, message
):
    response = client.post(reverse("accounts:sign-up"), sign_up_data(**overrides))

    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors[field])
    assert message in errors
    assert not User.objects.exists()
    assert not Notification.objects.exists()


def _without_csrf(body):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", body)


def _sign_up_and_follow(client, email):
    response = client.post(reverse("accounts:sign-up"), sign_up_data(email=email))
    page = client.get(response["Location"])
    return response, _without_csrf(page.content.decode()).replace(email.lower(), "<address>")


@pytest.mark.django_db
def test_sign_up_answers_the_same_for_a_new_and_an_existing_address(
    django_capture_on_commit_callbacks,
):
    UserFactory(email="taken@example.nhs.uk", first_name="Ola")
    with django_capture_on_commit_callbacks(execute=True):
        new, new_page = _sign_up_and_follow(Client(), "fresh@example.nhs.uk")
        taken, taken_page = _sign_up_and_follow(Client(), "Taken@Example.NHS.uk")

    assert (new.status_code, new["Location"]) == (taken.status_code, taken["Location"])
    assert "<strong><address></strong>" in new_page
    assert new_page == taken_page
    assert "already exists" not in taken_page


@pytest.mark.django_db
def test_signing_up_with_an_existing_address_emails_its_owner_once_and_changes_nothing(
    client, django_capture_on_commit_callbacks
):
    owner = UserFactory(email="taken@example.nhs.uk", first_name="Ola")
    before = User.objects.values().get(pk=owner.pk)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            client.post(reverse("accounts:sign-up"), sign_up_data(email="taken@example.nhs.uk"))

    assert User.objects.count() == 1
    assert User.objects.values().get(pk=owner.pk) == before  # password and profile untouched
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["taken@example.nhs.uk"]
    assert "Someone tried to create an account" in message.body
    assert f"http://testserver{reverse('accounts:password-reset')}" in message.body
    assert f"http://testserver{reverse('accounts:login')}" in message.body


@pytest.mark.django_db
def test_resend_sends_a_new_link_only_to_unconfirmed_accounts_and_reveals_nothing(
    client, django_capture_on_commit_callbacks
):
    UnconfirmedUserFactory(email="waiting@example.nhs.uk")
    UserFactory(email="confirmed@example.nhs.uk")
    url = reverse("accounts:resend-confirmation")

    with django_capture_on_commit_callbacks(execute=True):
        waiting = client.post(url, {"email": "Waiting@example.nhs.uk"}, follow=True)
        confirmed = client.post(url, {"email": "confirmed@example.nhs.uk"}, follow=True)
        nobody = client.post(url, {"email": "nobody@example.nhs.uk"}, follow=True)

    assert [m.to for m in mail.outbox] == [["waiting@example.nhs.uk"]]
    for response in (waiting, confirmed, nobody):
        assert "a new link is on its way" in response.content.decode()


@pytest.mark.django_db
def test_signed_in_user_is_sent_from_sign_up_to_my_mentoring(client, mentee):
    client.force_login(mentee)
    response = client.get(reverse("accounts:sign-up"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:my-mentoring")


@pytest.mark.django_db
def test_sign_up_rejects_other_methods(client):
    assert client.put(reverse("accounts:sign-up")).status_code == 405
