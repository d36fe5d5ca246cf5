"""A DME imports training outcomes and downloads the comparison; a regional lead downloads the
provision report."""

import csv
import io
from datetime import UTC, datetime

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from accounts.tests.factories import UserFactory
from reports.models import TrainingOutcome
from schemes.tests.factories import EnrolmentFactory

from .conftest import (
    PHONE,
    assert_accessible_basics,
    assert_fits_phone_width,
    log_in,
    screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def outcomes_csv(tmp_path, scheme):
    """Fifteen mentees of 2025/26 (ten satisfactory, all passed) and ten non-participants (five
    satisfactory, none passed): every group and rate large enough to be shown."""
    during_2025_26 = datetime(2025, 10, 1, 9, tzinfo=UTC)
    mentees = [EnrolmentFactory(scheme=scheme, created_at=during_2025_26).user for _ in range(15)]
    others = [UserFactory(organisation=scheme.organisation) for _ in range(10)]
    lines = ["Email,GMC number,Period,ARCP outcome,Exam passed"]
    lines += [f"{u.email},,2025/26,{1 if n < 10 else 3},yes" for n, u in enumerate(mentees)]
    lines += [f"{u.email},,2025/26,{1 if n < 5 else 3},no" for n, u in enumerate(others)]
    path = tmp_path / "outcomes.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_dme_imports_outcomes_sees_the_comparison_and_downloads_the_xlsx(
    new_page, live_server, tmp_path, dme, scheme
):
    path = outcomes_csv(tmp_path, scheme)
    page = new_page()
    log_in(page, dme.email)
    page.get_by_role("link", name="Outcomes").click()
    page.get_by_role("heading", name="Objective outcomes at SLaM").wait_for()
    page.get_by_role("link", name="Import outcomes").click()
    page.get_by_role("heading", name="Import training outcomes").wait_for()
    assert_accessible_basics(page)
    screenshot(page, "outcomes-upload")

    bad = tmp_path / "bad.csv"
    bad.write_text("email,period,arcp\na@nhs.net,2025/26,7\n,2025/26,1\n")
    page.get_by_label("Outcomes file (CSV)").set_input_files(str(bad))
    page.get_by_role("button", name="Check the file").click()
    page.get_by_role("heading", name="Nothing can be saved yet").wait_for()
    assert page.locator("#count-problems").inner_text() == "2"
    screenshot(page, "outcomes-preview-problems")
    page.set_viewport_size(PHONE)
    assert_fits_phone_width(page)
    screenshot(page, "outcomes-preview-problems")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name="Upload a file").click()

    page.get_by_label("Outcomes file (CSV)").set_input_files(str(path))
    page.get_by_role("button", name="Check the file").click()
    page.get_by_role("heading", name="Check the outcomes file").wait_for()
    assert page.locator("#count-valid").inner_text() == "25"
    assert TrainingOutcome.objects.count() == 0
    assert_accessible_basics(page)
    screenshot(page, "outcomes-preview")
    preview_url = page.url

    page.get_by_role("button", name="Save 25 outcomes").click()
    page.get_by_text("25 outcomes saved.").wait_for()
    table = page.locator("#outcome-comparison")
    mentees = table.get_by_role("row", name="Mentees")
    assert mentees.locator("td").all_inner_texts() == ["15", "67%", "15", "100%"]
    non = table.get_by_role("row", name="Non-participants")
    assert non.locator("td").all_inner_texts() == ["10", "50%", "10", "0%"]
    assert page.get_by_text("This comparison is observational.").is_visible()
    assert_accessible_basics(page)
    screenshot(page, "outcomes-report")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Excel (XLSX)").click()
    download = download_info.value
    today = timezone.localdate()
    assert download.suggested_filename == f"outcomes-slam-2025-26-{today:%Y-%m-%d}.xlsx"
    with open(download.path(), "rb") as handle:  # saved without the .xlsx extension
        book = load_workbook(io.BytesIO(handle.read()))
    assert book.sheetnames == ["About", "Outcomes 2025-26"]
    rows = list(book["Outcomes 2025-26"].iter_rows(values_only=True))
    assert rows[1] == ("Mentees", 15, 67, 15, 100)

    for url, heading in (
        (page.url, "Objective outcomes at SLaM"),
        (preview_url, "Outcomes file imported"),
        (f"/reports/organisations/{scheme.organisation.slug}/outcomes/import/", "Import training"),
    ):
        phone = new_page(PHONE)
        log_in(phone, dme.email)
        phone.goto(url)
        phone.get_by_role("heading", name=heading).wait_for()
        assert_fits_phone_width(phone)
        name = {"Objective": "outcomes-report", "Outcomes": "outcomes-preview"}.get(
            heading.split()[0], "outcomes-upload"
        )
        screenshot(phone, name)


def test_a_regional_lead_downloads_the_provision_csv(new_page, live_server, regional_lead, scheme):
    page = new_page()
    log_in(page, regional_lead.email)
    page.get_by_role("link", name="Regional report").click()
    page.get_by_role("heading", name="Peer mentoring provision in").wait_for()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV").click()
    download = download_info.value

    assert download.suggested_filename.startswith("provision-")
    with open(download.path(), encoding="utf-8-sig") as handle:
        rows = list(csv.reader(io.StringIO(handle.read())))
    assert rows[0][:3] == ["Trust", "Scheme", "Peer-only"]
    assert [row[1] for row in rows[1:]] == [scheme.name]
    screenshot(page, "provision-with-downloads")


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_a_dme_opens_the_print_ready_organisation_report(
    new_page, live_server, tmp_path, dme, scheme, viewport
):
    page = new_page(viewport) if viewport else new_page()
    log_in(page, dme.email)
    page.goto(f"/reports/organisations/{scheme.organisation.slug}/print/")
    page.get_by_role("heading", name="Peer mentoring at South London").wait_for()
    assert page.get_by_role("button", name="Print or save as PDF").is_visible()
    assert_accessible_basics(page)
    assert_fits_phone_width(page)
    screenshot(page, "organisation-print")
    page.emulate_media(media="print")
    assert not page.get_by_role("button", name="Print or save as PDF").is_visible()
    screenshot(page, "organisation-print-media")
