from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Notification
from matching.models import Pair
from meetings import services
from meetings.models import (
    Goal,
    GoalProgress,
    Meeting,
    MentoringAgreement,
    Nudge,
    PlannedMeeting,
    PrivateNote,
)
from schemes.models import Enrolment

from .factories import AgreementFactory, GoalFactory, MeetingFactory, PlannedMeetingFactory


@pytest.fixture
def introduced(pair):
    pair.status = Pair.Status.INTRODUCED
    pair.created_at = timezone.now() - timedelta(days=30)
    pair.save(update_fields=["status", "created_at"])
    return pair


def agreement_words(**overrides):
    return {
        "working_on": "Exams",
        "meeting_frequency": "Monthly",
        "confidentiality": "Between us, except risk of serious harm.",
        **overrides,
    }


# --- Life cycle: introduced → active ------------------------------------------------------------


@pytest.mark.django_db
def test_pair_becomes_active_when_both_confirm_the_agreement(introduced, mentee, mentor):
    services.agreement_save(pair=introduced, user=mentee, **agreement_words())
    introduced.refresh_from_db()
    assert introduced.status == Pair.Status.INTRODUCED

    agreement = services.agreement_confirm(pair=introduced, user=mentor)

    introduced.refresh_from_db()
    assert agreement.is_confirmed
    assert introduced.status == Pair.Status.ACTIVE


@pytest.mark.django_db
def test_changing_the_agreement_asks_the_other_member_to_confirm_again(pair, mentee, mentor):
    services.agreement_save(pair=pair, user=mentee, **agreement_words())
    services.agreement_confirm(pair=pair, user=mentor)

    agreement = services.agreement_save(
        pair=pair, user=mentor, **agreement_words(meeting_frequency="Every six weeks")
    )

    assert agreement.mentor_confirmed_at is not None
    assert agreement.mentee_confirmed_at is None
    assert not agreement.is_confirmed


@pytest.mark.django_db
def test_saving_the_same_agreement_again_keeps_both_confirmations(pair, mentee, mentor):
    services.agreement_save(pair=pair, user=mentee, **agreement_words())
    services.agreement_confirm(pair=pair, user=mentor)

    agreement = services.agreement_save(pair=pair, user=mentor, **agreement_words())

    assert agreement.is_confirmed


@pytest.mark.django_db
def test_pair_becomes_active_when_a_meeting_is_logged(introduced, mentee):
    services.meeting_log(
        pair=introduced,
        user=mentee,
        held_on=timezone.localdate(),
        duration_minutes=45,
        mode="video",
    )
    introduced.refresh_from_db()
    assert introduced.status == Pair.Status.ACTIVE


@pytest.mark.django_db
def test_someone_outside_the_pair_cannot_act_on_it(pair, other_trainee, organiser):
    for outsider in (other_trainee, organiser):
        with pytest.raises(ValidationError):
            services.agreement_save(pair=pair, user=outsider, **agreement_words())
        with pytest.raises(ValidationError):
            services.pair_end(pair=pair, user=outsider, reason="other")
    assert not MentoringAgreement.objects.exists()


# --- Meetings -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_logging_a_meeting_saves_summary_private_note_and_goal_progress(
    pair, mentee, mentor, django_capture_on_commit_callbacks
):
    goal = GoalFactory(pair=pair)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = services.meeting_log(
            pair=pair,
            user=mentee,
            held_on=timezone.localdate(),
            duration_minutes=60,
            mode="in_person",
            topics=["exams", "Rota gaps"],
            summary="  Planned revision.  ",
            private_note="Worried about time.",
            progress={goal.pk: {"status": "progressing", "note": "Booked the exam"}},
        )

    assert meeting.summary == "Planned revision."
    assert meeting.topics == ["exams", "Rota gaps"]
    assert PrivateNote.objects.get(meeting=meeting).author == mentee
    assert GoalProgress.objects.get(meeting=meeting).note == "Booked the exam"
    goal.refresh_from_db()
    assert goal.status == Goal.Status.PROGRESSING
    # The other member is asked to confirm; the email carries no content.
    assert [message.to for message in mail.outbox] == [[mentor.email]]
    assert "Planned revision" not in mail.outbox[0].body
    assert "Worried" not in mail.outbox[0].body


