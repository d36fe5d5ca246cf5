"""A trust's trainee list: import its placements (upload → preview → confirm) and link accounts.

The list is the trust's record of its doctors in training, whether or not they have an account,
and the denominator of every uptake figure (schemes.selectors.trainee_population). Importing it
enrols nobody and emails nobody.

- Each row is a placement keyed by (trust, GMC number, start date): re-importing the same file
  finds every placement as it is and changes nothing.
- A GMC number may be on one row only; a file with any problem cannot be confirmed, because a
  missing row would read as a leaver.
- The list's date (`as_of`, chosen on the form, today by default) is the day it describes:
  placements of earlier lists still running on that day but missing from this list end the day
  before it (so they are not counted from that day). A placement that had not started by then
  was never taken up and is removed. We ask for the date rather than infer it from the
  earliest start in the file because a list holds trainees who started months or years ago.
- A row whose GMC number is on the trust's current list is a change (new email, grade, site,
  or a new placement replacing the old one), never a joiner.
- Placements link to accounts by email, compared without case, when the list is confirmed and
  when a person with that address confirms it later (`placements_link_user`).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import User
from accounts.staged_import import (
    ParsedFile,
    chunks,
    size_check,
    staged_import_confirm,
)
from accounts.staged_import import (
    rows_check as file_rows_check,
)

from .models import Organisation, Placement, TraineeListImport
from .trainee_list_rows import TRAINEE_LIST_SPEC, TraineeListRowChecker

# What a row may change on a placement, with the words the preview uses.
COMPARED = {
    "first_name": "first name",
    "last_name": "surname",
    "email": "email",
    "grade": "grade",
    "specialty": "specialty",
    "site": "site",
    "ends_on": "placement end",
}


class TraineeListAlreadyConfirmed(ValidationError):
    """This list was confirmed already (a double click, another tab)."""


@dataclass
class TraineeListPlan:
    """The valid rows of a list sorted against the trust's placements now."""

    joiners: list = field(default_factory=list)  # rows
    changes: list = field(default_factory=list)  # (row, placement or None, [what changed])
    unchanged: list = field(default_factory=list)  # (row, placement)
    leavers: list = field(default_factory=list)  # placements whose person is not on the list
    to_end: list = field(default_factory=list)  # placements not on the list: leavers, moves


def trainee_list_preview(*, organisation, uploaded_file, uploaded_by, as_of):
    """Read and check an uploaded list and keep it for confirming. Raises ImportFileError when
    the file as a whole cannot be used; saves no placement."""
    size_check(uploaded_file.size, TRAINEE_LIST_SPEC)
    parsed = rows_check(b"".join(uploaded_file.chunks()))
    staged = TraineeListImport.objects.create(
        organisation=organisation,
        as_of=as_of,
        uploaded_by=uploaded_by,
        file_name=(uploaded_file.name or "trainees.csv")[:255],
        rows=parsed.rows,
        problems=parsed.problems,
    )
    staged.ignored_columns = parsed.ignored_columns
    return staged


def rows_check(data: bytes) -> ParsedFile:
    return file_rows_check(data, TRAINEE_LIST_SPEC, TraineeListRowChecker())


def _values(row) -> dict:
    """A row's values as a placement stores them."""
    return {
        "first_name": row["first_name"],
        "last_name": row["last_name"],
        "email": row["email"],
        "grade": row["grade"],
        "specialty": row["specialty"],
        "site": row["site"],
        "starts_on": date.fromisoformat(row["starts_on"]),
        "ends_on": date.fromisoformat(row["ends_on"]) if row["ends_on"] else None,
    }


def _placements_known(organisation, gmc_numbers, as_of):
    """(placements by (GMC number, start), the placements not ended by `as_of`)."""
    current = list(Placement.objects.filter(organisation=organisation).not_ended_by(as_of))
    by_key = {(placement.gmc_number, placement.starts_on): placement for placement in current}
    for chunk in chunks(sorted(gmc_numbers)):
        for placement in Placement.objects.filter(organisation=organisation, gmc_number__in=chunk):
            by_key.setdefault((placement.gmc_number, placement.starts_on), placement)
    return by_key, current


def trainee_list_plan(trainee_list) -> TraineeListPlan:
    """Sort the list's valid rows into joiners, changes and unchanged, and find the leavers."""
    rows = trainee_list.rows
    by_key, current = _placements_known(
        trainee_list.organisation, {row["gmc_number"] for row in rows}, trainee_list.as_of
    )
    current_gmc = {placement.gmc_number for placement in current}
    plan = TraineeListPlan()
    keys = set()
    for row in rows:
        values = _values(row)
        key = (row["gmc_number"], values["starts_on"])
        keys.add(key)
        placement = by_key.get(key)
        if placement is None:
            if row["gmc_number"] in current_gmc:
                plan.changes.append((row, None, ["new placement"]))
            else:
                plan.joiners.append(row)
            continue
        changed = [
            words for name, words in COMPARED.items() if getattr(placement, name) != values[name]
        ]
        if changed:
            plan.changes.append((row, placement, changed))
        else:
            plan.unchanged.append((row, placement))
    file_gmc = {row["gmc_number"] for row in rows}
    for placement in current:
        if (placement.gmc_number, placement.starts_on) not in keys:
            plan.to_end.append(placement)
            if placement.gmc_number not in file_gmc:
                plan.leavers.append(placement)
    return plan


