"""Two-step sign-in with an authenticator app (TOTP), built on django-otp.

Required for staff roles (organisers, supervisors, DMEs, regional leads, admins), offered to
trainees. Apps that define staff roles register a check with `register_staff_check`, because
accounts cannot import them. A used code cannot be replayed: django-otp's TOTP device refuses a
code from the same or an earlier time step, and a backup code is deleted when used.
"""

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
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

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
                return redirect(f"{reverse('accounts:two-step-verify')}?next={request.path}")
            if requires_two_factor(user):
                return redirect(f"{reverse('accounts:two-step-setup')}?next={request.path}")
        return self.get_response(request)


class CodeForm(forms.Form):
    code = forms.CharField(
        label="6-digit code from your authenticator app, or a backup code",
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_code(self):
        return "".join(self.cleaned_data["code"].split())


def _safe_next(request, default="accounts:my-mentoring"):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return reverse(default)


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
            return redirect(f"{reverse('accounts:two-step-verify')}?next={request.path}")
        return render(
            request, "accounts/two_step_status.html", {"required": requires_two_factor(user)}
        )
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            with transaction.atomic():
                TOTPDevice.objects.filter(user=user, confirmed=True).delete()
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                codes = _new_backup_codes(user)
            otp_login(request, device)
            messages.success(request, "Two-step sign-in is on.")
            return render(
                request,
                "accounts/two_step_backup_codes.html",
                {"codes": codes, "next": _safe_next(request)},
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
            "next": request.GET.get("next", ""),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def verify(request):
    """The second step at sign-in: a code from the app, or one backup code."""
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
                return redirect(_safe_next(request))
        form.add_error(
            "code",
            "That code did not work. Codes change every 30 seconds and each works once: type "
            "the newest one, or a backup code you have not used.",
        )
    return render(
        request,
        "accounts/two_step_verify.html",
        {"form": form, "next": request.GET.get("next", "")},
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
