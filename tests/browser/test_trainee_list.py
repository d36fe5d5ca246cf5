"""A DME imports the trust's trainee list in Chromium: preview with joiners and a problem, a fixed
file confirmed, the list, and the dashboard's uptake counted from the list."""

import pytest
from django.urls import reverse

from schemes.models import Placement

from .conftest import (
    assert_accessible_basics,
    assert_no_axe_violations,
    log_in,
    screenshot,
    screenshot_both_widths,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = "GMC No,Forename,Surname,Email,Grade,Specialty,Site,Placement Start Date"
ROWS = [
    "1234567,Aisha,Khan,aisha.khan@nhs.net,FY1,Psychiatry,Maudsley Hospital,06/08/2025",
    "2345678,Ben,Osei,ben.osei@nhs.net,CT2,Psychiatry,Bethlem Royal Hospital,06/08/2025",
    "3456789,Carys,Jones,carys.jones@nhs.net,ST4,Psychiatry,Lambeth Hospital,06/08/2025",
    "4567890,Dev,Shah,dev.shah@nhs.net,CT1,Psychiatry,Maudsley Hospital,06/08/2025",
    "5678901,Efe,Obi,efe.obi@nhs.net,CT3,Psychiatry,Maudsley Hospital,06/08/2025",
]
BAD_ROW = "1234567,Anna,Khan,anna.khan@nhs.net,FY1,Psychiatry,Maudsley Hospital,06/08/2025"


def write_csv(path, rows):
    path.write_text("\r\n".join([HEADER, *rows]) + "\r\n", encoding="utf-8")
    return path


def test_dme_imports_the_trainee_list_and_the_dashboard_counts_from_it(
    new_page, live_server, tmp_path, scheme, dme
):
    organisation = scheme.organisation
    page = new_page()
    log_in(page, dme.email)
    page.goto(reverse("schemes:trainee-list-upload", args=[organisation.slug]))
    page.get_by_role("heading", name="Import the trainee list").wait_for()
    assert_accessible_basics(page)
    assert_no_axe_violations(page)
    screenshot_both_widths(page, "trainee-list-upload")

    # 1. A GMC number on two rows: a problem, and the list cannot be saved.
    page.get_by_label("Trainee list (CSV or Excel)").set_input_files(
        write_csv(tmp_path / "tis.csv", [*ROWS, BAD_ROW])
    )
    page.get_by_label("Date of the list").fill("2026-08-01")
    page.get_by_role("button", name="Check the file").click()
    page.get_by_role("heading", name="Check the trainee list").wait_for()
    assert page.locator("#count-joiners").inner_text() == "4"
    assert page.locator("#count-problems").inner_text() == "2"
    assert page.get_by_text("The same GMC number is also on row").first.is_visible()
    assert page.get_by_role("button", name="Save the trainee list").count() == 0
    assert_no_axe_violations(page)
    screenshot_both_widths(page, "trainee-list-preview-problems")

    # 2. The fixed list: five joiners, saved.
    page.get_by_role("link", name="Upload the fixed list").click()
    page.get_by_label("Trainee list (CSV or Excel)").set_input_files(
        write_csv(tmp_path / "tis-fixed.csv", ROWS)
    )
    page.get_by_label("Date of the list").fill("2026-08-01")
    page.get_by_role("button", name="Check the file").click()
    page.get_by_role("heading", name="Joiners").wait_for()
    assert page.locator("#count-joiners").inner_text() == "5"
    screenshot_both_widths(page, "trainee-list-preview")
    page.get_by_role("button", name="Save the trainee list").click()
    page.get_by_text("5 joined, 0 changed, 0 left").wait_for()
    assert Placement.objects.filter(organisation=organisation).count() == 5
    assert page.locator("#count-current").inner_text() == "5"
    assert page.get_by_text("trainee list of 1 August 2026").first.is_visible()
    assert_no_axe_violations(page)
    screenshot_both_widths(page, "trainee-list")

    # 3. The dashboard's uptake is counted from the list.
    page.goto(reverse("reports:organisation-dashboard", args=[organisation.slug]))
    page.get_by_text(
        "Eligible trainees counted from the trust's trainee list of 1 August 2026"
    ).wait_for()
    screenshot(page, "trainee-list-dashboard")
