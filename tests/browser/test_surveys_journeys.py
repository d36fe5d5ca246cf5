"""Outcome surveys: a mentee answers from the emailed link; an organiser reads the results."""

import io
import re
from datetime import date
from pathlib import Path

import pytest
from django.core import mail
from openpyxl import load_workbook

from schemes.tests.factories import MemberFactory, make_dme
from surveys.models import Invitation, Moment, Response, SurveyTemplate
from surveys.services import survey_sweep
from surveys.tests.factories import builtin, response_with

from .conftest import (
    PHONE,
    assert_accessible_basics,
    assert_fits_phone_width,
    log_in,
    screenshot,
    wait_for_page_scripts,
)

# A transactional test empties every table when it ends, the built-in templates of the data
# migration included; the sweep and `builtin()` put them back (builtin_templates_ensure).
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def link_path(message, live_server):
    import re

    match = re.search(r"https?://\S+(/surveys/answer/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_mentee_answers_the_baseline_survey_from_the_emailed_link(
    new_page, live_server, pair, viewport
):
    survey_sweep()
    [message] = [m for m in mail.outbox if m.to == [pair.mentee.email]]
    path = link_path(message, live_server)

    page = new_page(viewport) if viewport else new_page()
    page.goto(path)  # not logged in
    page.get_by_role("heading", name="Mentee survey: at the start").wait_for()
    assert page.get_by_text("Your answers are anonymous.").is_visible()
    assert_accessible_basics(page)
    assert_fits_phone_width(page)
    screenshot(page, "survey-answer")

    career = page.get_by_role("group", name="I feel confident about the next steps in my career.")
    career.get_by_label("4", exact=True).check()
    wellbeing = page.get_by_role("group", name="How would you rate your wellbeing at work")
    wellbeing.get_by_label("5 – Very good").check()
    page.get_by_label("Exams").check()
    page.get_by_label("Someone to talk to").check()
    page.get_by_label("Anything else you would like the organisers to know?").fill(
        "Evenings suit me best"
    )
    page.get_by_role("button", name="Send my answers").click()

    page.get_by_role("heading", name="Thank you").wait_for()
    screenshot(page, "survey-thanks")
    response = Response.objects.get()
    assert response.is_anonymous
    answers = {a.question.code: (a.number, a.choices, a.text) for a in response.answers.all()}
    assert answers["confidence-career"] == (4, [], "")
    assert answers["wellbeing-overall"] == (5, [], "")
    assert answers["baseline-hopes"] == (None, ["Exams", "Someone to talk to"], "")
    assert Invitation.objects.get().has_responded

    # The link is one-time: opening it again is met politely.
    page.goto(path)
    page.get_by_role("heading", name="You have already answered this survey").wait_for()
    assert_accessible_basics(page)
    screenshot(page, "survey-already-answered")
    assert Response.objects.count() == 1


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_organiser_sees_results_with_a_chart_and_a_suppressed_group(
    new_page, live_server, organiser, scheme, viewport
):
    baseline, follow_up = builtin("mentee-baseline"), builtin("mentee-follow-up")
    mentor_follow_up = builtin("mentor-follow-up")
    for value in [2, 3, 3, 2, 4]:
        response_with(
            scheme,
            baseline,
            {"confidence-career": value, "wellbeing-overall": value},
            moment=Moment.AT_MATCH,
            month=date(2026, 1, 1),
        )
    for month, values in [(date(2026, 4, 1), [4, 4, 3, 5, 4]), (date(2026, 7, 1), [5, 4, 3])]:
        for value in values:
            response_with(
                scheme,
                follow_up,
                {
                    "process-objectives": value,
                    "process-regular": value - 1,
                    "content-feedback": value,
                    "content-challenge": 4,
                    "outcome-career": value,
                    "confidence-career": value,
                    "wellbeing-overall": 4,
                    "satisfaction-overall": value,
                    "satisfaction-recommend": 1,
                    "follow-up-improve": f"More time to meet ({value})",
                },
                month=month,
            )
    for value in [4, 5, 3]:  # only three mentors answered
        response_with(scheme, mentor_follow_up, {"mentor-content-feedback": value})

    page = new_page(viewport) if viewport else new_page()
    log_in(page, organiser.email)
    page.goto(f"/schemes/{scheme.slug}/enrolments/")
    page.get_by_role("link", name="Surveys", exact=True).click()
    page.get_by_role("heading", name="Outcome surveys").wait_for()
    assert_accessible_basics(page)
    assert_fits_phone_width(page)
    screenshot(page, "surveys-schedule")
    page.get_by_role("navigation", name=f"Surveys of {scheme.name}").get_by_role(
        "link", name="Results"
    ).click()
    page.get_by_role("heading", name="Survey results").wait_for()

    # A chart was drawn from the follow-up's figures, and the table carries the same numbers.
    chart = page.locator('canvas[data-chart="chart-mentee-follow-up-domains"]')
    chart.wait_for()
    wait_for_page_scripts(page)
    assert page.evaluate(
        "() => !!Chart.getChart(document.querySelector("
        "'canvas[data-chart=\"chart-mentee-follow-up-domains\"]'))"
    )
    follow_up_section = page.locator(
        "section", has=page.get_by_role("heading", name="Mentee survey: how is it going?")
    )
    assert follow_up_section.get_by_role("rowheader", name="Process", exact=True).is_visible()
    # The mentors' survey, with three responses, shows no figure.
    mentors = page.locator(
        "section", has=page.get_by_role("heading", name="Mentor survey: how is it going?")
    )
    assert mentors.get_by_text("Fewer than 5 responses so far").is_visible()
    # The quarter with three follow-ups is suppressed, and so is the other quarter, which would
    # otherwise give it away by subtraction; change from baseline is shown.
    for quarter in ("2026 Q2", "2026 Q3"):
        row = follow_up_section.get_by_role("row", name=quarter)
        assert row.get_by_text(re.compile("not shown|fewer than 5")).first.is_visible()
        assert not re.search(r"\d\.\d", row.inner_text())  # no mean score
    change = page.locator("section", has=page.get_by_role("heading", name="Change from baseline"))
    assert change.get_by_role("row", name="I feel confident about the next steps").is_visible()
    assert_accessible_basics(page)
    assert_fits_phone_width(page)
    page.get_by_text("Question by question").first.click()
    screenshot(page, "surveys-results")

    # The organiser downloads the figures: the domain scores travel, free text never does.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download these figures (XLSX)").click()
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert book.sheetnames[0] == "About"
    domains = list(book["Domain scores"].iter_rows(values_only=True))
    assert any("Process" in row for row in domains[1:])
    cells = [
        str(cell)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
    ]
    assert not any("More time to meet" in cell for cell in cells)


