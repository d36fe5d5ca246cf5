from datetime import date

import pytest

from accounts.models import Grade
from schemes.eligibility import mentee_decision, mentor_decision
from schemes.models import Enrolment, MenteeEligibility
from schemes.tests.factories import EnrolmentFactory, MemberFactory, SchemeFactory


@pytest.fixture
def kingston_scheme(organisation):
    """The seed's Kingston scheme: opt-out, for CT1s in paediatrics only, trainee mentors."""
    return SchemeFactory(
        organisation=organisation,
        mentee_eligibility=MenteeEligibility.CHOSEN,
        eligible_grades=["CT1"],
        eligible_specialties=["Paediatrics"],
    )


def member(organisation, **kwargs):
    return MemberFactory(organisation=organisation, **kwargs)


@pytest.mark.django_db
def test_a_ct1_paediatric_trainee_may_join_the_ct1_paediatrics_scheme(
    kingston_scheme, organisation
):
    trainee = member(organisation, grade=Grade.CT1, specialty="paediatrics")
    assert mentee_decision(kingston_scheme, trainee)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("grade", "specialty", "reason"),
    [
        (Grade.CT2, "Paediatrics", "for CT1 trainees; your profile says CT2"),
        (Grade.CT1, "Surgery", "for trainees in Paediatrics; your profile says Surgery"),
    ],
)
def test_trainees_outside_the_chosen_grades_and_specialties_are_told_why(
    kingston_scheme, organisation, grade, specialty, reason
):
    decision = mentee_decision(
        kingston_scheme, member(organisation, grade=grade, specialty=specialty)
    )
    assert not decision
    assert reason in decision.reason


@pytest.mark.django_db
def test_staff_of_another_trust_cannot_join(scheme, other_organisation):
    decision = mentee_decision(scheme, member(other_organisation))
    assert not decision
    assert "for staff of" in decision.reason


@pytest.mark.django_db
def test_consultants_cannot_be_mentees(scheme, organisation):
    decision = mentee_decision(scheme, member(organisation, grade=Grade.CONSULTANT))
    assert "doctors in training" in decision.reason


@pytest.mark.django_db
def test_a_mentor_needs_the_schemes_minimum_years_in_training(scheme, organisation):
    scheme.mentor_min_years_in_training = 2
    trainee = member(organisation, grade=Grade.FY2, training_started_on=date(2025, 8, 6))

    decision = mentor_decision(scheme, trainee, on=date(2026, 11, 27))

    assert not decision
    assert "at least 2 years in training" in decision.reason
    assert "6 August 2025" in decision.reason
    assert mentor_decision(scheme, trainee, on=date(2027, 8, 6))


@pytest.mark.django_db
def test_a_peer_scheme_refuses_consultant_mentors_and_a_mixed_scheme_accepts_them(
    scheme, organisation
):
    consultant = member(organisation, grade=Grade.CONSULTANT)
    decision = mentor_decision(scheme, consultant)
    assert not decision and "peer scheme" in decision.reason

    scheme.mentors_may_be_consultants = True
    assert mentor_decision(scheme, consultant)
    assert not scheme.is_peer_only


@pytest.mark.django_db
def test_a_scheme_of_senior_mentors_only_refuses_trainee_mentors(scheme, organisation):
    scheme.mentors_may_be_trainees = False
    scheme.mentors_may_be_consultants = True
    decision = mentor_decision(scheme, member(organisation, grade=Grade.ST5))
    assert "senior staff" in decision.reason


@pytest.mark.django_db
def test_one_person_may_be_mentee_and_mentor_only_where_the_scheme_allows(scheme, organisation):
    trainee = member(organisation, grade=Grade.ST3)
    EnrolmentFactory(scheme=scheme, user=trainee, role=Enrolment.Role.MENTEE)

    assert "does not let one person be both" in mentor_decision(scheme, trainee).reason
    scheme.allows_mentee_and_mentor = True
    assert mentor_decision(scheme, trainee)


@pytest.mark.django_db
def test_a_closed_scheme_takes_nobody(scheme, organisation):
    scheme.is_open = False
    assert "closed" in mentee_decision(scheme, member(organisation)).reason
