from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from accounts.models import Notification
from schemes.models import SchemeRole
from schemes.tests.factories import MemberFactory, MentorEnrolmentFactory, appoint
from supervision.models import MentorFlag, SessionAttendance, SupervisionSession
from supervision.services import (
    supervision_apologies_send,
    supervision_attendance_record,
    supervision_reminders_queue,
)
from supervision.tasks import supervision_reminders_sweep

from .factories import assign, session_with

pytestmark = pytest.mark.django_db

NOTES = "Tom seemed stretched; follow up about rota pressures."


def in_days(days, hour=18):
    return (timezone.localtime() + timedelta(days=days)).replace(
        hour=hour, minute=0, second=0, microsecond=0
    )


@pytest.fixture
def group(scheme, supervisor, mentor_enrolment):
    """The supervisor's three mentors: `mentor` and two more."""
    others = [MentorEnrolmentFactory(scheme=scheme) for _ in range(2)]
    for enrolment in [mentor_enrolment, *others]:
        assign(supervisor, enrolment)
    return [mentor_enrolment, *others]


def schedule_data(chosen, **overrides):
    data = {
        "kind": "group",
        "starts_at": in_days(10).strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": "90",
        "place": "Maudsley Hospital, Seminar room 3",
        "agenda": "Handling a mentee in difficulty",
        "mentors": [enrolment.pk for enrolment in chosen],
    }
    data.update(overrides)
    return data


# --- Scheduling -------------------------------------------------------------------------------


def test_supervisor_schedules_a_group_session_and_each_mentor_gets_an_ics_invitation(
    client, supervisor, scheme, group, django_capture_on_commit_callbacks
):
    client.force_login(supervisor)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("supervision:session-schedule", args=[scheme.slug]), schedule_data(group)
        )

    session = SupervisionSession.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("supervision:session", args=[session.pk])
    assert session.kind == "group" and session.duration_minutes == 90
    assert session.attendances.filter(status="invited").count() == 3
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        enrolment.user.email for enrolment in group
    )
    message = next(m for m in mail.outbox if m.to == [group[0].user.email])
    filename, content, mimetype = message.attachments[0]
    assert filename == "supervision.ics" and mimetype == "text/calendar; method=REQUEST"
    event = Calendar.from_ical(content).walk("VEVENT")[0]
    assert event["dtstart"].dt == session.starts_at
    assert str(event["location"]) == "Maudsley Hospital, Seminar room 3"
    attendees = event.get("attendee")
    attendees = attendees if isinstance(attendees, list) else [attendees]
    assert [str(a) for a in attendees] == [f"mailto:{group[0].user.email}"]


def test_scheduling_twice_never_sends_an_invitation_twice(supervisor, scheme, group):
    from supervision.services import supervision_session_schedule

    session = supervision_session_schedule(
        scheme=scheme,
        supervisor=supervisor,
        kind="one_to_one",
        starts_at=in_days(3),
        duration_minutes=60,
        place="Room 1",
        mentor_enrolments=[group[0]],
    )
    from accounts.services import notification_queue

    again = notification_queue(
        key=f"supervision_invitation:session:{session.pk}:enrolment:{group[0].pk}:seq:0",
        kind="supervision_invitation",
        recipient=group[0].user,
    )
    assert again is None
    assert Notification.objects.filter(kind="supervision_invitation").count() == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"kind": "one_to_one"}, "exactly one mentor"),
        ({"mentors": []}, "Choose the mentors to invite"),
        ({"starts_at": "2020-03-01T10:00"}, "in the future"),
        ({"duration_minutes": "5"}, "between 15 and 480"),
    ],
)
def test_bad_schedules_say_what_to_fix_and_send_nothing(
    client, supervisor, scheme, group, overrides, message
):
    client.force_login(supervisor)
    response = client.post(
        reverse("supervision:session-schedule", args=[scheme.slug]),
        schedule_data(group, **overrides),
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SupervisionSession.objects.exists()
    assert not Notification.objects.exists()


def test_a_supervisor_invites_only_their_own_mentors(client, supervisor, scheme, group):
    stranger = MentorEnrolmentFactory(scheme=scheme)  # not assigned to this supervisor
    client.force_login(supervisor)
    response = client.post(
        reverse("supervision:session-schedule", args=[scheme.slug]),
        schedule_data([group[0], stranger]),
    )
    assert response.status_code == 200
    assert "mentors" in response.context["form"].errors
    assert not SupervisionSession.objects.exists()


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("mentor", 403),
        ("organiser", 403),
        ("mentee", 403),
        ("dme", 403),
        ("other_organiser", 404),
        ("other_dme", 404),
        ("anonymous", 302),
    ],
)
def test_only_supervisors_schedule_supervision(as_role, scheme, group, role, expected):
    response = as_role(role).post(
        reverse("supervision:session-schedule", args=[scheme.slug]), schedule_data(group)
    )
    assert response.status_code == expected
    assert not SupervisionSession.objects.exists()


