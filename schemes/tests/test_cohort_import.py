"""Opt-out cohort import: an organiser's CSV is checked row by row, previewed, and enrolled only
when confirmed, all at once; every enrolled trainee is emailed."""

import re
from unittest import mock

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import Grade, Notification, User
from schemes.cohort import (
    MAX_FILE_BYTES,
    CohortAlreadyConfirmed,
    CohortFileError,
    cohort_import_confirm,
    cohort_import_plan,
    cohort_import_preview,
)
from schemes.models import CohortImport, Enrolment
from schemes.tests.factories import (
    EnrolmentFactory,
    MemberFactory,
    MentorEnrolmentFactory,
    appoint,
)

HEADER = "email,first_name,last_name,grade,specialty,programme,site,start_date"
AISHA = "aisha.khan@nhs.net,Aisha,Khan,FY1,Psychiatry,Foundation,Maudsley Hospital,06/08/2025"
BEN = "ben.osei@example.nhs.uk,Ben,Osei,CT2,Psychiatry,Core psychiatry,Bethlem Royal Hospital,"
CARYS = "carys.jones@nhs.net,Carys,Jones,ST4,Old age psychiatry,,Lambeth Hospital,2021-08-04"


def upload(text, *, name="cohort.csv", encoding="utf-8"):
    data = text if isinstance(text, bytes) else text.encode(encoding)
    return SimpleUploadedFile(name, data, content_type="text/csv")


def cohort_csv(*rows, header=HEADER):
    return "\r\n".join([header, *rows]) + "\r\n"


def preview(scheme, organiser, *rows, header=HEADER):
    return cohort_import_preview(
        scheme=scheme, uploaded_file=upload(cohort_csv(*rows, header=header)), uploaded_by=organiser
    )


def problems_of(cohort_import, row):
    """The 'what is wrong' messages for one spreadsheet row."""
    for entry in cohort_import.problems:
        if entry["row"] == row:
            return " ".join(problem["message"] for problem in entry["problems"])
    return ""


def upload_url(scheme):
    return reverse("schemes:cohort-upload", args=[scheme.slug])


def preview_url(cohort_import):
    return reverse("schemes:cohort-preview", args=[cohort_import.scheme.slug, cohort_import.pk])


def confirm_url(cohort_import):
    return reverse("schemes:cohort-confirm", args=[cohort_import.scheme.slug, cohort_import.pk])


# --- Uploading and previewing -----------------------------------------------------------------


@pytest.mark.django_db
def test_organiser_uploads_a_file_and_sees_counts_and_each_problem_row(client, scheme, organiser):
    client.force_login(organiser)
    text = cohort_csv(AISHA, BEN, "not-an-email,Dan,Roe,FY2,,,,", CARYS)

    response = client.post(upload_url(scheme), {"file": upload(text)}, follow=True)

    cohort_import = CohortImport.objects.get()
    assert response.redirect_chain[-1][0] == preview_url(cohort_import)
    body = response.content.decode()
    assert re.search(r'id="count-valid">3<', body)
    assert re.search(r'id="count-problems">1<', body)
    assert re.search(r'id="count-already">0<', body)
    assert "“not-an-email” is not an email address." in body
    assert "it should look like name@nhs.net" in body  # what to do
    assert ">4</th>" in body  # the row number as the spreadsheet shows it
    assert "Enrol 3 trainees" in body
    assert Enrolment.objects.filter(source=Enrolment.Source.COHORT).count() == 0


@pytest.mark.django_db
def test_upload_page_explains_the_columns_and_has_a_labelled_file_field(client, scheme, organiser):
    client.force_login(organiser)
    body = client.get(upload_url(scheme)).content.decode()
    assert re.search(r'<label\s+for="id_file"', body)
    assert 'enctype="multipart/form-data"' in body
    assert "<caption" in body and 'scope="col"' in body
    assert body.count("<h1") == 1


@pytest.mark.django_db
def test_upload_without_a_file_says_to_choose_one(client, scheme, organiser):
    client.force_login(organiser)
    response = client.post(upload_url(scheme), {})
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == ["Choose your cohort's CSV file to upload."]
    assert "CSV file to upload." in response.content.decode()


