"""What ends with an enrolment (DESIGN.md, "Life cycle").

An enrolment ends in one of the ways `EndCause` lists. Whatever depends on it lives in apps above
schemes (pairs, mentor requests, reminders, survey follow-ups), which schemes may not import, so
each of those apps registers a handler here from its AppConfig.ready(). `enrolment_ended` calls
them inside the transaction that withdraws the enrolment: either all of it happens or none does.

| cause          | how it happens                                 | a pair records (meetings)  |
| -------------- | ---------------------------------------------- | -------------------------- |
| left           | the person leaves, or uses their opt-out link  | member_left                |
| removed        | an organiser removes the enrolment             | place_ended                |
| account_closed | the person erases their account (all schemes)  | account_closed             |

Whatever the cause, the handlers do the same: end the person's current pairs in that scheme
without blame (meetings.lifecycle), which frees the mentor's places and cancels planned
meetings and nudges; close requests to and from the person (matching.lifecycle); close their
unanswered surveys (surveys.lifecycle); and tell each partner still taking part, once.

Handlers must be safe to call twice for the same enrolment: they act only on what is still
current, so a second call changes nothing and sends nothing.
"""

from django.db import models


class EndCause(models.TextChoices):
    LEFT = "left", "Left the scheme"
    REMOVED = "removed", "Place ended by an organiser"
    ACCOUNT_CLOSED = "account_closed", "Account closed"


_handlers = []


def on_enrolment_end(handler):
    """Register `handler(*, enrolment, cause)`; registering twice is harmless."""
    if handler not in _handlers:
        _handlers.append(handler)
    return handler


def enrolment_ended(*, enrolment, cause):
    """Run every handler for an enrolment that has just been withdrawn."""
    for handler in _handlers:
        handler(enrolment=enrolment, cause=EndCause(cause))
