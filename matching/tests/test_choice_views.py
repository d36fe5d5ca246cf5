"""Mentees' and mentors' pages: suggestions, ranking, answering requests, availability, and the
"Your mentoring matches" panel on My mentoring."""

import pytest
from django.urls import reverse

from matching import services
from matching.models import MatchingSettings, MentorChoice, Pair
from matching.tests.factories import PairFactory
from schemes.models import Enrolment


@pytest.fixture
def choosing_scheme(scheme):
    MatchingSettings.objects.create(scheme=scheme, mentee_choice_enabled=True)
    return scheme


@pytest.fixture
def mentee(choosing_scheme, make_mentee):
    return make_mentee(choosing_scheme, user={"first_name": "Maya", "last_name": "Patel"})


@pytest.fixture
def mentors(choosing_scheme, make_mentor):
    return [
        make_mentor(
            choosing_scheme,
            capacity=1,
            areas=["exams"],
            areas_other=f"Passed MRCPsych {name}",
            user={"first_name": name, "last_name": "Lee", "specialty": "Psychiatry"},
        )
        for name in ("Ann", "Bea")
    ]


def suggestions_url(enrolment):
    return reverse("matching:suggestions", args=[enrolment.pk])


@pytest.mark.django_db
def test_a_mentee_sees_suggested_mentors_profiles_and_why_they_fit(client, mentee, mentors):
    client.force_login(mentee.user)
    response = client.get(suggestions_url(mentee))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Choose your mentor" in body
    assert "Ann Lee" in body and "Bea Lee" in body
    assert "Passed MRCPsych Ann" in body
    assert "Why they fit" in body and "ahead in training" in body
    assert 'name="rank_' in body


