"""meetings' part when an enrolment ends (schemes.lifecycle): the person's current pairs end.

The table of what ends how is in schemes.lifecycle; this maps each cause to the reason a pair
records, which organisers see and which blames nobody.
"""

from django.db.models import Q

from matching.models import Pair
from schemes.lifecycle import CurrentPair, EndCause

from .services import pair_end_for_departure

END_REASON_FOR_CAUSE = {
    EndCause.LEFT: Pair.EndReason.MEMBER_LEFT,
    EndCause.REMOVED: Pair.EndReason.PLACE_ENDED,
    EndCause.ACCOUNT_CLOSED: Pair.EndReason.ACCOUNT_CLOSED,
    EndCause.ROTATED_OUT: Pair.EndReason.ROTATED_OUT,
}


def pairs_end_for_ended_enrolment(*, enrolment, cause):
    """End every current pair the enrolment is part of (as mentee or as mentor)."""
    pairs = (
        Pair.objects.current()
        .select_related("scheme", "mentee", "mentor")
        .filter(Q(mentee_enrolment=enrolment) | Q(mentor_enrolment=enrolment))
        .order_by("pk")
    )
    for pair in pairs:
        pair_end_for_departure(
            pair=pair, leaving=enrolment.user, reason=END_REASON_FOR_CAUSE[cause]
        )


def current_pairs_for_enrolments(*, enrolments):
    """schemes.lifecycle.current_pairs_of: who is paired with whom, for a rotation warning."""
    pairs = (
        Pair.objects.current()
        .select_related("mentee", "mentor")
        .filter(Q(mentee_enrolment__in=enrolments) | Q(mentor_enrolment__in=enrolments))
        .order_by("pk")
    )
    return [
        CurrentPair(scheme_id=pair.scheme_id, mentee=pair.mentee, mentor=pair.mentor)
        for pair in pairs
    ]
