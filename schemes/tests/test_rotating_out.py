"""Rotating out of a trust (issue 17): when a trainee's placement ends, their pairs and places do
not silently go on. The people concerned are warned weeks ahead, once; the day after the placement
ends, the trainee's places at the trust end through the life cycle, without blame, unless the
scheme lets pairs continue across trusts or the trainee stays on the trust's list."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.forms.models import model_to_dict
from django.urls import reverse

from accounts.models import Notification
from matching.models import Pair
from meetings.models import PlannedMeeting
from meetings.reminders import reminders_queue_due
from meetings.tests.factories import (
    GoalFactory,
    MeetingFactory,
    PlannedMeetingFactory,
    PrivateNoteFactory,
)
from schemes import services
from schemes.forms import SchemeForm
from schemes.models import Enrolment, Scheme
from schemes.rotating_out import NOTICE
from schemes.tasks import placements_ending_sweep
from schemes.tests.factories import EnrolmentFactory, PlacementFactory
from surveys.models import Invitation, Moment
from surveys.services import survey_sweep

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
SET_UP = datetime(2027, 7, 1, 10, tzinfo=LONDON)
ENDS_ON = date(2027, 8, 3)  # the day before August's rotation
WARN_DAY = date(2027, 7, 10)
DAY_AFTER = ENDS_ON + timedelta(days=1)
MEETING_CONTENT = ("We talked about next steps.", "Felt nervous about the exam.", "membership")


def at(day, hour=6):
    return time_machine.travel(datetime.combine(day, time(hour), tzinfo=LONDON), tick=False)


@pytest.fixture(autouse=True)
def set_up_in_july():
    """The pair and enrolments are made on 1 July 2027, a month before the placement ends."""
    with time_machine.travel(SET_UP, tick=False):
        yield


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    """Run the daily sweep early on `day`, as beat would, sending the emails it queues."""

    def run(day):
        with at(day), django_capture_on_commit_callbacks(execute=True):
            return services.placements_ending_sweep(today=day)

    return run


def placement_of(user, organisation, **extra):
    return PlacementFactory(
        organisation=organisation,
        user=user,
        email=user.email,
        starts_on=date(2027, 2, 3),
        ends_on=extra.pop("ends_on", ENDS_ON),
        **extra,
    )


@pytest.fixture
def placement(mentee, scheme):
    """The mentee's placement at the scheme's trust ends on 3 August."""
    return placement_of(mentee, scheme.organisation)


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


def message_to(user):
    [message] = [message for message in mail.outbox if message.to == [user.email]]
    return message


def html_of(message):
    return message.alternatives[0][0]


# --- The warning, weeks ahead ------------------------------------------------------------------


def test_the_trainee_their_partner_and_the_organiser_are_warned_once_with_names_and_date_only(
    pair, mentee, mentor, organiser, other_organiser, placement, sweep
):
    PrivateNoteFactory(meeting=MeetingFactory(pair=pair))
    GoalFactory(pair=pair)

    assert sweep(WARN_DAY) == {"warned": 3, "ended": 0}

    assert recipients() == sorted([mentee.email, mentor.email, organiser.email])
    to_mentee, to_mentor, to_organiser = (message_to(u) for u in (mentee, mentor, organiser))
    assert to_mentee.subject == "Your placement at SLaM ends on 3 August 2027: your mentoring"
    assert "ask to be matched with a mentor again" in to_mentee.body
    person = mentee.get_full_name()
    assert to_organiser.subject == f"{person}'s placement at SLaM ends on 3 August 2027"
    assert f"{person} (mentee) with {mentor.get_full_name()} (mentor)" in to_organiser.body
    assert "without blame" in to_mentor.body and "3 August 2027" in to_mentor.body
    for message in mail.outbox:
        for text in (message.body, html_of(message)):
            assert not any(content in text for content in MEETING_CONTENT)
    keys = set(Notification.objects.values_list("key", flat=True))
    assert f"placement_ending:placement:{placement.pk}:2027-08-03:user:{mentee.pk}" in keys

    # The next days' sweeps send nothing more.
    assert sweep(WARN_DAY + timedelta(days=1)) == {"warned": 0, "ended": 0}
    assert sweep(ENDS_ON) == {"warned": 0, "ended": 0}
    assert len(mail.outbox) == 3


def test_nobody_is_warned_earlier_than_the_notice_period(pair, organiser, placement, sweep):
    sweep(ENDS_ON - NOTICE - timedelta(days=1))

    assert mail.outbox == []
    sweep(ENDS_ON - NOTICE)
    assert len(mail.outbox) == 3


def test_nobody_is_warned_about_a_trainee_with_no_place_in_the_trusts_schemes(
    scheme, organiser, other_trainee, other_scheme, other_organiser, sweep
):
    placement_of(other_trainee, other_scheme.organisation)  # enrolled at SLaM, placed at Other
    PlacementFactory(organisation=scheme.organisation, ends_on=ENDS_ON)  # no account

    assert sweep(WARN_DAY) == {"warned": 0, "ended": 0}
    assert sweep(DAY_AFTER) == {"warned": 0, "ended": 0}
    assert mail.outbox == []
    assert Enrolment.objects.get(user=other_trainee).status == Enrolment.Status.ACTIVE


def test_an_enrolled_trainee_with_no_pair_is_warned_and_so_is_the_organiser(
    mentee, organiser, placement, sweep
):
    sweep(WARN_DAY)

    assert recipients() == sorted([mentee.email, organiser.email])
    assert "your place ends with the placement" in message_to(mentee).body


def test_a_changed_end_date_warns_again_and_the_same_date_never_twice(
    pair, mentee, mentor, organiser, placement, sweep
):
    sweep(WARN_DAY)
    placement.ends_on = date(2027, 8, 5)  # the trust's next list says two days later
    placement.save(update_fields=["ends_on"])

    sweep(WARN_DAY + timedelta(days=1))
    sweep(WARN_DAY + timedelta(days=2))

    assert len(mail.outbox) == 6
    later = mail.outbox[3:]
    assert sorted(address for message in later for address in message.to) == sorted(
        [mentee.email, mentor.email, organiser.email]
    )
    assert all("5 August 2027" in message.body for message in later)


# --- The day after the placement ends ----------------------------------------------------------


def test_the_day_after_the_placement_ends_the_pair_ends_without_blame_and_the_partner_is_told(
    client, pair, mentee, mentee_enrolment, mentor, mentor_enrolment, organiser, placement, sweep
):
    sweep(WARN_DAY)
    mail.outbox.clear()

    assert sweep(ENDS_ON) == {"warned": 0, "ended": 0}  # the last day of the placement
    assert sweep(DAY_AFTER) == {"warned": 0, "ended": 1}

    pair.refresh_from_db()
    assert pair.status == Pair.Status.ENDED
    assert pair.end_reason == Pair.EndReason.ROTATED_OUT and not pair.ended_badly
    assert Enrolment.objects.get(pk=mentee_enrolment.pk).status == Enrolment.Status.WITHDRAWN
    assert Enrolment.objects.get(pk=mentor_enrolment.pk).status == Enrolment.Status.ACTIVE
    [email] = mail.outbox
    assert email.to == [mentor.email]
    assert email.subject == (
        "Your mentee has moved to another trust: your pair in SLaM peer mentoring has ended"
    )
    assert "says nothing about you" in email.body and "free again" in email.body
    client.force_login(mentor)
    page = client.get(reverse("meetings:pair-detail", args=[pair.pk])).content.decode()
    assert "your mentee moved to another trust" in page

    # Running again, on the day or the next, ends and sends nothing more.
    assert sweep(DAY_AFTER) == {"warned": 0, "ended": 0}
    assert sweep(DAY_AFTER + timedelta(days=1)) == {"warned": 0, "ended": 0}
    assert len(mail.outbox) == 1


def test_a_mentor_rotating_out_leaves_the_mentee_first_in_line(
    pair, mentee, mentee_enrolment, mentor, scheme, sweep
):
    placement_of(mentor, scheme.organisation)

    sweep(DAY_AFTER)

    mentee_enrolment.refresh_from_db()
    assert mentee_enrolment.rematch_priority
    email = message_to(mentee)
    assert email.subject.startswith("Your mentor has moved to another trust")
    assert "first in line for a new mentor" in email.body


def test_a_new_placement_at_the_same_trust_ends_nothing_and_warns_nobody(
    pair, mentee, mentee_enrolment, scheme, placement, sweep
):
    PlacementFactory(
        organisation=scheme.organisation,
        gmc_number=placement.gmc_number,
        user=mentee,
        starts_on=DAY_AFTER,
        ends_on=None,
    )

    sweep(WARN_DAY)
    sweep(DAY_AFTER)

    assert mail.outbox == []
    assert Pair.objects.get(pk=pair.pk).is_current
    assert Enrolment.objects.get(pk=mentee_enrolment.pk).is_current


def test_a_scheme_letting_pairs_continue_across_trusts_is_only_warned(
    pair, mentee, mentor, mentee_enrolment, organiser, scheme, placement, sweep
):
    Scheme.objects.filter(pk=scheme.pk).update(pairs_continue_across_trusts=True)

    sweep(WARN_DAY)
    assert sweep(DAY_AFTER) == {"warned": 0, "ended": 0}

    assert recipients() == sorted([mentee.email, mentor.email, organiser.email])
    assert "may carry on" in message_to(mentor).body
    assert "without blame" not in message_to(mentor).body
    assert Pair.objects.get(pk=pair.pk).is_current
    assert Enrolment.objects.get(pk=mentee_enrolment.pk).status == Enrolment.Status.ACTIVE


@pytest.mark.parametrize("how", ["unlinked", "inactive"])
def test_a_placement_without_an_active_account_touches_nothing(
    how, pair, mentee, mentee_enrolment, placement, sweep
):
    if how == "unlinked":  # erasure unlinks the account from the trust's record
        placement.user = None
        placement.save(update_fields=["user"])
    else:
        mentee.is_active = False
        mentee.save(update_fields=["is_active"])

    sweep(WARN_DAY)
    sweep(DAY_AFTER)

    assert mail.outbox == []
    assert Pair.objects.get(pk=pair.pk).is_current
    assert Enrolment.objects.get(pk=mentee_enrolment.pk).is_current


def test_an_enrolment_made_after_the_placement_ended_is_not_ended_by_it(
    mentee_enrolment, placement, sweep
):
    Enrolment.objects.filter(pk=mentee_enrolment.pk).update(
        created_at=datetime(2027, 8, 4, 12, tzinfo=LONDON)
    )

    assert sweep(DAY_AFTER + timedelta(days=1))["ended"] == 0
    assert Enrolment.objects.get(pk=mentee_enrolment.pk).is_current


def test_in_a_scheme_run_for_several_trusts_only_places_counted_at_the_trust_end(
    scheme, other_scheme, other_organisation, sweep
):
    """An enrolment counts at the trust it names, else at its scheme's trust (Enrolment)."""
    here = EnrolmentFactory(scheme=scheme, organisation=other_organisation)
    placement_of(here.user, other_organisation)
    placement_of(here.user, scheme.organisation)  # ends too, but the place counts at Other
    visiting = EnrolmentFactory(scheme=other_scheme, organisation=scheme.organisation)
    placement_of(visiting.user, other_organisation)  # the place counts at SLaM: not this list

    assert sweep(DAY_AFTER)["ended"] == 1

    assert Enrolment.objects.get(pk=here.pk).status == Enrolment.Status.WITHDRAWN
    assert Enrolment.objects.get(pk=visiting.pk).is_current


