"""Survey emails, registered with accounts' notification registry.

The link is made when the email is sent, so a reminder carries a fresh link and its validity
runs from then.
"""

from django.conf import settings
from django.urls import reverse

from accounts.notifications import register
from accounts.services import email_is_optional

from .models import Invitation
from .tokens import SURVEY_LINK_MAX_AGE, survey_link_token


def _invitation_context(notification):
    """Template context for both kinds. The footer says why the email came and whether it can
    be turned off (accounts.services.OPTIONAL_EMAIL_KINDS)."""
    invitation = Invitation.objects.select_related(
        "template", "scheme__organisation", "user", "pair__mentee", "pair__mentor"
    ).get(pk=notification.context["invitation_id"])
    path = reverse("surveys:answer", kwargs={"token": survey_link_token(invitation)})
    return {
        "invitation": invitation,
        "about": invitation.pair_description(),
        "partner_first_name": invitation.partner_first_name(),
        "scheme": invitation.scheme,
        "template": invitation.template,
        "survey_url": f"{settings.SITE_URL}{path}",
        "link_valid_days": SURVEY_LINK_MAX_AGE.days,
        "closes_on": invitation.closes_at,
        "question_count": invitation.template.questions.count(),
        "why": f"you take part in {invitation.scheme.name}, which asks everyone a few questions "
        "at points along the way.",
        "optional": email_is_optional(notification.kind),
    }


@register("survey_invitation")
def survey_invitation_context(notification):
    return _invitation_context(notification)


@register("survey_reminder")
def survey_reminder_context(notification):
    return _invitation_context(notification)
