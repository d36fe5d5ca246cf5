"""Objective outcomes: a DME imports ARCP outcomes and exam results; the report compares groups.

The import is the staged import of accounts/staged_import.py, as the cohort import is: the 5 MB
cap, encoding detection (UTF-8 with or without BOM, else Windows-1252; Excel and UTF-16 files
refused with what to do) and header normalisation ("GMC number" → gmc_number); this module gives
its column spec (`OUTCOME_SPEC`) and row checker (`OutcomeRowChecker`). Every row is checked and
kept in an `OutcomeImport` for the DME to preview; nothing is saved until they confirm. Unlike a
cohort, the import is all-or-nothing: a file with any problem row cannot be confirmed (a
comparison built on part of a file would mislead), and confirming saves every row in one
transaction.

Choices worth knowing:
- A row names the trainee by email, GMC number or both. An outcome already recorded for the same
  trainee (email or GMC number) and period is replaced on confirm, so a corrected file can be
  imported again.
- The comparison is per period (training year, 1 August to 31 July), by person and by what they
  did during that year: mentees are trainees with a mentee enrolment in one of the trust's
  schemes that overlapped the year (begun before it ended, and active, paused, or withdrawn
  after it began); mentors likewise; someone who is both counts in both groups. Non-participants
  are trainees with an outcome and no such enrolment (joining after the year, or leaving before
  it, is not taking part in it), including rows whose email matches no account (nobody can
  enrol without one). Rows naming only a GMC number cannot be matched to an account and are
  left out, as are people whose only enrolment in the year is a request still awaiting
  approval; the report says how many.
- Satisfactory ARCP outcomes are 1 (progressing) and 6 (completed training). The exam pass rate
  counts only rows with an exam result.
- Every count of people goes through schemes.disclosure (`disclose`): the mentees, mentors,
  non-participants and those left out add up (but for anyone in two groups) to the rows of the
  DME's own file, so they are suppressed as a group; within a group, those with a satisfactory
  ARCP outcome and those without, those with an exam result and those without, and those who
  passed and those who failed are groups of their own. A rate is given only when both of its
  counts are shown and its group has at least the threshold (5 by default) of people: a rate of
  a group of 20 would otherwise say that 1 had an unsatisfactory outcome. Rows naming only a GMC
  number are counted as they are: they are lines of the DME's own file, matched to nobody.
  Outcomes are shown only for a whole trust and a whole training year (the report has no other
  filter).
"""

import re
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q
from django.utils import timezone

from accounts.selectors import user_ids_by_email
from accounts.staged_import import (
    Column,
    ImportFileError,
    ImportSpec,
    RowChecker,
    rows_check,
    staged_import_confirm,
    staged_import_preview,
)
from schemes import disclosure
from schemes.selectors import enrolment_states_before, report_vocabulary

from .models import SATISFACTORY_ARCP, ArcpOutcome, OutcomeImport, TrainingOutcome

OutcomeFileError = ImportFileError  # the same kind of whole-file problem as a cohort's

# --- Columns ----------------------------------------------------------------------------------

ALIASES = {
    "email": ("email", "email_address", "e_mail", "work_email", "nhs_email"),
    "gmc_number": ("gmc_number", "gmc", "gmc_no", "gmc_reference_number", "gmc_ref"),
    "period": ("period", "training_year", "year", "arcp_year", "academic_year"),
    "arcp_outcome": ("arcp_outcome", "arcp", "arcp_outcome_code", "outcome", "arcp_code"),
    "exam_passed": ("exam_passed", "exam", "exam_pass", "passed_exam", "exam_result"),
}
COLUMNS_TEXT = "email or gmc_number, period, arcp_outcome and (if you have it) exam_passed"
YES = {"yes", "y", "pass", "passed", "true", "1"}
NO = {"no", "n", "fail", "failed", "not passed", "false", "0"}
PERIOD = re.compile(r"^(\d{4})\s*[/-]\s*(\d{2}|\d{4})$")


