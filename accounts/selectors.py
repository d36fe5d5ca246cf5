"""Reads of accounts that higher apps share: counts and ids, never a profile's free text."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count
from django.db.models.functions import Lower

from .models import Grade, User

EMAIL_CHUNK = 2000


# --- Reads for reports ---


def grade_labels() -> dict[str, str]:
    """{grade value: its label}, in the order the grades are listed."""
    return dict(Grade.choices)


def active_user_groups(
    organisation_ids: Iterable[int],
    *,
    grades: Iterable[str],
    grade: str = "",
    specialty: str = "",
    site: str = "",
) -> dict[tuple[int, str, str], int]:
    """Active users of the organisations with one of `grades`, counted by (organisation id,
    grade, lower-case specialty), in one grouped query; `grade`, `specialty` and `site` narrow
    them (the last two whatever their case)."""
    users = User.objects.filter(
        organisation_id__in=organisation_ids, grade__in=grades, is_active=True
    )
    if grade:
        users = users.filter(grade=grade)
    if specialty:
        users = users.filter(specialty__iexact=specialty)
    if site:
        users = users.filter(site__iexact=site)
    return {
        (row["organisation_id"], row["grade"], row["specialty_lower"]): row["count"]
        for row in users.values(
            "organisation_id", "grade", specialty_lower=Lower("specialty")
        ).annotate(count=Count("id"))
    }


def user_ids_by_email(emails: Iterable[str]) -> dict[str, int]:
    """{lower-case email: user id} for the accounts among `emails` (whatever their case)."""
    found: dict[str, int] = {}
    unique = sorted(set(emails))
    for start in range(0, len(unique), EMAIL_CHUNK):
        chunk = unique[start : start + EMAIL_CHUNK]
        found.update(
            User.objects.annotate(email_lower=Lower("email"))
            .filter(email_lower__in=chunk)
            .values_list("email_lower", "pk")
        )
    return found