@pytest.mark.django_db
def test_a_mentee_ranks_mentors_and_the_first_is_asked(client, mentee, mentors):
    client.force_login(mentee.user)
    response = client.post(
        suggestions_url(mentee), {f"rank_{mentors[0].pk}": "2", f"rank_{mentors[1].pk}": "1"}
    )
    assert response.status_code == 302
    choices = {c.mentor_enrolment_id: (c.rank, c.status) for c in MentorChoice.objects.all()}
    assert choices == {mentors[1].pk: (1, "waiting"), mentors[0].pk: (2, "queued")}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("ranks", "message"),
    [
        ({}, "Choose at least one mentor"),
        ({0: "1", 1: "1"}, "Give each mentor you choose a different place"),
        ({0: "9"}, "Select a valid choice"),
    ],
)
def test_a_bad_ranking_says_what_to_do_and_asks_nobody(client, mentee, mentors, ranks, message):
    client.force_login(mentee.user)
    data = {f"rank_{mentors[index].pk}": value for index, value in ranks.items()}
    response = client.post(suggestions_url(mentee), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not MentorChoice.objects.exists()


@pytest.mark.django_db
def test_after_choosing_the_page_shows_the_requests_and_a_way_to_withdraw(client, mentee, mentors):
    services.mentor_choices_set(mentee_enrolment=mentee, mentor_enrolment_ids=[mentors[0].pk])
    client.force_login(mentee.user)
    body = client.get(suggestions_url(mentee)).content.decode()
    assert "Your requests" in body and "Ann Lee" in body
    assert "Withdraw my requests" in body

    client.post(reverse("matching:choices-withdraw", args=[mentee.pk]))
    assert MentorChoice.objects.get().status == MentorChoice.Status.WITHDRAWN


@pytest.mark.django_db
def test_in_a_scheme_without_choice_the_mentee_is_told_the_organisers_match(
    client, scheme, make_mentee
):
    mentee = make_mentee(scheme)
    client.force_login(mentee.user)
    response = client.get(suggestions_url(mentee), follow=True)
    assert "the organisers match mentees with mentors" in response.content.decode()


@pytest.mark.django_db
def test_nobody_else_sees_a_mentees_suggestions(client, mentee, mentors, other_trainee, organiser):
    for user in (other_trainee, organiser, mentors[0].user):
        client.force_login(user)
        assert client.get(suggestions_url(mentee)).status_code == 404
    client.force_login(mentors[0].user)
    assert client.get(suggestions_url(mentors[0])).status_code == 404, "not a mentee enrolment"


@pytest.mark.django_db
def test_the_mentor_sees_the_request_on_my_mentoring_and_accepts(client, mentee, mentors):
    choice = services.mentor_choices_set(
        mentee_enrolment=mentee, mentor_enrolment_ids=[mentors[0].pk]
    )
    client.force_login(mentors[0].user)
    body = client.get(reverse("accounts:my-mentoring")).content.decode()
    assert "Your mentoring matches" in body
    assert "Maya Patel" in body and "would like you as their mentor" in body

    response = client.post(
        reverse("matching:request-answer", args=[choice.pk, "accept"]), follow=True
    )

    body = response.content.decode()
    assert "You are now Maya Patel" in body
    assert Pair.objects.get().mentor_enrolment == mentors[0]
    assert "1 of 1 place taken" in body and "would like you as their mentor" not in body


@pytest.mark.django_db
def test_the_mentor_declines_without_giving_a_reason(client, mentee, mentors):
    choice = services.mentor_choices_set(
        mentee_enrolment=mentee, mentor_enrolment_ids=[mentors[0].pk, mentors[1].pk]
    )
    client.force_login(mentors[0].user)
    response = client.post(
        reverse("matching:request-answer", args=[choice.pk, "decline"]), follow=True
    )
    assert "Declined." in response.content.decode()
    assert MentorChoice.objects.get(mentor_enrolment=mentors[1]).status == "waiting"


@pytest.mark.django_db
def test_only_the_asked_mentor_answers_and_only_by_post(client, mentee, mentors, organiser):
    choice = services.mentor_choices_set(
        mentee_enrolment=mentee, mentor_enrolment_ids=[mentors[0].pk]
    )
    url = reverse("matching:request-answer", args=[choice.pk, "accept"])
    for user in (mentee.user, mentors[1].user, organiser):
        client.force_login(user)
        assert client.post(url).status_code == 404
    client.force_login(mentors[0].user)
    assert client.get(url).status_code == 405
    assert client.post(
        reverse("matching:request-answer", args=[choice.pk, "maybe"])
    ).status_code == (404)
    assert not Pair.objects.exists()
    client.logout()
    assert client.post(url).status_code == 302 and not Pair.objects.exists()


@pytest.mark.django_db
def test_a_mentor_marks_themselves_unavailable_and_available_again(client, mentors):
    mentor = mentors[0]
    client.force_login(mentor.user)
    url = reverse("matching:availability", args=[mentor.pk])

    response = client.post(url, {"available": "0"}, follow=True)
    assert "You will not be suggested or matched with new mentees" in response.content.decode()
    assert not Enrolment.objects.get(pk=mentor.pk).available_for_matching
    assert "I can take new mentees again" in response.content.decode()

    client.post(url, {"available": "1"})
    assert Enrolment.objects.get(pk=mentor.pk).available_for_matching
    assert client.get(url).status_code == 405


@pytest.mark.django_db
def test_nobody_changes_another_mentors_availability(client, mentors, mentee):
    client.force_login(mentors[1].user)
    assert client.post(reverse("matching:availability", args=[mentors[0].pk])).status_code == 404
    client.force_login(mentee.user)
    assert client.post(reverse("matching:availability", args=[mentee.pk])).status_code == 404
    assert Enrolment.objects.get(pk=mentors[0].pk).available_for_matching


@pytest.mark.django_db
def test_a_mentee_with_a_mentor_is_no_longer_shown_as_waiting(client, pair):
    client.force_login(pair.mentee)
    body = client.get(reverse("accounts:my-mentoring")).content.decode()
    assert "Finding your mentor" not in body
    client.force_login(pair.mentor)
    body = client.get(reverse("accounts:my-mentoring")).content.decode()
    assert "1 of 2 places taken" in body


@pytest.mark.django_db
def test_a_waiting_mentee_is_told_what_happens_next(client, scheme, make_mentee):
    mentee = make_mentee(scheme)
    client.force_login(mentee.user)
    body = client.get(reverse("accounts:my-mentoring")).content.decode()
    assert "The organisers will match you with a mentor" in body


@pytest.mark.django_db
def test_someone_with_nothing_to_match_sees_no_matches_panel(client, organiser):
    client.force_login(organiser)
    assert (
        "Your mentoring matches"
        not in client.get(reverse("accounts:my-mentoring")).content.decode()
    )


@pytest.mark.django_db
def test_an_other_pair_is_not_shown_to_someone_outside_it(client, other_pair, mentee):
    client.force_login(mentee.user)
    body = client.get(reverse("accounts:my-mentoring")).content.decode()
    assert other_pair.mentor.email not in body


@pytest.mark.django_db
def test_a_mentor_request_never_shows_the_mentee_is_re_matching(
    client, choosing_scheme, mentee, mentors
):
    PairFactory(
        scheme=choosing_scheme,
        mentee_enrolment=mentee,
        mentor_enrolment=mentors[1],
        status=Pair.Status.ENDED,
        created_at=mentee.created_at,
    )
    services.mentee_rematch_request(enrolment=mentee)
    services.mentor_choices_set(mentee_enrolment=mentee, mentor_enrolment_ids=[mentors[0].pk])
    client.force_login(mentors[0].user)
    body = client.get(reverse("accounts:my-mentoring")).content.decode()
    assert "Maya Patel" in body
    assert "pair ended" not in body and "new mentor" not in body
