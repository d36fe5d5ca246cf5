"""What is due when, with frozen time, around the UK clock changes of 29 March and 25 October 2026.

The sweep runs every 15 minutes; these tests run it at the moments that matter (or at every
quarter hour across a clock change) and check that each message goes out once, at the wall-clock
time people expect.
"""

from datetime import UTC, datetime, timedelta
from smtplib import SMTPException
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from accounts import tasks as account_tasks
from accounts.models import Notification
from matching.models import Pair
from matching.tests.factories import PairFactory
from meetings import reminders, services
from meetings.health import Health
from meetings.models import Nudge
from meetings.selectors import organiser_digest, organiser_pairs
from meetings.tasks import reminders_sweep
from schemes.models import Enrolment
from schemes.tests.factories import EnrolmentFactory

from .conftest import CONTENT
from .factories import MeetingFactory, PlannedMeetingFactory

LONDON = ZoneInfo("Europe/London")


def london(*args):
    return datetime(*args, tzinfo=LONDON)


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def sweep_at(moment, sending=None):
    """Run the sweep at a moment; with `sending` (django_capture_on_commit_callbacks) the emails
    are also sent at that moment."""
    with time_machine.travel(moment, tick=False):
        if sending is None:
            return reminders.reminders_queue_due()
        with sending(execute=True):
            return reminders.reminders_queue_due()


def sweep_every_quarter_hour(start, end):
    moment = start
    while moment <= end:
        sweep_at(moment)
        moment += timedelta(minutes=15)


def sent(kind):
    return list(Notification.objects.filter(kind=kind).order_by("created_at", "pk"))


@pytest.fixture
def planned_at(pair):
    def plan(starts_at):
        pair.created_at = pair.status_changed_at = starts_at - timedelta(days=30)
        pair.save(update_fields=["created_at", "status_changed_at"])
        return PlannedMeetingFactory(
            pair=pair,
            starts_at=starts_at,
            created_at=starts_at - timedelta(days=20),
            updated_at=starts_at - timedelta(days=20),
        )

    return plan


# --- The day-before reminder --------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("starts_at", "expected_utc"),
    [
        # Sunday 29 March: clocks go forward at 01:00 UTC. The day before is still GMT.
        (london(2026, 3, 29, 10, 0), utc(2026, 3, 28, 9, 0)),
        # Monday 30 March: the reminder is on the Sunday of the change, at 09:00 BST.
        (london(2026, 3, 30, 10, 0), utc(2026, 3, 29, 8, 0)),
        # Sunday 25 October: clocks go back at 01:00 UTC. The day before is still BST.
        (london(2026, 10, 25, 10, 0), utc(2026, 10, 24, 8, 0)),
        # Monday 26 October: the reminder is on the Sunday of the change, at 09:00 GMT.
        (london(2026, 10, 26, 10, 0), utc(2026, 10, 25, 9, 0)),
        # A meeting in the hour repeated when the clocks go back (stored in UTC: unambiguous).
        (utc(2026, 10, 25, 1, 30), utc(2026, 10, 24, 8, 0)),
    ],
)
def test_reminder_goes_out_once_at_nine_uk_time_the_day_before(
    planned_at, mentee, mentor, starts_at, expected_utc
):
    planned_at(starts_at)

    sweep_every_quarter_hour(starts_at - timedelta(hours=42), starts_at + timedelta(hours=1))

    reminders_sent = sent("meeting_reminder")
    assert sorted(n.recipient_id for n in reminders_sent) == sorted([mentee.pk, mentor.pk])
    assert {n.created_at for n in reminders_sent} == {expected_utc}
    assert timezone.localtime(expected_utc).hour == 9


@pytest.mark.django_db
def test_no_reminder_for_a_meeting_planned_after_the_reminder_was_due(pair):
    starts_at = london(2026, 6, 10, 18, 0)
    PlannedMeetingFactory(
        pair=pair,
        starts_at=starts_at,
        created_at=london(2026, 6, 9, 12, 0),
        updated_at=london(2026, 6, 9, 12, 0),
    )
    sweep_every_quarter_hour(london(2026, 6, 9, 12, 0), starts_at)
    assert sent("meeting_reminder") == []


