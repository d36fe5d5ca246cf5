"""Every hard rule: which mentors a mentee may never be matched with, and that it says so."""

import pytest

from accounts.models import Gender, Grade
from matching import checks, rules
from matching.models import Exclusion, MentorChoice, Pair
from matching.rules import RULES, Pool, pair_refusal
from matching.tests.factories import PairFactory
from schemes.models import Enrolment, MentorTraining
from schemes.tests.factories import SchemeFactory


def refusal_code(mentee, mentor):
    mentee.refresh_from_db()
    mentor.refresh_from_db()
    rule = pair_refusal(mentee, mentor)
    return rule.code if rule else None


@pytest.fixture
def mentee(scheme, make_mentee):
    return make_mentee(scheme, years=1)


@pytest.fixture
def mentor(scheme, make_mentor):
    return make_mentor(scheme, years=3)


def test_a_mentee_and_mentor_who_meet_every_rule_may_be_matched(mentee, mentor):
    assert refusal_code(mentee, mentor) is None


def test_mentors_of_another_scheme_are_never_candidates(mentee, other_scheme, make_mentor):
    outsider = make_mentor(other_scheme)
    assert refusal_code(mentee, outsider) == "same_scheme"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"status": Enrolment.Status.PAUSED}, "mentor_active"),
        ({"available_for_matching": False}, "mentor_available"),
        ({"capacity": 0}, "mentor_capacity"),
    ],
)
def test_mentor_must_be_active_available_and_have_a_place(mentee, mentor, change, code):
    Enrolment.objects.filter(pk=mentor.pk).update(**change)
    assert refusal_code(mentee, mentor) == code


def test_an_inactive_mentee_is_matched_with_nobody(mentee, mentor):
    Enrolment.objects.filter(pk=mentee.pk).update(status=Enrolment.Status.PAUSED)
    assert refusal_code(mentee, mentor) == "mentee_active"


def test_current_pairs_use_up_a_mentors_places(scheme, mentee, make_mentor, make_mentee):
    mentor = make_mentor(scheme, capacity=1)
    PairFactory(scheme=scheme, mentor_enrolment=mentor, mentee_enrolment=make_mentee(scheme))
    assert refusal_code(mentee, mentor) == "mentor_capacity"


def test_a_request_waiting_for_the_mentors_answer_holds_one_of_their_places(
    scheme, mentee, make_mentor, make_mentee
):
    mentor = make_mentor(scheme, capacity=1)
    MentorChoice.objects.create(
        mentee_enrolment=make_mentee(scheme), mentor_enrolment=mentor, status="waiting"
    )
    assert refusal_code(mentee, mentor) == "mentor_capacity"


def test_an_ended_pair_frees_the_place(scheme, mentee, make_mentor, make_mentee):
    mentor = make_mentor(scheme, capacity=1)
    PairFactory(
        scheme=scheme,
        mentor_enrolment=mentor,
        mentee_enrolment=make_mentee(scheme),
        status=Pair.Status.ENDED,
    )
    assert refusal_code(mentee, mentor) is None


def test_without_a_registered_training_check_no_mentor_counts_as_trained(
    scheme, mentee, mentor, no_training_check
):
    """The gate fails closed: with nothing to say who is trained, nobody is."""
    scheme.mentor_training_required = MentorTraining.FORMAL_EXTERNAL
    scheme.save()
    assert refusal_code(mentee, mentor) == "mentor_training"
    assert rules.trained_mentor_ids(scheme, [mentor]) == set()
    assert not rules.mentor_has_required_training(scheme, mentor)


def test_without_a_registered_training_check_a_scheme_requiring_none_still_matches(
    scheme, mentee, mentor, no_training_check
):
    scheme.mentor_training_required = MentorTraining.NONE
    scheme.save()
    assert refusal_code(mentee, mentor) is None


