"""Use cases that write: the survey sweep, invitations and reminders, answering, adapting a
template, and changing a scheme's schedule."""

from __future__ import annotations

import importlib
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from accounts.models import User
from accounts.services import notification_queue
from schemes.models import Scheme

from .models import (
    Answer,
    Audience,
    Invitation,
    Moment,
    Question,
    Response,
    ResponseAttribution,
    SchemeSurveySchedule,
    SurveyTemplate,
    first_of_month,
)
from .schedule import due_for_entry, invitation_key
from .tokens import SurveyLinkInvalid, survey_link_payload

if TYPE_CHECKING:
    from .schedule import Due

# An invitation can be answered for this long; after that the answer would belong to another
# period (a "baseline" two months into a pair is no longer one).
INVITATION_OPEN_FOR = timedelta(days=60)
REMINDER_AFTER = timedelta(days=7)
# Nobody is sent two survey invitations within this time (say a mentor whose two pairs end on
# the same day): the next one due waits for a later sweep. The windows in schedule.py (two
# weeks for a baseline, a month after a pair ends) leave room to wait.
INVITATION_SPACING = timedelta(days=1)
# Which survey goes first when several fall due at once: the one that stops being due soonest
# (a baseline within two weeks, a closing survey within a month, the year's within its month; a
# follow-up stays due until the next interval).
MOMENT_ORDER: list[str] = [Moment.AT_MATCH, Moment.END_OF_PAIR, Moment.END_OF_YEAR, Moment.PERIODIC]
INVITATION_KIND = "survey_invitation"
REMINDER_KIND = "survey_reminder"

# The data migrations that ship built-in templates (their versions), oldest first.
BUILTIN_TEMPLATE_MIGRATIONS = ("0002_default_templates", "0003_closure_surveys_in_the_past_tense")

# The schedule every scheme that collects outcome data starts with: (moment, audience, key).
DEFAULT_SCHEDULE = [
    (Moment.AT_MATCH, Audience.MENTEE, "mentee-baseline"),
    (Moment.PERIODIC, Audience.MENTEE, "mentee-follow-up"),
    (Moment.PERIODIC, Audience.MENTOR, "mentor-follow-up"),
    (Moment.END_OF_PAIR, Audience.MENTEE, "mentee-end-of-pair"),
    (Moment.END_OF_PAIR, Audience.MENTOR, "mentor-end-of-pair"),
]


class AlreadyAnswered(Exception):
    """This invitation already has its response: a survey is answered once."""


class SurveyClosed(Exception):
    """The invitation's answering period is over."""


# --- Schedule -----------------------------------------------------------------------------------


def builtin_templates_ensure() -> bool:
    """Put the shipped templates back if they are missing, e.g. after `manage.py flush`.

    The data migrations are the one frozen source of their wording; this runs their functions
    with the current models, in order. Does nothing while any built-in template exists.
    """
    if SurveyTemplate.objects.filter(scheme=None).exists():
        return False
    with transaction.atomic():
        for name in BUILTIN_TEMPLATE_MIGRATIONS:
            importlib.import_module(f"surveys.migrations.{name}").create_templates(
                django_apps, None
            )
    return True


def latest_builtin_template(key: str) -> SurveyTemplate | None:
    return SurveyTemplate.objects.filter(scheme=None, key=key).order_by("-version").first()


def schedule_ensure_default(*, scheme: Scheme) -> list[SchemeSurveySchedule]:
    """Give a scheme that collects outcome data the default schedule, once.

    Created lazily (by the sweep, and when an organiser opens the surveys page) rather than by a
    signal on Scheme: the schemes app stays unaware of surveys, and a scheme that switches
    outcome data on later gets its schedule at the next sweep. Only a scheme with no entries at
    all gets them, so an organiser's choices (entries switched off, other templates) stand:
    entries are switched off, never deleted.
    """
    if not scheme.collects_outcome_data or scheme.survey_schedule.exists():
        return []
    builtin_templates_ensure()
    created = []
    for moment, audience, key in DEFAULT_SCHEDULE:
        template = latest_builtin_template(key)
        if template is None:
            continue
        entry, was_created = SchemeSurveySchedule.objects.get_or_create(
            scheme=scheme, moment=moment, audience=audience, defaults={"template": template}
        )
        if was_created:
            created.append(entry)
    return created