@pytest.mark.django_db
def test_a_file_missing_a_required_column_is_refused_whole_and_names_the_column(
    client, scheme, organiser
):
    client.force_login(organiser)
    text = cohort_csv(
        "aisha.khan@nhs.net,Aisha,Khan,Psychiatry",
        header="Email,First name,Last name,Specialty",
    )
    response = client.post(upload_url(scheme), {"file": upload(text)})

    assert response.status_code == 200
    message = response.context["form"].errors["file"][0]
    assert "The file has no grade column" in message
    assert "“Email”, “First name”, “Last name”, “Specialty”" in message
    assert "Add or rename the columns" in message
    assert not CohortImport.objects.exists()


@pytest.mark.django_db
def test_header_names_are_recognised_in_any_case_and_common_wordings(scheme, organiser):
    header = (
        "E-mail address,First Name,SURNAME,Training grade,Speciality,Program,Hospital,Start date"
    )
    cohort_import = preview(
        scheme,
        organiser,
        "Aisha.Khan@NHS.net,Aisha,Khan,fy1,Psychiatry,Foundation,Maudsley,",
        header=header,
    )
    assert cohort_import.problems == []
    row = cohort_import.rows[0]
    assert row["email"] == "aisha.khan@nhs.net"
    assert (row["grade"], row["specialty"], row["programme"], row["site"]) == (
        "FY1",
        "Psychiatry",
        "Foundation",
        "Maudsley",
    )


@pytest.mark.django_db
def test_unknown_columns_are_ignored_and_the_organiser_is_told(client, scheme, organiser):
    client.force_login(organiser)
    text = cohort_csv(AISHA + ",123456", header=HEADER + ",GMC number")
    response = client.post(upload_url(scheme), {"file": upload(text)}, follow=True)
    assert "We ignored these columns, which we do not use: GMC number." in (
        response.content.decode()
    )
    assert CohortImport.objects.get().problems == []


@pytest.mark.django_db
def test_a_bad_email_is_a_problem_that_says_what_to_do(scheme, organiser):
    cohort_import = preview(scheme, organiser, AISHA, "aisha at nhs.net,Aisha,Khan,FY1,,,,")
    entry = cohort_import.problems[0]
    assert entry["row"] == 3
    assert entry["problems"][0]["message"] == "“aisha at nhs.net” is not an email address."
    assert "name@nhs.net" in entry["problems"][0]["fix"]
    assert len(cohort_import.rows) == 1


@pytest.mark.django_db
def test_an_email_outside_the_trusts_domains_is_a_problem(scheme, organiser):
    cohort_import = preview(scheme, organiser, "aisha.khan@gmail.com,Aisha,Khan,FY1,,,,")
    entry = cohort_import.problems[0]
    assert entry["problems"][0]["message"] == "aisha.khan@gmail.com is not a SLaM address."
    assert "@example.nhs.uk or @nhs.net" in entry["problems"][0]["fix"]


@pytest.mark.django_db
def test_an_unknown_grade_is_a_problem(scheme, organiser):
    cohort_import = preview(scheme, organiser, "aisha.khan@nhs.net,Aisha,Khan,Registrar,,,,")
    assert problems_of(cohort_import, 2) == "“Registrar” is not a grade we know."
    assert "FY1, FY2, CT1 to CT3 or ST1 to ST8" in cohort_import.problems[0]["problems"][0]["fix"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "written, grade",
    [
        ("fy1", Grade.FY1),
        ("St3", Grade.ST3),
        ("ct 2", Grade.CT2),
        ("Foundation year 2 (FY2)", Grade.FY2),
        ("specialty trainee year 8", Grade.ST8),
        ("F1", Grade.FY1),
    ],
)
def test_grade_codes_and_labels_are_accepted_in_any_case(scheme, organiser, written, grade):
    cohort_import = preview(scheme, organiser, f"aisha.khan@nhs.net,Aisha,Khan,{written},,,,")
    assert cohort_import.problems == []
    assert cohort_import.rows[0]["grade"] == grade


@pytest.mark.django_db
@pytest.mark.parametrize("written", ["CONSULTANT", "sas", "Other"])
def test_a_senior_grade_is_known_but_cannot_be_a_mentee(scheme, organiser, written):
    cohort_import = preview(scheme, organiser, f"aisha.khan@nhs.net,Aisha,Khan,{written},,,,")
    assert "is not a training grade, so cannot be a mentee" in problems_of(cohort_import, 2)


