"""A person's own data: download everything, or erase the account."""

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from .audit import audit_record
from .models import User
from .personal_data import erase_person, export_zip


class EraseForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label="I understand this cannot be undone.",
        error_messages={"required": "Tick the box to confirm, or go back to keep your account."},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password. Type it again.")
        return password


@login_required
def my_data(request):
    return render(request, "accounts/my_data.html")


@login_required
@require_POST
def download(request):
    content = export_zip(request.user)
    audit_record(
        actor=request.user,
        action="own_data_export",
        target=f"user:{request.user.pk}",
        request=request,
    )
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = (
        f'attachment; filename="peer-mentoring-my-data-{timezone.localdate():%Y-%m-%d}.zip"'
    )
    return response


@login_required
@require_http_methods(["GET", "POST"])
def erase(request):
    form = EraseForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user = User.objects.get(pk=request.user.pk)
        audit_record(actor=user, action="account_erased", target=f"user:{user.pk}", request=request)
        erase_person(user=user)
        logout(request)
        messages.success(
            request,
            "Your account is erased. Your mentoring partner keeps their own notes; figures in "
            "reports keep counting your participation without your name.",
        )
        return redirect("home")
    return render(request, "accounts/erase.html", {"form": form})
