"""Pairing by hand: an organiser pairs a waiting mentee with the mentor they choose.

The page shows every rule's answer and the fit; a rule that refuses needs a reason, some rules
never give way, a full mentor takes one more only with a reason; the pair is audited and both
members are introduced once, as an approved round does. Nobody but the scheme's organisers may
do it.
"""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import AuditEvent, Gender
from matching import services
from matching.models import Exclusion, HandPairing, MentorChoice, Pair
from matching.tests.factories import PairFactory

REASON = "The mentee asked for Tom after meeting him at induction."


@pytest.fixture
def maya(scheme, make_mentee):
    return make_mentee(scheme, user={"first_name": "Maya", "last_name": "Patel"})


@pytest.fixture
def tom(scheme, make_mentor):
    return make_mentor(scheme, capacity=1, user={"first_name": "Tom", "last_name": "Okafor"})


def list_url(scheme, mentee):
    return reverse("matching:pair-by-hand", args=[scheme.slug, mentee.pk])


def confirm_url(scheme, mentee, mentor):
    return reverse("matching:pair-by-hand-confirm", args=[scheme.slug, mentee.pk, mentor.pk])


def pair_by_hand(scheme, mentee, mentor, organiser, **reasons):
    return services.pair_create_by_hand(
        scheme=scheme,
        mentee_enrolment=mentee,
        mentor_enrolment=mentor,
        created_by=organiser,
        **reasons,
    )


def want_a_woman(scheme, mentee):
    scheme.asks_mentor_gender_preference = True
    scheme.save()
    mentee.mentor_gender_preference = "woman"
    mentee.save()


# --- The service ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_allowed_pair_is_created_audited_and_introduced_once(
    scheme, organiser, maya, tom, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        pair = pair_by_hand(scheme, maya, tom, organiser)

    assert (pair.mentee, pair.mentor, pair.status) == (maya.user, tom.user, Pair.Status.INTRODUCED)
    assert pair.explanation, "the pair keeps why they fit, as a round's pairs do"
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [maya.user.email, tom.user.email]
    )
    record = HandPairing.objects.get(pair=pair)
    assert (record.created_by, record.overridden_rules, record.capacity_raised) == (
        organiser,
        [],
        False,
    )
    event = AuditEvent.objects.get(action="pair_created_by_hand")
    assert event.actor == organiser and event.target == f"pair:{pair.pk}"
    assert event.details["overridden_rules"] == [] and event.details["capacity_raised"] is False


@pytest.mark.django_db
def test_a_refusing_rule_needs_a_reason_and_nothing_is_created_without_one(
    scheme, organiser, maya, tom
):
    want_a_woman(scheme, maya)  # Tom's gender is not given: the gender rule refuses him

    with pytest.raises(ValidationError, match="say why you are overriding it"):
        pair_by_hand(scheme, maya, tom, organiser, override_reason="because")

    assert not Pair.objects.exists() and not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_a_refusing_rule_is_overridden_with_a_reason_and_the_reason_is_kept(
    scheme, organiser, maya, tom
):
    want_a_woman(scheme, maya)

    pair = pair_by_hand(scheme, maya, tom, organiser, override_reason=f"  {REASON}  ")

    record = pair.hand_pairing
    assert record.overridden_rules == ["gender"]
    assert record.override_reason == REASON
    assert AuditEvent.objects.get().details["overridden_rules"] == ["gender"]


@pytest.mark.django_db
@pytest.mark.parametrize("rule", ["supervisor", "excluded", "ended_badly"])
def test_some_rules_are_never_overridden_whatever_the_reason(
    scheme, organiser, maya, tom, make_mentee, rule
):
    if rule == "supervisor":
        maya.educational_supervisor_email = tom.user.email.upper()
        maya.save()
    elif rule == "excluded":
        Exclusion.objects.create(
            mentee_enrolment=maya, excluded_user=tom.user, reason=Exclusion.Reason.MENTEE
        )
    else:
        PairFactory(
            scheme=scheme,
            mentee_enrolment=make_mentee(scheme, user={"email": "x@example.nhs.uk"}),
            mentor_enrolment=tom,
            mentee=maya.user,
            mentor=tom.user,
            status=Pair.Status.ENDED,
            ended_badly=True,
        )
    before = Pair.objects.count()

    with pytest.raises(ValidationError, match="can never be paired with this mentee"):
        pair_by_hand(scheme, maya, tom, organiser, override_reason=REASON, capacity_reason=REASON)

    assert Pair.objects.count() == before
    assert not HandPairing.objects.exists()


@pytest.mark.django_db
def test_a_full_mentor_takes_one_more_only_with_a_reason_and_their_capacity_stays(
    scheme, organiser, maya, tom, make_mentee
):
    PairFactory(scheme=scheme, mentee_enrolment=make_mentee(scheme), mentor_enrolment=tom)

    with pytest.raises(ValidationError, match="has no place left"):
        pair_by_hand(scheme, maya, tom, organiser)
    pair = pair_by_hand(scheme, maya, tom, organiser, capacity_reason="Tom offered to take two.")

    assert pair.hand_pairing.capacity_raised
    assert pair.hand_pairing.capacity_reason == "Tom offered to take two."
    assert pair.hand_pairing.overridden_rules == []
    tom.refresh_from_db()
    assert tom.capacity == 1, "raised for this pair only, not for the next round"