@pytest.mark.django_db
def test_empty_required_values_are_problems(scheme, organiser):
    cohort_import = preview(scheme, organiser, "aisha.khan@nhs.net,,Khan,,,,,")
    assert problems_of(cohort_import, 2) == "The first name is empty. The grade is empty."


@pytest.mark.django_db
def test_every_row_sharing_an_email_is_a_problem(scheme, organiser):
    cohort_import = preview(
        scheme, organiser, AISHA, BEN, "AISHA.KHAN@nhs.net,Aisha,Khan-Smith,FY1,,,,"
    )
    assert problems_of(cohort_import, 2) == "The same email is also on row 4."
    assert problems_of(cohort_import, 4) == "The same email is also on row 2."
    assert [row["email"] for row in cohort_import.rows] == ["ben.osei@example.nhs.uk"]
    assert "Keep one row per trainee" in cohort_import.problems[0]["problems"][0]["fix"]


@pytest.mark.django_db
@pytest.mark.parametrize("written", ["31/02/2025", "2025-13-01", "next August", "06/08/1925"])
def test_a_bad_start_date_is_a_problem(scheme, organiser, written):
    cohort_import = preview(scheme, organiser, f"aisha.khan@nhs.net,Aisha,Khan,FY1,,,,{written}")
    assert problems_of(cohort_import, 2)
    assert cohort_import.problems[0]["problems"][0]["field"] == "start_date"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "written", ["06/08/2025", "6/8/2025", "2025-08-06", "06-Aug-25", "6 August 2025", "06.08.2025"]
)
def test_start_dates_are_read_day_first_and_in_iso_form(scheme, organiser, written):
    cohort_import = preview(scheme, organiser, f"aisha.khan@nhs.net,Aisha,Khan,FY1,,,,{written}")
    assert cohort_import.problems == []
    assert cohort_import.rows[0]["start_date"] == "2025-08-06"


@pytest.mark.django_db
def test_a_row_with_more_values_than_columns_says_a_comma_needs_quotes(scheme, organiser):
    cohort_import = preview(
        scheme,
        organiser,
        "aisha.khan@nhs.net,Aisha,Khan,FY1,Psychiatry,,Guy's, St Thomas',06/08/2025",
    )
    assert "This row has 9 values but the header has 8 columns." in problems_of(cohort_import, 2)


@pytest.mark.django_db
def test_quoted_values_with_commas_and_blank_lines_are_fine(scheme, organiser):
    text = cohort_csv("aisha.khan@nhs.net,Aisha,Khan,FY1,,,\"Guy's, St Thomas'\",", ",,,,,,,", BEN)
    cohort_import = cohort_import_preview(
        scheme=scheme, uploaded_file=upload(text), uploaded_by=organiser
    )
    assert cohort_import.problems == []
    assert [row["row"] for row in cohort_import.rows] == [2, 4]
    assert cohort_import.rows[0]["site"] == "Guy's, St Thomas'"


