import django_filters
from django.db.models import Q

from accounts.filters import LabelledFilterSet
from accounts.models import Grade

from .models import Enrolment


class EnrolmentFilter(LabelledFilterSet):
    q = django_filters.CharFilter(method="search", label="Search name or email")
    role = django_filters.ChoiceFilter(choices=Enrolment.Role.choices, empty_label="Any role")
    status = django_filters.ChoiceFilter(choices=Enrolment.Status.choices, empty_label="Any status")
    source = django_filters.ChoiceFilter(choices=Enrolment.Source.choices, empty_label="Any source")
    grade = django_filters.ChoiceFilter(
        field_name="user__grade", choices=Grade.choices, empty_label="Any grade", label="Grade"
    )
    specialty = django_filters.CharFilter(
        field_name="user__specialty", lookup_expr="icontains", label="Specialty"
    )
    site = django_filters.CharFilter(lookup_expr="icontains", label="Site")

    class Meta:
        model = Enrolment
        fields = ["q", "role", "status", "source", "grade", "specialty", "site"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(user__email__icontains=value)
            | Q(user__first_name__icontains=value)
            | Q(user__last_name__icontains=value)
        )
