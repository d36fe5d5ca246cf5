"""The staged import (accounts/staged_import.py) that the cohort and outcomes imports are built on:
a file is decoded, its columns found, every row checked and kept for a preview; confirming saves
all of it in one transaction, or nothing.

The import here is a third one, written as a new import would be: a column spec, a row checker
and two short use cases. It reads a trust's trainee list (email, first name, last name) and makes
an account for each trainee; it is staged in a CohortImport row, as it might be until it has a
model of its own.
"""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError

from accounts.models import User
from accounts.staged_import import (
    Column,
    ImportFileError,
    ImportSpec,
    RowChecker,
    problem,
    staged_import_confirm,
    staged_import_preview,
)
from accounts.tests.factories import UserFactory
from schemes.models import CohortImport

pytestmark = pytest.mark.django_db

# --- The third import: a page of code ---------------------------------------------------------

TRAINEE_LIST_SPEC = ImportSpec(
    columns=(
        Column("email", ("email", "email_address", "work_email"), required=True, cleaner=str.lower),
        Column("first_name", ("first_name", "forename"), required=True),
        Column("last_name", ("last_name", "surname"), required=True),
    ),
    empty_file="The file is empty. Choose your trainee list and try again.",
    too_big="Split the list into smaller files and upload each one.",
    no_rows="The file names its columns but has no trainees in it.",
    max_bytes=1024,
)


class TraineeListChecker(RowChecker):
    def check(self, row):
        problems = [
            problem(name, f"The {name.replace('_', ' ')} is empty.", "Add it.")
            for name, value in row.items()
            if not value
        ]
        try:
            validate_email(row["email"])
        except ValidationError:
            problems.append(
                problem("email", f"“{row['email']}” is not an email address.", "Fix it.")
            )
        return problems

    def duplicate_keys(self, row):
        return [row["email"]]

    def describe(self, row):
        return {"email": row["email"], "name": f"{row['first_name']} {row['last_name']}".strip()}


def trainee_list_preview(*, scheme, uploaded_file, uploaded_by):
    return staged_import_preview(
        model=CohortImport,
        spec=TRAINEE_LIST_SPEC,
        checker=TraineeListChecker(),
        uploaded_file=uploaded_file,
        uploaded_by=uploaded_by,
        default_name="trainees.csv",
        scheme=scheme,
    )


def trainee_list_confirm(*, staged):
    def save(now):
        rows = staged.rows
        User.objects.bulk_create(
            [
                User(email=r["email"], first_name=r["first_name"], last_name=r["last_name"])
                for r in rows
            ]
        )
        return len(rows)

    return staged_import_confirm(
        staged,
        save=save,
        count_field="enrolled_count",
        already_confirmed=lambda _claimed: ValidationError("Already confirmed."),
    )


# --- Its tests --------------------------------------------------------------------------------

HEADER = "Email,First name,Last name"


def csv_upload(*rows, header=HEADER, encoding="utf-8", bom=b""):
    text = "\r\n".join([header, *rows]) + "\r\n"
    return SimpleUploadedFile("trainees.csv", bom + text.encode(encoding), content_type="text/csv")


def preview(scheme, organiser, upload):
    return trainee_list_preview(scheme=scheme, uploaded_file=upload, uploaded_by=organiser)


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("cp1252", b"")],
    ids=["utf-8", "utf-8 with byte order mark", "windows-1252"],
)
def test_names_read_right_whatever_the_encoding(scheme, organiser, encoding, bom):
    staged = preview(
        scheme, organiser, csv_upload("zoe@nhs.net,Zoë,Brontë", encoding=encoding, bom=bom)
    )

    assert staged.problems == []
    assert staged.rows == [
        {"row": 2, "email": "zoe@nhs.net", "first_name": "Zoë", "last_name": "Brontë"}
    ]


