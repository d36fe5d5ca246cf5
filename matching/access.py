"""Who may do what in matching: the one place views ask (STYLE.md §3).

Rounds are the scheme's organisers' business (`schemes.access.scheme_for(..., need="organise")`:
outsiders 404, lesser roles 403). A trainee reaches only their own enrolments and the requests
made to them; anyone else's is a 404.
"""

from django.shortcuts import get_object_or_404

from schemes.access import scheme_for
from schemes.models import Enrolment

from .models import MatchRound, MentorChoice


def round_for(user, slug, pk):
    scheme = scheme_for(user, slug, need="organise")
    return scheme, get_object_or_404(MatchRound, pk=pk, scheme=scheme)


def own_enrolment(user, pk, role):
    return get_object_or_404(
        Enrolment.objects.select_related("scheme__organisation", "user"),
        pk=pk,
        user=user,
        role=role,
    )


def request_to_mentor(user, pk):
    return get_object_or_404(
        MentorChoice.objects.select_related("mentee_enrolment__user", "mentor_enrolment__scheme"),
        pk=pk,
        mentor_enrolment__user=user,
    )


def mentee_for_organiser(user, slug, mentee_id):
    """(scheme, mentee enrolment) for the scheme's organisers; another scheme's mentee is a 404."""
    scheme = scheme_for(user, slug, need="organise")
    mentee = get_object_or_404(
        Enrolment.objects.mentees().select_related("user"), pk=mentee_id, scheme=scheme
    )
    return scheme, mentee
