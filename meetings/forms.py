"""Forms of the pair's pages. They check input; the services enforce the rules."""

from datetime import UTC, datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Fieldset, Layout, Submit
from django import forms
from django.utils import timezone

from accounts.models import Grade
from accounts.widgets import DateInput, TimeInput
from matching.models import Pair

from .models import Goal, MeetingMode, MentoringAgreement, SchemeMessage, topic_choices

DURATION_CHOICES = [
    (15, "15 minutes"),
    (30, "30 minutes"),
    (45, "45 minutes"),
    (60, "1 hour"),
    (90, "1 hour 30 minutes"),
    (120, "2 hours"),
]


def _helper(submit_label, *layout):
    helper = FormHelper()
    # Server-side messages say what to do next; the browser's own bubbles would pre-empt them.
    helper.attrs = {"novalidate": ""}
    if layout:
        helper.layout = Layout(*layout)
    if submit_label:
        helper.add_input(Submit("submit", submit_label))
    return helper


def _duration_field(**kwargs):
    return forms.TypedChoiceField(
        label="How long",
        choices=DURATION_CHOICES,
        coerce=int,
        initial=60,
        error_messages={"invalid_choice": "Choose how long the meeting is from the list."},
        **kwargs,
    )


def _mode_field(label):
    return forms.ChoiceField(
        label=label,
        choices=MeetingMode.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose in person, video call or phone."},
    )


