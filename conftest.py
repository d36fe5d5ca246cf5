"""The cast every test can ask for (STYLE.md §8). Later features add their schemes and pairs."""

import pytest

from accounts.models import Role
from accounts.tests.factories import UserFactory, staff_user


@pytest.fixture
def mentee(db):
    return UserFactory(email="mentee@example.nhs.uk", first_name="Maya")


@pytest.fixture
def mentor(db):
    return UserFactory(email="mentor@example.nhs.uk", first_name="Tom", grade="ST4")


@pytest.fixture
def other_trainee(db):
    return UserFactory(email="other.trainee@example.nhs.uk")


@pytest.fixture
def organiser(db):
    return staff_user(Role.ORGANISER, email="organiser@example.nhs.uk")


@pytest.fixture
def other_organiser(db):
    return staff_user(Role.ORGANISER, email="organiser@other-trust.nhs.uk")


@pytest.fixture
def supervisor(db):
    return staff_user(Role.SUPERVISOR, email="supervisor@example.nhs.uk")


@pytest.fixture
def dme(db):
    return staff_user(Role.DME, email="dme@example.nhs.uk")


@pytest.fixture
def other_dme(db):
    return staff_user(Role.DME, email="dme@other-trust.nhs.uk")


@pytest.fixture
def regional_lead(db):
    return staff_user(Role.REGIONAL_LEAD, email="lead@example.nhs.uk")


@pytest.fixture
def superuser(db):
    return UserFactory(email="admin@example.nhs.uk", is_staff=True, is_superuser=True)
