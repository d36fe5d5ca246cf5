"""Emails about training and supervision, registered with accounts' notification registry.

Contexts hold ids only; each builder reads the objects fresh when the email is sent. No email
carries a supervisor's notes.
"""

from django.conf import settings
from django.urls import reverse

from accounts.notifications import register
from accounts.services import email_is_optional
from schemes.models import Enrolment

from .calendar import session_ics_attachment
from .models import MentorFlag, SupervisionSession, TrainingEvent, TrainingRecord


def _url(name, **kwargs):
    return f"{settings.SITE_URL}{reverse(name, kwargs=kwargs or None)}"


def _footer(kind, why):
    """Every email ends with why it was sent and whether it can be turned off."""
    return {"why": why, "optional": email_is_optional(kind)}


WHY = {
    "supervision_invitation": "your supervisor invited you to supervision for mentors of {}.",
    "supervision_reminder": "you are invited to supervision for mentors of {} tomorrow.",
    "supervision_cancelled": "a supervision session of {} you were invited to was cancelled, "
    "or you were taken off it.",
}


def _session_context(notification):
    session = SupervisionSession.objects.select_related("scheme", "supervisor").get(
        pk=notification.context["session_id"]
    )
    enrolment = Enrolment.objects.get(pk=notification.context["enrolment_id"])
    return {
        **_footer(notification.kind, WHY[notification.kind].format(session.scheme.name)),
        "session": session,
        "enrolment": enrolment,
        "scheme": session.scheme,
        "session_url": _url("supervision:session", pk=session.pk),
        "calendar_url": _url("supervision:session-calendar", pk=session.pk),
        "updated": notification.context.get("updated", False),
        "removed": notification.context.get("removed", False),
    }


@register("supervision_invitation")
def supervision_invitation_context(notification):
    """With the mentor's own .ics attached, built from the session as it is when sent."""
    context = _session_context(notification)
    context["attachments"] = [session_ics_attachment(context["session"], notification.recipient)]
    return context


@register("supervision_reminder")
def supervision_reminder_context(notification):
    return _session_context(notification)


@register("supervision_cancelled")
def supervision_cancelled_context(notification):
    """With a METHOD:CANCEL .ics attached, which removes the entry from the mentor's calendar."""
    context = _session_context(notification)
    context["attachments"] = [
        session_ics_attachment(
            context["session"], notification.recipient, removed=context["removed"]
        )
    ]
    return context


@register("training_event_cancelled")
def training_event_cancelled_context(notification):
    event = TrainingEvent.objects.select_related("scheme").get(pk=notification.context["event_id"])
    why = f"you booked a place on a training event of {event.scheme.name} that was cancelled."
    return {
        **_footer(notification.kind, why),
        "event": event,
        "scheme": event.scheme,
        "mine_url": _url("supervision:mine"),
    }


@register("training_event_changed")
def training_event_changed_context(notification):
    """Built from the event as it is when sent, so a later change is never told as an earlier."""
    event = TrainingEvent.objects.select_related("scheme").get(pk=notification.context["event_id"])
    why = f"you booked a place on a training event of {event.scheme.name} that was changed."
    return {
        **_footer(notification.kind, why),
        "event": event,
        "scheme": event.scheme,
        "mine_url": _url("supervision:mine"),
    }


def _flag_context(notification):
    flag = MentorFlag.objects.select_related("scheme", "mentor_enrolment__user").get(
        pk=notification.context["flag_id"]
    )
    return {
        "flag": flag,
        "scheme": flag.scheme,
        "mentor": flag.mentor_enrolment.user,
        "sessions": list(
            SupervisionSession.objects.filter(pk__in=flag.session_ids).order_by("starts_at")
        ),
    }


@register("supervision_missed_prompt")
def supervision_missed_prompt_context(notification):
    context = _flag_context(notification)
    why = (
        f"you mentor in {context['scheme'].name} and were marked absent at its last two "
        "supervision sessions you were invited to."
    )
    return {
        **context,
        **_footer(notification.kind, why),
        "mine_url": _url("supervision:mine"),
    }


@register("supervision_mentor_flagged")
def supervision_mentor_flagged_context(notification):
    context = _flag_context(notification)
    context["overview_url"] = _url("supervision:scheme", slug=context["scheme"].slug)
    why = (
        f"you organise {context['scheme'].name}, and one of its mentors missed two supervision "
        "sessions in a row."
    )
    context.update(_footer(notification.kind, why))
    return context


@register("training_record_reviewed")
def training_record_reviewed_context(notification):
    record = TrainingRecord.objects.select_related("scheme").get(
        pk=notification.context["record_id"]
    )
    why = f"you recorded mentor training in {record.scheme.name} and an organiser checked it."
    return {
        **_footer(notification.kind, why),
        "record": record,
        "scheme": record.scheme,
        "mine_url": _url("supervision:mine"),
    }
