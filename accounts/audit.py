"""Recording sensitive actions in the append-only audit log."""

from .models import AuditEvent


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
