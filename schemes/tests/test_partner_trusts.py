"""A scheme run by a host trust for several: who may join, what each enrolment counts in, who
sees it, matching across trusts, and the settings that open it to partner trusts."""

import pytest
from django.urls import reverse

from accounts.models import Grade
from matching import services as matching_services
from matching.rules import Pool
from matching.scoring import explain, weights_for
from matching.tests.conftest import years_ago
from schemes import services
from schemes.cohort import cohort_import_confirm, cohort_import_preview
from schemes.eligibility import mentee_decision, mentor_decision
from schemes.forms import SchemeForm
from schemes.models import Enrolment
from schemes.selectors import schemes_for_trainee
from schemes.tests.factories import (
    EnrolmentFactory,
    MemberFactory,
    MentorEnrolmentFactory,
    OrganisationFactory,
    RegionFactory,
)
from schemes.tests.test_cohort_import import cohort_csv, upload
from schemes.tests.test_trainee_views import MENTEE_ANSWERS

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner(other_organisation):
    return other_organisation


@pytest.fixture
def third(region):
    """A trust of the same region that the scheme is not open to."""
    return OrganisationFactory(region=region, name="Third Hospitals NHS Trust", short_name="Third")


@pytest.fixture
def shared(scheme, partner):
    """SLaM's scheme, run for SLaM and the Other trust."""
    scheme.partner_organisations.add(partner)
    return scheme


def trainee(organisation, **fields):
    fields.setdefault("grade", Grade.CT1)
    return MemberFactory(organisation=organisation, **fields)


# --- Who may join -------------------------------------------------------------------------------


def test_trainees_of_the_host_and_of_a_partner_may_join_as_mentees(shared, organisation, partner):
    assert mentee_decision(shared, trainee(organisation))
    assert mentee_decision(shared, trainee(partner))


def test_a_trainee_of_a_trust_the_scheme_is_not_open_to_is_told_which_trusts_it_is_for(
    shared, third
):
    decision = mentee_decision(shared, trainee(third))

    assert not decision
    assert (
        "This scheme is for staff of South London and Maudsley NHS Foundation Trust or Other "
        "Hospitals NHS Trust" in decision.reason
    )


def test_mentors_may_come_from_the_partner_trust_under_the_schemes_mentor_rules(shared, partner):
    senior = trainee(partner, grade=Grade.ST4, training_started_on=years_ago(4))
    consultant = trainee(partner, grade=Grade.CONSULTANT)

    assert mentor_decision(shared, senior)
    assert not mentor_decision(shared, consultant)  # a peer scheme, wherever the mentor works


def test_without_partners_a_trainee_of_another_trust_still_may_not_join(scheme, partner):
    assert not mentee_decision(scheme, trainee(partner))
    assert not mentor_decision(scheme, trainee(partner, grade=Grade.ST4))


def test_the_partner_trusts_trainee_sees_the_scheme_in_their_list_and_others_do_not(
    client, shared, partner, third
):
    assert [row["scheme"] for row in schemes_for_trainee(trainee(partner))] == [shared]
    assert schemes_for_trainee(trainee(third)) == []

    outsider = trainee(third)
    client.force_login(outsider)
    assert shared.name not in client.get(reverse("schemes:list")).content.decode()
    # The scheme's existence is not revealed to a trust it is not open to.
    assert client.get(reverse("schemes:join-mentee", args=[shared.slug])).status_code == 404


def test_a_partner_trainee_enrols_through_the_page_and_counts_in_their_own_trust(
    client, shared, partner
):
    person = trainee(partner)
    client.force_login(person)
    assert shared.name in client.get(reverse("schemes:list")).content.decode()

    response = client.post(reverse("schemes:join-mentee", args=[shared.slug]), MENTEE_ANSWERS)

    assert response.status_code == 302
    enrolment = Enrolment.objects.get(user=person)
    assert enrolment.organisation == partner and enrolment.source == "self"


def test_a_trainee_who_moved_to_a_trust_the_scheme_is_not_open_to_is_refused_with_the_reason(
    client, shared, third
):
    person = trainee(third)
    EnrolmentFactory(scheme=shared, user=person, status=Enrolment.Status.WITHDRAWN)
    client.force_login(person)

    response = client.get(reverse("schemes:join-mentee", args=[shared.slug]))

    assert response.status_code == 403
    assert "This scheme is for staff of" in response.content.decode()


# --- What each enrolment counts in, on every way in ---------------------------------------------


