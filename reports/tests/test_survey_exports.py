"""The survey results' CSV and XLSX exports: the results page's figures under the page's
small-numbers rule, never free text, allow-listed columns, safe to open in a spreadsheet, audited,
and for exactly the people who may read the results page."""

import csv
import io

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import AuditEvent
from reports.exports import DANGEROUS_STARTS
from reports.survey_exports import (
    CHANGE_COLUMNS,
    DOMAIN_COLUMNS,
    LONG_COLUMNS,
    QUESTION_COLUMNS,
    RATE_COLUMNS,
    SHEETS,
    TREND_COLUMNS,
)
from schemes.tests.factories import EnrolmentFactory, SchemeFactory
from surveys.models import Invitation, Moment, Question
from surveys.services import survey_template_adapt
from surveys.tests.factories import builtin, invite, response_with

pytestmark = pytest.mark.django_db

SUPPRESSED = "fewer than 5 responses"
SURVEY = "Mentee survey: how is it going?"
FEEDBACK = "My mentor gives me useful feedback."
RECOMMEND = "Would you recommend the scheme to a colleague?"
IMPROVE = "What would make mentoring more useful for you?"
SECRET = "More evening slots"
SHEET_NAMES = [
    "About",
    "Response rates",
    "Questions",
    "Domain scores",
    "Trend by quarter",
    "Change from baseline",
]
HOSTILE_LINK = '=HYPERLINK("http://x")'
HOSTILE_SUM = "@SUM(1)"


def url(name, obj):
    return reverse(f"reports:{name}", args=[obj.slug])


def csv_lines(response):
    """The CSV as dicts keyed by heading, after checking it is streamed and headed right."""
    assert response.status_code == 200, response.status_code
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [heading for _, heading in LONG_COLUMNS]
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def workbook(response):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content))


