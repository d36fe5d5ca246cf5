"""The trust's trainee list: import, linking, access, and the denominator of uptake."""

import io
from datetime import date, timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from accounts.models import Grade
from accounts.personal_data import registry
from accounts.services import email_confirm
from accounts.tests.factories import UnconfirmedUserFactory, UserFactory
from accounts.tokens import email_confirmation_token
from reports.uptake import COUNTED_FROM_ACCOUNTS, uptake_by_scheme, uptake_with_sources
from schemes import trainee_list as service
from schemes.models import Placement, TraineeListImport
from schemes.selectors import trainee_population
from schemes.tests.factories import (
    EnrolmentFactory,
    MemberFactory,
    OrganisationFactory,
    RegionFactory,
    make_regional_lead,
)

pytestmark = pytest.mark.django_db

HEADER = (
    "GMC No,Forename,Surname,Email,Grade,Specialty,Site,Placement Start Date,Placement End Date"
)
AS_OF = date(2026, 8, 5)


def row(gmc, first="Aisha", last="Khan", email="", grade="CT1", start="06/08/2025", end=""):
    email = email or f"{first.lower()}.{gmc}@nhs.net"
    return f"{gmc},{first},{last},{email},{grade},Psychiatry,Maudsley Hospital,{start},{end}"


def csv_file(*rows, name="trainees.csv"):
    return SimpleUploadedFile(name, ("\n".join([HEADER, *rows]) + "\n").encode())


def preview(organisation, *rows, as_of=AS_OF, uploaded_by=None):
    return service.trainee_list_preview(
        organisation=organisation,
        uploaded_file=csv_file(*rows),
        uploaded_by=uploaded_by,
        as_of=as_of,
    )


def imported(organisation, *rows, as_of=AS_OF):
    staged = preview(organisation, *rows, as_of=as_of)
    return service.trainee_list_confirm(trainee_list=staged, confirmed_by=None)


def snapshot(organisation):
    return list(
        Placement.objects.filter(organisation=organisation)
        .order_by("pk")
        .values("pk", "gmc_number", "email", "grade", "starts_on", "ends_on", "user_id")
    )


# --- The import --------------------------------------------------------------------------------


def test_the_preview_reads_tis_headers_and_saves_nothing(organisation):
    staged = preview(organisation, row("1234567"), row("7654321", first="Tom", last="Reid"))

    assert staged.problems == []
    assert [entry["gmc_number"] for entry in staged.rows] == ["1234567", "7654321"]
    assert staged.rows[0]["starts_on"] == "2025-08-06"
    assert len(service.trainee_list_plan(staged).joiners) == 2
    assert Placement.objects.count() == 0


def test_confirming_saves_every_placement_and_counts_joiners(organisation):
    confirmed = imported(organisation, row("1234567"), row("7654321", first="Tom"))

    assert (confirmed.joiner_count, confirmed.change_count, confirmed.leaver_count) == (2, 0, 0)
    placement = Placement.objects.get(gmc_number="1234567")
    assert (placement.grade, placement.specialty, placement.site) == (
        Grade.CT1,
        "Psychiatry",
        "Maudsley Hospital",
    )
    assert placement.trainee_list == confirmed


def test_reimporting_the_same_file_changes_nothing(organisation):
    rows = (row("1234567"), row("7654321", first="Tom"), row("1111111", end="04/08/2027"))
    imported(organisation, *rows)
    before = snapshot(organisation)

    again = imported(organisation, *rows)

    assert snapshot(organisation) == before
    assert (again.joiner_count, again.change_count, again.leaver_count) == (0, 0, 0)


def test_a_leaver_is_ended_the_day_before_the_new_lists_date(organisation):
    imported(organisation, row("1234567"), row("7654321", first="Tom"))
    later = date(2027, 2, 3)

    staged = preview(organisation, row("1234567"), as_of=later)
    plan = service.trainee_list_plan(staged)
    assert [placement.gmc_number for placement in plan.leavers] == ["7654321"]
    confirmed = service.trainee_list_confirm(trainee_list=staged, confirmed_by=None)

    assert confirmed.leaver_count == 1
    assert Placement.objects.get(gmc_number="7654321").ends_on == date(2027, 2, 2)
    assert Placement.objects.get(gmc_number="1234567").ends_on is None