@pytest.mark.django_db
def test_no_reminder_for_a_cancelled_meeting_or_a_paused_pair(pair, other_pair):
    starts_at = london(2026, 6, 10, 18, 0)
    long_ago = starts_at - timedelta(days=20)
    PlannedMeetingFactory(
        pair=pair,
        starts_at=starts_at,
        created_at=long_ago,
        updated_at=long_ago,
        cancelled_at=long_ago,
    )
    other_pair.status = Pair.Status.PAUSED
    other_pair.save(update_fields=["status"])
    PlannedMeetingFactory(
        pair=other_pair, starts_at=starts_at, created_at=long_ago, updated_at=long_ago
    )
    sweep_at(london(2026, 6, 9, 9, 0))
    assert sent("meeting_reminder") == []


@pytest.mark.django_db
def test_a_moved_meeting_is_reminded_again_for_its_new_day(planned_at, mentee):
    planned = planned_at(london(2026, 6, 10, 18, 0))
    sweep_at(london(2026, 6, 9, 9, 0))
    with time_machine.travel(london(2026, 6, 9, 10, 0), tick=False):
        services.planned_meeting_reschedule(
            planned=planned,
            user=mentee,
            starts_at=london(2026, 6, 17, 18, 0),
            duration_minutes=60,
            mode="video",
        )
    sweep_at(london(2026, 6, 16, 9, 0))
    assert len(sent("meeting_reminder")) == 4  # two per day, one per member


# --- The prompt to log, the day after -----------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("starts_at", "expected_utc"),
    [
        (london(2026, 3, 28, 18, 0), utc(2026, 3, 29, 8, 0)),  # prompt on the day of the change
        (london(2026, 10, 24, 18, 0), utc(2026, 10, 25, 9, 0)),
    ],
)
def test_prompt_to_log_goes_out_once_at_nine_the_day_after(planned_at, starts_at, expected_utc):
    planned_at(starts_at)

    sweep_every_quarter_hour(starts_at, starts_at + timedelta(hours=40))
    sweep_at(starts_at + timedelta(days=3))

    prompts = sent("meeting_log_prompt")
    assert len(prompts) == 2
    assert {n.created_at for n in prompts} == {expected_utc}


@pytest.mark.django_db
def test_no_prompt_once_the_meeting_is_logged(planned_at, pair, mentor):
    planned = planned_at(london(2026, 6, 10, 18, 0))
    with time_machine.travel(london(2026, 6, 10, 20, 0), tick=False):
        services.meeting_log(
            pair=pair,
            user=mentor,
            held_on=planned.starts_at.date(),
            duration_minutes=60,
            mode="video",
        )
    sweep_at(london(2026, 6, 11, 9, 0))
    assert sent("meeting_log_prompt") == []


@pytest.mark.django_db
def test_no_prompt_a_week_and_more_after_the_meeting(planned_at):
    planned_at(london(2026, 6, 10, 18, 0))
    sweep_at(london(2026, 6, 18, 9, 30))
    assert sent("meeting_log_prompt") == []


# --- Nudges and the check-in flag ---------------------------------------------------------------


@pytest.fixture
def quiet_pair(scheme):
    """Introduced on Monday 19 January 2026 in a scheme that meets at least every 8 weeks."""
    scheme.meeting_interval_max_weeks = 8
    scheme.save(update_fields=["meeting_interval_max_weeks"])
    introduced = london(2026, 1, 19, 14, 0)
    return PairFactory(
        scheme=scheme,
        status=Pair.Status.INTRODUCED,
        created_at=introduced,
        status_changed_at=introduced,
    )


def health_of(pair, moment):
    with time_machine.travel(moment, tick=False):
        _, rows = organiser_pairs(pair.scheme)
    return {row["pair"].pk: row["health"] for row in rows}[pair.pk]


