"""Use cases that write inside a pair: its life cycle, agreement, goals, meetings and plans.

Views, tasks and the admin all call these. Each checks that the person acting is one of the pair
(views check access first; this is the rule itself), writes inside one transaction, and sends any
email through `accounts.services.notification_queue` after commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.services import notification_queue
from accounts.widgets import as_sent_back
from matching.models import Pair
from matching.services import mentee_rematch_request
from schemes.models import Enrolment

from .models import (
    Goal,
    GoalProgress,
    Meeting,
    MeetingMode,
    MentoringAgreement,
    Nudge,
    PlannedMeeting,
    PrivateNote,
)

if TYPE_CHECKING:
    from accounts.models import User
    from schemes.models import Scheme

    from .models import SchemeMessage

# --- Checks shared by the use cases ----------------------------------------------------------


def _require_member(pair, user):
    if not pair.has_member(user):
        raise ValidationError("Only the two members of a pair can do this.")


def _require_meeting(pair):
    if pair.status == Pair.Status.PAUSED:
        raise ValidationError("Your pair is paused. Resume it first, then carry on.")
    if not pair.is_current:
        raise ValidationError("This pair has ended, so nothing more can be added to it.")


def _pair_refresh(pair) -> None:
    pair.refresh_from_db(fields=["status", "status_changed_at", "ended_at", "end_reason"])


# --- Pair life cycle -------------------------------------------------------------------------


def _nudges_answer(pair, *, now, later_than=None) -> None:
    """Mark open nudges answered: the silence they were about is over."""
    nudges = Nudge.objects.filter(pair=pair, answered_at=None)
    if later_than is not None:
        nudges = nudges.filter(anchor_on__lt=later_than)
    nudges.update(answered_at=now)


def _pair_change_status(pair, *, allowed_from, to, now, **fields):
    """Move the pair with a conditional update, so two clicks (or two members) move it once."""
    updated = Pair.objects.filter(pk=pair.pk, status__in=allowed_from).update(
        status=to, status_changed_at=now, **fields
    )
    _pair_refresh(pair)
    return updated == 1


def _pair_activate(pair, *, now) -> None:
    """An introduced pair becomes active once both confirm the agreement or a meeting is logged."""
    if _pair_change_status(
        pair, allowed_from=[Pair.Status.INTRODUCED], to=Pair.Status.ACTIVE, now=now
    ):
        _nudges_answer(pair, now=now)


def _partner_tell(pair, *, by) -> None:
    """Tell the other member that the pair was paused, resumed or ended (an essential email)."""
    stamp = pair.status_changed_at.strftime("%Y%m%d%H%M%S%f")
    notification_queue(
        key=f"pair_status_changed:pair:{pair.pk}:{pair.status}:{stamp}",
        kind="pair_status_changed",
        recipient=pair.other_member(by),
        context={"pair_id": pair.pk, "status": pair.status, "by_id": by.pk},
    )


def _planned_meetings_cancel_upcoming(pair, *, by, now):
    upcoming = PlannedMeeting.objects.upcoming(now).filter(pair=pair, logged_meeting=None)
    for planned in upcoming:
        planned_meeting_cancel(planned=planned, user=by, check_member=False)


def pair_pause(*, pair: Pair, user: User) -> Pair:
    """Either member pauses the pair: no nudges, and upcoming planned meetings are cancelled."""
    _require_member(pair, user)
    now = timezone.now()
    with transaction.atomic():
        paused = _pair_change_status(
            pair, allowed_from=Pair.MEETING_STATUSES, to=Pair.Status.PAUSED, now=now
        )
        if not paused:
            raise ValidationError("Only a pair that is meeting can be paused.")
        _nudges_answer(pair, now=now)
        _planned_meetings_cancel_upcoming(pair, by=user, now=now)
        _partner_tell(pair, by=user)
    return pair


def pair_resume(*, pair: Pair, user: User) -> Pair:
    """Either member resumes a paused pair; the interval for nudges starts again from today."""
    _require_member(pair, user)
    now = timezone.now()
    has_started = (
        pair.meetings.exists()
        or MentoringAgreement.objects.filter(
            pair=pair, mentee_confirmed_at__isnull=False, mentor_confirmed_at__isnull=False
        ).exists()
    )
    to = Pair.Status.ACTIVE if has_started else Pair.Status.INTRODUCED
    with transaction.atomic():
        if not _pair_change_status(pair, allowed_from=[Pair.Status.PAUSED], to=to, now=now):
            raise ValidationError("Only a paused pair can be resumed.")
        _partner_tell(pair, by=user)
    return pair


def pair_end(
    *,
    pair: Pair,
    user: User,
    reason: str = "",
    note: str = "",
    share_reason: bool = False,
    wants_new_mentor: bool | None = None,
) -> Pair:
    """Either member ends the pair, without blame and without having to say why.

    1. Record the optional reason (one of Pair.MEMBER_END_REASONS) and note. The organisers may
       read them; the partner only if `share_reason` (the member's choice). "Not a good fit"
       also means these two are never matched again.
    2. Cancel upcoming planned meetings and stop nudges.
    3. If the mentee ends it, their answer to "a new mentor?" is acted on (`mentee_next_step`).
    4. Tell the other member.
    """
    _require_member(pair, user)
    if reason and reason not in Pair.MEMBER_END_REASONS:
        raise ValidationError("Choose one of the reasons listed, or none.")
    now = timezone.now()
    with transaction.atomic():
        ended = _pair_change_status(
            pair,
            allowed_from=[*Pair.MEETING_STATUSES, Pair.Status.PAUSED],
            to=Pair.Status.ENDED,
            now=now,
            ended_at=now,
            end_reason=reason,
            end_note=note.strip(),
            end_reason_shared=bool(share_reason) and bool(reason or note.strip()),
            ended_by=user,
            ended_badly=reason == Pair.EndReason.NOT_A_GOOD_FIT,
        )
        if not ended:
            raise ValidationError("This pair has already ended.")
        _nudges_answer(pair, now=now)
        _planned_meetings_cancel_upcoming(pair, by=user, now=now)
        still_enrolled = pair.mentee_enrolment.is_current
        if user.pk == pair.mentee_id and wants_new_mentor is not None and still_enrolled:
            mentee_next_step(pair=pair, user=user, wants_new_mentor=wants_new_mentor)
        _partner_tell(pair, by=user)
    return pair


def pair_end_for_departure(*, pair: Pair, leaving: User, reason: str) -> bool:
    """A member left the scheme or closed their account (meetings.lifecycle): the pair ends.

    1. End it with a conditional update, so a second call does nothing. `reason` names the
       cause (left, place ended, account closed): nobody is blamed and no words are kept.
    2. Stop nudges and cancel upcoming planned meetings (the partner's calendar is updated).
    3. A mentee left behind who is still taking part goes first in line for a new mentor.
    4. Tell the partner who is still taking part, once: the key names the pair and the partner.
    Returns True if this call ended the pair.
    """
    now = timezone.now()
    with transaction.atomic():
        ended = _pair_change_status(
            pair,
            allowed_from=[*Pair.MEETING_STATUSES, Pair.Status.PAUSED],
            to=Pair.Status.ENDED,
            now=now,
            ended_at=now,
            end_reason=reason,
            end_note="",
            end_reason_shared=False,
            ended_by=leaving,  # who left, not who is to blame; erasure clears it
            ended_badly=False,
        )
        if not ended:
            return False
        _nudges_answer(pair, now=now)
        _planned_meetings_cancel_upcoming(pair, by=leaving, now=now)
        partner = pair.other_member(leaving)
        partner_is_mentee = partner.pk == pair.mentee_id
        partner_enrolment = Enrolment.objects.get(
            pk=pair.mentee_enrolment_id if partner_is_mentee else pair.mentor_enrolment_id
        )
        if not partner_enrolment.is_current or not partner.is_active:
            return True
        first_in_line = partner_is_mentee and partner_enrolment.status == Enrolment.Status.ACTIVE
        if first_in_line:
            mentee_rematch_request(enrolment=partner_enrolment)
        notification_queue(
            key=f"pair_member_left:pair:{pair.pk}:user:{partner.pk}",
            kind="pair_member_left",
            recipient=partner,
            context={"pair_id": pair.pk, "first_in_line": first_in_line},
        )
    return True


def mentee_next_step(*, pair: Pair, user: User, wants_new_mentor: bool) -> Enrolment:
    """After a pair ends, the mentee says whether they want a new mentor now.

    Yes: the enrolment is active again if it was paused, and matching puts it first in line
    (`matching.services.mentee_rematch_request`: rematch_priority, waiting since now).
    No: the enrolment is paused, so no round matches them until they ask.
    """
    if user.pk != pair.mentee_id:
        raise ValidationError("Only the mentee can ask for a new mentor.")
    if pair.status != Pair.Status.ENDED:
        raise ValidationError("You can ask for a new mentor once this pair has ended.")
    with transaction.atomic():
        enrolment = Enrolment.objects.select_for_update().get(pk=pair.mentee_enrolment_id)
        if not enrolment.is_current:
            raise ValidationError(
                "You have left this scheme. Join it again from the Schemes page to find a mentor."
            )
        if enrolment.pairs_as_mentee.current().exists():
            raise ValidationError("You already have a mentor in this scheme.")
        now = timezone.now()
        if wants_new_mentor:
            if enrolment.status == Enrolment.Status.PAUSED:
                Enrolment.objects.filter(pk=enrolment.pk).update(
                    status=Enrolment.Status.ACTIVE, status_changed_at=now
                )
            enrolment.refresh_from_db()
            mentee_rematch_request(enrolment=enrolment)
        elif enrolment.status == Enrolment.Status.ACTIVE:
            Enrolment.objects.filter(pk=enrolment.pk).update(
                status=Enrolment.Status.PAUSED, status_changed_at=now, rematch_priority=False
            )
    enrolment.refresh_from_db()
    return enrolment


# --- Agreement and goals ---------------------------------------------------------------------


def agreement_save(
    *, pair: Pair, user: User, working_on: str, meeting_frequency: str, confidentiality: str
) -> MentoringAgreement:
    """Write or change the agreement. Saving it is the writer's confirmation; a change asks the
    other member to confirm the new words."""
    _require_member(pair, user)
    _require_meeting(pair)
    now = timezone.now()
    values = {
        "working_on": working_on.strip(),
        "meeting_frequency": meeting_frequency.strip(),
        "confidentiality": confidentiality.strip(),
    }
    if not values["working_on"] or not values["meeting_frequency"]:
        raise ValidationError("Say what you will work on and how often you will meet.")
    with transaction.atomic():
        agreement = MentoringAgreement.objects.select_for_update().filter(pair=pair).first()
        if agreement is None:
            agreement = MentoringAgreement(pair=pair)
            changed = True
        else:
            changed = any(getattr(agreement, name) != value for name, value in values.items())
        for name, value in values.items():
            setattr(agreement, name, value)
        if changed:
            agreement.mentee_confirmed_at = None
            agreement.mentor_confirmed_at = None
            agreement.updated_at = now
            agreement.updated_by = user
        agreement.pair = pair
        if not agreement.is_confirmed_by(user):
            setattr(agreement, agreement.confirmation_field(user), now)
        agreement.save()
        if agreement.is_confirmed:
            _pair_activate(pair, now=now)
    return agreement


def agreement_confirm(*, pair: Pair, user: User) -> MentoringAgreement:
    """One click: the member agrees to the agreement as it stands. Confirming twice is harmless."""
    _require_member(pair, user)
    _require_meeting(pair)
    now = timezone.now()
    with transaction.atomic():
        agreement = MentoringAgreement.objects.select_for_update().filter(pair=pair).first()
        if agreement is None:
            raise ValidationError("There is no agreement to confirm yet: write one first.")
        agreement.pair = pair
        field = agreement.confirmation_field(user)
        if getattr(agreement, field) is None:
            setattr(agreement, field, now)
            agreement.save(update_fields=[field])
        if agreement.is_confirmed:
            _pair_activate(pair, now=now)
    return agreement


def goal_create(*, pair: Pair, user: User, title: str, details: str = "") -> Goal:
    _require_member(pair, user)
    _require_meeting(pair)
    if not title.strip():
        raise ValidationError("Give the goal a short name, such as “Pass MRCPsych Paper A”.")
    return Goal.objects.create(
        pair=pair, title=title.strip(), details=details.strip(), created_by=user
    )


def goal_update(*, goal: Goal, user: User, title: str, details: str, status: str) -> Goal:
    _require_member(goal.pair, user)
    if goal.pair.status == Pair.Status.ENDED:
        raise ValidationError("This pair has ended, so its goals can no longer change.")
    if status not in Goal.Status.values:
        raise ValidationError("Choose open, progressing, achieved or dropped.")
    values = (title.strip(), details.strip(), status)
    if values == (goal.title, goal.details, goal.status):
        return goal  # saved unchanged: it was not updated
    goal.title, goal.details, goal.status = values
    goal.updated_at = timezone.now()
    goal.save(update_fields=["title", "details", "status", "updated_at"])
    return goal


# --- Meetings --------------------------------------------------------------------------------


def meeting_log(
    *,
    pair: Pair,
    user: User,
    held_on: date,
    duration_minutes: int,
    mode: str,
    topics: Iterable[str] = (),
    summary: str = "",
    private_note: str = "",
    progress: dict[int, dict[str, str]] | None = None,
    planned_meeting: PlannedMeeting | None = None,
) -> Meeting:
    """Either member logs a meeting; the other confirms it with one click.

    1. Check: a member of a pair that is meeting, a date that has come and is not before the pair
       began, a planned meeting (if given) of this pair not logged already.
    2. Save the meeting, the logger's private note and progress against goals (`progress` maps a
       goal id to {"status", "note"}); each goal takes its new status.
    3. An introduced pair becomes active; nudges about the silence before this meeting are answered.
    4. After commit, ask the other member to confirm.
    """
    _require_member(pair, user)
    _require_meeting(pair)
    today = timezone.localdate()
    began_on = timezone.localdate(pair.created_at)
    if held_on > today:
        raise ValidationError("Log a meeting once it has happened: choose today or a past date.")
    if held_on < began_on:
        raise ValidationError(
            f"Your pair began on {began_on.day} {began_on:%B %Y}: choose a date since then."
        )
    if mode not in MeetingMode.values:
        raise ValidationError("Choose in person, video call or phone.")
    if planned_meeting is not None and (
        planned_meeting.pair_id != pair.pk or planned_meeting.is_cancelled
    ):
        raise ValidationError("That planned meeting is not one of this pair's.")
    progress = progress or {}
    goals = {goal.pk: goal for goal in Goal.objects.filter(pair=pair, pk__in=list(progress))}
    now = timezone.now()
    with transaction.atomic():
        if (
            planned_meeting is not None
            and Meeting.objects.filter(planned_meeting=planned_meeting).exists()
        ):
            raise ValidationError("That planned meeting has been logged already.")
        meeting = Meeting.objects.create(
            pair=pair,
            held_on=held_on,
            duration_minutes=duration_minutes,
            mode=mode,
            topics=list(topics),
            summary=summary.strip(),
            logged_by=user,
            logged_at=now,
            planned_meeting=planned_meeting,
        )
        if private_note.strip():
            PrivateNote.objects.create(meeting=meeting, author=user, text=private_note.strip())
        for goal_id, change in progress.items():
            goal = goals.get(goal_id)
            if goal is None:
                continue
            status = change.get("status") or goal.status
            note = (change.get("note") or "").strip()
            if status == goal.status and not note:
                continue
            GoalProgress.objects.create(meeting=meeting, goal=goal, status=status, note=note)
            if status != goal.status:
                Goal.objects.filter(pk=goal.pk).update(status=status, updated_at=now)
        _pair_activate(pair, now=now)
        _nudges_answer(pair, now=now, later_than=held_on)
        notification_queue(
            key=f"meeting_logged:meeting:{meeting.pk}",
            kind="meeting_logged",
            recipient=pair.other_member(user),
            context={"meeting_id": meeting.pk},
        )
    return meeting


def meeting_confirm(*, meeting: Meeting, user: User) -> bool:
    """The member who did not log the meeting confirms it. Returns True if this click did."""
    pair = meeting.pair
    _require_member(pair, user)
    if meeting.logged_by_id == user.pk:
        raise ValidationError("Your mentoring partner confirms the meetings you log.")
    confirmed = Meeting.objects.filter(pk=meeting.pk, confirmed_by_other_at=None).update(
        confirmed_by_other_at=timezone.now()
    )
    meeting.refresh_from_db(fields=["confirmed_by_other_at"])
    return confirmed == 1


def private_note_save(*, meeting: Meeting, author: User, text: str) -> PrivateNote | None:
    """Write, change or (with empty text) delete the author's own note on a meeting."""
    _require_member(meeting.pair, author)
    text = text.strip()
    if not text:
        PrivateNote.objects.filter(meeting=meeting, author=author).delete()
        return None
    unchanged = PrivateNote.objects.filter(meeting=meeting, author=author, text=text).first()
    if unchanged:
        return unchanged
    note, _ = PrivateNote.objects.update_or_create(
        meeting=meeting,
        author=author,
        defaults={"text": text, "updated_at": timezone.now()},
    )
    return note


# --- Planned meetings and their calendar invitations -----------------------------------------


def _invitations_queue(planned) -> None:
    """Send both members the invitation at this sequence: a new key per sequence, so an update
    is sent once and never twice."""
    pair = planned.pair
    for member in (pair.mentee, pair.mentor):
        notification_queue(
            key=f"meeting_invitation:planned:{planned.pk}:seq:{planned.sequence}:user:{member.pk}",
            kind="meeting_invitation",
            recipient=member,
            context={"planned_meeting_id": planned.pk, "sequence": planned.sequence},
        )


def _check_plan(pair, *, starts_at, duration_minutes, mode):
    _require_meeting(pair)
    if starts_at <= timezone.now():
        raise ValidationError("Choose a date and time in the future.")
    if not 5 <= duration_minutes <= 600:
        raise ValidationError("Choose a length between 5 minutes and 10 hours.")
    if mode not in MeetingMode.values:
        raise ValidationError("Choose in person, video call or phone.")


def planned_meeting_create(
    *,
    pair: Pair,
    user: User,
    starts_at: datetime,
    duration_minutes: int,
    mode: str,
    place: str = "",
) -> PlannedMeeting:
    """Plan the next meeting; both members get a calendar invitation (.ics)."""
    _require_member(pair, user)
    _check_plan(pair, starts_at=starts_at, duration_minutes=duration_minutes, mode=mode)
    now = timezone.now()
    with transaction.atomic():
        planned = PlannedMeeting.objects.create(
            pair=pair,
            starts_at=starts_at,
            duration_minutes=duration_minutes,
            mode=mode,
            place=place.strip(),
            planned_by=user,
            created_at=now,
            updated_at=now,
        )
        _invitations_queue(planned)
    return planned


def planned_meeting_reschedule(
    *,
    planned: PlannedMeeting,
    user: User,
    starts_at: datetime,
    duration_minutes: int,
    mode: str,
    place: str = "",
) -> PlannedMeeting:
    """Move a planned meeting: the same invitation UID with the next SEQUENCE, so calendars
    update the event rather than add a second one."""
    pair = planned.pair
    _require_member(pair, user)
    _check_plan(pair, starts_at=starts_at, duration_minutes=duration_minutes, mode=mode)
    with transaction.atomic():
        locked = PlannedMeeting.objects.select_for_update().get(pk=planned.pk)
        if locked.is_cancelled:
            raise ValidationError("This meeting was cancelled: plan a new one instead.")
        if Meeting.objects.filter(planned_meeting=locked).exists():
            raise ValidationError("This meeting has been logged, so it can no longer be moved.")
        starts_at = as_sent_back(locked.starts_at, starts_at)
        unchanged = (
            locked.starts_at == starts_at
            and locked.duration_minutes == duration_minutes
            and locked.mode == mode
            and locked.place == place.strip()
        )
        if unchanged:
            return locked
        PlannedMeeting.objects.filter(pk=planned.pk).update(
            starts_at=starts_at,
            duration_minutes=duration_minutes,
            mode=mode,
            place=place.strip(),
            sequence=F("sequence") + 1,
            updated_at=timezone.now(),
        )
        locked.refresh_from_db()
        locked.pair = pair
        _invitations_queue(locked)
    planned.refresh_from_db()
    return locked


def planned_meeting_cancel(
    *, planned: PlannedMeeting, user: User, check_member: bool = True
) -> PlannedMeeting:
    """Cancel a planned meeting: both calendars receive a METHOD:CANCEL at the next SEQUENCE.
    Cancelling twice sends one cancellation."""
    pair = planned.pair
    if check_member:
        _require_member(pair, user)
    now = timezone.now()
    with transaction.atomic():
        cancelled = (
            PlannedMeeting.objects.not_cancelled()
            .filter(pk=planned.pk)
            .update(cancelled_at=now, updated_at=now, sequence=F("sequence") + 1)
        )
        planned.refresh_from_db()
        planned.pair = pair
        if cancelled:
            _invitations_queue(planned)
    return planned


# --- An organiser's message to a group of the scheme -----------------------------------------


def scheme_message_send(
    *,
    scheme: Scheme,
    audience: str,
    subject: str,
    body: str,
    sent_by: User,
    filters: dict[str, str] | None = None,
    send_token: UUID | None = None,
) -> SchemeMessage:
    """Send an organiser's message to `audience` of `scheme`; returns the SchemeMessage.

    1. Check it: a subject and a body, and at least one person to send it to.
    2. Record the message under its `send_token` (one per preview): a second press of Send finds
       the message already recorded and sends nothing more.
    3. Queue one Notification per person, keyed by message and person, so a retried task never
       sends twice; people who turned scheme messages off are counted as skipped.
    4. Write the audit row (counts and filters, never the text).
    """
    from .models import SchemeMessage
    from .selectors import MESSAGE_FILTERS, scheme_message_recipients

    subject, body = (subject or "").strip(), (body or "").strip()
    if not subject or not body:
        raise ValidationError("Write a subject and a message.")
    if audience not in SchemeMessage.Audience.values:
        raise ValidationError("Choose who the message is for.")
    filters = {
        key: value for key, value in (filters or {}).items() if key in MESSAGE_FILTERS and value
    }
    recipients = list(scheme_message_recipients(scheme, audience, filters))
    if not recipients:
        raise ValidationError("No one in the scheme matches, so there is no one to send it to.")
    if send_token is not None:
        already = SchemeMessage.objects.filter(send_token=send_token, scheme=scheme).first()
        if already is not None:
            return already
    try:
        return _scheme_message_record(
            scheme=scheme,
            audience=audience,
            filters=filters,
            subject=subject,
            body=body,
            sent_by=sent_by,
            send_token=send_token,
            recipients=recipients,
        )
    except IntegrityError:  # the same Send pressed twice at once: the other press sent it
        if send_token is None:
            raise
        return SchemeMessage.objects.get(send_token=send_token, scheme=scheme)


def _scheme_message_record(
    *, scheme, audience, filters, subject: str, body, sent_by, send_token, recipients
):
    from accounts.audit import audit_record
    from accounts.services import email_is_optional

    from .models import SchemeMessage

    with transaction.atomic():
        message = SchemeMessage.objects.create(
            scheme=scheme,
            audience=audience,
            filters=filters,
            subject=subject,
            body=body,
            sent_by=sent_by,
            **({"send_token": send_token} if send_token is not None else {}),
        )
        sent = skipped = 0
        for person in recipients:
            if email_is_optional("scheme_message") and "scheme_message" in (
                person.email_opt_outs or []
            ):
                skipped += 1
                continue
            queued = notification_queue(
                key=f"scheme_message:{message.pk}:{person.pk}",
                kind="scheme_message",
                recipient=person,
                context={"scheme_message_id": message.pk},
            )
            sent += queued is not None
        message.sent_count, message.skipped_count = sent, skipped
        message.save(update_fields=["sent_count", "skipped_count"])
        audit_record(
            actor=sent_by,
            action="scheme_message_sent",
            target=f"scheme:{scheme.slug}",
            details={
                "scheme_message": message.pk,
                "audience": audience,
                "filters": filters,
                "sent": sent,
                "skipped": skipped,
            },
        )
    return message
