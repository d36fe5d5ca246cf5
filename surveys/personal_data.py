"""surveys' models in the personal-data registry (see accounts/personal_data.py).

Export: the surveys a person was asked and when they answered; their answers to surveys that
were not anonymous. Answers to anonymous surveys are not linked to anyone, so nobody, the person
included, can find them again: they are not personal data and are neither exported nor erased.
Erasure: the link between a person and their non-anonymous answers is deleted (the answers stay,
unattributed, so the figures do not change); their invitations stay, attached to the anonymised
account, so response rates do not change, and the open ones close so no reminder goes out.
"""

from django.utils import timezone

from accounts.personal_data import register

from .models import Invitation, ResponseAttribution, SurveyTemplate


def _close_open_invitations(rows, user):
    rows.filter(responded_at=None).update(closes_at=timezone.now())


def _forget_author(rows, user):
    rows.update(created_by=None)


register(
    Invitation,
    user_fields=("user",),
    fields=(
        "scheme__name",
        "template__name",
        "moment",
        "period",
        "anonymous",
        "created_at",
        "sent_at",
        "reminded_at",
        "closes_at",
        "responded_at",
    ),
    erase=_close_open_invitations,
    label="Surveys you were asked to answer",
    columns={
        "template__name": "Survey",
        "created_at": "Asked",
        "sent_at": "Emailed",
        "reminded_at": "Reminded",
        "closes_at": "Closes",
        "responded_at": "Answered",
    },
)
register(
    ResponseAttribution,
    user_fields=("respondent",),
    fields=(
        "response__template__name",
        "submitted_at",
        "response__answers__question__text",
        "response__answers__number",
        "response__answers__choices",
        "response__answers__text",
    ),
    columns={
        "response__template__name": "Survey",
        "submitted_at": "Answered",
        "response__answers__question__text": "Question",
        "response__answers__number": "Answer (1 to 5; or 1 for yes, 0 for no)",
        "response__answers__choices": "Answer (choices)",
        "response__answers__text": "Answer (words)",
    },
    label="Your answers to surveys that were not anonymous",
)
register(
    SurveyTemplate,
    user_fields=("created_by",),
    fields=("scheme__name", "name", "version", "created_at"),
    columns={"name": "Survey", "created_at": "Adapted"},
    erase=_forget_author,
    label="Survey versions you adapted",
)