@pytest.mark.django_db
def test_nudges_after_interval_plus_grace_then_two_weeks_later_then_flags_the_pair(quiet_pair):
    # Interval 8 weeks + 1 week of grace: Monday 23 March, 09:00 (still GMT).
    first_due = london(2026, 3, 23, 9, 0)
    # Health follows the meetings, not the reminders: nine silent weeks need a check-in already.
    assert health_of(quiet_pair, first_due) == Health.NEEDS_CHECK_IN
    sweep_at(first_due - timedelta(minutes=15))
    assert sent("pair_nudge") == []

    sweep_at(first_due)
    sweep_at(first_due + timedelta(minutes=15))
    assert len(sent("pair_nudge")) == 2  # both members, once
    assert health_of(quiet_pair, first_due) == Health.NEEDS_CHECK_IN

    # Two weeks later, across the clock change: Monday 6 April, 09:00 BST = 08:00 UTC.
    second_due = london(2026, 4, 6, 9, 0)
    sweep_at(second_due - timedelta(minutes=15))
    assert len(sent("pair_nudge")) == 2
    sweep_every_quarter_hour(second_due, second_due + timedelta(hours=1))
    second = sent("pair_nudge")[2:]
    assert len(second) == 2 and {n.created_at for n in second} == {utc(2026, 4, 6, 8, 0)}
    assert health_of(quiet_pair, second_due) == Health.NEEDS_CHECK_IN

    # No third nudge: it is the organiser's turn.
    sweep_at(london(2026, 6, 1, 9, 0))
    assert len(sent("pair_nudge")) == 4


@pytest.mark.django_db
def test_a_meeting_logged_answers_the_nudges_and_clears_the_flag(quiet_pair):
    sweep_at(london(2026, 3, 23, 9, 0))
    sweep_at(london(2026, 4, 6, 9, 0))
    assert health_of(quiet_pair, london(2026, 4, 7, 9, 0)) == Health.NEEDS_CHECK_IN

    with time_machine.travel(london(2026, 4, 8, 12, 0), tick=False):
        services.meeting_log(
            pair=quiet_pair,
            user=quiet_pair.mentee,
            held_on=london(2026, 4, 7, 0, 0).date(),
            duration_minutes=60,
            mode="phone",
        )

    assert not Nudge.objects.filter(answered_at=None).exists()
    assert health_of(quiet_pair, london(2026, 4, 9, 9, 0)) == Health.ON_TRACK
    # The next nudge counts from the day the logged meeting made the pair active, 8 April:
    # 8 April + 8 weeks + a week's grace = 10 June.
    sweep_at(london(2026, 6, 9, 9, 0))
    assert len(sent("pair_nudge")) == 4
    sweep_at(london(2026, 6, 10, 9, 0))
    assert len(sent("pair_nudge")) == 6


@pytest.mark.django_db
def test_no_second_nudge_when_the_pair_answered_the_first(quiet_pair):
    sweep_at(london(2026, 3, 23, 9, 0))
    with time_machine.travel(london(2026, 3, 24, 12, 0), tick=False):
        services.planned_meeting_create(
            pair=quiet_pair,
            user=quiet_pair.mentor,
            starts_at=london(2026, 4, 20, 18, 0),
            duration_minutes=60,
            mode="video",
        )
        services.meeting_log(
            pair=quiet_pair,
            user=quiet_pair.mentor,
            held_on=london(2026, 3, 24, 0, 0).date(),
            duration_minutes=30,
            mode="phone",
        )
    sweep_at(london(2026, 4, 6, 9, 0))
    assert len(sent("pair_nudge")) == 2


@pytest.mark.django_db
@pytest.mark.parametrize("status", [Pair.Status.PAUSED, Pair.Status.ENDED])
def test_paused_and_ended_pairs_are_not_nudged(quiet_pair, status):
    quiet_pair.status = status
    quiet_pair.save(update_fields=["status"])
    sweep_at(london(2026, 5, 1, 9, 0))
    assert sent("pair_nudge") == []


@pytest.mark.django_db
def test_a_resumed_pair_is_nudged_from_the_day_it_resumed(quiet_pair):
    with time_machine.travel(london(2026, 3, 1, 12, 0), tick=False):
        services.pair_pause(pair=quiet_pair, user=quiet_pair.mentee)
    with time_machine.travel(london(2026, 5, 4, 12, 0), tick=False):
        services.pair_resume(pair=quiet_pair, user=quiet_pair.mentee)
    sweep_at(london(2026, 7, 5, 9, 0))
    assert sent("pair_nudge") == []
    sweep_at(london(2026, 7, 6, 9, 0))  # 4 May + 9 weeks
    assert len(sent("pair_nudge")) == 2


