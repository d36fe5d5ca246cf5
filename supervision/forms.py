from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils import timezone

from accounts.models import User
from accounts.widgets import DateInput, DateTimeInput
from schemes.models import Enrolment, SchemeRole

from .evidence import EVIDENCE_MAX_LABEL, check_evidence
from .models import (
    RecognitionCriteria,
    SessionAttendance,
    SupervisionSession,
    TrainingEvent,
    TrainingKind,
    TrainingRecord,
)


def _helper(submit_label=None, *, form_tag=True):
    helper = FormHelper()
    # Server-side messages say what to do next; the browser's own bubbles would pre-empt them.
    helper.attrs = {"novalidate": ""}
    helper.form_tag = form_tag
    if submit_label:
        helper.add_input(Submit("submit", submit_label))
    return helper


def _future(value):
    if value and value <= timezone.now():
        raise forms.ValidationError("Choose a date and time in the future.")
    return value


class TrainingRecordForm(forms.ModelForm):
    evidence = forms.FileField(
        label="Certificate or other evidence (optional)",
        required=False,
        help_text=f"A PDF, or a photo as PNG or JPEG, up to {EVIDENCE_MAX_LABEL}. Only you and "
        "the scheme's organisers can open it.",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}),
    )

    class Meta:
        model = TrainingRecord
        fields = ["kind", "title", "provider", "completed_on", "hours"]
        labels = {
            "kind": "What kind of training was it?",
            "title": "Course or session title",
            "provider": "Who ran it?",
            "completed_on": "Date completed",
            "hours": "Hours of training",
        }
        help_texts = {
            "kind": "Formal external: a course run by another body (e.g. a royal college). "
            "Formal internal: a course your trust runs. Informal: reading, shadowing, a talk.",
            "provider": "e.g. the trust's education centre, a royal college",
            "hours": "e.g. 3 or 7.5",
        }
        widgets = {"completed_on": DateInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Choose one")] + list(TrainingKind.choices)
        self.fields["hours"].error_messages["invalid"] = "Enter the hours as a number, e.g. 3.5."
        self.helper = _helper("Save training record")

    def clean_completed_on(self):
        value = self.cleaned_data["completed_on"]
        if value and value > timezone.localdate():
            raise forms.ValidationError(
                "The date completed cannot be in the future: record training once you have done "
                "it, or book one of the scheme's events."
            )
        return value

    def clean_hours(self):
        value = self.cleaned_data["hours"]
        if value is not None and not (0 < value <= 500):
            raise forms.ValidationError("Enter the hours of training, between 0.5 and 500.")
        return value

    def clean_evidence(self):
        uploaded = self.cleaned_data.get("evidence")
        if uploaded:
            check_evidence(uploaded)
        return uploaded


class RejectForm(forms.Form):
    reason = forms.CharField(
        label="Why is it not accepted?",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The mentor reads this: say what would put it right.",
        error_messages={"required": "Say why, so the mentor knows what to do next."},
    )


class TrainingEventForm(forms.ModelForm):
    class Meta:
        model = TrainingEvent
        fields = ["title", "kind", "provider", "starts_at", "hours", "place", "capacity"]
        fields += ["description"]
        labels = {
            "kind": "Kind of training",
            "provider": "Run by (leave blank for the trust)",
            "starts_at": "Starts at",
            "capacity": "Places",
        }
        widgets = {"starts_at": DateTimeInput, "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        changing = self.instance.pk is not None
        self.helper = _helper("Save the changes" if changing else "Create the event")

    def clean_starts_at(self):
        return _future(self.cleaned_data["starts_at"])

    def clean_capacity(self):
        value = self.cleaned_data["capacity"]
        if value is not None and not 1 <= value <= 500:
            raise forms.ValidationError("Enter between 1 and 500 places.")
        return value

    def clean_hours(self):
        value = self.cleaned_data["hours"]
        if value is not None and not 0 < value <= 100:
            raise forms.ValidationError("Enter the length in hours, between 0.5 and 100.")
        return value


class EventAttendanceForm(forms.Form):
    attended = forms.MultipleChoiceField(
        label="Who attended?", required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, bookings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attended"].choices = [
            (booking.enrolment_id, str(booking.enrolment.user)) for booking in bookings
        ]
        self.initial.setdefault(
            "attended",
            [booking.enrolment_id for booking in bookings if booking.status == "attended"],
        )
        self.helper = _helper("Save attendance")


class AssignmentForm(forms.Form):
    supervisor = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label="Supervisor",
        empty_label="Choose a supervisor",
        error_messages={"required": "Choose a supervisor."},
    )
    mentor_enrolment = forms.ModelChoiceField(
        queryset=Enrolment.objects.none(),
        label="Mentor",
        empty_label="Choose a mentor",
        error_messages={"required": "Choose a mentor."},
    )

    def __init__(self, *args, scheme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supervisor"].queryset = User.objects.filter(
            scheme_roles__scheme=scheme, scheme_roles__role=SchemeRole.Role.SUPERVISOR
        ).order_by("last_name", "first_name")
        self.fields["mentor_enrolment"].queryset = (
            Enrolment.objects.mentors()
            .current()
            .filter(scheme=scheme)
            .select_related("user")
            .order_by("user__last_name", "user__first_name")
        )
        self.fields["mentor_enrolment"].label_from_instance = lambda enrolment: str(enrolment.user)
        self.helper = _helper("Assign")


class SessionScheduleForm(forms.ModelForm):
    mentors = forms.ModelMultipleChoiceField(
        queryset=Enrolment.objects.none(),
        label="Mentors to invite",
        widget=forms.CheckboxSelectMultiple(attrs={"data-select-all-group": "mentors"}),
        error_messages={"required": "Choose the mentors to invite."},
    )

    class Meta:
        model = SupervisionSession
        fields = ["kind", "starts_at", "duration_minutes", "place", "agenda"]
        labels = {
            "kind": "Kind of session",
            "starts_at": "Starts at",
            "duration_minutes": "Length (minutes)",
            "agenda": "Agenda (optional, shared with the mentors)",
        }
        widgets = {
            "kind": forms.RadioSelect,
            "starts_at": DateTimeInput,
            "agenda": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, mentors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = SupervisionSession.Kind.choices  # no blank radio
        self.fields["kind"].error_messages["required"] = "Choose 1:1 or group supervision."
        self.fields["mentors"].queryset = mentors
        self.fields["mentors"].label_from_instance = lambda enrolment: str(enrolment.user)
        self.helper = _helper("Schedule and invite")

    def clean_starts_at(self):
        return _future(self.cleaned_data["starts_at"])

    def clean_duration_minutes(self):
        value = self.cleaned_data["duration_minutes"]
        if value is not None and not 15 <= value <= 480:
            raise forms.ValidationError("Enter a length between 15 and 480 minutes.")
        return value

    def clean(self):
        cleaned = super().clean()
        kind, mentors = cleaned.get("kind"), cleaned.get("mentors")
        if kind and mentors is not None:
            if kind == SupervisionSession.Kind.ONE_TO_ONE and len(mentors) != 1:
                self.add_error("mentors", "Choose exactly one mentor for 1:1 supervision.")
            if kind == SupervisionSession.Kind.GROUP and len(mentors) < 2:
                self.add_error(
                    "mentors",
                    "Choose at least two mentors for group supervision, or make it 1:1.",
                )
        return cleaned


class SessionChangeForm(forms.ModelForm):
    """Move or edit a session: its time, length, place and agenda (never the notes)."""

    class Meta:
        model = SupervisionSession
        fields = ["starts_at", "duration_minutes", "place", "agenda"]
        labels = {
            "starts_at": "Starts at",
            "duration_minutes": "Length (minutes)",
            "agenda": "Agenda (optional, shared with the mentors)",
        }
        widgets = {"starts_at": DateTimeInput, "agenda": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("Save and tell the mentors")

    def clean_starts_at(self):
        return _future(self.cleaned_data["starts_at"])

    def clean_duration_minutes(self):
        value = self.cleaned_data["duration_minutes"]
        if value is not None and not 15 <= value <= 480:
            raise forms.ValidationError("Enter a length between 15 and 480 minutes.")
        return value


class SessionMentorsForm(forms.Form):
    """The mentors invited to a session, chosen from the supervisor's mentors."""

    mentors = forms.ModelMultipleChoiceField(
        queryset=Enrolment.objects.none(),
        label="Mentors invited",
        widget=forms.CheckboxSelectMultiple(attrs={"data-select-all-group": "mentors"}),
        required=False,
    )

    def __init__(self, *args, mentors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mentors"].queryset = mentors
        self.fields["mentors"].label_from_instance = lambda enrolment: str(enrolment.user)
        self.helper = _helper("Save the mentors")

    def clean_mentors(self):
        mentors = self.cleaned_data["mentors"]
        if not mentors:
            raise forms.ValidationError(
                "A session needs at least one mentor. To call it off, cancel the session instead."
            )
        return mentors


class SessionAttendanceForm(forms.Form):
    """One radio group per invited mentor: attended, sent apologies, absent."""

    CHOICES = [
        (SessionAttendance.Status.ATTENDED, "Attended"),
        (SessionAttendance.Status.APOLOGIES, "Sent apologies"),
        (SessionAttendance.Status.ABSENT, "Absent"),
    ]

    def __init__(self, *args, attendances, **kwargs):
        super().__init__(*args, **kwargs)
        self.attendances = list(attendances)
        for attendance in self.attendances:
            name = f"mentor_{attendance.mentor_enrolment_id}"
            self.fields[name] = forms.ChoiceField(
                label=str(attendance.mentor_enrolment.user),
                choices=self.CHOICES,
                widget=forms.RadioSelect,
                initial=None if attendance.status == "invited" else attendance.status,
                error_messages={
                    "required": f"Say whether {attendance.mentor_enrolment.user} attended, sent "
                    "apologies or was absent."
                },
            )
        # Rendered inside the page's own <form>, together with the notes.
        self.helper = _helper(form_tag=False)

    def statuses(self):
        return {
            attendance.mentor_enrolment_id: self.cleaned_data[
                f"mentor_{attendance.mentor_enrolment_id}"
            ]
            for attendance in self.attendances
        }


class SessionNotesForm(forms.Form):
    notes = forms.CharField(
        label="Your notes",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Seen by you alone: not by the mentors, the organisers or anyone else.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("Save notes")


class RecognitionCriteriaForm(forms.ModelForm):
    class Meta:
        model = RecognitionCriteria
        fields = ["min_verified_training", "min_meetings_logged", "require_end_of_pair_survey"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("Save criteria")

    def clean_min_verified_training(self):
        value = self.cleaned_data["min_verified_training"]
        if value is not None and value > 20:
            raise forms.ValidationError("Enter a number from 0 to 20.")
        return value

    def clean_min_meetings_logged(self):
        value = self.cleaned_data["min_meetings_logged"]
        if value is not None and value > 100:
            raise forms.ValidationError("Enter a number from 0 to 100.")
        return value


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label="Why revoke it?",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say why the certificate is revoked."},
    )


class VerifyForm(forms.Form):
    code = forms.CharField(
        label="Verification code",
        max_length=20,
        help_text="As printed on the certificate, e.g. ABCD-EFGH-JKMN",
        error_messages={"required": "Enter the code printed on the certificate."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("Check")
        self.helper.form_method = "get"

    def clean_code(self):
        raw = "".join(ch for ch in self.cleaned_data["code"].upper() if ch.isalnum())
        if len(raw) != 12:
            return self.cleaned_data["code"].strip().upper()
        return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"
