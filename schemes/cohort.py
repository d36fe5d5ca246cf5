"""Opt-out cohort import and the trainee's one-click opt-out.

An organiser uploads a CSV of the trainees starting a rotation. We read and check every row, keep
the result in a `CohortImport` and show a preview; nothing is enrolled until the organiser confirms,
and then every valid row is enrolled in one transaction. Each trainee is emailed a signed link to
opt out (schemes/tokens.py) and a link to set a password and finish their profile.

The use cases that write, `cohort_import_preview`, `cohort_import_confirm` and
`enrolment_opt_out`, live here rather than in services.py so the whole feature reads in one place;
they follow the services rules all the same (STYLE.md §2): keyword-only, writes inside
`transaction.atomic()`, emails queued after commit.

Choices worth knowing:
- Required columns are email, first name, last name and grade; specialty, programme, site and start
  date may be absent. Columns we do not know are ignored, and the organiser is told which.
- Rows are numbered as a spreadsheet shows them: the header is row 1.
- Every row sharing an email with another row is a problem, not just the second one: we cannot
  tell which of the two is right.
- A trainee already enrolled as a mentee is skipped. So is one who left this scheme before: an
  opt-out must stick, so re-importing the next rotation's file does not enrol them again.
- An existing account is enrolled as it is: its profile belongs to its owner and is not changed.
"""

import codecs
import csv
import io
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import Grade, Notification, User
from accounts.queue import enqueue_signature

from .models import TRAINEE_GRADES, CohortImport, Enrolment, MenteeEligibility
from .services import enrolment_withdraw
from .tokens import opt_out_enrolment_id

MAX_FILE_BYTES = 5 * 1024 * 1024
SAVE_AS_CSV = "In your spreadsheet choose File › Save As › “CSV UTF-8 (Comma delimited)”"
NOTIFICATION_KIND = "cohort_enrolled"
EMAIL_CHUNK = 50  # emails per Celery task message; see _cohort_notifications_enqueue
# Chunk size for `IN (...)` look-ups: well under every backend's limit on query parameters.
LOOKUP_CHUNK = 2000


class CohortFileError(ValidationError):
    """The whole file cannot be used; the message says why and what to do."""


class CohortAlreadyConfirmed(ValidationError):
    """Someone (perhaps this organiser, in another tab) confirmed this import already."""


# --- Columns ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    field: str
    label: str
    required: bool
    aliases: tuple
    max_length: int | None = None


COLUMNS = (
    Column(
        field="email",
        label="email",
        required=True,
        aliases=("email", "email_address", "e_mail", "e_mail_address", "work_email", "nhs_email"),
        max_length=254,
    ),
    Column(
        field="first_name",
        label="first name",
        required=True,
        aliases=("first_name", "firstname", "forename", "forenames", "given_name", "first"),
        max_length=150,
    ),
    Column(
        field="last_name",
        label="last name",
        required=True,
        aliases=("last_name", "lastname", "surname", "family_name"),
        max_length=150,
    ),
    Column(
        field="grade",
        label="grade",
        required=True,
        aliases=("grade", "training_grade", "grade_code"),
    ),
    Column(
        field="specialty",
        label="specialty",
        required=False,
        aliases=("specialty", "speciality", "specialism"),
        max_length=100,
    ),
    Column(
        field="programme",
        label="programme",
        required=False,
        aliases=("programme", "program", "training_programme", "training_program"),
        max_length=120,
    ),
    Column(
        field="site",
        label="site",
        required=False,
        aliases=("site", "hospital", "work_site", "base_site", "main_site"),
        max_length=120,
    ),
    Column(
        field="start_date",
        label="start date",
        required=False,
        aliases=(
            "start_date",
            "date_started",
            "training_start_date",
            "training_started",
            "training_started_on",
            "date_training_started",
        ),
    ),
)
COLUMN_BY_ALIAS = {alias: column for column in COLUMNS for alias in column.aliases}
REQUIRED_LABELS = ", ".join(column.field for column in COLUMNS if column.required)
OPTIONAL_LABELS = ", ".join(column.field for column in COLUMNS if not column.required)