@pytest.mark.django_db
def test_a_mentee_already_paired_is_refused_clearly(scheme, organiser, maya, tom, make_mentor):
    first = pair_by_hand(scheme, maya, tom, organiser)
    other = make_mentor(scheme)

    with pytest.raises(ValidationError, match="already has a mentor in this scheme"):
        pair_by_hand(scheme, maya, other, organiser)

    assert list(Pair.objects.filter(mentee_enrolment=maya)) == [first]


@pytest.mark.django_db
def test_two_organisers_pairing_the_same_mentee_at_once_make_one_pair(
    scheme, organiser, maya, tom, make_mentor, monkeypatch
):
    pair_by_hand(scheme, maya, tom, organiser)
    # The second organiser's check ran before the first pair was committed.
    monkeypatch.setattr(services, "_current_pair_exists", lambda mentee_enrolment: False)

    with pytest.raises(ValidationError, match="already has a mentor in this scheme"):
        pair_by_hand(scheme, maya, make_mentor(scheme), organiser)

    assert Pair.objects.filter(mentee_enrolment=maya).count() == 1
    assert HandPairing.objects.count() == 1
    assert AuditEvent.objects.filter(action="pair_created_by_hand").count() == 1


@pytest.mark.django_db
def test_a_mentor_of_another_scheme_is_refused(scheme, other_scheme, organiser, maya, make_mentor):
    stranger = make_mentor(other_scheme)

    with pytest.raises(ValidationError, match="is not a mentor in"):
        pair_by_hand(scheme, maya, stranger, organiser, override_reason=REASON)

    assert not Pair.objects.exists()


@pytest.mark.django_db
def test_the_mentees_open_requests_are_withdrawn_when_paired(scheme, organiser, maya, tom):
    choice = MentorChoice.objects.create(
        mentee_enrolment=maya, mentor_enrolment=tom, status=MentorChoice.Status.QUEUED
    )
    pair_by_hand(scheme, maya, tom, organiser)
    choice.refresh_from_db()
    assert choice.status == MentorChoice.Status.WITHDRAWN


# --- The pages --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_waiting_list_links_each_waiting_mentee_to_choose_a_mentor(
    client, scheme, organiser, maya, tom
):
    client.force_login(organiser)
    body = client.get(reverse("matching:scheme", args=[scheme.slug])).content.decode()
    assert "Waiting list" in body and "Maya Patel" in body
    assert list_url(scheme, maya) in body


@pytest.mark.django_db
def test_a_rounds_unmatched_mentee_links_to_choose_a_mentor_and_a_matched_one_does_not(
    client, scheme, organiser, make_mentee, make_mentor
):
    make_mentor(scheme, capacity=1)
    first, second = make_mentee(scheme), make_mentee(scheme)
    match_round = services.match_round_start(scheme=scheme, started_by=organiser)
    unmatched = match_round.proposals.get(mentor_enrolment=None).mentee_enrolment
    matched = first if unmatched == second else second
    client.force_login(organiser)

    body = client.get(
        reverse("matching:round-detail", args=[scheme.slug, match_round.pk])
    ).content.decode()

    assert body.count(">Choose a mentor<") == 1
    assert list_url(scheme, unmatched) in body
    assert list_url(scheme, matched) not in body
    assert client.get(list_url(scheme, unmatched)).status_code == 200


@pytest.mark.django_db
def test_the_list_shows_each_mentors_places_rules_and_score(
    client, scheme, organiser, maya, tom, make_mentor
):
    want_a_woman(scheme, maya)
    zoe = make_mentor(
        scheme, user={"first_name": "Zoe", "last_name": "Adams", "gender": Gender.WOMAN}
    )
    client.force_login(organiser)

    response = client.get(list_url(scheme, maya))

    body = response.content.decode()
    options = response.context["options"]
    assert [option.mentor_enrolment for option in options] == [zoe, tom], "allowed first"
    assert "Every rule allows this pair" in body
    assert "Not the gender the mentee asked for" in body
    assert "0 of 1" in body and "0 of 2" in body
    assert "2 years ahead in training" in body
    assert confirm_url(scheme, maya, tom) in body and confirm_url(scheme, maya, zoe) in body


@pytest.mark.django_db
def test_a_never_allowed_mentor_has_no_choose_link_and_no_form(
    client, scheme, organiser, maya, tom
):
    maya.clinical_supervisor_email = tom.user.email
    maya.save()
    client.force_login(organiser)

    assert confirm_url(scheme, maya, tom) not in client.get(list_url(scheme, maya)).content.decode()
    response = client.post(confirm_url(scheme, maya, tom), {"override_reason": REASON})

    body = response.content.decode()
    assert response.status_code == 200
    assert "can never be paired with Maya Patel" in body
    assert "The mentee&#x27;s educational or clinical supervisor" in body
    assert "<textarea" not in body
    assert not Pair.objects.exists()


