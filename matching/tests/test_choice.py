"""Mentee choice: suggestions, a ranked pick, the mentor's answer, timeouts and re-matching."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Notification
from matching import services
from matching.models import MatchingSettings, MentorChoice, Pair
from matching.selectors import mentor_suggestions, round_pool_mentees
from matching.tasks import matching_sweep
from matching.tests.factories import PairFactory
from schemes.models import Enrolment


@pytest.fixture
def choosing_scheme(scheme):
    MatchingSettings.objects.create(scheme=scheme, mentee_choice_enabled=True)
    return scheme


@pytest.fixture
def mentee(choosing_scheme, make_mentee):
    return make_mentee(choosing_scheme, user={"first_name": "Maya", "last_name": "Patel"})


@pytest.fixture
def mentors(choosing_scheme, make_mentor):
    return [
        make_mentor(choosing_scheme, capacity=1, user={"first_name": name, "last_name": "Lee"})
        for name in ("Ann", "Bea", "Cat")
    ]


def choose(mentee, mentors):
    return services.mentor_choices_set(
        mentee_enrolment=mentee, mentor_enrolment_ids=[mentor.pk for mentor in mentors]
    )


def statuses(mentee):
    return {
        choice.mentor_enrolment_id: choice.status
        for choice in MentorChoice.objects.filter(mentee_enrolment=mentee)
    }


# --- Suggestions ---------------------------------------------------------------------------------


def test_a_mentee_sees_at_most_five_suggestions_best_first_each_with_why(
    choosing_scheme, mentee, make_mentor
):
    ideal = make_mentor(choosing_scheme, years=2)
    others = [make_mentor(choosing_scheme, years=7) for _ in range(6)]

    suggestions = mentor_suggestions(mentee)

    assert len(suggestions) == 5
    assert suggestions[0].mentor_enrolment == ideal
    assert [s.score for s in suggestions] == sorted((s.score for s in suggestions), reverse=True)
    assert {s.mentor_enrolment.pk for s in suggestions[1:]} <= {m.pk for m in others}
    assert any("ahead in training" in words for _, _, words in suggestions[0].explanation)


def test_a_mentor_at_capacity_or_unavailable_is_never_suggested(
    choosing_scheme, mentee, make_mentor, make_mentee
):
    full = make_mentor(choosing_scheme, capacity=1)
    PairFactory(
        scheme=choosing_scheme, mentor_enrolment=full, mentee_enrolment=make_mentee(choosing_scheme)
    )
    held = make_mentor(choosing_scheme, capacity=1)
    MentorChoice.objects.create(
        mentee_enrolment=make_mentee(choosing_scheme), mentor_enrolment=held, status="waiting"
    )
    resting = make_mentor(choosing_scheme, available_for_matching=False)
    free = make_mentor(choosing_scheme, capacity=1)

    suggested = [s.mentor_enrolment for s in mentor_suggestions(mentee)]

    assert suggested == [free]
    assert full not in suggested and held not in suggested and resting not in suggested


def test_suggestions_never_reveal_that_a_mentee_is_re_matching(choosing_scheme, mentee, mentors):
    Enrolment.objects.filter(pk=mentee.pk).update(rematch_priority=True)
    mentee.refresh_from_db()
    for suggestion in mentor_suggestions(mentee):
        assert all(
            label not in ("Re-match", "Time waiting") for label, _, _ in suggestion.explanation
        )


# --- Picking and the mentor's answer ---------------------------------------------------------


def test_the_mentees_first_choice_is_asked_and_the_others_wait_their_turn(
    mentee, mentors, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        offered = choose(mentee, mentors)

    assert offered.mentor_enrolment == mentors[0]
    assert statuses(mentee) == {
        mentors[0].pk: "waiting",
        mentors[1].pk: "queued",
        mentors[2].pk: "queued",
    }
    assert [message.to for message in mail.outbox] == [[mentors[0].user.email]]
    assert "Maya Patel would like you as their mentor" in mail.outbox[0].subject
    assert "accept or decline by" in mail.outbox[0].body


def test_choosing_in_a_scheme_without_mentee_choice_is_refused(scheme, make_mentee, make_mentor):
    mentee = make_mentee(scheme)
    mentor = make_mentor(scheme)
    with pytest.raises(ValidationError, match="organisers match mentees"):
        choose(mentee, [mentor])
    assert not MentorChoice.objects.exists()


def test_a_mentee_cannot_choose_a_mentor_who_was_not_suggested(
    choosing_scheme, mentee, make_mentor
):
    too_junior = make_mentor(choosing_scheme, years=1)
    with pytest.raises(ValidationError, match="can no longer take a new mentee"):
        choose(mentee, [too_junior])
    assert not MentorChoice.objects.exists()


def test_a_mentee_with_open_requests_withdraws_them_before_choosing_again(mentee, mentors):
    choose(mentee, mentors[:1])
    with pytest.raises(ValidationError, match="already asked"):
        choose(mentee, mentors[1:])

    services.mentor_choices_withdraw(mentee_enrolment=mentee)
    choose(mentee, [mentors[1], mentors[0]])
    assert statuses(mentee) == {mentors[0].pk: "queued", mentors[1].pk: "waiting"}


def test_the_mentor_accepts_and_the_pair_is_created_and_introduced(
    mentee, mentors, django_capture_on_commit_callbacks
):
    choice = choose(mentee, mentors)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        pair = services.mentor_choice_accept(choice=choice)

    assert (pair.mentee_enrolment, pair.mentor_enrolment) == (mentee, mentors[0])
    assert pair.status == Pair.Status.INTRODUCED
    assert pair.explanation == choice.explanation
    assert statuses(mentee) == {
        mentors[0].pk: "accepted",
        mentors[1].pk: "withdrawn",
        mentors[2].pk: "withdrawn",
    }
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [mentee.user.email, mentors[0].user.email]
    )


def test_a_mentor_answers_a_request_only_once(mentee, mentors):
    choice = choose(mentee, mentors)
    services.mentor_choice_decline(choice=choice)
    with pytest.raises(ValidationError, match="no longer waiting for your answer"):
        services.mentor_choice_accept(choice=choice)
    assert not Pair.objects.exists()


def test_a_mentor_with_no_place_left_cannot_accept(choosing_scheme, mentee, mentors, make_mentee):
    choice = choose(mentee, mentors)
    # An organiser's round filled the place in the meantime.
    PairFactory(
        scheme=choosing_scheme,
        mentor_enrolment=mentors[0],
        mentee_enrolment=make_mentee(choosing_scheme),
    )
    with pytest.raises(ValidationError, match="All your places are taken"):
        services.mentor_choice_accept(choice=choice)
    choice.refresh_from_db()
    assert choice.status == MentorChoice.Status.WAITING
    assert not Pair.objects.filter(mentee_enrolment=mentee).exists()


def test_a_decline_moves_the_mentee_to_their_next_choice_and_tells_them(
    mentee, mentors, django_capture_on_commit_callbacks
):
    choice = choose(mentee, mentors)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        next_choice = services.mentor_choice_decline(choice=choice)

    assert next_choice.mentor_enrolment == mentors[1]
    assert statuses(mentee)[mentors[0].pk] == "declined"
    assert statuses(mentee)[mentors[1].pk] == "waiting"
    to_mentee = next(m for m in mail.outbox if m.to == [mentee.user.email])
    assert "We have asked Bea Lee, your next choice" in to_mentee.body
    assert any(m.to == [mentors[1].user.email] for m in mail.outbox)


def test_a_queued_choice_who_filled_up_meanwhile_is_skipped(
    choosing_scheme, mentee, mentors, make_mentee
):
    choice = choose(mentee, mentors)
    Enrolment.objects.filter(pk=mentors[1].pk).update(available_for_matching=False)

    next_choice = services.mentor_choice_decline(choice=choice)

    assert next_choice.mentor_enrolment == mentors[2]
    assert statuses(mentee)[mentors[1].pk] == "withdrawn"


def test_when_every_choice_says_no_the_mentee_is_back_in_the_pool(
    choosing_scheme, mentee, mentors, django_capture_on_commit_callbacks
):
    choice = choose(mentee, mentors[:1])
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert services.mentor_choice_decline(choice=choice) is None

    assert mentee in round_pool_mentees(choosing_scheme)
    assert mentors[0] not in [s.mentor_enrolment for s in mentor_suggestions(mentee)]
    body = mail.outbox[0].body
    assert "nobody left on your list" in body and "choose again" in body


# --- Silence: reminder once, then the next choice (frozen time) ------------------------------


def test_silence_reminds_the_mentor_once_then_moves_the_mentee_on(
    mentee, mentors, django_capture_on_commit_callbacks
):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        choose(mentee, mentors)

    with time_machine.travel(start + timedelta(days=2), tick=False):
        assert matching_sweep() == {"expired": 0, "reminded": 0, "retried": 0, "failed": 0}

    with (
        time_machine.travel(start + timedelta(days=4), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert matching_sweep() == {"expired": 0, "reminded": 1, "retried": 0, "failed": 0}
        assert matching_sweep() == {"expired": 0, "reminded": 0, "retried": 0, "failed": 0}, (
            "reminded once only"
        )
    reminders = Notification.objects.filter(kind="mentor_request_reminder")
    assert [n.recipient for n in reminders] == [mentors[0].user]
    assert any("Reminder" in m.subject for m in mail.outbox)

    mail.outbox.clear()
    with (
        time_machine.travel(start + timedelta(days=7, minutes=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert matching_sweep() == {"expired": 1, "reminded": 0, "retried": 0, "failed": 0}
        assert matching_sweep() == {"expired": 0, "reminded": 0, "retried": 0, "failed": 0}
    to_mentee = next(m for m in mail.outbox if m.to == [mentee.user.email])
    assert "Ann Lee did not answer in time" in to_mentee.body
    assert "We have asked Bea Lee, your next choice" in to_mentee.body
    assert any(m.to == [mentors[1].user.email] for m in mail.outbox), "the next choice is asked"

    assert statuses(mentee)[mentors[0].pk] == "expired"
    waiting = MentorChoice.objects.get(mentee_enrolment=mentee, status="waiting")
    assert waiting.mentor_enrolment == mentors[1]
    assert waiting.offered_at == start + timedelta(days=7, minutes=1)


def test_the_scheme_sets_how_many_days_a_mentor_has(choosing_scheme, mentee, mentors):
    MatchingSettings.objects.filter(scheme=choosing_scheme).update(choice_response_days=2)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        choose(mentee, mentors)
    with time_machine.travel(start + timedelta(days=1, hours=23), tick=False):
        assert matching_sweep()["expired"] == 0
    with time_machine.travel(start + timedelta(days=2, hours=1), tick=False):
        assert matching_sweep()["expired"] == 1


def test_expiring_early_or_twice_does_nothing(mentee, mentors):
    choice = choose(mentee, mentors)
    assert services.mentor_choice_expire(choice_id=choice.pk) is None
    later = timezone.now() + timedelta(days=8)
    assert (
        services.mentor_choice_expire(choice_id=choice.pk, now=later).mentor_enrolment
        == (mentors[1])
    )
    assert services.mentor_choice_expire(choice_id=choice.pk, now=later) is None
    assert MentorChoice.objects.filter(mentee_enrolment=mentee, status="waiting").count() == 1


# --- Availability and re-matching -------------------------------------------------------------


def test_a_mentor_who_marks_themselves_unavailable_is_not_suggested(mentee, mentors):
    services.mentor_availability_set(enrolment=mentors[0], available=False)
    assert mentors[0] not in [s.mentor_enrolment for s in mentor_suggestions(mentee)]
    services.mentor_availability_set(enrolment=mentors[0], available=True)
    assert mentors[0] in [s.mentor_enrolment for s in mentor_suggestions(mentee)]


def test_only_mentors_mark_themselves_unavailable(mentee):
    with pytest.raises(ValidationError):
        services.mentor_availability_set(enrolment=mentee, available=False)


def test_after_a_pair_ends_the_mentee_asks_again_and_is_never_offered_the_previous_mentor(
    choosing_scheme, mentee, mentors
):
    pair = PairFactory(
        scheme=choosing_scheme,
        mentee_enrolment=mentee,
        mentor_enrolment=mentors[0],
        status=Pair.Status.ENDED,
        created_at=timezone.now() - timedelta(days=90),
        ended_at=timezone.now(),
    )
    services.mentee_rematch_request(enrolment=mentee)

    mentee.refresh_from_db()
    assert mentee.rematch_priority
    assert mentee in round_pool_mentees(choosing_scheme)
    suggested = [s.mentor_enrolment for s in mentor_suggestions(mentee)]
    assert pair.mentor_enrolment not in suggested and suggested


def test_asking_for_a_new_mentor_with_a_current_pair_is_refused(choosing_scheme, mentee, mentors):
    PairFactory(scheme=choosing_scheme, mentee_enrolment=mentee, mentor_enrolment=mentors[0])
    with pytest.raises(ValidationError, match="end that pair first"):
        services.mentee_rematch_request(enrolment=mentee)
    mentee.refresh_from_db()
    assert not mentee.rematch_priority


def test_asking_twice_keeps_the_original_waiting_time(mentee):
    services.mentee_rematch_request(enrolment=mentee)
    first = Enrolment.objects.get(pk=mentee.pk).waiting_since
    services.mentee_rematch_request(enrolment=mentee)
    assert Enrolment.objects.get(pk=mentee.pk).waiting_since == first