def schedule_entry_update(
    *,
    entry: SchemeSurveySchedule,
    template: SurveyTemplate,
    every_months: int,
    year_end_month: int,
    is_active: bool,
) -> SchemeSurveySchedule:
    entry.template = template
    entry.every_months = every_months
    entry.year_end_month = year_end_month
    entry.is_active = is_active
    entry.full_clean()
    entry.save()
    return entry


def schedule_entry_add(
    *, scheme: Scheme, moment: str, audience: str, template: SurveyTemplate
) -> SchemeSurveySchedule:
    entry = SchemeSurveySchedule(scheme=scheme, moment=moment, audience=audience, template=template)
    entry.full_clean()
    entry.save()
    return entry


# --- Sweep: invitations and reminders -------------------------------------------------------------


def survey_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Create the invitations that are due and the one reminder each may get. Safe to repeat.

    1. Give each scheme that collects outcome data its default schedule if it has none.
    2. For each active schedule entry, invite everyone due (schedule.py). The invitation's unique
       key (scheme, audience, moment, period, person) means a second sweep invites nobody twice.
       Someone invited in the last INVITATION_SPACING waits: one invitation at a time.
    3. Remind, once, those invited REMINDER_AFTER ago who have not answered.
    Returns counts for the log.
    """
    now = now or timezone.now()
    invited = 0
    schemes = Scheme.objects.filter(collects_outcome_data=True)
    for scheme in schemes:
        schedule_ensure_default(scheme=scheme)
    entries = sorted(
        SchemeSurveySchedule.objects.filter(
            is_active=True, scheme__collects_outcome_data=True
        ).select_related("scheme", "template"),
        key=lambda entry: (MOMENT_ORDER.index(entry.moment), entry.pk),
    )
    recently_invited = set(
        Invitation.objects.filter(created_at__gt=now - INVITATION_SPACING).values_list(
            "user_id", flat=True
        )
    )
    for entry in entries:
        dues = due_for_entry(entry, now=now)
        keys = {
            due: invitation_key(
                scheme_id=entry.scheme_id,
                audience=entry.audience,
                moment=entry.moment,
                period=due.period,
                user_id=due.user_id,
            )
            for due in dues
        }
        existing = set(
            Invitation.objects.filter(key__in=list(keys.values())).values_list("key", flat=True)
        )
        for due, key in keys.items():
            if key in existing or due.user_id in recently_invited:
                continue
            if invitation_create(entry=entry, due=due, key=key, now=now) is not None:
                recently_invited.add(due.user_id)
                invited += 1
    reminded = survey_reminders_send(now=now)
    return {"invited": invited, "reminded": reminded}


def invitation_create(
    *, entry: SchemeSurveySchedule, due: Due, key: str, now: datetime
) -> Invitation | None:
    """Insert the invitation (its unique key claims the work) and queue its email.

    Returns None when the key exists already: another sweep got there first.
    """
    user = User.objects.get(pk=due.user_id)
    with transaction.atomic():
        try:
            with transaction.atomic():
                invitation = Invitation.objects.create(
                    key=key,
                    scheme=entry.scheme,
                    template=entry.template,
                    user=user,
                    pair_id=due.pair_id,
                    moment=entry.moment,
                    period=due.period,
                    token=secrets.token_urlsafe(32),
                    anonymous=entry.template.anonymous,
                    created_at=now,
                    closes_at=now + INVITATION_OPEN_FOR,
                )
        except IntegrityError:
            return None
        # Someone who turned survey emails off still finds the survey on My mentoring.
        if INVITATION_KIND not in (user.email_opt_outs or []):
            notification_queue(
                key=f"{INVITATION_KIND}:{invitation.pk}",
                kind=INVITATION_KIND,
                recipient=user,
                context={"invitation_id": invitation.pk},
            )
            Invitation.objects.filter(pk=invitation.pk).update(sent_at=now)
    return invitation


def survey_reminders_send(*, now: datetime | None = None) -> int:
    """One reminder, never a second, to each open invitation emailed REMINDER_AFTER ago."""
    now = now or timezone.now()
    due_ids = Invitation.objects.filter(
        responded_at=None,
        reminded_at=None,
        sent_at__lte=now - REMINDER_AFTER,
        closes_at__gt=now,
        scheme__collects_outcome_data=True,
        user__is_active=True,
    ).values_list("pk", flat=True)
    sent = 0
    for invitation_id in list(due_ids):
        with transaction.atomic():
            # Claim the reminder: of two sweeps at once, one updates the row and one does not.
            claimed = Invitation.objects.filter(
                pk=invitation_id, reminded_at=None, responded_at=None
            ).update(reminded_at=now)
            if claimed != 1:
                continue
            invitation = Invitation.objects.select_related("user").get(pk=invitation_id)
            notification_queue(
                key=f"{REMINDER_KIND}:{invitation.pk}",
                kind=REMINDER_KIND,
                recipient=invitation.user,
                context={"invitation_id": invitation.pk},
            )
            sent += 1
    return sent


# --- Answering ----------------------------------------------------------------------------------


def invitation_for_link(token: str) -> Invitation:
    """The invitation a survey link is for; raises SurveyLinkInvalid for a bad or expired one."""
    invitation_id, random_token = survey_link_payload(token)
    invitation = (
        Invitation.objects.select_related("template", "scheme__organisation")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None or not constant_time_compare(invitation.token, random_token):
        raise SurveyLinkInvalid(expired=False)
    return invitation


def response_submit(
    *, invitation: Invitation, answers: Mapping[Question, Any], now: datetime | None = None
) -> Response:
    """Store one response to `invitation`. `answers` maps Question → cleaned value.

    1. Refuse a closed survey, and an empty one (nothing answered).
    2. Mark the invitation answered with a conditional update: a second submission, even at the
       same instant, finds it marked and is refused (AlreadyAnswered).
    3. Store the response and its answers. Only when the survey is not anonymous, also store who
       gave it (ResponseAttribution); an anonymous response keeps only the month it was given.
    """
    now = now or timezone.now()
    if invitation.responded_at is not None:
        raise AlreadyAnswered()
    if now >= invitation.closes_at:
        raise SurveyClosed()
    rows = [_answer_row(question, value) for question, value in answers.items()]
    rows = [row for row in rows if row is not None]
    if not rows:
        raise ValidationError(
            "Answer at least one question before sending, or close the page if you would rather "
            "not take part."
        )
    with transaction.atomic():
        claimed = Invitation.objects.filter(pk=invitation.pk, responded_at=None).update(
            responded_at=now
        )
        if claimed != 1:
            raise AlreadyAnswered()
        response = Response.objects.create(
            template=invitation.template,
            scheme=invitation.scheme,
            audience=invitation.template.audience,
            moment=invitation.moment,
            is_anonymous=invitation.anonymous,
            submitted_month=first_of_month(now),
        )
        for row in rows:
            row.response = response
        Answer.objects.bulk_create(rows)
        if not invitation.anonymous:
            ResponseAttribution.objects.create(
                response=response,
                invitation=invitation,
                respondent_id=invitation.user_id,
                submitted_at=now,
            )
    invitation.responded_at = now
    return response


def _answer_row(question, value):
    """An unsaved Answer for a cleaned form value, or None when the question was skipped."""
    kind = Question.Kind
    if value in (None, "", []):
        return None
    if question.kind == kind.LIKERT:
        return Answer(question=question, number=int(value))
    if question.kind == kind.YES_NO:
        return Answer(question=question, number=1 if value == "yes" else 0)
    if question.kind == kind.SINGLE_CHOICE:
        return Answer(question=question, choices=[value])
    if question.kind == kind.MULTIPLE_CHOICE:
        return Answer(question=question, choices=list(value))
    text = value.strip()
    return Answer(question=question, text=text) if text else None


# --- Copy and adapt -----------------------------------------------------------------------------


def _wording(question):
    return (
        question["text"].strip(),
        question["kind"],
        list(question.get("choices") or []),
        question.get("low_label", "").strip(),
        question.get("high_label", "").strip(),
    )


def survey_template_adapt(
    *,
    source: SurveyTemplate,
    scheme: Scheme,
    created_by: User,
    name: str,
    introduction: str,
    anonymous: bool,
    questions: list[dict[str, Any]],
    use_in_schedule: bool = True,
) -> SurveyTemplate:
    """Make a new version of `source` for `scheme`; the source is never changed.

    `questions` is the new list, in order: dicts with text, kind, domain, choices, low_label,
    high_label, help_text, and `source_question` (the Question it was kept from, or None).

    1. Validate: at least one question; choices for choice questions; a repeated item (asked at
       baseline and follow-up) keeps its wording, or change could not be measured.
    2. The version is one more than the scheme's latest of this survey.
    3. A kept question with unchanged wording keeps its code, so results pool the versions; a
       reworded or new question gets a new code, so no answer is ever counted under wording it
       was not given to.
    4. With `use_in_schedule`, the scheme's schedule entries that used any version of this survey
       use the new one from now on.
    """
    if not questions:
        raise ValidationError("Keep or add at least one question.")
    for question in questions:
        kept = question.get("source_question")
        if (
            question["kind"]
            in (
                Question.Kind.SINGLE_CHOICE,
                Question.Kind.MULTIPLE_CHOICE,
            )
            and len(question.get("choices") or []) < 2
        ):
            raise ValidationError(f"“{question['text']}” needs at least two choices, one per line.")
        if kept is not None and kept.is_repeated and _wording(question) != _wording(_as_dict(kept)):
            raise ValidationError(
                f"“{kept.text}” is asked at baseline and again at follow-up, so its wording "
                "cannot change. Keep it as it is or leave it out."
            )
    with transaction.atomic():
        latest = SurveyTemplate.objects.filter(scheme=scheme, key=source.key).aggregate(
            latest=Max("version")
        )["latest"]
        version = (latest or 0) + 1
        template = SurveyTemplate.objects.create(
            scheme=scheme,
            key=source.key,
            version=version,
            based_on=source,
            name=name.strip(),
            introduction=introduction.strip(),
            audience=source.audience,
            anonymous=anonymous,
            created_by=created_by,
        )
        used_codes = set()
        for position, question in enumerate(questions, start=1):
            kept = question.get("source_question")
            unchanged = kept is not None and _wording(question) == _wording(_as_dict(kept))
            code = (
                kept.code
                if kept is not None and unchanged
                else f"s{scheme.pk}-v{version}-q{position}"
            )
            if code in used_codes:
                code = f"{code}-{position}"
            used_codes.add(code)
            Question.objects.create(
                template=template,
                position=position,
                code=code,
                text=question["text"].strip(),
                help_text=(question.get("help_text") or "").strip(),
                kind=question["kind"],
                domain=question["domain"],
                choices=list(question.get("choices") or []),
                low_label=question.get("low_label", "").strip(),
                high_label=question.get("high_label", "").strip(),
                is_repeated=bool(kept is not None and unchanged and kept.is_repeated),
            )
        if use_in_schedule:
            SchemeSurveySchedule.objects.filter(
                scheme=scheme, template__key=source.key, audience=source.audience
            ).update(template=template)
    return template


def _as_dict(question):
    return {
        "text": question.text,
        "kind": question.kind,
        "choices": question.choices,
        "low_label": question.low_label,
        "high_label": question.high_label,
    }
