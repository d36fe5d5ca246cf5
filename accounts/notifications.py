"""How each kind of notification becomes an email.

A kind registers a function that turns the stored context (ids, never rendered content) into the
template context, so a message is rendered fresh when it is sent and a retry renders the same thing.
Templates live in `templates/emails/<kind>_subject.txt`, `_body.txt` and `_body.html`.
"""

from django.conf import settings
from django.urls import reverse
from django.utils.http import urlencode

from .tokens import TWO_STEP_SETUP_MAX_AGE, email_confirmation_token, two_step_setup_token

_context_builders = {}


def register(kind):
    def decorator(function):
        _context_builders[kind] = function
        return function

    return decorator


def build_context(notification):
    try:
        builder = _context_builders[notification.kind]
    except KeyError as error:
        raise LookupError(
            f"No email is registered for notification kind {notification.kind!r}."
        ) from error
    context = {"recipient": notification.recipient, "site_url": settings.SITE_URL}
    context.update(builder(notification))
    return context


@register("email_confirmation")
def email_confirmation_context(notification):
    token = email_confirmation_token(notification.recipient)
    path = reverse("accounts:confirm-email", kwargs={"token": token})
    return {
        "confirm_url": f"{settings.SITE_URL}{path}",
        "valid_days": settings.EMAIL_CONFIRMATION_MAX_AGE.days,
    }


@register("sign_up_existing_account")
def sign_up_existing_account_context(notification):
    return {
        "login_url": f"{settings.SITE_URL}{reverse('accounts:login')}",
        "reset_url": f"{settings.SITE_URL}{reverse('accounts:password-reset')}",
    }


@register("two_step_setup_link")
def two_step_setup_link_context(notification):
    token = two_step_setup_token(notification.recipient, notification.context["nonce"])
    path = reverse("accounts:two-step-setup-link")
    return {
        "setup_url": f"{settings.SITE_URL}{path}?{urlencode({'token': token})}",
        "valid_minutes": int(TWO_STEP_SETUP_MAX_AGE.total_seconds() // 60),
    }
