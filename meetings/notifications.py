"""Emails about pairs and meetings, registered with accounts' notification registry.

A message's stored context holds ids only; the email is built from the database when it is sent.
No email carries meeting content (summaries, notes, goals, topics): it says what happened and
links to the pair's page, where the reader logs in. Every email ends with why it was sent and a
link to Email settings (templates/emails/_footer.*).
"""

from datetime import date

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.notifications import register
from accounts.services import email_is_optional
from matching.models import Pair

from .calendar import ics_filename, ics_mimetype, planned_meeting_ics
from .models import Meeting, PlannedMeeting
from .selectors import days_since, organiser_digest, scheme_organisers


def _url(name, *args, query=""):
    return f"{settings.SITE_URL}{reverse(name, args=args)}{query}"


def _pair_context(pair, recipient, kind, why):
    return {
        "pair": pair,
        "scheme": pair.scheme,
        "partner": pair.other_member(recipient),
        "partner_name": pair.partner_label(recipient),
        "pair_url": _url("meetings:pair-detail", pair.pk),
        "why": why,
        "optional": email_is_optional(kind),
    }


def _planned(notification):
    return PlannedMeeting.objects.select_related(
        "pair__scheme", "pair__mentee", "pair__mentor", "planned_by"
    ).get(pk=notification.context["planned_meeting_id"])


@register("meeting_invitation")
def meeting_invitation_context(notification):
    """The calendar invitation, its update or its cancellation, with the .ics attached. It is
    built from the planned meeting as it is now, so a late retry still carries the latest."""
    planned = _planned(notification)
    pair = planned.pair
    context = _pair_context(
        pair,
        notification.recipient,
        "meeting_invitation",
        f"a meeting of your mentoring pair in {pair.scheme.name} was planned, moved or cancelled.",
    )
    context.update(
        {
            "planned": planned,
            "cancelled": planned.is_cancelled,
            "is_update": planned.sequence > 0 and not planned.is_cancelled,
            "planned_by": planned.planned_by,
            "attachments": [
                (ics_filename(planned), planned_meeting_ics(planned), ics_mimetype(planned))
            ],
        }
    )
    return context


@register("meeting_reminder")
def meeting_reminder_context(notification):
    planned = _planned(notification)
    local = timezone.localtime(planned.starts_at)
    context = _pair_context(
        planned.pair,
        notification.recipient,
        "meeting_reminder",
        f"you have a mentoring meeting planned for {local:%A} {local.day} {local:%B}.",
    )
    context.update(
        {
            "planned": planned,
            "ics_url": _url("meetings:planned-ics", planned.pair_id, planned.pk),
        }
    )
    return context


@register("meeting_log_prompt")
def meeting_log_prompt_context(notification):
    planned = _planned(notification)
    context = _pair_context(
        planned.pair,
        notification.recipient,
        "meeting_log_prompt",
        "a mentoring meeting was planned for yesterday and nobody has logged it yet.",
    )
    context.update(
        {
            "planned": planned,
            "log_url": _url(
                "meetings:meeting-log", planned.pair_id, query=f"?planned={planned.pk}"
            ),
        }
    )
    return context


@register("meeting_logged")
def meeting_logged_context(notification):
    meeting = Meeting.objects.select_related(
        "pair__scheme", "pair__mentee", "pair__mentor", "logged_by"
    ).get(pk=notification.context["meeting_id"])
    context = _pair_context(
        meeting.pair,
        notification.recipient,
        "meeting_logged",
        "your mentoring partner logged a meeting with you and asks you to confirm it.",
    )
    context.update(
        {
            "meeting": meeting,
            "meeting_url": _url("meetings:meeting-detail", meeting.pair_id, meeting.pk),
        }
    )
    return context


