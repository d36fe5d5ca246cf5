"""Forms of the reports app. The outcomes file's rules are checked in reports/outcomes.py."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms


class OutcomeUploadForm(forms.Form):
    file = forms.FileField(
        label="Outcomes file (CSV)",
        help_text=(
            "One row per trainee and training year, the first row naming the columns. Up to "
            "5 MB. Nothing is saved until you have checked the preview and confirmed."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
        error_messages={"required": "Choose your outcomes CSV file to upload."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.attrs = {"novalidate": ""}
        self.helper.add_input(Submit("submit", "Check the file"))