@pytest.mark.django_db
def test_a_file_over_5_mb_is_refused_with_the_limit(client, scheme, organiser):
    client.force_login(organiser)
    filler = (AISHA + "\r\n").encode() * (MAX_FILE_BYTES // len(AISHA) + 10)
    big = upload((HEADER + "\r\n").encode() + filler)
    assert big.size > MAX_FILE_BYTES

    response = client.post(upload_url(scheme), {"file": big})

    message = response.context["form"].errors["file"][0]
    assert "the limit is 5.0 MB" in message
    assert "Split the cohort into smaller files" in message
    assert not CohortImport.objects.exists()


@pytest.mark.django_db
def test_utf8_with_a_byte_order_mark_is_read(scheme, organiser):
    text = cohort_csv(
        "sian.ellis@nhs.net,Siân,Ellis,FY1,,,,", header="Email,First name,Last name,Grade"
    )
    cohort_import = cohort_import_preview(
        scheme=scheme, uploaded_file=upload(text, encoding="utf-8-sig"), uploaded_by=organiser
    )
    assert cohort_import.problems == []
    assert cohort_import.rows[0]["first_name"] == "Siân"


@pytest.mark.django_db
def test_windows_1252_from_excel_is_read(scheme, organiser):
    text = cohort_csv("zoe.brien@nhs.net,Zoë,O’Brien,FY1,,,,")
    cohort_import = cohort_import_preview(
        scheme=scheme, uploaded_file=upload(text, encoding="cp1252"), uploaded_by=organiser
    )
    assert cohort_import.problems == []
    assert (cohort_import.rows[0]["first_name"], cohort_import.rows[0]["last_name"]) == (
        "Zoë",
        "O’Brien",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data, expected",
    [
        (
            (HEADER + "\r\n" + AISHA).encode("utf-16"),
            "saved as UTF-16",
        ),
        (
            (HEADER + "\r\n").encode() + b"aisha@nhs.net,A\x81sha,Khan,FY1,,,,\r\n",
            "neither UTF-8 nor Windows-1252",
        ),
        (
            (HEADER + "\r\n").encode()
            + "sian@nhs.net,Siân,É,FY1,,,,\r\n".encode()
            + "zoe@nhs.net,Zoë,B,FY1,,,,\r\n".encode("cp1252"),
            "mixes two text encodings",
        ),
        (b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40, "Excel workbook"),
    ],
    ids=["utf-16", "not-text", "mixed", "xlsx"],
)
def test_a_file_in_an_encoding_we_cannot_read_is_refused_with_how_to_save_it(
    client, scheme, organiser, data, expected
):
    client.force_login(organiser)
    response = client.post(upload_url(scheme), {"file": upload(data)})
    message = response.context["form"].errors["file"][0]
    assert expected in message
    assert "CSV UTF-8 (Comma delimited)" in message
    assert not CohortImport.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data, expected",
    [(b"", "The file is empty."), ((HEADER + "\r\n").encode(), "has no trainees in it")],
    ids=["empty", "header-only"],
)
def test_a_file_with_nobody_in_it_is_refused(scheme, organiser, data, expected):
    with pytest.raises(CohortFileError, match=expected):
        cohort_import_preview(scheme=scheme, uploaded_file=upload(data), uploaded_by=organiser)


@pytest.mark.django_db
def test_a_semicolon_separated_file_is_read(scheme, organiser):
    text = cohort_csv(AISHA.replace(",", ";"), header=HEADER.replace(",", ";"))
    cohort_import = cohort_import_preview(
        scheme=scheme, uploaded_file=upload(text), uploaded_by=organiser
    )
    assert cohort_import.problems == [] and len(cohort_import.rows) == 1


@pytest.mark.django_db
def test_a_trainee_already_enrolled_is_skipped_not_a_problem(client, scheme, organiser, mentee):
    text = cohort_csv(AISHA, f"{mentee.email.upper()},Maya,Patel,CT1,,,,")
    client.force_login(organiser)
    response = client.post(upload_url(scheme), {"file": upload(text)}, follow=True)

    body = response.content.decode()
    assert re.search(r'id="count-valid">1<', body)
    assert re.search(r'id="count-already">1<', body)
    assert re.search(r'id="count-problems">0<', body)

    cohort_import_confirm(cohort_import=CohortImport.objects.get(), confirmed_by=organiser)
    assert Enrolment.objects.filter(user=mentee, scheme=scheme).count() == 1


@pytest.mark.django_db
def test_a_trainee_who_left_the_scheme_before_is_not_enrolled_again(scheme, organiser):
    left = EnrolmentFactory(
        scheme=scheme, user__email="aisha.khan@nhs.net", status=Enrolment.Status.WITHDRAWN
    )
    cohort_import = preview(scheme, organiser, AISHA)

    plan = cohort_import_plan(cohort_import)
    assert [row["email"] for row in plan.previously_left] == ["aisha.khan@nhs.net"]
    assert plan.to_enrol == []
    cohort_import_confirm(cohort_import=cohort_import, confirmed_by=organiser)
    assert not left.user.enrolments.exclude(status=Enrolment.Status.WITHDRAWN).exists()


@pytest.mark.django_db
def test_a_mentor_of_a_scheme_that_forbids_both_roles_is_a_problem_at_preview(
    client, scheme, organiser
):
    MentorEnrolmentFactory(scheme=scheme, user__email="carys.jones@nhs.net")
    cohort_import = preview(scheme, organiser, CARYS)
    client.force_login(organiser)
    body = client.get(preview_url(cohort_import)).content.decode()
    assert "This person is a mentor in this scheme" in body
    assert re.search(r'id="count-problems">1<', body)


