import django_filters
from django.db.models import Q

from accounts.filters import LabelledFilterSet

from .models import Proposal


class ProposalFilter(LabelledFilterSet):
    OUTCOMES = [
        ("matched", "Matched"),
        ("pinned", "Pinned"),
        ("unmatched", "Unmatched"),
        ("removed", "Left out"),
    ]

    name = django_filters.CharFilter(label="Name", method="filter_name")
    outcome = django_filters.ChoiceFilter(
        label="Outcome", choices=OUTCOMES, method="filter_outcome", empty_label="All"
    )

    class Meta:
        model = Proposal
        fields = []

    def filter_name(self, queryset, name, value):
        words = value.split()
        for word in words:
            queryset = queryset.filter(
                Q(mentee_enrolment__user__first_name__icontains=word)
                | Q(mentee_enrolment__user__last_name__icontains=word)
                | Q(mentor_enrolment__user__first_name__icontains=word)
                | Q(mentor_enrolment__user__last_name__icontains=word)
            )
        return queryset

    def filter_outcome(self, queryset, name, value):
        from .services import REMOVED_REASON

        if value == "matched":
            return queryset.exclude(mentor_enrolment=None)
        if value == "pinned":
            return queryset.filter(is_pinned=True)
        if value == "removed":
            return queryset.filter(unmatched_reason=REMOVED_REASON)
        return queryset.filter(mentor_enrolment=None).exclude(unmatched_reason=REMOVED_REASON)
