"""Guard: every count the organiser, the DME and the regional lead see for the same scheme is
the same number, and the database's (issue #13, item 3 and the guard "Counts agree across roles").

The scheme is realistic and its joins are wide: mentees and mentors in every state, a mentor with
two mentees, pairs meeting, paused and ended, two organisers and a supervisor, two DMEs, two
regional leads, and a second scheme at the same trust. Each number is read from what each person
is shown (pages and CSV exports), so a join that multiplies rows in any view fails here. Counts
are 5 or more, so the small-number rule shows them as they are.
"""

import csv
import io
import re

import pytest
from django.urls import reverse

from accounts.models import Grade
from accounts.tests.factories import UserFactory
from matching.models import Pair
from matching.tests.factories import PairFactory
from schemes import disclosure
from schemes.models import Enrolment, SchemeRole
from schemes.tests.factories import (
    EnrolmentFactory,
    MemberFactory,
    MentorEnrolmentFactory,
    SchemeFactory,
    appoint,
    make_dme,
    make_regional_lead,
)

pytestmark = pytest.mark.django_db

ACTIVE, PAUSED, WITHDRAWN = (
    Enrolment.Status.ACTIVE,
    Enrolment.Status.PAUSED,
    Enrolment.Status.WITHDRAWN,
)


@pytest.fixture
def world(scheme, organiser, dme, regional_lead):
    mentees = [EnrolmentFactory(scheme=scheme, user__grade=Grade.CT1) for _ in range(10)]
    paused_mentee = EnrolmentFactory(scheme=scheme, user__grade=Grade.CT2, status=PAUSED)
    withdrawn_mentee = EnrolmentFactory(scheme=scheme, user__grade=Grade.CT2, status=WITHDRAWN)
    EnrolmentFactory(scheme=scheme, status=Enrolment.Status.REQUESTED)
    mentors = [MentorEnrolmentFactory(scheme=scheme) for _ in range(5)]
    MentorEnrolmentFactory(scheme=scheme, status=WITHDRAWN)
    # Six pairs meet (mentor 0 has two mentees), five are paused and five ended (three of them
    # the withdrawn mentee's, two earlier pairs of mentees who meet now).
    pairs = [
        (mentees[0], mentors[0], Pair.Status.ACTIVE),
        (mentees[1], mentors[0], Pair.Status.ACTIVE),
        (mentees[2], mentors[1], Pair.Status.ACTIVE),
        (mentees[3], mentors[2], Pair.Status.INTRODUCED),
        (mentees[4], mentors[3], Pair.Status.ACTIVE),
        (mentees[5], mentors[4], Pair.Status.ACTIVE),
        *[(mentees[index], mentors[1], Pair.Status.PAUSED) for index in range(6, 10)],
        (paused_mentee, mentors[2], Pair.Status.PAUSED),
        *[(withdrawn_mentee, mentors[index], Pair.Status.ENDED) for index in range(3)],
        (mentees[0], mentors[3], Pair.Status.ENDED),
        (mentees[1], mentors[4], Pair.Status.ENDED),
    ]
    for mentee, mentor, status in pairs:
        PairFactory(scheme=scheme, mentee_enrolment=mentee, mentor_enrolment=mentor, status=status)
    # Wide joins: more roles on the scheme, its trust and its region.
    appoint(MemberFactory(organisation=scheme.organisation), scheme)
    appoint(MemberFactory(organisation=scheme.organisation), scheme, SchemeRole.Role.SUPERVISOR)
    make_dme(MemberFactory(organisation=scheme.organisation), scheme.organisation)
    make_regional_lead(UserFactory(grade=Grade.CONSULTANT), scheme.organisation.region)
    # Another scheme of the same trust, whose people must not be counted in this one.
    neighbour = SchemeFactory(organisation=scheme.organisation, name="SLaM second scheme")
    appoint(organiser, neighbour)
    for _ in range(5):
        EnrolmentFactory(scheme=neighbour)
        MentorEnrolmentFactory(scheme=neighbour)
    return scheme


