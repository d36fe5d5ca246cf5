import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Grade
from schemes.models import Enrolment, IntakeWindow, Referral, Scheme, SchemeRole
from schemes.tests.factories import EnrolmentFactory, MemberFactory


def scheme_settings(scheme, **overrides):
    data = {
        "name": scheme.name,
        "slug": scheme.slug,
        "description": "Monthly peer mentoring for trainees",
        "is_open": "on",
        "mentee_eligibility": "chosen",
        "eligible_grades": ["CT1"],
        "eligible_specialties": "Paediatrics",
        "enrolment_model": "opt_out",
        "recruits_at_intake": "on",
        "accepts_requests": "",
        "accepts_referrals": "on",
        "mentors_may_be_trainees": "on",
        "mentor_min_years_in_training": "2",
        "mentors_may_be_consultants": "on",
        "max_mentees_per_mentor": "3",
        "meeting_interval_min_weeks": "4",
        "meeting_interval_max_weeks": "8",
        "mentor_training_required": "formal_external",
        "mentor_support": ["one_to_one", "group"],
        "run_by": "postgraduate_centre",
        "admin_hours_per_month": "6.5",
        "budget_pounds_per_year": "2500",
        "collects_outcome_data": "on",
        "windows-TOTAL_FORMS": "1",
        "windows-INITIAL_FORMS": "0",
        "windows-MIN_NUM_FORMS": "0",
        "windows-MAX_NUM_FORMS": "1000",
        "windows-0-label": "August 2027 rotation",
        "windows-0-opens_on": "2027-07-20",
        "windows-0-closes_on": "2027-08-31",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_organiser_configures_every_survey_dimension_of_the_scheme(client, organiser, scheme):
    client.force_login(organiser)

    response = client.post(reverse("schemes:edit", args=[scheme.slug]), scheme_settings(scheme))

    assert response.status_code == 302
    scheme.refresh_from_db()
    assert scheme.eligible_grades == ["CT1"] and scheme.eligible_specialties == ["Paediatrics"]
    assert scheme.enrolment_model == "opt_out"
    assert scheme.accepts_referrals and not scheme.accepts_requests
    assert scheme.mentor_min_years_in_training == 2
    assert not scheme.is_peer_only
    assert scheme.mentor_support == ["one_to_one", "group"]
    assert scheme.run_by == "postgraduate_centre"
    assert str(scheme.admin_hours_per_month) == "6.5"
    assert IntakeWindow.objects.get(scheme=scheme).label == "August 2027 rotation"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"meeting_interval_min_weeks": "9"},
            "meeting_interval_max_weeks",
            "at least the shortest",
        ),
        (
            {"eligible_grades": [], "eligible_specialties": ""},
            "eligible_grades",
            "Choose the grades",
        ),
        (
            {"mentors_may_be_trainees": "", "mentors_may_be_consultants": ""},
            "mentors_may_be_trainees",
            "Say who may mentor",
        ),
        ({"max_mentees_per_mentor": "9"}, "max_mentees_per_mentor", "between 1 and 5"),
        ({"slug": "manage"}, "slug", "used by the site"),
    ],
)
def test_bad_scheme_settings_say_what_to_fix_and_save_nothing(
    client, organiser, scheme, overrides, field, message
):
    client.force_login(organiser)
    before = Scheme.objects.values().get(pk=scheme.pk)

    response = client.post(
        reverse("schemes:edit", args=[scheme.slug]), scheme_settings(scheme, **overrides)
    )

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert Scheme.objects.values().get(pk=scheme.pk) == before
    assert not IntakeWindow.objects.exists()


