"""Objective outcomes: a DME imports ARCP outcomes and exam results; the report compares groups.

The import follows the cohort import (schemes/cohort.py) and reuses its file reading: the 5 MB
cap, encoding detection (UTF-8 with or without BOM, else Windows-1252; Excel and UTF-16 files
refused with what to do) and header normalisation ("GMC number" → gmc_number). Every row is
checked and kept in an `OutcomeImport` for the DME to preview; nothing is saved until they
confirm. Unlike a cohort, the import is all-or-nothing: a file with any problem row cannot be
confirmed (a comparison built on part of a file would mislead), and confirming saves every row
in one transaction.

Choices worth knowing:
- A row names the trainee by email, GMC number or both. An outcome already recorded for the same
  trainee (email or GMC number) and period is replaced on confirm, so a corrected file can be
  imported again.
- The comparison is per period (training year), by person: mentees are trainees with a current
  (active or paused) mentee enrolment in one of the trust's schemes; mentors likewise; someone
  who is both counts in both groups. Non-participants are trainees with an outcome and no
  enrolment of any kind in the trust's schemes, including rows whose email matches no account
  (nobody can enrol without one). Rows naming only a GMC number cannot be matched to an account
  and are left out, as are people whose only enrolments were withdrawn or still await approval;
  the report says how many.
- Satisfactory ARCP outcomes are 1 (progressing) and 6 (completed training). The exam pass rate
  counts only rows with an exam result.
- Any group (or exam denominator) below 5 people shows "fewer than 5" instead of figures.
"""

import re
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User
from schemes.access import is_dme_of, is_regional_lead_of
from schemes.cohort import (
    MAX_FILE_BYTES,
    CohortFileError,
    csv_records,
    decode_upload,
    header_key,
    size_label,
)
from schemes.models import Enrolment, Organisation, OrganisationRole, SchemeRole

from .models import SATISFACTORY_ARCP, ArcpOutcome, OutcomeImport, TrainingOutcome

MIN_GROUP = 5
SUPPRESSED = "fewer than 5"
OutcomeFileError = CohortFileError  # the same kind of whole-file problem

# --- Access -----------------------------------------------------------------------------------


def organisation_for_outcomes(user, slug, *, need="read"):
    """The organisation if `user` may read its outcomes report ("read") or import ("import").

    Its DME may do both; the regional lead of its region may read. Its own staff, trainees and
    scheme organisers get 403; anyone else (another trust's DME too) 404.
    """
    organisation = get_object_or_404(Organisation.objects.select_related("region"), slug=slug)
    if is_dme_of(user, organisation):
        return organisation
    if is_regional_lead_of(user, organisation.region):
        if need == "read":
            return organisation
        raise PermissionDenied("Only the trust's DME can import outcomes.")
    related = (
        user.organisation_id == organisation.pk
        or SchemeRole.objects.filter(user=user, scheme__organisation=organisation).exists()
        or Enrolment.objects.filter(user=user, scheme__organisation=organisation).exists()
    )
    if related and not OrganisationRole.objects.filter(user=user).exists():
        raise PermissionDenied("Only the trust's DME sees the outcomes report.")
    raise Http404("No such organisation.")


# --- Columns ----------------------------------------------------------------------------------

ALIASES = {
    "email": ("email", "email_address", "e_mail", "work_email", "nhs_email"),
    "gmc_number": ("gmc_number", "gmc", "gmc_no", "gmc_reference_number", "gmc_ref"),
    "period": ("period", "training_year", "year", "arcp_year", "academic_year"),
    "arcp_outcome": ("arcp_outcome", "arcp", "arcp_outcome_code", "outcome", "arcp_code"),
    "exam_passed": ("exam_passed", "exam", "exam_pass", "passed_exam", "exam_result"),
}
FIELD_BY_ALIAS = {alias: name for name, aliases in ALIASES.items() for alias in aliases}
COLUMNS_TEXT = "email or gmc_number, period, arcp_outcome and (if you have it) exam_passed"
YES = {"yes", "y", "pass", "passed", "true", "1"}
NO = {"no", "n", "fail", "failed", "not passed", "false", "0"}
PERIOD = re.compile(r"^(\d{4})\s*[/-]\s*(\d{2}|\d{4})$")


