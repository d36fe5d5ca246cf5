"""A scheme reaches the trainees on its trust's trainee list.

- An opt-out scheme enrols them. The list's current, eligible trainees become a cohort import
  (schemes/cohort.py), so the organiser sees the same preview (to enrol, already enrolled, left
  before, problems) and confirms the same way: there is one enrolment path, not two, and
  confirming twice enrols nobody twice.
- An opt-in scheme invites them: one email each, with the link to join. Each trainee is invited
  once per scheme (the notification's key names the scheme and the GMC number); trainees
  enrolled now, those who left the scheme before and those invited already are skipped. For a
  trainee with no account nothing is created: the email goes to the list's address.

Neither sends anything until the organiser confirms, and the trainee list import itself never
enrols or emails anyone.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from accounts.models import Notification, User
from accounts.services import notifications_queue_many
from accounts.staged_import import chunks

from .cohort import cohort_import_preview
from .cohort_plan import users_by_email
from .models import CohortImport, Enrolment, Placement, Scheme, SchemeRole
from .selectors import scheme_admits_trainee

INVITATION_KIND = "scheme_invitation"
COHORT_COLUMNS = ["email", "first_name", "last_name", "grade", "specialty", "site", "start_date"]


def list_organisation_ids(scheme: Scheme) -> list[int]:
    """The trusts whose trainees the scheme is for: its own and any partner trusts."""
    return [scheme.organisation_id, *scheme.partner_organisations.values_list("pk", flat=True)]


def list_placements(scheme: Scheme, on: date) -> QuerySet[Placement]:
    """The scheme's trusts' placements current on `on` (a list dated later may add more)."""
    return (
        Placement.objects.current(on)
        .filter(organisation_id__in=list_organisation_ids(scheme))
        .select_related("organisation")
        .order_by("last_name", "first_name", "gmc_number")
    )


def _eligible(scheme, placements):
    """Those the scheme admits as mentees, by the rule the uptake denominator uses, and each
    person once (as the denominator counts GMC numbers) where two placements overlap."""
    eligible = {}
    for placement in placements:
        if scheme_admits_trainee(scheme, placement.grade, placement.specialty.lower()):
            eligible.setdefault(placement.gmc_number, placement)
    return list(eligible.values())


def cohort_import_from_trainee_list(*, scheme: Scheme, uploaded_by: User, on: date) -> CohortImport:
    """Stage the list's current, eligible trainees as a cohort import for the organiser to check
    and confirm (nothing is enrolled here). Raises ValidationError when there is nobody to stage.
    """
    eligible = _eligible(scheme, list_placements(scheme, on))
    if not eligible:
        raise ValidationError(
            "Nobody on the trainee list is placed here today and eligible for this scheme. "
            "Check the list's dates, or the scheme's eligible grades and specialties."
        )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COHORT_COLUMNS)
    for placement in eligible:
        writer.writerow(
            [
                placement.email,
                placement.first_name,
                placement.last_name,
                placement.grade,
                placement.specialty,
                placement.site,
                placement.starts_on.isoformat(),
            ]
        )
    name = f"Trainee list, placed on {on:%d %B %Y}.csv"
    return cohort_import_preview(
        scheme=scheme,
        uploaded_file=SimpleUploadedFile(name, buffer.getvalue().encode("utf-8")),
        uploaded_by=uploaded_by,
    )


@dataclass
class InvitationPlan:
    """The list's current, eligible trainees sorted by what inviting them would do."""

    to_invite: list = field(default_factory=list)
    # In the scheme now, in either role, or running it (an organiser or supervisor)
    enrolled: list = field(default_factory=list)
    left_before: list = field(default_factory=list)
    invited_before: list = field(default_factory=list)
    no_email: list = field(default_factory=list)
    # placement pk → the account it belongs to, by link or by address
    accounts: dict = field(default_factory=dict)


def invitation_key(scheme: Scheme, placement: Placement) -> str:
    return f"{INVITATION_KIND}:scheme:{scheme.pk}:gmc:{placement.gmc_number}"


def _accounts_for(placements):
    """placement pk → User, by the placement's link or else its address (without case)."""
    emails = [p.email.lower() for p in placements if p.user_id is None and p.email]
    id_by_email = {email: pk for email, (pk, _active) in users_by_email(emails).items()}
    wanted = {p.user_id for p in placements if p.user_id} | set(id_by_email.values())
    users = {}
    for chunk in chunks(sorted(wanted)):
        users.update((user.pk, user) for user in User.objects.filter(pk__in=chunk))
    found = {}
    for placement in placements:
        user_id = placement.user_id or id_by_email.get(placement.email.lower())
        if user_id in users:
            found[placement.pk] = users[user_id]
    return found


def invitation_plan(scheme: Scheme, on: date) -> InvitationPlan:
    placements = _eligible(scheme, list_placements(scheme, on))
    plan = InvitationPlan(accounts=_accounts_for(placements))
    user_ids = [user.pk for user in plan.accounts.values()]
    statuses: dict[int, set[str]] = {}
    for chunk in chunks(user_ids):
        for user_id, status in Enrolment.objects.filter(
            scheme=scheme, user_id__in=chunk
        ).values_list("user_id", "status"):
            statuses.setdefault(user_id, set()).add(status)
    staff = set(SchemeRole.objects.filter(scheme=scheme).values_list("user_id", flat=True))
    keys = [invitation_key(scheme, placement) for placement in placements]
    invited = set()
    for chunk in chunks(keys):
        invited.update(Notification.objects.filter(key__in=chunk).values_list("key", flat=True))
    for placement in placements:
        user = plan.accounts.get(placement.pk)
        held = statuses.get(user.pk, set()) if user else set()
        if held - {Enrolment.Status.WITHDRAWN} or (user and user.pk in staff):
            plan.enrolled.append(placement)
        elif Enrolment.Status.WITHDRAWN in held:
            plan.left_before.append(placement)
        elif invitation_key(scheme, placement) in invited:
            plan.invited_before.append(placement)
        elif not placement.email and user is None:
            plan.no_email.append(placement)
        else:
            plan.to_invite.append(placement)
    return plan


def trainee_list_invite(*, scheme: Scheme, invited_by: User, on: date) -> int:
    """Invite the list's current, eligible trainees not yet invited, enrolled or gone: one email
    each, sent after commit. Returns how many were invited; inviting again invites nobody twice.
    """
    if not scheme.is_open:
        raise ValidationError(
            f"{scheme.name} is closed to new enrolments, so an invitation would lead nowhere. "
            "Open it in the scheme's settings, then invite."
        )
    plan = invitation_plan(scheme, on)
    notifications = []
    for placement in plan.to_invite:
        user = plan.accounts.get(placement.pk)
        if user is not None and INVITATION_KIND in (user.email_opt_outs or []):
            continue
        notifications.append(
            Notification(
                key=invitation_key(scheme, placement),
                kind=INVITATION_KIND,
                recipient=user,
                context={
                    "scheme_id": scheme.pk,
                    "placement_id": placement.pk,
                    "invited_by_id": invited_by.pk,
                },
            )
        )
    try:
        with transaction.atomic():
            return notifications_queue_many(notifications)
    except IntegrityError as error:
        raise ValidationError(
            "Someone else invited the list at the same moment, so nothing was sent from here "
            "and nobody is invited twice. Open the page again to see who is left."
        ) from error
