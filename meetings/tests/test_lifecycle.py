"""Life cycle (DESIGN.md): an enrolment or account that ends ends what depends on it, in the same
transaction, and tells the people affected: once, kindly, and without naming a closed account.

One test per way an enrolment or account ends (schemes.lifecycle's table), and per state a pair
can be in when it does.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.personal_data import erase_person
from accounts.tests.factories import DEFAULT_PASSWORD
from matching.models import MentorChoice, Pair
from matching.services import mentor_choice_accept
from matching.tests.factories import PairFactory
from meetings.models import Nudge, PlannedMeeting
from meetings.tests.factories import PlannedMeetingFactory
from reports.uptake import uptake_by_scheme
from schemes.models import Enrolment
from schemes.services import enrolment_change_status, enrolment_withdraw
from schemes.tests.factories import EnrolmentFactory, MentorEnrolmentFactory
from surveys.models import Moment
from surveys.tests.factories import invite

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run a use case as a request would, sending the emails it queues once it commits."""

    def call(function, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(**kwargs)

    return call


def emails_to(user):
    return [message for message in mail.outbox if message.to == [user.email]]


def left_emails_to(user):
    return [message for message in emails_to(user) if "has left" in message.subject]


def current_pairs_of(enrolment):
    return Pair.objects.filter(mentor_enrolment=enrolment).exclude(status=Pair.Status.ENDED)


# --- Each way an enrolment ends ----------------------------------------------------------------


def test_a_mentee_who_leaves_ends_the_pair_frees_the_place_and_the_mentor_is_told_kindly(
    run, pair, mentee_enrolment, mentor, mentor_enrolment
):
    Enrolment.objects.filter(pk=mentor_enrolment.pk).update(capacity=1)  # full with this pair
    planned = PlannedMeetingFactory(pair=pair)
    Nudge.objects.create(pair=pair, anchor_on=timezone.localdate(), number=1)

    run(enrolment_withdraw, enrolment=mentee_enrolment)

    pair.refresh_from_db()
    assert pair.status == Pair.Status.ENDED
    assert pair.end_reason == Pair.EndReason.MEMBER_LEFT and not pair.ended_badly
    assert not current_pairs_of(mentor_enrolment).exists()
    assert PlannedMeeting.objects.get(pk=planned.pk).is_cancelled
    assert not Nudge.objects.filter(pair=pair, answered_at=None).exists()
    [email] = left_emails_to(mentor)
    assert email.subject == "Your mentee has left SLaM peer mentoring"
    assert "Maya, your mentee, has left SLaM peer mentoring" in email.body
    assert "says nothing about you" in email.body and "free again" in email.body

    # The place is free: another mentee can take it (capacity counts current pairs only).
    newcomer = EnrolmentFactory(scheme=pair.scheme)
    choice = MentorChoice.objects.create(
        mentee_enrolment=newcomer,
        mentor_enrolment=mentor_enrolment,
        status=MentorChoice.Status.WAITING,
        offered_at=timezone.now(),
    )
    assert mentor_choice_accept(choice=choice).status == Pair.Status.INTRODUCED


def test_a_mentor_who_leaves_ends_the_pair_and_the_mentee_goes_first_in_line(
    run, pair, mentee, mentee_enrolment, mentor_enrolment
):
    run(enrolment_withdraw, enrolment=mentor_enrolment)

    pair.refresh_from_db()
    mentee_enrolment.refresh_from_db()
    assert pair.status == Pair.Status.ENDED and pair.end_reason == Pair.EndReason.MEMBER_LEFT
    assert mentee_enrolment.status == Enrolment.Status.ACTIVE
    assert mentee_enrolment.rematch_priority
    [email] = left_emails_to(mentee)
    assert email.subject == "Your mentor has left SLaM peer mentoring"
    assert "first in line for a new mentor" in email.body


def test_an_organiser_removing_an_enrolment_ends_its_pair_as_a_place_ended(
    run, client, organiser, pair, mentee_enrolment, mentor
):
    client.force_login(organiser)
    run(
        client.post,
        path=reverse(
            "schemes:enrolment-status",
            args=[pair.scheme.slug, mentee_enrolment.pk, "remove"],
        ),
    )

    pair.refresh_from_db()
    assert pair.status == Pair.Status.ENDED and pair.end_reason == Pair.EndReason.PLACE_ENDED
    assert len(left_emails_to(mentor)) == 1
    pairs_page = client.get(reverse("meetings:organiser-pairs", args=[pair.scheme.slug]))
    assert "The organiser ended a member&#x27;s place" in pairs_page.content.decode()


def test_a_mentee_who_erases_their_account_ends_the_pair_and_is_never_named(
    run, client, pair, mentee, mentee_enrolment, mentor, organiser
):
    client.force_login(mentee)
    run(
        client.post,
        path=reverse("accounts:erase"),
        data={"password": DEFAULT_PASSWORD, "confirm": "on"},
    )

    pair.refresh_from_db()
    mentee_enrolment.refresh_from_db()
    assert pair.status == Pair.Status.ENDED
    assert pair.end_reason == Pair.EndReason.ACCOUNT_CLOSED and pair.ended_by is None
    assert mentee_enrolment.status == Enrolment.Status.WITHDRAWN
    [email] = left_emails_to(mentor)
    text = email.body + email.alternatives[0][0] + email.subject
    assert "Your mentee has left SLaM peer mentoring and closed their account" in email.body
    assert "Erased" not in text and "erased" not in text and "Maya" not in text
    assert emails_to(mentee) == []  # nothing goes to a closed account

    client.force_login(mentor)
    for page in (
        client.get(reverse("accounts:my-mentoring")),
        client.get(reverse("meetings:pair-detail", args=[pair.pk])),
    ):
        text = page.content.decode()
        assert "Former mentee (account closed)" in text
        assert "Erased" not in text and "erased.invalid" not in text
    assert "Past pairs" in client.get(reverse("accounts:my-mentoring")).content.decode()
    client.force_login(organiser)
    pairs_page = client.get(reverse("meetings:organiser-pairs", args=[pair.scheme.slug]))
    assert "A member closed their account" in pairs_page.content.decode()


def test_a_mentor_who_erases_their_account_ends_every_pair_and_each_mentee_is_told(
    run, pair, mentee, mentor, mentor_enrolment
):
    mentor_enrolment.capacity = 2
    mentor_enrolment.save()
    second = PairFactory(scheme=pair.scheme, mentor_enrolment=mentor_enrolment)

    run(erase_person, user=mentor)

    for each in (pair, second):
        each.refresh_from_db()
        assert each.status == Pair.Status.ENDED
        assert each.end_reason == Pair.EndReason.ACCOUNT_CLOSED
        assert each.mentee_enrolment.rematch_priority
    for mentee_of_mentor in (mentee, second.mentee):
        [email] = left_emails_to(mentee_of_mentor)
        assert "Your mentor has left SLaM peer mentoring and closed their account" in email.body
        assert "Tom" not in email.body and "erased" not in email.body.lower()


def test_a_person_in_both_roles_who_erases_their_account_ends_both_pairs(run, scheme):
    both = EnrolmentFactory(scheme=scheme)
    as_mentor = MentorEnrolmentFactory(scheme=scheme, user=both.user)
    their_mentor = PairFactory(scheme=scheme, mentee_enrolment=both)
    their_mentee = PairFactory(scheme=scheme, mentor_enrolment=as_mentor)

    run(erase_person, user=both.user)

    assert set(Enrolment.objects.filter(user=both.user).values_list("status", flat=True)) == {
        Enrolment.Status.WITHDRAWN
    }
    for each in (their_mentor, their_mentee):
        each.refresh_from_db()
        assert each.status == Pair.Status.ENDED
    assert len(left_emails_to(their_mentor.mentor)) == 1
    assert len(left_emails_to(their_mentee.mentee)) == 1


# --- Each state a pair can be in ---------------------------------------------------------------


def test_a_paused_pair_ends_when_a_member_leaves(run, pair, mentee_enrolment, mentor):
    Pair.objects.filter(pk=pair.pk).update(status=Pair.Status.PAUSED)
    run(enrolment_withdraw, enrolment=mentee_enrolment)
    pair.refresh_from_db()
    assert pair.status == Pair.Status.ENDED
    assert len(left_emails_to(mentor)) == 1


def test_a_pair_that_had_already_ended_is_left_as_it_was_and_nobody_is_told_again(
    run, pair, mentee_enrolment, mentor
):
    ended_at = timezone.now() - timedelta(days=3)
    Pair.objects.filter(pk=pair.pk).update(
        status=Pair.Status.ENDED, ended_at=ended_at, end_reason=Pair.EndReason.GOALS_MET
    )
    run(enrolment_withdraw, enrolment=mentee_enrolment)
    pair.refresh_from_db()
    assert pair.end_reason == Pair.EndReason.GOALS_MET and pair.ended_at == ended_at
    assert mail.outbox == []


def test_leaving_twice_ends_once_and_tells_once(run, pair, mentee_enrolment, mentor):
    run(enrolment_withdraw, enrolment=mentee_enrolment)
    pair.refresh_from_db()
    first_end = pair.ended_at
    run(enrolment_withdraw, enrolment=mentee_enrolment)
    run(enrolment_withdraw, enrolment=Enrolment.objects.get(pk=mentee_enrolment.pk))
    pair.refresh_from_db()
    assert pair.ended_at == first_end
    assert len(left_emails_to(mentor)) == 1


def test_an_organiser_cannot_remove_an_enrolment_that_already_ended(mentee_enrolment, pair):
    enrolment_withdraw(enrolment=mentee_enrolment)
    with pytest.raises(Exception, match="cannot be removed"):
        enrolment_change_status(enrolment=mentee_enrolment, action="remove")


# --- What else depends on an enrolment ---------------------------------------------------------


def test_a_mentee_who_leaves_withdraws_their_open_requests_to_mentors(run, scheme):
    mentee_enrolment = EnrolmentFactory(scheme=scheme)
    mentor_enrolment = MentorEnrolmentFactory(scheme=scheme)
    choice = MentorChoice.objects.create(
        mentee_enrolment=mentee_enrolment,
        mentor_enrolment=mentor_enrolment,
        status=MentorChoice.Status.WAITING,
        offered_at=timezone.now(),
    )
    run(enrolment_withdraw, enrolment=mentee_enrolment)
    choice.refresh_from_db()
    assert choice.status == MentorChoice.Status.WITHDRAWN


def test_a_mentor_who_leaves_closes_requests_waiting_for_them_and_the_mentee_is_told(run, scheme):
    mentee_enrolment = EnrolmentFactory(scheme=scheme)
    mentor_enrolment = MentorEnrolmentFactory(scheme=scheme)
    choice = MentorChoice.objects.create(
        mentee_enrolment=mentee_enrolment,
        mentor_enrolment=mentor_enrolment,
        status=MentorChoice.Status.WAITING,
        offered_at=timezone.now(),
    )
    from schemes.lifecycle import EndCause

    run(enrolment_withdraw, enrolment=mentor_enrolment, cause=EndCause.ACCOUNT_CLOSED)
    choice.refresh_from_db()
    assert choice.status == MentorChoice.Status.WITHDRAWN
    [email] = emails_to(mentee_enrolment.user)
    assert "no longer taking part" in email.body
    assert mentor_enrolment.user.first_name not in email.body


def test_a_person_who_leaves_is_sent_no_further_survey_reminders_in_that_scheme(
    run, pair, mentee, mentee_enrolment
):
    invitation = invite(mentee, pair.scheme, moment=Moment.PERIODIC)
    run(enrolment_withdraw, enrolment=mentee_enrolment)
    invitation.refresh_from_db()
    assert not invitation.is_open()


def test_erasing_an_account_lowers_the_enrolled_count_with_the_eligible_count(
    run, pair, mentee, other_trainee
):
    scheme = pair.scheme
    eligible, enrolled, _ = uptake_by_scheme([scheme])[scheme.pk]

    run(erase_person, user=mentee)

    assert uptake_by_scheme([scheme])[scheme.pk][:2] == (eligible - 1, enrolled - 1)
