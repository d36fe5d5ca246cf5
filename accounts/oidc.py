"""Sign in with an NHS identity: NHSmail (a Microsoft Entra ID tenant) or CIS2, over OpenID Connect.

Off unless settings.SIGN_IN_PROVIDERS names a provider (README: "Sign in with NHSmail"); the
password sign-in stays for everyone either way.

Built on mozilla-django-oidc rather than django-allauth: it plugs one authentication backend and
two views into Django's own sign-in, so this app's accounts, email confirmation, two-step sign-in,
lockouts and audit log stay as they are, where allauth would bring a second account system
(its own sign-up, addresses and templates) to switch off or reconcile. The library makes and
checks `state`, `nonce` and the PKCE verifier (one use each: the state is removed from the
session before the code is exchanged), exchanges the code and finds the provider's signing key.
What it leaves to us, and this module adds:

- Several providers. The library reads one provider from settings; here `get_settings` answers
  from the provider chosen for this sign-in, recorded in the session against its `state`, so an
  answer is only ever checked against the provider the person was sent to.
- Endpoints from the provider's discovery document (issuer checked), cached for an hour.
- The ID token's audience and issuer, which the library does not check, and its expiry and
  issue time within a bounded clock skew (settings.SIGN_IN_CLOCK_SKEW).
- Who the person is: an identity seen before (issuer and subject) is its account; otherwise a
  verified address on an allowed domain links the account with that address (an imported
  account is claimed, its address confirmed, with no password reset), or makes a new one.
- The provider's multi-factor assertion (`amr` or `acr`, configurable) as the second step of
  two-step sign-in: ProviderSecondStepMiddleware.
- Sign-out that offers the provider's end-session endpoint.
"""

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.views.decorators.http import require_GET
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import absolutify, import_from_settings
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from .audit import audit_record
from .models import ProviderIdentity, User
from .services import user_email_confirmed_by_provider

logger = logging.getLogger(__name__)

# Session keys: which provider each outstanding `state` was sent to; the provider, ID token and
# second step of this session's sign-in; the end-session address offered after sign-out.
STATE_PROVIDERS_KEY = "sign_in_state_providers"
SIGNED_IN_WITH_KEY = "signed_in_with"
SECOND_STEP_KEY = "sign_in_second_step"
END_SESSION_KEY = "sign_in_end_session"

METADATA_CACHE_SECONDS = 60 * 60
PROVIDER_TIMEOUT_SECONDS = 10
SIGNING_ALGORITHM = "RS256"


@dataclass(frozen=True)
class Provider:
    key: str
    label: str
    issuer: str
    client_id: str
    client_secret: str
    allowed_domains: tuple[str, ...]
    scopes: str = "openid email profile"
    email_claim: str = "email"
    # Empty: the provider vouches for every address on the allowed domains (an Entra tenant that
    # owns them sends no email_verified claim).
    email_verified_claim: str = "email_verified"
    mfa_amr: tuple[str, ...] = ("mfa",)
    mfa_acr: tuple[str, ...] = ()

    def second_step(self, claims: dict[str, Any]) -> str:
        """How the provider says it checked a second factor, or "" when it did not say so."""
        amr = claims.get("amr") or []
        if isinstance(amr, str):
            amr = [amr]
        for method in amr:
            if method in self.mfa_amr:
                return f"amr {method}"
        if claims.get("acr") and claims["acr"] in self.mfa_acr:
            return f"acr {claims['acr']}"
        return ""


def providers() -> dict[str, Provider]:
    """The configured providers, by key, in the order settings list them."""
    configured = {}
    for key, values in getattr(settings, "SIGN_IN_PROVIDERS", {}).items():
        values = dict(values)
        values["allowed_domains"] = tuple(d.lower().lstrip("@") for d in values["allowed_domains"])
        for field in ("mfa_amr", "mfa_acr"):
            if field in values:
                values[field] = tuple(values[field])
        configured[key] = Provider(key=key, **values)
    return configured


def provider_metadata(provider: Provider) -> dict[str, Any]:
    """The provider's discovery document, fetched once an hour; its issuer must be ours."""
    digest = salted_hmac("accounts.oidc.metadata", provider.issuer).hexdigest()[:16]
    cache_key = f"sign-in:metadata:{provider.key}:{digest}"
    metadata = cache.get(cache_key)
    if metadata is None:
        response = requests.get(
            provider.issuer.rstrip("/") + "/.well-known/openid-configuration",
            timeout=PROVIDER_TIMEOUT_SECONDS,
        )
        response.raise_for_status()
        metadata = response.json()
        if metadata.get("issuer") != provider.issuer:
            raise ImproperlyConfigured(
                f"The {provider.label} discovery document names issuer "
                f"{metadata.get('issuer')!r}, not {provider.issuer!r}: check "
                f"SIGN_IN_{provider.key.upper()}_ISSUER."
            )
        cache.set(cache_key, metadata, METADATA_CACHE_SECONDS)
    return metadata