def truth(scheme):
    """The database's numbers, counted without any view or selector."""
    enrolled = Enrolment.objects.filter(scheme=scheme, status__in=[ACTIVE, PAUSED])
    return {
        "mentees": enrolled.filter(role="mentee").values("user").distinct().count(),
        "mentors": enrolled.filter(role="mentor", status=ACTIVE).values("user").distinct().count(),
        "requests": Enrolment.objects.filter(scheme=scheme, status="requested").count(),
        "meeting_pairs": Pair.objects.filter(scheme=scheme, status__in=["introduced", "active"])
        .distinct()
        .count(),
        "paused_pairs": Pair.objects.filter(scheme=scheme, status="paused").count(),
        "ended_pairs": Pair.objects.filter(scheme=scheme, status="ended").count(),
    }


# --- Reading what each person is shown ----------------------------------------------------------


def page(client, name, *args, **params):
    response = client.get(reverse(name, args=args), params)
    assert response.status_code == 200, (name, response.status_code)
    return response.content.decode()


def number(pattern, html):
    found = re.search(pattern, html, re.S)
    assert found, f"not on the page: {pattern}"
    return int(found.group(1))


def run_schemes_row(html, scheme):
    row = re.search(
        rf"<tr>\s*<th scope=\"row\">(?:(?!</tr>).)*?{re.escape(scheme.name)}.*?</tr>", html, re.S
    )
    assert row, "the scheme's row on Run schemes"
    mentees, mentors, requests = re.findall(r'<td class="text-end">([^<]+)</td>', row.group(0))
    return {"mentees": mentees, "mentors": mentors, "requests": requests}


def chart_table(html, title):
    figure = re.search(rf"<figcaption[^>]*>{re.escape(title)}</figcaption>.*?</table>", html, re.S)
    assert figure, f"the chart {title!r}"
    return {
        label.strip(): int(value)
        for label, value in re.findall(
            r'<th scope="row"[^>]*>([^<]+)</th><td class="text-end">(\d+)</td>', figure.group(0)
        )
    }


def dashboard_page_counts(html):
    """The counts a dashboard page shows. Pairs by state is withheld from a filtered view (the
    disclosure rules), so it is read only where it is shown."""
    shown = {
        "mentees": number(r'display-6 d-block">(\d+)</span>\s*Enrolled as mentees', html),
        "mentees (cost)": number(r"Per mentee \((\d+)\)", html),
        "mentors": number(r"trained as the scheme requires</dt>\s*<dd[^>]*>\d+ of (\d+)", html),
        "meeting_pairs": number(r"Per active pair \((\d+)\)", html),
    }
    if '<figcaption class="h6">Pairs by state</figcaption>' in html:
        states = chart_table(html, "Pairs by state")
        shown["meeting_pairs (by state)"] = sum(
            states[label]
            for label in ("On track", "Meeting due", "May need a check-in", "Too early to tell")
            if label in states
        )
        shown["paused_pairs"] = states["Paused"]
        shown["ended_pairs"] = states["Ended"]
    return shown


def csv_rows(response):
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    reader = csv.DictReader(io.StringIO(body.decode("utf-8-sig")))
    return [{key.lower(): value for key, value in row.items()} for row in reader]


def dashboard_export_counts(rows):
    """The counts a dashboard export carries (pairs by state only where it is not withheld)."""

    def value(table, category=None, measure=None):
        for row in rows:
            if (
                row["table"] == table
                and (category is None or row["category"] == category)
                and (measure is None or row["measure"] == measure)
            ):
                return row["value"]
        return None

    shown = {
        "mentees": value("Funnel", "Enrolled as mentees", "Trainees"),
        "mentees (cost)": value("Cost", measure="Mentees"),
        "mentors": value("Mentor training", measure="Active mentors"),
        "meeting_pairs": value("Cost", measure="Active pairs"),
    }
    assert None not in shown.values(), shown
    for key, state in (("paused_pairs", "Paused"), ("ended_pairs", "Ended")):
        if value("Pairs by state", state) is not None:
            shown[key] = value("Pairs by state", state)
    return {key: int(count) for key, count in shown.items()}


