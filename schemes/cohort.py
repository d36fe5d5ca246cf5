"""Opt-out cohort import: the use cases that write.

An organiser uploads a CSV of the trainees starting a rotation. We read and check every row, keep
the result in a `CohortImport` and show a preview; nothing is enrolled until the organiser confirms,
and then every valid row is enrolled in one transaction. Each trainee is emailed a signed link to
opt out (schemes/opt_out.py) and a link to set a password and finish their profile.

The feature reads in four short modules:
- accounts/staged_import.py: decoding, column mapping, row checking, preview and confirm, shared
  with the outcomes import;
- schemes/cohort_rows.py: the cohort file's columns and the checks of each row;
- schemes/cohort_plan.py: what confirming would do (to enrol, already enrolled, left before,
  blocked);
- this module: `cohort_import_preview` and `cohort_import_confirm`, which follow the services
  rules (STYLE.md §2): keyword-only, writes inside `transaction.atomic()`, emails queued after
  commit. The opt-out use cases are in schemes/opt_out.py and still importable from here.
"""

import secrets
from datetime import date
from functools import partial

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import Notification, User
from accounts.services import notifications_send_in_chunks
from accounts.staged_import import (
    MAX_FILE_BYTES,
    ImportFileError,
    chunks,
    rows_check,
    staged_import_confirm,
    staged_import_preview,
)

from .cohort_plan import CohortPlan, cohort_import_plan, users_by_email
from .cohort_rows import COHORT_SPEC, CohortRowChecker
from .models import CohortImport, Enrolment, Organisation, Placement
from .opt_out import (
    OptOutOutcome,
    enrolment_for_expired_link,
    enrolment_for_opt_out,
    enrolment_opt_out,
)

__all__ = [
    "MAX_FILE_BYTES",
    "CohortAlreadyConfirmed",
    "CohortFileError",
    "CohortPlan",
    "OptOutOutcome",
    "cohort_file_parse",
    "cohort_import_confirm",
    "cohort_import_plan",
    "cohort_import_preview",
    "enrolment_for_expired_link",
    "enrolment_for_opt_out",
    "enrolment_opt_out",
    "unusable_password",
]

NOTIFICATION_KIND = "cohort_enrolled"

CohortFileError = ImportFileError  # the whole file cannot be used; the message says why


class CohortAlreadyConfirmed(ValidationError):
    """Someone (perhaps this organiser, in another tab) confirmed this import already."""


def cohort_file_parse(data, *, scheme):
    """Read the bytes of a cohort file and check every row. No database writes."""
    return rows_check(data, COHORT_SPEC, CohortRowChecker(scheme))


def cohort_import_preview(*, scheme, uploaded_file, uploaded_by):
    """Read and check an uploaded cohort file and keep the result for the organiser to confirm.

    Raises CohortFileError when the file as a whole cannot be used. Nothing is enrolled here.
    The import returned carries `ignored_columns` (not stored) for the page after the upload.
    """
    return staged_import_preview(
        model=CohortImport,
        spec=COHORT_SPEC,
        checker=CohortRowChecker(scheme),
        uploaded_file=uploaded_file,
        uploaded_by=uploaded_by,
        default_name="cohort.csv",
        scheme=scheme,
    )


def cohort_import_confirm(*, cohort_import, confirmed_by):
    """Enrol every row that can be enrolled, in one transaction, and email each trainee.

    1. Claim the import with a conditional update on `confirmed_at`, so confirming twice (a
       double click, two tabs) enrols once: the second claim finds it taken.
    2. Sort the rows against the database now (someone may have joined since the preview).
    3. Create the missing accounts, the enrolments and one Notification row each, in bulk.
    4. After commit, enqueue the emails.

    Raises CohortAlreadyConfirmed, or ValidationError when the scheme is closed or someone's
    enrolment collided with ours (then nothing was saved and confirming again is safe).
    `confirmed_by` is checked by the caller's access rule; CohortImport has no field for it yet.
    """
    scheme = cohort_import.scheme
    if not scheme.is_open:
        raise ValidationError(
            f"{scheme.name} is closed to new enrolments. Open it in the scheme's settings, then "
            "confirm again."
        )

    def enrol(now):
        plan = cohort_import_plan(cohort_import)
        enrolments = _enrolments_create(scheme=scheme, plan=plan, now=now)
        notification_ids = _notifications_create(enrolments=enrolments, now=now)
        # robust: the enrolments are committed whatever the broker does; a notification whose
        # task was not enqueued is found by the unsent-notifications sweep (accounts.tasks).
        transaction.on_commit(partial(_cohort_notifications_enqueue, notification_ids), robust=True)
        return len(enrolments)

    try:
        return staged_import_confirm(
            cohort_import,
            save=enrol,
            count_field="enrolled_count",
            already_confirmed=_already_confirmed,
        )
    except IntegrityError as error:
        raise ValidationError(
            "Someone joined the scheme or made an account while we were enrolling, so nothing "
            "was saved. Confirm again: the rows are checked afresh."
        ) from error


def _already_confirmed(confirmed):
    return CohortAlreadyConfirmed(
        f"This file was already confirmed on "
        f"{timezone.localtime(confirmed.confirmed_at):%d %B %Y at %H:%M}: "
        f"{confirmed.enrolled_count} trainees were enrolled. Nothing more was done."
    )