def test_self_sign_up_records_the_persons_own_trust(shared, organisation, partner):
    host_trainee = services.enrolment_create(
        scheme=shared, user=trainee(organisation), role=Enrolment.Role.MENTEE
    )
    partner_trainee = services.enrolment_create(
        scheme=shared, user=trainee(partner), role=Enrolment.Role.MENTEE
    )
    partner_mentor = services.enrolment_create(
        scheme=shared,
        user=trainee(partner, grade=Grade.ST4, training_started_on=years_ago(4)),
        role=Enrolment.Role.MENTOR,
        capacity=1,
    )

    assert host_trainee.organisation == organisation
    assert partner_trainee.organisation == partner
    assert partner_mentor.organisation == partner


def test_a_request_between_intakes_records_the_persons_own_trust(shared, partner):
    shared.recruits_at_intake = True
    shared.accepts_requests = True
    shared.save()

    enrolment = services.enrolment_create(
        scheme=shared, user=trainee(partner), role=Enrolment.Role.MENTEE
    )

    assert enrolment.status == Enrolment.Status.REQUESTED
    assert enrolment.source == Enrolment.Source.REQUEST
    assert enrolment.organisation == partner


def test_a_referral_records_the_persons_own_trust(shared, partner, dme):
    shared.accepts_referrals = True
    shared.save()

    referral = services.referral_create(
        scheme=shared, user=trainee(partner), reason="Struggling after a move", referred_by=dme
    )

    assert referral.enrolment.organisation == partner


def test_an_organiser_adding_a_partner_trainee_records_their_trust(
    client, shared, partner, organiser
):
    person = trainee(partner)
    client.force_login(organiser)

    client.post(
        reverse("schemes:enrolment-add", args=[shared.slug]),
        {"add-email": person.email, "add-role": "mentee"},
    )

    enrolment = Enrolment.objects.get(user=person)
    assert enrolment.source == "organiser" and enrolment.organisation == partner


def test_a_cohort_import_records_each_trainees_own_trust(shared, organisation, partner, organiser):
    existing = trainee(partner, email="zara.ali@nhs.net")
    text = cohort_csv(
        "aisha.khan@nhs.net,Aisha,Khan,FY1,Psychiatry,Foundation,Maudsley Hospital,",
        f"{existing.email},Zara,Ali,FY2,Psychiatry,Foundation,Other Hospital,",
    )
    cohort_import = cohort_import_preview(
        scheme=shared, uploaded_file=upload(text), uploaded_by=organiser
    )

    cohort_import_confirm(cohort_import=cohort_import, confirmed_by=organiser)

    counted_in = dict(Enrolment.objects.values_list("user__email", "organisation"))
    assert counted_in == {"aisha.khan@nhs.net": organisation.pk, existing.email: partner.pk}


def test_an_enrolment_in_a_scheme_of_one_trust_counts_in_that_trust(scheme, organisation):
    enrolment = services.enrolment_create(
        scheme=scheme, user=trainee(organisation), role=Enrolment.Role.MENTEE
    )
    assert enrolment.organisation == organisation
    assert Enrolment.objects.attributed_to([organisation.pk]).get() == enrolment
    # An enrolment made before the field existed (NULL) counts in the scheme's own trust.
    Enrolment.objects.update(organisation=None)
    assert Enrolment.objects.attributed_to([organisation.pk]).get() == enrolment


# --- Matching: the same trust and site are a small bonus, never a rule ---------------------------


def mentee_in(scheme, organisation, **fields):
    return EnrolmentFactory(
        scheme=scheme,
        organisation=organisation,
        user__organisation=organisation,
        user__grade=Grade.FY2,
        user__training_started_on=years_ago(1),
        **fields,
    )


def mentor_in(scheme, organisation, capacity=1, **fields):
    return MentorEnrolmentFactory(
        scheme=scheme,
        organisation=organisation,
        user__organisation=organisation,
        user__grade=Grade.ST2,
        user__training_started_on=years_ago(3),
        capacity=capacity,
        **fields,
    )


@pytest.fixture
def every_mentor_trained(monkeypatch):
    from matching import rules

    monkeypatch.setattr(
        rules, "trained_mentor_ids", lambda scheme, enrolments: {e.pk for e in enrolments}
    )


def proposals(scheme, organiser):
    match_round = matching_services.match_round_start(scheme=scheme, started_by=organiser)
    return {p.mentee_enrolment_id: p.mentor_enrolment_id for p in match_round.proposals.all()}


