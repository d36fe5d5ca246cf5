"""The demo region is South London as the seed's survey found it, and loading it twice adds nothing.

Each test loads the demo region once (`demo.region`, the first part of `manage.py load_demo`) into
an empty test database.
"""

from datetime import timedelta

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from accounts.models import Grade, User
from demo import plan as demo
from demo.region import demo_region_load
from reports.dashboards import dashboard
from reports.uptake import COUNTED_FROM_ACCOUNTS, counted_from, uptake_band, uptake_with_sources
from schemes.models import (
    TRAINEE_GRADES,
    Enrolment,
    EnrolmentModel,
    IntakeWindow,
    MenteeEligibility,
    MentorSupport,
    MentorTraining,
    Organisation,
    OrganisationRole,
    Placement,
    Referral,
    Region,
    RegionRole,
    RunBy,
    Scheme,
    SchemeRole,
    TraineeListImport,
    years_in_training,
)

pytestmark = pytest.mark.django_db

SCHEME_OF = {
    "st-georges": "st-georges-peer-mentoring",
    "gstt": "gstt-mentoring",
    "kch": "kch-mentoring",
    "slam": "slam-peer-mentoring",
    "oxleas": "oxleas-core-trainee-mentoring",
    "kingston": "kingston-paediatrics-peer-mentoring",
    "croydon": "croydon-mentoring",
    "swlsg": "swlsg-peer-mentoring",
}
DEMO_LOGINS = [login["email"] for login in demo.DEMO_LOGINS]


def load():
    """The region part of the demo, and the line it reports."""
    return demo_region_load().summary() + "\n"


@pytest.fixture
def region():
    load()
    return Region.objects.get(slug="south-london")


def scheme_at(organisation_slug):
    return Scheme.objects.get(organisation__slug=organisation_slug)


def eligible_mentee(scheme, user):
    """Who counts in the uptake denominator: the scheme's trainees it is open to as mentees."""
    if user.grade not in TRAINEE_GRADES:
        return False
    if scheme.mentee_eligibility == MenteeEligibility.ALL_TRAINEES:
        return True
    specialties = {specialty.lower() for specialty in scheme.eligible_specialties}
    return (not scheme.eligible_grades or user.grade in scheme.eligible_grades) and (
        not specialties or user.specialty.lower() in specialties
    )


def snapshot():
    """Every row of every model (counts), and every value of the rows the demo writes."""
    counts = {model._meta.label: model.objects.count() for model in apps.get_models()}
    values = {
        model._meta.label: list(model.objects.order_by("pk").values())
        for model in (
            Region,
            Organisation,
            Scheme,
            IntakeWindow,
            SchemeRole,
            OrganisationRole,
            RegionRole,
            Enrolment,
            Referral,
            TraineeListImport,
            Placement,
        )
    }
    values["users"] = list(User.objects.order_by("pk").values())
    return counts, values


def test_running_twice_creates_nothing_and_changes_nothing(region):
    before = snapshot()

    output = load()

    assert snapshot() == before
    assert "created nothing" in output
    assert Placement.objects.count() >= 450  # a few hundred trainees on the trusts' lists


def test_first_run_says_what_it_created(db):
    output = load()

    assert "created 1 region, 10 organisations" in output
    assert "already there: nothing" in output
    assert len(output.strip().splitlines()) == 1


def test_ten_trusts_eight_with_a_scheme_and_two_without(region):
    assert region.organisations.count() == 10
    assert Scheme.objects.filter(organisation__region=region).count() == 8
    without = region.organisations.filter(schemes=None).values_list("short_name", flat=True)
    assert sorted(without) == ["Epsom and St Helier", "Lewisham and Greenwich"]


def test_seven_peer_schemes_because_croydon_uses_consultants_and_sas_doctors(region):
    croydon = scheme_at("croydon")
    assert not croydon.mentors_may_be_trainees
    assert croydon.mentors_may_be_consultants and croydon.mentors_may_be_sas
    trainee_mentoring = [s for s in Scheme.objects.all() if s.mentors_may_be_trainees]
    assert len(trainee_mentoring) == 7
    assert {s.organisation.slug for s in Scheme.objects.all() if s.is_peer_only} == {
        "st-georges",
        "slam",
        "oxleas",
        "kingston",
        "swlsg",
    }