def unusable_password():
    """What make_password(None) makes: '!' and 40 random characters, so the account cannot log in
    until its owner chooses a password through the emailed link. make_password draws the 40
    characters one at a time, which cost half a second over 10,000 accounts."""
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)


def _home_trusts(scheme, emails):
    """email → the trust a new account belongs to, for a scheme run for several trusts: the
    trust whose trainee list places that address now, else the one trust whose email domain it
    has; the host when neither tells (nhs.net is every trust's). A one-trust scheme: the host."""
    trust_ids = scheme.trust_ids()
    if len(trust_ids) == 1:
        return {}
    by_domain: dict[str, set[int]] = {}
    for pk, domains in Organisation.objects.filter(pk__in=trust_ids).values_list(
        "pk", "email_domains"
    ):
        for domain in domains:
            by_domain.setdefault(domain.lower(), set()).add(pk)
    homes = {}
    for email in emails:
        owners = by_domain.get(email.rsplit("@", 1)[-1], set())
        if len(owners) == 1:
            homes[email] = next(iter(owners))
    today = timezone.localdate()
    for chunk in chunks(sorted(set(emails))):
        for email, organisation_id in (
            Placement.objects.current(today)
            .annotate(email_lower=Lower("email"))
            .filter(organisation_id__in=trust_ids, email_lower__in=chunk)
            .values_list("email_lower", "organisation_id")
        ):
            homes[email] = organisation_id
    return homes


def _new_user(row, *, scheme, now, home=None):
    started = row["start_date"]
    return User(
        email=row["email"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        grade=row["grade"],
        specialty=row["specialty"],
        organisation_id=home or scheme.organisation_id,
        site=row["site"],
        training_started_on=date.fromisoformat(started) if started else None,
        password=unusable_password(),
        email_confirmed_at=None,
        date_joined=now,
    )


def _users_create(*, scheme, plan, now):
    """email → user id for every row to enrol, creating the accounts that do not exist yet."""
    new_rows = [row for row in plan.to_enrol if row["email"] not in plan.existing_user_ids]
    homes = _home_trusts(scheme, [row["email"] for row in new_rows])
    new_users = [
        _new_user(row, scheme=scheme, now=now, home=homes.get(row["email"])) for row in new_rows
    ]
    User.objects.bulk_create(new_users, batch_size=1000)
    user_ids = dict(plan.existing_user_ids)
    if any(user.pk is None for user in new_users):  # a backend that cannot return ids
        emails = [row["email"] for row in plan.to_enrol]
        user_ids.update((email, pk) for email, (pk, _active) in users_by_email(emails).items())
    else:
        user_ids.update((user.email, user.pk) for user in new_users)
    return user_ids


def _attributed_trusts(scheme, user_ids):
    """user id → the trust their enrolment counts in (Scheme.attributed_trust_id): their own,
    when it is the host or a partner (a new account's is found by `_home_trusts`)."""
    trust_ids = scheme.trust_ids()
    trusts = {}
    for chunk in chunks(list(user_ids)):
        for pk, organisation_id in User.objects.filter(pk__in=chunk).values_list(
            "pk", "organisation_id"
        ):
            trusts[pk] = organisation_id if organisation_id in trust_ids else None
    return trusts


def _enrolments_create(*, scheme, plan, now):
    user_ids = _users_create(scheme=scheme, plan=plan, now=now)
    trusts = _attributed_trusts(scheme, user_ids.values())
    enrolments = [
        Enrolment(
            scheme=scheme,
            user_id=user_ids[row["email"]],
            organisation_id=trusts.get(user_ids[row["email"]]),
            role=Enrolment.Role.MENTEE,
            source=Enrolment.Source.COHORT,
            status=Enrolment.Status.ACTIVE,
            programme=row["programme"],
            site=row["site"],
            created_at=now,
            status_changed_at=now,
        )
        for row in plan.to_enrol
    ]
    Enrolment.objects.bulk_create(enrolments, batch_size=1000)
    if any(enrolment.pk is None for enrolment in enrolments):
        _enrolment_ids_fill(scheme, enrolments)
    return enrolments


def _enrolment_ids_fill(scheme, enrolments):
    """Give each enrolment its id, for a backend that cannot return ids from a bulk insert."""
    by_user = {}
    for chunk in chunks([enrolment.user_id for enrolment in enrolments]):
        by_user.update(
            Enrolment.objects.mentees()
            .current()
            .filter(scheme=scheme, user_id__in=chunk)
            .values_list("user_id", "pk")
        )
    for enrolment in enrolments:
        enrolment.pk = by_user[enrolment.user_id]


def _notifications_create(*, enrolments, now):
    notifications = [
        Notification(
            key=f"{NOTIFICATION_KIND}:enrolment:{enrolment.pk}",
            kind=NOTIFICATION_KIND,
            recipient_id=enrolment.user_id,
            context={"enrolment_id": enrolment.pk},
            created_at=now,
        )
        for enrolment in enrolments
    ]
    Notification.objects.bulk_create(notifications, batch_size=1000)
    if any(notification.pk is None for notification in notifications):
        keys = [notification.key for notification in notifications]
        return [
            pk
            for chunk in chunks(keys)
            for pk in Notification.objects.filter(key__in=chunk).values_list("pk", flat=True)
        ]
    return [notification.pk for notification in notifications]


def _cohort_notifications_enqueue(notification_ids):
    notifications_send_in_chunks(notification_ids)