# --- What stops and what still arrives ---------------------------------------------------------


def test_reminders_and_nudges_stop_for_a_pair_ended_by_rotation(pair, other_pair, placement, sweep):
    starts_at = datetime(2027, 8, 6, 10, tzinfo=LONDON)
    planned = PlannedMeetingFactory(pair=pair, starts_at=starts_at)
    PlannedMeetingFactory(pair=other_pair, starts_at=starts_at)

    sweep(DAY_AFTER)
    with at(date(2027, 8, 5), hour=10):
        reminders_queue_due()
    with at(date(2027, 10, 1), hour=10):  # long past any meeting interval
        reminders_queue_due()

    assert PlannedMeeting.objects.get(pk=planned.pk).is_cancelled
    reminded = Notification.objects.filter(kind__in=["meeting_reminder", "pair_nudge"])
    assert reminded.exists()  # the other pair still gets them
    assert not reminded.filter(recipient__in=[pair.mentee, pair.mentor]).exists()


@pytest.mark.parametrize("both_rotate", [False, True])
def test_a_pair_ended_by_rotation_still_gets_its_end_of_pair_survey(
    both_rotate, pair, mentee, mentor, scheme, placement, sweep, django_capture_on_commit_callbacks
):
    if both_rotate:
        placement_of(mentor, scheme.organisation)
    sweep(DAY_AFTER)

    with at(date(2027, 8, 5), hour=9), django_capture_on_commit_callbacks(execute=True):
        survey_sweep()

    invited = Invitation.objects.filter(moment=Moment.END_OF_PAIR, pair=pair)
    assert sorted(invited.values_list("user__email", flat=True)) == sorted(
        [mentee.email, mentor.email]
    )


