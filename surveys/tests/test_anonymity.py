"""An anonymous answer has no query path to the person who gave it (tested on the schema)."""

import uuid
from datetime import date

import pytest
from django.core.exceptions import FieldError, ValidationError
from django.db import models
from django.utils import timezone

from accounts.models import User
from matching.models import Pair
from schemes.models import Enrolment
from surveys.models import Answer, Invitation, Response, ResponseAttribution
from surveys.services import response_submit
from surveys.tests.factories import invite

pytestmark = pytest.mark.django_db

PERSONAL = {User, Invitation, Pair, Enrolment, ResponseAttribution}


def forward_relations(model):
    return {
        field.name: field.related_model
        for field in model._meta.get_fields()
        if field.is_relation and field.concrete
    }


def submit(invitation, **numbers):
    questions = {q.code: q for q in invitation.template.questions.all()}
    return response_submit(
        invitation=invitation,
        answers={questions[code.replace("_", "-")]: value for code, value in numbers.items()},
    )


@pytest.fixture
def anonymous_answer(mentee, scheme):
    invitation = invite(mentee, scheme)
    assert invitation.anonymous
    response = submit(invitation, content_feedback="4")
    return response.answers.get(), invitation


def test_answers_and_responses_have_no_column_that_points_at_a_person_or_an_invitation():
    assert set(forward_relations(Answer).values()) == {
        Response,
        Answer._meta.get_field("question").related_model,
    }
    response_targets = set(forward_relations(Response).values())
    assert not response_targets & PERSONAL
    # The template and scheme are shared by everyone who answered: they single nobody out.
    assert {model.__name__ for model in response_targets} == {"SurveyTemplate", "Scheme"}


def test_no_lookup_reaches_an_invitation_or_a_person_from_an_answer():
    for lookup in (
        "response__invitation",
        "response__user",
        "response__respondent",
        "response__pair",
        "invitation",
        "user",
    ):
        with pytest.raises(FieldError):
            Answer.objects.filter(**{lookup: 1}).exists()


def test_the_only_link_to_a_person_is_an_attribution_which_an_anonymous_response_never_has(
    anonymous_answer, mentee
):
    answer, invitation = anonymous_answer
    assert not ResponseAttribution.objects.exists()
    assert not User.objects.filter(survey_responses__response__answers=answer).exists()
    with pytest.raises(ValidationError):
        ResponseAttribution.objects.create(
            response=answer.response, invitation=invitation, respondent=mentee
        )


def test_an_anonymous_response_keeps_only_the_month_so_it_cannot_be_joined_on_time(
    anonymous_answer,
):
    answer, invitation = anonymous_answer
    invitation.refresh_from_db()
    response = answer.response
    time_fields = [
        field.name
        for model in (Response, Answer)
        for field in model._meta.concrete_fields
        if isinstance(field, models.DateField)
    ]
    assert time_fields == ["submitted_month"]
    assert not isinstance(Response._meta.get_field("submitted_month"), models.DateTimeField)
    assert response.submitted_month == timezone.localdate(invitation.responded_at).replace(day=1)


def test_a_day_given_by_mistake_is_stored_as_its_month(scheme, mentee):
    invitation = invite(mentee, scheme)
    response = Response.objects.create(
        template=invitation.template,
        scheme=scheme,
        audience="mentee",
        moment="periodic",
        is_anonymous=True,
        submitted_month=date(2026, 5, 17),
    )
    response.refresh_from_db()
    assert response.submitted_month == date(2026, 5, 1)


def test_anonymous_rows_have_random_keys_so_their_order_cannot_be_lined_up_with_invitations():
    for model in (Response, Answer):
        primary_key = model._meta.pk
        assert isinstance(primary_key, models.UUIDField)
        assert primary_key.default is uuid.uuid4


def test_the_invitation_keeps_only_the_has_responded_mark(anonymous_answer):
    _, invitation = anonymous_answer
    invitation.refresh_from_db()
    assert invitation.has_responded
    assert not ResponseAttribution.objects.filter(invitation=invitation).exists()
    invitation_columns = {field.name for field in Invitation._meta.concrete_fields}
    assert not invitation_columns & {"response", "answers", "answer"}


def test_a_named_response_is_linked_to_its_respondent_and_nothing_else_changes(mentee, scheme):
    invitation = invite(mentee, scheme)
    Invitation.objects.filter(pk=invitation.pk).update(anonymous=False)
    invitation.refresh_from_db()
    response = submit(invitation, content_feedback="4")
    assert response.is_anonymous is False
    assert User.objects.get(survey_responses__response=response) == mentee
