"""accounts' own models in the personal-data registry (see personal_data.py)."""

from django.contrib.admin.models import LogEntry
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import AuditEvent, Notification, ProviderIdentity, User, UserSession
from .personal_data import exclude, register
from .services import OPTIONAL_EMAIL_KINDS


def _keep(rows, user):
    """Kept on erasure: the audit trail is retained for information governance."""


register(
    User,
    user_fields=("pk",),
    fields=(
        "email",
        "first_name",
        "last_name",
        "grade",
        "specialty",
        "organisation__name",
        "site",
        "gender",
        "training_started_on",
        "date_joined",
        "last_login",
        "email_confirmed_at",
        "email_opt_outs",
    ),
    label="Your account and profile",
    columns={"email_opt_outs": "Emails you turned off"},
    value_labels={"email_opt_outs": OPTIONAL_EMAIL_KINDS},
)
register(
    Notification,
    user_fields=("recipient",),
    fields=("kind", "created_at", "sent_at"),
    label="Emails we sent you",
    columns={"kind": "Email", "created_at": "Written", "sent_at": "Sent"},
)
register(
    AuditEvent,
    user_fields=("actor",),
    fields=("action", "target", "created_at", "ip_address"),
    erase=_keep,
    label="Sensitive actions you took (audit log)",
)
register(
    ProviderIdentity,
    user_fields=("user",),
    fields=("provider", "linked_at", "last_used_at"),
    label="NHS sign-ins linked to your account",
    columns={"provider": "Signs in with", "linked_at": "Linked", "last_used_at": "Last used"},
)
register(TOTPDevice, user_fields=("user",), fields=())
register(StaticDevice, user_fields=("user",), fields=())
exclude(UserSession, reason="Session bookkeeping; every session ends when the account is erased.")
exclude(LogEntry, reason="The Django admin's own change history of staff actions.")