def _problem(field_name, message, fix):
    return {"field": field_name, "message": message, "fix": fix}


def _column_map(header):
    positions, ignored = {}, []
    for position, name in enumerate(header):
        key = FIELD_BY_ALIAS.get(header_key(name))
        if key is None:
            if name.strip():
                ignored.append(name.strip())
            continue
        if key in positions:
            raise OutcomeFileError(
                f"Two columns both mean {key.replace('_', ' ')}. Delete one of them and upload "
                "the file again."
            )
        positions[key] = position
    missing = [name for name in ("period", "arcp_outcome") if name not in positions]
    if "email" not in positions and "gmc_number" not in positions:
        missing.insert(0, "email or GMC number")
    if missing:
        found = ", ".join(f"“{name.strip()}”" for name in header if name.strip()) or "nothing"
        raise OutcomeFileError(
            f"The file has no {' or '.join(m.replace('_', ' ') for m in missing)} column, so we "
            f"cannot use it. The first row must name the columns: {COLUMNS_TEXT}. Its first row "
            f"says: {found}. Add or rename the columns and upload the file again."
        )
    return positions, ignored


def period_normalise(text):
    """'2025/26', '2025-26', '2025/2026' → '2025/26'; None if not a training year."""
    match = PERIOD.match(text.strip())
    if not match:
        return None
    start, end = int(match.group(1)), match.group(2)
    expected = str(start + 1)
    if end != (expected if len(end) == 4 else expected[-2:]):
        return None
    return f"{start}/{expected[-2:]}"


def _check(values, latest_year):
    problems = []
    email = values.get("email", "").strip().lower()
    gmc = re.sub(r"\s+", "", values.get("gmc_number", ""))
    if not email and not gmc:
        problems.append(
            _problem("email", "The row has no email and no GMC number.", "Add either one.")
        )
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems.append(_problem("email", f"“{email}” is not an email address.", "Correct it."))
    if gmc and not re.fullmatch(r"\d{7}", gmc):
        problems.append(
            _problem(
                "gmc_number",
                f"“{gmc}” is not a GMC number.",
                "A GMC number is 7 digits, e.g. 7012345.",
            )
        )
    raw_period = values.get("period", "").strip()
    period = period_normalise(raw_period)
    if not raw_period:
        problems.append(
            _problem("period", "The period is empty.", "Add the training year, e.g. 2025/26.")
        )
    elif period is None:
        problems.append(
            _problem(
                "period",
                f"“{raw_period}” is not a training year.",
                "Write it as two years, e.g. 2025/26.",
            )
        )
    elif not 2000 <= int(period[:4]) <= latest_year:
        problems.append(_problem("period", f"A period of {period} looks wrong.", "Check the year."))
    code = re.sub(r"^outcome\s*", "", values.get("arcp_outcome", "").strip(), flags=re.I).upper()
    if not code:
        problems.append(
            _problem("arcp_outcome", "The ARCP outcome is empty.", "Add the outcome code.")
        )
    elif code not in ArcpOutcome.values:
        problems.append(
            _problem(
                "arcp_outcome",
                f"“{code}” is not an ARCP outcome code.",
                "Use one of 1, 2, 3, 4, 5, 6, 8 or N.",
            )
        )
    exam_text = values.get("exam_passed", "").strip().lower()
    exam = ""
    if exam_text in YES:
        exam = TrainingOutcome.Exam.PASSED.value
    elif exam_text in NO:
        exam = TrainingOutcome.Exam.FAILED.value
    elif exam_text:
        problems.append(
            _problem(
                "exam_passed",
                f"“{values['exam_passed'].strip()}” is not yes or no.",
                "Write yes, no, or leave it empty if there was no exam.",
            )
        )
    clean = {
        "email": email,
        "gmc_number": gmc,
        "period": period or raw_period,
        "arcp_outcome": code,
        "exam_passed": exam,
    }
    return clean, problems


@dataclass
class ParsedOutcomes:
    rows: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    ignored_columns: list = field(default_factory=list)


