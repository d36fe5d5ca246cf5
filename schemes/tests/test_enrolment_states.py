"""The enrolment states every app asks about, named once on Enrolment.objects, and the one rule
of which grades may mentor in a scheme (Scheme.grade_may_mentor)."""

import pytest

from accounts.models import Grade
from schemes.models import Enrolment
from schemes.tests.factories import EnrolmentFactory, MentorEnrolmentFactory, SchemeFactory

pytestmark = pytest.mark.django_db

Status = Enrolment.Status


@pytest.fixture
def every_state(scheme):
    """One mentee and one mentor enrolment in each status: {(role, status): enrolment}."""
    made = {}
    for status in Status.values:
        made[("mentee", status)] = EnrolmentFactory(scheme=scheme, status=status)
        made[("mentor", status)] = MentorEnrolmentFactory(scheme=scheme, status=status)
    return made


def _keys(every_state, queryset):
    ids = set(queryset.values_list("pk", flat=True))
    return {key for key, enrolment in every_state.items() if enrolment.pk in ids}


def _all(every_state, *, roles=("mentee", "mentor"), statuses=tuple(Status.values)):
    return {(role, status) for role in roles for status in statuses}


def test_current_is_every_enrolment_but_the_withdrawn(every_state):
    wanted = _all(every_state, statuses=(Status.REQUESTED, Status.ACTIVE, Status.PAUSED))
    assert _keys(every_state, Enrolment.objects.current()) == wanted


def test_enrolled_is_active_or_paused(every_state):
    wanted = _all(every_state, statuses=(Status.ACTIVE, Status.PAUSED))
    assert _keys(every_state, Enrolment.objects.enrolled()) == wanted


def test_active_is_active_only(every_state):
    assert _keys(every_state, Enrolment.objects.active()) == _all(
        every_state, statuses=(Status.ACTIVE,)
    )


def test_requested_is_requests_only(every_state):
    assert _keys(every_state, Enrolment.objects.requested()) == _all(
        every_state, statuses=(Status.REQUESTED,)
    )


def test_mentees_and_mentors_split_by_role_whatever_the_status(every_state):
    assert _keys(every_state, Enrolment.objects.mentees()) == _all(every_state, roles=("mentee",))
    assert _keys(every_state, Enrolment.objects.mentors()) == _all(every_state, roles=("mentor",))


def test_the_states_chain_and_work_through_a_related_manager(scheme, every_state):
    assert _keys(every_state, scheme.enrolments.mentors().current()) == _all(
        every_state,
        roles=("mentor",),
        statuses=(Status.REQUESTED, Status.ACTIVE, Status.PAUSED),
    )
    assert _keys(every_state, Enrolment.objects.mentees().enrolled()) == _all(
        every_state, roles=("mentee",), statuses=(Status.ACTIVE, Status.PAUSED)
    )


def test_current_agrees_with_the_single_object_property(every_state):
    current = set(Enrolment.objects.current().values_list("pk", flat=True))
    for enrolment in every_state.values():
        assert enrolment.is_current == (enrolment.pk in current)


# --- Which grades may mentor --------------------------------------------------------------------

SENIOR = {
    Grade.CONSULTANT: "mentors_may_be_consultants",
    Grade.SAS: "mentors_may_be_sas",
    Grade.OTHER_PROFESSIONAL: "mentors_may_be_other_professionals",
}


@pytest.mark.parametrize("grade", [Grade.FY1, Grade.ST4, ""])
@pytest.mark.parametrize("trainees", [True, False])
def test_a_trainee_or_a_person_without_a_grade_may_mentor_where_trainees_may(grade, trainees):
    scheme = SchemeFactory.build(mentors_may_be_trainees=trainees)
    assert scheme.grade_may_mentor(grade) is trainees


@pytest.mark.parametrize(("grade", "flag"), list(SENIOR.items()))
def test_a_senior_grade_may_mentor_only_where_its_own_flag_is_on(grade, flag):
    everything_else = {other: True for other in SENIOR.values() if other != flag}
    without_its_flag = SchemeFactory.build(mentors_may_be_trainees=True, **everything_else)
    with_its_flag_only = SchemeFactory.build(mentors_may_be_trainees=False, **{flag: True})
    assert not without_its_flag.grade_may_mentor(grade)
    assert with_its_flag_only.grade_may_mentor(grade)


def test_an_unknown_grade_may_never_mentor():
    scheme = SchemeFactory.build(**dict.fromkeys(SENIOR.values(), True))
    assert not scheme.grade_may_mentor("astronaut")