def test_gstt_and_kch_are_not_peer_only_their_mentors_include_consultants(region):
    for slug in ("gstt", "kch"):
        scheme = scheme_at(slug)
        assert not scheme.is_peer_only
        assert scheme.mentors_may_be_trainees and scheme.mentors_may_be_consultants
        mentor_grades = set(
            scheme.enrolments.filter(role=Enrolment.Role.MENTOR).values_list(
                "user__grade", flat=True
            )
        )
        assert Grade.CONSULTANT in mentor_grades
        assert mentor_grades & set(TRAINEE_GRADES)
    assert scheme_at("gstt").mentors_may_be_other_professionals
    assert not scheme_at("kch").mentors_may_be_other_professionals


def test_who_may_be_a_mentee(region):
    all_trainees = Scheme.objects.filter(mentee_eligibility=MenteeEligibility.ALL_TRAINEES)
    peer_for_all = [s for s in all_trainees if s.mentors_may_be_trainees]
    assert len(peer_for_all) == 5  # "5 of the 7 schemes are available for all trainees"
    oxleas = scheme_at("oxleas")
    assert oxleas.mentee_eligibility == MenteeEligibility.CHOSEN
    assert oxleas.eligible_grades == ["CT1", "CT2", "CT3"]
    kingston = scheme_at("kingston")
    assert kingston.mentee_eligibility == MenteeEligibility.CHOSEN
    assert kingston.eligible_grades == ["CT1"]
    assert kingston.eligible_specialties == ["Paediatrics"]


def test_opt_in_at_three_schemes_and_opt_out_at_kingston_only(region):
    models = dict(Scheme.objects.values_list("organisation__slug", "enrolment_model"))
    assert {slug for slug, m in models.items() if m == EnrolmentModel.OPT_IN} == {
        "st-georges",
        "gstt",
        "slam",
    }
    assert {slug for slug, m in models.items() if m == EnrolmentModel.OPT_OUT} == {"kingston"}
    sources = set(scheme_at("kingston").enrolments.filter(role="mentee").values_list("source"))
    assert sources == {(Enrolment.Source.COHORT,)}


def test_all_recruit_at_rotation_start_and_sign_up_is_open_now(region):
    today = timezone.localdate()
    for scheme in Scheme.objects.all():
        assert scheme.recruits_at_intake
        assert scheme.open_intake_window(today) is not None, scheme
        assert scheme.intake_windows.filter(opens_on__gt=today).exists(), scheme


def test_only_gstt_and_kch_take_requests_and_referrals(region):
    takes = Scheme.objects.filter(accepts_referrals=True).values_list("organisation__slug")
    assert sorted(slug for (slug,) in takes) == ["gstt", "kch"]
    requests = Scheme.objects.filter(accepts_requests=True).values_list("organisation__slug")
    assert sorted(slug for (slug,) in requests) == ["gstt", "kch"]

    referred = Referral.objects.values_list("enrolment__scheme__organisation__slug", flat=True)
    assert set(referred) == {"gstt", "kch"}
    assert Referral.objects.count() >= 5
    assert all(referral.reason for referral in Referral.objects.all())
    assert all(r.enrolment.source == Enrolment.Source.REFERRAL for r in Referral.objects.all())
    request_schemes = Enrolment.objects.filter(source=Enrolment.Source.REQUEST).values_list(
        "scheme__organisation__slug", flat=True
    )
    assert set(request_schemes) == {"gstt", "kch"}


