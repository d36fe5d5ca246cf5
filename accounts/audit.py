"""Recording sensitive actions in the append-only audit log."""

from django.utils.crypto import salted_hmac

from .models import AuditEvent, User

# Longest text a sign-in form lets through to the log (an email address's longest legal length).
TYPED_ADDRESS_LIMIT = 254


def audit_record(*, actor, action, target="", details=None, request=None):
    """Write one audit event. `details` holds ids, filters and counts — never content."""
    address = None
    if request is not None:
        address = request.META.get("REMOTE_ADDR") or None
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_email=getattr(actor, "email", "") or "",
        action=action,
        target=str(target)[:200],
        details=details or {},
        ip_address=address,
    )


def typed_address_for_audit(typed):
    """What the audit log keeps of an address typed at sign-in.

    The address, if it is an account's; otherwise a keyed hash, so repeated guesses at one unknown
    address can be counted while what a stranger typed (anything, any length) is never stored in a
    log nobody can delete from.
    """
    typed = str(typed or "").strip().lower()[:TYPED_ADDRESS_LIMIT]
    if typed and User.objects.filter(email__iexact=typed).exists():
        return typed
    digest = salted_hmac("accounts.audit.unknown-address", typed, algorithm="sha256").hexdigest()
    return f"unknown address {digest[:16]}"
