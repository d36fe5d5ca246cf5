import django_filters
from django.db.models import Q

from accounts.filters import LabelledFilterSet

from .models import TrainingKind, TrainingRecord


class TrainingRecordFilter(LabelledFilterSet):
    q = django_filters.CharFilter(method="search", label="Search mentor or title")
    status = django_filters.ChoiceFilter(
        choices=TrainingRecord.Status.choices, empty_label="Any status"
    )
    kind = django_filters.ChoiceFilter(choices=TrainingKind.choices, empty_label="Any kind")

    class Meta:
        model = TrainingRecord
        fields = ["q", "status", "kind"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(mentor__first_name__icontains=value)
            | Q(mentor__last_name__icontains=value)
            | Q(mentor__email__icontains=value)
            | Q(title__icontains=value)
            | Q(provider__icontains=value)
        )