def test_training_support_who_runs_it_and_resources(region):
    training = dict(Scheme.objects.values_list("organisation__slug", "mentor_training_required"))
    assert training["kingston"] == MentorTraining.NONE
    assert training["swlsg"] == MentorTraining.INFORMAL
    assert MentorTraining.FORMAL_EXTERNAL in training.values()
    assert list(training.values()).count(MentorTraining.FORMAL_INTERNAL) >= 4  # the most popular

    support = dict(Scheme.objects.values_list("organisation__slug", "mentor_support"))
    assert {s for s, kinds in support.items() if MentorSupport.ONE_TO_ONE in kinds} == {
        "gstt",
        "slam",
    }
    assert {s for s, kinds in support.items() if MentorSupport.GROUP in kinds} == {
        "gstt",
        "kch",
        "st-georges",
    }
    assert support["oxleas"] == [MentorSupport.DME]
    assert support["swlsg"] == [MentorSupport.AD_HOC]
    assert support["kingston"] == []

    run_by = dict(Scheme.objects.values_list("organisation__slug", "run_by"))
    assert {s for s, r in run_by.items() if r == RunBy.TRAINEE_LED} == {"slam", "kingston"}
    assert run_by["swlsg"] == RunBy.JOINT
    assert run_by["kch"] == run_by["oxleas"] == RunBy.POSTGRADUATE_CENTRE
    assert run_by["st-georges"] == RunBy.WORKFORCE_DEVELOPMENT
    assert run_by["gstt"] == RunBy.TRAINING_AND_DEVELOPMENT

    for scheme in Scheme.objects.all():
        trainee_led = scheme.run_by == RunBy.TRAINEE_LED
        assert (scheme.admin_hours_per_month == 0) == trainee_led, scheme
    budgets = {s.organisation.slug for s in Scheme.objects.all() if s.budget_pounds_per_year > 0}
    assert {"gstt", "kch", "st-georges", "slam"} <= budgets
    assert "kingston" not in budgets


def test_three_schemes_collect_outcome_data(region):
    collecting = Scheme.objects.filter(collects_outcome_data=True)
    slugs = set(collecting.values_list("organisation__slug", flat=True))
    assert len(slugs) == 3
    assert {"swlsg", "kch"} <= slugs
    assert slugs & {"slam", "gstt"}


def test_meetings_every_four_to_eight_weeks(region):
    for scheme in Scheme.objects.all():
        assert 4 <= scheme.meeting_interval_min_weeks <= scheme.meeting_interval_max_weeks <= 8


def test_uptake_of_each_scheme_lies_in_its_band(region):
    """Through the reports' own uptake code: enrolled mentees over the trust's trainees placed
    today (over its trainee accounts at Croydon, which has no list)."""
    schemes = {s.pk: s for s in Scheme.objects.all()}
    by_scheme, _list_dates = uptake_with_sources(schemes.values())
    rates = {
        schemes[pk].organisation.slug: enrolled / eligible
        for pk, (eligible, enrolled, _percent) in by_scheme.items()
    }

    for row in demo.SCHEMES:
        low, high = row["uptake_band"]
        rate = rates[row["organisation"]]
        assert low <= rate < high, (row["slug"], rate)
    # The seed's Figure 2 and Discussion
    assert min(rates, key=rates.get) == "kch"
    assert rates["kch"] < 0.25
    assert 0.25 <= rates["gstt"] < 0.50
    assert 0.25 <= rates["kingston"] < 0.50
    opt_in = sorted(rates[slug] for slug in ("st-georges", "gstt", "slam"))
    assert opt_in[0] < 0.25 <= opt_in[1] < 0.50 <= opt_in[2] < 0.75
    assert any(rate > 0.75 for rate in rates.values())
    bands = [uptake_band(100 * rate) for rate in rates.values()]
    assert bands.count("25–50%") >= 4  # most; "on average only 25-50%"
    peer = [rates[slug] for slug in SCHEME_OF if slug != "croydon"]
    assert 0.25 <= sum(peer) / len(peer) <= 0.50


def test_each_schemes_dashboard_shows_uptake_in_its_band(region):
    """The band a DME or organiser reads on the scheme dashboard (Kingston's 4 mentees are
    fewer than 5, so its uptake is not shown)."""
    for row in demo.SCHEMES:
        funnel = dashboard([Scheme.objects.get(slug=row["slug"])])["funnel"]
        if row["organisation"] == "kingston":
            assert funnel.uptake is None
            continue
        low, high = row["uptake_band"]
        assert low <= funnel.uptake / 100 < high, (row["slug"], funnel.uptake)


def test_every_trust_with_a_scheme_but_croydon_counts_from_its_trainee_list(region):
    listed = set(
        TraineeListImport.objects.filter(confirmed_at__isnull=False).values_list(
            "organisation__slug", flat=True
        )
    )
    with_scheme = set(Scheme.objects.values_list("organisation__slug", flat=True))
    assert with_scheme - listed == {demo.NO_TRAINEE_LIST} == {"croydon"}
    assert listed == set(Organisation.objects.values_list("slug", flat=True)) - {"croydon"}
    for organisation in Organisation.objects.exclude(slug="croydon"):
        assert (
            Placement.objects.filter(organisation=organisation)
            .current(timezone.localdate())
            .exists()
        ), organisation
    assert not Placement.objects.filter(organisation__slug="croydon").exists()

    _by_scheme, list_dates = uptake_with_sources(Scheme.objects.all())
    croydon = Organisation.objects.get(slug="croydon")
    assert counted_from(list_dates.get(croydon.pk)) == COUNTED_FROM_ACCOUNTS
    gstt = Organisation.objects.get(slug="gstt")
    assert counted_from(list_dates.get(gstt.pk)).startswith("Eligible trainees counted from the")


