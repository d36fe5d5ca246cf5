"""What confirming a cohort import would do: its valid rows sorted against the database now.

- A trainee already enrolled as a mentee is skipped. So is one who left this scheme before: an
  opt-out must stick, so re-importing the next rotation's file does not enrol them again.
- An existing account is enrolled as it is: its profile belongs to its owner and is not changed.
"""

from dataclasses import dataclass, field

from django.db.models.functions import Lower

from accounts.models import User
from accounts.staged_import import chunks, problem

from .models import Enrolment


@dataclass
class CohortPlan:
    """The valid rows of an import sorted against the database as it is now."""

    to_enrol: list = field(default_factory=list)
    existing_user_ids: dict = field(default_factory=dict)  # email → user id, for to_enrol rows
    already_enrolled: list = field(default_factory=list)
    previously_left: list = field(default_factory=list)
    blocked: list = field(default_factory=list)  # problem entries found in the database

    @property
    def new_account_count(self):
        return len(self.to_enrol) - len(self.existing_user_ids)


CLOSED_ACCOUNT = (
    "This person's account is closed.",
    "Remove the row, or ask the site administrator to reopen the account.",
)
MENTOR_ALREADY = (
    "This person is a mentor in this scheme, which does not let one person be both mentor and "
    "mentee.",
    "Remove the row, or change the scheme's settings first.",
)


def users_by_email(emails):
    """email → (user id, is_active), compared without case as accounts compares addresses."""
    found = {}
    for chunk in chunks(sorted(set(emails))):
        found.update(
            (email, (pk, is_active))
            for email, pk, is_active in User.objects.annotate(email_lower=Lower("email"))
            .filter(email_lower__in=chunk)
            .values_list("email_lower", "pk", "is_active")
        )
    return found


def _enrolments_by_user(scheme, user_ids):
    """user id → {(role, still enrolled)} in `scheme`, for the users given."""
    by_user = {}
    for user_id, role, status in Enrolment.objects.filter(scheme=scheme).values_list(
        "user_id", "role", "status"
    ):
        if user_id in user_ids:
            by_user.setdefault(user_id, set()).add((role, status != Enrolment.Status.WITHDRAWN))
    return by_user


def _row_place(plan, scheme, enrolments, is_active):
    """The list of `plan` a row belongs in, and the reason when it is blocked."""
    if (Enrolment.Role.MENTEE, True) in enrolments:
        return plan.already_enrolled, None
    if (Enrolment.Role.MENTEE, False) in enrolments:
        return plan.previously_left, None
    if not is_active:
        return plan.blocked, CLOSED_ACCOUNT
    if (Enrolment.Role.MENTOR, True) in enrolments and not scheme.allows_mentee_and_mentor:
        return plan.blocked, MENTOR_ALREADY
    return plan.to_enrol, None


def cohort_import_plan(cohort_import):
    """Sort the import's valid rows into: to enrol, already enrolled, left before, blocked."""
    scheme = cohort_import.scheme
    users = users_by_email([row["email"] for row in cohort_import.rows])
    by_user = _enrolments_by_user(scheme, {pk for pk, _is_active in users.values()})
    plan = CohortPlan()
    for row in cohort_import.rows:
        user_id, is_active = users.get(row["email"], (None, True))
        place, reason = _row_place(plan, scheme, by_user.get(user_id, set()), is_active)
        place.append(_blocked(row, *reason) if reason else row)
        if place is plan.to_enrol and user_id is not None:
            plan.existing_user_ids[row["email"]] = user_id
    return plan


def _blocked(row, message, fix):
    return {
        "row": row["row"],
        "email": row["email"],
        "name": f"{row['first_name']} {row['last_name']}".strip(),
        "problems": [problem("", message, fix)],
    }
