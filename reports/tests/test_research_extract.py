"""The research extract: one row per scheme and quarter, pseudonymised, through the disclosure
rules, for the region's leads only, and audited."""

import csv
import io
import re
from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import AuditEvent
from matching.models import Pair
from matching.tests.factories import PairFactory
from meetings.tests.factories import MeetingFactory
from reports.provision import region_provision
from reports.research_extract import (
    DICTIONARY,
    EXTRACT_COLUMNS,
    PERSON_LEVEL_NOTE,
    pseudonym,
    quarter_label,
    quarter_start,
    research_extract_tables,
)
from schemes import disclosure
from schemes.models import Enrolment, SchemeRole
from schemes.tests.factories import (
    EnrolmentFactory,
    MemberFactory,
    MentorEnrolmentFactory,
    OrganisationFactory,
    PlacementFactory,
    RegionFactory,
    SchemeFactory,
    make_regional_lead,
)
from supervision.models import SessionAttendance
from supervision.tests.factories import session_with
from surveys.tests.factories import builtin, response_with

pytestmark = pytest.mark.django_db

FEWER = "fewer than 5"
NOT_SHOWN = disclosure.NOT_SHOWN
NAMES = [name for name, _ in EXTRACT_COLUMNS]


# --- Helpers ------------------------------------------------------------------------------------


def csv_rows(response):
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def csv_dicts(response):
    header, *rows = csv_rows(response)
    return [dict(zip(header, row, strict=True)) for row in rows]


def workbook(response):
    return load_workbook(io.BytesIO(response.content))


def quarter_back(count, today=None):
    """The first day of the quarter `count` quarters before today's."""
    start = quarter_start(today or timezone.localdate())
    months = start.year * 12 + start.month - 1 - 3 * count
    return start.replace(year=months // 12, month=months % 12 + 1)


def during(count, days=20, today=None):
    """A moment `days` into the quarter `count` quarters back (at noon, local time)."""
    day = quarter_back(count, today) + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(12)))


def extract(region, **kwargs):
    table = research_extract_tables(region, **kwargs)[0]
    return list(table.rows)


def rows_of(rows, code):
    return {row["quarter"]: row for row in rows if row["scheme_code"] == code}


def code_of(scheme):
    return pseudonym("S", "scheme", scheme.pk)


def mentees(scheme, count, when, **extra):
    return [
        EnrolmentFactory(scheme=scheme, created_at=when, status_changed_at=when, **extra)
        for _ in range(count)
    ]


def pairs(scheme, count, when, **extra):
    return [
        PairFactory(
            scheme=scheme,
            created_at=when,
            mentee_enrolment__created_at=when,
            mentor_enrolment__created_at=when,
            **extra,
        )
        for _ in range(count)
    ]


@pytest.fixture
def lead(client, regional_lead):
    client.force_login(regional_lead)
    return regional_lead


# --- Downloads ----------------------------------------------------------------------------------


def test_a_regional_lead_downloads_one_row_per_scheme_and_quarter_as_csv(
    client, lead, scheme, other_scheme
):
    scheme.created_at = during(2)
    scheme.save()
    url = reverse("reports:research-extract-csv", args=[scheme.organisation.region.slug])

    header, *rows = csv_rows(client.get(url))

    assert header == [name for name, *_ in DICTIONARY]
    current = quarter_label(quarter_back(0))
    keys = [(row[0], row[2]) for row in rows]
    assert len(keys) == len(set(keys)) == 3 + 1  # three quarters of one, the current of the other
    assert sorted(row[2] for row in rows) == sorted(
        [quarter_label(quarter_back(n)) for n in (2, 1, 0)] + [current]
    )
    event = AuditEvent.objects.get(action="report_export")
    assert event.actor == lead and event.target == scheme.organisation.region.slug
    assert event.details == {
        "export": "Research extract",
        "format": "csv",
        "filters": {"region": scheme.organisation.region.name},
    }


def test_the_xlsx_has_about_the_extract_and_its_data_dictionary(client, lead, scheme):
    url = reverse("reports:research-extract-xlsx", args=[scheme.organisation.region.slug])

    book = workbook(client.get(url))

    assert book.sheetnames == ["About", "Research extract", "Data dictionary"]
    header = [cell.value for cell in book["Research extract"][1]]
    dictionary = list(book["Data dictionary"].iter_rows(values_only=True))
    assert dictionary[0] == (
        "Column",
        "Meaning",
        "How it is counted",
        "How it is suppressed or rounded",
    )
    assert [row[0] for row in dictionary[1 : len(header) + 1]] == header == NAMES
    assert dictionary[-1][1] == PERSON_LEVEL_NOTE
    assert dictionary[-1][1].startswith("Person-level rows are not given: ")
    about = dict(book["About"].iter_rows(values_only=True))
    assert about["Export"] == "Research extract"
    assert "No totals" in about and "Exported by" not in about
    assert AuditEvent.objects.get(action="report_export").details["format"] == "xlsx"