def outcome_file_parse(data):
    """Read the bytes of an outcomes file and check every row. No database writes."""
    if not data.strip():
        raise OutcomeFileError("The file is empty. Choose your outcomes CSV file and try again.")
    records = csv_records(decode_upload(data))
    header = []
    for _number, header in records:
        if any(cell.strip() for cell in header):
            break
    positions, ignored = _column_map(header)
    latest_year = timezone.localdate().year
    entries = []
    for number, cells in records:
        if not any(cell.strip() for cell in cells):
            continue
        values = {name: cells[i] if i < len(cells) else "" for name, i in positions.items()}
        clean, problems = _check(values, latest_year)
        if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
            problems.insert(
                0,
                _problem(
                    "",
                    f"This row has {len(cells)} values but the header has {len(header)} columns.",
                    "A value probably contains a comma: put it in double quotes, or remove it.",
                ),
            )
        entries.append((number, clean, problems))
    if not entries:
        raise OutcomeFileError(
            "The file names its columns but has no outcomes in it. Add one row per trainee "
            "and period below the first row and upload it again."
        )
    seen = {}
    for number, clean, _problems in entries:
        for key in _person_keys(clean):
            seen.setdefault((key, clean["period"]), []).append(number)
    parsed = ParsedOutcomes(ignored_columns=ignored)
    for number, clean, problems in entries:
        others = sorted(
            {
                other
                for key in _person_keys(clean)
                for other in seen[(key, clean["period"])]
                if other != number
            }
        )
        if others:
            problems.append(
                _problem(
                    "",
                    f"The same trainee and period are also on row{'s' if len(others) > 1 else ''}"
                    f" {', '.join(str(other) for other in others)}.",
                    "Keep one row per trainee and period and delete the others.",
                )
            )
        label = clean["email"] or clean["gmc_number"]
        if problems:
            parsed.problems.append({"row": number, "trainee": label, "problems": problems})
        else:
            parsed.rows.append({"row": number, **clean})
    return parsed


def _person_keys(clean):
    keys = []
    if clean["email"]:
        keys.append(("email", clean["email"]))
    if clean["gmc_number"]:
        keys.append(("gmc", clean["gmc_number"]))
    return keys


# --- Use cases that write ---------------------------------------------------------------------


def outcome_import_preview(*, organisation, uploaded_file, uploaded_by):
    """Read and check an outcomes file; keep it for the DME to confirm. Saves no outcomes.

    Raises OutcomeFileError when the file as a whole cannot be used.
    """
    if uploaded_file.size > MAX_FILE_BYTES:
        raise OutcomeFileError(
            f"The file is {size_label(uploaded_file.size)}; the limit is "
            f"{size_label(MAX_FILE_BYTES)}. Split it into smaller files and upload each one."
        )
    parsed = outcome_file_parse(b"".join(uploaded_file.chunks()))
    with transaction.atomic():
        outcome_import = OutcomeImport.objects.create(
            organisation=organisation,
            uploaded_by=uploaded_by,
            file_name=(uploaded_file.name or "outcomes.csv")[:255],
            rows=parsed.rows,
            problems=parsed.problems,
        )
    outcome_import.ignored_columns = parsed.ignored_columns
    return outcome_import


class OutcomesAlreadyConfirmed(ValidationError):
    pass


def outcome_import_confirm(*, outcome_import, confirmed_by):
    """Save every row of a file without problems, in one transaction; or nothing.

    Claims the import with a conditional update so that confirming twice saves once. Replaces
    outcomes already recorded for the same trainee and period at this trust.
    """
    if outcome_import.problems:
        raise ValidationError(
            "This file has rows with problems, so nothing was saved. Fix them in your "
            "spreadsheet and upload the whole file again."
        )
    organisation = outcome_import.organisation
    with transaction.atomic():
        now = timezone.now()
        claimed = OutcomeImport.objects.filter(pk=outcome_import.pk, confirmed_at=None).update(
            confirmed_at=now
        )
        if claimed != 1:
            raise OutcomesAlreadyConfirmed(
                "This file was already confirmed. Nothing more was done."
            )
        rows = outcome_import.rows
        users = _users_by_email([row["email"] for row in rows if row["email"]])
        for period in {row["period"] for row in rows}:
            in_period = [row for row in rows if row["period"] == period]
            emails = [row["email"] for row in in_period if row["email"]]
            gmcs = [row["gmc_number"] for row in in_period if row["gmc_number"]]
            TrainingOutcome.objects.filter(organisation=organisation, period=period).filter(
                Q(email__in=emails) | Q(gmc_number__in=gmcs)
            ).delete()
        TrainingOutcome.objects.bulk_create(
            [
                TrainingOutcome(
                    organisation=organisation,
                    trainee_id=users.get(row["email"]),
                    email=row["email"],
                    gmc_number=row["gmc_number"],
                    period=row["period"],
                    arcp_outcome=row["arcp_outcome"],
                    exam_passed=row["exam_passed"],
                    imported_at=now,
                    outcome_import=outcome_import,
                )
                for row in rows
            ],
            batch_size=1000,
        )
        OutcomeImport.objects.filter(pk=outcome_import.pk).update(saved_count=len(rows))
    outcome_import.refresh_from_db(fields=["confirmed_at", "saved_count"])
    return outcome_import