def test_a_gmc_number_on_two_rows_is_a_problem_and_nothing_is_saved(organisation):
    staged = preview(organisation, row("1234567"), row("1234567", first="Tom"))

    assert [entry["row"] for entry in staged.problems] == [2, 3]
    assert "also on row 3" in staged.problems[0]["problems"][0]["message"]
    with pytest.raises(ValidationError, match="nothing was saved"):
        service.trainee_list_confirm(trainee_list=staged, confirmed_by=None)
    assert Placement.objects.count() == 0
    staged.refresh_from_db()
    assert staged.confirmed_at is None


@pytest.mark.parametrize("gmc", ["123456", "12345678", "12345A7", "ABCDEFG"])
def test_a_bad_gmc_number_is_a_problem_with_what_to_do(organisation, gmc):
    staged = preview(organisation, row(gmc))

    [entry] = staged.problems
    [found] = entry["problems"]
    assert found["field"] == "gmc_number"
    assert "exactly 7 digits" in found["message"]
    assert found["fix"]


def test_gmc_numbers_are_read_with_spaces_or_the_gmc_prefix(organisation):
    staged = preview(
        organisation,
        row("GMC 1234567", email="a@nhs.net"),
        row("765 4321", first="Tom", email="t@nhs.net"),
    )

    assert staged.problems == []
    assert {entry["gmc_number"] for entry in staged.rows} == {"1234567", "7654321"}


@pytest.mark.parametrize(
    ("changed", "field"),
    [
        ({"grade": "Registrar"}, "grade"),
        ({"grade": "CONSULTANT"}, "grade"),
        ({"start": "31/02/2026"}, "starts_on"),
        ({"start": "soon"}, "starts_on"),
        ({"start": "06/08/2026", "end": "01/08/2026"}, "ends_on"),
        ({"email": "not-an-email"}, "email"),
    ],
)
def test_each_bad_value_is_a_problem_of_its_column(organisation, changed, field):
    staged = preview(organisation, row("1234567", **changed))

    [entry] = staged.problems
    assert field in {found["field"] for found in entry["problems"]}


def test_a_changed_email_is_a_change_not_a_joiner_and_the_link_follows(organisation):
    imported(organisation, row("1234567", email="a.khan@old-trust.nhs.uk"))
    account = UserFactory(email="A.Khan@nhs.net")

    staged = preview(organisation, row("1234567", email="a.khan@nhs.net"), as_of=AS_OF)
    plan = service.trainee_list_plan(staged)
    assert plan.joiners == [] and plan.leavers == []
    [(_row, _placement, changed)] = plan.changes
    assert changed == ["email"]
    confirmed = service.trainee_list_confirm(trainee_list=staged, confirmed_by=None)

    assert (confirmed.joiner_count, confirmed.change_count) == (0, 1)
    placement = Placement.objects.get()
    assert (placement.email, placement.user) == ("a.khan@nhs.net", account)


def test_a_new_placement_for_someone_on_the_list_is_a_change_and_ends_the_old_one(organisation):
    imported(organisation, row("1234567", grade="CT1", start="06/08/2025"))
    later = date(2026, 8, 5)

    confirmed = imported(organisation, row("1234567", grade="CT2", start="05/08/2026"), as_of=later)

    assert (confirmed.joiner_count, confirmed.change_count, confirmed.leaver_count) == (0, 1, 0)
    old, new = Placement.objects.order_by("starts_on")
    assert old.ends_on == date(2026, 8, 4)
    assert (new.grade, new.ends_on) == ("CT2", None)


def test_confirming_saves_all_or_nothing(organisation):
    imported(organisation, row("1234567"), row("7654321", first="Tom"))
    before = snapshot(organisation)
    staged = preview(organisation, row("1234567", grade="CT2"), row("2222222"))

    with (
        mock.patch.object(service, "_joiners_save", side_effect=RuntimeError("disk full")),
        pytest.raises(RuntimeError),
    ):
        service.trainee_list_confirm(trainee_list=staged, confirmed_by=None)

    assert snapshot(organisation) == before  # no leaver ended, no change saved
    staged.refresh_from_db()
    assert staged.confirmed_at is None


def test_confirming_twice_saves_once(organisation):
    staged = preview(organisation, row("1234567"))
    service.trainee_list_confirm(trainee_list=staged, confirmed_by=None)

    with pytest.raises(service.TraineeListAlreadyConfirmed):
        service.trainee_list_confirm(trainee_list=staged, confirmed_by=None)
    assert Placement.objects.count() == 1