@pytest.mark.django_db
def test_an_intake_window_that_closes_before_it_opens_is_refused(client, organiser, scheme):
    client.force_login(organiser)
    response = client.post(
        reverse("schemes:edit", args=[scheme.slug]),
        scheme_settings(scheme, **{"windows-0-closes_on": "2027-07-01"}),
    )
    assert "must close on or after" in response.content.decode()
    assert not IntakeWindow.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("cast_member", "expected"),
    [
        ("dme", 403),
        ("supervisor", 403),
        ("mentee", 403),
        ("other_organiser", 404),
        ("other_dme", 404),
    ],
)
def test_only_the_schemes_organisers_may_change_it(client, request, scheme, cast_member, expected):
    client.force_login(request.getfixturevalue(cast_member))
    for name in ("schemes:edit", "schemes:people", "schemes:enrolments"):
        assert client.get(reverse(name, args=[scheme.slug])).status_code == expected
    response = client.post(
        reverse("schemes:edit", args=[scheme.slug]), scheme_settings(scheme, name="Hijacked")
    )
    assert response.status_code == expected
    scheme.refresh_from_db()
    assert scheme.name != "Hijacked"


@pytest.mark.django_db
def test_dme_creates_a_scheme_and_becomes_its_organiser(client, dme, organisation):
    client.force_login(dme)
    data = scheme_settings(
        Scheme(name="New scheme", slug="new-scheme"), organisation=organisation.pk
    )

    response = client.post(reverse("schemes:create"), data)

    assert response.status_code == 302
    scheme = Scheme.objects.get(slug="new-scheme")
    assert scheme.organisation == organisation
    assert SchemeRole.objects.filter(scheme=scheme, user=dme, role="organiser").exists()


@pytest.mark.django_db
def test_a_trainee_cannot_create_schemes(client, mentee):
    client.force_login(mentee)
    assert client.get(reverse("schemes:create")).status_code == 403
    assert client.get(reverse("schemes:manage")).status_code == 403


@pytest.mark.django_db
def test_organiser_appoints_a_co_organiser_who_can_then_manage(
    client, organiser, scheme, organisation
):
    colleague = MemberFactory(organisation=organisation, email="colleague@example.nhs.uk")
    client.force_login(organiser)

    client.post(
        reverse("schemes:people", args=[scheme.slug]),
        {"email": "Colleague@example.nhs.uk", "role": "organiser"},
    )

    assert SchemeRole.objects.filter(scheme=scheme, user=colleague, role="organiser").exists()
    client.force_login(colleague)
    assert client.get(reverse("schemes:edit", args=[scheme.slug])).status_code == 200


@pytest.mark.django_db
def test_appointing_an_unknown_address_says_what_to_do(client, organiser, scheme):
    client.force_login(organiser)
    response = client.post(
        reverse("schemes:people", args=[scheme.slug]),
        {"email": "nobody@example.nhs.uk", "role": "organiser"},
    )
    assert "Ask them to sign up first" in response.content.decode()


@pytest.mark.django_db
def test_the_last_organiser_cannot_be_removed(client, organiser, scheme):
    client.force_login(organiser)
    role = SchemeRole.objects.get(scheme=scheme, user=organiser)
    response = client.post(
        reverse("schemes:people", args=[scheme.slug]), {"remove": role.pk}, follow=True
    )
    assert "needs at least one organiser" in response.content.decode()
    assert SchemeRole.objects.filter(pk=role.pk).exists()


@pytest.mark.django_db
def test_enrolment_list_filters_by_role_status_source_grade_and_search(client, organiser, scheme):
    # Surnames are fixed: a random one such as "Salazar" would also match the search for "zar".
    EnrolmentFactory(
        scheme=scheme,
        user__first_name="Zara",
        user__last_name="Okafor",
        user__grade=Grade.CT1,
        source="cohort",
    )
    EnrolmentFactory(
        scheme=scheme,
        user__first_name="Yusuf",
        user__last_name="Begum",
        user__grade=Grade.ST3,
        role="mentor",
        capacity=1,
    )
    EnrolmentFactory(
        scheme=scheme,
        user__first_name="Xena",
        user__last_name="Patel",
        status="requested",
        source="request",
    )
    client.force_login(organiser)
    url = reverse("schemes:enrolments", args=[scheme.slug])

    def names(**params):
        page = client.get(url, params).context["page"]
        return sorted(enrolment.user.first_name for enrolment in page)

    assert names(role="mentor") == ["Yusuf"]
    assert names(source="cohort") == ["Zara"]
    assert names(status="requested") == ["Xena"]
    assert names(grade="ST3") == ["Yusuf"]
    assert names(q="zar") == ["Zara"]