def test_trainees_who_never_enrolled_have_no_account_where_the_trust_keeps_a_list(region):
    opt_in = set(
        Scheme.objects.filter(enrolment_model=EnrolmentModel.OPT_IN).values_list(
            "organisation__slug", flat=True
        )
    )
    assert opt_in == {"st-georges", "gstt", "slam"}
    listed = Organisation.objects.exclude(slug=demo.NO_TRAINEE_LIST)
    accounts = User.objects.filter(organisation__in=listed, grade__in=TRAINEE_GRADES)
    for user in accounts:
        enrolled = Enrolment.objects.filter(user=user).exists()
        staff = SchemeRole.objects.filter(user=user).exists()
        assert enrolled or staff, user.email
    for slug in opt_in:
        placed = Placement.objects.filter(organisation__slug=slug).current(timezone.localdate())
        assert placed.filter(user=None).exists(), slug  # on the list, never signed up
    # Croydon has no list: its trainees are counted from their accounts, so they all have one.
    croydon = User.objects.filter(organisation__slug="croydon", grade__in=TRAINEE_GRADES)
    assert croydon.count() >= 30


def test_the_opt_out_cohort_has_accounts_from_the_cohort_import(region):
    kingston = scheme_at("kingston")
    placed = Placement.objects.filter(organisation=kingston.organisation).current(
        timezone.localdate()
    )
    cohort = placed.filter(grade=Grade.CT1, specialty="Paediatrics")
    assert cohort.count() == 10
    for placement in cohort:
        assert placement.user is not None, placement
        enrolment = kingston.enrolments.get(user=placement.user, role=Enrolment.Role.MENTEE)
        assert enrolment.source == Enrolment.Source.COHORT
    assert placed.filter(user=None).exists()  # the trust's other trainees: on the list only


def test_the_trainee_lists_look_like_real_rotation_lists(region):
    today = timezone.localdate()
    changeover = demo.rotation_on(0, today)
    placements = list(Placement.objects.all())
    numbers = [placement.gmc_number for placement in placements]
    assert all(len(number) == 7 and number.isdigit() for number in numbers)
    assert len(set(numbers)) == len(numbers)
    assert {p.starts_on for p in placements} <= {demo.rotation_on(n, today) for n in (-2, -1, 0, 1)}
    assert all(p.starts_on.month == 8 for p in placements)
    leavers = [p for p in placements if p.ends_on == changeover - timedelta(days=1)]
    joiners = [p for p in placements if p.starts_on > today]
    for slug in demo.Plan([], []).listed_organisations:
        assert 2 <= sum(p.organisation.slug == slug for p in leavers) <= 6, slug
        assert 2 <= sum(p.organisation.slug == slug for p in joiners) <= 6, slug
    assert all(p.user is None and p.email and p.site and p.specialty for p in leavers + joiners)
    assert {p.grade for p in placements} == set(TRAINEE_GRADES)
    # Everyone in training with an account at a listed trust is on its list, linked by address.
    for user in User.objects.filter(grade__in=TRAINEE_GRADES).exclude(
        organisation__slug=demo.NO_TRAINEE_LIST
    ):
        placement = Placement.objects.current(today).get(user=user)
        assert placement.organisation_id == user.organisation_id
        assert (placement.email, placement.grade) == (user.email, user.grade)


