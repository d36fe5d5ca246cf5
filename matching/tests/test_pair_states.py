"""The states of pairs, mentor choices and rounds that every app asks about, named once on their
managers; MEETING_STATUSES has one home (Pair)."""

import pytest

from matching.models import MatchRound, MentorChoice, Pair
from matching.tests.factories import PairFactory
from meetings import health
from schemes.tests.factories import EnrolmentFactory, MentorEnrolmentFactory, SchemeFactory

pytestmark = pytest.mark.django_db


def _pks(queryset):
    return set(queryset.values_list("pk", flat=True))


@pytest.fixture
def pairs(scheme):
    """One pair in each status: {status: pair}."""
    return {status: PairFactory(scheme=scheme, status=status) for status in Pair.Status.values}


def _of(made, *statuses):
    return {made[status].pk for status in statuses}


def test_current_pairs_are_every_pair_not_ended(pairs):
    S = Pair.Status
    assert _pks(Pair.objects.current()) == _of(pairs, S.INTRODUCED, S.ACTIVE, S.PAUSED)


def test_meeting_pairs_are_introduced_or_active_not_paused(pairs):
    S = Pair.Status
    assert _pks(Pair.objects.meeting()) == _of(pairs, S.INTRODUCED, S.ACTIVE)


def test_ended_pairs_are_the_ended_only(pairs):
    assert _pks(Pair.objects.ended()) == _of(pairs, Pair.Status.ENDED)


def test_the_states_work_through_a_related_manager(pairs):
    for status, pair in pairs.items():
        mentee = pair.mentee_enrolment
        assert mentee.pairs_as_mentee.current().exists() == (status != Pair.Status.ENDED)
        assert mentee.pairs_as_mentee.ended().exists() == (status == Pair.Status.ENDED)


def test_current_agrees_with_the_single_object_property(pairs):
    current = _pks(Pair.objects.current())
    for pair in pairs.values():
        assert pair.is_current == (pair.pk in current)


def test_meeting_statuses_have_one_home():
    assert Pair.MEETING_STATUSES == (Pair.Status.INTRODUCED, Pair.Status.ACTIVE)
    assert health.MEETING_STATUSES is Pair.MEETING_STATUSES


def test_open_choices_are_queued_or_waiting(scheme):
    choices = {}
    for status in MentorChoice.Status.values:
        choices[status] = MentorChoice.objects.create(
            mentee_enrolment=EnrolmentFactory(scheme=scheme),
            mentor_enrolment=MentorEnrolmentFactory(scheme=scheme),
            status=status,
        )
    S = MentorChoice.Status
    assert _pks(MentorChoice.objects.open()) == _of(choices, S.QUEUED, S.WAITING)
    assert _pks(MentorChoice.objects.waiting()) == _of(choices, S.WAITING)
    for choice in choices.values():
        assert choice.is_open == (choice.status in (S.QUEUED, S.WAITING))


def test_open_rounds_are_running_or_proposed():
    # One open round per scheme is a database rule, so each round has its own scheme.
    rounds = {
        status: MatchRound.objects.create(scheme=SchemeFactory(), status=status)
        for status in MatchRound.Status.values
    }
    S = MatchRound.Status
    assert _pks(MatchRound.objects.open()) == _of(rounds, S.RUNNING, S.PROPOSED)
    for match_round in rounds.values():
        assert match_round.is_open == (match_round.status in (S.RUNNING, S.PROPOSED))


# --- The one waiting-mentee query -----------------------------------------------------------------


def test_mentees_without_mentor_are_active_mentees_with_no_current_pair(scheme, other_scheme):
    from matching.selectors import mentees_without_mentor
    from schemes.models import Enrolment

    waiting = EnrolmentFactory(scheme=scheme)
    after_an_ended_pair = PairFactory(scheme=scheme, status=Pair.Status.ENDED).mentee_enrolment
    left_out = {
        "paired": PairFactory(scheme=scheme, status=Pair.Status.PAUSED).mentee_enrolment,
        "paused": EnrolmentFactory(scheme=scheme, status=Enrolment.Status.PAUSED),
        "requested": EnrolmentFactory(scheme=scheme, status=Enrolment.Status.REQUESTED),
        "withdrawn": EnrolmentFactory(scheme=scheme, status=Enrolment.Status.WITHDRAWN),
        "mentor": MentorEnrolmentFactory(scheme=scheme),
    }
    elsewhere = EnrolmentFactory(scheme=other_scheme)

    assert _pks(mentees_without_mentor(scheme)) == {waiting.pk, after_an_ended_pair.pk}
    assert not _pks(mentees_without_mentor(scheme)) & {e.pk for e in left_out.values()}
    assert _pks(mentees_without_mentor([scheme, other_scheme])) == {
        waiting.pk,
        after_an_ended_pair.pk,
        elsewhere.pk,
    }