@pytest.mark.django_db
def test_organiser_overrides_a_rule_with_a_reason_and_sees_the_pair(
    client, scheme, organiser, maya, tom, django_capture_on_commit_callbacks
):
    want_a_woman(scheme, maya)
    client.force_login(organiser)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            confirm_url(scheme, maya, tom), {"override_reason": REASON}, follow=True
        )

    assert response.redirect_chain[-1][0] == reverse("meetings:organiser-pairs", args=[scheme.slug])
    assert "Maya Patel is paired with Tom Okafor" in response.content.decode()
    assert Pair.objects.get().hand_pairing.override_reason == REASON
    assert len(mail.outbox) == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "override_reason", "Say why you are overriding the rule, in at least 10"),
        ({"override_reason": "   short   "}, "override_reason", "in at least 10 characters"),
        ({"override_reason": "x" * 1001}, "override_reason", "at most 1000 characters"),
    ],
)
def test_a_missing_or_bad_override_reason_says_what_to_do_and_creates_nothing(
    client, scheme, organiser, maya, tom, data, field, message
):
    want_a_woman(scheme, maya)
    client.force_login(organiser)

    response = client.post(confirm_url(scheme, maya, tom), data)

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Pair.objects.exists() and not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_a_full_mentor_needs_the_box_ticked_and_a_reason(
    client, scheme, organiser, maya, tom, make_mentee
):
    PairFactory(scheme=scheme, mentee_enrolment=make_mentee(scheme), mentor_enrolment=tom)
    client.force_login(organiser)

    refused = client.post(confirm_url(scheme, maya, tom), {"capacity_reason": REASON})
    assert "tick the box to give them one more" in " ".join(
        refused.context["form"].errors["raise_capacity"]
    )
    accepted = client.post(
        confirm_url(scheme, maya, tom), {"raise_capacity": "on", "capacity_reason": REASON}
    )

    assert accepted.status_code == 302
    assert Pair.objects.get(mentee_enrolment=maya).hand_pairing.capacity_raised


@pytest.mark.django_db
def test_pairing_a_mentee_who_already_has_a_mentor_says_so(
    client, scheme, organiser, maya, tom, make_mentor
):
    pair_by_hand(scheme, maya, tom, organiser)
    other = make_mentor(scheme)
    client.force_login(organiser)

    listing = client.get(list_url(scheme, maya)).content.decode()
    response = client.post(confirm_url(scheme, maya, other), follow=True)

    assert "already has a mentor in this scheme (Tom Okafor)" in listing
    assert "already has a mentor in this scheme" in response.content.decode()
    assert Pair.objects.filter(mentee_enrolment=maya).count() == 1


@pytest.mark.django_db
def test_an_unknown_mentor_or_one_of_another_scheme_is_a_404(
    client, scheme, other_scheme, organiser, maya, make_mentor, make_mentee
):
    client.force_login(organiser)
    stranger = make_mentor(other_scheme)
    a_mentee_as_mentor = make_mentee(scheme)

    for mentor_id in (999999, stranger.pk, a_mentee_as_mentor.pk):
        url = reverse("matching:pair-by-hand-confirm", args=[scheme.slug, maya.pk, mentor_id])
        assert client.get(url).status_code == 404
        assert client.post(url, {"override_reason": REASON}).status_code == 404
    assert not Pair.objects.exists()


@pytest.mark.django_db
def test_a_mentee_of_another_scheme_is_a_404(
    client, scheme, other_scheme, organiser, tom, make_mentee
):
    stranger = make_mentee(other_scheme)
    client.force_login(organiser)
    assert client.get(list_url(scheme, stranger)).status_code == 404
    assert client.post(confirm_url(scheme, stranger, tom)).status_code == 404


@pytest.mark.django_db
def test_the_list_refuses_post(client, scheme, organiser, maya):
    client.force_login(organiser)
    assert client.post(list_url(scheme, maya)).status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["list", "confirm"])
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
def test_only_the_schemes_organisers_may_pair_by_hand(
    client, request, scheme, maya, tom, page, cast_member, expected
):
    url = list_url(scheme, maya) if page == "list" else confirm_url(scheme, maya, tom)
    client.force_login(request.getfixturevalue(cast_member))

    assert client.get(url).status_code == expected
    if page == "confirm":
        assert client.post(url, {"override_reason": REASON}).status_code == expected
    assert not Pair.objects.filter(mentee_enrolment=maya).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["list", "confirm"])
def test_anonymous_visitors_are_sent_to_log_in_to_pair_by_hand(client, scheme, maya, tom, page):
    url = list_url(scheme, maya) if page == "list" else confirm_url(scheme, maya, tom)
    for method in (client.get, client.post):
        response = method(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))
    assert not Pair.objects.exists()