@pytest.mark.django_db
def test_a_scheme_for_chosen_grades_flags_other_grades(scheme, organiser):
    scheme.mentee_eligibility = "chosen"
    scheme.eligible_grades = ["FY1", "FY2"]
    scheme.save()
    cohort_import = preview(scheme, organiser, AISHA, CARYS)
    assert problems_of(cohort_import, 3) == "This scheme is for FY1, FY2 trainees, not ST4."


@pytest.mark.django_db
def test_nothing_is_enrolled_from_a_file_that_was_not_confirmed(scheme, organiser):
    preview(scheme, organiser, AISHA, BEN)
    assert not User.objects.filter(email="aisha.khan@nhs.net").exists()
    assert not Enrolment.objects.filter(source=Enrolment.Source.COHORT).exists()
    assert not Notification.objects.exists()


# --- Confirming -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_confirm_enrols_every_valid_row_and_creates_their_accounts(client, scheme, organiser):
    cohort_import = preview(scheme, organiser, AISHA, BEN, "bad,Dan,Roe,FY2,,,,", CARYS)
    client.force_login(organiser)

    response = client.post(confirm_url(cohort_import), follow=True)

    assert "3 trainees enrolled in SLaM peer mentoring." in response.content.decode()
    assert re.search(r'id="count-enrolled">3<', response.content.decode())
    cohort_import.refresh_from_db()
    assert cohort_import.confirmed_at is not None
    assert cohort_import.enrolled_count == 3
    aisha = User.objects.get(email="aisha.khan@nhs.net")
    assert (aisha.first_name, aisha.last_name, aisha.grade, aisha.specialty) == (
        "Aisha",
        "Khan",
        "FY1",
        "Psychiatry",
    )
    assert aisha.organisation == scheme.organisation
    assert aisha.site == "Maudsley Hospital"
    assert str(aisha.training_started_on) == "2025-08-06"
    assert not aisha.has_usable_password()
    assert aisha.email_confirmed_at is None
    assert User.objects.get(email="ben.osei@example.nhs.uk").training_started_on is None
    enrolment = aisha.enrolments.get()
    assert (enrolment.scheme, enrolment.role, enrolment.source, enrolment.status) == (
        scheme,
        Enrolment.Role.MENTEE,
        Enrolment.Source.COHORT,
        Enrolment.Status.ACTIVE,
    )
    assert (enrolment.programme, enrolment.site) == ("Foundation", "Maudsley Hospital")
    assert Enrolment.objects.filter(scheme=scheme, source=Enrolment.Source.COHORT).count() == 3


@pytest.mark.django_db
def test_an_existing_account_is_enrolled_and_its_profile_left_alone(scheme, organiser):
    existing = MemberFactory(
        organisation=scheme.organisation, email="aisha.khan@nhs.net", first_name="Ayesha"
    )
    cohort_import = preview(scheme, organiser, AISHA)

    cohort_import_confirm(cohort_import=cohort_import, confirmed_by=organiser)

    existing.refresh_from_db()
    assert existing.first_name == "Ayesha"
    assert existing.has_usable_password()
    assert existing.enrolments.get().source == Enrolment.Source.COHORT
    assert User.objects.filter(email="aisha.khan@nhs.net").count() == 1


@pytest.mark.django_db
def test_a_failure_part_way_through_confirming_saves_nothing(scheme, organiser):
    cohort_import = preview(scheme, organiser, AISHA, BEN)
    users_before = User.objects.count()

    with (
        mock.patch("schemes.cohort._notifications_create", side_effect=RuntimeError("disk full")),
        pytest.raises(RuntimeError),
    ):
        cohort_import_confirm(cohort_import=cohort_import, confirmed_by=organiser)

    assert User.objects.count() == users_before
    assert not Enrolment.objects.filter(source=Enrolment.Source.COHORT).exists()
    cohort_import.refresh_from_db()
    assert cohort_import.confirmed_at is None
    assert cohort_import.enrolled_count == 0
    # ...so the organiser can simply confirm again.
    cohort_import_confirm(cohort_import=cohort_import, confirmed_by=organiser)
    assert Enrolment.objects.filter(source=Enrolment.Source.COHORT).count() == 2


