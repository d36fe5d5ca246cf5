"""The "Surveys to answer" panel on My mentoring, and the emails."""

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from surveys.models import Invitation
from surveys.panels import surveys_to_answer
from surveys.services import response_submit
from surveys.tests.conftest import survey_link
from surveys.tests.factories import invite

pytestmark = pytest.mark.django_db


def panel_for(rf, user):
    request = rf.get("/accounts/my-mentoring/")
    request.user = user
    return surveys_to_answer(request)


def test_the_panel_lists_the_users_open_surveys_with_a_working_link(rf, client, mentee, scheme):
    invitation = invite(mentee, scheme)
    panel = panel_for(rf, mentee)
    [(listed, url)] = panel["context"]["invitations"]
    assert listed == invitation
    html = render_to_string(panel["template"], {"panel": panel["context"]})
    assert "Surveys to answer" in html and invitation.template.name in html
    assert client.get(url).status_code == 200


def test_the_panel_is_empty_once_answered_closed_or_for_someone_else(rf, mentee, mentor, scheme):
    invitation = invite(mentee, scheme)
    assert panel_for(rf, mentor) is None
    question = invitation.template.questions.get(code="content-feedback")
    response_submit(invitation=invitation, answers={question: "4"})
    assert panel_for(rf, mentee) is None
    other = invite(mentee, scheme, period="p2")
    Invitation.objects.filter(pk=other.pk).update(closes_at=timezone.now())
    assert panel_for(rf, mentee) is None


def test_the_invitation_email_explains_anonymity_and_carries_the_link(
    mentee, scheme, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(mentee, scheme)
    [message] = mailoutbox
    assert message.subject == f"Mentee survey: how is it going? — {scheme.name}"
    assert "stored without your name" in message.body
    assert "mentor and the organisers" in message.body
    assert survey_link(message) in message.alternatives[0][0]


def test_my_mentoring_shows_surveys_to_answer(client, mentee, scheme):
    invite(mentee, scheme)
    client.force_login(mentee)
    page = client.get(reverse("accounts:my-mentoring")).content.decode()
    assert "Surveys to answer" in page and "/surveys/answer/" in page