@pytest.mark.django_db
def test_health_needs_a_check_in_past_the_longest_interval_reminded_or_not(pair):
    pair.scheme.meeting_interval_max_weeks = 8
    pair.scheme.save()
    pair.status_changed_at = london(2026, 4, 1, 12, 0)
    pair.save(update_fields=["status_changed_at"])
    MeetingFactory(pair=pair, held_on=london(2026, 5, 1, 0, 0).date())
    assert health_of(pair, london(2026, 6, 26, 12, 0)) == Health.DUE  # 8 weeks exactly
    assert health_of(pair, london(2026, 6, 27, 12, 0)) == Health.NEEDS_CHECK_IN  # no nudge yet


# --- The weekly digest to organisers ------------------------------------------------------------


@pytest.fixture
def waiting_mentee(scheme):
    return EnrolmentFactory(
        scheme=scheme,
        user__first_name="Wanda",
        user__last_name="Waiting",
        waiting_since=london(2026, 5, 1, 12, 0),
    )


@pytest.mark.django_db
def test_weekly_digest_from_monday_eight_once_a_week(
    organiser, waiting_mentee, django_capture_on_commit_callbacks
):
    # Monday 18 May 2026.
    sweep_at(london(2026, 5, 18, 7, 45))
    assert sent("organiser_digest") == []
    for moment in (
        london(2026, 5, 18, 8, 0),
        london(2026, 5, 18, 12, 0),
        london(2026, 5, 21, 9, 0),
    ):
        sweep_at(moment, django_capture_on_commit_callbacks)
    (digest,) = sent("organiser_digest")
    assert digest.recipient == organiser
    (message,) = mail.outbox
    assert "Wanda Waiting: 16 days" in message.body
    assert "Email settings" in message.body or "email settings" in message.body

    sweep_at(london(2026, 5, 25, 8, 0))  # the next Monday
    assert len(sent("organiser_digest")) == 2


@pytest.mark.django_db
def test_digest_lists_mentees_waiting_over_14_days_without_a_current_pair_only(
    organiser, scheme, pair, waiting_mentee
):
    EnrolmentFactory(scheme=scheme, waiting_since=london(2026, 5, 10, 12, 0))  # 8 days
    EnrolmentFactory(
        scheme=scheme, waiting_since=london(2026, 4, 1, 12, 0), status=Enrolment.Status.PAUSED
    )
    pair.mentee_enrolment.waiting_since = london(2026, 1, 1, 12, 0)
    pair.mentee_enrolment.save()

    with time_machine.travel(london(2026, 5, 18, 8, 0), tick=False):
        (section,) = organiser_digest(organiser)
    assert [item["enrolment"] for item in section["waiting"]] == [waiting_mentee]
    assert section["check_in"] == []


@pytest.mark.django_db
def test_digest_lists_pairs_needing_a_check_in_without_their_content(
    organiser, quiet_pair, django_capture_on_commit_callbacks
):
    sweep_at(london(2026, 3, 23, 9, 0))
    sweep_at(london(2026, 4, 6, 9, 0), django_capture_on_commit_callbacks)
    (message,) = [m for m in mail.outbox if "digest" in m.subject]
    assert quiet_pair.mentee.get_full_name() in message.body
    assert "no meeting logged yet" in message.body
    for secret in CONTENT:
        assert secret not in message.body


@pytest.mark.django_db
def test_no_digest_when_nothing_needs_the_organiser(organiser, pair):
    sweep_at(london(2026, 5, 18, 8, 0))
    assert sent("organiser_digest") == []


# --- Safe to run twice, in any order, after a crash ---------------------------------------------


@pytest.fixture
def everything_due(planned_at, quiet_pair, organiser, scheme):
    """At Monday 23 March 2026 09:00: a reminder, a nudge and a digest are all due."""
    planned_at(london(2026, 3, 24, 10, 0))
    EnrolmentFactory(scheme=scheme, waiting_since=london(2026, 3, 1, 12, 0))