def test_organiser_copies_and_adapts_a_survey_and_the_dme_reads_the_trusts_results(
    new_page, live_server, organiser, scheme
):
    page = new_page()
    log_in(page, organiser.email)
    page.goto(f"/surveys/schemes/{scheme.slug}/")
    source = builtin("mentee-end-of-pair")
    page.get_by_role("link", name=f"Copy and adapt {source.name}, built-in, version 1").click()
    page.get_by_role("heading", name=f"Copy and adapt “{source.name}”").wait_for()
    assert_accessible_basics(page)
    screenshot(page, "surveys-adapt")
    page.get_by_label("Name of the new version").fill("SLaM mentee survey: looking back")
    page.get_by_label("Keep this question").nth(0).uncheck()
    new = page.locator("fieldset", has_text="New question 1")
    new.get_by_label("New question").fill("Where did you usually meet?")
    new.get_by_label("Kind of answer").select_option("single_choice")
    new.get_by_label("What it measures").select_option("process")
    page.get_by_role("button", name="Save as a new version").click()
    error = page.get_by_text("Give at least two choices, one per line.")
    error.first.wait_for()
    assert error.count() == 2  # in the summary at the top, and beside the field
    new = page.locator("fieldset", has_text="New question 1")
    new.get_by_label("Choices, one per line").fill("At work\nOnline\nSomewhere else")
    page.get_by_role("button", name="Save as a new version").click()

    page.get_by_role("heading", name="SLaM mentee survey: looking back").wait_for()
    screenshot(page, "surveys-template-detail")
    adapted = SurveyTemplate.objects.get(scheme=scheme)
    assert adapted.questions.count() == source.questions.count()
    assert adapted.questions.last().choices == ["At work", "Online", "Somewhere else"]
    assert scheme.survey_schedule.get(moment="end_of_pair", audience="mentee").template == adapted

    dme = make_dme(
        MemberFactory(organisation=scheme.organisation, email="dme.surveys@example.nhs.uk"),
        scheme.organisation,
    )
    for _ in range(5):
        response_with(scheme, adapted, {"content-feedback": 4})
    dme_page = new_page()
    log_in(dme_page, dme.email)
    dme_page.get_by_role("link", name="Survey results").click()
    dme_page.get_by_role("link", name=scheme.organisation.name).click()
    dme_page.get_by_role("heading", name="Survey results").wait_for()
    assert dme_page.get_by_role("heading", name="SLaM mentee survey: looking back").is_visible()
    assert_accessible_basics(dme_page)
    screenshot(dme_page, "surveys-organisation-results")
    dme_page.set_viewport_size(PHONE)
    dme_page.reload()
    dme_page.get_by_role("heading", name="Survey results").wait_for()
    assert_fits_phone_width(dme_page)
    screenshot(dme_page, "surveys-organisation-results")
