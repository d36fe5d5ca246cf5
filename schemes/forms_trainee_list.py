"""The trainee list's upload form and its list filter. The file's rules are in
schemes/trainee_list_rows.py."""

import django_filters
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.db.models import Q
from django.utils import timezone

from accounts.filters import LabelledFilterSet
from accounts.vocabulary import Vocabulary
from accounts.widgets import DateInput

from .models import TRAINEE_GRADES, Placement


class TraineeListUploadForm(forms.Form):
    file = forms.FileField(
        label="Trainee list (CSV or Excel)",
        help_text=(
            "The trust's list of doctors in training from TIS or ESR, one row per placement, the "
            "first row naming the columns. Up to 5 MB. Nothing is saved until you have checked "
            "the preview and confirmed."
        ),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".csv,text/csv,.xlsx,"
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
        error_messages={"required": "Choose the trust's trainee list to upload."},
    )
    as_of = forms.DateField(
        label="Date of the list",
        help_text=(
            "The day the list describes, usually the day you exported it. Trainees on the "
            "trust's previous list but not on this one are counted as leavers: their placements "
            "end the day before this date."
        ),
        widget=DateInput(),
        error_messages={
            "required": "Enter the date of the list.",
            "invalid": "Enter the date of the list as a date, e.g. 2026-08-01.",
        },
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"as_of": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Check the file"))


class PlacementFilter(LabelledFilterSet):
    """Narrows a trust's current placements; specialty and site offer the values in scope."""

    q = django_filters.CharFilter(method="search", label="Search name, email or GMC number")
    grade = django_filters.ChoiceFilter(
        choices=[(grade.value, grade.label) for grade in TRAINEE_GRADES],
        empty_label="Any grade",
    )
    specialty = django_filters.ChoiceFilter(
        lookup_expr="iexact", choices=[], empty_label="Any specialty"
    )
    site = django_filters.ChoiceFilter(lookup_expr="iexact", choices=[], empty_label="Any site")
    linked = django_filters.ChoiceFilter(
        method="linked_filter",
        choices=[("yes", "Has an account"), ("no", "No account yet")],
        empty_label="With or without an account",
        label="Account",
    )

    class Meta:
        model = Placement
        fields = ["q", "grade", "specialty", "site", "linked"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = self.form.fields
        fields["specialty"].choices = self._options("specialty")
        fields["site"].choices = self._options("site")

    def _options(self, field):
        scope = self.queryset if self.queryset is not None else Placement.objects.none()
        values = scope.exclude(**{field: ""}).order_by().values_list(field, flat=True).distinct()
        return [(value, value) for value in Vocabulary(values).spellings()]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(first_name__icontains=value)
            | Q(last_name__icontains=value)
            | Q(email__icontains=value)
            | Q(gmc_number__startswith=value.strip())
        )

    def linked_filter(self, queryset, name, value):
        return queryset.filter(user__isnull=value != "yes")