class SignInRefused(SuspiciousOperation):
    """A sign-in the provider vouched for that this service does not accept, with what to tell
    the person."""

    def __init__(self, reason: str, user_message: str):
        super().__init__(reason)
        self.user_message = user_message


def _problem_checking(provider: Provider) -> str:
    return (
        f"{provider.label}'s answer could not be checked, so you are not signed in. Try again; "
        "if it keeps happening, log in with your email address and password below."
    )


def _library_settings(provider: Provider) -> dict[str, Any]:
    """What mozilla-django-oidc reads from settings, for this provider."""
    metadata = provider_metadata(provider)
    return {
        "OIDC_OP_AUTHORIZATION_ENDPOINT": metadata["authorization_endpoint"],
        "OIDC_OP_TOKEN_ENDPOINT": metadata["token_endpoint"],
        "OIDC_OP_USER_ENDPOINT": metadata.get("userinfo_endpoint"),
        "OIDC_OP_JWKS_ENDPOINT": metadata["jwks_uri"],
        "OIDC_RP_CLIENT_ID": provider.client_id,
        "OIDC_RP_CLIENT_SECRET": provider.client_secret,
        "OIDC_RP_SIGN_ALGO": SIGNING_ALGORITHM,
        "OIDC_RP_IDP_SIGN_KEY": None,
        "OIDC_RP_SCOPES": provider.scopes,
        "OIDC_USE_NONCE": True,
        "OIDC_USE_PKCE": True,
        "OIDC_PKCE_CODE_CHALLENGE_METHOD": "S256",
        "OIDC_AUTHENTICATION_CALLBACK_URL": "accounts:sign-in-callback",
        "OIDC_REDIRECT_FIELD_NAME": "next",
        "OIDC_TIMEOUT": PROVIDER_TIMEOUT_SECONDS,
        "OIDC_STORE_ID_TOKEN": False,
        "OIDC_CREATE_USER": True,
    }


class _ProviderSettings:
    """`get_settings` answered from the provider of this sign-in, then from Django's settings."""

    provider_settings: dict[str, Any] = {}

    def get_settings(self, attr, *args):
        if attr in self.provider_settings:
            return self.provider_settings[attr]
        return import_from_settings(attr, *args)