def _problem(field_name, message, fix):
    return {"field": field_name, "message": message, "fix": fix}


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


def _exam_clean(text):
    """yes or no as TrainingOutcome stores them, "" for no exam, else the text as written."""
    if text.lower() in YES:
        return TrainingOutcome.Exam.PASSED.value
    if text.lower() in NO:
        return TrainingOutcome.Exam.FAILED.value
    return text


OUTCOME_SPEC = ImportSpec(
    columns=(
        Column("email", ALIASES["email"], cleaner=str.lower),
        Column("gmc_number", ALIASES["gmc_number"], cleaner=lambda text: re.sub(r"\s+", "", text)),
        Column(
            "period",
            ALIASES["period"],
            required=True,
            cleaner=lambda text: period_normalise(text) or text,
        ),
        Column(
            "arcp_outcome",
            ALIASES["arcp_outcome"],
            required=True,
            cleaner=lambda text: re.sub(r"^outcome\s*", "", text, flags=re.I).upper(),
        ),
        Column("exam_passed", ALIASES["exam_passed"], cleaner=_exam_clean),
    ),
    one_of=((("email", "gmc_number"), "email or GMC number"),),
    columns_text=COLUMNS_TEXT,
    name_both_headers=False,
    empty_file="The file is empty. Choose your outcomes CSV file and try again.",
    too_big="Split it into smaller files and upload each one.",
    no_rows=(
        "The file names its columns but has no outcomes in it. Add one row per trainee and "
        "period below the first row and upload it again."
    ),
    extra_values_fix="A value probably contains a comma: put it in double quotes, or remove it.",
)


class OutcomeRowChecker(RowChecker):
    """One row names a trainee (email, GMC number or both), a training year and an outcome."""

    def __init__(self):
        self.latest_year = timezone.localdate().year

    def check(self, row):
        return (
            _trainee_problems(row["email"], row["gmc_number"])
            + self._period_problems(row["period"])
            + _arcp_problems(row["arcp_outcome"])
            + _exam_problems(row["exam_passed"])
        )

    def duplicate_keys(self, row):
        return [(key, row["period"]) for key in _person_keys(row)]

    def duplicate_problem(self, others):
        return _problem(
            "",
            f"The same trainee and period are also on row{'s' if len(others) > 1 else ''}"
            f" {', '.join(str(other) for other in others)}.",
            "Keep one row per trainee and period and delete the others.",
        )

    def describe(self, row):
        return {"trainee": row["email"] or row["gmc_number"]}

    def _period_problems(self, period):
        if not period:
            return [
                _problem("period", "The period is empty.", "Add the training year, e.g. 2025/26.")
            ]
        if period_normalise(period) is None:
            return [
                _problem(
                    "period",
                    f"“{period}” is not a training year.",
                    "Write it as two years, e.g. 2025/26.",
                )
            ]
        if not 2000 <= int(period[:4]) <= self.latest_year:
            return [_problem("period", f"A period of {period} looks wrong.", "Check the year.")]
        return []


def _trainee_problems(email, gmc):
    if not email and not gmc:
        return [_problem("email", "The row has no email and no GMC number.", "Add either one.")]
    problems = []
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
    return problems


def _arcp_problems(code):
    if not code:
        return [_problem("arcp_outcome", "The ARCP outcome is empty.", "Add the outcome code.")]
    if code not in ArcpOutcome.values:
        return [
            _problem(
                "arcp_outcome",
                f"“{code}” is not an ARCP outcome code.",
                "Use one of 1, 2, 3, 4, 5, 6, 8 or N.",
            )
        ]
    return []


def _exam_problems(exam):
    if exam in ("", *TrainingOutcome.Exam.values):
        return []
    return [
        _problem(
            "exam_passed",
            f"“{exam}” is not yes or no.",
            "Write yes, no, or leave it empty if there was no exam.",
        )
    ]


