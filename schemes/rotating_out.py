"""Trainees rotating out of a trust: who is warned, and whose enrolments end (DESIGN.md, "Life
cycle"). Reads only; the writes are schemes.services.placements_ending_sweep.

A placement on a trust's trainee list ends on `ends_on`. The daily sweep:

1. Warns NOTICE ahead, once per placement and end date: the person, each partner of their current
   pairs in the trust's schemes, and those schemes' organisers. A changed end date warns again;
   the same date never twice (the notification key names both).
2. From the day after `ends_on`, ends the person's enrolments counted at that trust
   (EndCause.ROTATED_OUT, through services.enrolment_withdraw), except in schemes whose pairs
   continue across trusts: there the warning is all that happens.

Nothing happens to someone who stays on the trust's list (another placement there goes on after
this one ends), nor to anyone without an active account linked to the placement: people with no
placement, no account or an erased one are never touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from .lifecycle import CurrentPair, current_pairs_of
from .models import Enrolment, Placement, Scheme, SchemeRole

if TYPE_CHECKING:
    from accounts.models import User

# How long before a placement ends the people concerned are told.
NOTICE = timedelta(days=28)
# How long after a placement ended a sweep still acts on it, should the daily sweep have missed
# some days; older endings were acted on by earlier sweeps.
CATCH_UP = timedelta(days=28)


def counted_at(organisation_id: int) -> Q:
    """Enrolments that count at a trust: those naming it, and those of its own schemes that name
    no other trust."""
    return Q(organisation_id=organisation_id) | Q(
        organisation=None, scheme__organisation_id=organisation_id
    )


def placements_ending_soon(today: date) -> QuerySet[Placement]:
    return (
        Placement.objects.filter(user__is_active=True)
        .filter(ends_on__gte=today, ends_on__lte=today + NOTICE)
        .select_related("user", "organisation")
        .order_by("pk")
    )


def placements_just_ended(today: date) -> QuerySet[Placement]:
    return (
        Placement.objects.filter(user__is_active=True)
        .filter(ends_on__lt=today, ends_on__gte=today - CATCH_UP)
        .select_related("user", "organisation")
        .order_by("pk")
    )


def continues_at_trust(placement: Placement) -> bool:
    """Whether the person is still on the trust's list after this placement: another placement
    there (by GMC number or account) has not ended by the day after this one ends."""
    assert placement.ends_on is not None
    return (
        Placement.objects.filter(organisation_id=placement.organisation_id)
        .filter(Q(gmc_number=placement.gmc_number) | Q(user_id=placement.user_id))
        .exclude(pk=placement.pk)
        .not_ended_by(placement.ends_on + timedelta(days=1))
        .exists()
    )


def enrolments_at_trust(placement: Placement) -> QuerySet[Enrolment]:
    """The person's current enrolments that count at the placement's trust."""
    return (
        Enrolment.objects.current()
        .filter(user_id=placement.user_id)
        .filter(counted_at(placement.organisation_id))
        .select_related("scheme")
        .order_by("scheme__name", "pk")
    )


def enrolments_ending_with(placement: Placement) -> QuerySet[Enrolment]:
    """What a placement that has ended ends: enrolments made while it lasted, in schemes whose
    pairs do not continue across trusts. One made after it ended is a new start, not touched."""
    assert placement.ends_on is not None
    return enrolments_at_trust(placement).filter(
        scheme__pairs_continue_across_trusts=False,
        created_at__date__lte=placement.ends_on,
    )


def _organisers(scheme_ids: set[int]) -> dict[int, list[User]]:
    found: dict[int, list[User]] = {}
    roles = SchemeRole.objects.filter(
        scheme_id__in=scheme_ids, role=SchemeRole.Role.ORGANISER, user__is_active=True
    ).select_related("user")
    for role in roles.order_by("user__last_name", "user__first_name", "pk"):
        found.setdefault(role.scheme_id, []).append(role.user)
    return found


def warning_recipients(placement: Placement) -> list[User]:
    """Who is told that the placement ends: the person if enrolled at the trust, the partners of
    their current pairs there, and the organisers of those schemes. Nobody if not enrolled."""
    enrolments = list(enrolments_at_trust(placement))
    if not enrolments:
        return []
    people: dict[int, User] = {placement.user_id: placement.user}  # type: ignore[dict-item]
    for pair in current_pairs_of(enrolments=enrolments):
        people.setdefault(pair.mentee.pk, pair.mentee)
        people.setdefault(pair.mentor.pk, pair.mentor)
    for organisers in _organisers({enrolment.scheme_id for enrolment in enrolments}).values():
        for organiser in organisers:
            people.setdefault(organiser.pk, organiser)
    return [person for _, person in sorted(people.items()) if person.is_active]


def warning_key(placement: Placement, recipient_id: int) -> str:
    return f"placement_ending:placement:{placement.pk}:{placement.ends_on}:user:{recipient_id}"


@dataclass
class SchemeOutlook:
    """What one scheme does when the placement ends, as one recipient may see it: the pairs
    (names only) they are in or organise, and whether those continue."""

    scheme: Scheme
    continues: bool
    person_roles: list[str] = field(default_factory=list)
    pairs: list[CurrentPair] = field(default_factory=list)


def outlook_for(placement: Placement, recipient: User) -> list[SchemeOutlook]:
    """Per scheme of the trust the person is enrolled in, what `recipient` is told: the person
    sees all of them; an organiser the schemes they run; a partner their own pair."""
    enrolments = list(enrolments_at_trust(placement))
    pairs = current_pairs_of(enrolments=enrolments)
    organisers = _organisers({enrolment.scheme_id for enrolment in enrolments})
    is_person = recipient.pk == placement.user_id
    outlooks: dict[int, SchemeOutlook] = {}
    for enrolment in enrolments:
        scheme = enrolment.scheme
        organises = recipient in organisers.get(scheme.pk, [])
        own_pairs = [pair for pair in pairs if pair.scheme_id == scheme.pk]
        if not (is_person or organises):
            own_pairs = [pair for pair in own_pairs if recipient in (pair.mentee, pair.mentor)]
            if not own_pairs:
                continue
        outlook = outlooks.setdefault(
            scheme.pk, SchemeOutlook(scheme=scheme, continues=scheme.pairs_continue_across_trusts)
        )
        outlook.person_roles.append(enrolment.get_role_display().lower())
        outlook.pairs = own_pairs
    return list(outlooks.values())
