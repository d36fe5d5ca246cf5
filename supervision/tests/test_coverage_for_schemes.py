"""The coverage selectors for many schemes at once (the dashboards read these): each scheme's
figures exactly as the one-scheme selectors give them, in a fixed number of queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from schemes.tests.factories import MentorEnrolmentFactory, SchemeFactory
from supervision.selectors import (
    supervision_activity,
    supervision_activity_for_schemes,
    training_coverage,
    training_coverage_for_schemes,
)
from supervision.services import supervision_attendance_record

from .factories import TrainingRecordFactory, session_with, verified_training

pytestmark = pytest.mark.django_db


def busy_scheme(organisation, supervisor, *, mentors, required="formal_internal"):
    """`mentors` active mentors (one in three trained formally, one in three informally), one
    paused mentor, a recorded group session, a one-to-one session and a cancelled one."""
    scheme = SchemeFactory(organisation=organisation, mentor_training_required=required)
    enrolments = [MentorEnrolmentFactory(scheme=scheme) for _ in range(mentors)]
    for index, enrolment in enumerate(enrolments):
        if index % 3 == 0:
            verified_training(enrolment, kind="formal_external")
        elif index % 3 == 1:
            verified_training(enrolment, kind="informal")
        TrainingRecordFactory(scheme=scheme, mentor=enrolment.user)  # pending: never counts
    paused = MentorEnrolmentFactory(scheme=scheme, status="paused")
    verified_training(paused)  # not active: not counted
    statuses = ["attended", "absent", "apologies"]
    group = session_with(supervisor, enrolments, starts_at=timezone.now() - timedelta(days=10))
    supervision_attendance_record(
        session=group,
        statuses={e.pk: statuses[i % 3] for i, e in enumerate(enrolments)},
    )
    single = session_with(
        supervisor, enrolments[:1], starts_at=timezone.now() - timedelta(days=100)
    )
    supervision_attendance_record(session=single, statuses={enrolments[0].pk: "attended"})
    session_with(supervisor, enrolments[:1], cancelled_at=timezone.now())
    return scheme


def test_each_scheme_gets_exactly_its_one_scheme_figures(organisation, supervisor):
    schemes = [
        busy_scheme(organisation, supervisor, mentors=3),
        busy_scheme(organisation, supervisor, mentors=5, required="informal"),
        busy_scheme(organisation, supervisor, mentors=2, required="none"),
        SchemeFactory(organisation=organisation),  # no mentors at all
    ]
    now = timezone.now()

    coverage = training_coverage_for_schemes(schemes)
    three = supervision_activity_for_schemes(schemes, months=3, now=now)

    for scheme in schemes:
        assert coverage[scheme.pk] == training_coverage(scheme)
        assert three[scheme.pk] == supervision_activity(scheme, months=3, now=now)
    first, second, third, empty = (scheme.pk for scheme in schemes)
    assert (coverage[first]["active_mentors"], coverage[first]["meets_requirement"]) == (3, 1)
    assert coverage[second]["meets_requirement"] == 4  # informal or better: 2 + 2 of 5
    assert coverage[third]["meets_requirement"] == 2  # none required: every active mentor
    assert coverage[empty]["meets_requirement_share"] is None
    assert (three[first]["sessions_held"], three[first]["group_sessions"]) == (1, 1)
    assert (three[first]["attended"], three[first]["absent"], three[first]["apologies"]) == (
        1,
        1,
        1,
    )
    twelve = supervision_activity_for_schemes(schemes, months=12, now=now)
    assert (twelve[first]["sessions_held"], twelve[first]["one_to_one_sessions"]) == (2, 1)
    assert twelve[first]["attendance_rate"] == 2 / 4
    assert twelve[empty]["attendance_rate"] is None


def test_the_query_count_is_the_same_for_one_scheme_and_for_many(organisation, supervisor):
    def queries(schemes):
        with CaptureQueriesContext(connection) as captured:
            training_coverage_for_schemes(schemes)
            supervision_activity_for_schemes(schemes, months=12)
        return len(captured)

    one = [busy_scheme(organisation, supervisor, mentors=1)]
    small = queries(one)
    many = one + [busy_scheme(organisation, supervisor, mentors=6) for _ in range(4)]

    assert queries(many) == small == 4