# --- Who sees a session, and a supervisor's notes ---------------------------------------------


@pytest.fixture
def noted_session(supervisor, mentor_enrolment):
    assign(supervisor, mentor_enrolment)
    return session_with(supervisor, [mentor_enrolment], supervisor_notes=NOTES)


@pytest.mark.parametrize(
    ("role", "status", "sees_notes"),
    [
        ("supervisor", 200, True),
        ("mentor", 200, False),
        ("organiser", 200, False),
        ("mentee", 403, False),
        ("other_pair_mentee", 403, False),
        ("other_pair_mentor", 403, False),
        ("dme", 403, False),
        ("regional_lead", 403, False),
        ("other_organiser", 404, False),
        ("other_dme", 404, False),
        ("anonymous", 302, False),
    ],
)
def test_a_supervisors_notes_are_seen_by_the_supervisor_alone(
    as_role, noted_session, role, status, sees_notes
):
    client = as_role(role)
    response = client.get(reverse("supervision:session", args=[noted_session.pk]))
    calendar = client.get(reverse("supervision:session-calendar", args=[noted_session.pk]))

    assert response.status_code == status
    assert (NOTES in response.content.decode()) is sees_notes
    assert NOTES not in calendar.content.decode()


def test_another_supervisor_of_the_same_scheme_cannot_read_the_notes(client, scheme, noted_session):
    colleague = appoint(
        MemberFactory(organisation=scheme.organisation), scheme, SchemeRole.Role.SUPERVISOR
    )
    client.force_login(colleague)
    response = client.get(reverse("supervision:session", args=[noted_session.pk]))
    assert response.status_code == 403
    assert NOTES not in response.content.decode()


def test_a_site_admin_does_not_see_the_session_or_its_notes(client, superuser, noted_session):
    # The site admin is organiser of no scheme by being admin: a stranger to this one.
    client.force_login(superuser)
    response = client.get(reverse("supervision:session", args=[noted_session.pk]))
    assert response.status_code == 404
    assert NOTES not in response.content.decode()


@pytest.mark.parametrize(
    ("role", "expected"),
    [("mentor", 403), ("organiser", 403), ("other_organiser", 404), ("anonymous", 302)],
)
def test_only_the_supervisor_writes_notes(as_role, noted_session, role, expected):
    response = as_role(role).post(
        reverse("supervision:session-notes", args=[noted_session.pk]), {"notes": "Overwritten"}
    )
    assert response.status_code == expected
    noted_session.refresh_from_db()
    assert noted_session.supervisor_notes == NOTES


def test_supervisor_saves_notes(client, supervisor, noted_session):
    client.force_login(supervisor)
    client.post(
        reverse("supervision:session-notes", args=[noted_session.pk]), {"notes": "New notes"}
    )
    noted_session.refresh_from_db()
    assert noted_session.supervisor_notes == "New notes"


def test_session_pages_need_the_right_method(client, supervisor, noted_session):
    client.force_login(supervisor)
    for name in ("session-notes", "session-attendance", "session-cancel", "session-apologies"):
        assert (
            client.get(reverse(f"supervision:{name}", args=[noted_session.pk])).status_code == 405
        )


# --- Attendance and apologies -----------------------------------------------------------------


def test_supervisor_records_attendance(client, supervisor, group):
    session = session_with(supervisor, group)
    client.force_login(supervisor)

    response = client.post(
        reverse("supervision:session-attendance", args=[session.pk]),
        {
            f"mentor_{group[0].pk}": "attended",
            f"mentor_{group[1].pk}": "apologies",
            f"mentor_{group[2].pk}": "absent",
        },
    )

    assert response.status_code == 302
    statuses = dict(session.attendances.values_list("mentor_enrolment_id", "status"))
    assert statuses == {group[0].pk: "attended", group[1].pk: "apologies", group[2].pk: "absent"}
    session.refresh_from_db()
    assert session.attendance_recorded_at is not None


