import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from matching.models import Pair
from meetings.models import Goal, Meeting, MentoringAgreement, PlannedMeeting, PrivateNote
from schemes.models import Enrolment

from .conftest import MENTEE_NOTE, MENTOR_NOTE, SUMMARY
from .factories import GoalFactory, MeetingFactory, PlannedMeetingFactory


def url(name, *args):
    return reverse(f"meetings:{name}", args=args)


def body(response):
    return response.content.decode()


@pytest.fixture
def as_mentee(client, mentee):
    client.force_login(mentee)
    return client


@pytest.fixture
def as_mentor(client, mentor):
    client.force_login(mentor)
    return client


def meeting_form(**overrides):
    return {
        "held_on": (timezone.localdate() - timedelta(days=1)).isoformat(),
        "duration_minutes": "60",
        "mode": "video",
        "topics": ["exams", "feedback"],
        "other_topics": "Rota gaps, Night shifts",
        "summary": "Revision plan agreed.",
        "private_note": "I felt better afterwards.",
        **overrides,
    }


def plan_form(**overrides):
    day = timezone.localdate() + timedelta(days=14)
    return {
        "on": day.isoformat(),
        "at": "18:30",
        "duration_minutes": "60",
        "mode": "in_person",
        "place": "Library café",
        **overrides,
    }


# --- The pair's page and its "need help?" panel -------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "page", ["pair-detail", "agreement", "goal-add", "meeting-log", "plan", "pair-end"]
)
def test_every_pair_page_has_the_need_help_panel(as_mentee, pair, organiser, page):
    text = body(as_mentee.get(url(page, pair.pk)))
    assert "Need help?" in text
    assert organiser.email in text
    assert "Professional Support Unit" in text
    assert "https://www.practitionerhealth.nhs.uk/" in text
    assert "risk of serious harm" in text  # the limits of confidentiality, plainly


@pytest.mark.django_db
def test_pair_page_shows_the_meeting_summary_and_only_my_note_marker(as_mentor, full_pair):
    text = body(as_mentor.get(url("pair-detail", full_pair.pk)))
    assert SUMMARY[:20] in text
    assert "Waiting for you to confirm" in text
    assert "Your private note" in text
    assert MENTEE_NOTE not in text and MENTOR_NOTE not in text  # notes live on the meeting page


@pytest.mark.django_db
def test_my_pairs_and_my_mentoring_list_the_users_pairs(as_mentee, pair, mentor):
    for page in (reverse("meetings:my-pairs"), reverse("accounts:my-mentoring")):
        text = body(as_mentee.get(page))
        assert mentor.get_full_name() in text
        assert url("pair-detail", pair.pk) in text
    assert "My pairs" in body(as_mentee.get(reverse("accounts:my-mentoring")))


@pytest.mark.django_db
def test_nobody_without_a_pair_gets_the_my_pairs_link(client, other_trainee):
    client.force_login(other_trainee)
    assert reverse("meetings:my-pairs") not in body(client.get(reverse("accounts:my-mentoring")))


# --- Agreement ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_member_writes_the_agreement_and_the_other_confirms_it(client, pair, mentee, mentor):
    client.force_login(mentee)
    response = client.post(
        url("agreement", pair.pk),
        {
            "working_on": "ARCP",
            "meeting_frequency": "Monthly",
            "confidentiality": "Between us, except serious harm.",
        },
    )
    assert response.status_code == 302
    client.force_login(mentor)
    assert "I agree to this" in body(client.get(url("pair-detail", pair.pk)))

    response = client.post(url("agreement-confirm", pair.pk))

    assert response.status_code == 302
    assert MentoringAgreement.objects.get(pair=pair).is_confirmed


@pytest.mark.django_db
def test_agreement_without_its_words_says_what_to_write_and_saves_nothing(as_mentee, pair):
    response = as_mentee.post(
        url("agreement", pair.pk),
        {"working_on": "", "meeting_frequency": "", "confidentiality": ""},
    )
    assert response.status_code == 200
    assert "Say in a few words what you will work on together." in body(response)
    assert not MentoringAgreement.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("agreement-confirm", "get"),
        ("pair-pause", "get"),
        ("pair-resume", "get"),
        ("mentee-next-step", "get"),
        ("agreement", "put"),
        ("plan", "delete"),
        ("pair-end", "put"),
    ],
)
def test_changes_need_the_right_method(as_mentee, pair, name, method):
    response = getattr(as_mentee, method)(url(name, pair.pk))
    assert response.status_code == 405