def test_a_system_check_warns_when_no_training_check_is_registered(no_training_check):
    warnings = checks.training_check_registered(None)
    assert [warning.id for warning in warnings] == ["matching.W001"]


def test_the_system_check_is_quiet_once_a_training_check_is_registered(training_check):
    training_check(lambda scheme, enrolments: set())
    assert checks.training_check_registered(None) == []


def test_the_system_check_is_registered_with_django(no_training_check):
    from django.core.checks import run_checks

    assert "matching.W001" in [message.id for message in run_checks()]


def test_the_registered_training_check_decides_when_the_scheme_requires_training(
    scheme, mentee, mentor, make_mentor, training_check
):
    trained = make_mentor(scheme)
    asked = []

    def check(checked_scheme, enrolments):
        asked.append(checked_scheme)
        return {enrolment.pk for enrolment in enrolments if enrolment.pk == trained.pk}

    training_check(check)
    scheme.mentor_training_required = MentorTraining.FORMAL_INTERNAL
    scheme.save()

    assert refusal_code(mentee, mentor) == "mentor_training"
    assert refusal_code(mentee, trained) is None
    assert asked and asked[0] == scheme


def test_a_scheme_requiring_no_training_never_asks_the_check(
    scheme, mentee, mentor, training_check
):
    training_check(lambda scheme, enrolments: pytest.fail("the check must not be asked"))
    scheme.mentor_training_required = MentorTraining.NONE
    scheme.save()
    assert refusal_code(mentee, mentor) is None


def test_a_peer_only_scheme_never_matches_a_consultant(scheme, mentee, make_mentor):
    consultant = make_mentor(scheme, years=20, user={"grade": Grade.CONSULTANT})
    assert scheme.is_peer_only
    assert refusal_code(mentee, consultant) == "mentor_kind"


def test_a_scheme_that_takes_consultants_may_match_one_whatever_the_years(mentee, make_mentor):
    scheme = mentee.scheme
    scheme.mentors_may_be_consultants = True
    scheme.save()
    consultant = make_mentor(scheme, years=0, user={"grade": Grade.CONSULTANT})
    assert refusal_code(mentee, consultant) is None


@pytest.mark.parametrize(
    ("mentee_years", "mentor_years", "minimum", "allowed"),
    [
        (1, 3, 1, True),
        (1, 2, 1, True),
        (2, 2, 1, False),  # the same stage: not ahead at all
        (4, 4.5, 1, False),  # enough years in absolute terms, but not ahead of this mentee
        (1, 2, 2, False),
        (1, 3, 2, True),
    ],
)
def test_a_trainee_mentor_is_at_least_the_schemes_minimum_years_ahead_of_the_mentee(
    scheme, make_mentee, make_mentor, mentee_years, mentor_years, minimum, allowed
):
    scheme.mentor_min_years_in_training = minimum
    scheme.save()
    mentee = make_mentee(scheme, years=mentee_years)
    mentor = make_mentor(scheme, years=mentor_years)
    assert refusal_code(mentee, mentor) == (None if allowed else "years_ahead")


@pytest.mark.parametrize("field", ["educational_supervisor_email", "clinical_supervisor_email"])
def test_never_the_mentees_own_supervisor(mentee, mentor, field):
    Enrolment.objects.filter(pk=mentee.pk).update(**{field: mentor.user.email.upper()})
    assert refusal_code(mentee, mentor) == "supervisor"


@pytest.mark.parametrize("reason", list(Exclusion.Reason))
def test_never_anyone_the_mentee_or_an_organiser_excluded(mentee, mentor, reason):
    Exclusion.objects.create(mentee_enrolment=mentee, excluded_user=mentor.user, reason=reason)
    assert refusal_code(mentee, mentor) == "excluded"