def test_attendance_left_out_for_a_mentor_is_refused_and_nothing_is_saved(
    client, supervisor, group
):
    session = session_with(supervisor, group)
    client.force_login(supervisor)
    response = client.post(
        reverse("supervision:session-attendance", args=[session.pk]),
        {f"mentor_{group[0].pk}": "attended"},
    )
    assert response.status_code == 200
    assert "attended, sent apologies or was absent" in response.content.decode()
    assert not session.attendances.exclude(status="invited").exists()


def test_attendance_cannot_be_recorded_before_the_session(client, supervisor, group):
    session = session_with(supervisor, group, starts_at=timezone.now() + timedelta(days=2))
    with pytest.raises(Exception, match="once the session has started"):
        supervision_attendance_record(
            session=session, statuses=dict.fromkeys((e.pk for e in group), "attended")
        )


def test_a_mentor_sends_apologies_in_advance(client, mentor, supervisor, mentor_enrolment):
    assign(supervisor, mentor_enrolment)
    session = session_with(
        supervisor, [mentor_enrolment], starts_at=timezone.now() + timedelta(days=2)
    )
    client.force_login(mentor)

    client.post(reverse("supervision:session-apologies", args=[session.pk]))

    attendance = session.attendances.get()
    assert attendance.status == "apologies" and attendance.apologies_sent_at


def test_cancelling_tells_the_mentors_with_a_calendar_cancellation(
    client, supervisor, group, django_capture_on_commit_callbacks
):
    session = session_with(supervisor, group[:2], starts_at=timezone.now() + timedelta(days=2))
    client.force_login(supervisor)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("supervision:session-cancel", args=[session.pk]))

    session.refresh_from_db()
    assert session.cancelled_at and session.sequence == 1
    assert len(mail.outbox) == 2
    filename, content, mimetype = mail.outbox[0].attachments[0]
    assert mimetype == "text/calendar; method=CANCEL"
    assert "STATUS:CANCELLED" in str(content)


# --- Two missed sessions in a row -------------------------------------------------------------


def held(supervisor, enrolment, status, days_ago):
    session = session_with(
        supervisor, [enrolment], starts_at=timezone.now() - timedelta(days=days_ago)
    )
    supervision_attendance_record(session=session, statuses={enrolment.pk: status})
    return session


def test_two_missed_sessions_in_a_row_flag_the_mentor_and_prompt_them_once(
    supervisor, organiser, mentor, mentor_enrolment, django_capture_on_commit_callbacks
):
    assign(supervisor, mentor_enrolment)
    with django_capture_on_commit_callbacks(execute=True):
        held(supervisor, mentor_enrolment, "absent", days_ago=40)
        assert not MentorFlag.objects.exists()
        second = held(supervisor, mentor_enrolment, "absent", days_ago=10)

    flag = MentorFlag.objects.get()
    assert flag.is_open and second.pk in flag.session_ids
    prompts = [m for m in mail.outbox if m.to == [mentor.email]]
    notes = [m for m in mail.outbox if m.to == [organiser.email]]
    assert len(prompts) == 1 and "We missed you" in prompts[0].subject
    assert len(notes) == 1 and "missed two supervision sessions" in notes[0].subject

    # Recording the same session again, or a third miss, sends nothing more.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        supervision_attendance_record(session=second, statuses={mentor_enrolment.pk: "absent"})
        held(supervisor, mentor_enrolment, "absent", days_ago=3)
    assert MentorFlag.objects.count() == 1
    assert mail.outbox == []


def test_apologies_are_not_a_miss_and_break_the_run(supervisor, mentor_enrolment):
    held(supervisor, mentor_enrolment, "absent", days_ago=40)
    held(supervisor, mentor_enrolment, "apologies", days_ago=20)
    held(supervisor, mentor_enrolment, "absent", days_ago=5)
    assert not MentorFlag.objects.exists()


def test_one_miss_then_attending_is_no_flag(supervisor, mentor_enrolment):
    held(supervisor, mentor_enrolment, "absent", days_ago=40)
    held(supervisor, mentor_enrolment, "attended", days_ago=20)
    held(supervisor, mentor_enrolment, "absent", days_ago=5)
    assert not MentorFlag.objects.exists()


