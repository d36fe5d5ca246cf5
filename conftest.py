"""The cast every test can ask for (STYLE.md §8).

One trust ("organisation") runs `scheme`; another trust runs `other_scheme`. Each person works
where their role says; later features add pairs and meetings to the same cast.
"""

import factory.random
import pytest

from accounts.models import Grade
from accounts.tests.factories import UserFactory
from schemes.models import SchemeRole
from schemes.tests.factories import (
    EnrolmentFactory,
    MemberFactory,
    MentorEnrolmentFactory,
    OrganisationFactory,
    RegionFactory,
    SchemeFactory,
    appoint,
    make_dme,
    make_regional_lead,
)


@pytest.fixture(autouse=True)
def same_made_up_names_every_run(request):
    """Each test draws the same made-up names on every run and in any order, so a name that
    happens to collide with a search (a surname "Salazar" against a search for "zar") fails
    every time, not once in a hundred runs of CI."""
    factory.random.reseed_random(request.node.nodeid)


@pytest.fixture
def region(db):
    return RegionFactory()


@pytest.fixture
def organisation(region):
    return OrganisationFactory(
        region=region,
        name="South London and Maudsley NHS Foundation Trust",
        short_name="SLaM",
        slug="slam",
        email_domains=["example.nhs.uk", "nhs.net"],
    )


@pytest.fixture
def other_organisation(region):
    return OrganisationFactory(
        region=region,
        name="Other Hospitals NHS Trust",
        short_name="Other",
        slug="other",
        email_domains=["other-trust.nhs.uk"],
    )


@pytest.fixture
def scheme(organisation):
    return SchemeFactory(organisation=organisation, name="SLaM peer mentoring", slug="slam-peer")


@pytest.fixture
def other_scheme(other_organisation):
    return SchemeFactory(
        organisation=other_organisation, name="Other peer mentoring", slug="other-peer"
    )


@pytest.fixture
def mentee_enrolment(scheme):
    return EnrolmentFactory(
        scheme=scheme,
        user__email="mentee@example.nhs.uk",
        user__first_name="Maya",
        user__grade=Grade.CT1,
    )


@pytest.fixture
def mentee(mentee_enrolment):
    return mentee_enrolment.user


@pytest.fixture
def mentor_enrolment(scheme):
    return MentorEnrolmentFactory(
        scheme=scheme, user__email="mentor@example.nhs.uk", user__first_name="Tom"
    )


@pytest.fixture
def mentor(mentor_enrolment):
    return mentor_enrolment.user


@pytest.fixture
def other_trainee(scheme):
    """A trainee of the same scheme who is neither `mentee` nor `mentor`."""
    return EnrolmentFactory(scheme=scheme, user__email="other.trainee@example.nhs.uk").user


@pytest.fixture
def organiser(scheme):
    user = MemberFactory(
        organisation=scheme.organisation, email="organiser@example.nhs.uk", grade=Grade.ST6
    )
    return appoint(user, scheme)


@pytest.fixture
def other_organiser(other_scheme):
    user = MemberFactory(
        organisation=other_scheme.organisation, email="organiser@other-trust.nhs.uk"
    )
    return appoint(user, other_scheme)


@pytest.fixture
def supervisor(scheme):
    user = MemberFactory(
        organisation=scheme.organisation,
        email="supervisor@example.nhs.uk",
        grade=Grade.CONSULTANT,
    )
    return appoint(user, scheme, SchemeRole.Role.SUPERVISOR)


@pytest.fixture
def dme(organisation):
    user = MemberFactory(
        organisation=organisation, email="dme@example.nhs.uk", grade=Grade.CONSULTANT
    )
    return make_dme(user, organisation)


@pytest.fixture
def other_dme(other_organisation):
    user = MemberFactory(
        organisation=other_organisation, email="dme@other-trust.nhs.uk", grade=Grade.CONSULTANT
    )
    return make_dme(user, other_organisation)


@pytest.fixture
def regional_lead(region):
    user = UserFactory(email="lead@example.nhs.uk", grade=Grade.CONSULTANT)
    return make_regional_lead(user, region)


@pytest.fixture
def superuser(db):
    return UserFactory(email="admin@example.nhs.uk", is_staff=True, is_superuser=True)


@pytest.fixture
def pair(mentee_enrolment, mentor_enrolment):
    """`mentee` and `mentor`, matched and meeting."""
    from matching.tests.factories import PairFactory

    return PairFactory(
        scheme=mentee_enrolment.scheme,
        mentee_enrolment=mentee_enrolment,
        mentor_enrolment=mentor_enrolment,
    )


@pytest.fixture
def other_pair(scheme):
    """Another pair in the same scheme: `other_pair.mentee` is 'a trainee of another pair'."""
    from matching.tests.factories import PairFactory

    return PairFactory(
        scheme=scheme,
        mentee_enrolment__user__email="other.mentee@example.nhs.uk",
        mentor_enrolment__user__email="other.mentor@example.nhs.uk",
    )


@pytest.fixture(autouse=True)
def empty_cache():
    """Rate-limit counters live in the cache: each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session")
def sign_in_provider():
    """A real OpenID Connect provider process on a loopback port (tests/sign_in_provider.py)."""
    from tests.sign_in_provider import running_provider

    with running_provider() as provider:
        yield provider


@pytest.fixture
def nhsmail(settings, sign_in_provider):
    """Sign-in with NHSmail switched on, against the provider process."""
    settings.SIGN_IN_PROVIDERS = sign_in_provider.settings_for()
    return sign_in_provider
