from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_http_methods

from . import services
from .forms import (
    EmailAuthenticationForm,
    PasswordResetForm,
    ProfileForm,
    ResendConfirmationForm,
    SignUpForm,
)
from .models import User
from .oidc import providers
from .panels import panels_for
from .ratelimits import seconds_to_wait, too_many_requests
from .tokens import InvalidToken


def home(request):
    return render(request, "home.html")


@require_http_methods(["GET", "POST"])
def sign_up(request):
    if request.user.is_authenticated:
        return redirect("accounts:my-mentoring")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if wait := seconds_to_wait(request, "sign-up", email=data["email"]):
            return too_many_requests(request, "sign-up", wait)
        services.user_sign_up(
            email=data["email"],
            password=data["password1"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            grade=data["grade"],
            specialty=data["specialty"],
            organisation=data["organisation"],
            site=data["site"],
            training_started_on=data["training_started_on"],
        )
        # The same answer whether or not the address already had an account.
        request.session["signed_up_email"] = data["email"]
        return redirect("accounts:sign-up-done")
    return render(request, "accounts/sign_up.html", {"form": form})


def sign_up_done(request):
    return render(
        request, "accounts/sign_up_done.html", {"email": request.session.get("signed_up_email")}
    )


def confirm_email(request, token):
    try:
        user = services.email_confirm(token=token)
    except InvalidToken as error:
        return render(
            request,
            "accounts/confirm_email_failed.html",
            {"expired": str(error) == "expired"},
            status=400,
        )
    messages.success(request, "Thank you: your email address is confirmed. You can log in now.")
    if request.user.is_authenticated and request.user.pk == user.pk:
        return redirect("accounts:my-mentoring")
    return redirect("accounts:login")


@require_http_methods(["GET", "POST"])
def resend_confirmation(request):
    form = ResendConfirmationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if wait := seconds_to_wait(
            request, "resend-confirmation", email=form.cleaned_data["email"]
        ):
            return too_many_requests(request, "resend-confirmation", wait)
        user = User.objects.filter(
            email__iexact=form.cleaned_data["email"], email_confirmed_at=None, is_active=True
        ).first()
        if user is not None:
            services.email_confirmation_send(user=user)
        # The same answer either way, so the form does not reveal who has an account.
        messages.info(
            request,
            "If that address has an account waiting for confirmation, a new link is on its way. "
            "It can take a few minutes; check your junk folder too.",
        )
        return redirect("accounts:login")
    return render(request, "accounts/resend_confirmation.html", {"form": form})


class LoginView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sign_in_providers"] = list(providers().values())
        return context


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    template_name = "accounts/password_reset.html"
    email_template_name = "emails/password_reset_body.txt"
    html_email_template_name = "emails/password_reset_body.html"
    subject_template_name = "emails/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password-reset-done")

    def form_valid(self, form):
        wait = seconds_to_wait(self.request, "password-reset", email=form.cleaned_data["email"])
        if wait:
            return too_many_requests(self.request, "password-reset", wait)
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.user_email_confirmed_by_password_reset(user=form.user)
        return response


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your profile is saved.")
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


@login_required
def my_mentoring(request):
    user = request.user
    asked = [
        ("your grade", user.grade),
        ("your specialty", user.specialty),
        ("your organisation", user.organisation_id),
    ]
    if user.is_doctor_in_training:  # consultants, SAS doctors and other staff have none to give
        asked.append(("the date you started training", user.training_started_on))
    profile_gaps = [label for label, value in asked if not value]
    return render(
        request,
        "accounts/my_mentoring.html",
        {"profile_gaps": profile_gaps, "panels": panels_for(request)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def email_settings(request):
    from .forms import EmailSettingsForm

    form = EmailSettingsForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your email settings are saved.")
        return redirect("accounts:email-settings")
    return render(request, "accounts/email_settings.html", {"form": form})
