"""Survey results under the disclosure rule (schemes.disclosure), on the results page and in its
CSV and XLSX alike: a count of 1 to 4 people reads "fewer than 5", the counts beside it are
suppressed so that the total less the counts shown never gives it, a 0 beside it is masked, and
the threshold is the setting DISCLOSURE_MIN_COUNT."""

from datetime import date

import pytest
from django.test import override_settings
from django.urls import reverse

from reports.tests.test_survey_exports import (
    FEEDBACK,
    RECOMMEND,
    csv_lines,
    figures,
    invitations,
    sheet_rows,
    url,
    workbook,
)
from surveys.models import Domain, Question
from surveys.tests.factories import builtin, response_with

pytestmark = pytest.mark.django_db

FEWER = "fewer than 5"
NOT_SHOWN = "not shown"


def feedback_answers(scheme, counts, *, month=None):
    """counts[answer] people answer `answer` to "useful feedback" (1 to 5)."""
    follow_up = builtin("mentee-follow-up")
    for answer, how_many in counts.items():
        for _ in range(how_many):
            response_with(scheme, follow_up, {"content-feedback": answer}, month=month)


def page(client, user, scheme):
    response = client.get(reverse("surveys:scheme-results", args=[scheme.slug]))
    assert response.status_code == 200
    return response.content.decode()


def page_options(text, question):
    """{answer: (people, share)} from the question's table on the page."""
    import re

    table = text.split(f"Answers to “{question}”")[1].split("</table>")[0]
    rows = re.findall(
        r'<th scope="row" class="fw-normal">(.*?)</th>\s*<td class="text-end[^"]*">(.*?)</td>'
        r'<td class="text-end[^"]*">(.*?)</td>',
        table,
        flags=re.S,
    )
    return {label.strip(): (people.strip(), share.strip()) for label, people, share in rows}


def csv_options(lines, question):
    """{answer: (people, share)} from the CSV's question lines (the mean line left out)."""
    answers = {
        line["Detail"]
        for line in lines
        if line["Table"] == "Questions" and line["Item"] == question and line["Detail"] != "mean"
    }
    result = {}
    for answer in answers:
        row = figures(lines, "Questions", question, answer)
        result[answer] = (row.get("People"), row.get("Share %"))
    return result


def xlsx_options(book, question):
    return {
        row["Answer"]: (row["People"], row["Share %"])
        for row in sheet_rows(book, "Questions")
        if row["Question"] == question and row["Answer"] != "mean"
    }


def test_three_people_read_fewer_than_5_on_the_page_and_in_the_csv_and_xlsx(
    client, organiser, scheme
):
    # 20 answers: 3 say 1, 4 say 2, nobody says 3, 6 say 4 and 7 say 5.
    feedback_answers(scheme, {1: 3, 2: 4, 4: 6, 5: 7})
    client.force_login(organiser)

    shown = page_options(page(client, organiser, scheme), FEEDBACK)
    low, high = "1 – Strongly disagree", "5 – Strongly agree"
    assert shown[low] == (FEWER, NOT_SHOWN)
    assert shown["2"] == (FEWER, NOT_SHOWN)
    assert shown["3"] == (FEWER, NOT_SHOWN), "a 0 beside a suppressed count is masked"
    assert shown["4"] == ("6", "30%") and shown[high] == ("7", "35%")

    lines = csv_lines(client.get(url("scheme-survey-results-csv", scheme)))
    in_csv = csv_options(lines, FEEDBACK)
    assert in_csv[low] == (FEWER, None) and in_csv["2"] == (FEWER, None)
    assert in_csv["3"] == (FEWER, None)
    assert in_csv["4"] == ("6", "30") and in_csv[high] == ("7", "35")
    assert figures(lines, "Questions", FEEDBACK, "mean") == {"Responses": "20", "Mean (1–5)": "3.5"}

    in_xlsx = xlsx_options(
        workbook(client.get(url("scheme-survey-results-xlsx", scheme))), FEEDBACK
    )
    assert in_xlsx[low] == (FEWER, None) and in_xlsx["2"] == (FEWER, None)
    assert in_xlsx["3"] == (FEWER, None)
    assert in_xlsx["4"] == (6, 30) and in_xlsx[high] == (7, 35)
    # The total less the counts shown is 20 - 13 = 7: it cannot be any one hidden count.
    assert 20 - 6 - 7 >= 5


def test_one_small_count_takes_the_next_smallest_with_it_so_no_subtraction_recovers_it(
    client, organiser, scheme
):
    # 20 answers to "recommend": 17 yes, 3 no. Showing 17 beside the 20 responses would give 3.
    follow_up = builtin("mentee-follow-up")
    for index in range(20):
        response_with(
            scheme,
            follow_up,
            {"content-feedback": 4, "satisfaction-recommend": 0 if index < 3 else 1},
        )
    client.force_login(organiser)

    shown = page_options(page(client, organiser, scheme), RECOMMEND)
    assert shown == {"Yes": (NOT_SHOWN, NOT_SHOWN), "No": (NOT_SHOWN, NOT_SHOWN)}

    lines = csv_lines(client.get(url("scheme-survey-results-csv", scheme)))
    assert csv_options(lines, RECOMMEND) == {"Yes": (NOT_SHOWN, None), "No": (NOT_SHOWN, None)}
    book = workbook(client.get(url("scheme-survey-results-xlsx", scheme)))
    assert xlsx_options(book, RECOMMEND) == {"Yes": (NOT_SHOWN, None), "No": (NOT_SHOWN, None)}
    numbers = [
        row["People"]
        for row in sheet_rows(book, "Questions")
        if row["Question"] == RECOMMEND and isinstance(row["People"], int)
    ]
    assert numbers == []