def test_importing_enrols_and_emails_nobody(organisation, scheme, mailoutbox):
    UserFactory(email="aisha.1234567@nhs.net")
    imported(organisation, row("1234567"))

    assert scheme.enrolments.count() == 0
    assert mailoutbox == []


def test_an_excel_workbook_is_read_like_the_csv(organisation):
    book = Workbook()
    sheet = book.active
    sheet.append(["GMC Number", "Forename", "Surname", "Grade", "Placement Start"])
    sheet.append([1234567, "Aisha", "Khan", "Foundation Year 1", date(2026, 8, 5)])
    data = io.BytesIO()
    book.save(data)
    upload = SimpleUploadedFile("trainees.xlsx", data.getvalue())

    staged = service.trainee_list_preview(
        organisation=organisation, uploaded_file=upload, uploaded_by=None, as_of=AS_OF
    )

    assert staged.problems == []
    [entry] = staged.rows
    assert (entry["gmc_number"], entry["grade"], entry["starts_on"]) == (
        "1234567",
        "FY1",
        "2026-08-05",
    )


# --- Linking accounts --------------------------------------------------------------------------


def test_a_placement_links_to_the_account_with_its_email_whatever_the_case(organisation):
    account = UserFactory(email="Aisha.Khan@NHS.net")
    imported(organisation, row("1234567", email="aisha.khan@nhs.net"))

    assert Placement.objects.get().user == account


def test_signing_up_later_links_the_placement_when_the_address_is_confirmed(organisation):
    imported(organisation, row("1234567", email="aisha.khan@nhs.net"))
    account = UnconfirmedUserFactory(email="aisha.khan@nhs.net")
    assert Placement.objects.get().user is None

    email_confirm(token=email_confirmation_token(account))

    assert Placement.objects.get().user == account


def test_erasing_an_account_unlinks_its_placements_and_keeps_them(organisation):
    account = UserFactory(email="aisha.khan@nhs.net")
    imported(organisation, row("1234567", email="aisha.khan@nhs.net"))
    entry = registry.entries[Placement]

    entry.erase(Placement.objects.filter(user=account), account)

    placement = Placement.objects.get()
    assert placement.user is None and placement.gmc_number == "1234567"


# --- The denominator ---------------------------------------------------------------------------


def _placements(organisation, count, *, starts_on, ends_on=None, grade=Grade.CT1):
    Placement.objects.bulk_create(
        Placement(
            organisation=organisation,
            gmc_number=f"{7000000 + n}",
            first_name="Trainee",
            last_name=str(n),
            grade=grade,
            starts_on=starts_on,
            ends_on=ends_on,
        )
        for n in range(count)
    )


def _list_of(organisation, as_of):
    return TraineeListImport.objects.create(
        organisation=organisation, as_of=as_of, file_name="t.csv", confirmed_at=timezone.now()
    )


def test_uptake_counts_the_trainee_list_not_the_accounts(scheme):
    """40 placed, 10 enrolled as mentees (most of the 40 have no account): 25%, not 100%."""
    today = timezone.localdate()
    _placements(scheme.organisation, 40, starts_on=today - timedelta(days=90))
    _list_of(scheme.organisation, today - timedelta(days=90))
    EnrolmentFactory.create_batch(10, scheme=scheme, user__grade=Grade.CT1)

    assert uptake_by_scheme([scheme])[scheme.pk] == (40, 10, 25.0)


def test_a_trust_without_a_list_is_counted_from_accounts_and_says_so(scheme):
    EnrolmentFactory.create_batch(4, scheme=scheme, user__grade=Grade.CT1)
    MemberFactory(organisation=scheme.organisation, grade=Grade.FY1)

    uptake, list_dates = uptake_with_sources([scheme])

    assert uptake[scheme.pk][:2] == (5, 4)
    assert list_dates == {}


def test_a_placement_that_ended_yesterday_is_not_counted(organisation):
    today = timezone.localdate()
    _list_of(organisation, today - timedelta(days=200))
    _placements(organisation, 3, starts_on=today - timedelta(days=200))
    Placement.objects.filter(gmc_number="7000000").update(ends_on=today - timedelta(days=1))
    Placement.objects.filter(gmc_number="7000001").update(ends_on=today)

    population = trainee_population([organisation.pk], on=today)

    assert sum(population.groups.values()) == 2