def test_a_utf16_file_is_refused_with_what_to_do(scheme, organiser):
    with pytest.raises(ImportFileError, match="saved as UTF-16"):
        preview(scheme, organiser, csv_upload("zoe@nhs.net,Zoe,Bronte", encoding="utf-16"))
    assert not CohortImport.objects.exists()


def test_a_file_over_the_spec_limit_is_refused_before_reading(scheme, organiser):
    rows = [f"trainee{n}@nhs.net,Trainee,Number {n}" for n in range(40)]

    with pytest.raises(ImportFileError) as raised:
        preview(scheme, organiser, csv_upload(*rows))

    assert raised.value.message.startswith("The file is 0.0 MB; the limit is 0.0 MB.")
    assert raised.value.message.endswith("Split the list into smaller files and upload each one.")
    assert not CohortImport.objects.exists()


def test_a_missing_required_column_is_named_with_the_columns_wanted(scheme, organiser):
    with pytest.raises(ImportFileError) as raised:
        preview(scheme, organiser, csv_upload("zoe@nhs.net,Zoe", header="Email,Forename"))

    assert raised.value.message.startswith("The file has no last name column")
    assert "must name the columns: email, first_name, last_name." in raised.value.message


def test_the_spec_messages_speak_for_an_empty_file_and_a_file_with_no_rows(scheme, organiser):
    with pytest.raises(ImportFileError, match="Choose your trainee list"):
        preview(scheme, organiser, SimpleUploadedFile("trainees.csv", b""))
    with pytest.raises(ImportFileError, match="has no trainees in it"):
        preview(scheme, organiser, csv_upload())


def test_bad_rows_are_shown_and_nothing_is_saved_until_confirmed(scheme, organiser):
    staged = preview(
        scheme,
        organiser,
        csv_upload(
            "zoe@nhs.net,Zoe,Bronte", "not-an-email,Ann,Lee", "zoe@nhs.net,Zoe,B", "x@nhs.net,,Ng"
        ),
    )

    assert [entry["row"] for entry in staged.problems] == [2, 3, 4, 5]
    assert staged.problems[1]["problems"][0]["message"] == "“not-an-email” is not an email address."
    assert staged.problems[0]["problems"][0]["message"] == "The same values are also on row 4."
    assert staged.problems[3] == {
        "row": 5,
        "email": "x@nhs.net",
        "name": "Ng",
        "problems": [
            {"field": "first_name", "message": "The first name is empty.", "fix": "Add it."}
        ],
    }
    assert staged.rows == []
    assert not User.objects.filter(email__endswith="@nhs.net").exists()


def test_confirming_saves_every_row_at_once_and_only_once(scheme, organiser):
    staged = preview(scheme, organiser, csv_upload("zoe@nhs.net,Zoe,Bronte", "ann@nhs.net,Ann,Lee"))
    assert not User.objects.filter(email__in=["zoe@nhs.net", "ann@nhs.net"]).exists()

    staged = trainee_list_confirm(staged=staged)

    assert staged.confirmed_at is not None
    assert staged.enrolled_count == 2
    assert set(User.objects.filter(email__endswith="@nhs.net").values_list("email", flat=True)) == {
        "zoe@nhs.net",
        "ann@nhs.net",
    }
    with pytest.raises(ValidationError, match="Already confirmed"):
        trainee_list_confirm(staged=staged)
    assert User.objects.filter(email__endswith="@nhs.net").count() == 2


def test_a_confirm_that_fails_part_way_saves_nothing_and_can_be_tried_again(scheme, organiser):
    staged = preview(scheme, organiser, csv_upload("zoe@nhs.net,Zoe,Bronte", "ann@nhs.net,Ann,Lee"))
    UserFactory(email="ann@nhs.net")  # made between the preview and the confirm

    with pytest.raises(IntegrityError):
        trainee_list_confirm(staged=staged)

    assert not User.objects.filter(email="zoe@nhs.net").exists()
    staged.refresh_from_db()
    assert staged.confirmed_at is None
    assert staged.enrolled_count == 0
