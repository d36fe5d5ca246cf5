import re

import pytest
from django.core import mail

from accounts.tests.factories import DEFAULT_PASSWORD
from schemes.models import Enrolment

from .conftest import PHONE, assert_accessible_basics, assert_fits_phone_width, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = "Email,First name,Last name,Grade,Specialty,Programme,Site,Start date"
ROWS = [
    "aisha.khan@nhs.net,Aisha,Khan,FY1,Psychiatry,Foundation,Maudsley Hospital,06/08/2025",
    "ben.osei@example.nhs.uk,Ben,Osei,CT2,Psychiatry,Core psychiatry,Bethlem Royal Hospital,",
    "carys.jones@nhs.net,Carys,Jones,ST4,Old age psychiatry,Higher psychiatry,Lambeth Hospital,",
]
BAD_ROW = "dan.roe@gmail.com,Dan,Roe,FY2,Psychiatry,Foundation,Maudsley Hospital,31/02/2025"
FIXED_ROW = "dan.roe@nhs.net,Dan,Roe,FY2,Psychiatry,Foundation,Maudsley Hospital,03/02/2025"


def write_csv(path, rows):
    path.write_text("\r\n".join([HEADER, *rows]) + "\r\n", encoding="utf-8")
    return path


def test_organiser_imports_a_cohort_fixing_a_bad_row_and_a_trainee_opts_out(
    new_page, live_server, tmp_path, scheme, organiser
):
    page = new_page()
    page.goto(f"/accounts/login/?next=/schemes/{scheme.slug}/cohort/")
    page.get_by_label("Email address").fill(organiser.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Import a cohort").wait_for()
    assert_accessible_basics(page)

    # 1. A file without a grade column is refused whole, saying what to change.
    no_grades = tmp_path / "no-grades.csv"
    no_grades.write_text("Email,First name,Last name\r\n" + "aisha.khan@nhs.net,Aisha,Khan\r\n")
    page.get_by_label("Cohort file (CSV)").set_input_files(no_grades)
    page.get_by_role("button", name="Check the file").click()
    error = page.get_by_text("The file has no grade column")
    error.first.wait_for()
    assert error.count() == 2  # in the summary at the top, and beside the field
    assert page.get_by_text("Add or rename the columns").first.is_visible()
    assert_accessible_basics(page)
    screenshot(page, "cohort-upload-error")
    page.set_viewport_size(PHONE)
    assert_fits_phone_width(page)
    screenshot(page, "cohort-upload-error")
    page.set_viewport_size({"width": 1280, "height": 900})

    # 2. A file with one bad row: the preview says what is wrong with it and what to do.
    page.get_by_label("Cohort file (CSV)").set_input_files(
        write_csv(tmp_path / "august-intake.csv", [*ROWS, BAD_ROW])
    )
    page.get_by_role("button", name="Check the file").click()
    page.get_by_role("heading", name="Check the cohort file").wait_for()
    problems = page.get_by_role("table", name="Rows with problems")
    assert problems.get_by_text("dan.roe@gmail.com is not a SLaM address.").is_visible()
    assert problems.get_by_text("“31/02/2025” is not a date we can read.").is_visible()
    assert page.locator("#count-valid").inner_text() == "3"
    assert page.locator("#count-problems").inner_text() == "1"
    assert_accessible_basics(page)
    screenshot(page, "cohort-preview-with-problems")
    page.set_viewport_size(PHONE)
    assert_fits_phone_width(page)
    screenshot(page, "cohort-preview-with-problems")
    page.set_viewport_size({"width": 1280, "height": 900})

    # 3. Fix the file and upload it again: nothing was enrolled from the first one.
    assert not Enrolment.objects.filter(source=Enrolment.Source.COHORT).exists()
    page.get_by_role("link", name="Fix the file and upload it again").click()
    page.get_by_label("Cohort file (CSV)").set_input_files(
        write_csv(tmp_path / "august-intake-fixed.csv", [*ROWS, FIXED_ROW])
    )
    page.get_by_role("button", name="Check the file").click()
    page.get_by_role("heading", name="Check the cohort file").wait_for()
    assert page.locator("#count-valid").inner_text() == "4"
    assert page.locator("#count-problems").inner_text() == "0"
    screenshot(page, "cohort-preview-ready")

    # 4. Confirm: everyone is enrolled and emailed.
    page.get_by_role("button", name="Enrol 4 trainees").click()
    page.get_by_role("heading", name="Cohort file imported").wait_for()
    assert page.get_by_text("4 trainees enrolled in SLaM peer mentoring.").is_visible()
    assert page.locator("#count-enrolled").inner_text() == "4"
    assert page.get_by_role("button", name=re.compile("Enrol")).count() == 0
    assert_accessible_basics(page)
    screenshot(page, "cohort-imported")
    assert Enrolment.objects.filter(scheme=scheme, source=Enrolment.Source.COHORT).count() == 4
    assert len(mail.outbox) == 4

    # 5. A trainee opts out from their email on a phone, without logging in.
    email = next(message for message in mail.outbox if message.to == ["ben.osei@example.nhs.uk"])
    link = re.search(r"http://testserver(/schemes/opt-out/[^/\s]+/)", email.body)[1]
    phone = new_page(PHONE)
    phone.goto(link)
    phone.get_by_role("heading", name="Opt out of SLaM peer mentoring?").wait_for()
    assert_accessible_basics(phone)
    assert_fits_phone_width(phone)
    screenshot(phone, "opt-out")
    phone.get_by_role("button", name="Opt out of SLaM peer mentoring").click()
    phone.get_by_role("heading", name="You have opted out of SLaM peer mentoring").wait_for()
    assert_fits_phone_width(phone)
    screenshot(phone, "opt-out-done")
    assert (
        Enrolment.objects.get(user__email="ben.osei@example.nhs.uk").status
        == Enrolment.Status.WITHDRAWN
    )