@pytest.mark.django_db
def test_organiser_accepts_a_request_pauses_resumes_and_removes(client, organiser, scheme):
    enrolment = EnrolmentFactory(scheme=scheme, status="requested", source="request")
    client.force_login(organiser)

    def act(action):
        client.post(reverse("schemes:enrolment-status", args=[scheme.slug, enrolment.pk, action]))
        enrolment.refresh_from_db()
        return enrolment.status

    assert act("accept") == "active"
    assert act("pause") == "paused"
    assert act("resume") == "active"
    assert act("remove") == "withdrawn"
    assert act("pause") == "withdrawn"  # not allowed from withdrawn: nothing changes


@pytest.mark.django_db
def test_status_changes_are_post_only(client, organiser, mentee_enrolment):
    client.force_login(organiser)
    url = reverse(
        "schemes:enrolment-status",
        args=[mentee_enrolment.scheme.slug, mentee_enrolment.pk, "pause"],
    )
    assert client.get(url).status_code == 405


@pytest.mark.django_db
def test_organiser_of_another_scheme_cannot_touch_this_schemes_enrolments(
    client, other_organiser, mentee_enrolment
):
    client.force_login(other_organiser)
    url = reverse(
        "schemes:enrolment-status",
        args=[mentee_enrolment.scheme.slug, mentee_enrolment.pk, "remove"],
    )
    assert client.post(url).status_code == 404
    mentee_enrolment.refresh_from_db()
    assert mentee_enrolment.status == "active"


@pytest.mark.django_db
def test_organiser_adds_an_existing_account_as_mentor(client, organiser, scheme, organisation):
    person = MemberFactory(organisation=organisation, grade=Grade.ST5, email="st5@example.nhs.uk")
    client.force_login(organiser)
    client.post(
        reverse("schemes:enrolment-add", args=[scheme.slug]),
        {"add-email": person.email, "add-role": "mentor", "add-capacity": "3"},
    )
    enrolment = Enrolment.objects.get(user=person)
    assert (
        enrolment.role == "mentor" and enrolment.capacity == 3 and enrolment.source == "organiser"
    )


@pytest.mark.django_db
def test_adding_an_ineligible_person_gives_the_reason(
    client, organiser, scheme, other_organisation
):
    outsider = MemberFactory(organisation=other_organisation, email="out@other-trust.nhs.uk")
    client.force_login(organiser)
    response = client.post(
        reverse("schemes:enrolment-add", args=[scheme.slug]),
        {"add-email": outsider.email, "add-role": "mentee"},
        follow=True,
    )
    assert "could not be added" in response.content.decode()
    assert not Enrolment.objects.filter(user=outsider).exists()


@pytest.fixture
def referring_scheme(scheme):
    scheme.accepts_referrals = True
    scheme.save()
    return scheme


@pytest.mark.django_db
def test_organiser_refers_a_trainee_who_is_told_by_email_and_can_read_the_reason(
    client, organiser, referring_scheme, organisation, django_capture_on_commit_callbacks
):
    trainee = MemberFactory(
        organisation=organisation, email="struggling@example.nhs.uk", grade=Grade.CT2
    )
    client.force_login(organiser)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("schemes:referral-create", args=[referring_scheme.slug]),
            {"email": trainee.email, "reason": "Returning after sick leave; would value support."},
        )

    referral = Referral.objects.get()
    assert response.status_code == 302
    assert referral.enrolment.source == "referral" and referral.enrolment.user == trainee
    assert [message.to for message in mail.outbox] == [[trainee.email]]
    assert "Returning after sick leave" not in mail.outbox[0].body  # the reason is not emailed
    client.force_login(trainee)
    body = client.get(reverse("schemes:referral-detail", args=[referral.pk])).content.decode()
    assert "Returning after sick leave" in body


