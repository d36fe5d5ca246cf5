"""Factories for supervision data, consistent with the cast: records belong to a mentor of the
scheme, sessions to one of its supervisors."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from schemes.tests.factories import MentorEnrolmentFactory, SchemeFactory
from supervision.models import (
    SessionAttendance,
    SupervisionSession,
    SupervisorAssignment,
    TrainingEvent,
    TrainingRecord,
)

# The smallest files whose first bytes say what they are.
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG_BYTES = b"\xff\xd8\xff\xe0" + b"\x00" * 64


class TrainingRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingRecord

    scheme = factory.SubFactory(SchemeFactory)
    mentor = factory.LazyAttribute(lambda record: MentorEnrolmentFactory(scheme=record.scheme).user)
    kind = "formal_internal"
    provider = "Trust education centre"
    title = "Mentoring skills day"
    completed_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=30))
    hours = Decimal("6.0")
    status = TrainingRecord.Status.PENDING


def verified_training(enrolment, kind="formal_internal", **extra):
    return TrainingRecordFactory(
        scheme=enrolment.scheme,
        mentor=enrolment.user,
        kind=kind,
        status=TrainingRecord.Status.VERIFIED,
        reviewed_at=timezone.now(),
        **extra,
    )


class TrainingEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingEvent

    scheme = factory.SubFactory(SchemeFactory)
    title = "Introduction to peer mentoring"
    kind = "formal_internal"
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))
    hours = Decimal("3.0")
    place = "Education Centre, Room 2"
    capacity = 10


def assign(supervisor, enrolment):
    return SupervisorAssignment.objects.get_or_create(
        scheme=enrolment.scheme, supervisor=supervisor, mentor_enrolment=enrolment
    )[0]


def session_with(supervisor, enrolments, *, starts_at=None, kind=None, **extra):
    """A session (in the past by default) inviting `enrolments`, made directly, with no email."""
    enrolments = list(enrolments)
    session = SupervisionSession.objects.create(
        scheme=enrolments[0].scheme,
        supervisor=supervisor,
        kind=kind or ("group" if len(enrolments) > 1 else "one_to_one"),
        starts_at=starts_at or timezone.now() - timedelta(days=7),
        place="Seminar room 3",
        **extra,
    )
    for enrolment in enrolments:
        SessionAttendance.objects.create(session=session, mentor_enrolment=enrolment)
    return session
