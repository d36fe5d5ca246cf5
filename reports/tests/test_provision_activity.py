"""The provision report's "observed against declared": each scheme's declared meetings,
supervision and training beside what happened in the last 12 months, and the time it took of
mentees and mentors, on the page and in the XLSX alike, under the disclosure rules."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from matching.models import Pair
from reports.provision import region_provision
from reports.tests.test_activity import ABSENT, APOLOGIES, ATTENDED, attendance, meetings, pair_of
from reports.tests.test_exports import csv_rows, workbook
from schemes.models import Enrolment
from schemes.tests.factories import MentorEnrolmentFactory, OrganisationFactory, SchemeFactory
from supervision.tests.factories import session_with, verified_training

pytestmark = pytest.mark.django_db


def busy(scheme, supervisor):
    """A scheme that declares meetings every 4–8 weeks, group supervision and formal internal
    training, and in the last year:

    - 11 mentors: 10 active (5 with verified formal internal training), 1 who rotated to another
      trust 60 days ago, ending their pair;
    - 13 pairs: 5 meeting every 7 weeks or so for 300 days (6 meetings of an hour each), 6
      meeting twice in 300 days (30 minutes each), the rotated mentor's pair once before it
      ended, and one pair begun 20 days ago that has not met yet: 5 of 12 met as declared;
    - a group session where 5 mentors attended, 3 sent apologies and 2 were absent, and a 1:1
      of an hour: 5 of 11 mentors attended.
    """
    mentors = [MentorEnrolmentFactory(scheme=scheme, capacity=2) for _ in range(10)]
    rotated = MentorEnrolmentFactory(
        scheme=scheme, status=Enrolment.Status.WITHDRAWN, status_changed_at=_ago(60)
    )
    for mentor in mentors[:5]:
        verified_training(mentor)
        meetings(pair_of(scheme, mentor, begun=300), 290, 240, 190, 140, 90, 40)
    for mentor in [*mentors[5:], mentors[5]]:
        meetings(pair_of(scheme, mentor, begun=300), 200, 100, minutes=30)
    ended = pair_of(scheme, rotated, begun=250, ended=60, end_reason=Pair.EndReason.ROTATED_OUT)
    meetings(ended, 200, minutes=30)
    pair_of(scheme, mentors[0], begun=20)
    group = session_with(supervisor, mentors, starts_at=_ago(30))
    attendance(group, [ATTENDED] * 5 + [APOLOGIES] * 3 + [ABSENT] * 2)
    one = session_with(supervisor, mentors[:1], starts_at=_ago(45), duration_minutes=60)
    attendance(one, [ATTENDED])
    return scheme


def _ago(days):
    from reports.tests.test_activity import days_ago

    return days_ago(days)


def small(scheme):
    """Three pairs, each meeting once: three mentees, three mentors."""
    for _ in range(3):
        mentor = MentorEnrolmentFactory(scheme=scheme)
        meetings(pair_of(scheme, mentor, begun=100), 50)
    return scheme


def observed(region, scheme):
    [item] = [item for item in region_provision(region)["activity"] if item["scheme"] == scheme]
    return item


def page(client, regional_lead, region):
    client.force_login(regional_lead)
    response = client.get(reverse("reports:provision", args=[region.slug]))
    assert response.status_code == 200
    return response.content.decode()


def sheet_row(client, region, scheme):
    rows = list(
        workbook(client.get(reverse("reports:provision-xlsx", args=[region.slug])))[
            "Observed against declared"
        ].iter_rows(values_only=True)
    )
    [row] = [dict(zip(rows[0], row, strict=True)) for row in rows[1:] if row[1] == scheme.name]
    return row


def test_a_regional_lead_sees_what_each_scheme_declared_beside_what_happened(
    client, regional_lead, region, scheme, supervisor
):
    busy(scheme, supervisor)
    body = page(client, regional_lead, region)

    assert "What each scheme declared, and what happened in the last 12 months" in body
    assert "Every 4–8 weeks" in body and "= 1.6–3.2 a quarter" in body
    # 43 meetings over 3,510 days of pairing (38.4 quarters).
    assert "1.1 a quarter per pair" in body and "43 meetings, 13 pairs" in body
    assert "5 of 12 pairs met as declared (42%)" in body
    assert "Group supervision" in body
    assert "1 1:1 session, 1 group session" in body
    assert "5 of 11 mentors attended (45%)" in body
    assert "Formal internal training" in body
    assert "5 of 10 active mentors (50%)" in body
    # 30 hours of the steady pairs, 6 of the twice-met ones, half an hour of the ended one.
    assert "3 h in meetings per mentee" in body
    assert "36.5 h in all; 12 mentees met" in body
    assert "Meetings: 3.3 h per mentor" in body and "36.5 h in all; 11 mentors met" in body
    assert "Supervision: 1.2 h per mentor" in body and "6 h in all; 5 mentors attended" in body


def test_the_xlsx_has_the_same_figures_as_the_page(
    client, regional_lead, region, scheme, supervisor
):
    busy(scheme, supervisor)
    item = observed(region, scheme)
    client.force_login(regional_lead)
    row = sheet_row(client, region, scheme)

    assert row["Trust"] == "SLaM"
    assert row["Meetings declared"] == "every 4–8 weeks"
    assert row["Meetings a quarter declared"] == "1.6–3.2"
    assert (row["Pairs"], row["Meetings held"], row["Meetings per pair per quarter"]) == (
        13,
        43,
        1.1,
    )
    assert (row["Pairs that met as declared"], row["Pairs paired long enough to judge"]) == (5, 12)
    assert row["Share that met as declared"] == "42%" == item["pairs_met_share"]
    assert (row["Mentors attending supervision"], row["Mentors"]) == (5, 11)
    assert (row["Active mentors with the declared training"], row["Active mentors"]) == (5, 10)
    assert (row["Mentees' hours in meetings"], row["Hours in meetings per mentee"]) == (36.5, 3.0)
    assert row["Hours in meetings per mentor who met"] == 3.3
    assert row["Hours in supervision per mentor who attended"] == 1.2
    assert row["Hours in meetings per mentee"] == item["hours_per_mentee"]


def test_the_csv_is_still_the_provision_by_trust_table(client, regional_lead, region, scheme):
    client.force_login(regional_lead)
    rows = csv_rows(client.get(reverse("reports:provision-csv", args=[region.slug])))
    assert rows[0][:2] == ["Trust", "Scheme"] and "Meetings held" not in rows[0]


def test_three_mentees_read_fewer_than_5_and_no_hours_are_shown_for_them(
    client, regional_lead, region, scheme
):
    small(scheme)
    item = observed(region, scheme)
    body = page(client, regional_lead, region)

    assert str(item["mentees_meeting"]) == "fewer than 5"
    assert item["hours_per_mentee"] == item["mentee_hours"] == "not shown"
    assert item["meetings"] == item["meetings_per_pair_quarter"] == "not shown"
    assert "not shown in meetings per mentee" in body
    assert "not shown in all; fewer than 5 mentees met" in body
    assert "3 h" not in body and "1 h" not in body  # three meetings of an hour: 3 h, 1 h each
    client.force_login(regional_lead)
    row = sheet_row(client, region, scheme)
    assert (row["Mentees who met"], row["Hours in meetings per mentee"]) == (
        "fewer than 5",
        "not shown",
    )
    assert row["Pairs"] == "fewer than 5" and row["Meetings held"] == "not shown"


def test_a_part_hidden_beside_a_small_rest_hides_its_hours_too(region, scheme, supervisor):
    """7 of 9 mentors attended supervision: the 2 who did not are too few to show, so 7 is
    hidden with them, and so are the hours of supervision (a total beside a mean would give
    the 7 back)."""
    mentors = [MentorEnrolmentFactory(scheme=scheme) for _ in range(9)]
    session = session_with(supervisor, mentors, starts_at=_ago(10))
    attendance(session, [ATTENDED] * 7 + [ABSENT] * 2)

    item = observed(region, scheme)

    assert str(item["mentors"]) == "9"
    assert item["mentors_attending"].suppressed and item["mentors_attending_share"] is None
    assert item["mentor_supervision_hours"] == item["supervision_hours_per_mentor"] == "not shown"


def test_most_pairs_not_meeting_as_declared_shows_no_share_when_few_met(region, scheme, supervisor):
    """2 of 8 pairs met as declared: 2 is too few, so "met" and the 6 who did not are hidden
    together, and no share is given."""
    for index in range(8):
        pair = pair_of(scheme, MentorEnrolmentFactory(scheme=scheme), begun=200)
        meetings(pair, *(range(190, 0, -40) if index < 2 else [150]))

    item = observed(region, scheme)

    assert str(item["pairs_judged"]) == "8"
    assert item["pairs_met_as_declared"].suppressed and item["pairs_met_share"] is None
    assert item["meetings"] == 10 + 6  # 8 pairs: enough to show meetings and per pair


def test_a_scheme_without_support_says_none_declared(region, scheme):
    scheme.mentor_support = []
    scheme.save()
    assert observed(region, scheme)["support_declared"] == "None declared"


def test_the_page_makes_as_many_queries_however_many_busy_schemes(
    client, regional_lead, region, scheme, supervisor
):
    busy(scheme, supervisor)
    client.force_login(regional_lead)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("reports:provision", args=[region.slug])).status_code == 200
        return len(captured)

    before = queries()
    for _ in range(3):
        other = SchemeFactory(organisation=OrganisationFactory(region=region))
        small(other)
        session = session_with(supervisor, [MentorEnrolmentFactory(scheme=other)])
        attendance(session, [ATTENDED])
    assert queries() == before
