from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Grade
from schemes.models import Enrolment, IntakeWindow
from schemes.tests.factories import MemberFactory, SchemeFactory

MENTEE_ANSWERS = {
    "areas": ["career", "exams"],
    "areas_other": "Deciding between paediatrics and GP",
    "mentor_specialty_preference": "same",
    "prefers_same_site": "on",
    "meeting_mode": "video",
    "availability": "Wednesday evenings",
    "consent": "on",
}
MENTOR_ANSWERS = {
    "areas": ["exams", "portfolio"],
    "capacity": "2",
    "meeting_mode": "any",
    "availability": "Lunchtimes",
    "consent": "on",
}


@pytest.fixture
def trainee(organisation):
    return MemberFactory(
        organisation=organisation,
        email="new.trainee@example.nhs.uk",
        grade=Grade.CT1,
        site="Maudsley",
    )


@pytest.mark.django_db
def test_trainee_sees_the_open_schemes_of_their_trust_only(client, trainee, scheme, other_scheme):
    client.force_login(trainee)
    body = client.get(reverse("schemes:list")).content.decode()
    assert scheme.name in body
    assert other_scheme.name not in body
    assert reverse("schemes:join-mentee", args=[scheme.slug]) in body


@pytest.mark.django_db
def test_trainee_without_an_organisation_is_asked_to_set_one(client):
    user = MemberFactory(organisation=None)
    client.force_login(user)
    body = client.get(reverse("schemes:list")).content.decode()
    assert "Add your organisation to your profile" in body


@pytest.mark.django_db
def test_trainee_joins_as_mentee_with_goals_and_preferences(client, trainee, scheme):
    client.force_login(trainee)

    response = client.post(reverse("schemes:join-mentee", args=[scheme.slug]), MENTEE_ANSWERS)

    assert response.status_code == 302
    enrolment = Enrolment.objects.get(user=trainee)
    assert (
        enrolment.role == "mentee" and enrolment.status == "active" and enrolment.source == "self"
    )
    assert enrolment.areas == ["career", "exams"]
    assert enrolment.mentor_specialty_preference == "same"
    assert enrolment.prefers_same_site is True
    assert enrolment.site == "Maudsley"
    assert enrolment.consent_given_at is not None
    page = client.get(reverse("accounts:my-mentoring")).content.decode()
    assert f"You have joined {scheme.name} as a mentee." in page
    assert scheme.name in page


@pytest.mark.django_db
def test_joining_without_consent_or_goals_says_what_to_do_and_saves_nothing(
    client, trainee, scheme
):
    client.force_login(trainee)
    answers = {**MENTEE_ANSWERS, "areas": [], "areas_other": "", "consent": ""}

    response = client.post(reverse("schemes:join-mentee", args=[scheme.slug]), answers)

    form = response.context["form"]
    assert "Tick the box to agree" in " ".join(form.errors["consent"])
    assert "Choose at least one area" in " ".join(form.errors["areas"])
    assert not Enrolment.objects.filter(user=trainee).exists()


@pytest.mark.django_db
def test_gender_preference_is_asked_only_where_the_scheme_allows(client, trainee, scheme):
    client.force_login(trainee)
    url = reverse("schemes:join-mentee", args=[scheme.slug])
    assert "mentor_gender_preference" not in client.get(url).content.decode()
    scheme.asks_mentor_gender_preference = True
    scheme.save()
    assert "mentor_gender_preference" in client.get(url).content.decode()


@pytest.mark.django_db
def test_outside_an_intake_window_a_mentee_request_waits_for_the_organiser(client, trainee, scheme):
    scheme.recruits_at_intake = True
    scheme.accepts_requests = True
    scheme.save()
    client.force_login(trainee)

    page = client.get(reverse("schemes:join-mentee", args=[scheme.slug])).content.decode()
    assert "You can still ask for a mentor now" in page
    client.post(reverse("schemes:join-mentee", args=[scheme.slug]), MENTEE_ANSWERS)

    enrolment = Enrolment.objects.get(user=trainee)
    assert enrolment.status == "requested" and enrolment.source == "request"


@pytest.mark.django_db
def test_inside_an_intake_window_a_mentee_joins_at_once(client, trainee, scheme):
    scheme.recruits_at_intake = True
    scheme.save()
    today = timezone.localdate()
    IntakeWindow.objects.create(
        scheme=scheme,
        label="August rotation",
        opens_on=today - timedelta(days=3),
        closes_on=today + timedelta(days=30),
    )
    client.force_login(trainee)
    client.post(reverse("schemes:join-mentee", args=[scheme.slug]), MENTEE_ANSWERS)
    assert Enrolment.objects.get(user=trainee).status == "active"