class AgreementForm(forms.ModelForm):
    class Meta:
        model = MentoringAgreement
        fields = ["working_on", "meeting_frequency", "confidentiality"]
        labels = {
            "working_on": "What will you work on together?",
            "meeting_frequency": "How often will you meet?",
            "confidentiality": "Confidentiality and its limits",
        }
        help_texts = {
            "working_on": "A few lines in your own words, e.g. “preparing for my ARCP and "
            "deciding between core psychiatry and GP”.",
            "meeting_frequency": "e.g. “Once a month, for an hour, by video”.",
            "confidentiality": "Change the words if you like; keep the exception for risk of "
            "serious harm.",
        }
        widgets = {
            "working_on": forms.Textarea(attrs={"rows": 4}),
            "confidentiality": forms.Textarea(attrs={"rows": 5}),
        }
        error_messages = {
            "working_on": {"required": "Say in a few words what you will work on together."},
            "meeting_frequency": {"required": "Say how often you plan to meet."},
            "confidentiality": {"required": "Keep a sentence on confidentiality and its limits."},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("Save and confirm the agreement")


class GoalForm(forms.ModelForm):
    class Meta:
        model = Goal
        fields = ["title", "details", "status"]
        labels = {"title": "Goal", "details": "Details (optional)"}
        help_texts = {"title": "Short and specific, e.g. “Submit my portfolio for ARCP in June”."}
        widgets = {"details": forms.Textarea(attrs={"rows": 3})}
        error_messages = {"title": {"required": "Give the goal a short name."}}

    def __init__(self, *args, creating=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].widget = forms.RadioSelect(choices=Goal.Status.choices)
        if creating:
            del self.fields["status"]
        self.helper = _helper("Add the goal" if creating else "Save the goal")


class MeetingLogForm(forms.Form):
    """A meeting, its shared summary, the logger's private note and progress on each live goal."""

    held_on = forms.DateField(
        label="Date of the meeting",
        widget=DateInput(),
        error_messages={
            "required": "Give the date you met.",
            "invalid": "Give the date as day, month and year.",
        },
    )
    duration_minutes = _duration_field()
    mode = _mode_field("How did you meet?")
    topics = forms.MultipleChoiceField(
        label="What did you talk about?",
        choices=topic_choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    other_topics = forms.CharField(
        label="Other topics (optional)",
        max_length=300,
        required=False,
        help_text="Separate topics with commas.",
    )
    summary = forms.CharField(
        label="Shared summary (you both see this)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What you discussed and agreed. Your organiser never sees it.",
    )
    private_note = forms.CharField(
        label="Private note (only you see this)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Your own reflections. Your mentoring partner and the organiser never see it.",
    )

    def __init__(self, *args, goals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.goals = [goal for goal in goals if goal.is_live]
        goal_fields = []
        for goal in self.goals:
            status_name, note_name = f"goal_{goal.pk}_status", f"goal_{goal.pk}_note"
            self.fields[status_name] = forms.ChoiceField(
                label=f"“{goal.title}”: where is it now?",
                choices=Goal.Status.choices,
                initial=goal.status,
                required=False,
            )
            self.fields[note_name] = forms.CharField(
                label=f"Progress on “{goal.title}” (optional)", required=False, max_length=500
            )
            goal_fields += [status_name, note_name]
        sections = [
            Fieldset("The meeting", "held_on", "duration_minutes", "mode"),
            Fieldset("What you talked about", "topics", "other_topics", "summary"),
        ]
        if goal_fields:
            sections.append(Fieldset("Progress against your goals", *goal_fields))
        sections.append(Fieldset("Just for you", "private_note"))
        self.helper = _helper("Log the meeting", *sections)

    def clean_held_on(self):
        held_on = self.cleaned_data["held_on"]
        if held_on > timezone.localdate():
            raise forms.ValidationError(
                "Log a meeting once it has happened: choose today or an earlier date. "
                "To plan a meeting, use “Plan the next meeting”."
            )
        return held_on

    def topic_list(self):
        extra = [
            topic.strip()
            for topic in self.cleaned_data.get("other_topics", "").split(",")
            if topic.strip()
        ]
        return list(dict.fromkeys([*self.cleaned_data.get("topics", []), *extra]))

    def progress(self):
        return {
            goal.pk: {
                "status": self.cleaned_data.get(f"goal_{goal.pk}_status") or goal.status,
                "note": self.cleaned_data.get(f"goal_{goal.pk}_note", ""),
            }
            for goal in self.goals
        }


class PrivateNoteForm(forms.Form):
    text = forms.CharField(
        label="Your private note (only you see this)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Leave it empty and save to delete your note.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("Save my note")


class PlanMeetingForm(forms.Form):
    """A date and a wall-clock time in the UK; stored in UTC."""

    on = forms.DateField(
        label="Date",
        widget=DateInput(),
        error_messages={
            "required": "Choose the date of the meeting.",
            "invalid": "Give the date as day, month and year.",
        },
    )
    at = forms.TimeField(
        label="Start time (UK time)",
        widget=TimeInput(),
        error_messages={
            "required": "Choose the time the meeting starts.",
            "invalid": "Give the time as hours and minutes, e.g. 18:30.",
        },
    )
    duration_minutes = _duration_field()
    mode = _mode_field("How will you meet?")
    place = forms.CharField(
        label="Place or link",
        max_length=300,
        required=False,
        help_text="A room or café, a video-call link, or who phones whom.",
    )

    def __init__(self, *args, submit_label="Plan the meeting and send invitations", **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(submit_label)

    @classmethod
    def initial_for(cls, planned):
        local = timezone.localtime(planned.starts_at)
        return {
            "on": local.date(),
            "at": local.time().replace(second=0, microsecond=0),
            "duration_minutes": planned.duration_minutes,
            "mode": planned.mode,
            "place": planned.place,
        }

    def clean(self):
        cleaned = super().clean()
        on, at = cleaned.get("on"), cleaned.get("at")
        if on is None or at is None:
            return cleaned
        zone = timezone.get_default_timezone()
        naive = datetime.combine(on, at)
        starts_at = naive.replace(tzinfo=zone)
        if starts_at.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
            raise forms.ValidationError(
                f"{at:%H:%M} does not exist on {on.day} {on:%B}: the clocks go forward that "
                "night. Choose another time."
            )
        if starts_at <= timezone.now():
            self.add_error("on", "Choose a date and time in the future.")
        cleaned["starts_at"] = starts_at.astimezone(UTC)
        return cleaned


class EndPairForm(forms.Form):
    ORGANISERS_ONLY = "organisers"
    PARTNER_AND_ORGANISERS = "partner"

    reason = forms.ChoiceField(
        label="What best describes why? (optional)",
        choices=[("", "I would rather not say")]
        + [(value, Pair.EndReason(value).label) for value in Pair.MEMBER_END_REASONS],
        required=False,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="Anything you would like to add (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reason_audience = forms.ChoiceField(
        label="Who may read your reason and note?",
        choices=[
            (
                ORGANISERS_ONLY,
                "Only the scheme's organisers: your partner is told just that the pair has ended",
            ),
            (PARTNER_AND_ORGANISERS, "Your mentoring partner and the scheme's organisers"),
        ],
        initial=ORGANISERS_ONLY,
        required=False,
        widget=forms.RadioSelect,
        help_text="Nobody else sees them. If you give no reason and no note, there is nothing "
        "to read.",
    )
    wants_new_mentor = forms.TypedChoiceField(
        label="Would you like a new mentor?",
        choices=[
            ("yes", "Yes: find me a new mentor (you will be first in line)"),
            ("no", "Not for now: I can ask later from my pair's page"),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether you would like a new mentor."},
    )

    def __init__(self, *args, is_mentee, **kwargs):
        super().__init__(*args, **kwargs)
        if not is_mentee:
            del self.fields["wants_new_mentor"]
        self.fields["reason"].initial = ""
        self.helper = _helper(
            "End the pair",
            "reason",
            "note",
            "reason_audience",
            *(["wants_new_mentor"] if is_mentee else []),
            HTML(
                '<p class="small text-body-secondary">Ending a pair is nobody\'s fault: '
                "pairs end for all sorts of reasons.</p>"
            ),
        )
        self.helper.inputs[0].field_classes = "btn btn-danger"

    @property
    def share_reason(self):
        return self.cleaned_data.get("reason_audience") == self.PARTNER_AND_ORGANISERS


class SchemeMessageForm(forms.Form):
    """An organiser's message to a group of the scheme: who (the audience, narrowed as on the
    enrolments page) and what. The preview repeats these fields hidden, with `send_token`."""

    audience = forms.ChoiceField(
        label="Who is it for?", choices=SchemeMessage.Audience.choices, widget=forms.RadioSelect
    )
    grade = forms.ChoiceField(
        label="Only this grade", choices=[("", "Any grade"), *Grade.choices], required=False
    )
    specialty = forms.CharField(label="Only specialties containing", max_length=120, required=False)
    site = forms.CharField(label="Only sites containing", max_length=120, required=False)
    subject = forms.CharField(max_length=SchemeMessage.SUBJECT_MAX)
    body = forms.CharField(
        label="Message",
        max_length=SchemeMessage.BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Plain text. Replies are not collected: the email gives your address instead.",
    )
    send_token = forms.UUIDField(required=False, widget=forms.HiddenInput)

    required_messages = {
        "subject": "Write a subject.",
        "body": "Write the message.",
        "audience": "Choose who the message is for.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, text in self.required_messages.items():
            self.fields[name].error_messages.update({"required": text, "invalid_choice": text})
        self.helper = _helper(
            "Preview",
            "audience",
            Fieldset("Narrow it down (optional)", "grade", "specialty", "site"),
            "subject",
            "body",
        )

    def filters(self):
        return {
            key: self.cleaned_data[key]
            for key in ("grade", "specialty", "site")
            if self.cleaned_data.get(key)
        }
