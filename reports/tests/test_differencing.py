"""Differencing: no pair of filtered views of the organisation dashboard gives a small count away.

A small synthetic trust (16 mentees over six enrolment dates, three grades, three specialties,
three sites, every route in, pairs in several states). Every filtered view a DME can ask for —
each enrolled_from/enrolled_to pair over the enrolment dates and open ends, each grade,
specialty and site, and each of those with each range open at one end — is built through the real
organisation dashboard and its export tables (what the CSV and XLSX hold, which is what the
page shows). The reader's knowledge of a cell is an interval: a number is itself, "fewer than
5" is 0 to 4, anything else ("not shown", a note) is anything.

- Sensitive categories (the route in, pair health): for every two views whose mentees are one
  inside the other, subtracting what they show must not pin the category's count among the
  mentees in one and not the other to 1..4 (the issue's example: "Referral, 5" for 3 July to
  31 December, "fewer than 5" from 4 July: the one mentee of 3 July was referred).
- Breakdowns that are not sensitive (grade, specialty, site): every number shown is 0 or 5 or
  more, and the funnel's enrolled total less the numbers shown is never 1 to 4.
"""

from datetime import date, datetime, time
from itertools import combinations

import pytest
from django.http import QueryDict
from django.utils import timezone

from matching.tests.factories import PairFactory
from meetings.tests.factories import MeetingFactory
from reports.dashboard_exports import dashboard_tables
from reports.views.dashboards import _dashboard_context
from schemes.access import organisations_overseen_by
from schemes.models import Enrolment
from schemes.tests.factories import EnrolmentFactory, MentorEnrolmentFactory

pytestmark = pytest.mark.django_db

THRESHOLD = 5
SMALL = range(1, THRESHOLD)
ANYTHING = (0, 10**6)
DATES = [date(2026, 7, 1), date(2026, 7, 3), date(2026, 7, 4), date(2026, 8, 10)]
DATES += [date(2026, 9, 1), date(2026, 11, 20)]

# (enrolled on, grade, specialty, site, route in, paired with how many meetings, or None)
MENTEES = [
    (DATES[0], "CT1", "Psychiatry", "Denmark Hill", "self", 2),
    (DATES[0], "CT1", "Psychiatry", "Denmark Hill", "cohort", None),
    (DATES[0], "CT2", "Paediatrics", "King's", "referral", 1),
    (DATES[0], "ST4", "Psychiatry", "Maudsley Hospital", "self", None),
    (DATES[1], "CT1", "Psychiatry", "King's", "referral", 0),
    (DATES[2], "CT2", "Psychiatry", "Denmark Hill", "self", 3),
    (DATES[2], "CT1", "Medical psychotherapy", "Denmark Hill", "cohort", None),
    (DATES[2], "ST4", "Paediatrics", "King's", "referral", 2),
    (DATES[3], "CT1", "Psychiatry", "Denmark Hill", "request", None),
    (DATES[3], "CT2", "Psychiatry", "King's", "referral", 0),
    (DATES[3], "CT1", "Paediatrics", "Denmark Hill", "self", 1),
    (DATES[4], "CT2", "Psychiatry", "Maudsley Hospital", "organiser", None),
    (DATES[4], "CT1", "Psychiatry", "Denmark Hill", "referral", 2),
    (DATES[4], "ST4", "Psychiatry", "King's", "self", None),
    (DATES[5], "CT2", "Medical psychotherapy", "Denmark Hill", "cohort", 1),
    (DATES[5], "CT1", "Psychiatry", "King's", "referral", None),
]


def at(day):
    return timezone.make_aware(datetime.combine(day, time(12)))


@pytest.fixture
def trust(scheme, dme):
    mentors = [
        MentorEnrolmentFactory(scheme=scheme, capacity=5, created_at=at(DATES[0])) for _ in range(2)
    ]
    for index, (day, grade, specialty, site, source, meetings) in enumerate(MENTEES):
        enrolment = EnrolmentFactory(
            scheme=scheme,
            created_at=at(day),
            user__grade=grade,
            user__specialty=specialty,
            site=site,
            source=source,
        )
        if meetings is not None:
            pair = PairFactory(
                scheme=scheme,
                mentee_enrolment=enrolment,
                mentor_enrolment=mentors[index % 2],
                created_at=at(day),
            )
            for week in range(meetings):
                MeetingFactory(pair=pair, held_on=date(2026, 12, 1 + 7 * week))
    return scheme.organisation