def sheet_rows(book, title):
    """A sheet as dicts keyed by heading (blank cells are None)."""
    values = list(book[title].iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def every_cell(book):
    return [cell for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row]


def figures(lines, table, item, detail=""):
    """{measure: value} of one row of one table in the CSV."""
    return {
        line["Measure"]: line["Value"]
        for line in lines
        if line["Table"] == table and line["Item"] == item and line["Detail"] == detail
    }


def follow_up_responses(scheme, feedback, *, recommend=None):
    """One mentee follow-up response per value in `feedback`, each with a free-text answer."""
    follow_up = builtin("mentee-follow-up")
    for index, value in enumerate(feedback):
        answers = {"content-feedback": value, "follow-up-improve": f"{SECRET} {index}"}
        if recommend is not None:
            answers["satisfaction-recommend"] = recommend[index]
        response_with(scheme, follow_up, answers)


def invitations(scheme, *, sent, answered):
    for index in range(sent):
        invitation = invite(EnrolmentFactory(scheme=scheme).user, scheme, period=f"p{index}")
        if index < answered:
            Invitation.objects.filter(pk=invitation.pk).update(responded_at=timezone.now())


@pytest.fixture
def known(scheme):
    """25 follow-up answers to "useful feedback": five each of 1, 2 and 4, ten of 5, none of 3
    (mean 3.40; 20% each for 1, 2 and 4, 40% for 5), every count shown as no count is 1 to 4;
    "recommend": 20 yes, 5 no; 30 invited, 25 answered (83%)."""
    follow_up_responses(scheme, [1, 2, 4, 5, 5] * 5, recommend=[1, 1, 0, 1, 1] * 5)
    invitations(scheme, sent=30, answered=25)
    return scheme


# --- The allow-lists: changing an export means changing these lists -----------------------------


def test_each_survey_export_has_exactly_its_documented_columns():
    assert [key for key, _ in RATE_COLUMNS] == [
        "survey",
        "audience",
        "invited",
        "responded",
        "response_rate_percent",
        "note",
    ]
    assert [key for key, _ in QUESTION_COLUMNS] == [
        "survey",
        "question",
        "answer",
        "responses",
        "mean",
        "people",
        "percent",
        "note",
    ]
    assert [key for key, _ in DOMAIN_COLUMNS] == ["survey", "domain", "responses", "score", "note"]
    assert [key for key, _ in TREND_COLUMNS] == [
        "survey",
        "domain",
        "quarter",
        "responses",
        "score",
        "note",
    ]
    assert [key for key, _ in CHANGE_COLUMNS] == [
        "question",
        "method",
        "baseline_responses",
        "baseline_mean",
        "follow_up_responses",
        "follow_up_mean",
        "change",
        "interval_low",
        "interval_high",
        "note",
    ]
    assert [key for key, _ in LONG_COLUMNS] == [
        "table",
        "survey",
        "item",
        "detail",
        "measure",
        "value",
    ]
    assert [title for title, *_ in SHEETS] == SHEET_NAMES[1:]


def test_the_files_carry_only_the_allow_listed_columns(client, organiser, known):
    client.force_login(organiser)
    book = workbook(client.get(url("scheme-survey-results-xlsx", known)))
    assert book.sheetnames == SHEET_NAMES
    for title, columns, _, _ in SHEETS:
        header = next(book[title].iter_rows(values_only=True))
        assert list(header) == [heading for _, heading in columns], title
    lines = csv_lines(client.get(url("scheme-survey-results-csv", known)))
    tables = {line["Table"] for line in lines}
    assert tables == {"About", "Response rates", "Questions", "Domain scores", "Trend by quarter"}
    headings = {title: {h for _, h in columns} for title, columns, _, _ in SHEETS}
    for line in lines:
        if line["Table"] != "About":
            assert line["Measure"] in headings[line["Table"]], line


# --- The figures --------------------------------------------------------------------------------


def test_the_scheme_export_holds_the_results_pages_figures(client, organiser, known):
    client.force_login(organiser)
    page = client.get(reverse("surveys:scheme-results", args=[known.slug])).content.decode()
    assert "mean 3.40 out of 5" in page and "83%" in page

    lines = csv_lines(client.get(url("scheme-survey-results-csv", known)))
    assert figures(lines, "Response rates", "Mentees") == {
        "Invited": "30",
        "Answered": "25",
        "Response rate %": "83",
    }
    assert figures(lines, "Questions", FEEDBACK, "mean") == {"Responses": "25", "Mean (1–5)": "3.4"}
    five = next(
        line["Detail"]
        for line in lines
        if line["Item"] == FEEDBACK and line["Detail"].startswith("5 – ")
    )
    assert figures(lines, "Questions", FEEDBACK, five) == {
        "Responses": "25",
        "People": "10",
        "Share %": "40",
    }
    assert figures(lines, "Questions", FEEDBACK, "2") == {
        "Responses": "25",
        "People": "5",
        "Share %": "20",
    }
    assert figures(lines, "Questions", RECOMMEND, "Yes") == {
        "Responses": "25",
        "People": "20",
        "Share %": "80",
    }
    assert figures(lines, "Questions", IMPROVE) == {"Note": "free text is not exported"}
    assert figures(lines, "Domain scores", "Content") == {
        "Responses": "25",
        "Score (mean of 1–5)": "3.4",
    }
    quarter = next(line["Detail"] for line in lines if line["Table"] == "Trend by quarter")
    assert figures(lines, "Trend by quarter", "Content", quarter) == {
        "Responses": "25",
        "Score (mean of 1–5)": "3.4",
    }
    # A question nobody answered: no number.
    assert figures(lines, "Questions", "We meet regularly.") == {"Note": SUPPRESSED}

    book = workbook(client.get(url("scheme-survey-results-xlsx", known)))
    rates = sheet_rows(book, "Response rates")
    assert rates == [
        {
            "Survey": SURVEY,
            "Sent to": "Mentees",
            "Invited": 30,
            "Answered": 25,
            "Response rate %": 83,
            "Note": None,
        }
    ]
    questions = sheet_rows(book, "Questions")
    mean = next(row for row in questions if row["Question"] == FEEDBACK)
    assert (mean["Answer"], mean["Responses"], mean["Mean (1–5)"]) == ("mean", 25, 3.4)
    shares = {
        row["Answer"]: (row["People"], row["Share %"])
        for row in questions
        if row["Question"] == FEEDBACK and row["Answer"] != "mean"
    }
    assert list(shares.values()) == [(5, 20), (5, 20), (0, 0), (5, 20), (10, 40)]
    domains = {row["Domain"]: row for row in sheet_rows(book, "Domain scores")}
    assert (domains["Content"]["Responses"], domains["Content"]["Score (mean of 1–5)"]) == (25, 3.4)
    assert domains["Process"]["Score (mean of 1–5)"] is None
    assert domains["Process"]["Note"] == SUPPRESSED


def test_the_organisation_export_pools_the_trusts_schemes(client, dme, scheme, organisation):
    """Four answers in one scheme and one in another: each scheme alone is suppressed, the
    trust's aggregate is not."""
    follow_up_responses(scheme, [5, 5, 5, 5])
    follow_up_responses(SchemeFactory(organisation=organisation), [3])
    client.force_login(dme)
    lines = csv_lines(client.get(url("organisation-survey-results-csv", organisation)))
    assert figures(lines, "Questions", FEEDBACK, "mean") == {"Responses": "5", "Mean (1–5)": "4.6"}
    book = workbook(client.get(url("organisation-survey-results-xlsx", organisation)))
    about = dict(book["About"].iter_rows(values_only=True))
    assert about["Export"] == "Organisation survey results"
    assert about["Filter: organisation"] == organisation.name


# --- Small numbers ------------------------------------------------------------------------------


def test_with_four_responses_no_figure_is_exported(client, organiser, scheme):
    follow_up_responses(scheme, [5, 5, 5, 5], recommend=[1, 1, 1, 1])
    invitations(scheme, sent=6, answered=4)
    client.force_login(organiser)

    lines = csv_lines(client.get(url("scheme-survey-results-csv", scheme)))
    assert figures(lines, "Response rates", "Mentees") == {
        "Invited": "6",
        "Answered": "fewer than 5",
        "Note": "response rate not shown",
    }
    results = [line for line in lines if line["Table"] not in ("About", "Response rates")]
    assert results, "the export lists the survey's questions even with nothing to show"
    assert {line["Measure"] for line in results} == {"Note"}
    assert {line["Value"] for line in results} == {SUPPRESSED}

    book = workbook(client.get(url("scheme-survey-results-xlsx", scheme)))
    [rate] = sheet_rows(book, "Response rates")
    assert (rate["Invited"], rate["Answered"], rate["Response rate %"]) == (6, "fewer than 5", None)
    for title, columns, _, _ in SHEETS[1:]:
        numbers = [heading for key, heading in columns if key not in ("survey", "note")]
        for row in sheet_rows(book, title):
            assert not any(isinstance(row[heading], int | float) for heading in numbers), row
            assert row["Note"] == SUPPRESSED


def test_with_five_responses_the_figures_appear(client, organiser, scheme):
    follow_up_responses(scheme, [5, 5, 5, 5, 5])
    invitations(scheme, sent=5, answered=5)
    client.force_login(organiser)
    lines = csv_lines(client.get(url("scheme-survey-results-csv", scheme)))
    assert figures(lines, "Response rates", "Mentees")["Response rate %"] == "100"
    assert figures(lines, "Questions", FEEDBACK, "mean") == {"Responses": "5", "Mean (1–5)": "5.0"}
    assert figures(lines, "Domain scores", "Content")["Score (mean of 1–5)"] == "5.0"


def test_the_change_from_baseline_needs_five_on_each_side(client, organiser, scheme):
    baseline, follow_up = builtin("mentee-baseline"), builtin("mentee-follow-up")
    for value in (2, 3, 2, 3, 2):
        response_with(scheme, baseline, {"confidence-career": value}, moment=Moment.AT_MATCH)
    for value in (4, 4, 5, 4, 3):
        response_with(scheme, follow_up, {"confidence-career": value})
    response_with(scheme, baseline, {"confidence-network": 2}, moment=Moment.AT_MATCH)
    client.force_login(organiser)

    book = workbook(client.get(url("scheme-survey-results-xlsx", scheme)))
    changes = {row["Question"]: row for row in sheet_rows(book, "Change from baseline")}
    career = changes["I feel confident about the next steps in my career."]
    assert career["Compared"] == "group means"
    assert (career["Baseline responses"], career["Baseline mean"]) == (5, 2.4)
    assert (career["Follow-up responses"], career["Follow-up mean"]) == (5, 4.0)
    assert career["Change"] == 1.6
    assert career["95% interval from"] < 1.6 < career["95% interval to"]
    network = changes["I know people outside my own team whom I could ask for advice."]
    assert network["Change"] is None and network["Note"] == SUPPRESSED

    lines = csv_lines(client.get(url("scheme-survey-results-csv", scheme)))
    assert figures(
        lines,
        "Change from baseline",
        "I know people outside my own team whom I could ask for advice.",
        "group means",
    ) == {"Note": SUPPRESSED}


# --- Free text ----------------------------------------------------------------------------------


def test_free_text_is_never_in_the_file_though_the_organiser_reads_it_on_the_page(
    client, organiser, dme, known
):
    client.force_login(organiser)
    page = client.get(reverse("surveys:scheme-results", args=[known.slug])).content.decode()
    assert page.count(SECRET) == 25

    for member, name, obj in (
        (organiser, "scheme-survey-results", known),
        (dme, "organisation-survey-results", known.organisation),
    ):
        client.force_login(member)
        response = client.get(url(f"{name}-csv", obj))
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        assert SECRET not in text and IMPROVE in text
        cells = every_cell(workbook(client.get(url(f"{name}-xlsx", obj))))
        assert not any(SECRET in str(cell) for cell in cells)


# --- Formula injection --------------------------------------------------------------------------


@pytest.fixture
def hostile(scheme, organiser):
    """An organiser's adaptation whose question texts a spreadsheet would run, answered 5 times."""
    template = survey_template_adapt(
        source=builtin("mentee-follow-up"),
        scheme=scheme,
        created_by=organiser,
        name="-SLaM follow-up",
        introduction="",
        anonymous=True,
        questions=[
            {
                "text": HOSTILE_LINK,
                "kind": Question.Kind.LIKERT,
                "domain": "content",
                "low_label": "+low",
                "high_label": "high",
            },
            {"text": HOSTILE_SUM, "kind": Question.Kind.YES_NO, "domain": "satisfaction"},
        ],
    )
    codes = dict(template.questions.values_list("text", "code"))
    for value in (1, 2, 3, 4, 5):
        response_with(scheme, template, {codes[HOSTILE_LINK]: value, codes[HOSTILE_SUM]: 1})
    return scheme


def test_adapted_question_texts_are_neutralised_in_the_csv(client, organiser, hostile):
    client.force_login(organiser)
    lines = csv_lines(client.get(url("scheme-survey-results-csv", hostile)))
    items = {line["Item"] for line in lines if line["Table"] == "Questions"}
    assert {"'" + HOSTILE_LINK, "'" + HOSTILE_SUM} <= items
    assert figures(lines, "Questions", "'" + HOSTILE_LINK, "mean")["Mean (1–5)"] == "3.0"
    assert "'-SLaM follow-up" in {line["Survey"] for line in lines}
    assert not any(value.startswith(DANGEROUS_STARTS) for line in lines for value in line.values())


def test_adapted_question_texts_are_neutralised_in_the_xlsx(client, organiser, hostile):
    client.force_login(organiser)
    book = workbook(client.get(url("scheme-survey-results-xlsx", hostile)))
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row if cell.value]
    hostile_cells = [cell for cell in cells if str(cell.value).lstrip("'") == HOSTILE_LINK]
    assert hostile_cells and all(
        cell.value == "'" + HOSTILE_LINK and cell.data_type == "s" for cell in hostile_cells
    )
    assert "'" + HOSTILE_SUM in [cell.value for cell in cells]
    assert not any(
        isinstance(cell.value, str) and cell.value.startswith(DANGEROUS_STARTS) for cell in cells
    )