@pytest.mark.django_db
def test_a_meeting_cannot_be_logged_in_the_future_or_before_the_pair_began(pair, mentee):
    for held_on in (
        timezone.localdate() + timedelta(days=1),
        timezone.localdate(pair.created_at) - timedelta(days=1),
    ):
        with pytest.raises(ValidationError):
            services.meeting_log(
                pair=pair, user=mentee, held_on=held_on, duration_minutes=60, mode="video"
            )
    assert not Meeting.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["paused", "ended"])
def test_a_paused_or_ended_pair_logs_no_meeting(pair, mentee, status):
    pair.status = status
    pair.save(update_fields=["status"])
    with pytest.raises(ValidationError):
        services.meeting_log(
            pair=pair, user=mentee, held_on=timezone.localdate(), duration_minutes=60, mode="video"
        )


@pytest.mark.django_db
def test_the_other_member_confirms_a_meeting_once_and_the_logger_cannot(pair, mentee, mentor):
    meeting = MeetingFactory(pair=pair, logged_by=mentee)

    with pytest.raises(ValidationError):
        services.meeting_confirm(meeting=meeting, user=mentee)
    assert services.meeting_confirm(meeting=meeting, user=mentor) is True
    assert services.meeting_confirm(meeting=meeting, user=mentor) is False
    meeting.refresh_from_db()
    assert meeting.confirmed_by_other_at is not None


@pytest.mark.django_db
def test_private_note_is_saved_per_author_and_deleted_when_emptied(pair, mentee, mentor):
    meeting = MeetingFactory(pair=pair)
    services.private_note_save(meeting=meeting, author=mentee, text="Mine")
    services.private_note_save(meeting=meeting, author=mentor, text="His")
    services.private_note_save(meeting=meeting, author=mentee, text="Mine, edited")

    assert PrivateNote.objects.get(meeting=meeting, author=mentee).text == "Mine, edited"
    services.private_note_save(meeting=meeting, author=mentee, text="  ")
    assert list(PrivateNote.objects.values_list("text", flat=True)) == ["His"]


@pytest.mark.django_db
def test_a_planned_meeting_can_be_logged_once(pair, mentee, mentor):
    planned = PlannedMeetingFactory(pair=pair, starts_at=timezone.now() - timedelta(hours=2))
    services.meeting_log(
        pair=pair,
        user=mentee,
        held_on=timezone.localdate(),
        duration_minutes=60,
        mode="video",
        planned_meeting=planned,
    )
    with pytest.raises(ValidationError, match="logged already"):
        services.meeting_log(
            pair=pair,
            user=mentor,
            held_on=timezone.localdate(),
            duration_minutes=60,
            mode="video",
            planned_meeting=planned,
        )


# --- Planned meetings ---------------------------------------------------------------------------


def ics_of(message):
    (attachment,) = message.attachments
    filename, content, mimetype = attachment
    return filename, content if isinstance(content, str) else content.decode(), mimetype


@pytest.mark.django_db
def test_planning_a_meeting_emails_both_members_an_ics_invitation(
    pair, mentee, mentor, django_capture_on_commit_callbacks
):
    starts_at = timezone.now() + timedelta(days=10)
    with django_capture_on_commit_callbacks(execute=True):
        planned = services.planned_meeting_create(
            pair=pair,
            user=mentee,
            starts_at=starts_at,
            duration_minutes=60,
            mode="video",
            place="https://meet.example.org/abc",
        )

    assert sorted(message.to[0] for message in mail.outbox) == sorted([mentee.email, mentor.email])
    filename, ics, mimetype = ics_of(mail.outbox[0])
    assert filename.endswith(".ics") and mimetype.startswith("text/calendar")
    assert "METHOD:REQUEST" in ics
    assert f"UID:{planned.uid}@" in ics
    assert "SEQUENCE:0" in ics


