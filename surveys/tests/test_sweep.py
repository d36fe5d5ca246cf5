"""When surveys go out: due-date logic under frozen time, idempotence, and the one reminder."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from matching.models import Pair
from matching.tests.factories import PairFactory
from schemes.models import Enrolment
from surveys.models import Audience, Invitation, Moment, SchemeSurveySchedule
from surveys.panels import surveys_to_answer
from surveys.schedule import add_months, follow_up_number
from surveys.tests.conftest import emails_to, survey_link
from surveys.tests.factories import schedule_entry

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
MATCHED = datetime(2026, 1, 15, 10, 0, tzinfo=LONDON)


def at(*args):
    return time_machine.travel(datetime(*args, tzinfo=LONDON), tick=False)


@pytest.fixture
def matched_pair(pair):
    Pair.objects.filter(pk=pair.pk).update(created_at=MATCHED, status_changed_at=MATCHED)
    pair.refresh_from_db()
    return pair


def invitations(**filters):
    return list(Invitation.objects.filter(**filters).order_by("pk"))


# --- Pure date arithmetic -----------------------------------------------------------------------


def test_a_month_after_the_31st_is_the_last_day_of_a_shorter_month():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)


def test_a_follow_up_is_due_on_the_day_a_whole_interval_has_passed():
    start = date(2026, 1, 15)
    assert follow_up_number(start, date(2026, 4, 14), 3) == 0
    assert follow_up_number(start, date(2026, 4, 15), 3) == 1
    assert follow_up_number(start, date(2026, 7, 14), 3) == 1
    assert follow_up_number(start, date(2026, 7, 15), 3) == 2
    assert follow_up_number(start, date(2026, 3, 15), 2) == 1


# --- The default schedule -----------------------------------------------------------------------


def test_a_scheme_collecting_outcome_data_gets_the_default_schedule_at_the_first_sweep(
    scheme, sweep
):
    assert not scheme.survey_schedule.exists()
    sweep()
    entries = {(e.moment, e.audience): e.template.key for e in scheme.survey_schedule.all()}
    assert entries == {
        (Moment.AT_MATCH, Audience.MENTEE): "mentee-baseline",
        (Moment.PERIODIC, Audience.MENTEE): "mentee-follow-up",
        (Moment.PERIODIC, Audience.MENTOR): "mentor-follow-up",
        (Moment.END_OF_PAIR, Audience.MENTEE): "mentee-end-of-pair",
        (Moment.END_OF_PAIR, Audience.MENTOR): "mentor-end-of-pair",
    }
    assert scheme.survey_schedule.get(moment=Moment.PERIODIC, audience="mentee").every_months == 3


def test_a_scheme_that_does_not_collect_outcome_data_gets_no_schedule_and_sends_nothing(
    scheme, pair, sweep
):
    scheme.collects_outcome_data = False
    scheme.save()
    sweep()
    assert not scheme.survey_schedule.exists()
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_an_organisers_choice_to_stop_a_survey_stands_after_the_next_sweep(scheme, pair, sweep):
    sweep()
    Invitation.objects.all().delete()
    scheme.survey_schedule.update(is_active=False)
    sweep()
    assert scheme.survey_schedule.count() == 5
    assert not scheme.survey_schedule.filter(is_active=True).exists()
    assert not Invitation.objects.exists()


# --- At match -----------------------------------------------------------------------------------


def test_a_new_mentee_is_asked_the_baseline_survey_by_email(matched_pair, sweep):
    with at(2026, 1, 15, 11):
        counts = sweep()
    [invitation] = invitations()
    assert counts["invited"] == 1
    assert (invitation.user, invitation.moment) == (matched_pair.mentee, Moment.AT_MATCH)
    assert invitation.template.key == "mentee-baseline"
    assert invitation.anonymous is True
    assert invitation.sent_at is not None
    [message] = mail.outbox
    assert message.to == [matched_pair.mentee.email]
    assert "no need to log in" in message.body
    assert survey_link(message)


def test_a_pair_matched_more_than_two_weeks_ago_gets_no_baseline(matched_pair, sweep):
    with at(2026, 1, 30, 11):
        sweep()
    assert not invitations(moment=Moment.AT_MATCH)


def test_running_the_sweep_twice_sends_once(matched_pair, sweep):
    with at(2026, 1, 15, 11):
        first = sweep()
    with at(2026, 1, 15, 12):
        second = sweep()
    assert (first["invited"], second["invited"]) == (1, 0)
    assert Invitation.objects.count() == 1
    assert len(mail.outbox) == 1


# --- Every N months -----------------------------------------------------------------------------


def test_follow_ups_go_to_mentee_and_mentor_every_three_months_while_the_pair_is_active(
    matched_pair, sweep
):
    with at(2026, 1, 15, 11):
        sweep()  # baseline
    with at(2026, 4, 14, 23):
        sweep()
    assert not invitations(moment=Moment.PERIODIC)

    with at(2026, 4, 15, 9):
        sweep()
        sweep()
    follow_ups = invitations(moment=Moment.PERIODIC)
    assert {(i.user, i.template.key, i.period) for i in follow_ups} == {
        (matched_pair.mentee, "mentee-follow-up", f"pair-{matched_pair.pk}-month-3"),
        (matched_pair.mentor, "mentor-follow-up", f"pair-{matched_pair.pk}-month-3"),
    }

    with at(2026, 7, 15, 9):
        sweep()
    assert {i.period for i in invitations(moment=Moment.PERIODIC, user=matched_pair.mentee)} == {
        f"pair-{matched_pair.pk}-month-3",
        f"pair-{matched_pair.pk}-month-6",
    }


def test_the_interval_is_the_schemes_choice(matched_pair, sweep):
    with at(2026, 1, 15, 11):
        sweep()
    SchemeSurveySchedule.objects.filter(moment=Moment.PERIODIC).update(every_months=2)
    with at(2026, 3, 15, 9):
        sweep()
    assert {i.period for i in invitations(moment=Moment.PERIODIC)} == {
        f"pair-{matched_pair.pk}-month-2"
    }


def test_missed_follow_ups_are_not_sent_late_only_the_latest_is(matched_pair, sweep):
    with at(2026, 10, 20, 9):
        sweep()
    periods = {i.period for i in invitations(moment=Moment.PERIODIC)}
    assert periods == {f"pair-{matched_pair.pk}-month-9"}


def test_a_paused_pair_gets_no_follow_up(matched_pair, sweep):
    Pair.objects.filter(pk=matched_pair.pk).update(status=Pair.Status.PAUSED)
    with at(2026, 4, 20, 9):
        sweep()
    assert not invitations(moment=Moment.PERIODIC)


def test_nobody_who_left_the_scheme_is_asked(matched_pair, sweep):
    Enrolment.objects.filter(pk=matched_pair.mentor_enrolment_id).update(
        status=Enrolment.Status.WITHDRAWN
    )
    with at(2026, 4, 20, 9):
        sweep()
    assert [i.user for i in invitations(moment=Moment.PERIODIC)] == [matched_pair.mentee]


# --- At the end of a pair and of the year -------------------------------------------------------


def test_both_members_are_asked_when_a_pair_ends_within_the_last_month(matched_pair, sweep):
    ended = datetime(2026, 5, 1, 12, tzinfo=LONDON)
    Pair.objects.filter(pk=matched_pair.pk).update(status=Pair.Status.ENDED, ended_at=ended)
    with at(2026, 5, 2, 9):
        sweep()
    assert {(i.user, i.template.key) for i in invitations(moment=Moment.END_OF_PAIR)} == {
        (matched_pair.mentee, "mentee-end-of-pair"),
        (matched_pair.mentor, "mentor-end-of-pair"),
    }
    assert not invitations(moment=Moment.PERIODIC)


def test_a_pair_that_ended_long_ago_gets_no_end_of_pair_survey(matched_pair, sweep):
    ended = datetime(2026, 2, 1, 12, tzinfo=LONDON)
    Pair.objects.filter(pk=matched_pair.pk).update(status=Pair.Status.ENDED, ended_at=ended)
    with at(2026, 3, 15, 9):
        sweep()
    assert not invitations(moment=Moment.END_OF_PAIR)


def test_the_end_of_year_survey_goes_once_in_the_chosen_month_to_each_mentor(
    scheme, matched_pair, sweep
):
    # A mentor of two mentees is asked once.
    PairFactory(
        scheme=scheme,
        mentor_enrolment=matched_pair.mentor_enrolment,
        mentee_enrolment__scheme=scheme,
        created_at=MATCHED,
    )
    with at(2026, 6, 30, 9):
        sweep()
    schedule_entry(
        scheme,
        moment=Moment.END_OF_YEAR,
        audience=Audience.MENTOR,
        key="mentor-follow-up",
        year_end_month=7,
    )
    with at(2026, 6, 30, 10):
        sweep()
    assert not invitations(moment=Moment.END_OF_YEAR)
    with at(2026, 7, 1, 9):
        sweep()
    with at(2026, 7, 20, 9):
        sweep()
    [invitation] = invitations(moment=Moment.END_OF_YEAR)
    assert (invitation.user, invitation.period) == (matched_pair.mentor, "year-2026")


# --- Reminders ----------------------------------------------------------------------------------


def test_one_reminder_goes_after_seven_days_and_never_a_second(matched_pair, sweep):
    mentee = matched_pair.mentee.email
    with at(2026, 1, 15, 11):
        sweep()
    with at(2026, 1, 22, 10, 59):
        sweep()
    assert len(emails_to(mentee)) == 1
    with at(2026, 1, 22, 11, 0):
        assert sweep()["reminded"] == 1
        sweep()
    with at(2026, 2, 10, 9):
        sweep()
    messages = emails_to(mentee)
    assert len(messages) == 2
    assert messages[1].subject.startswith("Reminder:")
    assert "only reminder" in messages[1].body
    assert survey_link(messages[1]) != survey_link(messages[0])


def test_nobody_who_has_answered_is_reminded(matched_pair, sweep):
    with at(2026, 1, 15, 11):
        sweep()
    Invitation.objects.update(responded_at=datetime(2026, 1, 16, tzinfo=LONDON))
    with at(2026, 1, 25, 9):
        assert sweep()["reminded"] == 0
    assert len(mail.outbox) == 1


def test_someone_who_turned_survey_emails_off_finds_the_survey_on_my_mentoring_only(
    matched_pair, sweep, rf
):
    mentee = matched_pair.mentee
    mentee.email_opt_outs = ["survey_invitation"]
    mentee.save()
    with at(2026, 1, 15, 11):
        sweep()
    with at(2026, 1, 25, 9):
        sweep()
        assert mail.outbox == []
        [invitation] = invitations()
        assert invitation.sent_at is None and invitation.reminded_at is None
        request = rf.get("/accounts/my-mentoring/")
        request.user = mentee
        panel = surveys_to_answer(request)
    assert [invitation for invitation, _ in panel["context"]["invitations"]] == [invitation]


def test_invitations_close_after_sixty_days(matched_pair, sweep):
    with at(2026, 1, 15, 11):
        sweep()
    [invitation] = invitations()
    assert invitation.closes_at - invitation.created_at == timedelta(days=60)


def test_the_beat_task_runs_the_sweep(matched_pair, django_capture_on_commit_callbacks):
    from surveys.tasks import surveys_sweep

    with at(2026, 1, 15, 11), django_capture_on_commit_callbacks(execute=True):
        assert surveys_sweep.delay().get() == {"invited": 1, "reminded": 0}
    assert len(mail.outbox) == 1


def test_the_built_in_templates_come_back_if_the_tables_were_emptied(scheme, sweep):
    from surveys.models import Question, SurveyTemplate

    Question.objects.all().delete()
    SurveyTemplate.objects.all().delete()
    sweep()
    builtins = SurveyTemplate.objects.filter(scheme=None)
    assert builtins.values("key").distinct().count() == 5
    assert builtins.count() == 7  # the two "looking back" surveys have a version 2
    assert scheme.survey_schedule.count() == 5
    assert (
        scheme.survey_schedule.get(moment=Moment.END_OF_PAIR, audience="mentee").template.version
        == 2
    )


# --- The closing ("looking back") survey --------------------------------------------------------


def test_a_pair_that_ended_is_sent_one_closing_survey_however_often_the_sweep_runs(
    matched_pair, sweep
):
    ended = datetime(2026, 5, 1, 12, tzinfo=LONDON)
    Pair.objects.filter(pk=matched_pair.pk).update(status=Pair.Status.ENDED, ended_at=ended)
    with at(2026, 5, 1, 13):
        sweep()
    with at(2026, 5, 1, 13, 0, 20):
        sweep()
    with at(2026, 5, 2, 13):
        sweep()
    for member in (matched_pair.mentee, matched_pair.mentor):
        assert len(emails_to(member.email)) == 1
        assert len(invitations(user=member)) == 1


def test_a_mentor_whose_two_pairs_end_together_is_asked_one_at_a_time_each_naming_the_pair(
    scheme, matched_pair, sweep
):
    second = PairFactory(
        scheme=scheme,
        mentor_enrolment=matched_pair.mentor_enrolment,
        mentee_enrolment__scheme=scheme,
        mentee_enrolment__user__first_name="Priya",
        created_at=MATCHED,
    )
    ended = datetime(2026, 5, 1, 12, tzinfo=LONDON)
    Pair.objects.filter(pk__in=[matched_pair.pk, second.pk]).update(
        status=Pair.Status.ENDED, ended_at=ended
    )
    mentor = matched_pair.mentor
    with at(2026, 5, 1, 13):
        sweep()
    with at(2026, 5, 1, 13, 0, 20):
        sweep()
    [first_email] = emails_to(mentor.email)
    with at(2026, 5, 2, 14):
        sweep()
    first, second_email = emails_to(mentor.email)
    assert first is first_email
    names = {matched_pair.mentee.first_name, "Priya"}
    for email in (first, second_email):
        named = {name for name in names if f"(with {name})" in email.subject}
        assert len(named) == 1
        assert (
            f"your mentoring with {named.pop()} in SLaM peer mentoring, which ended on 1 May 2026"
            in email.body
        )
    assert first.subject != second_email.subject


def test_the_closing_survey_speaks_of_the_pair_in_the_past_and_names_it(
    matched_pair, sweep, client
):
    ended = datetime(2026, 5, 1, 12, tzinfo=LONDON)
    Pair.objects.filter(pk=matched_pair.pk).update(status=Pair.Status.ENDED, ended_at=ended)
    with at(2026, 5, 2, 9):
        sweep()
        [email] = emails_to(matched_pair.mentee.email)
        page = client.get(survey_link(email)).content.decode()
    mentor_name = matched_pair.mentor.first_name
    assert (
        f"This survey is about your mentoring with {mentor_name} in SLaM peer mentoring, "
        "which ended on 1 May 2026." in page
    )
    assert "We met regularly." in page and "My mentor gave me useful feedback." in page
    assert "We meet regularly." not in page and "gives me" not in page
    assert "Your mentoring pair has ended." in page
