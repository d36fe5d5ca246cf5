"""The trainee's one-click opt-out from a scheme a cohort import enrolled them in.

The link is signed and expires (schemes/tokens.py); using it twice is harmless.
"""

from dataclasses import dataclass

from django.db import transaction

from .models import Enrolment
from .services import enrolment_withdraw
from .tokens import opt_out_enrolment_id


@dataclass(frozen=True)
class OptOutOutcome:
    enrolment: Enrolment | None  # None when the enrolment no longer exists at all
    opted_out_now: bool


def enrolment_for_opt_out(token):
    """The enrolment an opt-out link names (for the page that asks). Raises OptOutLinkInvalid."""
    enrolment_id = opt_out_enrolment_id(token)
    return Enrolment.objects.select_related("scheme__organisation").filter(pk=enrolment_id).first()


def enrolment_for_expired_link(error):
    if error.enrolment_id is None:
        return None
    return (
        Enrolment.objects.select_related("scheme__organisation")
        .filter(pk=error.enrolment_id)
        .first()
    )


def enrolment_opt_out(*, token):
    """Withdraw the enrolment an opt-out link names. Using the link twice is harmless.

    Raises OptOutLinkInvalid (damaged or expired link).
    """
    enrolment_id = opt_out_enrolment_id(token)
    with transaction.atomic():
        enrolment = (
            Enrolment.objects.select_for_update(of=("self",))
            .select_related("scheme__organisation")
            .filter(pk=enrolment_id)
            .first()
        )
        if enrolment is None or not enrolment.is_current:
            return OptOutOutcome(enrolment, opted_out_now=False)
        enrolment_withdraw(enrolment=enrolment)
    return OptOutOutcome(enrolment, opted_out_now=True)