class ProviderSignInBackend(_ProviderSettings, OIDCAuthenticationBackend):
    """Authenticates the callback of a provider sign-in; declines every other authentication."""

    def __init__(self, *args, **kwargs):
        # Django makes a backend for every sign-in, password ones too: read no provider here.
        self.UserModel = get_user_model()

    def authenticate(self, request, **kwargs):
        provider = getattr(request, "sign_in_provider", None) if request else None
        if provider is None:
            return None
        self.provider = provider
        self.provider_settings = _library_settings(provider)
        for attr in (
            "OIDC_OP_TOKEN_ENDPOINT",
            "OIDC_OP_USER_ENDPOINT",
            "OIDC_OP_JWKS_ENDPOINT",
            "OIDC_RP_CLIENT_ID",
            "OIDC_RP_CLIENT_SECRET",
            "OIDC_RP_SIGN_ALGO",
            "OIDC_RP_IDP_SIGN_KEY",
        ):
            setattr(self, attr, self.provider_settings[attr])
        try:
            return super().authenticate(request, **kwargs)
        except SignInRefused as refused:
            request.sign_in_refused = refused
        except (SuspiciousOperation, requests.RequestException, ValueError, KeyError) as error:
            logger.warning(
                "sign-in with %s failed: %s: %s", provider.key, type(error).__name__, error
            )
            request.sign_in_refused = SignInRefused(str(error), _problem_checking(provider))
        return None

    def get_token(self, payload):
        if not self.OIDC_RP_CLIENT_SECRET:
            # A public client (PKCE, no secret) names itself and sends no empty secret, which a
            # provider would take as a failed attempt at client_secret_post.
            payload.pop("client_secret", None)
        return super().get_token(payload)

    def _verify_jws(self, payload, key):
        """The signature, and the claims the library leaves unchecked: audience, issuer, expiry
        and issue time (each within the clock skew), with `sub` present."""
        skew = settings.SIGN_IN_CLOCK_SKEW
        try:
            claims = jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.provider.client_id,
                issuer=self.provider.issuer,
                leeway=skew,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError as error:
            raise SignInRefused(
                f"ID token expired more than {skew} ago",
                f"{self.provider.label}'s answer arrived too late, so you are not signed in. "
                "Try again; if it keeps happening, log in with your email address and password "
                "below, and tell your scheme organiser.",
            ) from error
        except jwt.InvalidAudienceError as error:
            raise SignInRefused(
                "ID token issued to another service", _problem_checking(self.provider)
            ) from error
        except jwt.PyJWTError as error:
            raise SignInRefused(
                f"ID token rejected: {type(error).__name__}", _problem_checking(self.provider)
            ) from error
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.provider.client_id:
            raise SignInRefused(
                "ID token for several audiences, not authorised for us",
                _problem_checking(self.provider),
            )
        return claims

    def retrieve_matching_jwk(self, token):
        """The provider's key that signed `token`: by its key id, or, for a provider that names
        none, its only key for the algorithm."""
        response = requests.get(self.OIDC_OP_JWKS_ENDPOINT, timeout=PROVIDER_TIMEOUT_SECONDS)
        response.raise_for_status()
        header = jwt.get_unverified_header(token)
        keys = [
            jwk
            for jwk in response.json().get("keys", [])
            if jwk.get("alg", header.get("alg")) == header.get("alg")
            and jwk.get("use", "sig") == "sig"
        ]
        if "kid" in header:
            keys = [jwk for jwk in keys if jwk.get("kid") == header["kid"]]
        if len(keys) != 1:
            raise SuspiciousOperation("no single signing key matches the ID token")
        return jwt.PyJWK(keys[0])

    def get_userinfo(self, access_token, id_token, payload):
        """The signed ID token's claims. The userinfo endpoint only fills in a claim the token
        lacks (some providers send the address there alone), and must be about the same
        subject."""
        claims = dict(payload)
        wanted = {self.provider.email_claim, self.provider.email_verified_claim} - {""}
        if wanted - claims.keys() and self.OIDC_OP_USER_ENDPOINT:
            userinfo = super().get_userinfo(access_token, id_token, payload)
            if userinfo.get("sub") != claims["sub"]:
                raise SuspiciousOperation("userinfo is about another subject")
            for name, value in userinfo.items():
                claims.setdefault(name, value)
        return claims

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        try:
            user, outcome = account_for_identity(
                provider=self.provider, claims=claims, request=self.request
            )
        except SignInRefused as refused:
            # The library logs and swallows what this raises: keep what to tell the person.
            self.request.sign_in_refused = refused
            raise
        self.request.sign_in_claims = claims
        self.request.sign_in_id_token = id_token
        self.request.sign_in_outcome = outcome
        return user

    def user_can_authenticate(self, user):
        return super().user_can_authenticate(user) and not user.is_erased


def account_for_identity(
    *, provider: Provider, claims: dict[str, Any], request: HttpRequest | None = None
) -> tuple[User, str]:
    """The account this provider identity signs in to, linking or making one on first use, and
    which it was: "returning", "linked" or "created".

    Raises SignInRefused, with what to tell the person, when the identity may not sign in.
    """
    subject = str(claims.get("sub") or "")
    if not subject:
        raise SignInRefused("no subject", _problem_checking(provider))
    now = timezone.now()
    with transaction.atomic():
        identity = (
            ProviderIdentity.objects.select_for_update()
            .select_related("user")
            .filter(issuer=provider.issuer, subject=subject)
            .first()
        )
        if identity is not None:
            _check_open(identity.user, provider)
            identity.last_used_at = now
            identity.save(update_fields=["last_used_at"])
            return identity.user, "returning"
        email = User.objects.normalize_email(str(claims.get(provider.email_claim) or ""))
        domain = email.rpartition("@")[2]
        if not email or "@" not in email:
            raise SignInRefused(
                "no email claim",
                f"{provider.label} did not tell us your email address, so you are not signed in. "
                "Log in with your email address and password below.",
            )
        if domain not in provider.allowed_domains:
            allowed = " or ".join("@" + d for d in provider.allowed_domains)
            raise SignInRefused(
                f"domain {domain} not allowed",
                f"Signing in with {provider.label} is for addresses ending {allowed}, and yours "
                f"ends @{domain}. Log in with your email address and password below, or create "
                "an account.",
            )
        if provider.email_verified_claim and claims.get(provider.email_verified_claim) is not True:
            raise SignInRefused(
                "email not verified",
                f"{provider.label} has not confirmed your email address, so it cannot sign you "
                "in here. Log in with your email address and password below.",
            )
        user = User.objects.select_for_update().filter(email__iexact=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email,
                first_name=str(claims.get("given_name") or "")[:150],
                last_name=str(claims.get("family_name") or "")[:150],
            )
            outcome = "created"
        else:
            _check_open(user, provider)
            if user.provider_identities.filter(issuer=provider.issuer).exists():
                raise SignInRefused(
                    "account linked to another subject of this issuer",
                    f"Your account here is linked to a different {provider.label} identity. "
                    "Log in with your email address and password, or ask your scheme "
                    "organiser for help.",
                )
            if user.email_confirmed_at is None and user.has_usable_password():
                # Whoever chose this password never proved the address: someone may have signed
                # up with it first, hoping to share the account its owner is about to claim.
                user.set_unusable_password()
                user.save(update_fields=["password"])
            outcome = "linked"
        user_email_confirmed_by_provider(user=user)
        ProviderIdentity.objects.create(
            user=user, provider=provider.key, issuer=provider.issuer, subject=subject
        )
        audit_record(
            actor=user,
            action=f"sign-in-account-{outcome}",
            target=provider.label,
            details={},
            request=request,
        )
    return user, outcome


