from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout, Submit
from django import forms

from .models import MatchingSettings

ORDINALS = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 5: "5th"}
WEIGHT_HELP = "0 ignores this; 10 counts most."


def _helper(submit_label, *layout):
    helper = FormHelper()
    # Server-side messages say what to do next; the browser's own bubbles would pre-empt them.
    helper.attrs = {"novalidate": ""}
    if layout:
        helper.layout = Layout(*layout)
    if submit_label:
        helper.add_input(Submit("submit", submit_label))
    return helper


class MatchingSettingsForm(forms.ModelForm):
    class Meta:
        model = MatchingSettings
        fields = [
            "weight_specialty",
            "weight_site",
            "weight_goals",
            "weight_grade_distance",
            "weight_availability",
            "weight_mentee_ranking",
            "weight_waiting_time",
            "mentee_choice_enabled",
            "choice_response_days",
            "introduction_guidance",
        ]
        labels = {
            "weight_specialty": "Specialty as the mentee prefers",
            "weight_site": "Same site, when the mentee prefers it",
            "weight_goals": "Mentor's experience in the mentee's goals",
            "weight_grade_distance": "Distance in training close to 1–2 years",
            "weight_availability": "Shared meeting mode and times",
            "weight_mentee_ranking": "The mentee's own ranking of suggested mentors",
            "weight_waiting_time": "Time waiting for a mentor",
            "mentee_choice_enabled": "Mentees choose from up to five suggested mentors",
            "choice_response_days": "Days a mentor has to accept or decline a request",
        }
        help_texts = {
            "mentee_choice_enabled": "Organisers can still run rounds for everyone who has "
            "not chosen.",
            "choice_response_days": "Mentors are reminded once, halfway. Silence then counts "
            "as a no and the mentee's next choice is asked.",
        }
        widgets = {"introduction_guidance": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name.startswith("weight_"):
                field.widget.attrs.update({"min": 0, "max": 10})
                field.help_text = WEIGHT_HELP
                field.error_messages["required"] = "Give a weight from 0 to 10."
        self.helper = _helper(
            "Save matching settings",
            Fieldset(
                "How much each criterion counts",
                *[name for name in self.fields if name.startswith("weight_")],
            ),
            Fieldset("Mentee choice", "mentee_choice_enabled", "choice_response_days"),
            Fieldset("Introductions", "introduction_guidance"),
        )

    def clean(self):
        cleaned = super().clean()
        for name, value in list(cleaned.items()):
            if name.startswith("weight_") and value is not None and not 0 <= value <= 10:
                self.add_error(name, "Give a weight from 0 (ignore it) to 10 (counts most).")
        days = cleaned.get("choice_response_days")
        if days is not None and not 1 <= days <= 60:
            self.add_error("choice_response_days", "Give mentors between 1 and 60 days.")
        if not (cleaned.get("introduction_guidance") or "").strip():
            self.add_error(
                "introduction_guidance",
                "Write a few lines for new pairs, e.g. who gets in touch first.",
            )
        return cleaned


class SwapForm(forms.Form):
    """Swap one proposed pair's mentor with another's: only the swaps the rules allow are offered
    (`matching.selectors.swap_choices` says why not the others)."""

    first = forms.TypedChoiceField(label="Pair", coerce=int, widget=forms.HiddenInput)
    second = forms.TypedChoiceField(label="Swap mentors with", coerce=int)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        first = choices.first
        self.fields["first"].choices = [(first.mentee_enrolment_id, str(first.mentee_enrolment))]
        self.fields["first"].error_messages["invalid_choice"] = (
            "That pair is no longer proposed: reload the page."
        )
        second = self.fields["second"]
        second.label = (
            f"Swap the mentor of {first.mentee_enrolment.user} ({first.mentor_enrolment.user}) with"
        )
        second.choices = [("", "Choose a pair")] + [
            (
                proposal.mentee_enrolment_id,
                f"{proposal.mentee_enrolment.user} with {proposal.mentor_enrolment.user}",
            )
            for proposal in choices.allowed
        ]
        second.error_messages.update(
            {
                "required": "Choose the pair whose mentor to swap with.",
                "invalid_choice": "The rules do not allow that swap, or that pair is no longer "
                "proposed: choose one of the pairs offered.",
            }
        )
        self.helper = _helper(None)
        self.helper.form_tag = False


class MentorRankingForm(forms.Form):
    """One "your choice" select per suggested mentor; the mentee numbers the ones they want."""

    def __init__(self, *args, suggestions, **kwargs):
        super().__init__(*args, **kwargs)
        self.suggestions = suggestions
        places = [("", "Not chosen")] + [
            (str(rank), f"{ORDINALS[rank]} choice") for rank in range(1, len(suggestions) + 1)
        ]
        for suggestion in suggestions:
            self.fields[self.field_name(suggestion)] = forms.ChoiceField(
                label=f"Your choice for {suggestion.mentor_enrolment.user}",
                choices=places,
                required=False,
            )
        self.helper = _helper(None)
        self.helper.form_tag = False

    @staticmethod
    def field_name(suggestion):
        return f"rank_{suggestion.mentor_enrolment.pk}"

    def bound_fields(self):
        """(suggestion, bound field) pairs, for the page to lay out with each mentor's card."""
        return [(suggestion, self[self.field_name(suggestion)]) for suggestion in self.suggestions]

    def clean(self):
        cleaned = super().clean()
        ranked = sorted(
            (int(value), suggestion.mentor_enrolment.pk)
            for suggestion in self.suggestions
            if (value := cleaned.get(self.field_name(suggestion)))
        )
        if not ranked:
            raise forms.ValidationError(
                "Choose at least one mentor: give your first choice “1st choice”."
            )
        ranks = [rank for rank, _ in ranked]
        if len(set(ranks)) != len(ranks):
            raise forms.ValidationError(
                "Give each mentor you choose a different place: one 1st choice, one 2nd choice "
                "and so on."
            )
        cleaned["mentor_enrolment_ids"] = [mentor_id for _, mentor_id in ranked]
        return cleaned


REASON_MAX_LENGTH = 1000


class HandPairingForm(forms.Form):
    """Confirm a pair chosen by hand: a reason for each rule overridden and for a place raised.

    Only the fields the pair needs are shown: an override reason when a rule refuses it, the
    capacity box and its reason when the mentor has no place left.
    """

    override_reason = forms.CharField(
        label="Why you are overriding the rule",
        help_text="Kept with the pair for the scheme's organisers, e.g. what the mentee agreed.",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=REASON_MAX_LENGTH,
        required=False,
    )
    raise_capacity = forms.BooleanField(
        label="Give this mentor one more place, for this pair only", required=False
    )
    capacity_reason = forms.CharField(
        label="Why this mentor should take one more mentee",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=REASON_MAX_LENGTH,
        required=False,
    )

    def __init__(self, *args, option, **kwargs):
        super().__init__(*args, **kwargs)
        self.option = option
        if not option.overridable:
            del self.fields["override_reason"]
        if not option.is_full:
            del self.fields["raise_capacity"]
            del self.fields["capacity_reason"]
        self.helper = _helper(None)
        self.helper.form_tag = False

    def clean(self):
        cleaned = super().clean()
        if "override_reason" in self.fields:
            self._need_reason("override_reason", "Say why you are overriding the rule")
        if "raise_capacity" in self.fields:
            if not cleaned.get("raise_capacity"):
                self.add_error(
                    "raise_capacity",
                    "This mentor has no place left: tick the box to give them one more, or "
                    "choose another mentor.",
                )
            self._need_reason("capacity_reason", "Say why this mentor should take one more")
        return cleaned

    def _need_reason(self, name, what):
        from .services import REASON_MIN_LENGTH

        value = (self.cleaned_data.get(name) or "").strip()
        if name in self.cleaned_data and len(value) < REASON_MIN_LENGTH:
            self.add_error(name, f"{what}, in at least {REASON_MIN_LENGTH} characters.")
        elif name in self.cleaned_data:
            self.cleaned_data[name] = value
