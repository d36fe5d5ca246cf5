"""Emails that matching sends, registered with accounts' notification registry.

Contexts hold ids only; each email is rendered from the database when it is sent.
"""

from django.conf import settings
from django.urls import reverse

from accounts.notifications import register

from .models import MatchingSettings, MentorChoice, Pair


def _url(path):
    return f"{settings.SITE_URL}{path}"


@register("match_introduction")
def match_introduction_context(notification):
    """Each member of a new pair: who the other is, how to reach them, the scheme's guidance."""
    pair = Pair.objects.select_related("scheme__organisation", "mentee", "mentor").get(
        pk=notification.context["pair_id"]
    )
    is_mentee = notification.recipient_id == pair.mentee_id
    return {
        "pair": pair,
        "scheme": pair.scheme,
        "is_mentee": is_mentee,
        "other": pair.mentor if is_mentee else pair.mentee,
        "other_role": "mentor" if is_mentee else "mentee",
        "guidance": MatchingSettings.for_scheme(pair.scheme).introduction_guidance,
        "my_mentoring_url": _url(reverse("accounts:my-mentoring")),
    }


def _choice_context(notification):
    choice = MentorChoice.objects.select_related(
        "mentee_enrolment__user", "mentee_enrolment__scheme", "mentor_enrolment__user"
    ).get(pk=notification.context["choice_id"])
    scheme = choice.mentee_enrolment.scheme
    days = MatchingSettings.for_scheme(scheme).choice_response_days
    return {
        "choice": choice,
        "scheme": scheme,
        "mentee": choice.mentee_enrolment.user,
        "mentor": choice.mentor_enrolment.user,
        "due_at": choice.answer_due_at(days),
        "response_days": days,
        "my_mentoring_url": _url(reverse("accounts:my-mentoring")),
    }


@register("mentor_request")
def mentor_request_context(notification):
    return _choice_context(notification)


@register("mentor_request_reminder")
def mentor_request_reminder_context(notification):
    return _choice_context(notification)


@register("mentor_choice_update")
def mentor_choice_update_context(notification):
    """The mentee: a request closed without a yes, and whom we asked next (or nobody)."""
    context = _choice_context(notification)
    next_id = notification.context.get("next_choice_id")
    next_choice = (
        MentorChoice.objects.select_related("mentor_enrolment__user").filter(pk=next_id).first()
        if next_id
        else None
    )
    context.update(
        {
            "next_mentor": next_choice.mentor_enrolment.user if next_choice else None,
            "suggestions_url": _url(
                reverse("matching:suggestions", args=[context["choice"].mentee_enrolment_id])
            ),
        }
    )
    return context
