"""Use cases that write: schemes, organisers, enrolments, referrals and opt-outs."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.services import notification_queue

from .eligibility import mentee_decision, mentor_decision
from .lifecycle import EndCause, enrolment_ended
from .models import Enrolment, IntakeWindow, Referral, Scheme, SchemeRole
from .rotations import RotationWindow, windows_to_create

if TYPE_CHECKING:
    from accounts.models import User

    from .models import Organisation, Placement


def scheme_create(
    *, organisation: Organisation, name: str, slug: str, created_by: User, **settings: Any
) -> Scheme:
    """Create a scheme and appoint its creator as its first organiser."""
    with transaction.atomic():
        scheme = Scheme(organisation=organisation, name=name, slug=slug, **settings)
        scheme.full_clean()
        scheme.save()
        SchemeRole.objects.create(
            scheme=scheme, user=created_by, role=SchemeRole.Role.ORGANISER, appointed_by=created_by
        )
    return scheme


def scheme_role_appoint(
    *, scheme: Scheme, user: User, role: str, appointed_by: User
) -> tuple[SchemeRole, bool]:
    """Appoint an organiser or supervisor; appointing twice is harmless."""
    with transaction.atomic():
        scheme_role, created = SchemeRole.objects.get_or_create(
            scheme=scheme, user=user, role=role, defaults={"appointed_by": appointed_by}
        )
        if created:
            audit_record(
                actor=appointed_by,
                action="role_granted",
                target=f"scheme:{scheme.pk}",
                details={"user": user.pk, "role": role},
            )
    return scheme_role, created


def scheme_role_remove(
    *, scheme: Scheme, user: User, role: str, removed_by: User | None = None
) -> None:
    """Remove a role. A scheme always keeps at least one organiser."""
    with transaction.atomic():
        organisers = SchemeRole.objects.select_for_update().filter(
            scheme=scheme, role=SchemeRole.Role.ORGANISER
        )
        if role == SchemeRole.Role.ORGANISER and list(
            organisers.values_list("user_id", flat=True)
        ) == [user.pk]:
            raise ValidationError("A scheme needs at least one organiser: appoint another first.")
        SchemeRole.objects.filter(scheme=scheme, user=user, role=role).delete()
        audit_record(
            actor=removed_by,
            action="role_removed",
            target=f"scheme:{scheme.pk}",
            details={"user": user.pk, "role": role},
        )


def intake_windows_create_from_rotations(
    *, scheme: Scheme, proposed: list[RotationWindow], created_by: User
) -> list[IntakeWindow]:
    """Create the proposed rotation windows that overlap none of the scheme's windows.

    The scheme row is locked first, so two organisers confirming at once create each window once;
    the overlap check runs again inside the lock rather than trusting the preview.
    """
    with transaction.atomic():
        Scheme.objects.select_for_update().filter(pk=scheme.pk).first()
        existing = scheme.intake_windows.values_list("opens_on", "closes_on")
        new, _ = windows_to_create(proposed, existing)
        created = IntakeWindow.objects.bulk_create(
            IntakeWindow(
                scheme=scheme,
                label=window.label,
                opens_on=window.opens_on,
                closes_on=window.closes_on,
            )
            for window in new
        )
        if created:
            audit_record(
                actor=created_by,
                action="intake_windows_created",
                target=f"scheme:{scheme.pk}",
                details={"count": len(created)},
            )
    return created


def enrolment_status_for_self_sign_up(
    scheme: Scheme, role: str, on: date | None = None
) -> tuple[str, str]:
    """A mentee outside an intake window waits as a request, if the scheme takes requests."""
    if role == Enrolment.Role.MENTOR:
        return Enrolment.Status.ACTIVE, Enrolment.Source.SELF
    if not scheme.recruits_at_intake or scheme.open_intake_window(on):
        return Enrolment.Status.ACTIVE, Enrolment.Source.SELF
    if scheme.accepts_requests:
        return Enrolment.Status.REQUESTED, Enrolment.Source.REQUEST
    next_window = scheme.intake_windows.filter(opens_on__gt=on or timezone.localdate()).first()
    when = f" The next one opens on {next_window.opens_on:%d %B %Y}." if next_window else ""
    raise ValidationError(
        "This scheme recruits mentees at rotation start and is not taking requests between "
        f"intakes.{when}"
    )


def enrolment_create(
    *,
    scheme: Scheme,
    user: User,
    role: str,
    source: str | None = None,
    status: str | None = None,
    **answers: Any,
) -> Enrolment:
    """Enrol `user` in `scheme` as mentee or mentor after checking eligibility.

    Raises ValidationError with the reason a person can act on.
    """
    decision = (
        mentee_decision(scheme, user)
        if role == Enrolment.Role.MENTEE
        else mentor_decision(scheme, user)
    )
    if not decision:
        raise ValidationError(decision.reason)
    if source is None or status is None:
        status, source = enrolment_status_for_self_sign_up(scheme, role)
    if role == Enrolment.Role.MENTOR:
        capacity = answers.get("capacity") or 1
        if not 1 <= capacity <= scheme.max_mentees_per_mentor:
            raise ValidationError(
                f"Choose between 1 and {scheme.max_mentees_per_mentor} mentees at once."
            )
    answers.setdefault("site", user.site)
    with transaction.atomic():
        enrolment = Enrolment.objects.create(
            scheme=scheme,
            user=user,
            organisation_id=scheme.attributed_trust_id(user),
            role=role,
            source=source,
            status=status,
            consent_given_at=answers.pop("consent_given_at", None) or timezone.now(),
            **answers,
        )
    return enrolment


def enrolment_withdraw(
    *, enrolment: Enrolment, reason: str = "", cause: EndCause = EndCause.LEFT
) -> Enrolment:
    """End an enrolment: the person leaves (no reason needed), an organiser removes it, or the
    account is erased. Withdrawing twice is harmless.

    1. Withdraw with a conditional update, so of two requests at once only one goes on.
    2. In the same transaction, end what depends on it (schemes.lifecycle): pairs, places,
       mentor requests, planned meetings and open surveys; the partner is told.
    """
    now = timezone.now()
    with transaction.atomic():
        withdrawn = (
            Enrolment.objects.current()
            .filter(pk=enrolment.pk)
            .update(
                status=Enrolment.Status.WITHDRAWN,
                status_changed_at=now,
                withdrawal_reason=reason.strip(),
            )
        )
        enrolment.refresh_from_db(fields=["status", "status_changed_at", "withdrawal_reason"])
        if withdrawn:
            enrolment_ended(enrolment=enrolment, cause=cause)
    return enrolment


def enrolments_end_for_closed_account(*, user: User) -> None:
    """Erasure's first step (accounts.personal_data): every current enrolment of the person ends,
    so enrolled counts fall with the eligible count and their pairs end the same way."""
    for enrolment in Enrolment.objects.current().filter(user=user):
        enrolment_withdraw(enrolment=enrolment, cause=EndCause.ACCOUNT_CLOSED)


ORGANISER_TRANSITIONS = {
    # action: (statuses it applies to, resulting status)
    "accept": ({Enrolment.Status.REQUESTED}, Enrolment.Status.ACTIVE),
    "pause": ({Enrolment.Status.ACTIVE}, Enrolment.Status.PAUSED),
    "resume": ({Enrolment.Status.PAUSED}, Enrolment.Status.ACTIVE),
    "remove": (
        {Enrolment.Status.ACTIVE, Enrolment.Status.PAUSED, Enrolment.Status.REQUESTED},
        Enrolment.Status.WITHDRAWN,
    ),
}


def enrolment_change_status(*, enrolment: Enrolment, action: str) -> Enrolment:
    """An organiser accepts a request, pauses, resumes or removes an enrolment."""
    try:
        allowed_from, new_status = ORGANISER_TRANSITIONS[action]
    except KeyError as error:
        raise ValidationError(f"Unknown action {action!r}.") from error
    if enrolment.status not in allowed_from:
        raise ValidationError(
            f"This enrolment is {enrolment.get_status_display().lower()}, so it cannot be "
            f"{action}d."
        )
    if new_status == Enrolment.Status.WITHDRAWN:
        return enrolment_withdraw(enrolment=enrolment, cause=EndCause.REMOVED)
    enrolment.status = new_status
    enrolment.status_changed_at = timezone.now()
    enrolment.save(update_fields=["status", "status_changed_at"])
    return enrolment


def referral_create(*, scheme: Scheme, user: User, reason: str, referred_by: User) -> Referral:
    """Refer a trainee confidentially: they are enrolled as a mentee and told by email."""
    if not scheme.accepts_referrals:
        raise ValidationError("This scheme does not take referrals: change its settings first.")
    if not reason.strip():
        raise ValidationError(
            "Give the reason for the referral; only organisers and the trainee see it."
        )
    with transaction.atomic():
        enrolment = Enrolment.objects.mentees().current().filter(scheme=scheme, user=user).first()
        if enrolment is not None:
            raise ValidationError(
                f"{user} is already enrolled as a mentee in this scheme; no referral is needed."
            )
        decision = mentee_decision(scheme, user)
        if not decision:
            raise ValidationError(decision.reason)
        enrolment = Enrolment.objects.create(
            scheme=scheme,
            user=user,
            organisation_id=scheme.attributed_trust_id(user),
            role=Enrolment.Role.MENTEE,
            source=Enrolment.Source.REFERRAL,
            status=Enrolment.Status.ACTIVE,
        )
        referral = Referral.objects.create(
            enrolment=enrolment, reason=reason.strip(), referred_by=referred_by
        )
        notification_queue(
            key=f"referral:{referral.pk}",
            kind="referral_made",
            recipient=user,
            context={"referral_id": referral.pk},
        )
    return referral


# --- Organisers: handing a scheme over, and a scheme nobody runs ------------------------------


def organiser_appoint(
    *, scheme: Scheme, user: User, appointed_by: User, handed_over_by: User | None = None
) -> SchemeRole:
    """Appoint an organiser and email them: by a DME for a scheme that has none, or as the
    successor of an organiser who hands over (`handed_over_by`)."""
    if not user.is_active:
        raise ValidationError(f"{user}'s account is closed: choose someone else.")
    with transaction.atomic():
        scheme_role, _ = scheme_role_appoint(
            scheme=scheme, user=user, role=SchemeRole.Role.ORGANISER, appointed_by=appointed_by
        )
        notification_queue(
            key=f"organiser_appointed:{scheme.pk}:{user.pk}:{timezone.now():%Y%m%d%H%M%S%f}",
            kind="organiser_appointed",
            recipient=user,
            context={
                "scheme_id": scheme.pk,
                "appointed_by_id": appointed_by.pk,
                "handover": handed_over_by is not None,
            },
        )
    return scheme_role


def scheme_handover(
    *, scheme: Scheme, organiser: User, successor: User | None, tell_dme: bool = False
) -> None:
    """An organiser steps down, appointing `successor` first, in one transaction.

    1. Lock the scheme's organiser roles, so two organisers stepping down at once cannot both
       leave it with nobody.
    2. Appoint the successor (emailed once the transaction commits).
    3. Remove the organiser's role. The last organiser may leave without a successor only with
       `tell_dme`, and only if the trust has a DME to tell: the DME is emailed at once, with a
       link to appoint someone.
    """
    if successor is not None and successor.pk == organiser.pk:
        raise ValidationError("Choose someone else as your successor: you are stepping down.")
    with transaction.atomic():
        organisers = list(
            SchemeRole.objects.select_for_update()
            .filter(scheme=scheme, role=SchemeRole.Role.ORGANISER)
            .values_list("user_id", flat=True)
        )
        if organiser.pk not in organisers:
            raise ValidationError("You are not an organiser of this scheme.")
        if successor is not None:
            organiser_appoint(
                scheme=scheme, user=successor, appointed_by=organiser, handed_over_by=organiser
            )
        elif organisers == [organiser.pk]:
            _organiser_gap_check(scheme=scheme, tell_dme=tell_dme)
        SchemeRole.objects.filter(
            scheme=scheme, user=organiser, role=SchemeRole.Role.ORGANISER
        ).delete()
        audit_record(
            actor=organiser,
            action="role_removed",
            target=f"scheme:{scheme.pk}",
            details={"user": organiser.pk, "role": SchemeRole.Role.ORGANISER, "handover": True},
        )
        if successor is None and organisers == [organiser.pk]:
            scheme_without_organiser_notify(scheme=scheme)


def _organiser_gap_check(*, scheme: Scheme, tell_dme: bool) -> None:
    from .handover import trust_dmes

    if not tell_dme:
        raise ValidationError(
            "You are the scheme's only organiser: name a successor, or tick the box to tell "
            "the trust's DME that the scheme will have no organiser."
        )
    if not trust_dmes(scheme):
        raise ValidationError(
            "You are the scheme's only organiser and the trust has no DME here to tell: name a "
            "successor before you step down."
        )


def scheme_without_organiser_notify(*, scheme: Scheme) -> int:
    """Email each DME of the trust that `scheme` has no organiser, once per time it loses them
    (schemes.handover.organiser_gap_key). Returns how many emails were queued."""
    from .handover import organiser_gap_key, trust_dmes

    queued = 0
    for dme in trust_dmes(scheme):
        notification = notification_queue(
            key=organiser_gap_key(scheme, dme.pk),
            kind="scheme_without_organiser",
            recipient=dme,
            context={"scheme_id": scheme.pk},
        )
        queued += notification is not None
    return queued


def schemes_without_organiser_notify() -> int:
    """The daily sweep: tell the DMEs of every scheme that has no organiser. Safe to run twice."""
    from .handover import schemes_without_organiser

    return sum(
        scheme_without_organiser_notify(scheme=scheme) for scheme in schemes_without_organiser()
    )


# --- A trust without a scheme ------------------------------------------------------------------


def organisation_scheme_interest_record(
    *, organisation: Organisation, interest: str, note: str, recorded_by: User
) -> bool:
    """Record whether a trust would like a scheme. The date moves only when the answer or the
    note changes, so saving an unchanged form changes nothing. Returns whether it changed."""
    note = note.strip()
    if (interest, note) == (organisation.scheme_interest, organisation.scheme_interest_note):
        return False
    organisation.scheme_interest = interest
    organisation.scheme_interest_note = note
    organisation.scheme_interest_recorded_on = timezone.localdate()
    organisation.full_clean(
        exclude=[
            field.name
            for field in organisation._meta.fields
            if not field.name.startswith("scheme_interest")
        ]
    )
    with transaction.atomic():
        organisation.save(
            update_fields=[
                "scheme_interest",
                "scheme_interest_note",
                "scheme_interest_recorded_on",
            ]
        )
        audit_record(
            actor=recorded_by,
            action="scheme_interest_recorded",
            target=f"organisation:{organisation.pk}",
            details={"interest": interest},
        )
    return True


# --- Trainees rotating out of a trust (schemes.rotating_out) ------------------------------------


def placement_ending_warn(*, placement: Placement) -> int:
    """Tell the person, their partners and the organisers that the placement ends, once per end
    date. Returns how many emails were queued."""
    from .rotating_out import warning_key, warning_recipients

    queued = 0
    with transaction.atomic():
        for recipient in warning_recipients(placement):
            notification = notification_queue(
                key=warning_key(placement, recipient.pk),
                kind="placement_ending",
                recipient=recipient,
                context={"placement_id": placement.pk, "ends_on": str(placement.ends_on)},
            )
            queued += notification is not None
    return queued


def placement_ended_withdraw(*, placement: Placement) -> int:
    """End the enrolments a finished placement ends, through the life cycle, so pairs end without
    blame and partners are told. Returns how many enrolments this call ended."""
    from .rotating_out import enrolments_ending_with

    ended = 0
    for enrolment in enrolments_ending_with(placement):
        enrolment_withdraw(enrolment=enrolment, cause=EndCause.ROTATED_OUT)
        ended += enrolment.status == Enrolment.Status.WITHDRAWN
    return ended


def placements_ending_sweep(*, today: date | None = None) -> dict[str, int]:
    """The daily sweep: warn about placements ending soon, and act on those just ended, unless
    the person stays on the trust's list. Safe to run twice: the second run does nothing."""
    from .rotating_out import continues_at_trust, placements_ending_soon, placements_just_ended

    today = today or timezone.localdate()
    warned = sum(
        placement_ending_warn(placement=placement)
        for placement in placements_ending_soon(today)
        if not continues_at_trust(placement)
    )
    ended = sum(
        placement_ended_withdraw(placement=placement)
        for placement in placements_just_ended(today)
        if not continues_at_trust(placement)
    )
    return {"warned": warned, "ended": ended}
