"""Helpers for matching tests: trainees a given number of years into training."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Grade
from matching import rules
from schemes.tests.factories import EnrolmentFactory, MentorEnrolmentFactory


def years_ago(years):
    return timezone.localdate() - timedelta(days=round(365.25 * years) + 10)


def _make_mentee(scheme, years=1, **fields):
    user = {f"user__{key}": value for key, value in fields.pop("user", {}).items()}
    return EnrolmentFactory(
        scheme=scheme,
        user__grade=Grade.FY2,
        user__training_started_on=years_ago(years),
        **user,
        **fields,
    )


def _make_mentor(scheme, years=3, capacity=2, **fields):
    user = {f"user__{key}": value for key, value in fields.pop("user", {}).items()}
    user.setdefault("user__grade", Grade.ST2)
    return MentorEnrolmentFactory(
        scheme=scheme,
        capacity=capacity,
        user__training_started_on=years_ago(years),
        **user,
        **fields,
    )


@pytest.fixture
def make_mentee(db):
    """make_mentee(scheme, years=1, user={...}, **enrolment fields): an active mentee `years`
    into training, waiting for a mentor."""
    return _make_mentee


@pytest.fixture
def make_mentor(db):
    """make_mentor(scheme, years=3, capacity=2, user={...}, **enrolment fields): an active
    trainee mentor `years` into training."""
    return _make_mentor


def _every_mentor_trained(scheme, enrolments):
    return {enrolment.pk for enrolment in enrolments}


@pytest.fixture(autouse=True)
def every_mentor_trained():
    """Matching's tests start with a stand-in training check that counts every mentor as
    trained (the supervision app registers the real one; its tests cover it)."""
    previous = rules.register_training_check(_every_mentor_trained)
    yield
    rules.register_training_check(previous)


@pytest.fixture
def no_training_check(every_mentor_trained):
    """No training check registered at all, as when the supervision app is not installed."""
    rules.register_training_check(None)


@pytest.fixture
def training_check(every_mentor_trained):
    """training_check(check): register a training check for this test only."""
    return rules.register_training_check