def _check_open(user: User, provider: Provider) -> None:
    if not user.is_active or user.is_erased:
        raise SignInRefused(
            "account closed",
            f"The account your {provider.label} identity belongs to is closed. Ask your scheme "
            "organiser if you think this is wrong.",
        )


def _provider_or_404(key: str) -> Provider:
    provider = providers().get(key)
    if provider is None:
        raise Http404("No such sign-in provider.")
    return provider


class SignInStartView(_ProviderSettings, OIDCAuthenticationRequestView):
    """Send the person to the provider with a fresh state, nonce and PKCE challenge."""

    def __init__(self, **kwargs):
        # The library reads its provider here; ours is known only once the URL is resolved.
        super(OIDCAuthenticationRequestView, self).__init__(**kwargs)

    def get(self, request, provider):
        chosen = _provider_or_404(provider)
        try:
            self.provider_settings = _library_settings(chosen)
        except (requests.RequestException, ValueError, KeyError) as error:
            logger.warning("%s discovery failed: %s", chosen.key, type(error).__name__)
            messages.error(
                request,
                f"{chosen.label} is not answering just now. Try again in a few minutes, or log "
                "in with your email address and password below.",
            )
            return redirect("accounts:login")
        self.OIDC_OP_AUTH_ENDPOINT = self.provider_settings["OIDC_OP_AUTHORIZATION_ENDPOINT"]
        self.OIDC_RP_CLIENT_ID = chosen.client_id
        response = super().get(request)
        # The library has just added this sign-in's state: remember which provider it went to.
        state = _query_value(response["Location"], "state")
        sent_to = request.session.get(STATE_PROVIDERS_KEY, {})
        sent_to = {s: k for s, k in sent_to.items() if s in request.session.get("oidc_states", {})}
        sent_to[state] = chosen.key
        request.session[STATE_PROVIDERS_KEY] = sent_to
        return response

    def get_extra_params(self, request):
        return {"prompt": "select_account"} if request.GET.get("switch") else {}


def _query_value(url: str, name: str) -> str:
    return parse_qs(urlsplit(url).query)[name][0]


