"""Every role against every pair page and the calendar download.

The promise (DESIGN.md): meeting content is the pair's alone, a private note its author's alone.
An organiser of the scheme sees the pair's metadata page (dates, counts, status) and is refused
the content pages with 403. Supervisors, DMEs and regional leads see no pair page at all (404: they
do not learn which pairs exist); DMEs and regional leads get counts in reports instead. Other
trainees, other pairs and other trusts get 404. Anonymous visitors are sent to log in.
"""

import pytest
from django.urls import reverse

from meetings.models import Meeting, MentoringAgreement, PlannedMeeting, PrivateNote

from .conftest import AGREEMENT, CONTENT, GOAL, MENTEE_NOTE, MENTOR_NOTE, SUMMARY, TOPIC

ROLES = [
    "mentee",
    "mentor",
    "other_pair_mentee",
    "other_pair_mentor",
    "other_trainee",
    "organiser",
    "other_organiser",
    "supervisor",
    "dme",
    "other_dme",
    "regional_lead",
    "anonymous",
]

CONTENT_PAGES = [
    "pair-detail",
    "agreement",
    "goal-add",
    "goal-edit",
    "meeting-log",
    "meeting-detail",
    "plan",
    "planned-edit",
    "planned-ics",
    "pair-end",
]

CONTENT_PAGE_STATUS = {
    "mentee": 200,
    "mentor": 200,
    "organiser": 403,
}  # everyone else: 404, anonymous: 302 to log in

OVERVIEW_STATUS = {"mentee": 200, "mentor": 200, "organiser": 200}

LIST_STATUS = {  # the organiser's list of the scheme's pairs (schemes.access.scheme_for)
    "organiser": 200,
    "mentee": 403,
    "mentor": 403,
    "other_pair_mentee": 403,
    "other_pair_mentor": 403,
    "other_trainee": 403,
    "supervisor": 403,
    "dme": 403,
    "regional_lead": 403,
    "other_organiser": 404,
    "other_dme": 404,
}

# What each role may read in a page body; everything else in CONTENT must never appear.
MAY_READ = {
    "mentee": {SUMMARY, MENTEE_NOTE, GOAL, TOPIC, AGREEMENT},
    "mentor": {SUMMARY, MENTOR_NOTE, GOAL, TOPIC, AGREEMENT},
}


@pytest.fixture
def as_role(request, client, full_pair):
    def log_in(role):
        if role == "anonymous":
            return None
        if role.startswith("other_pair_"):
            user = getattr(request.getfixturevalue("other_pair"), role.removeprefix("other_pair_"))
        else:
            user = request.getfixturevalue(role)
        client.force_login(user)
        return user

    return log_in


def page_url(name, pair):
    meeting = Meeting.objects.get(pair=pair)
    planned = PlannedMeeting.objects.get(pair=pair)
    goal = pair.goals.get()
    args = {
        "goal-edit": [pair.pk, goal.pk],
        "meeting-detail": [pair.pk, meeting.pk],
        "planned-edit": [pair.pk, planned.pk],
        "planned-ics": [pair.pk, planned.pk],
    }.get(name, [pair.pk])
    return reverse(f"meetings:{name}", args=args)


def assert_reads_only_what_role_may(body, role):
    for secret in CONTENT:
        if secret not in MAY_READ.get(role, set()):
            assert secret not in body, f"{role} could read {secret!r}"


def expect_status(response, role, expected):
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    else:
        assert response.status_code == expected, f"{role}: {response.status_code}"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", CONTENT_PAGES)
def test_content_pages_are_for_the_pair_only(client, as_role, full_pair, role, page):
    as_role(role)

    response = client.get(page_url(page, full_pair))

    expect_status(response, role, CONTENT_PAGE_STATUS.get(role, 404))
    assert_reads_only_what_role_may(response.content.decode(), role)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_overview_shows_metadata_to_organiser_and_pair_and_nothing_to_anyone_else(
    client, as_role, full_pair, role
):
    as_role(role)

    response = client.get(reverse("meetings:pair-overview", args=[full_pair.pk]))

    expect_status(response, role, OVERVIEW_STATUS.get(role, 404))
    body = response.content.decode()
    for secret in CONTENT:
        assert secret not in body, f"{role} read {secret!r} on the overview"
    if response.status_code == 200:
        held_on = Meeting.objects.get(pair=full_pair).held_on
        assert f"{held_on.day} {held_on:%b %Y}" in body
        assert "Meetings logged" in body


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_organiser_pair_list_is_for_the_schemes_organisers(client, as_role, full_pair, role):
    as_role(role)

    response = client.get(reverse("meetings:organiser-pairs", args=[full_pair.scheme.slug]))

    expect_status(response, role, LIST_STATUS.get(role, 404))
    body = response.content.decode()
    for secret in CONTENT:
        assert secret not in body
    if response.status_code == 200:
        assert full_pair.mentee.get_full_name() in body


