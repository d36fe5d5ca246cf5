from crispy_forms.bootstrap import InlineRadios
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout, Submit
from django import forms
from django.db.models import Q
from django.forms import formset_factory

from .models import Domain, Moment, Question, SchemeSurveySchedule, SurveyTemplate

DEFAULT_LOW_LABEL = "Strongly disagree"
DEFAULT_HIGH_LABEL = "Strongly agree"
MONTHS = [
    (1, "January"), (2, "February"), (3, "March"), (4, "April"), (5, "May"), (6, "June"),
    (7, "July"), (8, "August"), (9, "September"), (10, "October"), (11, "November"),
    (12, "December"),
]  # fmt: skip


def _helper(submit_label=None, *layout):
    helper = FormHelper()
    # Server-side messages say what to do next; the browser's own bubbles would pre-empt them.
    helper.attrs = {"novalidate": ""}
    if layout:
        helper.layout = Layout(*layout)
    if submit_label:
        helper.add_input(Submit("submit", submit_label))
    return helper


def _lines(text):
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class SurveyAnswerForm(forms.Form):
    """One field per question, named by the question's id. Every question may be skipped."""

    def __init__(self, *args, template, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(template.questions.all())
        layout = []
        for number, question in enumerate(self.questions, start=1):
            name = f"question_{question.pk}"
            self.fields[name] = self._field_for(question, number)
            kind = question.kind
            layout.append(InlineRadios(name) if kind == Question.Kind.LIKERT else Field(name))
        self.helper = _helper("Send my answers", *layout)

    @staticmethod
    def _field_for(question, number):
        label = f"{number}. {question.text}"
        common = {"label": label, "required": question.required, "help_text": question.help_text}
        kind = Question.Kind
        if question.kind == kind.LIKERT:
            choices = [
                ("1", f"1 – {question.low_label or DEFAULT_LOW_LABEL}"),
                ("2", "2"),
                ("3", "3"),
                ("4", "4"),
                ("5", f"5 – {question.high_label or DEFAULT_HIGH_LABEL}"),
            ]
            return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
        if question.kind == kind.YES_NO:
            return forms.ChoiceField(
                choices=[("yes", "Yes"), ("no", "No")], widget=forms.RadioSelect, **common
            )
        if question.kind == kind.SINGLE_CHOICE:
            return forms.ChoiceField(
                choices=[(choice, choice) for choice in question.choices],
                widget=forms.RadioSelect,
                **common,
            )
        if question.kind == kind.MULTIPLE_CHOICE:
            return forms.MultipleChoiceField(
                choices=[(choice, choice) for choice in question.choices],
                widget=forms.CheckboxSelectMultiple,
                **common,
            )
        return forms.CharField(
            max_length=1000, widget=forms.Textarea(attrs={"rows": 3}), strip=True, **common
        )

    def answers(self):
        """{Question: cleaned value} for the service."""
        return {
            question: self.cleaned_data.get(f"question_{question.pk}")
            for question in self.questions
        }


class TemplateAdaptForm(forms.Form):
    name = forms.CharField(
        label="Name of the new version",
        max_length=120,
        error_messages={"required": "Give the new version a name people will recognise."},
    )
    introduction = forms.CharField(
        label="Introduction",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown above the questions: why you ask, and how long it takes.",
    )
    anonymous = forms.BooleanField(
        label="Store answers without the respondent's name (recommended)",
        required=False,
        help_text=(
            "Anonymous answers are never linked to a person, so change over time is measured "
            "between groups. Without this, each person's change can be measured, but their "
            "answers are stored with their name (still only shown in groups of five or more)."
        ),
    )
    use_in_schedule = forms.BooleanField(
        label="Send this version from now on instead of the one it is adapted from",
        required=False,
        initial=True,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()
        self.helper.form_tag = False


class KeptQuestionForm(forms.Form):
    keep = forms.BooleanField(label="Keep this question", required=False, initial=True)
    text = forms.CharField(label="Wording", max_length=300, required=False)
    choices = forms.CharField(
        label="Choices, one per line",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, question, **kwargs):
        super().__init__(*args, **kwargs)
        self.question = question
        self.fields["keep"].label = "Keep this question"
        if question.is_repeated:
            self.fields["text"].disabled = True
            self.fields["text"].help_text = (
                "Asked at baseline and again at follow-up, so the wording stays the same. "
                "You can leave the question out."
            )
        if question.kind not in (Question.Kind.SINGLE_CHOICE, Question.Kind.MULTIPLE_CHOICE):
            del self.fields["choices"]
        self.helper = _helper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def clean(self):
        data = super().clean()
        if data.get("keep"):
            if not (data.get("text") or "").strip():
                self.add_error("text", "Write the question, or untick “Keep this question”.")
            if "choices" in self.fields and len(_lines(data.get("choices"))) < 2:
                self.add_error("choices", "Give at least two choices, one per line.")
        return data

    def as_question(self):
        """The dict survey_template_adapt takes, or None if the question is left out."""
        if not self.cleaned_data.get("keep"):
            return None
        question = self.question
        return {
            "source_question": question,
            "text": question.text if question.is_repeated else self.cleaned_data["text"],
            "kind": question.kind,
            "domain": question.domain,
            "choices": _lines(self.cleaned_data["choices"])
            if "choices" in self.fields
            else question.choices,
            "low_label": question.low_label,
            "high_label": question.high_label,
            "help_text": question.help_text,
        }


class NewQuestionForm(forms.Form):
    text = forms.CharField(label="New question", max_length=300, required=False)
    kind = forms.ChoiceField(
        label="Kind of answer", choices=[("", "Choose…"), *Question.Kind.choices], required=False
    )
    domain = forms.ChoiceField(
        label="What it measures",
        choices=[("", "Choose…"), *Domain.choices],
        required=False,
        help_text="Process: objectives, meetings. Content: feedback, raising issues, challenge. "
        "Outcome: progress, career, networking.",
    )
    choices = forms.CharField(
        label="Choices, one per line (for a choice question)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    low_label = forms.CharField(label="What 1 means (for a scale)", max_length=60, required=False)
    high_label = forms.CharField(label="What 5 means (for a scale)", max_length=60, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def clean(self):
        data = super().clean()
        if not (data.get("text") or "").strip():
            return data  # an empty row is ignored
        if not data.get("kind"):
            self.add_error("kind", "Choose the kind of answer this question takes.")
        if not data.get("domain"):
            self.add_error("domain", "Choose what this question measures.")
        is_choice = data.get("kind") in (Question.Kind.SINGLE_CHOICE, Question.Kind.MULTIPLE_CHOICE)
        if is_choice and len(_lines(data.get("choices"))) < 2:
            self.add_error("choices", "Give at least two choices, one per line.")
        return data

    def as_question(self):
        data = self.cleaned_data
        if not (data.get("text") or "").strip():
            return None
        is_choice = data["kind"] in (Question.Kind.SINGLE_CHOICE, Question.Kind.MULTIPLE_CHOICE)
        is_scale = data["kind"] == Question.Kind.LIKERT
        return {
            "source_question": None,
            "text": data["text"],
            "kind": data["kind"],
            "domain": data["domain"],
            "choices": _lines(data["choices"]) if is_choice else [],
            "low_label": (data["low_label"] or DEFAULT_LOW_LABEL) if is_scale else "",
            "high_label": (data["high_label"] or DEFAULT_HIGH_LABEL) if is_scale else "",
        }


NewQuestionFormSet = formset_factory(NewQuestionForm, extra=3, max_num=10)


def templates_for(scheme, audience=None):
    """Templates a scheme may schedule: the built-ins and its own adaptations."""
    queryset = SurveyTemplate.objects.filter(Q(scheme=None) | Q(scheme=scheme))
    if audience:
        queryset = queryset.filter(audience=audience)
    return queryset.select_related("scheme").order_by("audience", "key", "scheme", "-version")


class TemplateChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, template):
        return f"{template.name} ({template.version_label()})"


class ScheduleEntryForm(forms.ModelForm):
    template = TemplateChoiceField(queryset=SurveyTemplate.objects.none(), label="Survey")
    year_end_month = forms.TypedChoiceField(
        label="Sent in", choices=MONTHS, coerce=int, help_text="From the 1st of the month."
    )

    class Meta:
        model = SchemeSurveySchedule
        fields = ["template", "every_months", "year_end_month", "is_active"]
        labels = {"every_months": "Every (months)", "is_active": "Send this survey"}
        help_texts = {"every_months": "Counted from the match, while the pair is active."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        entry = self.instance
        self.fields["template"].queryset = templates_for(entry.scheme, entry.audience)
        if entry.moment != Moment.PERIODIC:
            del self.fields["every_months"]
        if entry.moment != Moment.END_OF_YEAR:
            del self.fields["year_end_month"]
        self.helper = _helper("Save")


class ScheduleEntryAddForm(forms.ModelForm):
    template = TemplateChoiceField(queryset=SurveyTemplate.objects.none(), label="Survey")

    class Meta:
        model = SchemeSurveySchedule
        fields = ["moment", "audience", "template"]
        labels = {"moment": "When", "audience": "Who"}

    def __init__(self, *args, scheme, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.scheme = scheme
        self.fields["template"].queryset = templates_for(scheme)
        self.helper = _helper("Add to the schedule")

    def validate_unique(self):
        # `scheme` is not a form field, so ModelForm would skip the (scheme, moment, audience)
        # check; the message says what to do instead.
        super().validate_unique()
        data = self.cleaned_data
        if SchemeSurveySchedule.objects.filter(
            scheme=self.instance.scheme, moment=data.get("moment"), audience=data.get("audience")
        ).exists():
            self.add_error(
                "moment",
                "This scheme already has a survey for these people at this time. Change that "
                "entry in the schedule above instead.",
            )
