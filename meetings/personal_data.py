"""meetings' models in the personal-data registry (see accounts/personal_data.py).

Export: a member gets their pairs' shared records (meetings, goals, agreement, plans) and their
own private notes, never the other member's.
Erasure: the person's private notes are deleted; the shared records of their pairs lose their
words (summaries, topics, goals, agreement text, places) but keep dates and counts, so reports
do not change. The other member loses the shared words too, since they are about both of them.
"""

from accounts.personal_data import register

from .models import (
    Goal,
    GoalProgress,
    Meeting,
    MentoringAgreement,
    PlannedMeeting,
    PrivateNote,
    SchemeMessage,
    topic_choices,
)

PAIR_MEMBER = ("pair__mentee", "pair__mentor")


def _erase_meeting_words(rows, user):
    rows.update(summary="", topics=[])
    rows.filter(logged_by=user).update(logged_by=None)


def _erase_agreement_words(rows, user):
    rows.update(working_on="(erased)", meeting_frequency="(erased)", confidentiality="")
    rows.filter(updated_by=user).update(updated_by=None)


def _erase_plan_places(rows, user):
    rows.update(place="")
    rows.filter(planned_by=user).update(planned_by=None)


register(
    PrivateNote,
    user_fields=("author",),
    fields=("meeting__held_on", "text", "created_at", "updated_at"),
    label="Your private notes on meetings",
)
register(
    Meeting,
    user_fields=PAIR_MEMBER,
    fields=(
        "pair__scheme__name",
        "held_on",
        "duration_minutes",
        "mode",
        "topics",
        "summary",
        "logged_at",
        "confirmed_by_other_at",
    ),
    erase=_erase_meeting_words,
    label="Meetings of your mentoring pairs",
    columns={
        "held_on": "Meeting date",
        "duration_minutes": "Minutes",
        "logged_at": "Logged",
        "confirmed_by_other_at": "Confirmed by your partner",
    },
    value_labels={"topics": topic_choices()},
)
register(
    GoalProgress,
    user_fields=("meeting__pair__mentee", "meeting__pair__mentor"),
    fields=("goal__title", "meeting__held_on", "status", "note"),
    label="Progress against your pairs' goals",
)
register(
    Goal,
    user_fields=PAIR_MEMBER,
    fields=("pair__scheme__name", "title", "details", "status", "created_at"),
    label="Your pairs' goals",
)
register(
    MentoringAgreement,
    user_fields=PAIR_MEMBER,
    fields=(
        "pair__scheme__name",
        "working_on",
        "meeting_frequency",
        "confidentiality",
        "mentee_confirmed_at",
        "mentor_confirmed_at",
    ),
    erase=_erase_agreement_words,
    label="Your mentoring agreements",
)
register(
    PlannedMeeting,
    user_fields=PAIR_MEMBER,
    fields=("starts_at", "duration_minutes", "mode", "place", "cancelled_at"),
    columns={"starts_at": "Starts", "duration_minutes": "Minutes", "cancelled_at": "Cancelled"},
    erase=_erase_plan_places,
    label="Meetings your pairs planned",
)


def _forget_the_sender(rows, user):
    # The message went to other people and the scheme keeps its list; only the name goes.
    rows.update(sent_by=None)


register(
    SchemeMessage,
    user_fields=("sent_by",),
    fields=("scheme__name", "audience", "subject", "body", "created_at", "sent_count"),
    columns={"created_at": "Sent", "sent_count": "Emailed"},
    erase=_forget_the_sender,
    label="Messages you sent to people in a scheme you organise",
)
