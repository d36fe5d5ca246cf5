"""The organiser's list of pairs: filter by name, status and health (metadata only)."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from matching.models import Pair

from .health import MEETING_STATUSES, Health, on_track_since


class PairFilter(django_filters.FilterSet):
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
        for field in self.form.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = css

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
        """The same rule as `health.pair_health`, as a query (the queryset is annotated)."""
        meeting = queryset.filter(status__in=MEETING_STATUSES)
        since = on_track_since(self.scheme, self.today)
        if value == Health.NEEDS_CHECK_IN:
            return meeting.filter(needs_check_in=True)
        if value == Health.ON_TRACK:
            return meeting.filter(needs_check_in=False, last_meeting_on__gte=since)
        return meeting.filter(
            Q(last_meeting_on__isnull=True) | Q(last_meeting_on__lt=since), needs_check_in=False
        )
