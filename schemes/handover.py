"""What the next organiser needs to know, and which schemes have nobody running them.

The handover page lists, for one scheme, what is open or coming up: its intake windows and
requests here, and sections other apps register (pairs needing attention, supervision, training
events), as header links are registered in accounts.navigation, so this app names none of the
apps above it. Every section shows metadata only — dates, counts and names of people — never
what a pair wrote, a referral's reason or a supervisor's notes (DESIGN.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from accounts.models import AuditEvent

from .models import Enrolment, OrganisationRole, Scheme, SchemeRole


@dataclass
class HandoverSection:
    """One heading of the handover page: `rows` are short lines of metadata; `empty` is said
    when there are none; `link` is (label, URL name) of the page that handles them."""

    title: str
    rows: list[str] = field(default_factory=list)
    empty: str = "Nothing."
    link: tuple[str, str] | None = None
    position: int = 100


_providers: list[Callable[[Scheme, datetime], HandoverSection | None]] = []


def register_section(provider):
    if provider not in _providers:
        _providers.append(provider)
    return provider


def sections_for(scheme: Scheme, now: datetime | None = None) -> list[HandoverSection]:
    now = now or timezone.now()
    sections = [section for provider in _providers if (section := provider(scheme, now))]
    return sorted(sections, key=lambda section: section.position)


@register_section
def intake_windows_section(scheme, now):
    today = timezone.localdate(now)
    windows = scheme.intake_windows.filter(closes_on__gte=today)
    rows = [
        f"{window.label}: {window.opens_on:%d %b %Y} to {window.closes_on:%d %b %Y}"
        + (" (open now)" if window.opens_on <= today else "")
        for window in windows
    ]
    empty = (
        "None planned: add the next rotations' windows from the settings page."
        if scheme.recruits_at_intake
        else "The scheme recruits all year, without intake windows."
    )
    return HandoverSection(
        "Open and coming intake windows", rows, empty, ("Settings", "schemes:edit"), position=10
    )


@register_section
def requests_section(scheme, now):
    """Counts only: who asked, and why anyone was referred, stay on their own pages."""
    current = Enrolment.objects.filter(scheme=scheme).current()
    requested = current.requested().count()
    referred = current.filter(source=Enrolment.Source.REFERRAL).count()
    rows = []
    if requested:
        rows.append(f"Requests waiting for an organiser to accept them: {requested}")
    if referred:
        rows.append(f"Trainees in the scheme through a confidential referral: {referred}")
    return HandoverSection(
        "Requests and referrals",
        rows,
        "No request is waiting and nobody is in the scheme through a referral.",
        ("Enrolments", "schemes:enrolments"),
        position=20,
    )


# --- Schemes nobody runs -----------------------------------------------------------------------


def schemes_without_organiser() -> QuerySet[Scheme]:
    """Schemes with no organiser whose account is active: the last one stepped down, was
    removed with their account, or had the account closed."""
    active_organiser = SchemeRole.objects.filter(
        scheme=OuterRef("pk"), role=SchemeRole.Role.ORGANISER, user__is_active=True
    )
    return (
        Scheme.objects.filter(~Exists(active_organiser))
        .select_related("organisation")
        .order_by("pk")
    )


def organiser_gap_key(scheme: Scheme, dme_id: int) -> str:
    """The notification key telling one DME that `scheme` has no organiser.

    The key names the latest organiser appointment (an append-only audit event), so the DME is
    told once each time the scheme loses its organisers: a daily sweep finds the same key and
    sends nothing, and once someone is appointed and later leaves, the key is new.
    """
    latest = (
        AuditEvent.objects.filter(
            action="role_granted",
            target=f"scheme:{scheme.pk}",
            details__role=SchemeRole.Role.ORGANISER,
        )
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return f"scheme_without_organiser:{scheme.pk}:{dme_id}:{latest or 0}"


def trust_dmes(scheme: Scheme) -> list[Any]:
    return [
        role.user
        for role in OrganisationRole.objects.filter(
            organisation=scheme.organisation_id, user__is_active=True
        ).select_related("user")
    ]