@pytest.mark.django_db
def test_the_mentor_never_sees_a_referral_or_its_reason(
    client, referring_scheme, organisation, mentor, dme, supervisor, other_organiser
):
    trainee = MemberFactory(organisation=organisation, grade=Grade.CT2)
    from schemes.services import referral_create

    referral = referral_create(
        scheme=referring_scheme, user=trainee, reason="Confidential reason", referred_by=dme
    )
    for person in (mentor, dme, supervisor, other_organiser):
        client.force_login(person)
        response = client.get(reverse("schemes:referral-detail", args=[referral.pk]))
        assert response.status_code == 404
        assert b"Confidential reason" not in response.content


@pytest.mark.django_db
def test_dme_may_refer_but_a_trainee_may_not(client, dme, mentee, referring_scheme, organisation):
    trainee = MemberFactory(organisation=organisation, grade=Grade.CT2)
    client.force_login(mentee)
    assert (
        client.get(reverse("schemes:referral-create", args=[referring_scheme.slug])).status_code
        == 403
    )
    client.force_login(dme)
    response = client.post(
        reverse("schemes:referral-create", args=[referring_scheme.slug]),
        {"email": trainee.email, "reason": "Needs support"},
    )
    assert response.status_code == 302
    assert Referral.objects.get().referred_by == dme


@pytest.mark.django_db
def test_referral_without_a_reason_is_refused(client, organiser, referring_scheme, organisation):
    trainee = MemberFactory(organisation=organisation, grade=Grade.CT2)
    client.force_login(organiser)
    response = client.post(
        reverse("schemes:referral-create", args=[referring_scheme.slug]),
        {"email": trainee.email, "reason": " "},
    )
    assert response.status_code == 200
    assert not Referral.objects.exists() and not Enrolment.objects.filter(user=trainee).exists()


@pytest.mark.django_db
def test_schemes_that_take_no_referrals_refuse_them(client, organiser, scheme, organisation):
    trainee = MemberFactory(organisation=organisation, grade=Grade.CT2)
    client.force_login(organiser)
    response = client.post(
        reverse("schemes:referral-create", args=[scheme.slug]),
        {"email": trainee.email, "reason": "x"},
    )
    assert "does not take referrals" in response.content.decode()
    assert not Referral.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["organiser", "dme"])
def test_a_scheme_that_takes_no_referrals_never_shows_the_form(request, client, who, scheme):
    """Refused before a confidential reason is typed, not after it is sent."""
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("schemes:referral-create", args=[scheme.slug]))
    body = response.content.decode()
    assert response.status_code == 403
    assert "takes no referrals" in body and "does not take referrals" in body
    assert 'name="reason"' not in body


@pytest.mark.django_db
def test_a_referral_posted_to_a_scheme_that_takes_none_saves_nothing(
    client, dme, scheme, organisation
):
    trainee = MemberFactory(organisation=organisation, grade=Grade.CT2)
    client.force_login(dme)
    response = client.post(
        reverse("schemes:referral-create", args=[scheme.slug]),
        {"email": trainee.email, "reason": "Struggling after a difficult night shift"},
    )
    assert response.status_code == 403
    assert not Referral.objects.exists() and not Enrolment.objects.filter(user=trainee).exists()
    assert len(mail.outbox) == 0


@pytest.mark.django_db
def test_manage_page_shows_counts_for_dme_and_links_only_for_organisers(
    client, dme, organiser, scheme, mentee, mentor
):
    client.force_login(dme)
    body = client.get(reverse("schemes:manage")).content.decode()
    assert scheme.name in body
    assert reverse("schemes:enrolments", args=[scheme.slug]) not in body
    client.force_login(organiser)
    assert (
        reverse("schemes:enrolments", args=[scheme.slug])
        in client.get(reverse("schemes:manage")).content.decode()
    )