def test_attending_again_closes_the_flag_and_two_fresh_misses_raise_a_new_one(
    supervisor, mentor_enrolment
):
    held(supervisor, mentor_enrolment, "absent", days_ago=60)
    held(supervisor, mentor_enrolment, "absent", days_ago=50)
    held(supervisor, mentor_enrolment, "attended", days_ago=40)
    first = MentorFlag.objects.get()
    assert first.resolution == "attended" and not first.is_open

    held(supervisor, mentor_enrolment, "absent", days_ago=30)
    held(supervisor, mentor_enrolment, "absent", days_ago=20)
    assert MentorFlag.objects.filter(resolved_at=None).count() == 1
    assert Notification.objects.filter(kind="supervision_missed_prompt").count() == 2


def test_a_flag_closed_by_an_organiser_needs_two_fresh_misses(
    client, organiser, scheme, supervisor, mentor_enrolment
):
    held(supervisor, mentor_enrolment, "absent", days_ago=60)
    held(supervisor, mentor_enrolment, "absent", days_ago=50)
    flag = MentorFlag.objects.get()
    client.force_login(organiser)
    client.post(reverse("supervision:flag-resolve", args=[scheme.slug, flag.pk]))
    flag.refresh_from_db()
    assert flag.resolution == "organiser"

    held(supervisor, mentor_enrolment, "absent", days_ago=40)  # runs with the 50-day miss
    assert MentorFlag.objects.count() == 1
    held(supervisor, mentor_enrolment, "absent", days_ago=30)
    assert MentorFlag.objects.count() == 2


def test_correcting_a_miss_to_attended_closes_the_flag(supervisor, mentor_enrolment):
    held(supervisor, mentor_enrolment, "absent", days_ago=20)
    second = held(supervisor, mentor_enrolment, "absent", days_ago=10)
    supervision_attendance_record(session=second, statuses={mentor_enrolment.pk: "attended"})
    assert MentorFlag.objects.get().resolution in ("attended", "corrected")
    assert not MentorFlag.objects.filter(resolved_at=None).exists()


def test_cancelled_sessions_do_not_count(supervisor, mentor_enrolment):
    held(supervisor, mentor_enrolment, "absent", days_ago=20)
    cancelled = session_with(
        supervisor,
        [mentor_enrolment],
        starts_at=timezone.now() - timedelta(days=10),
        cancelled_at=timezone.now() - timedelta(days=12),
    )
    SessionAttendance.objects.filter(session=cancelled).update(status="absent")
    held(supervisor, mentor_enrolment, "attended", days_ago=5)
    assert not MentorFlag.objects.exists()


# --- Reminders sweep --------------------------------------------------------------------------


def test_the_sweep_reminds_invited_mentors_a_day_before_and_never_twice(
    supervisor, group, django_capture_on_commit_callbacks
):
    session = session_with(supervisor, group, starts_at=timezone.now() + timedelta(hours=20))
    SupervisionSession.objects.filter(pk=session.pk).update(
        created_at=timezone.now() - timedelta(days=10)
    )
    supervision_apologies_send(session=session, enrolment=group[2])

    with django_capture_on_commit_callbacks(execute=True):
        first = supervision_reminders_sweep.delay().get()
        second = supervision_reminders_sweep.delay().get()

    assert (first, second) == (2, 0)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(e.user.email for e in group[:2])
    assert "Reminder" in mail.outbox[0].subject


def test_no_reminder_for_a_session_further_off_cancelled_or_booked_the_same_day(supervisor, group):
    far = session_with(supervisor, group[:1], starts_at=timezone.now() + timedelta(days=3))
    cancelled = session_with(
        supervisor,
        group[:1],
        starts_at=timezone.now() + timedelta(hours=5),
        cancelled_at=timezone.now(),
    )
    same_day = session_with(supervisor, group[:1], starts_at=timezone.now() + timedelta(hours=5))
    SupervisionSession.objects.filter(pk__in=[far.pk, cancelled.pk]).update(
        created_at=timezone.now() - timedelta(days=10)
    )
    assert same_day.created_at > same_day.starts_at - timedelta(hours=24)
    assert supervision_reminders_queue() == 0
