"""Answering by the emailed link: signed, expiring, no login, once only."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import signing
from django.urls import reverse

from schemes.tokens import opt_out_token
from surveys.models import Answer, Invitation, Question, Response, ResponseAttribution
from surveys.tests.conftest import survey_link
from surveys.tests.factories import invite
from surveys.tokens import SURVEY_LINK_SALT, survey_link_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation(mentee, scheme, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return invite(mentee, scheme)


def url(invitation):
    return reverse("surveys:answer", kwargs={"token": survey_link_token(invitation)})


def question(invitation, code):
    return invitation.template.questions.get(code=code)


def answers(invitation, **values):
    return {
        f"question_{question(invitation, code.replace('_', '-')).pk}": v
        for code, v in values.items()
    }


GOOD = {
    "process_objectives": "4",
    "content_feedback": "5",
    "satisfaction_recommend": "yes",
    "process_meetings_count": "2 or 3 times",
    "follow_up_improve": "More evening slots",
}


def test_the_emailed_link_opens_the_survey_without_logging_in(client, invitation, mailoutbox):
    response = client.get(survey_link(mailoutbox[0]).replace("http://testserver", ""))
    assert response.status_code == 200
    page = response.content.decode()
    assert invitation.template.name in page
    assert "Your answers are anonymous" in page
    assert "My mentor gives me useful feedback." in page
    assert "1 – Strongly disagree" in page and "5 – Strongly agree" in page
    assert "Log in" in page  # still signed out: the header offers to log in


def test_answering_stores_the_answers_and_marks_the_invitation_answered(client, invitation):
    response = client.post(url(invitation), answers(invitation, **GOOD))
    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.responded_at is not None
    stored = Response.objects.get()
    values = {a.question.code: (a.number, a.choices, a.text) for a in stored.answers.all()}
    assert values == {
        "process-objectives": (4, [], ""),
        "content-feedback": (5, [], ""),
        "satisfaction-recommend": (1, [], ""),
        "process-meetings-count": (None, ["2 or 3 times"], ""),
        "follow-up-improve": (None, [], "More evening slots"),
    }
    assert stored.moment == invitation.moment and stored.is_anonymous


def test_a_tampered_link_is_refused_and_saves_nothing(client, invitation):
    token = survey_link_token(invitation)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    path = reverse("surveys:answer", kwargs={"token": tampered})
    assert client.get(path).status_code == 400
    response = client.post(path, answers(invitation, **GOOD))
    assert response.status_code == 400
    assert "This survey link is not valid" in response.content.decode()
    assert not Response.objects.exists()


def test_a_link_for_another_invitation_id_with_a_forged_payload_is_refused(client, invitation):
    forged = signing.dumps({"i": invitation.pk, "t": "guessed"}, salt=SURVEY_LINK_SALT)
    response = client.get(reverse("surveys:answer", kwargs={"token": forged}))
    assert response.status_code == 400


def test_a_signed_token_made_for_another_purpose_is_refused(client, invitation, mentee_enrolment):
    other = opt_out_token(mentee_enrolment)
    response = client.get(reverse("surveys:answer", kwargs={"token": other}))
    assert response.status_code == 400
    assert "not valid" in response.content.decode()


def test_an_expired_link_says_so_and_points_to_my_mentoring(client, invitation):
    # In UTC: a day in London is sometimes 23 hours (the clocks go forward in March).
    made = datetime(2026, 3, 1, 9, tzinfo=UTC)
    Invitation.objects.filter(pk=invitation.pk).update(
        created_at=made, closes_at=made + timedelta(days=60)
    )
    invitation.refresh_from_db()
    with time_machine.travel(made, tick=False):
        path = url(invitation)
    with time_machine.travel(made + timedelta(days=27, hours=23), tick=False):
        assert client.get(path).status_code == 200
    with time_machine.travel(made + timedelta(days=28, minutes=1), tick=False):
        response = client.post(path, answers(invitation, **GOOD))
    assert response.status_code == 400
    page = response.content.decode()
    assert "This survey link has expired" in page and "Surveys to answer" in page
    assert not Response.objects.exists()


def test_answering_twice_is_refused_with_a_polite_page(client, invitation):
    path = url(invitation)
    client.post(path, answers(invitation, **GOOD))
    again = client.post(path, answers(invitation, content_feedback="1"))
    assert again.status_code == 409
    page = again.content.decode()
    assert "You have already answered this survey" in page and "Thank you" in page
    assert Response.objects.count() == 1
    assert Answer.objects.get(question__code="content-feedback").number == 5
    reopened = client.get(path)
    assert reopened.status_code == 200
    assert "You have already answered this survey" in reopened.content.decode()


def test_a_fresh_link_to_an_answered_survey_is_refused_too(client, invitation):
    client.post(url(invitation), answers(invitation, **GOOD))
    invitation.refresh_from_db()
    assert client.post(url(invitation), answers(invitation, **GOOD)).status_code == 409
    assert Response.objects.count() == 1


def test_a_closed_survey_takes_no_answers(client, invitation):
    Invitation.objects.filter(pk=invitation.pk).update(closes_at=invitation.created_at)
    response = client.post(url(invitation), answers(invitation, **GOOD))
    assert response.status_code == 410
    assert "This survey has closed" in response.content.decode()
    assert not Response.objects.exists()


def test_sending_nothing_says_what_to_do_and_saves_nothing(client, invitation):
    response = client.post(url(invitation), {})
    assert response.status_code == 400
    assert "Answer at least one question" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.responded_at is None
    assert not Response.objects.exists()


def test_an_answer_off_the_scale_is_refused_and_saves_nothing(client, invitation):
    response = client.post(url(invitation), answers(invitation, content_feedback="9"))
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Response.objects.exists()


def test_the_answer_page_takes_only_get_and_post(client, invitation):
    assert client.put(url(invitation)).status_code == 405


def test_a_named_survey_keeps_the_respondent(client, mentee, scheme, invitation):
    Invitation.objects.filter(pk=invitation.pk).update(anonymous=False)
    invitation.refresh_from_db()
    page = client.get(url(invitation)).content.decode()
    assert "Your answers are stored with your name" in page
    client.post(url(invitation), answers(invitation, **GOOD))
    attribution = ResponseAttribution.objects.get()
    assert (attribution.respondent, attribution.invitation) == (mentee, invitation)
    assert attribution.response.is_anonymous is False


def test_required_questions_must_be_answered(client, invitation):
    required = question(invitation, "content-challenge")
    Question.objects.filter(pk=required.pk).update(required=True)
    response = client.post(url(invitation), answers(invitation, content_feedback="3"))
    assert response.status_code == 400
    assert not Response.objects.exists()
