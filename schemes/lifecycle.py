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
| rotated_out    | their placement at the trust ended and no new  | rotated_out                |
|                | one follows there (schemes.rotating_out)       |                            |

Whatever the cause, the handlers do the same: end the person's current pairs in that scheme
without blame (meetings.lifecycle), which frees the mentor's places and cancels planned
meetings and nudges; close requests to and from the person (matching.lifecycle); close their
unanswered surveys (surveys.lifecycle); and tell each partner still taking part, once.

Handlers must be safe to call twice for the same enrolment: they act only on what is still
current, so a second call changes nothing and sends nothing.

A rotation is announced before it ends anything: the daily sweep warns the person, their partners
and the organisers weeks ahead (schemes.rotating_out). To name partners, schemes asks the app that
owns pairs through `current_pairs_of`, which meetings registers with `on_current_pairs_lookup`.
An end-of-pair survey still reaches a member rotated out (surveys.schedule): they did not choose to
leave.
"""

from dataclasses import dataclass
from typing import Any

from django.db import models


class EndCause(models.TextChoices):
    LEFT = "left", "Left the scheme"
    REMOVED = "removed", "Place ended by an organiser"
    ACCOUNT_CLOSED = "account_closed", "Account closed"
    ROTATED_OUT = "rotated_out", "Rotated to another trust"


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


@dataclass(frozen=True)
class CurrentPair:
    """A current pair as schemes may see it: who is in it, in which scheme. No content."""

    scheme_id: int
    mentee: Any
    mentor: Any


_pair_lookups = []


def on_current_pairs_lookup(lookup):
    """Register `lookup(*, enrolments) -> list[CurrentPair]`; registering twice is harmless."""
    if lookup not in _pair_lookups:
        _pair_lookups.append(lookup)
    return lookup


def current_pairs_of(*, enrolments) -> list[CurrentPair]:
    """The current pairs any of `enrolments` is part of (as mentee or mentor)."""
    return [pair for lookup in _pair_lookups for pair in lookup(enrolments=enrolments)]
