"""The outcomes report under the disclosure rule (schemes.disclosure), on the page and in its CSV
and XLSX alike: a group of 1 to 4 trainees reads "fewer than 5"; the groups beside it (and those
left out) are suppressed with it so that the rows of the DME's file less the groups shown never
give it; a 0 beside it is masked; a rate is not given when it would say that 1 to 4 people had an
unsatisfactory outcome or failed; and the threshold is a setting."""

import pytest
from django.test import override_settings
from django.urls import reverse

from accounts.tests.factories import UserFactory
from reports.tests.test_exports import csv_rows, workbook
from reports.tests.test_outcomes import JOINED, outcome
from schemes.models import Enrolment
from schemes.tests.factories import EnrolmentFactory, MentorEnrolmentFactory

pytestmark = pytest.mark.django_db

FEWER, NOT_SHOWN = "fewer than 5", "not shown"
HEADINGS = ["Trainees", "Satisfactory ARCP", "Exam results", "Exam pass rate"]


def cast(scheme, *, mentees=0, mentors=0, outsiders=0, waiting=0, failed_exams=0):
    """Outcomes for 2025/26: every ARCP satisfactory; each mentee has an exam result, of which
    `failed_exams` are failures; those `waiting` have only a request awaiting approval."""
    organisation = scheme.organisation
    for index in range(mentees):
        user = EnrolmentFactory(scheme=scheme, created_at=JOINED).user
        outcome(organisation, user, exam="no" if index < failed_exams else "yes")
    for _ in range(mentors):
        outcome(organisation, MentorEnrolmentFactory(scheme=scheme, created_at=JOINED).user)
    for _ in range(outsiders):
        outcome(organisation, UserFactory(organisation=organisation))
    for _ in range(waiting):
        user = EnrolmentFactory(
            scheme=scheme, status=Enrolment.Status.REQUESTED, created_at=JOINED
        ).user
        outcome(organisation, user)
    return organisation


def page_and_files(client, dme, organisation):
    client.force_login(dme)
    slug = organisation.slug
    page = client.get(reverse("reports:outcomes", args=[slug]) + "?period=2025/26")
    assert page.status_code == 200
    text = page.content.decode()
    table = text.split('id="outcome-comparison"')[1].split("</table>")[0]
    rows = csv_rows(client.get(reverse("reports:outcomes-csv", args=[slug]) + "?period=2025/26"))
    book = workbook(client.get(reverse("reports:outcomes-xlsx", args=[slug]) + "?period=2025/26"))
    sheet = [list(row) for row in book["Outcomes 2025-26"].iter_rows(values_only=True)]
    return (
        text,
        table,
        {row[0]: row[1:] for row in rows[1:]},
        {row[0]: row[1:] for row in sheet[1:]},
    )


def test_three_mentors_read_fewer_than_5_on_the_page_and_in_the_csv_and_xlsx(client, dme, scheme):
    # 3 mentors and 4 left out: both hidden, and between them 7, so no subtraction pins either.
    organisation = cast(scheme, mentees=20, mentors=3, outsiders=30, waiting=4)
    text, table, in_csv, in_xlsx = page_and_files(client, dme, organisation)

    assert (
        f'<th scope="row">Mentors</th>\n            <td class="text-body-secondary">{FEWER}</td>'
        in table
    )
    assert in_csv["Mentors"] == [FEWER] * 4
    assert in_xlsx["Mentors"] == [FEWER] * 4
    assert in_csv["Mentees"] == ["20", "100", "20", "100"]
    assert in_xlsx["Mentees"] == [20, 100, 20, 100]
    assert in_csv["Non-participants"] == ["30", "100", "0", "–"]
    assert "how many is not shown (fewer than 5)" in text


def test_one_small_group_hides_the_next_smallest_and_a_zero_beside_it(client, dme, scheme):
    # 3 mentors, nobody left out: the 0 is masked and the 20 mentees hidden too, or else the
    # rows of the file (53) less 20 and 30 would give 3.
    organisation = cast(scheme, mentees=20, mentors=3, outsiders=30)
    text, table, in_csv, in_xlsx = page_and_files(client, dme, organisation)

    assert in_csv["Mentees"] == [NOT_SHOWN] * 4
    assert in_csv["Mentors"] == [NOT_SHOWN] * 4
    assert in_xlsx["Mentees"] == [NOT_SHOWN] * 4 and in_xlsx["Mentors"] == [NOT_SHOWN] * 4
    assert in_xlsx["Non-participants"] == [30, 100, 0, "–"]
    assert ">20<" not in table and ">3<" not in table
    assert "how many is not shown (not shown)" in text


def test_a_rate_that_would_say_one_person_failed_is_not_given(client, dme, scheme):
    organisation = cast(scheme, mentees=20, outsiders=30, failed_exams=1)
    _text, table, in_csv, in_xlsx = page_and_files(client, dme, organisation)

    # 20 mentees, 20 exam results, 19 passes: 95% would say that one failed.
    assert in_csv["Mentees"] == ["20", "100", "20", NOT_SHOWN]
    assert in_xlsx["Mentees"] == [20, 100, 20, NOT_SHOWN]
    assert "95%" not in table


@override_settings(DISCLOSURE_MIN_COUNT=8)
def test_the_threshold_is_read_from_settings(client, dme, scheme):
    organisation = cast(scheme, mentees=6, outsiders=2)
    text, _table, in_csv, in_xlsx = page_and_files(client, dme, organisation)

    assert in_csv["Mentees"] == ["fewer than 8"] * 4
    assert in_xlsx["Non-participants"] == ["fewer than 8"] * 4
    assert "fewer than 8 people is not shown" in text and FEWER not in text
