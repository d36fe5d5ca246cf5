"""The training gate: an untrained mentor is not offered to the matcher, and sees exactly what
they must complete."""

import sys
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from schemes.tests.factories import MentorEnrolmentFactory
from supervision import gate
from supervision.selectors import (
    mentor_is_trained,
    trained_enrolment_ids,
    training_requirement,
)

from .factories import TrainingEventFactory, TrainingRecordFactory, verified_training

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("required", "kind", "trained"),
    [
        ("formal_internal", "formal_external", True),
        ("formal_internal", "formal_internal", True),
        ("formal_internal", "informal", False),
        ("formal_external", "formal_internal", False),
        ("informal", "informal", True),
        ("none", None, True),
    ],
)
def test_trained_means_a_verified_record_at_least_as_formal_as_required(
    scheme, mentor_enrolment, required, kind, trained
):
    scheme.mentor_training_required = required
    scheme.save()
    if kind:
        verified_training(mentor_enrolment, kind=kind)
    assert mentor_is_trained(mentor_enrolment) is trained
    assert (mentor_enrolment.pk in trained_enrolment_ids(scheme, [mentor_enrolment])) is trained


def test_a_record_waiting_or_rejected_does_not_count(scheme, mentor, mentor_enrolment):
    TrainingRecordFactory(scheme=scheme, mentor=mentor, kind="formal_external")
    TrainingRecordFactory(
        scheme=scheme, mentor=mentor, kind="formal_external", status="rejected",
        rejection_reason="Wrong person",
    )  # fmt: skip
    assert not mentor_is_trained(mentor_enrolment)


def test_training_recorded_in_another_scheme_does_not_count(scheme, other_scheme, mentor_enrolment):
    TrainingRecordFactory(scheme=other_scheme, mentor=mentor_enrolment.user, status="verified")
    assert not mentor_is_trained(mentor_enrolment)


def test_the_batch_check_reads_many_mentors_in_one_query(scheme, django_assert_num_queries):
    mentors = [MentorEnrolmentFactory(scheme=scheme) for _ in range(5)]
    for enrolment in mentors[:2]:
        verified_training(enrolment)
    with django_assert_num_queries(1):
        trained = trained_enrolment_ids(scheme, mentors)
    assert trained == {mentors[0].pk, mentors[1].pk}


# --- Wiring into matching ----------------------------------------------------------------------


def test_the_gate_is_registered_with_the_matcher_and_keeps_untrained_mentors_out(scheme):
    rules = pytest.importorskip("matching.rules")
    assert gate.register_with_matching() is True
    trained = MentorEnrolmentFactory(scheme=scheme)
    untrained = MentorEnrolmentFactory(scheme=scheme)
    verified_training(trained)

    assert rules.trained_mentor_ids(scheme, [trained, untrained]) == {trained.pk}
    assert rules.mentor_has_required_training(scheme, trained)
    assert not rules.mentor_has_required_training(scheme, untrained)


def test_a_scheme_without_a_requirement_offers_every_mentor(scheme):
    rules = pytest.importorskip("matching.rules")
    gate.register_with_matching()
    scheme.mentor_training_required = "none"
    scheme.save()
    untrained = MentorEnrolmentFactory(scheme=scheme)
    assert rules.trained_mentor_ids(scheme, [untrained]) == {untrained.pk}


def test_the_matchers_rules_refuse_an_untrained_mentor_for_training(scheme, mentee_enrolment):
    """Through the matcher's own candidate rules, not just the registered check."""
    rules = pytest.importorskip("matching.rules")
    if not hasattr(rules, "pair_refusal"):
        pytest.skip("matching.rules has no pair_refusal")
    gate.register_with_matching()
    mentee = mentee_enrolment.user
    mentee.training_started_on = timezone.localdate() - timedelta(days=100)
    mentee.save()
    untrained = MentorEnrolmentFactory(scheme=scheme)
    trained = MentorEnrolmentFactory(scheme=scheme)
    verified_training(trained)

    assert rules.pair_refusal(mentee_enrolment, untrained).code == "mentor_training"
    assert rules.pair_refusal(mentee_enrolment, trained) is None


def test_without_the_matching_hook_the_app_still_starts_and_says_so(monkeypatch, caplog):
    # Make `from matching.rules import register_training_check` fail as if the hook were absent.
    monkeypatch.setitem(sys.modules, "matching.rules", None)
    assert gate.register_with_matching() is False
    assert "training gate is not wired" in caplog.text


# --- What the mentor sees ---------------------------------------------------------------------


def test_an_untrained_mentor_sees_exactly_what_to_complete(
    client, scheme, mentor, mentor_enrolment
):
    scheme.mentor_training_required = "formal_internal"
    scheme.save()
    TrainingRecordFactory(
        scheme=scheme, mentor=mentor, kind="informal", status="verified", title="Reading list"
    )
    TrainingEventFactory(scheme=scheme, title="Mentoring skills day")
    client.force_login(mentor)

    page = client.get(reverse("supervision:mine")).content.decode()

    assert "Before you can be matched with a mentee" in page
    assert "Complete formal internal training or formal external training" in page
    assert "“Reading list” (informal training) is welcome, but this scheme needs" in page
    assert "Book one of the scheme&#x27;s training events below" in page
    assert "Mentoring skills day" in page


def test_a_pending_record_is_named_as_waiting(scheme, mentor, mentor_enrolment):
    TrainingRecordFactory(scheme=scheme, mentor=mentor, title="Coaching course")
    steps = training_requirement(mentor_enrolment).steps
    assert any("“Coaching course” is waiting for an organiser" in step for step in steps)


def test_a_trained_mentor_is_told_they_can_be_matched(client, scheme, mentor, mentor_enrolment):
    verified_training(mentor_enrolment)
    client.force_login(mentor)
    page = client.get(reverse("supervision:mine")).content.decode()
    assert "You can be offered mentees." in page
    assert "Before you can be matched" not in page


def test_the_my_mentoring_panel_shows_the_training_gate(client, scheme, mentor, mentor_enrolment):
    client.force_login(mentor)
    page = client.get(reverse("accounts:my-mentoring")).content.decode()
    assert "My mentor training" in page
    assert "training needed before you can be matched" in page


def test_a_mentee_gets_no_mentor_training_panel(client, mentee):
    client.force_login(mentee)
    page = client.get(reverse("accounts:my-mentoring")).content.decode()
    assert "My mentor training" not in page
