"""The dashboards' filters: the URL's query string holds them, so a view can be bookmarked."""

import django_filters

from accounts.filters import LabelledFilterSet
from accounts.selectors import grade_labels
from accounts.vocabulary import Vocabulary
from accounts.widgets import DateInput
from schemes.selectors import trainee_grades

GRADE_CHOICES = [
    (value, label) for value, label in grade_labels().items() if value in trainee_grades()
]


class DashboardFilter(LabelledFilterSet):
    """Narrows a dashboard's mentee enrolments.

    `organisations`: the organisations the viewer may choose between (a DME's own; none on the
    scheme dashboard); `schemes`: the schemes in scope (none on the scheme dashboard). Specialty
    and site choices come from the enrolments in scope (one query each).
    """

    organisation = django_filters.ModelChoiceFilter(
        field_name="scheme__organisation",
        queryset=None,  # the organisations the viewer may choose between, given in __init__
        empty_label=None,
        label="Organisation",
    )
    scheme = django_filters.ModelChoiceFilter(
        queryset=None, empty_label="All schemes", label="Scheme"
    )
    enrolled_from = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__gte",
        label="Enrolled from",
        widget=DateInput(),
    )
    enrolled_to = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__lte",
        label="Enrolled up to",
        widget=DateInput(),
    )
    grade = django_filters.ChoiceFilter(
        field_name="user__grade", choices=GRADE_CHOICES, empty_label="Any grade", label="Grade"
    )
    specialty = django_filters.ChoiceFilter(
        field_name="user__specialty",
        lookup_expr="iexact",
        choices=[],
        empty_label="Any specialty",
        label="Specialty",
    )
    site = django_filters.ChoiceFilter(
        field_name="site", lookup_expr="iexact", choices=[], empty_label="Any site", label="Site"
    )

    def __init__(self, data=None, *args, schemes, organisations=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        fields = self.form.fields
        if organisations is None:
            del fields["organisation"]
        else:
            fields["organisation"].queryset = organisations
        if schemes is None:
            del fields["scheme"]
        else:
            fields["scheme"].queryset = schemes
        scope = self.queryset
        # One option per value whatever its case or spacing ("Psychiatry", "psychiatry"): the
        # filters match case-insensitively. The empty choice is the filter's empty_label.
        fields["specialty"].choices = self._options(scope, "user__specialty")
        fields["site"].choices = self._options(scope, "site")

    @staticmethod
    def _options(scope, field):
        values = scope.exclude(**{field: ""}).order_by().values_list(field, flat=True).distinct()
        return [(value, value) for value in Vocabulary(values).spellings()]

    def filter_queryset(self, queryset):
        # The organisation is chosen by the URL (the view redirects on a change), not filtered.
        data = {
            name: value for name, value in self.form.cleaned_data.items() if name != "organisation"
        }
        for name, value in data.items():
            queryset = self.filters[name].filter(queryset, value)
        return queryset