def outcome_file_parse(data):
    """Read the bytes of an outcomes file and check every row. No database writes."""
    return rows_check(data, OUTCOME_SPEC, OutcomeRowChecker())


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
    return staged_import_preview(
        model=OutcomeImport,
        spec=OUTCOME_SPEC,
        checker=OutcomeRowChecker(),
        uploaded_file=uploaded_file,
        uploaded_by=uploaded_by,
        default_name="outcomes.csv",
        organisation=organisation,
    )


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

    def save(now):
        _outcomes_replace(outcome_import.organisation, outcome_import.rows)
        _outcomes_create(outcome_import, now)
        return len(outcome_import.rows)

    return staged_import_confirm(
        outcome_import,
        save=save,
        count_field="saved_count",
        already_confirmed=lambda _claimed: OutcomesAlreadyConfirmed(
            "This file was already confirmed. Nothing more was done."
        ),
    )


def _outcomes_replace(organisation, rows):
    """Delete the outcomes recorded for the same trainee (email or GMC number) and period."""
    for period in {row["period"] for row in rows}:
        in_period = [row for row in rows if row["period"] == period]
        emails = [row["email"] for row in in_period if row["email"]]
        gmcs = [row["gmc_number"] for row in in_period if row["gmc_number"]]
        TrainingOutcome.objects.filter(organisation=organisation, period=period).filter(
            Q(email__in=emails) | Q(gmc_number__in=gmcs)
        ).delete()