@pytest.mark.django_db
def test_meeting_and_plan_changes_need_post(as_mentee, full_pair):
    meeting = Meeting.objects.get(pair=full_pair)
    planned = PlannedMeeting.objects.get(pair=full_pair)
    for address in (
        url("meeting-confirm", full_pair.pk, meeting.pk),
        url("private-note", full_pair.pk, meeting.pk),
        url("planned-cancel", full_pair.pk, planned.pk),
    ):
        assert as_mentee.get(address).status_code == 405


# --- Goals --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_member_adds_a_goal_and_moves_it_on(as_mentee, pair):
    response = as_mentee.post(url("goal-add", pair.pk), {"title": "Portfolio ready"})
    assert response.status_code == 302
    goal = Goal.objects.get(pair=pair)

    response = as_mentee.post(
        url("goal-edit", pair.pk, goal.pk),
        {"title": "Portfolio ready", "details": "", "status": "achieved"},
    )

    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.status == Goal.Status.ACHIEVED


@pytest.mark.django_db
def test_a_goal_needs_a_name(as_mentee, pair):
    response = as_mentee.post(url("goal-add", pair.pk), {"title": ""})
    assert "Give the goal a short name." in body(response)
    assert not Goal.objects.exists()


@pytest.mark.django_db
def test_a_goal_of_another_pair_is_not_found(as_mentee, pair, other_pair):
    foreign = GoalFactory(pair=other_pair)
    assert as_mentee.get(url("goal-edit", pair.pk, foreign.pk)).status_code == 404


# --- Logging and confirming meetings ------------------------------------------------------------


@pytest.mark.django_db
def test_mentee_logs_a_meeting_with_a_private_note_and_goal_progress(
    as_mentee, pair, mentee, django_capture_on_commit_callbacks
):
    goal = GoalFactory(pair=pair)
    with django_capture_on_commit_callbacks(execute=True):
        response = as_mentee.post(
            url("meeting-log", pair.pk),
            meeting_form(
                **{f"goal_{goal.pk}_status": "progressing", f"goal_{goal.pk}_note": "Half"}
            ),
        )

    assert response.status_code == 302
    meeting = Meeting.objects.get(pair=pair)
    assert meeting.topics == ["exams", "feedback", "Rota gaps", "Night shifts"]
    assert meeting.summary == "Revision plan agreed."
    assert PrivateNote.objects.get(meeting=meeting, author=mentee).text == (
        "I felt better afterwards."
    )
    goal.refresh_from_db()
    assert goal.status == "progressing"
    assert len(mail.outbox) == 1  # the mentor is asked to confirm


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"held_on": (timezone.localdate() + timedelta(days=2)).isoformat()},
            "Log a meeting once it has happened",
        ),
        ({"held_on": ""}, "Give the date you met."),
        ({"mode": ""}, "Choose in person, video call or phone."),
        ({"duration_minutes": "7"}, "Choose how long the meeting is from the list."),
    ],
)
def test_logging_a_meeting_with_bad_input_says_what_to_fix_and_saves_nothing(
    as_mentee, pair, overrides, message
):
    response = as_mentee.post(url("meeting-log", pair.pk), meeting_form(**overrides))
    assert response.status_code == 200
    assert message in body(response)
    assert not Meeting.objects.exists() and not PrivateNote.objects.exists()


@pytest.mark.django_db
def test_logging_from_a_plan_links_the_meeting_to_it(as_mentee, pair):
    planned = PlannedMeetingFactory(pair=pair, starts_at=timezone.now() - timedelta(days=1))
    form_page = body(as_mentee.get(url("meeting-log", pair.pk) + f"?planned={planned.pk}"))
    assert "This logs the meeting you planned" in form_page

    as_mentee.post(url("meeting-log", pair.pk) + f"?planned={planned.pk}", meeting_form())

    assert Meeting.objects.get().planned_meeting == planned


