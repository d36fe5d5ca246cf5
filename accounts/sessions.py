"""Session rules beyond Django's: a 12-hour absolute limit, and logging out everywhere.

Each login is recorded in `UserSession` so that logging out (or an admin deactivating the
account) can end every session the user has, on every device.
"""

from datetime import datetime

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.contrib.sessions.models import Session
from django.dispatch import receiver
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from .audit import audit_record, typed_address_for_audit
from .models import UserSession

SIGNED_IN_AT = "signed_in_at"


@receiver(user_logged_in)
def remember_session(sender, request, user, **kwargs):
    request.session[SIGNED_IN_AT] = timezone.now().isoformat()
    request.session.save()  # the key must exist before it is recorded
    UserSession.objects.get_or_create(user=user, session_key=request.session.session_key)


@receiver(user_login_failed)
def audit_failed_login(sender, credentials, request=None, **kwargs):
    # An account's address is recorded, an unknown one only as a keyed hash; never the password.
    audit_record(
        actor=None,
        action="login_failed",
        target=typed_address_for_audit(credentials.get("username", "")),
        request=request,
    )


@receiver(user_locked_out)
def audit_locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    audit_record(
        actor=None,
        action="login_locked_out",
        target=typed_address_for_audit(username),
        request=request,
    )


@receiver(user_logged_out)
def end_all_sessions(sender, request, user, **kwargs):
    if user is not None:
        sessions_end_all(user=user)


def sessions_end_all(*, user):
    """End every session of `user` on every device."""
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    UserSession.objects.filter(user=user).delete()


class AbsoluteSessionLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            started = request.session.get(SIGNED_IN_AT)
            too_old = started is None or (
                timezone.now() - datetime.fromisoformat(started) > settings.SESSION_ABSOLUTE_LIMIT
            )
            if too_old:
                next_page = {"next": request.get_full_path()}
                logout(request)
                messages.info(request, "You were signed in for 12 hours, so we signed you out.")
                return redirect(f"{reverse('accounts:login')}?{urlencode(next_page)}")
        return self.get_response(request)