POSTS = [
    ("agreement-confirm", {}),
    ("meeting-confirm", {}),
    ("private-note", {"text": "OVERWRITTEN"}),
    ("planned-cancel", {}),
    ("pair-pause", {}),
    ("pair-resume", {}),
    ("mentee-next-step", {"wants_new_mentor": "yes"}),
]


def snapshot(pair):
    pair.refresh_from_db()
    return (
        pair.status,
        list(Meeting.objects.values_list("confirmed_by_other_at", flat=True)),
        sorted(PrivateNote.objects.values_list("text", flat=True)),
        list(PlannedMeeting.objects.values_list("cancelled_at", flat=True)),
        list(MentoringAgreement.objects.values_list("mentor_confirmed_at", flat=True)),
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role",
    [r for r in ROLES if r not in ("mentee", "mentor")],
)
@pytest.mark.parametrize(("name", "data"), POSTS)
def test_nobody_outside_the_pair_can_change_it(client, as_role, full_pair, role, name, data):
    as_role(role)
    before = snapshot(full_pair)
    meeting = Meeting.objects.get(pair=full_pair)
    planned = PlannedMeeting.objects.get(pair=full_pair)
    args = {
        "meeting-confirm": [full_pair.pk, meeting.pk],
        "private-note": [full_pair.pk, meeting.pk],
        "planned-cancel": [full_pair.pk, planned.pk],
    }.get(name, [full_pair.pk])

    response = client.post(reverse(f"meetings:{name}", args=args), data)

    expect_status(response, role, 403 if role == "organiser" else 404)
    assert snapshot(full_pair) == before


@pytest.mark.django_db
def test_mentor_never_reads_the_mentees_private_note_anywhere(client, full_pair, mentor):
    client.force_login(mentor)
    meeting = Meeting.objects.get(pair=full_pair)
    for url in (
        reverse("meetings:pair-detail", args=[full_pair.pk]),
        reverse("meetings:meeting-detail", args=[full_pair.pk, meeting.pk]),
        reverse("meetings:my-pairs"),
        reverse("accounts:my-mentoring"),
    ):
        body = client.get(url).content.decode()
        assert MENTEE_NOTE not in body
    assert (
        MENTOR_NOTE
        in client.get(
            reverse("meetings:meeting-detail", args=[full_pair.pk, meeting.pk])
        ).content.decode()
    )


@pytest.mark.django_db
def test_a_member_who_saves_a_note_cannot_overwrite_the_others(client, full_pair, mentor):
    client.force_login(mentor)
    meeting = Meeting.objects.get(pair=full_pair)

    client.post(reverse("meetings:private-note", args=[full_pair.pk, meeting.pk]), {"text": "Mine"})

    assert PrivateNote.objects.get(meeting=meeting, author=full_pair.mentee).text == MENTEE_NOTE
    assert PrivateNote.objects.get(meeting=meeting, author=mentor).text == "Mine"


@pytest.mark.django_db
def test_superuser_site_admin_sees_no_meeting_content_in_the_admin(client, full_pair, superuser):
    client.force_login(superuser)
    meeting = Meeting.objects.get(pair=full_pair)
    for url in (
        reverse("admin:meetings_meeting_change", args=[meeting.pk]),
        reverse("admin:meetings_meeting_changelist"),
        reverse("admin:meetings_mentoringagreement_changelist"),
    ):
        response = client.get(url)
        assert response.status_code == 200
        for secret in CONTENT:
            assert secret not in response.content.decode()


@pytest.mark.django_db
def test_pair_of_another_scheme_is_invisible_to_this_schemes_organiser(
    client, organiser, other_scheme
):
    from matching.tests.factories import PairFactory

    foreign = PairFactory(scheme=other_scheme)
    client.force_login(organiser)

    assert client.get(reverse("meetings:pair-overview", args=[foreign.pk])).status_code == 404
    assert client.get(reverse("meetings:pair-detail", args=[foreign.pk])).status_code == 404
