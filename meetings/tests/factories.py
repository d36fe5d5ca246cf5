"""Factories for what happens inside a pair; each belongs to a pair from matching's PairFactory."""

from datetime import timedelta

import factory
from django.utils import timezone

from matching.tests.factories import PairFactory
from meetings.models import Goal, Meeting, MentoringAgreement, PlannedMeeting, PrivateNote


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    pair = factory.SubFactory(PairFactory)
    held_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=3))
    duration_minutes = 60
    mode = "video"
    topics = factory.LazyFunction(lambda: ["career"])
    summary = "We talked about next steps."
    logged_by = factory.SelfAttribute("pair.mentee")


class PrivateNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PrivateNote

    meeting = factory.SubFactory(MeetingFactory)
    author = factory.SelfAttribute("meeting.pair.mentee")
    text = "Felt nervous about the exam."


class PlannedMeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlannedMeeting

    pair = factory.SubFactory(PairFactory)
    # Whole minutes, as the planning form stores them.
    starts_at = factory.LazyFunction(
        lambda: (timezone.now() + timedelta(days=7)).replace(second=0, microsecond=0)
    )
    duration_minutes = 60
    mode = "in_person"
    place = "Library café, Maudsley Hospital"
    planned_by = factory.SelfAttribute("pair.mentee")
    created_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=10))
    updated_at = factory.SelfAttribute("created_at")


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Goal

    pair = factory.SubFactory(PairFactory)
    title = "Pass the membership exam"
    created_by = factory.SelfAttribute("pair.mentee")


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MentoringAgreement

    pair = factory.SubFactory(PairFactory)
    working_on = "Exam preparation and choosing a specialty"
    meeting_frequency = "Monthly, one hour, by video"
