"""Factories that keep related objects consistent: a scheme's members work at its trust."""

from datetime import timedelta

import factory
from django.utils import timezone

from accounts.models import Grade
from accounts.tests.factories import UserFactory
from schemes.models import (
    Enrolment,
    Organisation,
    OrganisationRole,
    Placement,
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


class PlacementFactory(factory.django.DjangoModelFactory):
    """A doctor on a trust's trainee list, with no account unless a test gives `user`."""

    class Meta:
        model = Placement

    organisation = factory.SubFactory(OrganisationFactory)
    gmc_number = factory.Sequence(lambda n: f"{7000000 + n:07d}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(
        lambda placement: (
            f"{placement.first_name}.{placement.last_name}.{placement.gmc_number}@nhs.net".lower()
        )
    )
    grade = Grade.CT1
    specialty = "Core Surgical Training"
    site = ""
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=120))
    ends_on = None


def appoint(user, scheme, role=SchemeRole.Role.ORGANISER):
    SchemeRole.objects.create(user=user, scheme=scheme, role=role)
    return user


def make_dme(user, organisation):
    OrganisationRole.objects.create(user=user, organisation=organisation)
    return user


def make_regional_lead(user, region):
    RegionRole.objects.create(user=user, region=region)
    return user