@register("pair_nudge")
def pair_nudge_context(notification):
    pair = Pair.objects.select_related("scheme", "mentee", "mentor").get(
        pk=notification.context["pair_id"]
    )
    anchor = date.fromisoformat(notification.context["anchor_on"])
    context = _pair_context(
        pair,
        notification.recipient,
        "pair_nudge",
        f"your pair in {pair.scheme.name} has not logged a meeting for "
        f"{days_since(anchor, timezone.localdate()) // 7} weeks.",
    )
    context.update(
        {
            "number": notification.context["number"],
            "anchor_on": anchor,
            "weeks": days_since(anchor, timezone.localdate()) // 7,
            "has_met": pair.meetings.exists(),
            "plan_url": _url("meetings:plan", pair.pk),
            "log_url": _url("meetings:meeting-log", pair.pk),
            "end_url": _url("meetings:pair-end", pair.pk),
            "organisers": scheme_organisers(pair.scheme),
        }
    )
    return context


@register("pair_status_changed")
def pair_status_changed_context(notification):
    """Essential: the other member learns that the pair was paused, resumed or ended."""
    pair = Pair.objects.select_related("scheme", "mentee", "mentor", "mentee_enrolment").get(
        pk=notification.context["pair_id"]
    )
    context = _pair_context(
        pair,
        notification.recipient,
        "pair_status_changed",
        f"your mentoring partner changed your pair in {pair.scheme.name}.",
    )
    context.update(
        {
            "status": notification.context["status"],
            "recipient_is_mentee": notification.recipient.pk == pair.mentee_id,
            "organisers": scheme_organisers(pair.scheme),
        }
    )
    return context


@register("pair_member_left")
def pair_member_left_context(notification):
    """Essential: the partner learns that the pair ended because the other member left the
    scheme or closed their account. Names nobody whose account is closed."""
    pair = Pair.objects.select_related("scheme", "mentee", "mentor").get(
        pk=notification.context["pair_id"]
    )
    recipient = notification.recipient
    leaver = pair.other_member(recipient)
    context = _pair_context(
        pair,
        recipient,
        "pair_member_left",
        f"you took part in a mentoring pair in {pair.scheme.name} that has ended.",
    )
    context.update(
        {
            "leaver_role": "mentor" if leaver.pk == pair.mentor_id else "mentee",
            "recipient_is_mentee": recipient.pk == pair.mentee_id,
            "leaver_first_name": "" if leaver.is_erased else leaver.first_name,
            "account_closed": pair.end_reason == Pair.EndReason.ACCOUNT_CLOSED,
            "rotated_out": pair.end_reason == Pair.EndReason.ROTATED_OUT,
            "first_in_line": notification.context.get("first_in_line", False),
            "organisers": scheme_organisers(pair.scheme),
        }
    )
    return context


@register("organiser_digest")
def organiser_digest_context(notification):
    sections = organiser_digest(notification.recipient)
    for section in sections:
        section["pairs_url"] = _url("meetings:organiser-pairs", section["scheme"].slug)
        section["enrolments_url"] = _url("schemes:enrolments", section["scheme"].slug)
    return {
        "sections": sections,
        "week": notification.context["week"],
        "why": "you organise a peer mentoring scheme; this is your weekly digest.",
        "optional": email_is_optional("organiser_digest"),
    }


def scheme_message_context(message, recipient):
    """What the email of an organiser's message shows: the organiser's words and how to reach
    the organisers (replies are not read). Used by the preview too, so it shows the real email."""
    return {
        "recipient": recipient,
        "message": message,
        "scheme": message.scheme,
        "organisers": scheme_organisers(message.scheme),
        "my_mentoring_url": _url("accounts:my-mentoring"),
        "why": f"you are enrolled in {message.scheme.name} and its organisers wrote to "
        f"{message.get_audience_display().lower()}.",
        "optional": email_is_optional("scheme_message"),
    }


@register("scheme_message")
def scheme_message_email_context(notification):
    from .models import SchemeMessage

    message = SchemeMessage.objects.select_related("scheme").get(
        pk=notification.context["scheme_message_id"]
    )
    return scheme_message_context(message, notification.recipient)
