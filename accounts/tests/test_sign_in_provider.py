"""Sign-in with an NHS identity (accounts/oidc.py) against a real OpenID Connect provider process
(tests/sign_in_provider.py): what is accepted, linked and made, and what is refused with a
message and nothing saved."""

import base64
import hashlib
import time
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEvent, ProviderIdentity, User
from accounts.oidc import ProviderSignInBackend
from accounts.tests.factories import UserFactory
from tests.sign_in_provider import CLIENT_ID, path_of

pytestmark = pytest.mark.django_db

START = "/accounts/sign-in/nhsmail/"


def sign_in(client, provider, subject, next_url=""):
    """Click "Sign in with NHSmail", sign in at the provider as `subject`, come back. Returns the
    response to the callback (not followed) and the provider's authorization address."""
    start = client.get(START + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302
    callback = provider.authorize(start["Location"], subject)
    return client.get(path_of(callback)), start["Location"]


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def signed_in_user(client):
    return client.get(reverse("accounts:my-mentoring")).wsgi_request.user


def test_off_by_default_the_login_page_has_only_the_password_form(client):
    page = client.get(reverse("accounts:login"))
    assert b"Sign in with" not in page.content
    assert client.get(START).status_code == 404


def test_login_page_offers_each_configured_provider(client, settings, sign_in_provider):
    settings.SIGN_IN_PROVIDERS = {
        **sign_in_provider.settings_for(),
        **sign_in_provider.settings_for(key="cis2", label="NHS Care Identity"),
    }
    page = client.get(reverse("accounts:login") + "?next=/pairs/")
    assert b'href="/accounts/sign-in/nhsmail/?next=/pairs/">Sign in with NHSmail' in page.content
    assert b"Sign in with NHS Care Identity" in page.content
    assert b'name="password"' in page.content  # the password form stays


def test_the_request_carries_state_nonce_and_an_s256_pkce_challenge(client, nhsmail):
    response = client.get(START)
    query = parse_qs(urlsplit(response["Location"]).query)
    assert response["Location"].startswith(nhsmail.issuer + "/oauth2/authorize?")
    assert query["client_id"] == [CLIENT_ID]
    assert query["response_type"] == ["code"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43
    assert len(query["state"][0]) >= 32 and len(query["nonce"][0]) >= 32
    assert query["redirect_uri"] == ["http://testserver/accounts/sign-in/callback/"]


def test_the_code_is_exchanged_with_the_verifier_behind_the_challenge(client, nhsmail):
    subject = nhsmail.person("pkce", email="pkce@nhs.net", email_verified=True)
    sent = {}
    real_get_token = ProviderSignInBackend.get_token

    def recording(backend, payload):
        sent.update(payload)
        return real_get_token(backend, payload)

    with mock.patch.object(ProviderSignInBackend, "get_token", recording):
        response, authorize_url = sign_in(client, nhsmail, subject)
    challenge = parse_qs(urlsplit(authorize_url).query)["code_challenge"][0]
    digest = hashlib.sha256(sent["code_verifier"].encode()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == challenge
    assert signed_in_user(client).email == "pkce@nhs.net"


def test_a_new_person_gets_an_account_with_the_address_confirmed(client, nhsmail):
    subject = nhsmail.person(
        "new-trainee",
        email="Amara.Okafor@NHS.net",
        email_verified=True,
        given_name="Amara",
        family_name="Okafor",
    )
    response, _ = sign_in(client, nhsmail, subject)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:profile")
    user = User.objects.get(email="amara.okafor@nhs.net")
    assert (user.first_name, user.last_name) == ("Amara", "Okafor")
    assert user.has_confirmed_email and not user.has_usable_password()
    identity = ProviderIdentity.objects.get(user=user)
    assert (identity.issuer, identity.subject, identity.provider) == (
        nhsmail.issuer,
        "new-trainee",
        "nhsmail",
    )
    assert signed_in_user(client) == user
    assert "Tell us your grade and trust" in " ".join(messages_of(response))
    assert AuditEvent.objects.filter(actor=user, action="sign-in-account-created").exists()


def test_an_imported_account_is_claimed_without_a_password_reset(client, nhsmail, organisation):
    imported = User.objects.create_user(
        email="imported.trainee@nhs.net", first_name="Imp", last_name="Orted"
    )
    assert imported.email_confirmed_at is None and not imported.has_usable_password()
    subject = nhsmail.person("imported", email="imported.trainee@nhs.net", email_verified=True)
    response, _ = sign_in(client, nhsmail, subject, next_url="/accounts/profile/")
    assert response["Location"] == "/accounts/profile/"
    imported.refresh_from_db()
    assert imported.has_confirmed_email
    assert User.objects.filter(email="imported.trainee@nhs.net").count() == 1
    assert ProviderIdentity.objects.get(subject="imported").user == imported
    assert signed_in_user(client) == imported
    assert AuditEvent.objects.filter(actor=imported, action="sign-in-account-linked").exists()


def test_a_returning_identity_reaches_its_account_after_an_address_change(client, nhsmail):
    subject = nhsmail.person("mover", email="mover@nhs.net", email_verified=True)
    sign_in(client, nhsmail, subject)
    user = User.objects.get(email="mover@nhs.net")
    client.post(reverse("accounts:logout"))
    nhsmail.person("mover", email="mover.new@nhs.net", email_verified=True)
    sign_in(client, nhsmail, subject)
    assert signed_in_user(client) == user
    assert User.objects.count() == 1


def test_an_unverified_address_does_not_link_an_existing_account(client, nhsmail):
    existing = UserFactory(email="victim@nhs.net")
    subject = nhsmail.person("attacker", email="victim@nhs.net", email_verified=False)
    response, _ = sign_in(client, nhsmail, subject)
    assert response["Location"] == reverse("accounts:login")
    assert "has not confirmed your email address" in " ".join(messages_of(response))
    assert not ProviderIdentity.objects.exists()
    assert not signed_in_user(client).is_authenticated
    assert User.objects.get() == existing


def test_a_disallowed_domain_is_refused_and_nothing_is_made(client, nhsmail):
    subject = nhsmail.person("gmail", email="someone@gmail.com", email_verified=True)
    response, _ = sign_in(client, nhsmail, subject)
    text = " ".join(messages_of(response))
    assert "addresses ending @nhs.net, and yours ends @gmail.com" in text
    assert "password below" in text
    assert not User.objects.exists() and not ProviderIdentity.objects.exists()


def test_a_token_for_another_service_is_refused(client, nhsmail):
    subject = nhsmail.person(
        "wrong-aud", email="aud@nhs.net", email_verified=True, aud="another-service"
    )
    response, _ = sign_in(client, nhsmail, subject)
    assert "answer could not be checked" in " ".join(messages_of(response))
    assert not User.objects.exists()
    assert not signed_in_user(client).is_authenticated


@pytest.mark.parametrize(
    ("expired_seconds_ago", "accepted"),
    [(30, True), (300, False)],
    ids=["within-the-clock-skew", "beyond-the-clock-skew"],
)
def test_an_expired_token_is_refused_beyond_the_clock_skew(
    client, nhsmail, settings, expired_seconds_ago, accepted
):
    assert settings.SIGN_IN_CLOCK_SKEW.total_seconds() == 60
    subject = nhsmail.person(
        f"late-{expired_seconds_ago}",
        email=f"late{expired_seconds_ago}@nhs.net",
        email_verified=True,
        exp=int(time.time()) - expired_seconds_ago,
    )
    response, _ = sign_in(client, nhsmail, subject)
    assert signed_in_user(client).is_authenticated is accepted
    assert User.objects.exists() is accepted
    if not accepted:
        assert "arrived too late" in " ".join(messages_of(response))


def test_a_replayed_state_is_refused(client, nhsmail):
    subject = nhsmail.person("replay", email="replay@nhs.net", email_verified=True)
    start = client.get(START)
    callback = path_of(nhsmail.authorize(start["Location"], subject))
    client.get(callback)
    client.post(reverse("accounts:logout"))
    replayed = client.get(callback)
    assert replayed["Location"] == reverse("accounts:login")
    assert "already been used or has expired" in " ".join(messages_of(replayed))
    assert not signed_in_user(client).is_authenticated
    # A stranger's browser, with no session of its own, gets the same answer.
    stranger = Client()
    assert stranger.get(callback)["Location"] == reverse("accounts:login")
    assert not signed_in_user(stranger).is_authenticated


def test_the_provider_saying_no_is_explained(client, nhsmail):
    start = client.get(START)
    state = parse_qs(urlsplit(start["Location"]).query)["state"][0]
    response = client.get(f"/accounts/sign-in/callback/?error=access_denied&state={state}")
    assert "NHSmail did not sign you in" in " ".join(messages_of(response))
    assert not signed_in_user(client).is_authenticated


def test_a_refusal_without_the_state_is_explained_too(client, nhsmail):
    start = client.get(START)
    denied = requests.post(
        start["Location"], data={"action": "deny"}, allow_redirects=False, timeout=5
    )
    response = client.get(path_of(denied.headers["Location"]))
    assert "the NHS sign-in page was closed or said no" in " ".join(messages_of(response))
    assert not signed_in_user(client).is_authenticated


def test_a_provider_that_does_not_answer_is_explained(client, settings, sign_in_provider):
    settings.SIGN_IN_PROVIDERS = sign_in_provider.settings_for(issuer="http://127.0.0.1:9")
    response = client.get(START)
    assert response["Location"] == reverse("accounts:login")
    assert "NHSmail is not answering just now" in " ".join(messages_of(response))


def test_an_erased_or_deactivated_account_cannot_sign_in(client, nhsmail):
    subject = nhsmail.person("leaver", email="leaver@nhs.net", email_verified=True)
    sign_in(client, nhsmail, subject)
    client.post(reverse("accounts:logout"))
    User.objects.filter(email="leaver@nhs.net").update(is_active=False)
    response, _ = sign_in(client, nhsmail, subject)
    assert "is closed" in " ".join(messages_of(response))
    assert not signed_in_user(client).is_authenticated


def test_refused_sign_ins_do_not_lock_out_the_hospitals_address(client, nhsmail):
    subject = nhsmail.person("outsider", email="x@gmail.com", email_verified=True)
    for _ in range(7):
        sign_in(client, nhsmail, subject)
    UserFactory(email="colleague@example.nhs.uk")
    response = client.post(
        reverse("accounts:login"),
        {"username": "colleague@example.nhs.uk", "password": "correct-horse-battery-staple"},
    )
    assert response.status_code in (200, 302) and b"locked" not in response.content.lower()
    good = nhsmail.person("insider", email="insider@nhs.net", email_verified=True)
    sign_in(client, nhsmail, good)
    assert signed_in_user(client).email == "insider@nhs.net"


class TestSecondStep:
    @pytest.fixture
    def staff(self, organiser, settings, nhsmail):
        settings.TWO_FACTOR_REQUIRED = True
        settings.SIGN_IN_PROVIDERS = nhsmail.settings_for(
            allowed_domains=["nhs.net", "example.nhs.uk"]
        )
        return organiser

    def test_the_providers_mfa_counts_as_the_second_step(self, client, nhsmail, staff):
        subject = nhsmail.person(
            "organiser-mfa", email=staff.email, email_verified=True, amr=["pwd", "mfa"]
        )
        sign_in(client, nhsmail, subject)
        page = client.get(reverse("accounts:my-mentoring"))
        assert page.status_code == 200 and page.wsgi_request.user == staff
        assert page.wsgi_request.user.is_verified()
        event = AuditEvent.objects.get(actor=staff, action="signed-in-with-provider")
        assert event.details == {"second_step": "amr mfa"}

    def test_an_acr_the_settings_name_counts_too(self, client, nhsmail, staff, settings):
        settings.SIGN_IN_PROVIDERS["nhsmail"]["mfa_acr"] = ["AAL3_ANY"]
        subject = nhsmail.person(
            "organiser-acr", email=staff.email, email_verified=True, acr="AAL3_ANY"
        )
        sign_in(client, nhsmail, subject)
        assert client.get(reverse("accounts:my-mentoring")).status_code == 200

    def test_without_mfa_the_local_two_step_still_applies(self, client, nhsmail, staff):
        subject = nhsmail.person(
            "organiser-pwd", email=staff.email, email_verified=True, amr=["pwd"]
        )
        sign_in(client, nhsmail, subject)
        page = client.get(reverse("accounts:my-mentoring"))
        assert page.status_code == 302
        assert page["Location"].startswith(reverse("accounts:two-step-setup"))

    def test_with_an_authenticator_paired_it_asks_for_a_code(self, client, nhsmail, staff):
        TOTPDevice.objects.create(user=staff, name="authenticator", confirmed=True)
        subject = nhsmail.person("organiser-app", email=staff.email, email_verified=True)
        sign_in(client, nhsmail, subject)
        page = client.get(reverse("accounts:my-mentoring"))
        assert page["Location"].startswith(reverse("accounts:two-step-verify"))

    def test_the_assertion_ends_with_the_session(self, client, nhsmail, staff):
        subject = nhsmail.person("organiser-out", email=staff.email, email_verified=True, amr="mfa")
        sign_in(client, nhsmail, subject)
        client.post(reverse("accounts:logout"))
        client.force_login(staff)
        page = client.get(reverse("accounts:my-mentoring"))
        assert page["Location"].startswith(reverse("accounts:two-step-setup"))


def test_signing_out_offers_the_providers_end_session(client, nhsmail):
    subject = nhsmail.person("leaving", email="leaving@nhs.net", email_verified=True)
    sign_in(client, nhsmail, subject)
    response = client.post(reverse("accounts:logout"))
    assert response["Location"] == reverse("accounts:signed-out")
    page = client.get(reverse("accounts:signed-out"))
    assert not page.wsgi_request.user.is_authenticated
    link = page.context["end_session"]["url"]
    query = parse_qs(urlsplit(link).query)
    assert link.startswith(nhsmail.issuer + "/oauth2/end_session?")
    assert query["post_logout_redirect_uri"] == ["http://testserver/"]
    assert query["client_id"] == [CLIENT_ID] and query["id_token_hint"]
    # Shown once: the page does not keep offering it.
    assert client.get(reverse("accounts:signed-out"))["Location"] == reverse("home")


def test_signing_out_after_a_password_sign_in_is_unchanged(client, nhsmail):
    client.force_login(UserFactory())
    assert client.post(reverse("accounts:logout"))["Location"] == reverse("home")


def test_a_token_signed_with_another_key_is_refused(client, nhsmail):
    from cryptography.hazmat.primitives.asymmetric import rsa

    subject = nhsmail.person("forged", email="forged@nhs.net", email_verified=True)
    stranger_key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    with mock.patch.object(
        ProviderSignInBackend, "retrieve_matching_jwk", return_value=stranger_key
    ):
        response, _ = sign_in(client, nhsmail, subject)
    assert "answer could not be checked" in " ".join(messages_of(response))
    assert not User.objects.exists()


def test_erasing_the_account_unlinks_the_nhs_identity(client, nhsmail):
    from accounts.personal_data import erase_person

    subject = nhsmail.person("eraser", email="eraser@nhs.net", email_verified=True)
    sign_in(client, nhsmail, subject)
    user = User.objects.get(email="eraser@nhs.net")
    erase_person(user=user)
    assert not ProviderIdentity.objects.exists()


def test_a_public_client_sends_no_empty_secret(settings, sign_in_provider):
    """With no secret configured (a public client relying on PKCE), the token request names
    the client and carries no `client_secret`, which a provider would read as a failed
    client_secret_post."""
    from accounts.oidc import providers

    settings.SIGN_IN_PROVIDERS = sign_in_provider.settings_for(client_secret="")
    backend = ProviderSignInBackend()
    backend.provider = providers()["nhsmail"]
    backend.OIDC_RP_CLIENT_SECRET = ""
    backend.OIDC_OP_TOKEN_ENDPOINT = sign_in_provider.issuer + "/oauth2/token"
    backend.provider_settings = {}
    with mock.patch("mozilla_django_oidc.auth.requests.post") as post:
        post.return_value.status_code = 200
        post.return_value.json.return_value = {"id_token": "t"}
        backend.get_token({"client_id": CLIENT_ID, "client_secret": "", "code": "c"})
    assert post.call_args.kwargs["data"] == {"client_id": CLIENT_ID, "code": "c"}


def test_a_password_chosen_before_the_address_was_proven_stops_working(client, nhsmail):
    """Someone signs up with a trainee's address (never confirming it), then the trainee signs
    in with NHSmail: the trainee gets the account, and the squatter's password no longer opens
    it."""
    squatter = User.objects.create_user(email="target@nhs.net", password="squatters-password-1")
    subject = nhsmail.person("target", email="target@nhs.net", email_verified=True)
    sign_in(client, nhsmail, subject)
    squatter.refresh_from_db()
    assert squatter.has_confirmed_email and not squatter.check_password("squatters-password-1")
    assert signed_in_user(client) == squatter


def test_a_confirmed_accounts_password_keeps_working_after_linking(client, nhsmail):
    owner = UserFactory(email="owner@nhs.net")
    subject = nhsmail.person("owner", email="owner@nhs.net", email_verified=True)
    sign_in(client, nhsmail, subject)
    owner.refresh_from_db()
    assert owner.has_usable_password()


def test_each_provider_signs_in_with_its_own_registration(client, settings, sign_in_provider):
    """NHSmail and a CIS2-style provider side by side, each with its own client id: a sign-in
    started with one is checked against that one's registration, and its identity is kept under
    that provider."""
    settings.SIGN_IN_PROVIDERS = {
        **sign_in_provider.settings_for(),
        **sign_in_provider.settings_for(
            key="cis2", label="NHS Care Identity", client_id="peer-mentoring-cis2"
        ),
    }
    subject = sign_in_provider.person("clinician", email="clinician@nhs.net", email_verified=True)
    start = client.get("/accounts/sign-in/cis2/")
    assert parse_qs(urlsplit(start["Location"]).query)["client_id"] == ["peer-mentoring-cis2"]
    client.get(path_of(sign_in_provider.authorize(start["Location"], subject)))
    assert signed_in_user(client).email == "clinician@nhs.net"
    assert ProviderIdentity.objects.get().provider == "cis2"


def test_a_code_issued_for_one_provider_is_not_accepted_as_the_other(
    client, settings, sign_in_provider
):
    """A sign-in started with NHSmail whose answer comes from a registration of the other
    provider (a token for another client id) is refused: the state binds the provider."""
    settings.SIGN_IN_PROVIDERS = {
        **sign_in_provider.settings_for(),
        **sign_in_provider.settings_for(
            key="cis2", label="NHS Care Identity", client_id="peer-mentoring-cis2"
        ),
    }
    subject = sign_in_provider.person("mixup", email="mixup@nhs.net", email_verified=True)
    nhsmail_start = client.get(START)
    state = parse_qs(urlsplit(nhsmail_start["Location"]).query)["state"][0]
    # The person is sent to the provider under the other registration, with our state.
    other = nhsmail_start["Location"].replace(
        f"client_id={CLIENT_ID}", "client_id=peer-mentoring-cis2"
    )
    callback = sign_in_provider.authorize(other, subject)
    assert f"state={state}" in callback
    response = client.get(path_of(callback))
    assert response["Location"] == reverse("accounts:login")
    assert not signed_in_user(client).is_authenticated
    assert not User.objects.exists()
