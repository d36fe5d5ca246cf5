"""The organiser's coverage figures under the disclosure rule (schemes.disclosure): a count of 1 to
4 mentors reads "fewer than 5", the counts beside it are suppressed with it so that the total
less the others never gives it, a 0 beside it is masked, and the threshold is a setting. The named
list of mentors on the same page is an operational list and is not affected."""

import re
from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from schemes.tests.factories import MentorEnrolmentFactory
from supervision.services import supervision_attendance_record

from .factories import session_with, verified_training

pytestmark = pytest.mark.django_db

FEWER, NOT_SHOWN = "fewer than 5", "not shown"


def mentors(scheme, how_many, kind=None):
    enrolments = [MentorEnrolmentFactory(scheme=scheme) for _ in range(how_many)]
    if kind:
        for enrolment in enrolments:
            verified_training(enrolment, kind=kind)
    return enrolments


def coverage_page(client, organiser, scheme):
    client.force_login(organiser)
    response = client.get(reverse("supervision:scheme", args=[scheme.slug]))
    assert response.status_code == 200
    return response.content.decode()


def table(page, caption):
    """{row heading: [cells]} of the table with `caption`."""
    body = page.split(caption)[1].split("</table>")[0]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S):
        heading = re.search(r'<th scope="row"[^>]*>(.*?)</th>', row, flags=re.S)
        if heading:
            cells = re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
            rows[heading.group(1).strip()] = [cell.strip() for cell in cells]
    return rows


TRAINING = "Active mentors by their most formal verified training"
SUPERVISION = "Supervision held and attendance"


def test_three_trained_mentors_read_fewer_than_5_and_the_zeros_beside_them_too(
    client, organiser, scheme
):
    mentors(scheme, 3, kind="formal_internal")
    page = coverage_page(client, organiser, scheme)
    rows = table(page, TRAINING)
    assert rows["Formal internal training"] == [FEWER, NOT_SHOWN]
    # The 0s beside a suppressed count are masked: otherwise 0 + 0 + 0 would give it.
    assert {cells[0] for cells in rows.values()} == {FEWER}
    assert "The scheme has fewer than 5 active mentors" in page
    # The operational list below still names each mentor.
    assert page.count("Yes</td>") >= 3


def test_one_small_count_hides_the_next_smallest_so_the_total_cannot_give_it_back(
    client, organiser, scheme
):
    mentors(scheme, 6, kind="formal_internal")
    mentors(scheme, 2)  # no verified training
    page = coverage_page(client, organiser, scheme)
    rows = table(page, TRAINING)
    assert rows["Formal internal training"] == [NOT_SHOWN, NOT_SHOWN]
    assert rows["No verified training"] == [NOT_SHOWN, NOT_SHOWN]
    assert not any(cells[0] in ("6", "2", "0") for cells in rows.values())
    # 8 active mentors are shown, and how many meet the requirement is not.
    assert "Of 8 active mentors, how many meet it is not shown" in page


def test_attendance_is_suppressed_as_a_group_and_its_rate_with_it(
    client, organiser, scheme, supervisor
):
    enrolments = mentors(scheme, 6, kind="formal_internal")
    session = session_with(supervisor, enrolments, starts_at=timezone.now() - timedelta(days=20))
    statuses = ["attended"] * 5 + ["apologies"]
    supervision_attendance_record(
        session=session,
        statuses=dict(zip([e.pk for e in enrolments], statuses, strict=True)),
    )
    rows = table(coverage_page(client, organiser, scheme), SUPERVISION)
    # Sessions are not people: shown as they are. Attended 5, apologies 1, absent 0: all hidden.
    assert rows["Last 3 months"] == ["1", NOT_SHOWN, NOT_SHOWN, NOT_SHOWN, NOT_SHOWN]


def test_coverage_of_five_or_more_shows_the_real_figures(client, organiser, scheme, supervisor):
    enrolments = mentors(scheme, 5, kind="formal_internal") + mentors(scheme, 5)
    session = session_with(supervisor, enrolments, starts_at=timezone.now() - timedelta(days=20))
    supervision_attendance_record(
        session=session,
        statuses={e.pk: "attended" if i < 5 else "absent" for i, e in enumerate(enrolments)},
    )
    page = coverage_page(client, organiser, scheme)
    rows = table(page, TRAINING)
    assert rows["Formal internal training"] == ["5", "50%"]
    assert rows["No verified training"] == ["5", "50%"]
    assert rows["Formal external training"] == ["0", "0%"]
    assert "<strong>5</strong> of 10 active mentors (50%) meet it." in page
    assert table(page, SUPERVISION)["Last 12 months"] == ["1", "5", "0", "5", "50%"]


@override_settings(DISCLOSURE_MIN_COUNT=8)
def test_the_threshold_is_read_from_settings(client, organiser, scheme):
    mentors(scheme, 6, kind="formal_internal")
    mentors(scheme, 8)
    page = coverage_page(client, organiser, scheme)
    rows = table(page, TRAINING)
    assert rows["Formal internal training"] == [NOT_SHOWN, NOT_SHOWN]
    assert rows["No verified training"] == [NOT_SHOWN, NOT_SHOWN]
    assert "fewer than 8" in page and FEWER not in page
