import factory

from matching.models import Pair
from schemes.tests.factories import EnrolmentFactory, MentorEnrolmentFactory, SchemeFactory


class PairFactory(factory.django.DjangoModelFactory):
    """A pair whose mentee and mentor are enrolled in the same scheme."""

    class Meta:
        model = Pair

    scheme = factory.SubFactory(SchemeFactory)
    mentee_enrolment = factory.SubFactory(
        EnrolmentFactory, scheme=factory.SelfAttribute("..scheme")
    )
    mentor_enrolment = factory.SubFactory(
        MentorEnrolmentFactory, scheme=factory.SelfAttribute("..scheme")
    )
    mentee = factory.SelfAttribute("mentee_enrolment.user")
    mentor = factory.SelfAttribute("mentor_enrolment.user")
    status = Pair.Status.ACTIVE
