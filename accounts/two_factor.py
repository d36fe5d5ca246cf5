"""Two-step sign-in with an authenticator app (TOTP), built on django-otp.

Required for staff roles (organisers, supervisors, DMEs, regional leads, admins), offered to
trainees. Apps that define staff roles register a check with `register_staff_check`, because
accounts cannot import them. A used code cannot be replayed: django-otp's TOTP device refuses a
code from the same or an earlier time step, and a backup code is deleted when used.
"""

import secrets
from base64 import b32encode
from io import BytesIO

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import services
from .ratelimits import seconds_to_wait, too_many_requests
from .redirects import safe_next
from .tokens import InvalidToken, two_step_setup_payload

BACKUP_CODE_COUNT = 10
_staff_checks = []


def register_staff_check(check):
    """`check(user) -> bool`: whether the user holds a role that needs two-step sign-in."""
    if check not in _staff_checks:
        _staff_checks.append(check)
    return check


def requires_two_factor(user):
    if not settings.TWO_FACTOR_REQUIRED:
        return False
    return user.is_staff or user.is_superuser or any(check(user) for check in _staff_checks)


class TwoFactorMiddleware:
    """Send a signed-in user who has not passed the second step to set it up or pass it.

    Runs after django-otp's OTPMiddleware, which sets `request.user.is_verified()`.
    """

    exempt_prefixes = ("/accounts/two-step/", "/accounts/logout/", "/static/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(self.exempt_prefixes)
        ):
            if user_has_device(user, confirmed=True):
                return redirect(with_next("accounts:two-step-verify", request))
            if requires_two_factor(user):
                return redirect(with_next("accounts:two-step-setup", request))
        return self.get_response(request)


def with_next(url_name, request):
    """The URL with `?next=` the page asked for, its query string kept whole (a filtered
    dashboard stays filtered through the second step)."""
    return f"{reverse(url_name)}?{urlencode({'next': request.get_full_path()})}"


class CodeForm(forms.Form):
    code = forms.CharField(
        label="6-digit code from your authenticator app, or a backup code",
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_code(self):
        return "".join(self.cleaned_data["code"].split())


def _qr_svg(url):
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    # The SVG is generated here from our own URL: safe to inline.
    return mark_safe(buffer.getvalue().decode())


def _new_backup_codes(user):
    device, _ = StaticDevice.objects.get_or_create(user=user, name="backup")
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@login_required
@require_http_methods(["GET", "POST"])
def setup(request):
    """Pair an authenticator app: scan the code, type one code to prove it works."""
    user = request.user
    if user_has_device(user, confirmed=True):
        if not user.is_verified():
            # Re-pairing would bypass the second step: pass it first.
            return redirect(with_next("accounts:two-step-verify", request))
        return render(
            request, "accounts/two_step_status.html", {"required": requires_two_factor(user)}
        )
    if needs_emailed_link(request):
        return _setup_link_page(request)
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    if request.method == "POST" and (wait := seconds_to_wait(request, "two-step-code")):
        return too_many_requests(request, "two-step-code", wait)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            with transaction.atomic():
                TOTPDevice.objects.filter(user=user, confirmed=True).delete()
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                codes = _new_backup_codes(user)
            otp_login(request, device)
            request.session.pop(SETUP_LINK_OPENED, None)
            messages.success(request, "Two-step sign-in is on.")
            return render(
                request,
                "accounts/two_step_backup_codes.html",
                {"codes": codes, "next": safe_next(request, "accounts:my-mentoring")},
            )
        form.add_error(
            "code",
            "That code did not match. Check the time on your phone is set automatically, then "
            "type the newest code.",
        )
    secret = b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/two_step_setup.html",
        {
            "form": form,
            "qr_svg": _qr_svg(device.config_url),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "required": requires_two_factor(user),
            "next": safe_next(request, "accounts:my-mentoring"),
        },
    )


# The first pairing for a staff role: a link emailed to the account, opened in this sign-in.
SETUP_LINK_NONCE = "two_step_setup_nonce"
SETUP_LINK_OPENED = "two_step_setup_link_opened"
SETUP_LINK_NEXT = "two_step_setup_next"