def _users_by_email(emails):
    found = {}
    emails = sorted(set(emails))
    for start in range(0, len(emails), 2000):
        chunk = emails[start : start + 2000]
        found.update(
            User.objects.annotate(email_lower=Lower("email"))
            .filter(email_lower__in=chunk)
            .values_list("email_lower", "pk")
        )
    return found


# --- The comparison ---------------------------------------------------------------------------


@dataclass
class Group:
    key: str
    label: str
    people: int = 0
    satisfactory: int = 0
    exam_results: int = 0
    exam_passes: int = 0

    @property
    def suppressed(self):
        return self.people < MIN_GROUP

    @property
    def size_text(self):
        return SUPPRESSED if self.suppressed else str(self.people)

    @property
    def satisfactory_percent(self):
        if self.suppressed:
            return None
        return round(100 * self.satisfactory / self.people)

    @property
    def exam_suppressed(self):
        return self.exam_results < MIN_GROUP

    @property
    def exam_results_text(self):
        return SUPPRESSED if self.exam_suppressed else str(self.exam_results)

    @property
    def exam_pass_percent(self):
        if self.exam_suppressed:
            return None
        return round(100 * self.exam_passes / self.exam_results)


GROUPS = (
    ("mentees", "Mentees"),
    ("mentors", "Mentors"),
    ("non_participants", "Non-participants"),
)


def outcome_periods(organisation):
    return list(
        TrainingOutcome.objects.filter(organisation=organisation)
        .order_by("-period")
        .values_list("period", flat=True)
        .distinct()
    )


def outcome_comparison(organisation, period):
    """Mentees, mentors and non-participants in `period`: sizes, ARCP and exam figures.

    A constant number of queries whatever the number of rows.
    """
    rows = list(
        TrainingOutcome.objects.filter(organisation=organisation, period=period).values_list(
            "trainee_id", "email", "arcp_outcome", "exam_passed"
        )
    )
    unlinked_emails = [email for trainee_id, email, *_ in rows if trainee_id is None and email]
    users = _users_by_email(unlinked_emails) if unlinked_emails else {}
    people = []
    for trainee_id, email, arcp, exam in rows:
        people.append((trainee_id or users.get(email), email, arcp, exam))
    user_ids = {user_id for user_id, *_ in people if user_id}
    current, any_enrolment = {}, set()
    for user_id, role, status in Enrolment.objects.filter(
        scheme__organisation=organisation, user_id__in=user_ids
    ).values_list("user_id", "role", "status"):
        any_enrolment.add(user_id)
        if status in (Enrolment.Status.ACTIVE, Enrolment.Status.PAUSED):
            current.setdefault(user_id, set()).add(role)
    groups = {key: Group(key, label) for key, label in GROUPS}
    unmatched = left_out = 0
    for user_id, email, arcp, exam in people:
        if user_id is None and not email:
            unmatched += 1
            continue
        if user_id is not None and user_id in any_enrolment:
            roles = current.get(user_id, set())
            keys = [
                key for key, role in (("mentees", "mentee"), ("mentors", "mentor")) if role in roles
            ]
            if not keys:
                left_out += 1
                continue
        else:
            keys = ["non_participants"]
        for key in keys:
            group = groups[key]
            group.people += 1
            group.satisfactory += arcp in SATISFACTORY_ARCP
            if exam:
                group.exam_results += 1
                group.exam_passes += exam == TrainingOutcome.Exam.PASSED
    return {
        "period": period,
        "groups": list(groups.values()),
        "total": len(rows),
        "unmatched": unmatched,
        "left_out": left_out,
    }
