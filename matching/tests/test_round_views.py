"""The organisers' matching pages: they work, they refuse everyone but the scheme's organisers,
they reject the wrong method, and bad input says what to do and changes nothing."""

import pytest
from django.core import mail
from django.urls import reverse

from matching import services
from matching.models import MatchingSettings, MatchRound, Pair


@pytest.fixture
def people(scheme, make_mentee, make_mentor):
    mentees = [
        make_mentee(scheme, user={"first_name": "Maya", "last_name": "Patel"}),
        make_mentee(scheme, user={"first_name": "Ravi", "last_name": "Shah"}),
    ]
    mentors = [
        make_mentor(scheme, capacity=1, user={"first_name": "Tom", "last_name": "Okafor"}),
        make_mentor(scheme, capacity=1, user={"first_name": "Zoe", "last_name": "Adams"}),
    ]
    return mentees, mentors


@pytest.fixture
def match_round(scheme, organiser, people):
    return services.match_round_start(scheme=scheme, started_by=organiser)


def round_url(name, match_round, *args):
    return reverse(f"matching:{name}", args=[match_round.scheme.slug, match_round.pk, *args])


@pytest.mark.django_db
def test_organiser_starts_a_round_and_sees_proposals_scores_and_why(
    client, scheme, organiser, people
):
    client.force_login(organiser)

    response = client.post(reverse("matching:round-start", args=[scheme.slug]), follow=True)

    match_round = MatchRound.objects.get()
    assert response.redirect_chain[-1][0] == round_url("round-detail", match_round)
    body = response.content.decode()
    assert "Solved: 2 of 2 mentees have a proposed mentor" in body
    assert "Maya Patel" in body and ("Tom Okafor" in body or "Zoe Adams" in body)
    assert "2 years ahead in training: the ideal distance for a peer" in body
    assert "Approve 2 pairs and introduce them" in body
    assert "Mentors&#x27; load" in body or "Mentors' load" in body


@pytest.mark.django_db
def test_the_scheme_matching_page_shows_who_is_waiting(client, scheme, organiser, people):
    client.force_login(organiser)
    response = client.get(reverse("matching:scheme", args=[scheme.slug]))
    assert response.status_code == 200
    assert response.context["overview"]["mentees_waiting"] == 2
    assert response.context["overview"]["places_free"] == 2
    assert "Start a matching round" in response.content.decode()


@pytest.mark.django_db
def test_the_progress_endpoint_says_how_far_the_round_is(client, organiser, match_round):
    client.force_login(organiser)
    response = client.get(round_url("round-progress", match_round))
    assert response.json() == {"status": "proposed", "progress": 100, "note": "", "done": True}


@pytest.mark.django_db
def test_the_progress_endpoint_and_page_say_which_phase_the_solve_is_in(client, organiser, scheme):
    running = MatchRound.objects.create(
        scheme=scheme,
        started_by=organiser,
        progress=30,
        progress_note="Applying the rules and scoring every pair: 4,096 of 10,000 mentees",
    )
    client.force_login(organiser)
    assert client.get(round_url("round-progress", running)).json()["note"] == (
        "Applying the rules and scoring every pair: 4,096 of 10,000 mentees"
    )
    body = client.get(round_url("round-detail", running)).content.decode()
    assert "Applying the rules and scoring every pair: 4,096 of 10,000 mentees" in body
    assert 'aria-valuetext="30%: Applying the rules' in body


@pytest.mark.django_db
def test_a_running_round_shows_a_progress_bar_that_polls(client, organiser, scheme):
    running = MatchRound.objects.create(scheme=scheme, started_by=organiser, progress=40)
    client.force_login(organiser)
    body = client.get(round_url("round-detail", running)).content.decode()
    assert 'role="progressbar"' in body and 'aria-valuenow="40"' in body
    assert round_url("round-progress", running) in body