@pytest.mark.django_db
def test_between_intakes_without_requests_the_trainee_is_told_when_the_next_opens(
    client, trainee, scheme
):
    scheme.recruits_at_intake = True
    scheme.save()
    opens = timezone.localdate() + timedelta(days=40)
    IntakeWindow.objects.create(
        scheme=scheme, label="Next", opens_on=opens, closes_on=opens + timedelta(days=20)
    )
    client.force_login(trainee)

    response = client.post(reverse("schemes:join-mentee", args=[scheme.slug]), MENTEE_ANSWERS)

    assert "The next one opens on" in response.content.decode()
    assert not Enrolment.objects.exists()


@pytest.mark.django_db
def test_eligible_trainee_joins_as_mentor_with_capacity(client, organisation, scheme):
    mentor = MemberFactory(organisation=organisation, grade=Grade.ST4)
    client.force_login(mentor)

    client.post(reverse("schemes:join-mentor", args=[scheme.slug]), MENTOR_ANSWERS)

    enrolment = Enrolment.objects.get(user=mentor)
    assert enrolment.role == "mentor" and enrolment.capacity == 2
    assert enrolment.areas == ["exams", "portfolio"]


@pytest.mark.django_db
def test_mentor_capacity_above_three_is_refused(client, organisation, scheme):
    mentor = MemberFactory(organisation=organisation, grade=Grade.ST4)
    client.force_login(mentor)
    response = client.post(
        reverse("schemes:join-mentor", args=[scheme.slug]), {**MENTOR_ANSWERS, "capacity": "7"}
    )
    assert "Select a valid choice" in " ".join(response.context["form"].errors["capacity"])
    assert not Enrolment.objects.exists()


@pytest.mark.django_db
def test_ineligible_mentor_is_refused_with_the_reason(client, organisation, scheme):
    newcomer = MemberFactory(
        organisation=organisation,
        grade=Grade.FY1,
        training_started_on=timezone.localdate() - timedelta(days=60),
    )
    client.force_login(newcomer)

    for response in (
        client.get(reverse("schemes:join-mentor", args=[scheme.slug])),
        client.post(reverse("schemes:join-mentor", args=[scheme.slug]), MENTOR_ANSWERS),
    ):
        assert response.status_code == 403
        assert "need at least 1 year in training" in response.content.decode()
    assert not Enrolment.objects.exists()


@pytest.mark.django_db
def test_trainee_of_another_trust_gets_404_for_the_scheme(client, other_organisation, scheme):
    outsider = MemberFactory(organisation=other_organisation)
    client.force_login(outsider)
    for name in ("schemes:detail", "schemes:join-mentee", "schemes:join-mentor"):
        assert client.get(reverse(name, args=[scheme.slug])).status_code == 404


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_login(client, scheme):
    for url in (
        reverse("schemes:list"),
        reverse("schemes:detail", args=[scheme.slug]),
        reverse("schemes:join-mentee", args=[scheme.slug]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_withdraw_needs_no_reason_and_the_organiser_sees_only_the_status(
    client, mentee_enrolment, organiser
):
    client.force_login(mentee_enrolment.user)
    url = reverse("schemes:withdraw", args=[mentee_enrolment.pk])
    assert client.get(url).status_code == 200

    response = client.post(url, {"reason": ""})

    assert response.status_code == 302
    mentee_enrolment.refresh_from_db()
    assert mentee_enrolment.status == "withdrawn"
    assert mentee_enrolment.withdrawal_reason == ""
    client.force_login(organiser)
    body = client.get(
        reverse("schemes:enrolments", args=[mentee_enrolment.scheme.slug])
    ).content.decode()
    assert "Withdrawn" in body


@pytest.mark.django_db
def test_nobody_can_withdraw_someone_elses_enrolment(client, mentee_enrolment, other_trainee):
    client.force_login(other_trainee)
    response = client.post(reverse("schemes:withdraw", args=[mentee_enrolment.pk]))
    assert response.status_code == 404
    mentee_enrolment.refresh_from_db()
    assert mentee_enrolment.status == "active"


@pytest.mark.django_db
def test_a_not_peer_only_scheme_is_labelled(client, trainee, organisation):
    SchemeFactory(organisation=organisation, name="Mixed scheme", mentors_may_be_consultants=True)
    client.force_login(trainee)
    assert "Not peer-only" in client.get(reverse("schemes:list")).content.decode()
