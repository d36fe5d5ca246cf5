"""The organiser's list of pairs: filter by name, status and health (metadata only)."""

import django_filters
from django.db.models import Q
from django.utils import timezone

from accounts.filters import LabelledFilterSet
from matching.models import Pair

from .health import Health, health_filter


class PairFilter(LabelledFilterSet):
    q = django_filters.CharFilter(method="search", label="Search name or email")
    status = django_filters.ChoiceFilter(choices=Pair.Status.choices, empty_label="Any status")
    health = django_filters.ChoiceFilter(
        method="by_health", choices=Health.CHOICES, empty_label="Any health", label="Health"
    )

    class Meta:
        model = Pair
        fields = ["q", "status", "health"]

    def __init__(self, *args, scheme, today=None, **kwargs):
        self.scheme = scheme
        self.today = today or timezone.localdate()
        super().__init__(*args, **kwargs)

    def search(self, queryset, name, value):
        people = Q()
        for role in ("mentee", "mentor"):
            people |= (
                Q(**{f"{role}__email__icontains": value})
                | Q(**{f"{role}__first_name__icontains": value})
                | Q(**{f"{role}__last_name__icontains": value})
            )
        return queryset.filter(people)

    def by_health(self, queryset, name, value):
        """`health.health_filter`: the same rule as each row's health (the queryset is annotated
        with `last_meeting_on`)."""
        return queryset.filter(health_filter(value, self.scheme, self.today))