def test_a_round_pairs_across_trusts_when_that_is_the_only_mentor(
    shared, organisation, partner, organiser, every_mentor_trained
):
    mentee = mentee_in(shared, partner)
    mentor = mentor_in(shared, organisation)

    assert proposals(shared, organiser) == {mentee.pk: mentor.pk}


def test_a_round_prefers_a_mentor_of_the_mentees_own_trust_when_otherwise_equal(
    shared, organisation, partner, organiser, every_mentor_trained
):
    # Created first, so it would win a tie broken by order.
    other_trust_mentor = mentor_in(shared, organisation)
    own_trust_mentor = mentor_in(shared, partner)
    mentee = mentee_in(shared, partner)

    assert proposals(shared, organiser) == {mentee.pk: own_trust_mentor.pk}
    pool = Pool.load(shared, [mentee])
    weights = weights_for(shared)
    same_score, same = explain(
        pool.mentees[0],
        pool.mentors.take([pool.mentors.index_of[own_trust_mentor.pk]]),
        weights,
    )
    other_score, other = explain(
        pool.mentees[0],
        pool.mentors.take([pool.mentors.index_of[other_trust_mentor.pk]]),
        weights,
    )
    assert same_score > other_score
    assert ["Nearby", 1.0, "Works in the same trust as the mentee"] in same
    assert ["Nearby", 0.0, "Works in another of the scheme's trusts"] in other


def test_the_same_site_adds_to_the_same_trust(shared, partner, every_mentor_trained):
    mentee = mentee_in(shared, partner, site="Other Hospital")
    mentor = mentor_in(shared, partner, site="Other Hospital")

    pool = Pool.load(shared, [mentee])
    score, explanation = explain(
        pool.mentees[0], pool.mentors.take([pool.mentors.index_of[mentor.pk]]), weights_for(shared)
    )

    assert ["Nearby", 2.0, "Works in the same trust and at the same site as the mentee"] in (
        explanation
    )


def test_a_scheme_of_one_trust_gives_no_nearby_points(scheme, organisation, every_mentor_trained):
    mentee = mentee_in(scheme, organisation)
    mentor = mentor_in(scheme, organisation)

    pool = Pool.load(scheme, [mentee])
    _, explanation = explain(
        pool.mentees[0], pool.mentors.take([pool.mentors.index_of[mentor.pk]]), weights_for(scheme)
    )

    assert weights_for(scheme)["nearby"] == 0
    assert "Nearby" not in {label for label, _, _ in explanation}


# --- The settings --------------------------------------------------------------------------------


def test_the_organiser_opens_the_scheme_to_a_trust_of_the_region(
    client, scheme, organiser, partner, third
):
    far = RegionFactory(name="North East", slug="north-east")
    elsewhere = OrganisationFactory(region=far, name="Far Away NHS Trust")
    client.force_login(organiser)
    url = reverse("schemes:edit", args=[scheme.slug])
    form = client.get(url).context["form"]
    choices = list(form.fields["partner_organisations"].queryset)

    # The region's other trusts: not the host, not a trust of another region.
    assert partner in choices and third in choices
    assert scheme.organisation not in choices and elsewhere not in choices
    assert "Also open to the trainees of" in client.get(url).content.decode()

    data = {**form.initial, "partner_organisations": [partner.pk]}
    data = {name: value for name, value in data.items() if value is not None}
    data.update({"windows-TOTAL_FORMS": "0", "windows-INITIAL_FORMS": "0"})
    response = client.post(url, data)

    assert response.status_code == 302, response.context["form"].errors
    assert list(scheme.partner_organisations.all()) == [partner]


def test_an_untouched_settings_form_keeps_the_partner_trusts(shared, partner):
    form = SchemeForm(instance=shared)
    data = {
        name: form[name].value()
        for name in form.fields
        if form[name].value() is not None and form[name].value() is not False
    }

    again = SchemeForm(data, instance=shared)

    assert again.is_valid(), again.errors
    assert not again.has_changed(), again.changed_data
    again.save()
    assert list(shared.partner_organisations.all()) == [partner]


def test_a_new_scheme_is_opened_to_partners_after_it_is_created(dme, organisation):
    from schemes.forms import SchemeCreateForm
    from schemes.models import Organisation

    form = SchemeCreateForm(organisations=Organisation.objects.filter(pk=organisation.pk))
    assert "partner_organisations" not in form.fields