def needs_emailed_link(request):
    """A staff member pairing a first authenticator must first open the link we email them, so
    someone who has only their password cannot claim their second factor."""
    return requires_two_factor(request.user) and not request.session.get(SETUP_LINK_OPENED)


def _send_setup_link(request):
    nonce = secrets.token_urlsafe(16)
    request.session[SETUP_LINK_NONCE] = nonce
    request.session[SETUP_LINK_NEXT] = safe_next(request, "accounts:my-mentoring")
    services.two_step_setup_link_send(user=request.user, nonce=nonce)


def _setup_link_page(request):
    """What the setup page shows until the emailed link is opened; the first visit sends it."""
    if request.method == "POST":
        return render(request, "accounts/two_step_setup_link.html", {"state": "sent"}, status=403)
    if SETUP_LINK_NONCE not in request.session:
        if wait := seconds_to_wait(request, "two-step-setup-link"):
            return too_many_requests(request, "two-step-setup-link", wait)
        _send_setup_link(request)
    return render(request, "accounts/two_step_setup_link.html", {"state": "sent"})


@login_required
@require_POST
def setup_link_send(request):
    """Send a new set-up link; the one sent before stops working."""
    if not needs_emailed_link(request) or user_has_device(request.user, confirmed=True):
        return redirect("accounts:two-step-setup")
    if wait := seconds_to_wait(request, "two-step-setup-link"):
        return too_many_requests(request, "two-step-setup-link", wait)
    _send_setup_link(request)
    messages.success(
        request, "We have emailed you a new link. The one we sent before no longer works."
    )
    return redirect("accounts:two-step-setup")


@login_required
@require_GET
def setup_link_open(request):
    """The emailed link: valid for 30 minutes, once, for this account, in the sign-in that asked."""
    try:
        payload = two_step_setup_payload(request.GET.get("token", ""))
    except InvalidToken as error:
        return _setup_link_refused(request, expired=str(error) == "expired")
    expected = request.session.get(SETUP_LINK_NONCE) or ""
    if (
        payload.get("user") != request.user.pk
        or not secrets.compare_digest(str(payload.get("nonce", "")), expected)
        or not expected
    ):
        return _setup_link_refused(request, expired=False)
    del request.session[SETUP_LINK_NONCE]
    request.session[SETUP_LINK_OPENED] = True
    next_page = request.session.pop(SETUP_LINK_NEXT, "") or reverse("accounts:my-mentoring")
    return redirect(f"{reverse('accounts:two-step-setup')}?{urlencode({'next': next_page})}")


def _setup_link_refused(request, *, expired):
    return render(
        request,
        "accounts/two_step_setup_link.html",
        {"state": "expired" if expired else "refused"},
        status=400,
    )


@login_required
@require_http_methods(["GET", "POST"])
def verify(request):
    """The second step at sign-in: a code from the app, or one backup code."""
    if request.method == "POST" and (wait := seconds_to_wait(request, "two-step-code")):
        return too_many_requests(request, "two-step-code", wait)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        for device in [
            *TOTPDevice.objects.filter(user=request.user, confirmed=True),
            *StaticDevice.objects.filter(user=request.user, confirmed=True),
        ]:
            if device.verify_is_allowed()[0] and device.verify_token(code):
                otp_login(request, device)
                if isinstance(device, StaticDevice):
                    left = device.token_set.count()
                    messages.warning(
                        request,
                        f"You used a backup code; {left} left. Make new ones from your profile "
                        "if you are running out.",
                    )
                return redirect(safe_next(request, "accounts:my-mentoring"))
        form.add_error(
            "code",
            "That code did not work. Codes change every 30 seconds and each works once: type "
            "the newest one, or a backup code you have not used.",
        )
    return render(
        request,
        "accounts/two_step_verify.html",
        {"form": form, "next": safe_next(request, "accounts:my-mentoring")},
    )


@login_required
@require_POST
def backup_codes(request):
    """Make a new set of backup codes (the old ones stop working)."""
    if not request.user.is_verified():
        return redirect("accounts:two-step-verify")
    codes = _new_backup_codes(request.user)
    return render(
        request,
        "accounts/two_step_backup_codes.html",
        {"codes": codes, "next": reverse("accounts:profile")},
    )