def test_a_placement_starting_tomorrow_is_not_counted_today(organisation):
    today = timezone.localdate()
    _list_of(organisation, today)
    _placements(organisation, 2, starts_on=today + timedelta(days=1))

    assert trainee_population([organisation.pk], on=today).groups == {}


def test_the_scheme_dashboard_says_where_eligible_trainees_are_counted_from(
    client, scheme, organiser
):
    client.force_login(organiser)
    url = reverse("reports:scheme-dashboard", args=[scheme.slug])

    assert COUNTED_FROM_ACCOUNTS in client.get(url).content.decode()

    _list_of(scheme.organisation, date(2026, 8, 1))
    page = client.get(url).content.decode()
    assert "counted from the trust&#x27;s trainee list of 1 August 2026" in page
    assert COUNTED_FROM_ACCOUNTS not in page


# --- Who may see and import the list -------------------------------------------------------------


@pytest.fixture
def listed(organisation):
    imported(organisation, row("1234567", first="Zebedee", last="Quartermain"))


PAGES = ("schemes:trainee-list", "schemes:trainee-list-upload")


@pytest.mark.parametrize("name", PAGES)
def test_the_trusts_dme_and_its_schemes_organisers_see_the_list(
    client, organisation, listed, dme, organiser, name
):
    for person in (dme, organiser):
        client.force_login(person)
        response = client.get(reverse(name, args=[organisation.slug]))
        assert response.status_code == 200
    page = client.get(reverse("schemes:trainee-list", args=[organisation.slug])).content.decode()
    assert "Quartermain" in page and "1234567" in page


@pytest.mark.parametrize("name", PAGES)
def test_nobody_else_sees_or_imports_the_list(
    client, organisation, listed, other_dme, mentee, regional_lead, name
):
    lead_elsewhere = make_regional_lead(
        UserFactory(email="lead@north.nhs.uk"), RegionFactory(name="North", slug="north")
    )
    for person in (other_dme, mentee, regional_lead, lead_elsewhere):
        client.force_login(person)
        response = client.get(reverse(name, args=[organisation.slug]))
        assert response.status_code in (403, 404), person
        assert b"Quartermain" not in response.content
    client.logout()
    response = client.get(reverse(name, args=[organisation.slug]))
    assert response.status_code == 302 and "/login" in response["Location"]


def test_another_trusts_dme_cannot_confirm_a_list(client, organisation, other_dme):
    staged = preview(organisation, row("1234567"))
    client.force_login(other_dme)

    response = client.post(
        reverse("schemes:trainee-list-confirm", args=[organisation.slug, staged.pk])
    )

    assert response.status_code == 404
    assert Placement.objects.count() == 0


def test_the_dme_uploads_previews_and_confirms_through_the_pages(client, organisation, dme):
    client.force_login(dme)
    response = client.post(
        reverse("schemes:trainee-list-upload", args=[organisation.slug]),
        {"file": csv_file(row("1234567"), row("7654321")), "as_of": "2026-08-05"},
    )
    staged = TraineeListImport.objects.get()
    assert response["Location"] == reverse(
        "schemes:trainee-list-preview", args=[organisation.slug, staged.pk]
    )
    page = client.get(response["Location"]).content.decode()
    assert 'id="count-joiners">2<' in page
    assert "from 6 August 2025" in page  # as people read dates, not 2025-08-06

    response = client.post(
        reverse("schemes:trainee-list-confirm", args=[organisation.slug, staged.pk]),
        follow=True,
    )

    assert Placement.objects.count() == 2
    assert "2 joined, 0 changed, 0 left" in response.content.decode()


def test_an_upload_without_a_file_or_date_says_what_is_missing(client, organisation, dme):
    client.force_login(dme)

    response = client.post(reverse("schemes:trainee-list-upload", args=[organisation.slug]), {})

    page = response.content.decode()
    assert "Choose the trust&#x27;s trainee list to upload." in page
    assert "Enter the date of the list." in page
    assert TraineeListImport.objects.count() == 0


def test_the_list_page_is_for_a_trust_whose_schemes_another_trust_runs(client, dme):
    other = OrganisationFactory()
    client.force_login(dme)
    assert client.get(reverse("schemes:trainee-list", args=[other.slug])).status_code == 404