def expected_dashboard(truth):
    return {
        "mentees": truth["mentees"],
        "mentees (cost)": truth["mentees"],
        "mentors": truth["mentors"],
        "meeting_pairs": truth["meeting_pairs"],
        "meeting_pairs (by state)": truth["meeting_pairs"],
        "paused_pairs": truth["paused_pairs"],
        "ended_pairs": truth["ended_pairs"],
    }


# --- The guard ------------------------------------------------------------------------------------


def test_the_world_is_what_the_guard_needs(world):
    assert truth(world) == {
        "mentees": 11,
        "mentors": 5,
        "requests": 1,
        "meeting_pairs": 6,
        "paused_pairs": 5,
        "ended_pairs": 5,
    }


@pytest.mark.parametrize("reader", ["organiser", "dme", "regional_lead"])
def test_run_schemes_shows_every_role_the_databases_counts(client, world, reader, request):
    client.force_login(request.getfixturevalue(reader))
    shown = run_schemes_row(page(client, "schemes:manage"), world)
    counted = truth(world)
    # The organiser reads their own scheme exactly; a DME or regional lead reads the same number
    # through the disclosure rules (the one request waiting is "fewer than 5").
    as_read = str if reader == "organiser" else (lambda n: str(disclosure.count(n)))
    assert shown == {key: as_read(counted[key]) for key in ("mentees", "mentors", "requests")}
    assert reader == "organiser" or shown["requests"] == "fewer than 5"


def test_the_organisers_dashboard_and_its_export_show_the_databases_counts(
    client, world, organiser
):
    client.force_login(organiser)
    expected = expected_dashboard(truth(world))
    html = page(client, "reports:scheme-dashboard", world.slug)
    shown = dashboard_page_counts(html)
    assert shown == {key: expected[key] for key in shown}
    exported = dashboard_export_counts(
        csv_rows(client.get(reverse("reports:scheme-dashboard-csv", args=[world.slug])))
    )
    assert exported == {key: expected[key] for key in exported}


@pytest.mark.parametrize("reader", ["dme", "regional_lead"])
def test_the_organisation_dashboard_for_the_scheme_shows_the_databases_counts(
    client, world, reader, request
):
    client.force_login(request.getfixturevalue(reader))
    expected = expected_dashboard(truth(world))
    slug = world.organisation.slug
    html = page(client, "reports:organisation-dashboard", slug, scheme=world.pk)
    shown = dashboard_page_counts(html)
    assert shown == {key: expected[key] for key in shown}
    exported = dashboard_export_counts(
        csv_rows(
            client.get(
                reverse("reports:organisation-dashboard-csv", args=[slug]), {"scheme": world.pk}
            )
        )
    )
    assert exported == {key: expected[key] for key in exported}


def test_the_regional_report_and_its_export_show_the_databases_mentees(
    client, world, regional_lead
):
    client.force_login(regional_lead)
    region = world.organisation.region.slug
    html = page(client, "reports:provision", region)
    row = re.search(rf"<td>{re.escape(world.name)}</td>.*?</tr>", html, re.S)
    assert row, "the scheme's row in the provision table"
    enrolled = number(r"(\d+) of \d+</span>", row.group(0))
    exported = next(
        row
        for row in csv_rows(client.get(reverse("reports:provision-csv", args=[region])))
        if row.get("scheme") == world.name
    )
    enrolled_exported = int(exported.get("enrolled") or exported["enrolled mentees"])
    assert enrolled == enrolled_exported == truth(world)["mentees"]
