"""Signed, expiring links: email confirmation, and the first set-up of two-step sign-in."""

from datetime import timedelta

from django.conf import settings
from django.core import signing

EMAIL_CONFIRMATION_SALT = "accounts.email-confirmation"
TWO_STEP_SETUP_SALT = "accounts.two-step-setup"
TWO_STEP_SETUP_MAX_AGE = timedelta(minutes=30)


class InvalidToken(Exception):
    """The link is damaged, expired, or was made for another address."""


def email_confirmation_token(user):
    # The address is signed too, so a link stops working if the user changes their email.
    return signing.dumps({"user": user.pk, "email": user.email}, salt=EMAIL_CONFIRMATION_SALT)


def email_confirmation_payload(token):
    return _payload(
        token, salt=EMAIL_CONFIRMATION_SALT, max_age=settings.EMAIL_CONFIRMATION_MAX_AGE
    )


def two_step_setup_token(user, nonce):
    """A link to pair a first authenticator. `nonce` is also kept in the session that asked for
    it, so the link works once, and only in that sign-in (accounts.two_factor)."""
    return signing.dumps({"user": user.pk, "nonce": nonce}, salt=TWO_STEP_SETUP_SALT)


def two_step_setup_payload(token):
    return _payload(token, salt=TWO_STEP_SETUP_SALT, max_age=TWO_STEP_SETUP_MAX_AGE)


def _payload(token, *, salt, max_age):
    try:
        return signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired as error:
        raise InvalidToken("expired") from error
    except signing.BadSignature as error:
        raise InvalidToken("invalid") from error