def test_someone_who_left_of_their_own_accord_is_still_not_surveyed(
    pair, mentee, mentee_enrolment, mentor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_withdraw(enrolment=mentee_enrolment)
        survey_sweep()

    invited = Invitation.objects.filter(moment=Moment.END_OF_PAIR, pair=pair)
    assert list(invited.values_list("user__email", flat=True)) == [mentor.email]


# --- The task and the schedule -----------------------------------------------------------------


def test_the_sweep_is_in_the_beat_schedule_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["schemes-placements-ending"]

    assert entry["task"] == "schemes.tasks.placements_ending_sweep"
    assert entry["schedule"] == 24 * 60 * 60


def test_the_task_runs_the_sweep_for_today(pair, placement, django_capture_on_commit_callbacks):
    with at(DAY_AFTER), django_capture_on_commit_callbacks(execute=True):
        assert placements_ending_sweep() == {"warned": 0, "ended": 1}


# --- The scheme's settings ---------------------------------------------------------------------


def untouched_settings(scheme):
    """What the settings page posts back when the organiser changes nothing."""
    form = SchemeForm(instance=scheme)
    data = {
        "windows-TOTAL_FORMS": "0",
        "windows-INITIAL_FORMS": "0",
        "windows-MIN_NUM_FORMS": "0",
        "windows-MAX_NUM_FORMS": "1000",
    }
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is True:
            data[name] = "on"
        elif value is not False and value is not None:  # 0 is a value, False is not
            data[name] = value
    return data


def test_the_settings_checkbox_lets_pairs_continue_across_trusts(client, organiser, scheme):
    client.force_login(organiser)
    url = reverse("schemes:edit", args=[scheme.slug])
    page = client.get(url).content.decode()
    assert 'name="pairs_continue_across_trusts"' in page
    assert "Pairs may continue when a member rotates to another trust" in page

    response = client.post(
        url, {**untouched_settings(scheme), "pairs_continue_across_trusts": "on"}
    )

    assert response.status_code == 302
    scheme.refresh_from_db()
    assert scheme.pairs_continue_across_trusts


@pytest.mark.parametrize("continues", [False, True])
def test_saving_the_settings_untouched_changes_nothing(client, organiser, scheme, continues):
    Scheme.objects.filter(pk=scheme.pk).update(pairs_continue_across_trusts=continues)
    scheme.refresh_from_db()
    before = model_to_dict(scheme)
    client.force_login(organiser)

    response = client.post(reverse("schemes:edit", args=[scheme.slug]), untouched_settings(scheme))

    assert response.status_code == 302
    scheme.refresh_from_db()
    assert model_to_dict(scheme) == before
    assert scheme.pairs_continue_across_trusts is continues