# --- The audit log ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, member, scope, export",
    [
        ("scheme-survey-results-csv", "organiser", "scheme", "Scheme survey results"),
        ("scheme-survey-results-xlsx", "organiser", "scheme", "Scheme survey results"),
        ("organisation-survey-results-csv", "dme", "organisation", "Organisation survey results"),
        (
            "organisation-survey-results-xlsx",
            "regional_lead",
            "organisation",
            "Organisation survey results",
        ),
    ],
)
def test_each_export_is_recorded_with_who_what_and_the_scope(
    client, request, known, name, member, scope, export
):
    person = request.getfixturevalue(member)
    obj = known if scope == "scheme" else known.organisation
    client.force_login(person)
    response = client.get(url(name, obj))
    assert response.status_code == 200
    [event] = AuditEvent.objects.all()
    assert (event.actor, event.actor_email, event.action, event.target) == (
        person,
        person.email,
        "report_export",
        obj.slug,
    )
    assert event.details == {
        "export": export,
        "format": name.rsplit("-", 1)[1],
        "filters": {scope: obj.name},
    }
    assert event.created_at is not None
    assert SECRET not in str(event.details)


def test_the_xlsx_says_what_when_and_by_whom(client, organiser, known):
    client.force_login(organiser)
    response = client.get(url("scheme-survey-results-xlsx", known))
    today = timezone.localdate()
    assert response["Content-Disposition"] == (
        f'attachment; filename="survey-results-{known.slug}-{today:%Y-%m-%d}.xlsx"'
    )
    about = dict(workbook(response)["About"].iter_rows(values_only=True))
    assert about["Export"] == "Scheme survey results"
    assert about["Exported by"] == organiser.email
    assert about["Filter: scheme"] == known.name
    assert f"{today:%d %B %Y}" in about["Exported at"]
    assert SUPPRESSED in about["Small numbers"]


