"""Helpers that make survey data the way the app does, or directly where a test is about numbers."""

from datetime import date

from django.utils import timezone

from surveys.models import (
    Answer,
    Moment,
    Response,
    ResponseAttribution,
    SchemeSurveySchedule,
    SurveyTemplate,
)
from surveys.schedule import Due, invitation_key
from surveys.services import builtin_templates_ensure, invitation_create


def builtin(key):
    """A built-in template from the data migration (put back if a transactional test emptied
    the tables)."""
    builtin_templates_ensure()
    return SurveyTemplate.objects.get(scheme=None, key=key, version=1)


def schedule_entry(scheme, *, moment, audience, key, **extra):
    entry, _ = SchemeSurveySchedule.objects.update_or_create(
        scheme=scheme,
        moment=moment,
        audience=audience,
        defaults={"template": builtin(key), **extra},
    )
    return entry


def invite(user, scheme, *, key="mentee-follow-up", moment=Moment.PERIODIC, period="p1", now=None):
    """An invitation made by the service (so an email is queued), for a test that needs one."""
    template = builtin(key)
    entry = schedule_entry(scheme, moment=moment, audience=template.audience, key=key)
    now = now or timezone.now()
    due = Due(entry_id=entry.pk, user_id=user.pk, pair_id=None, period=period)
    return invitation_create(
        entry=entry,
        due=due,
        key=invitation_key(
            scheme_id=scheme.pk,
            audience=entry.audience,
            moment=moment,
            period=period,
            user_id=user.pk,
        ),
        now=now,
    )


def response_with(
    scheme,
    template,
    answers,
    *,
    moment=Moment.PERIODIC,
    month=None,
    respondent=None,
    invitation=None,
    submitted_at=None,
):
    """A stored response with `answers` ({question code: number, choices list or text}).

    With `respondent` (and its invitation) the response is attributed, as for a survey that is not
    anonymous; without, it is anonymous.
    """
    month = month or timezone.localdate().replace(day=1)
    response = Response.objects.create(
        template=template,
        scheme=scheme,
        audience=template.audience,
        moment=moment,
        is_anonymous=respondent is None,
        submitted_month=month if isinstance(month, date) else month.date(),
    )
    questions = {question.code: question for question in template.questions.all()}
    for code, value in answers.items():
        question = questions[code]
        if isinstance(value, list):
            Answer.objects.create(response=response, question=question, choices=value)
        elif isinstance(value, str):
            Answer.objects.create(response=response, question=question, text=value)
        else:
            Answer.objects.create(response=response, question=question, number=value)
    if respondent is not None:
        ResponseAttribution.objects.create(
            response=response,
            invitation=invitation,
            respondent=respondent,
            submitted_at=submitted_at or timezone.now(),
        )
    return response
