"""Factories that keep related objects consistent: a scheme's members work at its trust."""

import factory
from django.utils import timezone

from accounts.models import Grade
from accounts.tests.factories import UserFactory
from schemes.models import (
    Enrolment,
    Organisation,
    OrganisationRole,
    Region,
    RegionRole,
    Scheme,
    SchemeRole,
)


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("slug",)

    name = "South London"
    slug = "south-london"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    region = factory.SubFactory(RegionFactory)
    name = factory.Sequence(lambda n: f"Trust {n} NHS Foundation Trust")
    short_name = factory.Sequence(lambda n: f"T{n}")
    slug = factory.Sequence(lambda n: f"trust-{n}")
    email_domains = factory.LazyFunction(lambda: ["example.nhs.uk", "nhs.net"])


class SchemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Scheme

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Peer mentoring scheme {n}")
    slug = factory.Sequence(lambda n: f"scheme-{n}")
    recruits_at_intake = False  # open all year unless a test says otherwise
    mentor_support = factory.LazyFunction(lambda: ["group"])


class MemberFactory(UserFactory):
    """A user working at an organisation."""

    organisation = factory.SubFactory(OrganisationFactory)


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    scheme = factory.SubFactory(SchemeFactory)
    user = factory.SubFactory(
        MemberFactory, organisation=factory.SelfAttribute("..scheme.organisation")
    )
    role = Enrolment.Role.MENTEE
    status = Enrolment.Status.ACTIVE
    source = Enrolment.Source.SELF
    consent_given_at = factory.LazyFunction(timezone.now)
    areas = factory.LazyFunction(lambda: ["career", "exams"])


class MentorEnrolmentFactory(EnrolmentFactory):
    role = Enrolment.Role.MENTOR
    capacity = 2
    user = factory.SubFactory(
        MemberFactory, organisation=factory.SelfAttribute("..scheme.organisation"), grade=Grade.ST4
    )


def appoint(user, scheme, role=SchemeRole.Role.ORGANISER):
    SchemeRole.objects.create(user=user, scheme=scheme, role=role)
    return user


def make_dme(user, organisation):
    OrganisationRole.objects.create(user=user, organisation=organisation)
    return user


def make_regional_lead(user, region):
    RegionRole.objects.create(user=user, region=region)
    return user