def views():
    """Every query string a DME can ask for here: date ranges, attributes, and both."""
    ends = [None, *DATES]
    ranges = [
        (start, end)
        for start in ends
        for end in ends
        if start is None or end is None or start <= end
    ]
    attributes = [
        ("grade", "CT1"), ("grade", "CT2"), ("grade", "ST4"),
        ("specialty", "Psychiatry"), ("specialty", "Paediatrics"),
        ("specialty", "Medical psychotherapy"),
        ("site", "Denmark Hill"), ("site", "King's"), ("site", "Maudsley Hospital"),
    ]  # fmt: skip
    for attribute in [None, *attributes]:
        # With an attribute: the ranges open at one end or both (to keep the test quick).
        for start, end in ranges if attribute is None else [r for r in ranges if None in r]:
            query = {}
            if start:
                query["enrolled_from"] = start.isoformat()
            if end:
                query["enrolled_to"] = end.isoformat()
            if attribute:
                query[attribute[0]] = attribute[1]
            yield query


def reading(value):
    """What a reader knows of a cell: an interval of counts."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value, value)
    if value == f"fewer than {THRESHOLD}":
        return (0, THRESHOLD - 1)
    return ANYTHING


def published(organisation, dme, query):
    """(the mentees the view covers, {table: {category: interval}}) as the exports show it."""
    data = QueryDict(mutable=True)
    data.update(query)
    data["organisation"] = str(organisation.pk)
    context = _dashboard_context(
        None,
        organisation.schemes.order_by("name"),
        organisations=organisations_overseen_by(dme),
        organisation=organisation,
        data=data,
    )
    mentees = frozenset(
        context["filter"]
        .qs.filter(status__in=[Enrolment.Status.ACTIVE, Enrolment.Status.PAUSED])
        .values_list("pk", flat=True)
    )
    tables = {}
    for table in dashboard_tables(context["figures"]):
        label_key, value_key = table.columns[0][0], table.columns[1][0]
        tables[table.title] = {
            str(row[label_key]): reading(row.get(value_key)) for row in table.rows
        }
    return mentees, tables


SENSITIVE = ("By source", "Pairs by state")
BREAKDOWNS = ("By grade", "By specialty", "By site")


def test_no_two_filtered_views_give_away_a_small_count(trust, dme, settings):
    settings.DISCLOSURE_MIN_COUNT = THRESHOLD
    seen = {}
    for query in views():
        mentees, tables = published(trust, dme, query)
        key = tuple(sorted(query.items()))
        seen[key] = (mentees, tables)

        # Breakdowns: nothing of 1..4, and the enrolled total less the cells shown is not 1..4.
        enrolled = tables["Funnel"]["Enrolled as mentees"]
        for title in BREAKDOWNS:
            cells = tables[title].values()
            for low, high in cells:
                assert not (low == high and low in SMALL), (query, title, tables[title])
            if enrolled[0] == enrolled[1]:
                rest = enrolled[0] - sum(low for low, high in cells if low == high)
                hidden_at_most = sum(high for low, high in cells if low != high)
                assert not (rest in SMALL and hidden_at_most >= rest), (query, title, tables[title])

    assert len(seen) == 34 + 9 * 13  # every view was built
    leaks = []
    for (query_a, (mentees_a, tables_a)), (query_b, (mentees_b, tables_b)) in combinations(
        seen.items(), 2
    ):
        if mentees_a == mentees_b:
            continue
        if mentees_b < mentees_a:
            (query_a, mentees_a, tables_a), (query_b, mentees_b, tables_b) = (
                (query_b, mentees_b, tables_b),
                (query_a, mentees_a, tables_a),
            )
        if not mentees_a < mentees_b:
            continue
        difference = len(mentees_b - mentees_a)
        for title in SENSITIVE:
            for category, (low_b, high_b) in tables_b.get(title, {}).items():
                if category not in tables_a.get(title, {}):
                    continue
                low_a, high_a = tables_a[title][category]
                # The category's count among the mentees in b but not in a.
                low = max(low_b - high_a, 0)
                high = min(high_b - low_a, difference)
                if low >= 1 and high < THRESHOLD:
                    leaks.append((title, category, dict(query_a), dict(query_b), (low, high)))
    assert not leaks, f"{len(leaks)} leaks, e.g. {leaks[:3]}"