@pytest.mark.django_db
def test_mentor_confirms_with_one_click_and_reads_only_his_own_note(as_mentor, full_pair):
    meeting = Meeting.objects.get(pair=full_pair)
    page = body(as_mentor.get(url("meeting-detail", full_pair.pk, meeting.pk)))
    assert SUMMARY in page and MENTOR_NOTE in page and MENTEE_NOTE not in page

    response = as_mentor.post(url("meeting-confirm", full_pair.pk, meeting.pk))

    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.confirmed_by_other_at is not None


@pytest.mark.django_db
def test_the_member_who_logged_a_meeting_cannot_confirm_it(as_mentee, full_pair):
    meeting = Meeting.objects.get(pair=full_pair)
    response = as_mentee.post(url("meeting-confirm", full_pair.pk, meeting.pk), follow=True)
    assert "Your mentoring partner confirms the meetings you log." in body(response)
    meeting.refresh_from_db()
    assert meeting.confirmed_by_other_at is None


@pytest.mark.django_db
def test_member_writes_and_deletes_a_private_note(as_mentor, pair, mentor):
    meeting = MeetingFactory(pair=pair)
    as_mentor.post(url("private-note", pair.pk, meeting.pk), {"text": "Mine alone"})
    assert PrivateNote.objects.get(meeting=meeting, author=mentor).text == "Mine alone"
    as_mentor.post(url("private-note", pair.pk, meeting.pk), {"text": ""})
    assert not PrivateNote.objects.exists()


# --- Planning, moving, cancelling, downloading --------------------------------------------------


@pytest.mark.django_db
def test_planning_stores_utc_and_sends_both_members_an_invitation(
    as_mentee, pair, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_mentee.post(url("plan", pair.pk), plan_form(on="2026-12-15", at="18:30"))

    assert response.status_code == 302
    planned = PlannedMeeting.objects.get()
    assert planned.starts_at.isoformat() == "2026-12-15T18:30:00+00:00"  # GMT in December
    assert len(mail.outbox) == 2
    assert all(message.attachments for message in mail.outbox)


@pytest.mark.django_db
def test_a_summer_time_meeting_is_stored_an_hour_earlier_in_utc(as_mentee, pair):
    as_mentee.post(url("plan", pair.pk), plan_form(on="2027-07-01", at="18:30"))
    assert PlannedMeeting.objects.get().starts_at.isoformat() == "2027-07-01T17:30:00+00:00"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"on": (timezone.localdate() - timedelta(days=1)).isoformat()}, "in the future"),
        ({"at": ""}, "Choose the time the meeting starts."),
        ({"on": "not a date"}, "Give the date as day, month and year."),
        ({"on": "2027-03-28", "at": "01:30"}, "the clocks go forward that night"),
    ],
)
def test_planning_with_bad_input_says_what_to_fix_and_sends_nothing(
    as_mentee, pair, overrides, message
):
    response = as_mentee.post(url("plan", pair.pk), plan_form(**overrides))
    assert response.status_code == 200
    assert message in body(response)
    assert not PlannedMeeting.objects.exists()
    assert mail.outbox == []


@pytest.mark.django_db
def test_moving_a_meeting_keeps_its_uid_and_raises_its_sequence(
    as_mentor, pair, django_capture_on_commit_callbacks
):
    planned = PlannedMeetingFactory(pair=pair)
    page = body(as_mentor.get(url("planned-edit", pair.pk, planned.pk)))
    assert "Move the meeting and send updates" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = as_mentor.post(
            url("planned-edit", pair.pk, planned.pk), plan_form(on="2027-01-20", at="12:00")
        )

    assert response.status_code == 302
    moved = PlannedMeeting.objects.get()
    assert moved.uid == planned.uid and moved.sequence == 1
    assert len(mail.outbox) == 2
    assert "Both of you get an updated invitation" in body(as_mentor.get(response.url))


