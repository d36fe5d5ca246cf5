"""Own-data export and erasure for surveys (accounts.personal_data registry)."""

import io
import json
import zipfile

import pytest

from accounts.personal_data import erase_person, export_zip
from surveys.models import Answer, Invitation, Response, ResponseAttribution
from surveys.services import response_submit
from surveys.tests.factories import invite

pytestmark = pytest.mark.django_db


def answer(invitation, code="content-feedback", value="4"):
    question = invitation.template.questions.get(code=code)
    return response_submit(invitation=invitation, answers={question: value})


def test_the_export_lists_invitations_and_named_answers_but_no_anonymous_answer(mentee, scheme):
    anonymous = invite(mentee, scheme, period="p1")
    answer(anonymous, value="2")
    named = invite(mentee, scheme, period="p2")
    Invitation.objects.filter(pk=named.pk).update(anonymous=False)
    named.refresh_from_db()
    answer(named, value="5")

    archive = zipfile.ZipFile(io.BytesIO(export_zip(mentee)))
    invitations = json.loads(archive.read("surveys-invitation.json"))
    assert {row["period"] for row in invitations} == {"p1", "p2"}
    answers = json.loads(archive.read("surveys-responseattribution.json"))
    assert [row["response__answers__number"] for row in answers] == [5]


def test_erasure_unlinks_named_answers_keeps_the_figures_and_closes_open_surveys(mentee, scheme):
    named = invite(mentee, scheme, period="p1")
    Invitation.objects.filter(pk=named.pk).update(anonymous=False)
    named.refresh_from_db()
    answer(named)
    still_open = invite(mentee, scheme, period="p2")

    erase_person(user=mentee)

    assert not ResponseAttribution.objects.exists()
    assert Response.objects.count() == 1 and Answer.objects.count() == 1
    assert Invitation.objects.count() == 2
    still_open.refresh_from_db()
    assert not still_open.is_open()
