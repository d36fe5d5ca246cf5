from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm, BaseUserCreationForm

from .models import Grade, User
from .vocabulary import spell_like_the_trust
from .widgets import DateInput


def normalised_login_email(request, credentials):
    """django-axes counts failures per typed address, compared the way accounts compare them."""
    return (credentials or {}).get("username", "").strip().lower()


class SubmitHelperMixin:
    submit_label = "Save"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", self.submit_label))


class SignUpForm(SubmitHelperMixin, BaseUserCreationForm):
    submit_label = "Create my account"

    class Meta:
        model = User
        fields = (
            "email",
            "first_name",
            "last_name",
            "grade",
            "specialty",
            "organisation",
            "site",
            "training_started_on",
        )
        widgets = {"training_started_on": DateInput()}
        help_texts = {
            "email": "Your NHS or trust email address. We send a link to confirm it.",
            "training_started_on": "When you started postgraduate training (FY1 or later).",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("first_name", "last_name"):
            self.fields[name].required = True
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["grade"].choices = [("", "Choose your grade")] + list(Grade.choices)
        self.fields[
            "password1"
        ].help_text = (
            "At least 12 characters. Not a common password, and not like your name or email."
        )

    def clean(self):
        cleaned = super().clean()
        organisation = cleaned.get("organisation")
        email = cleaned.get("email")
        if (
            organisation
            and email
            and organisation.email_domains
            and not organisation.accepts_email(email)
        ):
            domains = " or ".join(f"@{domain}" for domain in organisation.email_domains)
            self.add_error(
                "email",
                f"{organisation.short_name or organisation.name} staff sign up with an "
                f"address ending {domains}. Use your work address, or choose another "
                "organisation.",
            )
        return spell_like_the_trust(cleaned)

    def clean_email(self):
        return User.objects.normalize_email(self.cleaned_data["email"])

    def _get_validation_exclusions(self):
        """Model checks of everything but the address's uniqueness (the form field still checks
        its shape). An address already in use is not an error here, or the form would tell
        anyone who has an account: the view answers the same either way and the service emails
        the owner (accounts.services.user_sign_up)."""
        return super()._get_validation_exclusions() | {"email"}


class EmailAuthenticationForm(SubmitHelperMixin, AuthenticationForm):
    submit_label = "Log in"
    error_messages = {
        "invalid_login": (
            "That email address and password do not match an account. Check both and try again, "
            "or reset your password."
        ),
        "inactive": "This account has been closed. Contact your scheme organiser if this is wrong.",
        "unconfirmed": (
            "Please confirm your email address first: open the link we emailed you. "
            "No email? Ask for a new link below."
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Email address"
        self.fields["username"].widget = forms.EmailInput(
            attrs={"autocomplete": "email", "autofocus": True}
        )

    def clean_username(self):
        username = self.cleaned_data["username"].strip().lower()
        # Django sets only the widget's maxlength here; without this check a very long value
        # reaches authentication and the lockout records (found by fuzzing on PostgreSQL).
        if len(username) > User._meta.get_field("email").max_length:
            raise forms.ValidationError("Enter the email address you signed up with.")
        return username

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not user.has_confirmed_email:
            raise forms.ValidationError(self.error_messages["unconfirmed"], code="unconfirmed")


class ResendConfirmationForm(SubmitHelperMixin, forms.Form):
    submit_label = "Send a new link"
    email = forms.EmailField(
        label="Email address", widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    def clean_email(self):
        return User.objects.normalize_email(self.cleaned_data["email"])


class ProfileForm(SubmitHelperMixin, forms.ModelForm):
    submit_label = "Save profile"

    class Meta:
        model = User
        fields = (
            "first_name",
            "last_name",
            "grade",
            "specialty",
            "organisation",
            "site",
            "training_started_on",
            "gender",
        )
        widgets = {"training_started_on": DateInput()}

    def clean(self):
        return spell_like_the_trust(super().clean())

    def clean_organisation(self):
        organisation = self.cleaned_data["organisation"]
        if (
            organisation
            and organisation.email_domains
            and not organisation.accepts_email(self.instance.email)
        ):
            domains = " or ".join(f"@{domain}" for domain in organisation.email_domains)
            raise forms.ValidationError(
                f"Your account's address ({self.instance.email}) is not one "
                f"{organisation.short_name or organisation.name} uses ({domains}). "
                "Ask your scheme organiser to move your account if you have changed trust."
            )
        return organisation

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("first_name", "last_name"):
            self.fields[name].required = True
        self.fields["grade"].choices = [("", "Choose your grade")] + list(Grade.choices)


class EmailSettingsForm(forms.Form):
    """One tick box per email a person may turn off (accounts.services.OPTIONAL_EMAIL_KINDS)."""

    def __init__(self, *args, user, **kwargs):
        from .services import OPTIONAL_EMAIL_KINDS

        super().__init__(*args, **kwargs)
        self.user = user
        opted_out = set(user.email_opt_outs or [])
        for kind, label in OPTIONAL_EMAIL_KINDS.items():
            self.fields[kind] = forms.BooleanField(
                label=label, required=False, initial=kind not in opted_out
            )
        self.helper = FormHelper()
        self.helper.attrs = {"novalidate": ""}
        self.helper.add_input(Submit("submit", "Save my email settings"))

    def save(self):
        self.user.email_opt_outs = [kind for kind in self.fields if not self.cleaned_data.get(kind)]
        self.user.save(update_fields=["email_opt_outs"])
        return self.user


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's form, but also for accounts that have never had a password.

    Trainees imported with an opt-out cohort get an account without a usable password; Django's
    form would silently skip them, leaving them no way in once their first link expires.
    """

    def get_users(self, email):
        return User.objects.filter(email__iexact=email, is_active=True)
