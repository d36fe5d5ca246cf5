"""Saving what is already stored is not an update: no new time, no new author, no new record."""

from datetime import timedelta

import pytest
from django.utils import timezone

from supervision.models import RecognitionCriteria, SessionAttendance, TrainingBooking
from supervision.services import (
    recognition_criteria_save,
    supervision_attendance_record,
    training_event_attendance_record,
)

from .factories import TrainingEventFactory, session_with

pytestmark = pytest.mark.django_db

CRITERIA = {
    "min_verified_training": 2,
    "min_meetings_logged": 4,
    "require_end_of_pair_survey": True,
}
LAST_WEEK = timezone.now() - timedelta(days=7)


def test_saving_the_recognition_criteria_unchanged_keeps_who_last_changed_them(
    scheme, organiser, dme
):
    recognition_criteria_save(scheme=scheme, updated_by=dme, **CRITERIA)
    RecognitionCriteria.objects.filter(scheme=scheme).update(updated_at=LAST_WEEK)

    recognition_criteria_save(scheme=scheme, updated_by=organiser, **CRITERIA)

    criteria = RecognitionCriteria.objects.get(scheme=scheme)
    assert criteria.updated_by == dme and criteria.updated_at == LAST_WEEK
    recognition_criteria_save(
        scheme=scheme, updated_by=organiser, **{**CRITERIA, "min_meetings_logged": 6}
    )
    criteria.refresh_from_db()
    assert criteria.updated_by == organiser and criteria.min_meetings_logged == 6


def test_recording_a_sessions_attendance_again_unchanged_keeps_when_it_was_recorded(
    supervisor, mentor_enrolment
):
    session = session_with(supervisor, [mentor_enrolment])
    statuses = {mentor_enrolment.pk: SessionAttendance.Status.ATTENDED}
    supervision_attendance_record(session=session, statuses=statuses)
    session.attendances.update(recorded_at=LAST_WEEK)
    type(session).objects.filter(pk=session.pk).update(attendance_recorded_at=LAST_WEEK)
    session.refresh_from_db()

    supervision_attendance_record(session=session, statuses=statuses)

    session.refresh_from_db()
    assert session.attendance_recorded_at == LAST_WEEK
    assert session.attendances.get().recorded_at == LAST_WEEK
    supervision_attendance_record(
        session=session, statuses={mentor_enrolment.pk: SessionAttendance.Status.ABSENT}
    )
    session.refresh_from_db()
    assert session.attendance_recorded_at > LAST_WEEK
    assert session.attendances.get().status == SessionAttendance.Status.ABSENT


def test_recording_an_events_attendance_again_unchanged_keeps_when_it_was_recorded(
    scheme, organiser, mentor_enrolment
):
    event = TrainingEventFactory(scheme=scheme, starts_at=LAST_WEEK)
    TrainingBooking.objects.create(event=event, enrolment=mentor_enrolment)
    training_event_attendance_record(
        event=event, attended_enrolment_ids=[mentor_enrolment.pk], recorded_by=organiser
    )
    type(event).objects.filter(pk=event.pk).update(attendance_recorded_at=LAST_WEEK)
    event.refresh_from_db()

    training_event_attendance_record(
        event=event, attended_enrolment_ids=[mentor_enrolment.pk], recorded_by=organiser
    )

    event.refresh_from_db()
    assert event.attendance_recorded_at == LAST_WEEK
    training_event_attendance_record(event=event, attended_enrolment_ids=[], recorded_by=organiser)
    event.refresh_from_db()
    assert event.attendance_recorded_at > LAST_WEEK
    assert event.bookings.get().status == TrainingBooking.Status.ABSENT