def _revalidate(trainee_list):
    """The checks of the preview, again: the stored rows as they will be saved."""
    if trainee_list.problems:
        raise ValidationError(
            "This list has rows with problems, so nothing was saved: a row left out would read "
            "as a trainee who left. Correct the rows listed and upload the file again."
        )
    checker = TraineeListRowChecker()
    seen = set()
    for row in trainee_list.rows:
        if checker.check(row) or row["gmc_number"] in seen:
            raise ValidationError(
                f"Row {row['row']} no longer passes the checks, so nothing was saved. "
                "Upload the file again."
            )
        seen.add(row["gmc_number"])


def trainee_list_confirm(*, trainee_list, confirmed_by):
    """Save the list's placements in one transaction: all of them or, on any error, none.

    1. Refuse a list with problems, and check the rows again.
    2. Claim the import (confirming twice saves once) and sort the rows against the
       placements now (another list may have been confirmed since the preview).
    3. End the placements missing from the list, update the changes, add the joiners, and link
       each to the account with its email.
    `confirmed_by` is checked by the caller's access rule. Nobody is enrolled or emailed.
    """
    _revalidate(trainee_list)

    def save(now):
        plan = trainee_list_plan(trainee_list)
        users = _user_ids_by_email(row["email"] for row in trainee_list.rows if row["email"])
        _placements_end(plan.to_end, trainee_list.as_of)
        _changes_save(plan, trainee_list, users)
        _joiners_save(plan, trainee_list, users)
        _unchanged_link(plan, users)
        TraineeListImport.objects.filter(pk=trainee_list.pk).update(
            change_count=len(plan.changes), leaver_count=len(plan.leavers)
        )
        return len(plan.joiners)

    try:
        confirmed = staged_import_confirm(
            trainee_list,
            save=save,
            count_field="joiner_count",
            already_confirmed=_already_confirmed,
        )
    except IntegrityError as error:
        raise ValidationError(
            "The trust's placements changed while we were saving, so nothing was saved. Confirm "
            "again: the rows are checked afresh."
        ) from error
    confirmed.refresh_from_db(fields=["change_count", "leaver_count"])
    return confirmed


def _already_confirmed(confirmed):
    return TraineeListAlreadyConfirmed(
        f"This list was already confirmed on "
        f"{timezone.localtime(confirmed.confirmed_at):%d %B %Y at %H:%M}. Nothing more was done."
    )


def _user_ids_by_email(emails) -> dict[str, int]:
    """lower-case email → id of the active account with that address."""
    found: dict[str, int] = {}
    for chunk in chunks(sorted({email.lower() for email in emails})):
        found.update(
            User.objects.annotate(email_lower=Lower("email"))
            .filter(email_lower__in=chunk, is_active=True)
            .values_list("email_lower", "pk")
        )
    return found


def _placements_end(placements, as_of):
    day_before = as_of - timedelta(days=1)
    not_started = [placement.pk for placement in placements if placement.starts_on >= as_of]
    ended = [placement.pk for placement in placements if placement.starts_on < as_of]
    Placement.objects.filter(pk__in=not_started).delete()
    for chunk in chunks(ended):
        Placement.objects.filter(pk__in=chunk).update(ends_on=day_before)


def _changes_save(plan, trainee_list, users):
    for row, placement, _changed in plan.changes:
        values = _values(row)
        if placement is None:
            Placement.objects.create(
                organisation=trainee_list.organisation,
                gmc_number=row["gmc_number"],
                user_id=users.get(row["email"]),
                trainee_list=trainee_list,
                **values,
            )
            continue
        for name, value in values.items():
            setattr(placement, name, value)
        # The link follows the email; a new address with no account keeps the person's link.
        placement.user_id = users.get(row["email"], placement.user_id)
        placement.trainee_list = trainee_list
        placement.save()


def _joiners_save(plan, trainee_list, users):
    Placement.objects.bulk_create(
        [
            Placement(
                organisation=trainee_list.organisation,
                gmc_number=row["gmc_number"],
                user_id=users.get(row["email"]),
                trainee_list=trainee_list,
                **_values(row),
            )
            for row in plan.joiners
        ],
        batch_size=1000,
    )


def _unchanged_link(plan, users):
    for row, placement in plan.unchanged:
        user_id = users.get(row["email"])
        if placement.user_id is None and user_id is not None:
            Placement.objects.filter(pk=placement.pk).update(user_id=user_id)


def placements_link_user(*, user) -> int:
    """Link the unlinked placements with the account's address to it (the address was just
    confirmed). Returns how many were linked."""
    if not user.is_active or not user.email:
        return 0
    return Placement.objects.filter(email__iexact=user.email, user=None).update(user=user)


def organisation_has_trainee_list(organisation: Organisation) -> bool:
    return TraineeListImport.objects.filter(
        organisation=organisation, confirmed_at__isnull=False
    ).exists()
