"""Emails that schemes send, registered with accounts' notification registry."""

from django.urls import reverse

from accounts.notifications import register

from .models import Referral


@register("referral_made")
def referral_made_context(notification):
    referral = Referral.objects.select_related("enrolment__scheme").get(
        pk=notification.context["referral_id"]
    )
    return {
        "scheme": referral.enrolment.scheme,
        "my_mentoring_path": reverse("accounts:my-mentoring"),
    }


@register("cohort_enrolled")
def cohort_enrolled_context(notification):
    """A trainee enrolled by a cohort import: how to take part, and how to opt out in one click.

    Both links are made when the email is sent, so their validity runs from then.
    """
    # Local imports: this builder was appended without touching the module's import block.
    from django.conf import settings
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from .models import Enrolment, SchemeRole
    from .tokens import OPT_OUT_MAX_AGE, opt_out_token

    enrolment = Enrolment.objects.select_related("scheme__organisation").get(
        pk=notification.context["enrolment_id"]
    )
    user = notification.recipient
    opt_out_path = reverse("schemes:opt-out", kwargs={"token": opt_out_token(enrolment)})
    sets_password = not user.has_usable_password()
    if sets_password:
        # The project's password reset confirmation also confirms the address (accounts.views).
        start_path = reverse(
            "accounts:password-reset-confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
    else:
        start_path = reverse("accounts:profile")
    hours = settings.PASSWORD_RESET_TIMEOUT // 3600
    organisers = [
        role.user
        for role in enrolment.scheme.roles.filter(role=SchemeRole.Role.ORGANISER).select_related(
            "user"
        )
    ]
    return {
        "scheme": enrolment.scheme,
        "enrolment": enrolment,
        "opt_out_url": f"{settings.SITE_URL}{opt_out_path}",
        "opt_out_valid_days": OPT_OUT_MAX_AGE.days,
        "sets_password": sets_password,
        "start_url": f"{settings.SITE_URL}{start_path}",
        "start_link_valid_for": f"{hours // 24} days" if hours >= 48 else f"{hours} hours",
        "my_mentoring_url": f"{settings.SITE_URL}{reverse('accounts:my-mentoring')}",
        "organisers": organisers,
    }


@register("organiser_appointed")
def organiser_appointed_context(notification):
    """A new organiser: from an organiser who handed over, or from the trust's DME."""
    from django.conf import settings

    from accounts.models import User

    from .models import Scheme

    scheme = Scheme.objects.select_related("organisation").get(pk=notification.context["scheme_id"])
    appointed_by = User.objects.filter(pk=notification.context.get("appointed_by_id")).first()
    return {
        "scheme": scheme,
        "appointed_by": appointed_by,
        "handover": notification.context.get("handover", False),
        "handover_url": f"{settings.SITE_URL}{reverse('schemes:handover', args=[scheme.slug])}",
        "manage_url": f"{settings.SITE_URL}{reverse('schemes:manage')}",
    }


@register("scheme_without_organiser")
def scheme_without_organiser_context(notification):
    from django.conf import settings

    from .models import Scheme

    scheme = Scheme.objects.select_related("organisation").get(pk=notification.context["scheme_id"])
    path = reverse("schemes:organiser-appoint", args=[scheme.slug])
    return {"scheme": scheme, "appoint_url": f"{settings.SITE_URL}{path}"}


@register("scheme_invitation")
def scheme_invitation_context(notification):
    """An invitation from a trust's trainee list to join an opt-in scheme. A trainee with no
    account has no recipient: the address is read from the list when the email is sent."""
    from django.conf import settings

    from .models import Placement, Scheme, SchemeRole

    scheme = Scheme.objects.select_related("organisation").get(pk=notification.context["scheme_id"])
    placement = Placement.objects.get(pk=notification.context["placement_id"])
    organisers = [
        role.user
        for role in scheme.roles.filter(role=SchemeRole.Role.ORGANISER).select_related("user")
    ]
    recipient = notification.recipient
    return {
        "scheme": scheme,
        "first_name": recipient.first_name if recipient else placement.first_name,
        "has_account": recipient is not None,
        "to": "" if recipient else placement.email,
        "address": recipient.email if recipient else placement.email,
        "scheme_url": f"{settings.SITE_URL}{reverse('schemes:detail', args=[scheme.slug])}",
        "sign_up_url": f"{settings.SITE_URL}{reverse('accounts:sign-up')}",
        "organisers": organisers,
        "optional": recipient is not None,
    }


@register("placement_ending")
def placement_ending_context(notification):
    """Essential: a trainee's placement at the trust ends soon, and what that does to their place
    and pairs in each scheme the recipient is concerned with (schemes.rotating_out). Names and
    dates only: nothing a pair wrote."""
    from datetime import date

    from django.conf import settings

    from .models import Placement
    from .rotating_out import outlook_for

    placement = Placement.objects.select_related("organisation", "user").get(
        pk=notification.context["placement_id"]
    )
    recipient = notification.recipient
    person = placement.user
    outlooks = outlook_for(placement, recipient) if person is not None else []
    is_person = person is not None and recipient.pk == person.pk
    return {
        "placement": placement,
        "trust": placement.organisation,
        "ends_on": date.fromisoformat(notification.context["ends_on"]),
        "is_person": is_person,
        "person_name": (person.get_full_name() or person.email) if person else "",
        "outlooks": outlooks,
        "person_is_mentee": is_person
        and any("mentee" in outlook.person_roles for outlook in outlooks),
        "recipient_is_mentee_left": not is_person
        and any(
            pair.mentee.pk == recipient.pk and not outlook.continues
            for outlook in outlooks
            for pair in outlook.pairs
        ),
        "my_mentoring_url": f"{settings.SITE_URL}{reverse('accounts:my-mentoring')}",
        "why": "a trainee's placement at the trust ends soon, and you are in a mentoring "
        "scheme with them or run it."
        if not is_person
        else "your placement on the trust's trainee list ends soon and you take part in its "
        "mentoring.",
        "optional": False,
    }
