"""The cohort file: its columns and the checks of each row (see accounts/staged_import.py).

- Required columns are email, first name, last name and grade; specialty, programme, site and
  start date may be absent. Columns we do not know are ignored, and the organiser is told which.
- Every row sharing an email with another row is a problem, not just the second one: we cannot
  tell which of the two is right.
"""

import re
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from accounts.models import Grade
from accounts.staged_import import Column, ImportSpec, RowChecker, presence_problems, problem
from accounts.vocabulary import organisation_vocabulary, tidy

from .models import TRAINEE_GRADES, Enrolment, MenteeEligibility


def _grade_key(text):
    return re.sub(r"[^a-z0-9]+", "", text.lower())


GRADE_BY_KEY = {}
for _grade in Grade:
    GRADE_BY_KEY[_grade_key(_grade.value)] = _grade.value
    GRADE_BY_KEY[_grade_key(_grade.label)] = _grade.value
    GRADE_BY_KEY[_grade_key(re.sub(r"\(.*?\)", "", _grade.label))] = _grade.value
GRADE_BY_KEY.update({"f1": Grade.FY1.value, "f2": Grade.FY2.value})

NUMERIC_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})$")


def _numeric_date(text):
    match = NUMERIC_DATE.match(text)
    if not match:
        return None
    day, month, year = (int(part) for part in match.groups())
    try:
        return date(year + 2000 if year < 100 else year, month, day)
    except ValueError:
        return None


