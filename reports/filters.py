"""The dashboards' filters: the URL's query string holds them, so a view can be bookmarked."""

import django_filters
from django import forms

from accounts.models import Grade
from schemes.models import TRAINEE_GRADES, Enrolment, Organisation

GRADE_CHOICES = [(value, label) for value, label in Grade.choices if value in TRAINEE_GRADES]


class DashboardFilter(django_filters.FilterSet):
    """Narrows a dashboard's mentee enrolments.

    `organisations`: the organisations the viewer may choose between (a DME's own; none on the
    scheme dashboard); `schemes`: the schemes in scope (none on the scheme dashboard). Specialty
    and site choices come from the enrolments in scope (one query each).
    """

    organisation = django_filters.ModelChoiceFilter(
        field_name="scheme__organisation",
        queryset=Organisation.objects.none(),
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
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    enrolled_to = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__lte",
        label="Enrolled up to",
        widget=forms.DateInput(attrs={"type": "date"}),
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

    class Meta:
        model = Enrolment
        fields = []

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
        fields["specialty"].choices = [("", "Any specialty")] + [
            (value, value)
            for value in sorted(
                set(
                    scope.exclude(user__specialty="")
                    .order_by()
                    .values_list("user__specialty", flat=True)
                    .distinct()
                ),
                key=str.casefold,
            )
        ]
        fields["site"].choices = [("", "Any site")] + [
            (value, value)
            for value in sorted(
                set(scope.exclude(site="").order_by().values_list("site", flat=True).distinct()),
                key=str.casefold,
            )
        ]
        for field in fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = css

    def filter_queryset(self, queryset):
        # The organisation is chosen by the URL (the view redirects on a change), not filtered.
        data = {
            name: value for name, value in self.form.cleaned_data.items() if name != "organisation"
        }
        for name, value in data.items():
            queryset = self.filters[name].filter(queryset, value)
        return queryset