@pytest.mark.django_db
def test_rescheduling_sends_an_update_with_the_same_uid_and_a_higher_sequence(
    pair, mentee, mentor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        planned = services.planned_meeting_create(
            pair=pair,
            user=mentee,
            starts_at=timezone.now() + timedelta(days=10),
            duration_minutes=60,
            mode="video",
        )
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        moved = services.planned_meeting_reschedule(
            planned=planned,
            user=mentor,
            starts_at=timezone.now() + timedelta(days=12),
            duration_minutes=90,
            mode="in_person",
            place="Room 4",
        )

    assert moved.pk == planned.pk and moved.uid == planned.uid
    assert moved.sequence == 1
    assert PlannedMeeting.objects.count() == 1
    assert len(mail.outbox) == 2
    _, ics, _ = ics_of(mail.outbox[0])
    assert "SEQUENCE:1" in ics and f"UID:{planned.uid}@" in ics
    assert mail.outbox[0].subject.startswith("Moved:")


@pytest.mark.django_db
def test_rescheduling_to_the_same_time_sends_nothing(
    pair, mentee, django_capture_on_commit_callbacks
):
    planned = PlannedMeetingFactory(pair=pair)
    with django_capture_on_commit_callbacks(execute=True):
        services.planned_meeting_reschedule(
            planned=planned,
            user=mentee,
            starts_at=planned.starts_at,
            duration_minutes=planned.duration_minutes,
            mode=planned.mode,
            place=planned.place,
        )
    planned.refresh_from_db()
    assert planned.sequence == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_cancelling_sends_one_method_cancel_even_when_clicked_twice(
    pair, mentee, django_capture_on_commit_callbacks
):
    planned = PlannedMeetingFactory(pair=pair)
    with django_capture_on_commit_callbacks(execute=True):
        services.planned_meeting_cancel(planned=planned, user=mentee)
        services.planned_meeting_cancel(planned=planned, user=mentee)

    assert len(mail.outbox) == 2  # one per member
    _, ics, _ = ics_of(mail.outbox[0])
    assert "METHOD:CANCEL" in ics and "STATUS:CANCELLED" in ics and "SEQUENCE:1" in ics
    with pytest.raises(ValidationError, match="cancelled"):
        services.planned_meeting_reschedule(
            planned=planned,
            user=mentee,
            starts_at=timezone.now() + timedelta(days=3),
            duration_minutes=60,
            mode="video",
        )


@pytest.mark.django_db
def test_a_meeting_cannot_be_planned_in_the_past(pair, mentee):
    with pytest.raises(ValidationError, match="future"):
        services.planned_meeting_create(
            pair=pair,
            user=mentee,
            starts_at=timezone.now() - timedelta(minutes=1),
            duration_minutes=60,
            mode="video",
        )
    assert not PlannedMeeting.objects.exists()


# --- Pause, resume, end -------------------------------------------------------------------------


@pytest.mark.django_db
def test_pausing_cancels_upcoming_meetings_answers_nudges_and_tells_the_partner(
    pair, mentee, mentor, django_capture_on_commit_callbacks
):
    planned = PlannedMeetingFactory(pair=pair)
    Nudge.objects.create(pair=pair, anchor_on=timezone.localdate(), number=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.pair_pause(pair=pair, user=mentee)

    pair.refresh_from_db()
    planned.refresh_from_db()
    assert pair.status == Pair.Status.PAUSED
    assert planned.is_cancelled
    assert not Nudge.objects.filter(answered_at=None).exists()
    kinds = sorted(Notification.objects.values_list("kind", "recipient__email"))
    assert ("pair_status_changed", mentor.email) in kinds
    assert ("meeting_invitation", mentor.email) in kinds  # the cancellation


@pytest.mark.django_db
def test_resuming_returns_a_pair_to_where_it_was(pair, mentee, mentor):
    services.pair_pause(pair=pair, user=mentee)
    services.pair_resume(pair=pair, user=mentor)
    pair.refresh_from_db()
    assert pair.status == Pair.Status.INTRODUCED  # never met, agreement not confirmed

    MeetingFactory(pair=pair)
    services.pair_pause(pair=pair, user=mentee)
    services.pair_resume(pair=pair, user=mentee)
    pair.refresh_from_db()
    assert pair.status == Pair.Status.ACTIVE
    with pytest.raises(ValidationError):
        services.pair_resume(pair=pair, user=mentee)


@pytest.mark.django_db
def test_either_member_ends_the_pair_with_a_reason_and_note_and_no_blame(
    pair, mentee, mentor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.pair_end(pair=pair, user=mentor, reason="rotation", note="Moving to Kent")

    pair.refresh_from_db()
    assert pair.status == Pair.Status.ENDED
    assert pair.end_reason == "rotation" and pair.end_note == "Moving to Kent"
    assert pair.ended_by == mentor and pair.ended_at is not None
    assert not pair.ended_badly
    (message,) = mail.outbox
    assert message.to == [mentee.email]
    assert "nobody's fault" in message.body
    with pytest.raises(ValidationError, match="already ended"):
        services.pair_end(pair=pair, user=mentee, reason="other")


@pytest.mark.django_db
def test_not_a_good_fit_means_never_matched_again(pair, mentee):
    services.pair_end(pair=pair, user=mentee, reason="not_a_good_fit", wants_new_mentor=False)
    pair.refresh_from_db()
    assert pair.ended_badly


@pytest.mark.django_db
def test_ending_needs_a_reason_from_the_list(pair, mentee):
    with pytest.raises(ValidationError, match="reason"):
        services.pair_end(pair=pair, user=mentee, reason="their fault")
    pair.refresh_from_db()
    assert pair.status == Pair.Status.ACTIVE


@pytest.mark.django_db
def test_mentee_who_wants_a_new_mentor_goes_back_to_the_pool_first_in_line(
    pair, mentee, mentee_enrolment
):
    before = timezone.now()
    services.pair_end(pair=pair, user=mentee, reason="no_time", wants_new_mentor=True)

    mentee_enrolment.refresh_from_db()
    assert mentee_enrolment.status == Enrolment.Status.ACTIVE
    assert mentee_enrolment.rematch_priority is True
    assert mentee_enrolment.waiting_since >= before


@pytest.mark.django_db
def test_mentee_who_wants_no_new_mentor_now_is_paused_until_they_ask(
    pair, mentee, mentee_enrolment
):
    services.pair_end(pair=pair, user=mentee, reason="goals_met", wants_new_mentor=False)
    mentee_enrolment.refresh_from_db()
    assert mentee_enrolment.status == Enrolment.Status.PAUSED
    assert not mentee_enrolment.rematch_priority

    services.mentee_next_step(pair=pair, user=mentee, wants_new_mentor=True)

    mentee_enrolment.refresh_from_db()
    assert mentee_enrolment.status == Enrolment.Status.ACTIVE
    assert mentee_enrolment.rematch_priority


@pytest.mark.django_db
def test_when_the_mentor_ends_the_mentee_decides_later(pair, mentee, mentor, mentee_enrolment):
    services.pair_end(pair=pair, user=mentor, reason="no_time", wants_new_mentor=True)
    mentee_enrolment.refresh_from_db()
    assert not mentee_enrolment.rematch_priority  # the mentor cannot decide for the mentee

    with pytest.raises(ValidationError):
        services.mentee_next_step(pair=pair, user=mentor, wants_new_mentor=True)
    services.mentee_next_step(pair=pair, user=mentee, wants_new_mentor=True)
    mentee_enrolment.refresh_from_db()
    assert mentee_enrolment.rematch_priority


@pytest.mark.django_db
def test_ending_cancels_upcoming_planned_meetings(pair, mentee):
    upcoming = PlannedMeetingFactory(pair=pair)
    past = PlannedMeetingFactory(pair=pair, starts_at=timezone.now() - timedelta(days=1))
    services.pair_end(pair=pair, user=mentee, reason="other", wants_new_mentor=False)
    upcoming.refresh_from_db()
    past.refresh_from_db()
    assert upcoming.is_cancelled and not past.is_cancelled


# --- Goals --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_goals_move_through_their_statuses(pair, mentor):
    goal = services.goal_create(pair=pair, user=mentor, title="  Portfolio  ")
    assert goal.title == "Portfolio" and goal.status == Goal.Status.OPEN
    for status in ("progressing", "achieved", "dropped", "open"):
        services.goal_update(goal=goal, user=mentor, title="Portfolio", details="", status=status)
        goal.refresh_from_db()
        assert goal.status == status
    with pytest.raises(ValidationError):
        services.goal_update(goal=goal, user=mentor, title="Portfolio", details="", status="won")


@pytest.mark.django_db
def test_agreement_needs_what_and_how_often(pair, mentee):
    with pytest.raises(ValidationError):
        services.agreement_save(pair=pair, user=mentee, **agreement_words(working_on=" "))
    assert AgreementFactory._meta.model.objects.count() == 0


@pytest.mark.django_db
def test_a_mentee_who_left_the_scheme_can_still_end_the_pair(pair, mentee, mentee_enrolment):
    mentee_enrolment.status = Enrolment.Status.WITHDRAWN
    mentee_enrolment.save()
    services.pair_end(pair=pair, user=mentee, reason="other", wants_new_mentor=True)
    pair.refresh_from_db()
    mentee_enrolment.refresh_from_db()
    assert pair.status == Pair.Status.ENDED
    assert not mentee_enrolment.rematch_priority