def test_the_extract_holds_no_personal_data_nor_scheme_or_trust_names(client, lead, scheme):
    when = during(1)
    enrolment = EnrolmentFactory(
        scheme=scheme,
        created_at=when,
        user__first_name="Zebedee",
        user__last_name="Quartermaine",
        user__email="zebedee.quartermaine@example.nhs.uk",
        withdrawal_reason="Burnt out on nights",
        status=Enrolment.Status.WITHDRAWN,
    )
    PlacementFactory(
        organisation=scheme.organisation,
        gmc_number="7654321",
        user=enrolment.user,
        first_name="Zebedee",
        last_name="Quartermaine",
    )
    pair = pairs(scheme, 1, when, mentee_enrolment__user__last_name="Ottoline")[0]
    MeetingFactory(pair=pair, held_on=when.date(), summary="Talked about the ARCP panel")
    region = scheme.organisation.region.slug

    text = b"".join(
        client.get(reverse("reports:research-extract-csv", args=[region])).streaming_content
    ).decode("utf-8-sig")
    book = workbook(client.get(reverse("reports:research-extract-xlsx", args=[region])))
    cells = " ".join(
        str(value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )

    forbidden = [
        "Zebedee",
        "Quartermaine",
        "Ottoline",
        "zebedee.quartermaine@example.nhs.uk",
        "7654321",
        "Burnt out",
        "ARCP panel",
        scheme.name,
        scheme.slug,
        scheme.organisation.name,
        scheme.organisation.short_name,
        scheme.organisation.slug,
        lead.email,
    ]
    for output in (text, cells):
        assert "@" not in output
        assert [word for word in forbidden if word in output] == []
    # The rows are there, under pseudonyms.
    assert re.search(r"^S-[0-9a-f]{8},T-[0-9a-f]{8},", text.split("\n")[1])


def test_pseudonyms_are_stable_across_downloads_and_differ_between_schemes(
    client, lead, scheme, other_scheme
):
    url = reverse("reports:research-extract-csv", args=[scheme.organisation.region.slug])
    first = {(row[0], row[1]) for row in csv_rows(client.get(url))[1:]}
    second = {(row[0], row[1]) for row in csv_rows(client.get(url))[1:]}

    assert first == second
    assert len(first) == 2
    schemes, trusts = zip(*first, strict=True)
    assert len(set(schemes)) == 2 and len(set(trusts)) == 2  # two schemes of two trusts
    assert all(re.fullmatch(r"S-[0-9a-f]{8}", code) for code in schemes)
    assert all(re.fullmatch(r"T-[0-9a-f]{8}", code) for code in trusts)


# --- Who may download ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["reports:research-extract-csv", "reports:research-extract-xlsx"])
def test_only_the_regions_leads_may_download(client, request, scheme, name):
    url = reverse(name, args=[scheme.organisation.region.slug])
    outcomes = {}
    for member in ("dme", "organiser", "mentee", "supervisor"):
        client.force_login(request.getfixturevalue(member))
        response = client.get(url)
        outcomes[member] = response.status_code
        assert "Content-Disposition" not in response
    elsewhere = make_regional_lead(
        MemberFactory(email="lead@north.example.nhs.uk"),
        RegionFactory(name="North", slug="north"),
    )
    client.force_login(elsewhere)
    outcomes["lead of another region"] = client.get(url).status_code
    client.logout()
    anonymous = client.get(url)

    assert outcomes == {
        "dme": 403,
        "organiser": 403,
        "mentee": 403,
        "supervisor": 403,
        "lead of another region": 404,
    }
    assert anonymous.status_code == 302 and anonymous.url.startswith(reverse("accounts:login"))
    assert not AuditEvent.objects.filter(action="report_export").exists()


def test_the_extract_refuses_post(client, lead, scheme):
    url = reverse("reports:research-extract-csv", args=[scheme.organisation.region.slug])
    assert client.post(url).status_code == 405


# --- Disclosure ---------------------------------------------------------------------------------


def test_a_quarter_with_three_new_mentees_reads_fewer_than_five(region, scheme):
    mentees(scheme, 3, during(1))

    row = rows_of(extract(region), code_of(scheme))[quarter_label(quarter_back(1))]

    assert row["new_mentees"] == FEWER


def test_meetings_are_shown_only_in_a_quarter_with_enough_active_pairs(
    region, scheme, other_scheme
):
    when = during(1)
    for pair in pairs(scheme, 2, when):
        MeetingFactory(pair=pair, held_on=when.date(), duration_minutes=60)
    for pair in pairs(other_scheme, 6, when):
        MeetingFactory(pair=pair, held_on=when.date(), duration_minutes=90)
    rows = extract(region)
    quarter = quarter_label(quarter_back(1))

    few = rows_of(rows, code_of(scheme))[quarter]
    many = rows_of(rows, code_of(other_scheme))[quarter]

    assert (few["meetings_held"], few["meeting_hours"]) == (NOT_SHOWN, NOT_SHOWN)
    assert few["pairs_active"] == NOT_SHOWN  # two pairs formed, hidden: so is what they add to
    assert (many["meetings_held"], many["meeting_hours"]) == (6, 9)
    assert many["pairs_active"] == many["pairs_formed"] == 6


def test_supervision_is_shown_only_when_enough_mentors_attended(region, scheme, supervisor):
    mentors = [MentorEnrolmentFactory(scheme=scheme, created_at=during(3)) for _ in range(5)]
    for count, back in ((5, 2), (2, 1)):
        session = session_with(
            supervisor, mentors[:count], starts_at=during(back), attendance_recorded_at=during(back)
        )
        session.attendances.update(status=SessionAttendance.Status.ATTENDED)
    rows = rows_of(extract(region), code_of(scheme))

    assert rows[quarter_label(quarter_back(2))]["supervision_sessions_held"] == 1
    assert rows[quarter_label(quarter_back(2))]["supervision_attendances"] == 5
    assert rows[quarter_label(quarter_back(1))]["supervision_sessions_held"] == NOT_SHOWN
    assert rows[quarter_label(quarter_back(1))]["supervision_attendances"] == NOT_SHOWN
    assert rows[quarter_label(quarter_back(3))]["supervision_sessions_held"] == 0


def _numbers(rows, column):
    return [row[column] for row in rows if isinstance(row[column], int)]


def test_a_hidden_quarter_cannot_be_recovered_from_the_provision_report(region, scheme):
    """Three mentees in one quarter and six in the next: the provision report says 9 enrolled,
    so showing the 6 would give away the 3."""
    mentees(scheme, 3, during(2))
    mentees(scheme, 6, during(1))
    provision = region_provision(region)
    enrolled = provision["rows"][0].schemes[0]["enrolled"].value
    assert enrolled == 9

    rows = list(rows_of(extract(region), code_of(scheme)).values())

    hidden = enrolled - sum(_numbers(rows, "new_mentees"))
    assert not 0 < hidden < disclosure.min_count()
    assert 6 not in _numbers(rows, "new_mentees")


def test_active_pairs_never_give_away_a_hidden_number_formed_or_ended(region, scheme):
    """Active pairs are the pairs formed less those ended: two quarters' active pairs shown
    around a hidden "formed" or "ended" cell would give it by subtraction."""
    pairs(scheme, 6, during(4))
    pairs(scheme, 3, during(3))
    ended = pairs(scheme, 6, during(2))[:2]
    for pair in ended:
        Pair.objects.filter(pk=pair.pk).update(
            status=Pair.Status.ENDED, ended_at=during(1), end_reason="goals_met"
        )

    rows = list(rows_of(extract(region), code_of(scheme)).values())

    shown = [i for i, row in enumerate(rows) if isinstance(row["pairs_active"], int)]
    for i in shown:
        for j in shown:
            if i < j:
                between = [rows[k]["pairs_formed"] for k in range(i + 1, j + 1)]
                between += [rows[k]["pairs_ended"] for k in range(i, j)]
                assert all(isinstance(cell, int) for cell in between), (i, j)
    assert 3 not in _numbers(rows, "pairs_formed")
    assert 2 not in _numbers(rows, "pairs_ended")
    assert "Total" not in str(rows) and len(rows) == len({row["quarter"] for row in rows})


# --- Real life ----------------------------------------------------------------------------------


def test_a_scheme_of_two_years_with_quiet_quarters_withdrawals_rotations_and_a_future_meeting(
    region, scheme
):
    """Created two years ago; quiet for two quarters; seven mentees and six pairs in the third;
    one mentee withdraws unpaired; a pair ends when its mentee rotates out; a meeting is logged
    for tomorrow."""
    today = quarter_back(1) + timedelta(days=40)  # the middle of last quarter: tomorrow is in it
    back = lambda n: quarter_back(n, today)  # noqa: E731
    at = lambda n, days=20: during(n, days, today)  # noqa: E731
    scheme.created_at = at(8)
    scheme.save()
    formed = pairs(scheme, 6, at(6))
    waiting = mentees(scheme, 1, at(6))[0]
    for pair in formed:
        MeetingFactory(pair=pair, held_on=at(5).date(), duration_minutes=60)
    Enrolment.objects.filter(pk=waiting.pk).update(
        status=Enrolment.Status.WITHDRAWN, status_changed_at=at(3)
    )
    rotated = formed[0]
    Pair.objects.filter(pk=rotated.pk).update(
        status=Pair.Status.ENDED, ended_at=at(2), end_reason=Pair.EndReason.ROTATED_OUT
    )
    Enrolment.objects.filter(pk=rotated.mentee_enrolment_id).update(
        status=Enrolment.Status.WITHDRAWN, status_changed_at=at(2)
    )
    for pair in formed[1:3]:
        MeetingFactory(pair=pair, held_on=today - timedelta(days=5), duration_minutes=45)
    MeetingFactory(pair=formed[1], held_on=today + timedelta(days=1))  # not held yet

    rows = rows_of(extract(region, today=today), code_of(scheme))

    assert list(rows) == [quarter_label(back(n)) for n in range(8, -1, -1)]
    quiet = rows[quarter_label(back(8))]
    assert [quiet[name] for name in ("new_mentees", "new_mentors", "pairs_formed")] == [0, 0, 0]
    assert [quiet[name] for name in ("meetings_held", "meeting_hours")] == [0, 0]
    assert quiet["supervision_sessions_held"] == quiet["survey_responses"] == 0
    started = rows[quarter_label(back(6))]
    assert (started["new_mentees"], started["new_mentors"], started["pairs_formed"]) == (7, 6, 6)
    assert rows[quarter_label(back(5))]["meetings_held"] == 6
    assert rows[quarter_label(back(5))]["meeting_hours"] == 6
    assert rows[quarter_label(back(4))]["meetings_held"] == 0  # five or more pairs, no meeting
    # Two withdrawals and one ended pair in all: every quarter of those columns is hidden.
    assert {row["mentees_withdrawn"] for row in rows.values()} == {FEWER}
    assert {row["pairs_ended"] for row in rows.values()} == {FEWER}
    last = rows[quarter_label(back(0))]
    assert (last["meetings_held"], last["meeting_hours"]) == (2, 2)  # 90 minutes, rounded up
    assert scheme.mentor_support == ["group"] and last["mentor_support"] == "group"
    assert last["mentor_kinds"] == "peer" and last["mentors_may_be_trainees"] is True


# --- Queries ------------------------------------------------------------------------------------


def _busy_scheme(organisation, supervisor):
    scheme = SchemeFactory(organisation=organisation, created_at=during(4))
    SchemeRole.objects.create(scheme=scheme, user=supervisor, role=SchemeRole.Role.SUPERVISOR)
    for back in (3, 2):
        pair = pairs(scheme, 1, during(back))[0]
        MeetingFactory(pair=pair, held_on=during(back).date())
        mentees(scheme, 1, during(back), status=Enrolment.Status.WITHDRAWN)
        session = session_with(
            supervisor,
            [pair.mentor_enrolment],
            starts_at=during(back),
            attendance_recorded_at=during(back),
        )
        session.attendances.update(status=SessionAttendance.Status.ATTENDED)
        response_with(scheme, builtin("mentee-follow-up"), {}, month=during(back).date())
    return scheme


def _queries(region):
    with CaptureQueriesContext(connection) as queries:
        research_extract_tables(region)
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_schemes_or_quarters(region):
    organisation = OrganisationFactory(region=region)
    supervisor = MemberFactory(organisation=organisation)
    for _ in range(2):
        _busy_scheme(organisation, supervisor)
    two = _queries(region)
    for _ in range(4):
        _busy_scheme(OrganisationFactory(region=region), supervisor)

    six = _queries(region)

    # The schemes (and their partners), then one grouped query for each kind of count.
    assert two == six == 10
