"""Forms of the cohort import. The file's rules are checked in schemes/cohort_rows.py."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms


class CohortUploadForm(forms.Form):
    file = forms.FileField(
        label="Cohort file (CSV)",
        help_text=(
            "One row per trainee, the first row naming the columns. Up to 5 MB. "
            "Nothing is enrolled until you have checked the preview and confirmed."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
        error_messages={"required": "Choose your cohort's CSV file to upload."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Check the file"))