@pytest.mark.django_db
def test_the_same_sweep_run_twice_sends_once(everything_due, django_capture_on_commit_callbacks):
    moment = london(2026, 3, 23, 9, 0)
    first = sweep_at(moment, django_capture_on_commit_callbacks)
    second = sweep_at(moment, django_capture_on_commit_callbacks)
    assert first == 2 + 2 + 1  # reminder to both, nudge to both, one digest
    assert second == 0
    assert len(mail.outbox) == first
    assert Notification.objects.filter(sent_at=None).count() == 0


@pytest.mark.django_db
def test_a_sweep_that_dies_midway_loses_nothing_and_the_next_one_finishes(
    everything_due, django_capture_on_commit_callbacks
):
    moment = london(2026, 3, 23, 9, 0)
    real_queue = reminders.notification_queue
    calls = []

    def dies_on_third_message(**kwargs):
        calls.append(kwargs["key"])
        if len(calls) == 3:
            raise SystemExit("worker killed")
        return real_queue(**kwargs)

    with (
        mock.patch.object(reminders, "notification_queue", dies_on_third_message),
        pytest.raises(SystemExit),
    ):
        sweep_at(moment, django_capture_on_commit_callbacks)
    sweep_at(moment + timedelta(minutes=15), django_capture_on_commit_callbacks)
    sweep_at(moment + timedelta(minutes=30), django_capture_on_commit_callbacks)

    keys = list(Notification.objects.values_list("key", flat=True))
    assert len(keys) == len(set(keys)) == 5
    assert len(mail.outbox) == 5


@pytest.mark.django_db
def test_the_celery_task_runs_the_sweep(everything_due):
    with time_machine.travel(london(2026, 3, 23, 9, 0), tick=False):
        assert reminders_sweep.delay().get() == 5


@pytest.mark.django_db
def test_nothing_is_scheduled_ahead_in_the_broker(
    everything_due, django_capture_on_commit_callbacks
):
    with mock.patch("celery.app.task.Task.apply_async", autospec=True) as apply_async:
        sweep_at(london(2026, 3, 23, 9, 0), django_capture_on_commit_callbacks)
    assert apply_async.call_count == 5
    for call in apply_async.call_args_list:
        options = call.kwargs
        assert options.get("eta") is None
        assert (options.get("countdown") or 0) <= 600


def test_mail_retries_back_off_no_further_than_ten_minutes():
    assert account_tasks.notification_send_task.retry_backoff_max <= 600


@pytest.mark.django_db
def test_a_reminder_that_fails_to_send_is_retried_and_sent_once(
    planned_at, django_capture_on_commit_callbacks
):
    planned_at(london(2026, 6, 10, 18, 0))
    with (
        mock.patch(
            "django.core.mail.EmailMultiAlternatives.send", side_effect=SMTPException("down")
        ),
        mock.patch.object(account_tasks.notification_send_task, "delay"),
    ):
        sweep_at(london(2026, 6, 9, 9, 0))
        for notification in Notification.objects.all():
            with pytest.raises(SMTPException):
                account_tasks.notification_send_task.run(notification.pk)
    assert Notification.objects.filter(sent_at=None).count() == 2

    with time_machine.travel(london(2026, 6, 9, 9, 30), tick=False):
        account_tasks.notifications_sweep_unsent()
        account_tasks.notifications_sweep_unsent()
    sweep_at(london(2026, 6, 9, 9, 45))
    assert len(mail.outbox) == 2
    assert Notification.objects.filter(sent_at=None).count() == 0


# --- Opting out ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_member_who_turned_reminders_off_gets_none_and_the_other_still_does(
    planned_at, mentee, mentor
):
    mentee.email_opt_outs = ["meeting_reminder"]
    mentee.save()
    planned_at(london(2026, 6, 10, 18, 0))
    sweep_at(london(2026, 6, 9, 9, 0))
    sweep_at(london(2026, 6, 9, 9, 15))
    assert [n.recipient for n in sent("meeting_reminder")] == [mentor]