@pytest.mark.django_db
def test_organiser_pins_a_pair_and_the_page_says_it_was_re_solved(
    client, organiser, match_round, people
):
    mentees, _ = people
    client.force_login(organiser)

    response = client.post(
        round_url("round-change", match_round, mentees[0].pk, "pin"), follow=True
    )

    match_round.refresh_from_db()
    assert match_round.proposals.get(mentee_enrolment=mentees[0]).is_pinned
    assert "Maya Patel is pinned. The round is re-solved." in response.content.decode()


@pytest.mark.django_db
def test_organiser_forbids_a_pair_and_then_allows_it_again(client, organiser, match_round, people):
    mentees, _ = people
    proposal = match_round.proposals.get(mentee_enrolment=mentees[0])
    forbidden_mentor = proposal.mentor_enrolment
    client.force_login(organiser)

    client.post(round_url("round-change", match_round, mentees[0].pk, "forbid"))
    match_round.refresh_from_db()
    assert match_round.forbidden == [[mentees[0].pk, forbidden_mentor.pk]]
    assert match_round.proposals.get(mentee_enrolment=mentees[0]).mentor_enrolment != (
        forbidden_mentor
    )

    client.post(round_url("round-allow", match_round, mentees[0].pk, forbidden_mentor.pk))
    match_round.refresh_from_db()
    assert match_round.forbidden == []


@pytest.mark.django_db
def test_organiser_swaps_two_mentors(client, organiser, match_round, people):
    mentees, _ = people
    before = {p.mentee_enrolment_id: p.mentor_enrolment_id for p in match_round.proposals.all()}
    client.force_login(organiser)

    client.post(
        round_url("round-swap", match_round), {"first": mentees[0].pk, "second": mentees[1].pk}
    )

    after = {p.mentee_enrolment_id: p.mentor_enrolment_id for p in match_round.proposals.all()}
    assert after == {mentees[0].pk: before[mentees[1].pk], mentees[1].pk: before[mentees[0].pk]}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose the two pairs whose mentors you want to swap."),
        ("same", "The rules do not allow that swap"),
        ({"first": "999999", "second": "999998"}, "no longer proposed"),
        ({"first": "x1", "second": "2"}, "Choose the two pairs"),
    ],
)
def test_a_bad_swap_says_what_to_do_and_changes_nothing(
    client, organiser, match_round, people, data, message
):
    mentees, _ = people
    if data == "same":
        data = {"first": mentees[0].pk, "second": mentees[0].pk}
    before = list(match_round.proposals.values_list("mentee_enrolment", "mentor_enrolment"))
    client.force_login(organiser)

    response = client.post(round_url("round-swap", match_round), data, follow=True)

    assert message in response.content.decode()
    match_round.refresh_from_db()
    assert list(match_round.proposals.values_list("mentee_enrolment", "mentor_enrolment")) == (
        before
    )
    assert match_round.pinned == []


@pytest.fixture
def gendered_round(scheme, organiser, make_mentee, make_mentor):
    """Two pairs: Maya asked for a woman and has Zoe; Ravi has Tom, and cannot swap with Maya."""
    scheme.asks_mentor_gender_preference = True
    scheme.save()
    maya = make_mentee(
        scheme, user={"first_name": "Maya", "last_name": "Patel"}, mentor_gender_preference="woman"
    )
    ravi = make_mentee(scheme, user={"first_name": "Ravi", "last_name": "Shah"})
    aisha = make_mentee(scheme, user={"first_name": "Aisha", "last_name": "Khan"})
    for first, last, gender in (("Zoe", "Adams", "woman"), ("Tom", "Okafor", "man")):
        make_mentor(
            scheme, capacity=1, user={"first_name": first, "last_name": last, "gender": gender}
        )
    make_mentor(
        scheme, capacity=1, user={"first_name": "Ann", "last_name": "Lee", "gender": "woman"}
    )
    return services.match_round_start(scheme=scheme, started_by=organiser), maya, ravi, aisha


