import django_filters
from django import forms
from django.db.models import Q

from .models import TrainingKind, TrainingRecord


class TrainingRecordFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search mentor or title")
    status = django_filters.ChoiceFilter(
        choices=TrainingRecord.Status.choices, empty_label="Any status"
    )
    kind = django_filters.ChoiceFilter(choices=TrainingKind.choices, empty_label="Any kind")

    class Meta:
        model = TrainingRecord
        fields = ["q", "status", "kind"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = css

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(mentor__first_name__icontains=value)
            | Q(mentor__last_name__icontains=value)
            | Q(mentor__email__icontains=value)
            | Q(title__icontains=value)
            | Q(provider__icontains=value)
        )
