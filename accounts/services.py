"""Use cases that write: sign-up, email confirmation, profile changes and outgoing notifications."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from .models import Notification, User
from .notifications import build_context
from .queue import enqueue, enqueue_signature
from .staged_import import chunks
from .tokens import InvalidToken, email_confirmation_payload

# The one list of emails people may turn off (Email settings page). Every other kind is essential
# and always sent: email confirmation, password reset, introductions, referrals and the like.
OPTIONAL_EMAIL_KINDS = {
    "meeting_invitation": "Calendar invitations when a meeting is planned, moved or cancelled",
    "meeting_reminder": "A reminder the day before a planned meeting",
    "meeting_log_prompt": "A prompt to log a meeting the day after it was planned",
    "meeting_logged": "A note when your mentoring partner logs a meeting for you to confirm",
    "pair_nudge": "A nudge when your pair has not logged a meeting for a while",
    "organiser_digest": "The weekly digest for scheme organisers",
    "survey_invitation": "Invitations to answer a short survey about your mentoring",
    "survey_reminder": "The one reminder a week later if you have not answered a survey",
    "supervision_reminder": "A reminder the day before a supervision session",
    "scheme_message": "Messages from your scheme's organisers to a group (news, events, reminders)",
    "scheme_invitation": "Invitations to join a mentoring scheme your trust runs",
}


def email_is_optional(kind: str) -> bool:
    return kind in OPTIONAL_EMAIL_KINDS


logger = logging.getLogger(__name__)

# Longer than a task's hard time limit, so a live worker never loses its claim.
CLAIM_LEASE = timedelta(minutes=10)


def notification_queue(
    *, key: str, kind: str, recipient: User, context: dict[str, Any] | None = None
) -> Notification | None:
    """Record a message under its unique key and send it once the transaction commits.

    Returns the notification, or None when a message with this key already exists (already
    queued or sent), or when the recipient turned this kind of email off: asking twice never
    sends twice.
    """
    from .tasks import notification_send_task  # tasks import services; import here to avoid a cycle

    if email_is_optional(kind) and kind in (recipient.email_opt_outs or []):
        return None
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                key=key, kind=kind, recipient=recipient, context=context or {}
            )
    except IntegrityError:
        return None
    transaction.on_commit(lambda: enqueue(notification_send_task, notification.pk))
    return notification


def notification_send(*, notification_id: int) -> bool:
    """Send one notification if nobody has sent it yet. Returns True if this call sent it.

    1. Claim the row with a conditional update, so two workers never both send it. A claim is a
       lease: if the worker holding it dies, the sweep finds the lease expired and sends again.
    2. Render and send. On a mail error, release the claim and re-raise so the task retries.
    3. Mark it sent. (A worker killed between 2 and 3 is the one case that can repeat a message.)
    """
    now = timezone.now()
    claimed = (
        Notification.objects.filter(pk=notification_id, sent_at=None)
        .filter(Q(claimed_at=None) | Q(claimed_at__lt=now - CLAIM_LEASE))
        .update(claimed_at=now, attempts=F("attempts") + 1)
    )
    if claimed != 1:
        return False
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    try:
        _email_notification(notification)
    except Exception as error:
        Notification.objects.filter(pk=notification_id).update(
            claimed_at=None, last_error=str(error)[:500]
        )
        raise
    Notification.objects.filter(pk=notification_id).update(sent_at=timezone.now())
    # Ids only: the log carries no address or content. The request id ties it to the request.
    logger.info("Sent notification %s (%s)", notification_id, notification.kind)
    return True


def notifications_queue_many(notifications: list[Notification]) -> int:
    """Record many messages at once and send them, in chunks, once the transaction commits.

    Keys recorded already are skipped, so asking twice sends nothing twice; returns how many
    were new. Call it inside the caller's transaction: two callers racing for one key make the
    second transaction fail with IntegrityError, and then nothing of it is saved.
    """
    keys = [notification.key for notification in notifications]
    recorded: set[str] = set()
    for chunk in chunks(keys):
        recorded.update(Notification.objects.filter(key__in=chunk).values_list("key", flat=True))
    new = [notification for notification in notifications if notification.key not in recorded]
    Notification.objects.bulk_create(new, batch_size=1000)
    if any(notification.pk is None for notification in new):  # a backend that returns no ids
        new_keys = [notification.key for notification in new]
        ids = [
            pk
            for chunk in chunks(new_keys)
            for pk in Notification.objects.filter(key__in=chunk).values_list("pk", flat=True)
        ]
    else:
        ids = [notification.pk for notification in new]
    transaction.on_commit(partial(notifications_send_in_chunks, ids), robust=True)
    return len(new)


# Emails per Celery task message when many are sent at once.
EMAIL_CHUNK = 50


def notifications_send_in_chunks(notification_ids: list[int]) -> None:
    """Hand many emails to Celery in chunks: each chunk task sends its emails one after another.

    Publishing one task message per email took 3 to 6 s of the organiser's request for 10,000
    trainees; chunks take a fraction of a second (bench/cohort_import.py). The price: a mail
    error stops the rest of its chunk instead of retrying that one email. Nothing is lost: the
    unsent notifications are re-enqueued one by one, with retries, by the unsent-notifications
    sweep after its grace period.
    """
    from .tasks import notification_send_task  # tasks import services; import here to avoid a cycle

    if notification_ids:
        enqueue_signature(
            notification_send_task.chunks(
                ((notification_id,) for notification_id in notification_ids), EMAIL_CHUNK
            )
        )


def _email_notification(notification) -> None:
    context = build_context(notification)
    prefix = f"emails/{notification.kind}"
    subject = " ".join(render_to_string(f"{prefix}_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{prefix}_body.txt", context),
        to=[context.get("to") or notification.recipient.email],
    )
    message.attach_alternative(render_to_string(f"{prefix}_body.html", context), "text/html")
    # A kind may attach files, e.g. a calendar invitation: (file name, content, MIME type).
    for filename, content, mimetype in context.get("attachments", ()):
        message.attach(filename, content, mimetype)
    message.send()


def user_sign_up(
    *, email: str, password: str, first_name: str, last_name: str, **profile: Any
) -> User | None:
    """Create an unconfirmed account and send the confirmation link; returns the new user.

    For an address that already has an account nothing is created or changed: its owner is told
    someone tried (`sign_up_existing_account_notify`) and None is returned, and the caller answers
    exactly as for a new address, so sign-up does not reveal who has an account.
    """
    existing = User.objects.filter(email__iexact=User.objects.normalize_email(email)).first()
    if existing is not None:
        make_password(password)  # the same work as a new account, so timing tells nothing
        sign_up_existing_account_notify(user=existing)
        return None
    with transaction.atomic():
        user = User.objects.create_user(
            email=email,
            password=password,
            first_name=first_name,
            last_name=last_name,
            **profile,
        )
        email_confirmation_send(user=user)
    return user


def sign_up_existing_account_notify(*, user: User) -> Notification | None:
    """Tell an account's owner someone tried to sign up with their address: at most once an
    hour, so repeated attempts cannot flood them."""
    hour = timezone.now().strftime("%Y%m%d%H")
    return notification_queue(
        key=f"sign_up_existing_account:user:{user.pk}:{hour}",
        kind="sign_up_existing_account",
        recipient=user,
    )


def two_step_setup_link_send(*, user: User, nonce: str) -> Notification | None:
    """Email the link that opens the first pairing of an authenticator (accounts.two_factor)."""
    return notification_queue(
        key=f"two_step_setup_link:user:{user.pk}:{nonce}",
        kind="two_step_setup_link",
        recipient=user,
        context={"nonce": nonce},
    )


# Apps above accounts act when an address is proven (schemes links the trust's placements to
# the account): each registers `hook(user=...)` in its AppConfig.ready(), so accounts imports none.
EmailConfirmedHook = Callable[..., None]
_email_confirmed_hooks: list[EmailConfirmedHook] = []


def register_email_confirmed_hook(hook: EmailConfirmedHook) -> EmailConfirmedHook:
    """`hook(user=...)` runs once when an account's address is first confirmed."""
    if hook not in _email_confirmed_hooks:
        _email_confirmed_hooks.append(hook)
    return hook


