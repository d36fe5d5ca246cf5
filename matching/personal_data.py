"""matching's models in the personal-data registry (see accounts/personal_data.py).

Export: a member gets their pairs (with the other member's name, which they already know) and,
as a mentee, the mentors they excluded or chose and how they ranked them. A mentor never gets a
mentee's ranking or exclusions: those stay the mentee's.
Erasure: pairs stay, so reports keep their counts, but lose their words (the end note and the
explanation); a mentee's exclusions and choices are deleted; round proposals lose their
explanations.
"""

from accounts.personal_data import exclude, register

from .models import Exclusion, HandPairing, MatchRound, MentorChoice, Pair, Proposal


def _erase_pair_words(rows, user):
    rows.update(end_note="", explanation=[])
    rows.filter(ended_by=user).update(ended_by=None)


def _erase_proposal_words(rows, user):
    rows.update(explanation=[], excluded_by={})


register(
    Pair,
    user_fields=("mentee", "mentor"),
    fields=(
        "scheme__name",
        "mentee__first_name",
        "mentee__last_name",
        "mentor__first_name",
        "mentor__last_name",
        "status",
        "created_at",
        "ended_at",
        "end_reason",
        "end_note",
        "explanation",
    ),
    erase=_erase_pair_words,
    label="Your mentoring pairs",
    columns={
        "created_at": "Matched",
        "ended_at": "Ended",
        "end_reason": "Why it ended",
        "end_note": "Note on ending",
        "explanation": "Why you were matched",
    },
)
register(
    Exclusion,
    user_fields=("mentee_enrolment__user",),
    fields=(
        "mentee_enrolment__scheme__name",
        "excluded_user__first_name",
        "excluded_user__last_name",
        "reason",
        "created_at",
    ),
    columns={
        "excluded_user__first_name": "First name of the person excluded",
        "excluded_user__last_name": "Last name of the person excluded",
        "created_at": "Added",
    },
    label="People never to be suggested as your mentor",
)
register(
    MentorChoice,
    user_fields=("mentee_enrolment__user",),
    fields=(
        "mentee_enrolment__scheme__name",
        "mentor_enrolment__user__first_name",
        "mentor_enrolment__user__last_name",
        "rank",
        "status",
        "offered_at",
        "responded_at",
    ),
    columns={
        "mentor_enrolment__user__first_name": "Mentor first name",
        "mentor_enrolment__user__last_name": "Mentor last name",
        "rank": "Your order",
        "offered_at": "Asked",
        "responded_at": "Answered",
    },
    label="Mentors you chose, in your order",
)
# Organisers' working drafts, replaced by pairs on approval: erased, never exported.
register(
    Proposal,
    user_fields=("mentee_enrolment__user", "mentor_enrolment__user"),
    fields=(),
    erase=_erase_proposal_words,
)
exclude(
    MatchRound,
    reason="Only records which organiser started or approved a round (staff metadata); the "
    "round's proposals are registered separately.",
)
exclude(
    HandPairing,
    reason="An organiser's record of pairing two people by hand and why a rule was overridden "
    "(staff metadata, like the audit log); the pair itself is registered above.",
)