@pytest.mark.django_db
def test_confirming_twice_enrols_once(
    client, scheme, organiser, django_capture_on_commit_callbacks
):
    cohort_import = preview(scheme, organiser, AISHA, BEN)
    stale_copy = CohortImport.objects.get(pk=cohort_import.pk)
    client.force_login(organiser)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(confirm_url(cohort_import))
        second = client.post(confirm_url(cohort_import), follow=True)

    assert "This file was already confirmed on" in second.content.decode()
    with pytest.raises(CohortAlreadyConfirmed):
        cohort_import_confirm(cohort_import=stale_copy, confirmed_by=organiser)
    assert Enrolment.objects.filter(source=Enrolment.Source.COHORT).count() == 2
    assert Notification.objects.filter(kind="cohort_enrolled").count() == 2
    assert len(mail.outbox) == 2
    cohort_import.refresh_from_db()
    assert cohort_import.enrolled_count == 2


@pytest.mark.django_db
def test_confirm_refuses_get(client, scheme, organiser):
    cohort_import = preview(scheme, organiser, AISHA)
    client.force_login(organiser)
    assert client.get(confirm_url(cohort_import)).status_code == 405
    assert not Enrolment.objects.filter(source=Enrolment.Source.COHORT).exists()


@pytest.mark.django_db
def test_a_closed_scheme_cannot_be_confirmed_into_and_says_how_to_open_it(
    client, scheme, organiser
):
    cohort_import = preview(scheme, organiser, AISHA)
    scheme.is_open = False
    scheme.save()
    client.force_login(organiser)

    response = client.post(confirm_url(cohort_import), follow=True)

    assert "is closed to new enrolments. Open it in the scheme&#x27;s settings" in (
        response.content.decode()
    )
    assert not Enrolment.objects.filter(source=Enrolment.Source.COHORT).exists()
    cohort_import.refresh_from_db()
    assert cohort_import.confirmed_at is None


@pytest.mark.django_db
def test_each_enrolled_trainee_is_emailed_a_set_password_link_and_an_opt_out_link(
    client, scheme, organiser, django_capture_on_commit_callbacks
):
    cohort_import = preview(scheme, organiser, AISHA, BEN)

    with django_capture_on_commit_callbacks(execute=True):
        cohort_import_confirm(cohort_import=cohort_import, confirmed_by=organiser)

    assert sorted(message.to[0] for message in mail.outbox) == [
        "aisha.khan@nhs.net",
        "ben.osei@example.nhs.uk",
    ]
    message = next(m for m in mail.outbox if m.to == ["aisha.khan@nhs.net"])
    assert message.subject == "SLaM has given you a place in SLaM peer mentoring"
    assert "Hello Aisha," in message.body
    enrolment = Enrolment.objects.get(user__email="aisha.khan@nhs.net")
    assert Notification.objects.filter(key=f"cohort_enrolled:enrolment:{enrolment.pk}").exists()
    assert Notification.objects.filter(sent_at=None).count() == 0

    opt_out = re.search(r"http://testserver(/schemes/opt-out/[^/\s]+/)", message.body)[1]
    assert "Opt out of SLaM peer mentoring" in client.get(opt_out).content.decode()

    password_link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", message.body)[1]
    form_page = client.get(password_link, follow=True)
    assert form_page.context["validlink"]
    html = message.alternatives[0][0]
    assert opt_out in html and "organiser@example.nhs.uk" in html


@pytest.mark.django_db
def test_the_set_password_link_confirms_the_address(client, scheme, organiser):
    cohort_import = preview(scheme, organiser, AISHA)
    cohort_import_confirm(cohort_import=cohort_import, confirmed_by=organiser)
    aisha = User.objects.get(email="aisha.khan@nhs.net")

    link = reverse(
        "accounts:password-reset-confirm",
        args=[
            urlsafe_base64_encode(force_bytes(aisha.pk)),
            default_token_generator.make_token(aisha),
        ],
    )
    form_page = client.get(link, follow=True)
    password = "copper-kettle-river-58"
    client.post(
        form_page.redirect_chain[-1][0], {"new_password1": password, "new_password2": password}
    )
    aisha.refresh_from_db()
    assert aisha.check_password(password)
    assert aisha.email_confirmed_at is not None


@pytest.mark.django_db
def test_an_existing_account_is_emailed_a_login_link_not_a_password_link(
    scheme, organiser, django_capture_on_commit_callbacks
):
    MemberFactory(organisation=scheme.organisation, email="aisha.khan@nhs.net")
    cohort_import = preview(scheme, organiser, AISHA)
    with django_capture_on_commit_callbacks(execute=True):
        cohort_import_confirm(cohort_import=cohort_import, confirmed_by=organiser)
    body = mail.outbox[0].body
    assert "You already have an account with us." in body
    assert "/accounts/password/reset/" not in body


