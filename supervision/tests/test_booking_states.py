"""Training booking states, named once on TrainingBooking.objects."""

import pytest

from schemes.tests.factories import MentorEnrolmentFactory
from supervision.models import TrainingBooking
from supervision.tests.factories import TrainingEventFactory

pytestmark = pytest.mark.django_db

S = TrainingBooking.Status


@pytest.fixture
def event(scheme):
    return TrainingEventFactory(scheme=scheme)


@pytest.fixture
def bookings(scheme, event):
    return {
        status: TrainingBooking.objects.create(
            event=event, enrolment=MentorEnrolmentFactory(scheme=scheme), status=status
        )
        for status in S.values
    }


def _pks(queryset):
    return set(queryset.values_list("pk", flat=True))


def _of(bookings, *statuses):
    return {bookings[status].pk for status in statuses}


def test_not_cancelled_is_booked_attended_or_absent(bookings):
    assert _pks(TrainingBooking.objects.not_cancelled()) == _of(
        bookings, S.BOOKED, S.ATTENDED, S.ABSENT
    )


def test_booked_is_holding_a_place_only(bookings):
    assert _pks(TrainingBooking.objects.booked()) == _of(bookings, S.BOOKED)


def test_the_states_work_through_the_events_bookings(event, bookings):
    assert _pks(event.bookings.not_cancelled()) == _of(bookings, S.BOOKED, S.ATTENDED, S.ABSENT)
    assert _pks(event.bookings.booked()) == _of(bookings, S.BOOKED)
    assert event.places_left == event.capacity - 1