@pytest.mark.parametrize("mentor_was_mentee", [False, True])
def test_never_two_people_whose_earlier_pair_ended_badly_in_any_scheme_or_role(
    scheme, mentee, mentor, mentor_was_mentee
):
    elsewhere = SchemeFactory(organisation=scheme.organisation)
    earlier_mentee, earlier_mentor = (
        (mentor.user, mentee.user) if mentor_was_mentee else (mentee.user, mentor.user)
    )
    PairFactory(
        scheme=elsewhere,
        mentee_enrolment__user=earlier_mentee,
        mentor_enrolment__user=earlier_mentor,
        status=Pair.Status.ENDED,
        ended_badly=True,
    )
    assert refusal_code(mentee, mentor) == "ended_badly"


def test_a_previous_mentor_is_not_matched_again_after_the_pair_ended(scheme, mentee, mentor):
    PairFactory(
        scheme=scheme,
        mentee_enrolment=mentee,
        mentor_enrolment=mentor,
        status=Pair.Status.ENDED,
    )
    assert refusal_code(mentee, mentor) == "previous_mentor"


def test_a_mentor_who_declined_the_mentee_is_not_proposed_again(mentee, mentor):
    MentorChoice.objects.create(mentee_enrolment=mentee, mentor_enrolment=mentor, status="declined")
    assert refusal_code(mentee, mentor) == "declined"


def test_a_mentee_may_ask_for_a_mentor_of_a_gender_where_the_scheme_lets_them(
    scheme, make_mentee, make_mentor
):
    scheme.asks_mentor_gender_preference = True
    scheme.save()
    mentee = make_mentee(scheme, mentor_gender_preference="woman")
    man = make_mentor(scheme, user={"gender": Gender.MAN})
    woman = make_mentor(scheme, user={"gender": Gender.WOMAN})
    unsaid = make_mentor(scheme, user={"gender": Gender.UNSAID})
    assert refusal_code(mentee, man) == "gender"
    assert refusal_code(mentee, unsaid) == "gender"
    assert refusal_code(mentee, woman) is None


def test_a_gender_preference_counts_for_nothing_where_the_scheme_does_not_ask(
    scheme, make_mentee, make_mentor
):
    mentee = make_mentee(scheme, mentor_gender_preference="woman")
    man = make_mentor(scheme, user={"gender": Gender.MAN})
    assert refusal_code(mentee, man) is None


def test_a_person_is_never_their_own_mentor(scheme, make_mentee, make_mentor):
    scheme.allows_mentee_and_mentor = True
    scheme.save()
    mentor = make_mentor(scheme, years=3)
    mentee = make_mentee(scheme, user={"email": "x@example.nhs.uk"})
    Enrolment.objects.filter(pk=mentee.pk).update(user=mentor.user)
    mentee.refresh_from_db()
    rule = pair_refusal(mentee, mentor)
    # The same person is also not ahead of themself; the first rule in order is the one reported.
    assert rule.code == "same_person"


def test_each_excluded_mentor_is_counted_once_under_the_first_rule_that_refused_them(
    scheme, make_mentee, make_mentor
):
    mentee = make_mentee(scheme, years=2)
    make_mentor(scheme, years=5)  # eligible
    make_mentor(scheme, years=2)  # not ahead
    make_mentor(scheme, years=2, capacity=0)  # no places (and not ahead): counted as places
    make_mentor(scheme, years=5, available_for_matching=False)
    supervisor = make_mentor(scheme, years=1)  # supervisor and not ahead: counted as not ahead
    Enrolment.objects.filter(pk=mentee.pk).update(
        educational_supervisor_email=supervisor.user.email
    )
    mentee.refresh_from_db()

    pool = Pool.load(scheme, [mentee])
    counts = pool.exclusion_counts(pool.mentees[0])

    assert counts == {
        "Marked themselves unavailable": 1,
        "No places left": 1,
        "Not far enough ahead of the mentee in training": 2,
    }
    assert len(pool.eligible_indices(pool.mentees[0])) == 1
    assert list(counts) == [rule.label for rule in RULES if rule.label in counts], (
        "counts are listed in the rules' order"
    )