def _named_month_date(text):
    for pattern in ("%d %b %Y", "%d %B %Y", "%d-%b-%Y", "%d-%b-%y", "%d %b %y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def parse_date(text):
    """Day first, as UK spreadsheets write dates; ISO dates too. None if not a date."""
    text = re.sub(r"[T ]00:00(:00)?$", "", text.strip())
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    if NUMERIC_DATE.match(text):
        return _numeric_date(text)
    return _named_month_date(text)


def grade_clean(text):
    """The grade's code if we know the grade ("Foundation Year 1" → "FY1"), else the text."""
    return GRADE_BY_KEY.get(_grade_key(text), text) if text else ""


def date_clean(text):
    """An ISO date if the text is a date we can read, else the text."""
    started = parse_date(text) if text else None
    return started.isoformat() if started else text


# Longest value each column may hold, as the account and enrolment fields allow.
MAX_LENGTHS = {"email": 254, "first_name": 150, "last_name": 150, "specialty": 100}
MAX_LENGTHS |= {"programme": 120, "site": 120}

COHORT_SPEC = ImportSpec(
    columns=(
        Column(
            "email",
            ("email", "email_address", "e_mail", "e_mail_address", "work_email", "nhs_email"),
            required=True,
            cleaner=str.lower,
        ),
        Column(
            "first_name",
            ("first_name", "firstname", "forename", "forenames", "given_name", "first"),
            required=True,
        ),
        Column("last_name", ("last_name", "lastname", "surname", "family_name"), required=True),
        Column(
            "grade", ("grade", "training_grade", "grade_code"), required=True, cleaner=grade_clean
        ),
        Column("specialty", ("specialty", "speciality", "specialism")),
        Column("programme", ("programme", "program", "training_programme", "training_program")),
        Column("site", ("site", "hospital", "work_site", "base_site", "main_site")),
        Column(
            "start_date",
            (
                "start_date",
                "date_started",
                "training_start_date",
                "training_started",
                "training_started_on",
                "date_training_started",
            ),
            cleaner=date_clean,
        ),
    ),
    empty_file="The file is empty. Choose your cohort's CSV file and try again.",
    too_big="Split the cohort into smaller files and upload each one.",
    no_rows=(
        "The file names its columns but has no trainees in it. Add one row per trainee below "
        "the first row and upload it again."
    ),
)


class CohortRowChecker(RowChecker):
    """Checks one row against the file's rules and the scheme's."""

    def __init__(self, scheme):
        self.scheme = scheme
        # A scheme run for several trusts takes the addresses of each of them.
        trusts = [scheme.organisation, *scheme.partner_organisations.order_by("name")]
        domains = list(dict.fromkeys(d.lower() for trust in trusts for d in trust.email_domains))
        if any(not trust.email_domains for trust in trusts):
            domains = []  # a trust that names no domain takes any address
        self.domains = set(domains)
        self.domains_text = " or ".join(f"@{domain}" for domain in domains)
        self.organisation_name = " or ".join(trust.short_name or trust.name for trust in trusts)
        self.latest_start = timezone.localdate() + timedelta(days=366)

    def check(self, row):
        return (
            presence_problems(row, COHORT_SPEC, MAX_LENGTHS)
            + self._email_problems(row["email"])
            + self._grade_problems(row["grade"], row["specialty"])
            + self._start_date_problems(row["start_date"])
        )

    def rows_tidy(self, rows):
        _spellings_unify(self.scheme, rows)

    def duplicate_keys(self, row):
        return [row["email"]] if row["email"] else []

    def duplicate_problem(self, others):
        return problem(
            "email",
            f"The same email is also on row{'s' if len(others) > 1 else ''} "
            f"{', '.join(str(other) for other in others)}.",
            "Keep one row per trainee and delete the others.",
        )

    def describe(self, row):
        return {"email": row["email"], "name": f"{row['first_name']} {row['last_name']}".strip()}

    def _email_problems(self, email):
        if not email:
            return []
        try:
            validate_email(email)
        except ValidationError:
            return [
                problem(
                    "email",
                    f"“{email}” is not an email address.",
                    "Correct it: it should look like name@nhs.net.",
                )
            ]
        if self.domains and email.rsplit("@", 1)[1] not in self.domains:
            return [
                problem(
                    "email",
                    f"{email} is not a {self.organisation_name} address.",
                    f"Use the trainee's work address, ending {self.domains_text}.",
                )
            ]
        return []

    def _grade_problems(self, grade, specialty):
        if not grade:
            return []
        if grade not in Grade.values:
            return [
                problem(
                    "grade",
                    f"“{grade}” is not a grade we know.",
                    "Use one of FY1, FY2, CT1 to CT3 or ST1 to ST8.",
                )
            ]
        if grade not in TRAINEE_GRADES:
            return [
                problem(
                    "grade",
                    f"{Grade(grade).label} is not a training grade, so cannot be a mentee.",
                    "Remove the row: mentees are doctors in training (FY1 to ST8).",
                )
            ]
        if self.scheme.mentee_eligibility != MenteeEligibility.CHOSEN:
            return []
        return _chosen_grade_problems(self.scheme, grade) + _chosen_specialty_problems(
            self.scheme, specialty
        )

    def _start_date_problems(self, value):
        if not value:
            return []
        try:
            started = date.fromisoformat(value)
        except ValueError:
            return [
                problem(
                    "start_date",
                    f"“{value}” is not a date we can read.",
                    "Write it as day/month/year, e.g. 06/08/2025, or leave it empty.",
                )
            ]
        if not date(1950, 1, 1) <= started <= self.latest_start:
            return [
                problem(
                    "start_date",
                    f"A start date of {started:%d %B %Y} looks wrong.",
                    "Check the year, or leave it empty.",
                )
            ]
        return []


def _chosen_grade_problems(scheme, grade):
    if scheme.eligible_grades and grade not in scheme.eligible_grades:
        return [
            problem(
                "grade",
                f"This scheme is for {', '.join(scheme.eligible_grades)} trainees, not {grade}.",
                "Remove the row, or change the scheme's eligible grades first.",
            )
        ]
    return []


def _chosen_specialty_problems(scheme, specialty):
    wanted = {name.lower() for name in scheme.eligible_specialties}
    if wanted and tidy(specialty).lower() not in wanted:
        return [
            problem(
                "specialty",
                f"This scheme is for trainees in {', '.join(scheme.eligible_specialties)}; "
                f"this row says {specialty or 'no specialty'}.",
                "Correct the specialty, or remove the row.",
            )
        ]
    return []


def _spellings_unify(scheme, rows):
    """Spell each specialty and site as the trust already does ("psychiatry" → "Psychiatry",
    "maudsley  hospital" → "Maudsley Hospital"), else as the file does most carefully (see
    accounts.vocabulary), so one value is one filter option."""
    specialties = organisation_vocabulary(scheme.organisation_id, "specialty")
    for value in scheme.eligible_specialties:
        specialties.learn(value)
    sites = organisation_vocabulary(scheme.organisation_id, "site")
    for value in (
        Enrolment.objects.filter(scheme__organisation_id=scheme.organisation_id)
        .exclude(site="")
        .order_by()
        .values_list("site", flat=True)
        .distinct()
    ):
        sites.learn(value)
    for row in rows:
        specialties.learn(row["specialty"])
        sites.learn(row["site"])
    for row in rows:
        row["specialty"] = specialties.spelling(row["specialty"])
        row["site"] = sites.spelling(row["site"])
        row["programme"] = tidy(row["programme"])
