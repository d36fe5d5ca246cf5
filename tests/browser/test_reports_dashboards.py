import pytest
from django.core.management import call_command

from .conftest import (
    PHONE,
    assert_accessible_basics,
    assert_fits_phone_width,
    assert_no_axe_violations,
    log_in,
    screenshot,
    wait_for_page_scripts,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_a_dme_filters_the_organisation_dashboard_and_sees_the_charts(
    new_page, live_server, viewport
):
    call_command("load_demo", verbosity=0)
    page = new_page(viewport) if viewport else new_page()
    log_in(page, "dme@example.nhs.uk", "mentoring-demo-2026")
    if viewport:
        page.get_by_role("button", name="Show or hide the menu").click()
    page.get_by_role("link", name="Dashboards").click()
    page.get_by_role("heading", name="Peer mentoring at SLaM").wait_for()

    page.get_by_label("Enrolled from").fill("2020-01-01")
    page.get_by_label("Grade", exact=True).select_option("CT1")
    page.get_by_role("button", name="Show figures").click()
    page.wait_for_url("**grade=CT1**")
    assert "enrolled_from=2020-01-01" in page.url  # the filters are in the address
    assert page.get_by_label("Grade", exact=True).input_value() == "CT1"
    assert page.get_by_role("link", name="Clear filters").is_visible()

    wait_for_page_scripts(page)
    canvases = page.locator("canvas[data-chart]").count()
    drawn = page.evaluate(
        "() => [...document.querySelectorAll('canvas[data-chart]')]"
        ".filter(c => Chart.getChart(c) !== undefined).length"
    )
    # Every chart is drawn, or says that disclosure control left nothing to plot; no routes in
    # or pair health when filtered.
    unplotted = page.get_by_text("No chart: nothing to plot that may be shown.").count()
    assert drawn == canvases and canvases + unplotted >= 6
    assert page.get_by_role("table", name="From eligible trainees to pairs meeting").is_visible()
    assert_accessible_basics(page)
    assert_fits_phone_width(page)
    assert_no_axe_violations(page)
    screenshot(page, "organisation-dashboard")


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_a_dme_filtering_to_one_day_sees_why_routes_in_are_not_shown(
    new_page, live_server, viewport
):
    """Issue #14: a one-day filter must not show how that day's mentees came (a referral)."""
    call_command("load_demo", verbosity=0)
    page = new_page(viewport) if viewport else new_page()
    log_in(page, "dme@example.nhs.uk", "mentoring-demo-2026")
    page.goto(live_server.url + "/reports/organisations/slam/")
    page.get_by_role("heading", name="Peer mentoring at SLaM").wait_for()
    assert page.get_by_role("table", name="Mentees by how they joined").is_visible()

    from schemes.models import Enrolment

    day = (
        Enrolment.objects.filter(scheme__organisation__slug="slam", role="mentee")
        .order_by("created_at")
        .first()
        .created_at.date()
        .isoformat()
    )
    page.get_by_label("Enrolled from").fill(day)
    page.get_by_label("Enrolled up to").fill(day)
    page.get_by_role("button", name="Show figures").click()
    page.wait_for_url(f"**enrolled_to={day}**")

    note = page.locator("#sensitive-note")
    assert "shown for the whole trust only" in note.inner_text()
    assert note.get_by_role("link", name="Clear the filters").is_visible()
    assert page.get_by_role("table", name="Mentees by how they joined").count() == 0
    assert page.get_by_text("Referral").count() == 0
    assert page.get_by_text("fewer than 5").first.is_visible()
    assert_accessible_basics(page)
    assert_fits_phone_width(page)
    assert_no_axe_violations(page)
    screenshot(page, "organisation-dashboard-one-day")


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_an_organiser_opens_the_scheme_dashboard_from_the_scheme_menu(
    new_page, live_server, viewport
):
    call_command("load_demo", verbosity=0)
    page = new_page(viewport) if viewport else new_page()
    log_in(page, "organiser@example.nhs.uk", "mentoring-demo-2026")
    page.goto(live_server.url + "/schemes/slam-peer-mentoring/enrolments/")
    page.get_by_role("link", name="Dashboard", exact=True).click()
    page.get_by_role("heading", name="Dashboard: SLaM Peer Mentoring Scheme").wait_for()

    wait_for_page_scripts(page)
    drawn = page.evaluate(
        "() => [...document.querySelectorAll('canvas[data-chart]')]"
        ".filter(c => Chart.getChart(c) !== undefined).length"
    )
    unplotted = page.get_by_text("No chart: nothing to plot that may be shown.").count()
    canvases = page.locator("canvas[data-chart]").count()
    assert drawn == canvases and canvases + unplotted >= 7
    assert_accessible_basics(page)
    assert_fits_phone_width(page)
    assert_no_axe_violations(page)
    screenshot(page, "scheme-dashboard")


def test_a_dme_filters_the_dashboard_and_downloads_its_figures_as_xlsx(new_page, live_server):
    import io

    from openpyxl import load_workbook

    call_command("load_demo", verbosity=0)
    page = new_page()
    log_in(page, "dme@example.nhs.uk", "mentoring-demo-2026")
    page.get_by_role("link", name="Dashboards").click()
    page.get_by_role("heading", name="Peer mentoring at SLaM").wait_for()

    page.get_by_label("Grade", exact=True).select_option("CT1")
    page.get_by_role("button", name="Show figures").click()
    page.wait_for_url("**grade=CT1**")
    wait_for_page_scripts(page)
    funnel = page.get_by_role("table", name="From eligible trainees to pairs meeting")
    assert funnel.is_visible()
    canvas = page.locator('canvas[data-chart="chart-funnel-data"]')
    assert canvas.is_visible()
    assert page.evaluate(
        "() => Chart.getChart(document.querySelector('canvas[data-chart=\"chart-funnel-data\"]'))"
        " !== undefined"
    )
    shown = {
        row.locator("th").inner_text(): _cell(row.locator("td").inner_text())
        for row in funnel.locator("tbody tr").all()
    }

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Figures as Excel (XLSX)").click()
    download = download_info.value

    assert download.suggested_filename.startswith("dashboard-")
    assert download.suggested_filename.endswith(".xlsx")
    with open(download.path(), "rb") as handle:  # saved without the .xlsx extension
        book = load_workbook(io.BytesIO(handle.read()))
    assert book.sheetnames[:4] == ["About", "Funnel", "By scheme", "By grade"]
    about = dict(book["About"].iter_rows(values_only=True))
    assert about["Export"] == "Organisation dashboard"
    assert about["Filter: Grade"] == "Core trainee year 1 (CT1)"
    assert about["Exported by"] == "dme@example.nhs.uk"
    rows = list(book["Funnel"].iter_rows(values_only=True))[1:]
    assert {stage: count for stage, count, *_ in rows} == shown  # the page's funnel, filtered
    grades = [grade for grade, _count in list(book["By grade"].iter_rows(values_only=True))[1:]]
    assert grades in ([], ["Core trainee year 1 (CT1)"])
    screenshot(page, "organisation-dashboard-exports")


def _cell(text):
    """A table cell as the XLSX holds it: a number, or the disclosure text ("fewer than 5")."""
    return int(text) if text.isdigit() else text