def test_every_enrolment_follows_its_schemes_rules(region):
    today = timezone.localdate()
    senior_allowed = {
        Grade.CONSULTANT: "mentors_may_be_consultants",
        Grade.SAS: "mentors_may_be_sas",
        Grade.OTHER_PROFESSIONAL: "mentors_may_be_other_professionals",
    }
    enrolments = Enrolment.objects.select_related("scheme", "user")
    assert enrolments.filter(role=Enrolment.Role.MENTOR).count() >= 50
    for enrolment in enrolments:
        scheme, user = enrolment.scheme, enrolment.user
        assert user.organisation_id == scheme.organisation_id, enrolment
        if enrolment.role == Enrolment.Role.MENTEE:
            assert eligible_mentee(scheme, user), enrolment
            continue
        assert 1 <= enrolment.capacity <= scheme.max_mentees_per_mentor, enrolment
        if user.grade in TRAINEE_GRADES:
            assert scheme.mentors_may_be_trainees, enrolment
            assert years_in_training(user, today) >= scheme.mentor_min_years_in_training
            assert years_in_training(user, today) >= 1
        else:
            assert getattr(scheme, senior_allowed[user.grade]), enrolment
    # Nobody is both mentee and mentor in a scheme that does not allow it.
    current = enrolments.exclude(status=Enrolment.Status.WITHDRAWN)
    for scheme in Scheme.objects.filter(allows_mentee_and_mentor=False):
        mentees = set(current.filter(scheme=scheme, role="mentee").values_list("user_id"))
        mentors = set(current.filter(scheme=scheme, role="mentor").values_list("user_id"))
        assert not mentees & mentors


def test_people_work_where_their_address_says_and_started_training_to_match_their_grade(region):
    today = timezone.localdate()
    for user in User.objects.select_related("organisation"):
        if user.organisation:
            assert user.organisation.accepts_email(user.email), user.email
        if user.grade in TRAINEE_GRADES:
            assert user.has_confirmed_email
            years = years_in_training(user, today)
            assert years >= demo.YEARS_TO_GRADE[user.grade], (user.email, user.grade, years)
            assert years <= demo.YEARS_TO_GRADE[user.grade] + 2
    trainees = User.objects.filter(grade__in=TRAINEE_GRADES)
    assert trainees.count() >= 150
    assert set(trainees.values_list("grade", flat=True)) == set(TRAINEE_GRADES)
    trust_addresses = trainees.exclude(email__endswith="@example.nhs.uk")
    assert trust_addresses.count() == trainees.count() - 3  # the SLaM demo logins


def test_demo_logins_have_their_roles(region):
    slam = scheme_at("slam")
    mentee = slam.enrolments.get(user__email="mentee@example.nhs.uk")
    assert mentee.role == Enrolment.Role.MENTEE and mentee.status == Enrolment.Status.ACTIVE
    assert mentee.user.grade == Grade.CT1
    mentor = slam.enrolments.get(user__email="mentor@example.nhs.uk")
    assert mentor.role == Enrolment.Role.MENTOR and mentor.capacity == 2
    assert mentor.user.grade == Grade.ST4
    roles = set(slam.roles.values_list("user__email", "role"))
    assert ("organiser@example.nhs.uk", SchemeRole.Role.ORGANISER) in roles
    assert ("supervisor@example.nhs.uk", SchemeRole.Role.SUPERVISOR) in roles
    assert User.objects.get(email="supervisor@example.nhs.uk").grade == Grade.CONSULTANT
    assert OrganisationRole.objects.filter(
        organisation__slug="slam", user__email="dme@example.nhs.uk"
    ).exists()
    assert RegionRole.objects.filter(region=region, user__email="lead@example.nhs.uk").exists()
    admin = User.objects.get(email="admin@example.nhs.uk")
    assert admin.is_superuser and admin.is_staff
    # Every scheme has an organiser, every trust a Director of Medical Education.
    assert all(s.roles.filter(role=SchemeRole.Role.ORGANISER) for s in Scheme.objects.all())
    assert OrganisationRole.objects.count() == 10


def test_each_demo_login_can_log_in(client, region):
    for email in DEMO_LOGINS:
        client.logout()
        response = client.post(
            reverse("accounts:login"), {"username": email, "password": demo.DEMO_PASSWORD}
        )

        assert response.status_code == 302, email
        assert client.session["_auth_user_id"] == str(User.objects.get(email=email).pk)


def test_generated_trainees_can_log_in_too(client, region):
    trainee = User.objects.filter(
        organisation__slug="kch", grade__in=TRAINEE_GRADES, enrolments__role=Enrolment.Role.MENTEE
    ).first()

    response = client.post(
        reverse("accounts:login"), {"username": trainee.email, "password": demo.DEMO_PASSWORD}
    )

    assert response.status_code == 302