def test_each_answer_of_a_multiple_choice_question_is_suppressed_against_its_complement(
    client, organiser, scheme
):
    """Several answers per person: 6 of 7 ticking one answer says 1 did not, so 6 is hidden."""
    follow_up = builtin("mentee-follow-up")
    Question.objects.create(
        template=follow_up,
        position=99,
        code="topics",
        text="What did you talk about?",
        kind=Question.Kind.MULTIPLE_CHOICE,
        domain=Domain.CONTENT,
        choices=["Exams", "Rota", "Career"],
    )
    for index in range(7):
        ticked = ["Exams"] + (["Career"] if index else [])
        response_with(scheme, follow_up, {"content-feedback": 4, "topics": ticked})
    client.force_login(organiser)

    shown = page_options(page(client, organiser, scheme), "What did you talk about?")
    assert shown == {
        "Exams": ("7", "100%"),
        "Rota": ("0", "0%"),
        "Career": (NOT_SHOWN, NOT_SHOWN),
    }
    book = workbook(client.get(url("scheme-survey-results-xlsx", scheme)))
    assert xlsx_options(book, "What did you talk about?") == {
        "Exams": (7, 100),
        "Rota": (0, 0),
        "Career": (NOT_SHOWN, None),
    }


def test_a_small_number_of_answers_to_an_invitation_reads_fewer_than_5_and_has_no_rate(
    client, organiser, scheme
):
    feedback_answers(scheme, {4: 5})
    invitations(scheme, sent=10, answered=3)
    client.force_login(organiser)

    text = page(client, organiser, scheme)
    rates = text.split("Response rates")[1].split("</table>")[0]
    assert ">10</td>" in rates and FEWER in rates and "%" not in rates

    lines = csv_lines(client.get(url("scheme-survey-results-csv", scheme)))
    assert figures(lines, "Response rates", "Mentees") == {
        "Invited": "10",
        "Answered": FEWER,
        "Note": "response rate not shown",
    }
    [rate] = sheet_rows(
        workbook(client.get(url("scheme-survey-results-xlsx", scheme))), "Response rates"
    )
    assert (rate["Invited"], rate["Answered"], rate["Response rate %"]) == (10, FEWER, None)


def test_a_quarters_responses_are_suppressed_with_the_other_quarters(client, organiser, scheme):
    """The quarters add up to the domain's responses, which are shown: 9 in all, 6 and 3 by
    quarter; showing the 6 would give the 3."""
    feedback_answers(scheme, {4: 6}, month=date(2026, 2, 1))
    feedback_answers(scheme, {5: 3}, month=date(2026, 4, 1))
    client.force_login(organiser)
    book = workbook(client.get(url("scheme-survey-results-xlsx", scheme)))
    content = {
        row["Quarter"]: (row["Responses"], row["Score (mean of 1–5)"], row["Note"])
        for row in sheet_rows(book, "Trend by quarter")
        if row["Domain"] == "Content"
    }
    # The score of 6 responses is hidden with their count: a score shown only for 5 or more
    # would tell which hidden count is the small one.
    assert content == {"2026 Q1": (None, None, NOT_SHOWN), "2026 Q2": (None, None, NOT_SHOWN)}
    domains = {row["Domain"]: row for row in sheet_rows(book, "Domain scores")}
    assert domains["Content"]["Responses"] == 9


@override_settings(DISCLOSURE_MIN_COUNT=8)
def test_the_threshold_is_read_from_settings(client, organiser, scheme):
    feedback_answers(scheme, {4: 7})
    invitations(scheme, sent=9, answered=7)
    client.force_login(organiser)

    text = page(client, organiser, scheme)
    assert "fewer than 8 responses" in text and "groups of 8 or more responses" in text
    assert "mean 4.00" not in text and "fewer than 5" not in text

    lines = csv_lines(client.get(url("scheme-survey-results-csv", scheme)))
    assert figures(lines, "Questions", FEEDBACK) == {"Note": "fewer than 8 responses"}
    assert figures(lines, "Response rates", "Mentees")["Answered"] == "fewer than 8"
    book = workbook(client.get(url("scheme-survey-results-xlsx", scheme)))
    [rate] = sheet_rows(book, "Response rates")
    assert rate["Answered"] == "fewer than 8"
    about = dict(book["About"].iter_rows(values_only=True))
    assert "groups of 8 or more" in about["Small numbers"]