@pytest.mark.django_db
def test_the_swap_control_offers_only_swaps_the_rules_allow_and_says_why_not_the_others(
    client, organiser, gendered_round
):
    match_round, maya, ravi, aisha = gendered_round
    tom_pair = match_round.proposals.get(mentor_enrolment__user__first_name="Tom")
    client.force_login(organiser)

    response = client.get(
        round_url("round-detail", match_round) + f"?swap={tom_pair.mentee_enrolment_id}"
    )

    body = response.content.decode()
    offered = {value for value, _ in response.context["swap_form"].fields["second"].choices}
    assert maya.pk not in offered, "Maya asked for a woman: she cannot take Tom"
    assert "Swaps the rules refuse (1)" in body
    assert "Maya Patel cannot have Tom Okafor: not the gender the mentee asked for" in body
    assert len(offered - {""}) == 1


@pytest.mark.django_db
def test_posting_a_swap_the_rules_refuse_changes_nothing(client, organiser, gendered_round):
    match_round, maya, ravi, aisha = gendered_round
    tom_pair = match_round.proposals.get(mentor_enrolment__user__first_name="Tom")
    before = list(match_round.proposals.values_list("mentee_enrolment", "mentor_enrolment"))
    client.force_login(organiser)

    response = client.post(
        round_url("round-swap", match_round),
        {"first": tom_pair.mentee_enrolment_id, "second": maya.pk},
        follow=True,
    )

    assert "The rules do not allow that swap" in response.content.decode()
    assert response.redirect_chain[-1][0].endswith(f"?swap={tom_pair.mentee_enrolment_id}#swap")
    assert list(match_round.proposals.values_list("mentee_enrolment", "mentor_enrolment")) == (
        before
    )


@pytest.mark.django_db
def test_an_unknown_change_is_a_404(client, organiser, match_round, people):
    mentees, _ = people
    client.force_login(organiser)
    response = client.post(round_url("round-change", match_round, mentees[0].pk, "explode"))
    assert response.status_code == 404


@pytest.mark.django_db
def test_organiser_approves_and_both_members_of_each_pair_are_emailed(
    client, organiser, match_round, django_capture_on_commit_callbacks
):
    client.force_login(organiser)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            round_url("round-approve", match_round), {"confirmed_pairs": "2"}, follow=True
        )

    assert "Approved: 2 pairs created." in response.content.decode()
    assert Pair.objects.count() == 2
    assert len(mail.outbox) == 4


@pytest.mark.django_db
def test_approve_first_says_how_many_pairs_and_emails_and_asks_once_more(
    client, organiser, match_round, django_capture_on_commit_callbacks
):
    client.force_login(organiser)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(round_url("round-approve", match_round))

    body = response.content.decode()
    assert response.status_code == 200
    assert "This will create 2 pairs and send 4 introduction emails" in body
    assert 'name="confirmed_pairs" value="2"' in body
    assert not Pair.objects.exists() and not mail.outbox
    match_round.refresh_from_db()
    assert match_round.status == MatchRound.Status.PROPOSED


@pytest.mark.django_db
@pytest.mark.parametrize("shown", ["1", "3", "", "two"])
def test_approving_a_number_that_is_not_the_rounds_is_asked_again_and_creates_nothing(
    client, organiser, match_round, shown
):
    client.force_login(organiser)

    response = client.post(round_url("round-approve", match_round), {"confirmed_pairs": shown})

    assert "The round changed since you were asked" in response.content.decode()
    assert "This will create 2 pairs" in response.content.decode()
    assert not Pair.objects.exists()


@pytest.mark.django_db
def test_organiser_discards_a_round(client, organiser, match_round):
    client.force_login(organiser)
    response = client.post(round_url("round-discard", match_round), follow=True)
    assert "nobody was matched or emailed" in response.content.decode()
    match_round.refresh_from_db()
    assert match_round.status == MatchRound.Status.DISCARDED


@pytest.mark.django_db
def test_starting_a_second_round_says_why_not(client, scheme, organiser, match_round):
    client.force_login(organiser)
    response = client.post(reverse("matching:round-start", args=[scheme.slug]), follow=True)
    assert "A round is already open for this scheme" in response.content.decode()
    assert MatchRound.objects.count() == 1


