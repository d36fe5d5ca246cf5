"""The columns of a trust's trainee list (TIS or ESR export) and the checks of each row.

The list is read through accounts/staged_import.py, like the cohort import; its headers are
mapped by alias ("GMC No", "Forename", "Surname", "Placement Start Date"), and grades and dates
are read as the cohort import reads them (schemes/cohort_rows.py).
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from accounts.models import Grade
from accounts.staged_import import Column, ImportSpec, RowChecker, presence_problems, problem
from accounts.vocabulary import tidy

from .cohort_rows import date_clean, grade_clean
from .models import TRAINEE_GRADES


def _gmc_clean(text: str) -> str:
    """'1234567', ' 123 4567 ', 'GMC1234567' → '1234567'; anything else as it was typed."""
    squeezed = text.replace(" ", "").upper().removeprefix("GMC")
    return squeezed if squeezed.isdigit() else text


MAX_LENGTHS = {"email": 254, "first_name": 150, "last_name": 150, "specialty": 100, "site": 120}

TRAINEE_LIST_SPEC = ImportSpec(
    columns=(
        Column(
            "gmc_number",
            ("gmc_number", "gmc_no", "gmc", "gmc_ref", "gmc_reference", "gmc_reference_number"),
            required=True,
            cleaner=_gmc_clean,
            label="GMC number",
        ),
        Column(
            "first_name",
            ("first_name", "firstname", "forename", "forenames", "given_name", "first"),
            required=True,
        ),
        Column("last_name", ("last_name", "lastname", "surname", "family_name"), required=True),
        Column(
            "email",
            ("email", "email_address", "e_mail", "e_mail_address", "work_email", "nhs_email"),
            cleaner=str.lower,
        ),
        Column(
            "grade",
            ("grade", "training_grade", "grade_code", "grade_abbreviation"),
            required=True,
            cleaner=grade_clean,
        ),
        Column("specialty", ("specialty", "speciality", "specialism", "programme_specialty")),
        Column("site", ("site", "hospital", "work_site", "base_site", "main_site", "location")),
        Column(
            "starts_on",
            (
                "placement_start_date",
                "placement_start",
                "start_date",
                "starts_on",
                "date_from",
                "post_start_date",
            ),
            required=True,
            cleaner=date_clean,
            label="placement start",
        ),
        Column(
            "ends_on",
            (
                "placement_end_date",
                "placement_end",
                "end_date",
                "ends_on",
                "date_to",
                "post_end_date",
            ),
            cleaner=date_clean,
            label="placement end",
        ),
    ),
    empty_file="The file is empty. Choose the trust's trainee list and try again.",
    too_big="Split the list by site or specialty, or export it as CSV, and upload that.",
    no_rows=(
        "The file names its columns but has no trainees in it. Export the list again with one "
        "row per placement below the first row."
    ),
    reads_xlsx=True,
)

DATE_FIX = "Write it as day/month/year, e.g. 06/08/2026."


class TraineeListRowChecker(RowChecker):
    """Checks one row of a trainee list on its own; a GMC number may appear on one row only."""

    def check(self, row):
        starts_on, start_problems = _date_problems(row, "starts_on")
        ends_on, end_problems = _date_problems(row, "ends_on")
        problems = (
            presence_problems(row, TRAINEE_LIST_SPEC, MAX_LENGTHS)
            + _gmc_problems(row["gmc_number"])
            + _email_problems(row["email"])
            + _grade_problems(row["grade"])
            + start_problems
            + end_problems
        )
        if starts_on and ends_on and ends_on < starts_on:
            problems.append(
                problem(
                    "ends_on",
                    f"The placement ends ({ends_on:%d %B %Y}) before it starts "
                    f"({starts_on:%d %B %Y}).",
                    "Correct the start or end date.",
                )
            )
        return problems

    def rows_tidy(self, rows):
        for row in rows:
            row["specialty"] = tidy(row["specialty"])
            row["site"] = tidy(row["site"])

    def duplicate_keys(self, row):
        return [row["gmc_number"]] if row["gmc_number"] else []

    def duplicate_problem(self, others):
        return problem(
            "gmc_number",
            f"The same GMC number is also on row{'s' if len(others) > 1 else ''} "
            f"{', '.join(str(other) for other in others)}.",
            "Keep the row of the trainee's current placement and delete the others; if two "
            "people share the number, one of them is mistyped.",
        )

    def describe(self, row):
        return {
            "gmc_number": row["gmc_number"],
            "name": f"{row['first_name']} {row['last_name']}".strip(),
        }


def _gmc_problems(value):
    if not value or (len(value) == 7 and value.isdigit()):
        return []
    return [
        problem(
            "gmc_number",
            f"“{value}” is not a GMC number: it must be exactly 7 digits.",
            "Correct it from the GMC register or the trainee's TIS record.",
        )
    ]


def _email_problems(email):
    if not email:
        return []
    try:
        validate_email(email)
    except ValidationError:
        return [
            problem(
                "email",
                f"“{email}” is not an email address.",
                "Correct it, or leave it empty: the trainee can still be counted.",
            )
        ]
    return []


def _grade_problems(grade):
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
                f"{Grade(grade).label} is not a training grade.",
                "Remove the row: the list is of doctors in training (FY1 to ST8).",
            )
        ]
    return []


def _date_problems(row, name):
    """(the date or None, problems) of one date column."""
    value = row[name]
    if not value:
        return None, []
    try:
        day = date.fromisoformat(value)
    except ValueError:
        says = "placement start" if name == "starts_on" else "placement end"
        return None, [problem(name, f"The {says} “{value}” is not a date we can read.", DATE_FIX)]
    if not date(2000, 1, 1) <= day <= date(2100, 1, 1):
        return None, [problem(name, f"A date of {day:%d %B %Y} looks wrong.", "Check the year.")]
    return day, []