def header_key(text):
    """'First name', 'FIRST_NAME' and 'Start date (dd/mm/yyyy)' → 'first_name', 'start_date'."""
    text = re.sub(r"\(.*?\)", "", text)
    return re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_")


def _grade_key(text):
    return re.sub(r"[^a-z0-9]+", "", text.lower())


GRADE_BY_KEY = {}
for _grade in Grade:
    GRADE_BY_KEY[_grade_key(_grade.value)] = _grade.value
    GRADE_BY_KEY[_grade_key(_grade.label)] = _grade.value
    GRADE_BY_KEY[_grade_key(re.sub(r"\(.*?\)", "", _grade.label))] = _grade.value
GRADE_BY_KEY.update({"f1": Grade.FY1.value, "f2": Grade.FY2.value})


# --- Reading the file -------------------------------------------------------------------------


def size_label(size):
    return f"{size / (1024 * 1024):.1f} MB"


def decode_upload(data):
    """Return the file's text: UTF-8 (with or without a byte order mark) or Windows-1252."""
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise CohortFileError(
            f"This is an Excel workbook, not a CSV file. {SAVE_AS_CSV} and upload that file."
        )
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data[:4096]:
        raise CohortFileError(
            "This file is saved as UTF-16 (“Unicode text”), which we cannot read. "
            f"{SAVE_AS_CSV} and upload that file."
        )
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = _decode_not_utf8(data)
    if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text):
        raise CohortFileError(
            "This file contains characters that are not text, so it is probably not a CSV file. "
            f"{SAVE_AS_CSV} and upload that file."
        )
    return text


def _decode_not_utf8(data):
    # Valid UTF-8 letters next to bytes that are not UTF-8 mean two encodings in one file:
    # decoding it all as Windows-1252 would garble every name written in UTF-8.
    escaped = data.decode("utf-8", errors="surrogateescape")
    if re.search("[^\x00-\x7f\udc80-\udcff]", escaped):
        raise CohortFileError(
            "This file mixes two text encodings (UTF-8 and another), so some names would come "
            f"out garbled. {SAVE_AS_CSV}, check the names look right, and upload it again."
        )
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise CohortFileError(
            "We cannot read the text of this file: it is neither UTF-8 nor Windows-1252 text. "
            f"{SAVE_AS_CSV} and upload that file."
        ) from None


def _delimiter(first_line):
    if first_line.lower().startswith("sep=") and len(first_line.strip()) == 5:
        return first_line.strip()[4], True  # Excel's "sep=;" hint line
    counts = {delimiter: first_line.count(delimiter) for delimiter in ",;\t"}
    best = max(counts, key=lambda delimiter: (counts[delimiter], delimiter == ","))
    return best, False


def csv_records(text):
    """Yield (spreadsheet row number, list of cells), the header first."""
    first_line = text.split("\n", 1)[0]
    delimiter, has_hint = _delimiter(first_line)
    if has_hint:
        text = text.split("\n", 1)[1] if "\n" in text else ""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, cells
    except csv.Error as error:
        raise CohortFileError(
            f"We could not read row {number + 1} as CSV ({error}). Check that row for a stray "
            f"quotation mark, or {SAVE_AS_CSV[0].lower()}{SAVE_AS_CSV[1:]} and upload it again."
        ) from None