@pytest.mark.django_db
def test_organiser_tunes_the_weights(client, scheme, organiser):
    client.force_login(organiser)
    data = {
        "weight_specialty": "8",
        "weight_site": "0",
        "weight_goals": "4",
        "weight_grade_distance": "3",
        "weight_availability": "1",
        "weight_mentee_ranking": "5",
        "weight_waiting_time": "2",
        "mentee_choice_enabled": "on",
        "choice_response_days": "5",
        "introduction_guidance": "Meet within two weeks.",
    }
    response = client.post(reverse("matching:settings", args=[scheme.slug]), data)
    assert response.status_code == 302
    settings = MatchingSettings.objects.get(scheme=scheme)
    assert (settings.weight_specialty, settings.weight_site) == (8, 0)
    assert settings.mentee_choice_enabled and settings.choice_response_days == 5


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("weight_goals", "11", "Give a weight from 0 (ignore it) to 10 (counts most)."),
        ("weight_goals", "", "Give a weight from 0 to 10."),
        ("choice_response_days", "0", "Give mentors between 1 and 60 days."),
        ("introduction_guidance", "  ", "Write a few lines for new pairs"),
    ],
)
def test_bad_matching_settings_say_what_to_fix_and_save_nothing(
    client, scheme, organiser, field, value, message
):
    client.force_login(organiser)
    data = {
        f"weight_{name}": "3"
        for name in (
            "specialty",
            "site",
            "goals",
            "grade_distance",
            "availability",
            "mentee_ranking",
            "waiting_time",
        )
    }
    data.update({"choice_response_days": "7", "introduction_guidance": "Hello", field: value})

    response = client.post(reverse("matching:settings", args=[scheme.slug]), data)

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not MatchingSettings.objects.exists()


# --- Who may -----------------------------------------------------------------------------------

GET_PAGES = ["scheme", "settings", "round-detail", "round-progress"]
POST_ACTIONS = ["round-start", "round-approve", "round-discard", "round-swap"]


def page_url(name, match_round):
    if name in ("scheme", "settings", "round-start"):
        return reverse(f"matching:{name}", args=[match_round.scheme.slug])
    return round_url(name, match_round)


@pytest.mark.django_db
@pytest.mark.parametrize("name", GET_PAGES + POST_ACTIONS)
@pytest.mark.parametrize(
    ("cast_member", "expected"),
    [
        ("other_organiser", 404),
        ("other_dme", 404),
        ("dme", 403),
        ("supervisor", 403),
        ("regional_lead", 403),
        ("mentee", 403),
        ("mentor", 403),
    ],
)
def test_only_the_schemes_organisers_may_run_or_see_a_round(
    client, request, match_round, name, cast_member, expected
):
    client.force_login(request.getfixturevalue(cast_member))
    method = client.get if name in GET_PAGES else client.post
    response = method(page_url(name, match_round))
    assert response.status_code == expected
    match_round.refresh_from_db()
    assert match_round.status == MatchRound.Status.PROPOSED
    assert not Pair.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", GET_PAGES + POST_ACTIONS)
def test_anonymous_visitors_are_sent_to_log_in(client, match_round, name):
    method = client.get if name in GET_PAGES else client.post
    response = method(page_url(name, match_round))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.django_db
@pytest.mark.parametrize("name", POST_ACTIONS)
def test_changes_refuse_get(client, organiser, match_round, name):
    client.force_login(organiser)
    assert client.get(page_url(name, match_round)).status_code == 405
    match_round.refresh_from_db()
    assert match_round.status == MatchRound.Status.PROPOSED


@pytest.mark.django_db
def test_a_round_of_another_scheme_is_not_found_through_this_one(
    client, organiser, match_round, other_scheme, other_organiser
):
    other_round = MatchRound.objects.create(scheme=other_scheme, started_by=other_organiser)
    client.force_login(organiser)
    url = reverse("matching:round-detail", args=[match_round.scheme.slug, other_round.pk])
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_the_organisers_navigation_links_to_matching(client, scheme, organiser):
    client.force_login(organiser)
    body = client.get(reverse("schemes:enrolments", args=[scheme.slug])).content.decode()
    assert reverse("matching:scheme", args=[scheme.slug]) in body