class SignInCallbackView(_ProviderSettings, OIDCAuthenticationCallbackView):
    """Where the provider sends the person back: check the state, then sign them in."""

    def get(self, request):
        state = request.GET.get("state", "")
        key = request.session.get(STATE_PROVIDERS_KEY, {}).pop(state, None)
        request.session.modified = True
        provider = providers().get(key) if key else None
        if provider is None and request.GET.get("error"):
            # A provider that refuses may leave out the state, so which one it was is unknown.
            messages.error(
                request,
                "You are not signed in: the NHS sign-in page was closed or said no. Try again, "
                "or log in with your email address and password below.",
            )
            return redirect("accounts:login")
        if provider is None:
            # A state we did not send, or sent and already used: a replayed or stale link.
            messages.error(
                request,
                "That sign-in link has already been used or has expired, so you are not signed "
                "in. Start again below.",
            )
            return redirect("accounts:login")
        request.sign_in_provider = provider
        self.provider = provider
        self.provider_settings = {
            "LOGIN_REDIRECT_URL": settings.LOGIN_REDIRECT_URL,
            "LOGIN_REDIRECT_URL_FAILURE": resolve_url(settings.LOGIN_URL),
        }
        if request.GET.get("error"):
            logger.info("%s answered %s", provider.key, request.GET.get("error"))
            request.sign_in_refused = SignInRefused(
                request.GET["error"],
                f"{provider.label} did not sign you in. Try again, or log in with your email "
                "address and password below.",
            )
        try:
            return super().get(request)
        except SuspiciousOperation:
            messages.error(request, _problem_checking(provider))
            return redirect("accounts:login")

    def login_failure(self):
        refused = getattr(self.request, "sign_in_refused", None)
        provider = self.provider
        messages.error(
            self.request, refused.user_message if refused else _problem_checking(provider)
        )
        return super().login_failure()

    def login_success(self):
        response = super().login_success()
        request = self.request
        claims = getattr(request, "sign_in_claims", {})
        request.session[SIGNED_IN_WITH_KEY] = {
            "provider": self.provider.key,
            "id_token": getattr(request, "sign_in_id_token", ""),
        }
        second_step = self.provider.second_step(claims)
        if second_step:
            request.session[SECOND_STEP_KEY] = {
                "user": self.user.pk,
                "provider": self.provider.key,
                "method": second_step,
            }
        audit_record(
            actor=self.user,
            action="signed-in-with-provider",
            target=self.provider.label,
            details={"second_step": second_step or "none"},
            request=request,
        )
        if getattr(request, "sign_in_outcome", "") == "created":
            messages.info(
                request,
                f"Welcome. You are signed in with {self.provider.label}. Tell us your grade and "
                "trust, so the schemes you join know where you train.",
            )
            return redirect("accounts:profile")
        return response


@dataclass(frozen=True)
class ProviderSecondStep:
    """Stands where django-otp puts the device that verified a user, for a session whose
    provider asserted its own second factor. Nothing is stored: the session is the record."""

    provider: str
    method: str
    persistent_id = None
    name = "your NHS sign-in"


class ProviderSecondStepMiddleware:
    """Count the provider's multi-factor assertion as this session's second step.

    After django-otp's OTPMiddleware, which leaves `user.otp_device` None until a code is
    typed; before TwoFactorMiddleware, which asks for one while it is None. The assertion is
    bound to the user it was made for, and ends with the session (sign-out flushes it).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        asserted = request.session.get(SECOND_STEP_KEY)
        if asserted:
            user = request.user
            if user.is_authenticated and user.pk == asserted["user"] and not user.is_verified():
                user.otp_device = ProviderSecondStep(asserted["provider"], asserted["method"])
        return self.get_response(request)


def axes_ignores(request, credentials) -> bool:
    """django-axes counts wrong passwords. A failed provider callback is no guess at one (the
    state, nonce and signature stop forgeries), and counting it would lock out everyone behind a
    hospital's one address after a few refused sign-ins."""
    match = getattr(request, "resolver_match", None)
    return bool(match and match.view_name == "accounts:sign-in-callback")


class LogoutView(auth_views.LogoutView):
    """Sign out here; after a provider sign-in, offer to sign out of the provider too."""

    def post(self, request, *args, **kwargs):
        signed_in_with = request.session.get(SIGNED_IN_WITH_KEY)
        response = super().post(request, *args, **kwargs)
        end_session = _end_session_url(request, signed_in_with)
        if end_session:
            request.session[END_SESSION_KEY] = end_session
            return redirect("accounts:signed-out")
        return response


def _end_session_url(request, signed_in_with) -> dict[str, str] | None:
    provider = providers().get((signed_in_with or {}).get("provider", ""))
    if provider is None:
        return None
    try:
        endpoint = provider_metadata(provider).get("end_session_endpoint")
    except (requests.RequestException, ValueError, ImproperlyConfigured):
        return None
    if not endpoint:
        return None
    query = {
        "client_id": provider.client_id,
        "post_logout_redirect_uri": absolutify(request, reverse("home")),
    }
    if signed_in_with.get("id_token"):
        query["id_token_hint"] = signed_in_with["id_token"]
    return {"label": provider.label, "url": f"{endpoint}?{urlencode(query)}"}


@require_GET
def signed_out(request) -> HttpResponse:
    end_session = request.session.pop(END_SESSION_KEY, None)
    if end_session is None:
        return redirect("home")
    return render(request, "accounts/signed_out.html", {"end_session": end_session})
