"""Who may open a pair's pages: the one place views ask (STYLE.md §3).

- The two members see everything of their pair (a private note: its author only).
- An organiser of the pair's scheme sees the pair's metadata page only; asking for a content page
  is refused with 403, because they know the pair exists but its content is not theirs.
- Everyone else, supervisors, DMEs and regional leads included, gets 404: they do not learn which
  pairs exist. DMEs and regional leads see counts in reports (`selectors.pair_counts`).
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from matching.models import Pair
from schemes.access import is_organiser

from .models import Meeting, PlannedMeeting


def _pair(pk):
    return get_object_or_404(
        Pair.objects.select_related("scheme__organisation", "mentee", "mentor"), pk=pk
    )


def pair_for_member(user, pk):
    """A pair whose content `user` may read and change: they must be one of the two."""
    pair = _pair(pk)
    if pair.has_member(user):
        return pair
    if is_organiser(user, pair.scheme):
        raise PermissionDenied(
            "Meeting content is for the pair only. Organisers see the pair's overview."
        )
    raise Http404("No such pair.")


def pair_for_overview(user, pk):
    """The metadata page: the pair's members (to see what organisers see) and its organisers."""
    pair = _pair(pk)
    if pair.has_member(user) or is_organiser(user, pair.scheme):
        return pair
    raise Http404("No such pair.")


def meeting_for_member(user, pair_pk, pk):
    pair = pair_for_member(user, pair_pk)
    meeting = get_object_or_404(Meeting.objects.select_related("logged_by"), pk=pk, pair=pair)
    meeting.pair = pair
    return meeting


def planned_meeting_for_member(user, pair_pk, pk):
    pair = pair_for_member(user, pair_pk)
    planned = get_object_or_404(PlannedMeeting, pk=pk, pair=pair)
    planned.pair = pair
    return planned
