from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout, Submit
from django import forms
from django.db.models import Q
from django.forms import inlineformset_factory

from accounts.models import Grade, User
from accounts.widgets import DateInput

from .models import (
    TRAINEE_GRADES,
    Enrolment,
    IntakeWindow,
    MentoringArea,
    MentorSupport,
    Organisation,
    Scheme,
)

RESERVED_SLUGS = {"manage", "enrolments", "opt-out", "referrals"}


def _helper(submit_label, *layout):
    """A crispy helper; with submit_label None the page renders its own button."""
    helper = FormHelper()
    # Server-side messages say what to do next; the browser's own bubbles would pre-empt them.
    helper.attrs = {"novalidate": ""}
    if layout:
        helper.layout = Layout(*layout)
    if submit_label:
        helper.add_input(Submit("submit", submit_label))
    return helper


class MenteeJoinForm(forms.ModelForm):
    areas = forms.MultipleChoiceField(
        label="What would you like to work on?",
        choices=MentoringArea.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    consent = forms.BooleanField(
        label=(
            "I agree that the scheme's organisers may use my answers to find me a mentor, and "
            "may see whether my pair meets (never what we talk about)."
        ),
        error_messages={
            "required": "Tick the box to agree, or leave this page if you'd rather not."
        },
    )

    class Meta:
        model = Enrolment
        fields = [
            "areas",
            "areas_other",
            "mentor_specialty_preference",
            "prefers_same_site",
            "meeting_mode",
            "mentor_gender_preference",
            "availability",
            "educational_supervisor_email",
            "clinical_supervisor_email",
        ]
        labels = {
            "educational_supervisor_email": "Your educational supervisor's email (optional)",
            "clinical_supervisor_email": "Your clinical supervisor's email (optional)",
            "areas_other": "Anything else you would like to explore?",
            "mentor_specialty_preference": "Your mentor's specialty",
            "prefers_same_site": "I would like a mentor who works at my site",
            "meeting_mode": "How would you like to meet?",
            "mentor_gender_preference": "Would you prefer a mentor of a particular gender?",
            "availability": "When are you usually free to meet?",
        }
        help_texts = {
            "availability": "e.g. weekday evenings, Wednesday lunchtimes",
            "educational_supervisor_email": "Mentoring is separate from supervision: your own "
            "supervisors are never suggested as your mentor.",
        }

    def __init__(self, *args, scheme, **kwargs):
        super().__init__(*args, **kwargs)
        if not scheme.asks_mentor_gender_preference:
            del self.fields["mentor_gender_preference"]
        self.helper = _helper("Join as a mentee")

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("areas") and not cleaned.get("areas_other", "").strip():
            self.add_error(
                "areas", "Choose at least one area, or describe what you would like to explore."
            )
        return cleaned


class MentorJoinForm(forms.ModelForm):
    areas = forms.MultipleChoiceField(
        label="Areas you have experience of and could help with",
        choices=MentoringArea.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    capacity = forms.TypedChoiceField(
        label="How many mentees could you support at once?",
        coerce=int,
        choices=[(1, "1"), (2, "2"), (3, "3")],
        initial=1,
    )
    consent = forms.BooleanField(
        label=(
            "I agree that the scheme's organisers may use my answers to match me with mentees, "
            "and that I will complete the training the scheme asks of mentors."
        ),
        error_messages={
            "required": "Tick the box to agree, or leave this page if you'd rather not."
        },
    )

    class Meta:
        model = Enrolment
        fields = ["areas", "areas_other", "capacity", "meeting_mode", "availability"]
        labels = {
            "areas_other": "Other experience worth knowing",
            "meeting_mode": "How would you like to meet?",
            "availability": "When are you usually free to meet?",
        }

    def __init__(self, *args, scheme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["capacity"].choices = [
            (n, str(n)) for n in range(1, min(scheme.max_mentees_per_mentor, 3) + 1)
        ]
        self.helper = _helper("Join as a mentor")


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Would you like to tell the organisers why? (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="You do not have to give a reason. If you do, only the organisers see it.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("Leave the scheme")
        self.helper.inputs[0].field_classes = "btn btn-danger"


class SchemeForm(forms.ModelForm):
    eligible_grades = forms.MultipleChoiceField(
        label="Grades that may be mentees",
        choices=[(grade.value, grade.label) for grade in TRAINEE_GRADES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Only used when mentees are chosen grades and specialties.",
    )
    eligible_specialties = forms.CharField(
        label="Specialties that may be mentees",
        required=False,
        help_text="Comma-separated, e.g. Paediatrics. Leave empty for any specialty.",
    )
    mentor_support = forms.MultipleChoiceField(
        label="Support offered to mentors",
        choices=MentorSupport.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Leave all unticked if mentors get no support.",
    )

    class Meta:
        model = Scheme
        fields = [
            "name",
            "slug",
            "description",
            "is_open",
            "mentee_eligibility",
            "eligible_grades",
            "eligible_specialties",
            "enrolment_model",
            "recruits_at_intake",
            "accepts_requests",
            "accepts_referrals",
            "mentors_may_be_trainees",
            "mentor_min_years_in_training",
            "mentors_may_be_consultants",
            "mentors_may_be_sas",
            "mentors_may_be_other_professionals",
            "allows_mentee_and_mentor",
            "max_mentees_per_mentor",
            "meeting_interval_min_weeks",
            "meeting_interval_max_weeks",
            "pairs_continue_across_trusts",
            "mentor_training_required",
            "mentor_support",
            "run_by",
            "admin_hours_per_month",
            "budget_pounds_per_year",
            "collects_outcome_data",
            "asks_mentor_gender_preference",
            "partner_organisations",
        ]
        widgets = {"partner_organisations": forms.CheckboxSelectMultiple}
        labels = {
            "slug": "Web address",
            "mentee_eligibility": "Who may be a mentee",
            "meeting_interval_min_weeks": "Shortest target interval between meetings (weeks)",
            "meeting_interval_max_weeks": "Longest target interval between meetings (weeks)",
            "max_mentees_per_mentor": "Most mentees one mentor may take",
            "admin_hours_per_month": "Admin time (hours a month)",
        }
        help_texts = {
            "slug": "Part of the scheme's web address: lower-case letters, numbers and hyphens.",
            "mentors_may_be_consultants": "A scheme with consultants, SAS doctors or other "
            "professionals as mentors is shown as “not peer-only”.",
        }

    def __init__(self, *args, submit_label="Save scheme", **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["eligible_specialties"] = ", ".join(self.instance.eligible_specialties)
        self._partner_choices()
        self.submit_label = submit_label
        self.helper = _helper(
            None,
            Fieldset("About the scheme", "name", "slug", "description", "is_open"),
            Fieldset(
                "Who may be a mentee",
                "mentee_eligibility",
                "eligible_grades",
                "eligible_specialties",
                "enrolment_model",
            ),
            Fieldset(
                "When mentees are recruited",
                "recruits_at_intake",
                "accepts_requests",
                "accepts_referrals",
            ),
            Fieldset(
                "Who may mentor",
                "mentors_may_be_trainees",
                "mentor_min_years_in_training",
                "mentors_may_be_consultants",
                "mentors_may_be_sas",
                "mentors_may_be_other_professionals",
                "allows_mentee_and_mentor",
                "max_mentees_per_mentor",
            ),
            Fieldset(
                "How the scheme runs",
                "meeting_interval_min_weeks",
                "meeting_interval_max_weeks",
                "pairs_continue_across_trusts",
                "mentor_training_required",
                "mentor_support",
                "run_by",
                "admin_hours_per_month",
                "budget_pounds_per_year",
                "collects_outcome_data",
                "asks_mentor_gender_preference",
            ),
            *(
                [Fieldset("Run for several trusts", "partner_organisations")]
                if "partner_organisations" in self.fields
                else []
            ),
        )
        self.helper.form_tag = False  # the page wraps this form and the intake windows together

    def _partner_choices(self):
        """The other trusts of the host's region (and any partner already chosen, so that an
        untouched save keeps it). A scheme is created first and opened to partners after."""
        if "partner_organisations" not in self.fields:
            return
        if not self.instance.pk:
            del self.fields["partner_organisations"]
            return
        host = self.instance.organisation
        field = self.fields["partner_organisations"]
        field.queryset = (
            Organisation.objects.filter(
                Q(region_id=host.region_id) | Q(partner_schemes=self.instance)
            )
            .exclude(pk=host.pk)
            .distinct()
            .order_by("name")
        )
        field.label = "Also open to the trainees of"
        field.help_text = (
            f"Run by {host.name} for several trusts: tick the other trusts whose trainees may "
            "join as mentees or mentors. Each trainee counts in their own trust's uptake, and "
            "each trust's DME sees their own trust's part."
        )

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError("That address is used by the site; choose another.")
        return slug

    def clean_eligible_specialties(self):
        raw = self.cleaned_data["eligible_specialties"]
        return [part.strip() for part in raw.split(",") if part.strip()]

    def clean(self):
        cleaned = super().clean()
        low = cleaned.get("meeting_interval_min_weeks")
        high = cleaned.get("meeting_interval_max_weeks")
        if low is not None and high is not None and low > high:
            self.add_error(
                "meeting_interval_max_weeks",
                "The longest interval must be at least the shortest one.",
            )
        if cleaned.get("mentee_eligibility") == "chosen" and not (
            cleaned.get("eligible_grades") or cleaned.get("eligible_specialties")
        ):
            self.add_error(
                "eligible_grades",
                "Choose the grades or name the specialties that may join, or make the scheme "
                "open to all trainees.",
            )
        if not any(
            cleaned.get(name)
            for name in (
                "mentors_may_be_trainees",
                "mentors_may_be_consultants",
                "mentors_may_be_sas",
                "mentors_may_be_other_professionals",
            )
        ):
            self.add_error("mentors_may_be_trainees", "Say who may mentor: tick at least one.")
        max_capacity = cleaned.get("max_mentees_per_mentor")
        if max_capacity is not None and not 1 <= max_capacity <= 5:
            self.add_error("max_mentees_per_mentor", "Choose between 1 and 5.")
        return cleaned


class IntakeWindowForm(forms.ModelForm):
    class Meta:
        model = IntakeWindow
        fields = ["label", "opens_on", "closes_on"]
        widgets = {"opens_on": DateInput(), "closes_on": DateInput()}

    def clean(self):
        cleaned = super().clean()
        opens, closes = cleaned.get("opens_on"), cleaned.get("closes_on")
        if opens and closes and opens > closes:
            self.add_error("closes_on", "The window must close on or after the day it opens.")
        return cleaned


IntakeWindowFormSet = inlineformset_factory(
    Scheme, IntakeWindow, form=IntakeWindowForm, extra=1, can_delete=True
)


class RotationWindowsForm(forms.Form):
    """How many of the coming rotations to create intake windows for."""

    count = forms.TypedChoiceField(
        label="Rotations",
        coerce=int,
        choices=[(2, "The next 2 rotations (a year)"), (4, "The next 4 rotations (two years)")],
        initial=2,
    )


class SchemeCreateForm(SchemeForm):
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none())

    class Meta(SchemeForm.Meta):
        fields = ["organisation", *SchemeForm.Meta.fields]

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, submit_label="Create scheme", **kwargs)
        self.fields["organisation"].queryset = organisations
        self.helper.layout.insert(0, Fieldset("Trust", "organisation"))


class PersonByEmailForm(forms.Form):
    email = forms.EmailField(label="Their email address")

    def __init__(self, *args, scheme, submit_label, **kwargs):
        super().__init__(*args, **kwargs)
        self.scheme = scheme
        self.helper = _helper(submit_label)

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"])
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise forms.ValidationError(
                "Nobody has an account with that address yet. Ask them to sign up first, or "
                "import them with a cohort file."
            )
        self.user = user
        return email


class AppointForm(PersonByEmailForm):
    role = forms.ChoiceField(
        choices=[("organiser", "Co-organiser"), ("supervisor", "Supervisor of mentors")]
    )


class HandoverForm(forms.Form):
    """The organiser's successor, or the choice to leave the DME to appoint one."""

    email = forms.EmailField(
        label="Your successor's email address",
        required=False,
        help_text="They need an account. Leave it empty if another organiser stays on.",
    )
    tell_dme = forms.BooleanField(
        label="I have no successor: tell the trust's DME that the scheme will have no organiser",
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = None
        self.helper = _helper("Hand over and step down")
        self.helper.inputs[0].field_classes = "btn btn-danger"

    def clean_email(self):
        email = self.cleaned_data["email"]
        if not email:
            return email
        email = User.objects.normalize_email(email)
        self.user = User.objects.filter(email__iexact=email, is_active=True).first()
        if self.user is None:
            raise forms.ValidationError(
                "Nobody has an account with that address. Ask your successor to sign up first."
            )
        return email

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("email") and cleaned.get("tell_dme"):
            self.add_error(
                "tell_dme", "Either name a successor or tell the DME there is none, not both."
            )
        return cleaned


class SchemeInterestForm(forms.ModelForm):
    """Whether a trust without a scheme would like one (the seed's survey asked)."""

    class Meta:
        model = Organisation
        fields = ["scheme_interest", "scheme_interest_note"]
        labels = {
            "scheme_interest": "Would the trust like a peer mentoring scheme?",
            "scheme_interest_note": "Note (optional)",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("Save")


class EnrolmentAddForm(PersonByEmailForm):
    role = forms.ChoiceField(choices=Enrolment.Role.choices)
    capacity = forms.TypedChoiceField(
        label="Mentees at once (mentors only)",
        coerce=int,
        choices=[(1, "1"), (2, "2"), (3, "3")],
        initial=1,
        required=False,
    )


class ReferralForm(PersonByEmailForm):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Seen by the scheme's organisers and the trainee only — never by the mentor.",
    )


__all__ = [
    "AppointForm",
    "EnrolmentAddForm",
    "Grade",
    "HandoverForm",
    "IntakeWindowFormSet",
    "MenteeJoinForm",
    "MentorJoinForm",
    "ReferralForm",
    "RotationWindowsForm",
    "SchemeInterestForm",
    "SchemeCreateForm",
    "SchemeForm",
    "WithdrawForm",
]
