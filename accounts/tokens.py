"""Signed, expiring links for email confirmation."""

from django.conf import settings
from django.core import signing

EMAIL_CONFIRMATION_SALT = "accounts.email-confirmation"


class InvalidToken(Exception):
    """The link is damaged, expired, or was made for another address."""


def email_confirmation_token(user):
    # The address is signed too, so a link stops working if the user changes their email.
    return signing.dumps({"user": user.pk, "email": user.email}, salt=EMAIL_CONFIRMATION_SALT)


def email_confirmation_payload(token):
    try:
        return signing.loads(
            token,
            salt=EMAIL_CONFIRMATION_SALT,
            max_age=settings.EMAIL_CONFIRMATION_MAX_AGE,
        )
    except signing.SignatureExpired as error:
        raise InvalidToken("expired") from error
    except signing.BadSignature as error:
        raise InvalidToken("invalid") from error