@pytest.mark.django_db
def test_moving_a_meeting_to_where_it_already_is_says_nothing_changed_and_sends_nothing(
    as_mentor, pair, django_capture_on_commit_callbacks
):
    from meetings.forms import PlanMeetingForm

    planned = PlannedMeetingFactory(pair=pair)
    initial = PlanMeetingForm.initial_for(planned)
    unchanged = {
        "on": initial["on"].isoformat(),
        "at": initial["at"].strftime("%H:%M"),
        "duration_minutes": str(initial["duration_minutes"]),
        "mode": initial["mode"],
        "place": initial["place"],
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = as_mentor.post(url("planned-edit", pair.pk, planned.pk), unchanged, follow=True)

    page = body(response)
    assert "Nothing changed, so no updated invitation was sent." in page
    assert "updated invitation, which replaces" not in page
    assert mail.outbox == []
    assert PlannedMeeting.objects.get().sequence == planned.sequence


@pytest.mark.django_db
def test_cancelling_a_meeting(as_mentee, pair, django_capture_on_commit_callbacks):
    planned = PlannedMeetingFactory(pair=pair)
    with django_capture_on_commit_callbacks(execute=True):
        as_mentee.post(url("planned-cancel", pair.pk, planned.pk))
    planned.refresh_from_db()
    assert planned.is_cancelled
    assert "Cancelled:" in mail.outbox[0].subject


@pytest.mark.django_db
def test_the_invitation_downloads_as_an_ics_file(as_mentee, pair):
    planned = PlannedMeetingFactory(pair=pair)
    response = as_mentee.get(url("planned-ics", pair.pk, planned.pk))
    assert response["Content-Type"].startswith("text/calendar")
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    text = body(response)
    assert "BEGIN:VCALENDAR" in text and "METHOD:REQUEST" in text


# --- Pause, resume, end -------------------------------------------------------------------------


@pytest.mark.django_db
def test_pausing_and_resuming(as_mentee, pair):
    as_mentee.post(url("pair-pause", pair.pk))
    pair.refresh_from_db()
    assert pair.status == Pair.Status.PAUSED
    assert "Resume the pair" in body(as_mentee.get(url("pair-detail", pair.pk)))

    # Not yet met and no agreement confirmed: the pair is introduced again, not ended or active.
    as_mentee.post(url("pair-resume", pair.pk))
    pair.refresh_from_db()
    assert pair.status == Pair.Status.INTRODUCED

    # A pair that has met resumes as active.
    MeetingFactory(pair=pair, held_on=timezone.localdate() - timedelta(days=3))
    as_mentee.post(url("pair-pause", pair.pk))
    as_mentee.post(url("pair-resume", pair.pk))
    pair.refresh_from_db()
    assert pair.status == Pair.Status.ACTIVE


@pytest.mark.django_db
def test_mentee_ends_the_pair_and_asks_for_a_new_mentor(as_mentee, pair, mentee_enrolment):
    page = body(as_mentee.get(url("pair-end", pair.pk)))
    assert "Would you like a new mentor?" in page

    response = as_mentee.post(
        url("pair-end", pair.pk), {"reason": "no_time", "note": "", "wants_new_mentor": "yes"}
    )

    assert response.status_code == 302
    pair.refresh_from_db()
    mentee_enrolment.refresh_from_db()
    assert pair.status == Pair.Status.ENDED
    assert mentee_enrolment.rematch_priority
    assert "first in line" in body(as_mentee.get(url("pair-detail", pair.pk)))


@pytest.mark.django_db
def test_mentor_ends_the_pair_without_the_new_mentor_question(as_mentor, pair):
    assert "Would you like a new mentor?" not in body(as_mentor.get(url("pair-end", pair.pk)))
    response = as_mentor.post(url("pair-end", pair.pk), {"reason": "rotation", "note": "Moving"})
    assert response.status_code == 302
    pair.refresh_from_db()
    assert pair.status == Pair.Status.ENDED and pair.end_note == "Moving"


@pytest.mark.django_db
def test_a_mentee_who_does_not_answer_the_new_mentor_question_is_asked_and_nothing_changes(
    as_mentee, pair
):
    response = as_mentee.post(url("pair-end", pair.pk), {"reason": "", "wants_new_mentor": ""})
    text = body(response)
    assert "Say whether you would like a new mentor." in text
    assert "reason" not in " ".join(response.context["form"].errors)  # a reason is optional
    pair.refresh_from_db()
    assert pair.status == Pair.Status.ACTIVE


@pytest.mark.django_db
def test_a_pair_ends_without_a_reason_as_the_introduction_promises(
    as_mentor, pair, django_capture_on_commit_callbacks
):
    page = body(as_mentor.get(url("pair-end", pair.pk)))
    assert "What best describes why? (optional)" in page
    assert "Who may read your reason and note?" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = as_mentor.post(url("pair-end", pair.pk), {"reason": "", "note": ""})

    assert response.status_code == 302
    pair.refresh_from_db()
    assert pair.status == Pair.Status.ENDED and pair.end_reason == "" and not pair.ended_badly
    assert "has ended your mentoring pair in SLaM peer mentoring." in mail.outbox[-1].body


@pytest.mark.django_db
def test_a_reason_for_the_organisers_only_is_never_shown_to_the_partner(
    client, pair, mentee, mentor, organiser, other_trainee, django_capture_on_commit_callbacks
):
    client.force_login(mentor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url("pair-end", pair.pk),
            {"reason": "not_a_good_fit", "note": "ORGANISER-ONLY-NOTE", "reason_audience": ""},
        )
    pair.refresh_from_db()
    assert pair.end_reason == "not_a_good_fit" and not pair.end_reason_shared

    email = mail.outbox[-1]
    assert email.to == [mentee.email]
    assert "not a good fit" not in email.body.lower() and "ORGANISER-ONLY-NOTE" not in email.body
    assert "ORGANISER-ONLY-NOTE" not in email.alternatives[0][0]
    client.force_login(mentee)
    for name in ("pair-detail", "pair-overview"):
        page = body(client.get(url(name, pair.pk)))
        assert "ORGANISER-ONLY-NOTE" not in page and "not a good fit" not in page.lower()
    # The member who wrote it, and the organisers it was addressed to, read it.
    client.force_login(mentor)
    assert "ORGANISER-ONLY-NOTE" in body(client.get(url("pair-detail", pair.pk)))
    client.force_login(organiser)
    overview = body(client.get(url("pair-overview", pair.pk)))
    assert "ORGANISER-ONLY-NOTE" in overview and "not a good fit" in overview
    # Nobody else: another trainee of the scheme cannot open the pair at all.
    client.force_login(other_trainee)
    assert client.get(url("pair-overview", pair.pk)).status_code in (403, 404)
    assert client.get(url("pair-detail", pair.pk)).status_code == 404


@pytest.mark.django_db
def test_a_reason_shared_with_the_partner_reaches_them(
    client, pair, mentee, mentor, django_capture_on_commit_callbacks
):
    client.force_login(mentor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url("pair-end", pair.pk),
            {"reason": "rotation", "note": "Off to Kent", "reason_audience": "partner"},
        )
    assert "(one of us moved on (rotation, leave))" in mail.outbox[-1].body
    assert "Off to Kent" in mail.outbox[-1].body
    client.force_login(mentee)
    assert "Off to Kent" in body(client.get(url("pair-detail", pair.pk)))


@pytest.mark.django_db
def test_a_reason_outside_the_list_is_refused_and_nothing_ends(as_mentor, pair):
    response = as_mentor.post(url("pair-end", pair.pk), {"reason": "account_closed"})
    assert response.status_code == 200
    assert "Select a valid choice" in " ".join(response.context["form"].errors["reason"])
    pair.refresh_from_db()
    assert pair.status == Pair.Status.ACTIVE


@pytest.mark.django_db
def test_after_the_mentor_ended_it_the_mentee_asks_for_a_new_mentor_from_the_page(
    client, pair, mentee, mentor, mentee_enrolment
):
    client.force_login(mentor)
    client.post(url("pair-end", pair.pk), {"reason": "no_time"})
    client.force_login(mentee)
    assert "Yes, find me a new mentor" in body(client.get(url("pair-detail", pair.pk)))

    client.post(url("mentee-next-step", pair.pk), {"wants_new_mentor": "no"})
    mentee_enrolment.refresh_from_db()
    assert mentee_enrolment.status == Enrolment.Status.PAUSED
    client.post(url("mentee-next-step", pair.pk), {"wants_new_mentor": "yes"})
    mentee_enrolment.refresh_from_db()
    assert mentee_enrolment.status == Enrolment.Status.ACTIVE
    assert mentee_enrolment.rematch_priority


@pytest.mark.django_db
def test_an_ended_pair_offers_no_forms_but_keeps_its_history(as_mentee, full_pair):
    full_pair.status = Pair.Status.ENDED
    full_pair.ended_at = timezone.now()
    full_pair.end_reason = "goals_met"
    full_pair.save()
    text = body(as_mentee.get(url("pair-detail", full_pair.pk)))
    assert SUMMARY[:20] in text
    assert "Log a meeting" not in text and "Plan the next meeting" not in text
    response = as_mentee.post(url("meeting-log", full_pair.pk), meeting_form())
    assert "This pair has ended" in body(response)


# --- The organiser's pages ----------------------------------------------------------------------


@pytest.mark.django_db
def test_organiser_sees_the_meeting_dates_but_not_their_content(client, organiser, full_pair):
    client.force_login(organiser)
    held_on = Meeting.objects.get(pair=full_pair).held_on
    text = body(client.get(url("pair-overview", full_pair.pk)))
    assert f"{held_on.day} {held_on:%b %Y}" in text
    assert "Days since the last meeting" in text
    assert "Agreement confirmed by both" in text
    assert SUMMARY not in text


@pytest.mark.django_db
def test_organiser_sees_why_a_pair_ended_and_the_note_kept_for_them(
    client, organiser, pair, mentee
):
    from meetings import services

    services.pair_end(
        pair=pair, user=mentee, reason="rotation", note="Moved to Kent", wants_new_mentor=False
    )
    client.force_login(organiser)
    text = body(client.get(url("pair-overview", pair.pk)))
    assert "one of us moved on" in text and "Moved to Kent" in text


@pytest.mark.django_db
def test_organiser_filters_pairs_by_status_health_and_name(client, organiser, pair, other_pair):
    other_pair.status = Pair.Status.PAUSED
    other_pair.save()
    pair.status_changed_at = timezone.now() - timedelta(days=10)  # new: too early to tell
    pair.save(update_fields=["status_changed_at"])
    client.force_login(organiser)
    address = url("organiser-pairs", pair.scheme.slug)

    everyone = body(client.get(address))
    paused = body(client.get(address, {"status": "paused"}))
    too_early = body(client.get(address, {"health": "too_early"}))
    named = body(client.get(address, {"q": pair.mentor.last_name}))

    assert pair.mentee.get_full_name() in everyone and other_pair.mentee.get_full_name() in everyone
    assert other_pair.mentee.get_full_name() in paused and pair.mentee.get_full_name() not in paused
    assert pair.mentee.get_full_name() in too_early
    assert other_pair.mentee.get_full_name() not in too_early
    assert pair.mentee.get_full_name() in named


@pytest.mark.django_db
def test_organiser_list_shows_on_track_pairs(client, organiser, pair):
    MeetingFactory(pair=pair, held_on=timezone.localdate() - timedelta(days=10))
    client.force_login(organiser)
    text = body(client.get(url("organiser-pairs", pair.scheme.slug), {"health": "on_track"}))
    # The pair's own row carries the green badge ("On track" is also an option of the filter).
    rows = [row for row in re.findall(r"<tr>.*?</tr>", text, flags=re.S) if "<th" in row]
    (row,) = [row for row in rows if pair.mentee.get_full_name() in row]
    assert '<span class="badge text-bg-success">On track</span>' in row


@pytest.mark.django_db
def test_organiser_navigation_links_to_the_pairs(client, organiser, scheme):
    client.force_login(organiser)
    text = body(client.get(reverse("schemes:enrolments", args=[scheme.slug])))
    assert url("organiser-pairs", scheme.slug) in text