@pytest.mark.django_db
def test_preview_after_confirming_shows_the_enrolled_count_and_no_confirm_button(
    client, scheme, organiser
):
    cohort_import = preview(scheme, organiser, AISHA, "bad,Dan,Roe,FY2,,,,")
    cohort_import_confirm(cohort_import=cohort_import, confirmed_by=organiser)
    client.force_login(organiser)
    body = client.get(preview_url(cohort_import)).content.decode()
    assert re.search(r'id="count-enrolled">1<', body)
    assert "“bad” is not an email address." in body
    assert confirm_url(cohort_import) not in body


# --- Who may ----------------------------------------------------------------------------------


@pytest.fixture
def an_import(scheme, organiser):
    return preview(scheme, organiser, AISHA)


def _requests(scheme, cohort_import):
    return [
        ("get", upload_url(scheme)),
        ("post", upload_url(scheme)),
        ("get", preview_url(cohort_import)),
        ("post", confirm_url(cohort_import)),
    ]


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in(client, scheme, an_import):
    for method, url in _requests(scheme, an_import):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login") + "?next=")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "who, status",
    [("mentee", 403), ("dme", 403), ("supervisor", 403), ("other_organiser", 404)],
)
def test_only_the_schemes_organisers_may_import(client, request, scheme, an_import, who, status):
    client.force_login(request.getfixturevalue(who))
    for method, url in _requests(scheme, an_import):
        data = (
            {"file": upload(cohort_csv(BEN))} if method == "post" and "confirm" not in url else {}
        )
        assert getattr(client, method)(url, data).status_code == status, url
    an_import.refresh_from_db()
    assert an_import.confirmed_at is None
    assert CohortImport.objects.count() == 1


@pytest.mark.django_db
def test_an_import_of_another_scheme_is_not_found(client, scheme, other_scheme, other_organiser):
    theirs = preview(other_scheme, other_organiser, "x.y@other-trust.nhs.uk,X,Y,FY1,,,,")
    organiser = MemberFactory(organisation=scheme.organisation, email="o2@example.nhs.uk")
    client.force_login(appoint(organiser, scheme))
    wrong_scheme = reverse("schemes:cohort-preview", args=[scheme.slug, theirs.pk])
    wrong_confirm = reverse("schemes:cohort-confirm", args=[scheme.slug, theirs.pk])
    assert client.get(wrong_scheme).status_code == 404
    assert client.post(wrong_confirm).status_code == 404
    theirs.refresh_from_db()
    assert theirs.confirmed_at is None


@pytest.mark.django_db
def test_a_superuser_may_import_only_where_appointed_organiser(client, scheme, superuser):
    client.force_login(superuser)
    assert client.get(upload_url(scheme)).status_code == 404  # a stranger to the scheme
    appoint(superuser, scheme)
    assert client.get(upload_url(scheme)).status_code == 200


@pytest.mark.django_db
def test_a_stray_quotation_mark_that_swallows_the_file_is_refused_with_the_row(scheme, organiser):
    rows = [AISHA, 'ben.osei@example.nhs.uk,"Ben,Osei,CT2,,,,'] + [CARYS] * 3000
    with pytest.raises(CohortFileError, match="We could not read row 3 as CSV"):
        preview(scheme, organiser, *rows)


@pytest.mark.django_db
def test_someone_joining_while_confirming_saves_nothing_and_asks_to_confirm_again(
    scheme, organiser
):
    existing = MemberFactory(organisation=scheme.organisation, email="aisha.khan@nhs.net")
    cohort_import = preview(scheme, organiser, AISHA, BEN)
    real_plan = cohort_import_plan

    def plan_then_aisha_joins(cohort_import):
        plan = real_plan(cohort_import)
        EnrolmentFactory(scheme=scheme, user=existing)  # her own sign-up, a moment too late
        return plan

    with (
        mock.patch("schemes.cohort.cohort_import_plan", plan_then_aisha_joins),
        pytest.raises(ValidationError, match="nothing was saved. Confirm again"),
    ):
        cohort_import_confirm(cohort_import=cohort_import, confirmed_by=organiser)

    assert not User.objects.filter(email="ben.osei@example.nhs.uk").exists()
    cohort_import.refresh_from_db()
    assert cohort_import.confirmed_at is None