def _column_map(header):
    """Map each known column to its position. Raise CohortFileError if a required one is absent."""
    positions, ignored, seen = {}, [], {}
    for position, name in enumerate(header):
        column = COLUMN_BY_ALIAS.get(header_key(name))
        if column is None:
            if name.strip():
                ignored.append(name.strip())
            continue
        if column.field in positions:
            raise CohortFileError(
                f"Two columns both mean {column.label}: “{seen[column.field]}” and "
                f"“{name.strip()}”. Delete one of them and upload the file again."
            )
        positions[column.field] = position
        seen[column.field] = name.strip()
    missing = [
        column.label for column in COLUMNS if column.required and column.field not in positions
    ]
    if missing:
        found = ", ".join(f"“{name.strip()}”" for name in header if name.strip()) or "nothing"
        raise CohortFileError(
            f"The file has no {' or '.join(missing)} column, so we cannot use it. The first row "
            f"must name the columns: {REQUIRED_LABELS} (and, if you have them, {OPTIONAL_LABELS}). "
            f"Its first row says: {found}. Add or rename the columns and upload the file again."
        )
    return positions, ignored


# --- Checking rows ----------------------------------------------------------------------------


def _problem(field_name, message, fix):
    return {"field": field_name, "message": message, "fix": fix}


NUMERIC_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})$")