def _outcomes_create(outcome_import, now):
    rows = outcome_import.rows
    users = _users_by_email([row["email"] for row in rows if row["email"]])
    TrainingOutcome.objects.bulk_create(
        [
            TrainingOutcome(
                organisation=outcome_import.organisation,
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


def _users_by_email(emails):
    return user_ids_by_email(emails)


# --- The comparison ---------------------------------------------------------------------------


@dataclass
class Group:
    """One group's true counts, and (once `disclose` has run) what may be shown of them."""

    key: str
    label: str
    people: int = 0
    satisfactory: int = 0
    exam_results: int = 0
    exam_passes: int = 0
    people_shown: disclosure.Shown | None = None
    satisfactory_percent: int | None = None
    exam_results_shown: disclosure.Shown | None = None
    exam_pass_percent: int | None = None

    @property
    def suppressed(self):
        return self.people_shown.suppressed

    @property
    def size_text(self):
        return str(self.people_shown)

    @property
    def satisfactory_text(self):
        return _rate_text(self.satisfactory_percent, self.people_shown)

    @property
    def exam_suppressed(self):
        return self.exam_results_shown.suppressed

    @property
    def exam_results_text(self):
        return str(self.exam_results_shown)

    @property
    def exam_pass_text(self):
        return _rate_text(self.exam_pass_percent, self.exam_results_shown)


def _rate_text(percent, whole):
    if percent is not None:
        return f"{percent}%"
    if whole.suppressed:
        return str(whole)
    return "–" if whole.value == 0 else disclosure.NOT_SHOWN


def _rate(part, whole):
    """round(100 × part ÷ whole), or None unless `part` and `whole − part` are both shown (as a
    group of two) and `whole` is at least the threshold."""
    if not whole or not disclosure.enough(whole):
        return None
    shown = disclosure.group({"yes": part, "no": whole - part}, total=whole)
    if shown["yes"].suppressed:
        return None
    return round(100 * part / whole)


def disclose(groups, *, left_out):
    """Set what may be shown of each group (see the module's docstring); returns the Shown of
    those left out, who are suppressed as one of the groups."""
    cells = {group.key: group.people for group in groups} | {"left_out": left_out}
    people = disclosure.group(cells)
    for group in groups:
        group.people_shown = people[group.key]
        if group.people_shown.suppressed:
            # Nothing more about a group whose size is hidden.
            group.exam_results_shown = group.people_shown
            continue
        group.satisfactory_percent = _rate(group.satisfactory, group.people)
        group.exam_results_shown = disclosure.group(
            {"with": group.exam_results, "without": group.people - group.exam_results},
            total=group.people,
        )["with"]
        if not group.exam_results_shown.suppressed:
            group.exam_pass_percent = _rate(group.exam_passes, group.exam_results)
    return people["left_out"]


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


def period_bounds(period):
    """The training year "2025/26" as aware datetimes: [1 August 2025, 1 August 2026)."""
    first_year = int(period[:4])
    zone = timezone.get_default_timezone()
    return datetime(first_year, 8, 1, tzinfo=zone), datetime(first_year + 1, 8, 1, tzinfo=zone)


def _roles_during(organisation, user_ids, period):
    """({user id: roles taken part in during `period`}, {user ids with a request waiting then}).

    An enrolment takes part in the year when it began before the year ended and was not
    withdrawn before the year began; a request still waiting never does.
    """
    starts, ends = period_bounds(period)
    vocabulary = report_vocabulary()
    roles, waiting = {}, set()
    for user_id, role, status, changed_at in enrolment_states_before(organisation, user_ids, ends):
        if status == vocabulary["requested"]:
            waiting.add(user_id)
        elif status != vocabulary["withdrawn"] or changed_at >= starts:
            roles.setdefault(user_id, set()).add(role)
    return roles, waiting | set(roles)


def _people(rows):
    """(user id or None, email, ARCP outcome, exam) per row: a row imported before its trainee
    had an account is matched by email now."""
    unlinked_emails = [email for trainee_id, email, *_ in rows if trainee_id is None and email]
    users = _users_by_email(unlinked_emails) if unlinked_emails else {}
    return [
        (trainee_id or users.get(email), email, arcp, exam)
        for trainee_id, email, arcp, exam in rows
    ]


def _group_keys(user_id, email, during, enrolled_then):
    """The groups a row counts in: None (unmatched: a GMC number only), [] (left out: only a
    request waiting in the year), mentees and/or mentors, or non-participants."""
    if user_id is None and not email:
        return None
    if user_id is None or user_id not in enrolled_then:
        return ["non_participants"]
    roles = during.get(user_id, set())
    return [key for key, role in (("mentees", "mentee"), ("mentors", "mentor")) if role in roles]


def _count_in(group, arcp, exam):
    group.people += 1
    group.satisfactory += arcp in SATISFACTORY_ARCP
    if exam:
        group.exam_results += 1
        group.exam_passes += exam == TrainingOutcome.Exam.PASSED


def outcome_comparison(organisation, period):
    """Mentees, mentors and non-participants in `period`: sizes, ARCP and exam figures.

    A constant number of queries whatever the number of rows.

    1. Read the period's outcomes and match each to an account.
    2. Read what those people took part in during the year.
    3. Count each row in its groups (or as unmatched, or left out), then apply disclosure.
    """
    rows = list(
        TrainingOutcome.objects.filter(organisation=organisation, period=period).values_list(
            "trainee_id", "email", "arcp_outcome", "exam_passed"
        )
    )
    people = _people(rows)
    user_ids = {user_id for user_id, *_ in people if user_id}
    during, enrolled_then = _roles_during(organisation, user_ids, period)
    groups = {key: Group(key, label) for key, label in GROUPS}
    unmatched = left_out = 0
    for user_id, email, arcp, exam in people:
        keys = _group_keys(user_id, email, during, enrolled_then)
        if keys is None:
            unmatched += 1
            continue
        left_out += not keys
        for key in keys:
            _count_in(groups[key], arcp, exam)
    return {
        "period": period,
        "groups": list(groups.values()),
        "total": len(rows),
        "unmatched": unmatched,
        "left_out": left_out,
        "left_out_shown": disclose(list(groups.values()), left_out=left_out),
    }