def _email_confirmed(user: User) -> None:
    for hook in _email_confirmed_hooks:
        hook(user=user)


def email_confirmation_send(*, user: User) -> Notification | None:
    """Queue a confirmation email. One per user per minute, so a double click sends one."""
    minute = timezone.now().strftime("%Y%m%d%H%M")
    return notification_queue(
        key=f"email_confirmation:user:{user.pk}:{minute}",
        kind="email_confirmation",
        recipient=user,
    )


def email_confirm(*, token: str) -> User:
    """Mark the address in the token as confirmed and return its user.

    Raises InvalidToken when the link is damaged, expired, or the address has since changed.
    Confirming twice is harmless.
    """
    payload = email_confirmation_payload(token)
    user = User.objects.filter(pk=payload.get("user"), email=payload.get("email")).first()
    if user is None:
        raise InvalidToken("invalid")
    if user.email_confirmed_at is None:
        with transaction.atomic():
            confirmed = User.objects.filter(pk=user.pk, email_confirmed_at=None).update(
                email_confirmed_at=timezone.now()
            )
            if confirmed:
                _email_confirmed(user)
        user.refresh_from_db(fields=["email_confirmed_at"])
    return user


def user_email_confirmed_by_password_reset(*, user: User) -> None:
    """A completed password reset proves the address, so it also confirms it."""
    _email_confirm_once(user)


def user_email_confirmed_by_provider(*, user: User) -> None:
    """An NHS sign-in provider vouched for the address (accounts.oidc): that confirms it, so an
    imported account is claimed without a confirmation email or a password reset."""
    _email_confirm_once(user)


def _email_confirm_once(user: User) -> None:
    if user.email_confirmed_at is None:
        with transaction.atomic():
            confirmed = User.objects.filter(pk=user.pk, email_confirmed_at=None).update(
                email_confirmed_at=timezone.now()
            )
            if confirmed:
                _email_confirmed(user)
        user.refresh_from_db(fields=["email_confirmed_at"])