def _parse_date(text):
    """Day first, as UK spreadsheets write dates; ISO dates too. None if not a date."""
    text = re.sub(r"[T ]00:00(:00)?$", "", text.strip())
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    match = NUMERIC_DATE.match(text)
    if match:
        day, month, year = (int(part) for part in match.groups())
        if year < 100:
            year += 2000
        try:
            return date(year, month, day)
        except ValueError:
            return None
    for pattern in ("%d %b %Y", "%d %B %Y", "%d-%b-%Y", "%d-%b-%y", "%d %b %y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


class RowChecker:
    """Checks one row against the file's rules and the scheme's; knows nothing of other rows."""

    def __init__(self, scheme):
        self.scheme = scheme
        organisation = scheme.organisation
        self.domains = {domain.lower() for domain in organisation.email_domains}
        self.domains_text = " or ".join(f"@{domain}" for domain in organisation.email_domains)
        self.organisation_name = organisation.short_name or organisation.name
        self.latest_start = timezone.localdate() + timedelta(days=366)

    def check(self, values):
        problems = []
        clean = {}
        for column in COLUMNS:
            value = values.get(column.field, "").strip()
            if column.required and not value:
                problems.append(
                    _problem(
                        column.field,
                        f"The {column.label} is empty.",
                        f"Add the trainee's {column.label}.",
                    )
                )
            elif column.max_length and len(value) > column.max_length:
                problems.append(
                    _problem(
                        column.field,
                        f"The {column.label} is longer than {column.max_length} characters.",
                        "Shorten it.",
                    )
                )
            clean[column.field] = value
        clean["email"] = clean["email"].lower()
        problems += self._email_problems(clean["email"])
        clean["grade"], grade_problems = self._grade(clean["grade"], clean["specialty"])
        problems += grade_problems
        clean["start_date"], date_problems = self._start_date(clean["start_date"])
        problems += date_problems
        return clean, problems

    def _email_problems(self, email):
        if not email:
            return []
        try:
            validate_email(email)
        except ValidationError:
            return [
                _problem(
                    "email",
                    f"“{email}” is not an email address.",
                    "Correct it: it should look like name@nhs.net.",
                )
            ]
        if self.domains and email.rsplit("@", 1)[1] not in self.domains:
            return [
                _problem(
                    "email",
                    f"{email} is not a {self.organisation_name} address.",
                    f"Use the trainee's work address, ending {self.domains_text}.",
                )
            ]
        return []

    def _grade(self, text, specialty):
        if not text:
            return "", []
        grade = GRADE_BY_KEY.get(_grade_key(text))
        if grade is None:
            return text, [
                _problem(
                    "grade",
                    f"“{text}” is not a grade we know.",
                    "Use one of FY1, FY2, CT1 to CT3 or ST1 to ST8.",
                )
            ]
        if grade not in TRAINEE_GRADES:
            return grade, [
                _problem(
                    "grade",
                    f"{Grade(grade).label} is not a training grade, so cannot be a mentee.",
                    "Remove the row: mentees are doctors in training (FY1 to ST8).",
                )
            ]
        scheme = self.scheme
        if scheme.mentee_eligibility != MenteeEligibility.CHOSEN:
            return grade, []
        problems = []
        if scheme.eligible_grades and grade not in scheme.eligible_grades:
            problems.append(
                _problem(
                    "grade",
                    f"This scheme is for {', '.join(scheme.eligible_grades)} trainees, "
                    f"not {grade}.",
                    "Remove the row, or change the scheme's eligible grades first.",
                )
            )
        wanted = {name.lower() for name in scheme.eligible_specialties}
        if wanted and specialty.lower() not in wanted:
            problems.append(
                _problem(
                    "specialty",
                    f"This scheme is for trainees in {', '.join(scheme.eligible_specialties)}; "
                    f"this row says {specialty or 'no specialty'}.",
                    "Correct the specialty, or remove the row.",
                )
            )
        return grade, problems

    def _start_date(self, text):
        if not text:
            return "", []
        started = _parse_date(text)
        if started is None:
            return text, [
                _problem(
                    "start_date",
                    f"“{text}” is not a date we can read.",
                    "Write it as day/month/year, e.g. 06/08/2025, or leave it empty.",
                )
            ]
        if not date(1950, 1, 1) <= started <= self.latest_start:
            return text, [
                _problem(
                    "start_date",
                    f"A start date of {started:%d %B %Y} looks wrong.",
                    "Check the year, or leave it empty.",
                )
            ]
        return started.isoformat(), []


@dataclass
class ParsedCohort:
    rows: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    ignored_columns: list = field(default_factory=list)


def cohort_file_parse(data, *, scheme):
    """Read the bytes of a cohort file and check every row. No database writes.

    1. Decode (UTF-8 with or without BOM, else Windows-1252) and find the columns from row 1;
       a file we cannot use raises CohortFileError.
    2. Check each row on its own (RowChecker), skipping blank rows.
    3. Mark every row whose email is on another row too.
    """
    if not data.strip():
        raise CohortFileError("The file is empty. Choose your cohort's CSV file and try again.")
    records = csv_records(decode_upload(data))
    header = []
    for _number, header in records:
        if any(cell.strip() for cell in header):
            break
    positions, ignored = _column_map(header)
    checker = RowChecker(scheme)
    entries = []
    for number, cells in records:
        if not any(cell.strip() for cell in cells):
            continue
        values = {
            name: cells[index] if index < len(cells) else "" for name, index in positions.items()
        }
        clean, problems = checker.check(values)
        if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
            problems.insert(
                0,
                _problem(
                    "",
                    f"This row has {len(cells)} values but the header has {len(header)} columns.",
                    "A value probably contains a comma: put that value in double quotes, or "
                    "remove the comma.",
                ),
            )
        entries.append((number, clean, problems))
    if not entries:
        raise CohortFileError(
            "The file names its columns but has no trainees in it. Add one row per trainee "
            "below the first row and upload it again."
        )

    rows_by_email = {}
    for number, clean, _problems in entries:
        if clean["email"]:
            rows_by_email.setdefault(clean["email"], []).append(number)
    parsed = ParsedCohort(ignored_columns=ignored)
    for number, clean, problems in entries:
        others = [other for other in rows_by_email.get(clean["email"], []) if other != number]
        if others:
            problems.append(
                _problem(
                    "email",
                    f"The same email is also on row{'s' if len(others) > 1 else ''} "
                    f"{', '.join(str(other) for other in others)}.",
                    "Keep one row per trainee and delete the others.",
                )
            )
        if problems:
            parsed.problems.append(
                {
                    "row": number,
                    "email": clean["email"],
                    "name": f"{clean['first_name']} {clean['last_name']}".strip(),
                    "problems": problems,
                }
            )
        else:
            parsed.rows.append({"row": number, **clean})
    return parsed


# --- What confirming would do -----------------------------------------------------------------


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


def _chunks(items, size=LOOKUP_CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _users_by_email(emails):
    """email → (user id, is_active), compared without case as accounts compares addresses."""
    found = {}
    for chunk in _chunks(sorted(set(emails))):
        found.update(
            (email, (pk, is_active))
            for email, pk, is_active in User.objects.annotate(email_lower=Lower("email"))
            .filter(email_lower__in=chunk)
            .values_list("email_lower", "pk", "is_active")
        )
    return found


def cohort_import_plan(cohort_import):
    """Sort the import's valid rows into: to enrol, already enrolled, left before, blocked."""
    scheme = cohort_import.scheme
    users = _users_by_email([row["email"] for row in cohort_import.rows])
    roles_by_user = {}
    user_ids = {pk for pk, _is_active in users.values()}
    for user_id, role, status in Enrolment.objects.filter(scheme=scheme).values_list(
        "user_id", "role", "status"
    ):
        if user_id in user_ids:
            roles_by_user.setdefault(user_id, set()).add(
                (role, status != Enrolment.Status.WITHDRAWN)
            )
    plan = CohortPlan()
    for row in cohort_import.rows:
        user_id, is_active = users.get(row["email"], (None, True))
        enrolments = roles_by_user.get(user_id, set())
        if (Enrolment.Role.MENTEE, True) in enrolments:
            plan.already_enrolled.append(row)
        elif (Enrolment.Role.MENTEE, False) in enrolments:
            plan.previously_left.append(row)
        elif not is_active:
            plan.blocked.append(
                _blocked(
                    row,
                    "This person's account is closed.",
                    "Remove the row, or ask the site administrator to reopen the account.",
                )
            )
        elif (Enrolment.Role.MENTOR, True) in enrolments and not scheme.allows_mentee_and_mentor:
            plan.blocked.append(
                _blocked(
                    row,
                    "This person is a mentor in this scheme, which does not let one person be "
                    "both mentor and mentee.",
                    "Remove the row, or change the scheme's settings first.",
                )
            )
        else:
            plan.to_enrol.append(row)
            if user_id is not None:
                plan.existing_user_ids[row["email"]] = user_id
    return plan


def _blocked(row, message, fix):
    return {
        "row": row["row"],
        "email": row["email"],
        "name": f"{row['first_name']} {row['last_name']}".strip(),
        "problems": [_problem("", message, fix)],
    }


# --- Use cases that write ---------------------------------------------------------------------


def cohort_import_preview(*, scheme, uploaded_file, uploaded_by):
    """Read and check an uploaded cohort file and keep the result for the organiser to confirm.

    Raises CohortFileError when the file as a whole cannot be used. Nothing is enrolled here.
    The import returned carries `ignored_columns` (not stored) for the page after the upload.
    """
    if uploaded_file.size > MAX_FILE_BYTES:
        raise CohortFileError(
            f"The file is {size_label(uploaded_file.size)}; the limit is "
            f"{size_label(MAX_FILE_BYTES)}. Split the cohort into smaller files and upload "
            "each one."
        )
    data = b"".join(uploaded_file.chunks())
    parsed = cohort_file_parse(data, scheme=scheme)
    with transaction.atomic():
        cohort_import = CohortImport.objects.create(
            scheme=scheme,
            uploaded_by=uploaded_by,
            file_name=(uploaded_file.name or "cohort.csv")[:255],
            rows=parsed.rows,
            problems=parsed.problems,
        )
    cohort_import.ignored_columns = parsed.ignored_columns
    return cohort_import


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
    try:
        with transaction.atomic():
            now = timezone.now()
            claimed = CohortImport.objects.filter(pk=cohort_import.pk, confirmed_at=None).update(
                confirmed_at=now
            )
            if claimed != 1:
                confirmed = CohortImport.objects.get(pk=cohort_import.pk)
                raise CohortAlreadyConfirmed(
                    f"This file was already confirmed on "
                    f"{timezone.localtime(confirmed.confirmed_at):%d %B %Y at %H:%M}: "
                    f"{confirmed.enrolled_count} trainees were enrolled. Nothing more was done."
                )
            plan = cohort_import_plan(cohort_import)
            enrolments = _enrolments_create(scheme=scheme, plan=plan, now=now)
            notification_ids = _notifications_create(enrolments=enrolments, now=now)
            CohortImport.objects.filter(pk=cohort_import.pk).update(enrolled_count=len(enrolments))
            # robust: the enrolments are committed whatever the broker does; a notification whose
            # task was not enqueued is found by the unsent-notifications sweep (accounts.tasks).
            transaction.on_commit(
                partial(_cohort_notifications_enqueue, notification_ids), robust=True
            )
    except IntegrityError as error:
        raise ValidationError(
            "Someone joined the scheme or made an account while we were enrolling, so nothing "
            "was saved. Confirm again: the rows are checked afresh."
        ) from error
    cohort_import.refresh_from_db(fields=["confirmed_at", "enrolled_count"])
    return cohort_import


def unusable_password():
    """What make_password(None) makes: '!' and 40 random characters, so the account cannot log in
    until its owner chooses a password through the emailed link. make_password draws the 40
    characters one at a time, which cost half a second over 10,000 accounts."""
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)


def _enrolments_create(*, scheme, plan, now):
    new_users = [
        User(
            email=row["email"],
            first_name=row["first_name"],
            last_name=row["last_name"],
            grade=row["grade"],
            specialty=row["specialty"],
            organisation_id=scheme.organisation_id,
            site=row["site"],
            training_started_on=date.fromisoformat(row["start_date"])
            if row["start_date"]
            else None,
            password=unusable_password(),
            email_confirmed_at=None,
            date_joined=now,
        )
        for row in plan.to_enrol
        if row["email"] not in plan.existing_user_ids
    ]
    User.objects.bulk_create(new_users, batch_size=1000)
    user_ids = dict(plan.existing_user_ids)
    if any(user.pk is None for user in new_users):  # a backend that cannot return ids
        emails = [row["email"] for row in plan.to_enrol]
        user_ids.update((email, pk) for email, (pk, _active) in _users_by_email(emails).items())
    else:
        user_ids.update((user.email, user.pk) for user in new_users)
    enrolments = [
        Enrolment(
            scheme=scheme,
            user_id=user_ids[row["email"]],
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
        by_user = {}
        for chunk in _chunks([enrolment.user_id for enrolment in enrolments]):
            by_user.update(
                Enrolment.objects.filter(
                    scheme=scheme, role=Enrolment.Role.MENTEE, user_id__in=chunk
                )
                .exclude(status=Enrolment.Status.WITHDRAWN)
                .values_list("user_id", "pk")
            )
        for enrolment in enrolments:
            enrolment.pk = by_user[enrolment.user_id]
    return enrolments


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
            for chunk in _chunks(keys)
            for pk in Notification.objects.filter(key__in=chunk).values_list("pk", flat=True)
        ]
    return [notification.pk for notification in notifications]


def _cohort_notifications_enqueue(notification_ids):
    """Hand the emails to Celery in chunks: each chunk task sends its emails one after another.

    Publishing one task message per email took 3 to 6 s of the organiser's request for 10,000
    trainees; chunks take a fraction of a second (bench/cohort_import.py). The price: a mail error
    stops the rest of its chunk instead of retrying that one email. Nothing is lost: the unsent
    notifications are re-enqueued one by one, with retries, by accounts' unsent-notifications
    sweep after its grace period.
    """
    from accounts.tasks import notification_send_task  # tasks import services: avoid a cycle

    if notification_ids:
        enqueue_signature(
            notification_send_task.chunks(
                ((notification_id,) for notification_id in notification_ids), EMAIL_CHUNK
            )
        )


# --- Opting out -------------------------------------------------------------------------------


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
