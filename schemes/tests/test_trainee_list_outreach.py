"""A scheme reaches its trust's trainee list: an opt-out scheme enrols it through the cohort
import's check and confirm; an opt-in scheme invites it, once per trainee, without making
accounts for those who have none."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Grade, Notification, User
from schemes.from_trainee_list import INVITATION_KIND, invitation_plan
from schemes.models import (
    CohortImport,
    Enrolment,
    EnrolmentModel,
    MenteeEligibility,
    TraineeListImport,
)
from schemes.tests.factories import (
    EnrolmentFactory,
    MemberFactory,
    OrganisationFactory,
    PlacementFactory,
)


def _list_of(organisation, *, days_ago=30):
    return TraineeListImport.objects.create(
        organisation=organisation,
        as_of=timezone.localdate() - timedelta(days=days_ago),
        file_name="rotation.csv",
        confirmed_at=timezone.now(),
    )


@pytest.fixture
def trust_list(scheme):
    """A real opt-in trust's list: most trainees have no account; one enrolled already, one left
    the scheme before, one moved on at the last rotation, one has no address on the list."""
    organisation = scheme.organisation
    _list_of(organisation)
    today = timezone.localdate()
    placed = [
        PlacementFactory(
            organisation=organisation,
            first_name=name,
            last_name="Adeyemi",
            email=f"{name.lower()}.adeyemi@nhs.net",
        )
        for name in ("Amara", "Bola", "Chidi")
    ]
    enrolled = EnrolmentFactory(scheme=scheme, user__email="dele.okafor@nhs.net").user
    PlacementFactory(organisation=organisation, first_name="Dele", email="Dele.Okafor@nhs.net")
    left = EnrolmentFactory(
        scheme=scheme, user__email="efe.obi@nhs.net", status=Enrolment.Status.WITHDRAWN
    ).user
    PlacementFactory(organisation=organisation, first_name="Efe", email="efe.obi@nhs.net")
    PlacementFactory(organisation=organisation, first_name="Gone", ends_on=today - timedelta(1))
    PlacementFactory(organisation=organisation, first_name="Nomail", email="")
    return {"placed": placed, "enrolled": enrolled, "left": left}


def invite_url(scheme):
    return reverse("schemes:invite", args=[scheme.slug])


def from_list_url(scheme):
    return reverse("schemes:cohort-from-list", args=[scheme.slug])


# --- Opt-out: enrol the list ---------------------------------------------------------------


def test_an_opt_out_scheme_enrols_its_list_through_the_cohort_check(
    client, scheme, organiser, trust_list, django_capture_on_commit_callbacks
):
    scheme.enrolment_model = EnrolmentModel.OPT_OUT
    scheme.save()
    client.force_login(organiser)

    response = client.post(from_list_url(scheme))

    staged = CohortImport.objects.get()
    assert response.url == reverse("schemes:cohort-preview", args=[scheme.slug, staged.pk])
    assert Enrolment.objects.filter(source=Enrolment.Source.COHORT).count() == 0  # not yet
    page = client.get(response.url).content.decode()
    assert 'id="count-valid">3<' in page
    assert 'id="count-already">1<' in page
    assert 'id="count-left">1<' in page
    assert "Nomail" in page  # a row with a problem: no address on the list

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("schemes:cohort-confirm", args=[scheme.slug, staged.pk]))

    enrolled = Enrolment.objects.filter(scheme=scheme, source=Enrolment.Source.COHORT)
    assert sorted(enrolled.values_list("user__email", flat=True)) == [
        "amara.adeyemi@nhs.net",
        "bola.adeyemi@nhs.net",
        "chidi.adeyemi@nhs.net",
    ]
    assert sorted(message.to[0] for message in mail.outbox) == [
        "amara.adeyemi@nhs.net",
        "bola.adeyemi@nhs.net",
        "chidi.adeyemi@nhs.net",
    ]
    # The one who left before stays out.
    assert not Enrolment.objects.current().filter(user=trust_list["left"], scheme=scheme).exists()


def test_enrolling_the_list_again_enrols_nobody_twice(
    client, scheme, organiser, trust_list, django_capture_on_commit_callbacks
):
    client.force_login(organiser)
    first = client.post(from_list_url(scheme))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(first.url + "confirm/")
    emails_sent = len(mail.outbox)

    again = client.post(from_list_url(scheme))
    page = client.get(again.url).content.decode()

    assert 'id="count-valid">0<' in page
    assert 'id="count-already">4<' in page
    assert len(mail.outbox) == emails_sent


def test_the_list_follows_the_schemes_grades(client, scheme, organiser, trust_list):
    scheme.mentee_eligibility = MenteeEligibility.CHOSEN
    scheme.eligible_grades = [Grade.FY1]
    scheme.save()
    PlacementFactory(organisation=scheme.organisation, first_name="Fola", grade=Grade.FY1)
    client.force_login(organiser)

    client.post(from_list_url(scheme))

    rows = CohortImport.objects.get().rows
    assert [row["first_name"] for row in rows] == ["Fola"]


def test_a_trust_without_a_list_is_told_how_to_get_one_and_nothing_is_staged(
    client, scheme, organiser
):
    client.force_login(organiser)

    response = client.post(from_list_url(scheme), follow=True)

    assert CohortImport.objects.count() == 0
    assert "has no trainee list yet" in response.content.decode()
    upload = client.get(reverse("schemes:cohort-upload", args=[scheme.slug])).content.decode()
    assert reverse("schemes:trainee-list", args=[scheme.organisation.slug]) in upload


def test_only_the_schemes_organisers_may_enrol_the_list(
    client, scheme, trust_list, mentee, other_organiser
):
    client.force_login(mentee)
    assert client.post(from_list_url(scheme)).status_code == 403
    client.force_login(other_organiser)
    assert client.post(from_list_url(scheme)).status_code == 404
    client.logout()
    assert client.post(from_list_url(scheme)).url.startswith(reverse("accounts:login"))
    assert CohortImport.objects.count() == 0


def test_enrolling_the_list_takes_a_post(client, scheme, organiser, trust_list):
    client.force_login(organiser)
    assert client.get(from_list_url(scheme)).status_code == 405


# --- Opt-in: invite the list ---------------------------------------------------------------


def test_the_invitation_page_sorts_the_list_before_anything_is_sent(
    client, scheme, organiser, trust_list
):
    client.force_login(organiser)

    page = client.get(invite_url(scheme)).content.decode()

    assert 'id="count-to-invite">3<' in page
    assert 'id="count-enrolled">1<' in page
    assert 'id="count-left">1<' in page
    assert 'id="count-no-email">1<' in page
    assert "Gone" not in page  # placed elsewhere now
    assert Notification.objects.count() == 0


def test_inviting_emails_each_trainee_once_and_makes_no_accounts(
    client, scheme, organiser, trust_list, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://mentoring.example.nhs.uk"
    accounts_before = User.objects.count()
    client.force_login(organiser)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(invite_url(scheme), follow=True)

    assert "3 trainees invited" in response.content.decode()
    assert User.objects.count() == accounts_before
    assert sorted(message.to[0] for message in mail.outbox) == [
        "amara.adeyemi@nhs.net",
        "bola.adeyemi@nhs.net",
        "chidi.adeyemi@nhs.net",
    ]
    message = mail.outbox[0]
    assert "invites you to SLaM peer mentoring" in message.subject
    assert f"https://mentoring.example.nhs.uk/schemes/{scheme.slug}/" in message.body
    assert "https://mentoring.example.nhs.uk/accounts/sign-up/" in message.body
    assert "Hello Amara" in message.body
    assert all(n.recipient is None for n in Notification.objects.filter(kind=INVITATION_KIND))

    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(invite_url(scheme), follow=True)

    assert "Nobody was left to invite" in again.content.decode()
    assert len(mail.outbox) == 3
    assert 'id="count-invited">3<' in again.content.decode()


def test_a_trainee_with_an_account_is_invited_as_themselves(
    scheme, organiser, django_capture_on_commit_callbacks, client
):
    _list_of(scheme.organisation)
    member = MemberFactory(organisation=scheme.organisation, email="kemi.ade@nhs.net")
    PlacementFactory(organisation=scheme.organisation, email="KEMI.ADE@nhs.net", user=None)
    client.force_login(organiser)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(invite_url(scheme))

    notification = Notification.objects.get(kind=INVITATION_KIND)
    assert notification.recipient == member
    assert mail.outbox[0].to == ["kemi.ade@nhs.net"]
    assert "log in and choose" in mail.outbox[0].body
    assert "email settings" in mail.outbox[0].body  # an account holder may turn these off


def test_a_trainee_who_turned_invitations_off_is_not_invited(scheme, organiser, client):
    _list_of(scheme.organisation)
    member = MemberFactory(
        organisation=scheme.organisation, email_opt_outs=[INVITATION_KIND], email="x@nhs.net"
    )
    PlacementFactory(organisation=scheme.organisation, user=member, email="x@nhs.net")
    client.force_login(organiser)

    client.post(invite_url(scheme))

    assert Notification.objects.count() == 0


def test_a_closed_scheme_invites_nobody_and_says_why(client, scheme, organiser, trust_list):
    scheme.is_open = False
    scheme.save()
    client.force_login(organiser)

    response = client.post(invite_url(scheme), follow=True)

    assert "closed to new enrolments" in response.content.decode()
    assert Notification.objects.count() == 0


def test_the_invitation_page_without_a_list_says_where_to_import_it(client, scheme, organiser):
    client.force_login(organiser)

    response = client.get(invite_url(scheme))
    client.post(invite_url(scheme))

    assert "has no trainee list yet" in response.content.decode()
    assert Notification.objects.count() == 0


def test_only_the_schemes_organisers_may_invite(
    client, scheme, trust_list, mentee, other_organiser, other_dme
):
    for user, status in ((mentee, 403), (other_organiser, 404), (other_dme, 404)):
        client.force_login(user)
        assert client.get(invite_url(scheme)).status_code == status
        assert client.post(invite_url(scheme)).status_code == status
    client.logout()
    assert client.get(invite_url(scheme)).url.startswith(reverse("accounts:login"))
    assert Notification.objects.count() == 0


def test_the_invitation_list_counts_the_partner_trusts_trainees(scheme, trust_list, region):
    partner = OrganisationFactory(region=region)
    scheme.partner_organisations.add(partner)
    _list_of(partner)
    PlacementFactory(organisation=partner, first_name="Zainab")

    plan = invitation_plan(scheme, timezone.localdate())

    assert "Zainab" in [placement.first_name for placement in plan.to_invite]
    assert len(plan.to_invite) == 4


def test_the_invitation_plan_reads_the_list_in_a_fixed_number_of_queries(
    scheme, trust_list, django_assert_max_num_queries
):
    for n in range(30):
        PlacementFactory(organisation=scheme.organisation, first_name=f"Extra{n}")

    with django_assert_max_num_queries(7):
        plan = invitation_plan(scheme, timezone.localdate())

    assert len(plan.to_invite) == 33


def test_a_trainee_with_two_overlapping_placements_is_invited_once(scheme):
    _list_of(scheme.organisation)
    today = timezone.localdate()
    first = PlacementFactory(
        organisation=scheme.organisation,
        starts_on=today - timedelta(90),
        ends_on=today + timedelta(5),
    )
    PlacementFactory(
        organisation=scheme.organisation,
        gmc_number=first.gmc_number,
        email=first.email,
        starts_on=today - timedelta(3),
    )

    plan = invitation_plan(scheme, today)

    assert [placement.gmc_number for placement in plan.to_invite] == [first.gmc_number]


def test_the_schemes_mentors_and_organisers_are_not_invited_to_be_its_mentees(
    scheme, organiser, mentor
):
    _list_of(scheme.organisation)
    for person in (organiser, mentor):
        PlacementFactory(organisation=scheme.organisation, email=person.email, grade=Grade.ST4)
    newcomer = PlacementFactory(organisation=scheme.organisation)

    plan = invitation_plan(scheme, timezone.localdate())

    assert plan.to_invite == [newcomer]
    assert len(plan.enrolled) == 2


def test_a_partner_trusts_trainee_enrolled_from_the_list_belongs_to_their_own_trust(
    client, scheme, organiser, other_organisation, django_capture_on_commit_callbacks
):
    """other_organisation's addresses end @other-trust.nhs.uk; both trusts use nhs.net too."""
    other_organisation.email_domains = ["other-trust.nhs.uk", "nhs.net"]
    other_organisation.save()
    scheme.partner_organisations.add(other_organisation)
    scheme.enrolment_model = EnrolmentModel.OPT_OUT
    scheme.save()
    _list_of(other_organisation)
    PlacementFactory(
        organisation=other_organisation, first_name="Own", email="own@other-trust.nhs.uk"
    )
    PlacementFactory(organisation=other_organisation, first_name="Shared", email="shared@nhs.net")
    client.force_login(organiser)

    staged = client.post(from_list_url(scheme))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(staged.url + "confirm/")

    for email in ("own@other-trust.nhs.uk", "shared@nhs.net"):
        enrolment = Enrolment.objects.get(user__email=email, scheme=scheme)
        assert enrolment.user.organisation == other_organisation
        assert enrolment.organisation == other_organisation