# --- Who may export -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_signed_out_visitors_are_sent_to_log_in(client, known, fmt):
    for name, obj in (("scheme", known), ("organisation", known.organisation)):
        response = client.get(url(f"{name}-survey-results-{fmt}", obj))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(
    "member, outcome",
    [
        ("mentee", 403),
        ("mentor", 403),
        ("supervisor", 403),
        ("dme", 403),
        ("regional_lead", 403),
        ("other_organiser", 404),
        ("other_dme", 404),
    ],
)
def test_only_the_schemes_organisers_export_its_results(
    client, request, known, member, outcome, fmt
):
    client.force_login(request.getfixturevalue(member))
    assert client.get(url(f"scheme-survey-results-{fmt}", known)).status_code == outcome
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(
    "member, outcome",
    [
        ("organiser", 403),
        ("mentee", 403),
        ("supervisor", 403),
        ("other_organiser", 404),
        ("other_dme", 404),
    ],
)
def test_only_the_dme_and_the_regional_lead_export_the_organisations_results(
    client, request, known, member, outcome, fmt
):
    client.force_login(request.getfixturevalue(member))
    assert (
        client.get(url(f"organisation-survey-results-{fmt}", known.organisation)).status_code
        == outcome
    )
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_exports_only_answer_get(client, organiser, dme, known, fmt):
    client.force_login(organiser)
    assert client.post(url(f"scheme-survey-results-{fmt}", known)).status_code == 405
    client.force_login(dme)
    assert (
        client.post(url(f"organisation-survey-results-{fmt}", known.organisation)).status_code
        == 405
    )
    assert not AuditEvent.objects.exists()
