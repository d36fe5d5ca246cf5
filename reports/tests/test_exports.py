"""Exports: allow-listed metadata only, safe to open in a spreadsheet, audited, and for the
people who may read the report they export."""

import csv
import io

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import AuditEvent
from meetings.tests.factories import MeetingFactory
from reports.exports import (
    ENROLMENT_COLUMNS,
    FIGURE_COLUMNS,
    OUTCOME_COLUMNS,
    PROVISION_COLUMNS,
    neutralise,
)
from reports.models import TrainingOutcome
from schemes.models import Enrolment, Referral
from schemes.tests.factories import EnrolmentFactory

pytestmark = pytest.mark.django_db

HOSTILE = '=HYPERLINK("http://x","y")'


def csv_rows(response):
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def workbook(response):
    return load_workbook(io.BytesIO(response.content))


# --- The allow-lists: changing an export means changing these lists -------------------------


def test_each_export_has_exactly_its_documented_columns():
    assert [key for key, _ in PROVISION_COLUMNS] == [
        "trust",
        "scheme",
        "peer_only",
        "mentees",
        "mentors",
        "enrolment_model",
        "recruitment",
        "eligible",
        "enrolled",
        "uptake_percent",
        "uptake_band",
        "meeting_interval",
        "mentor_training",
        "mentor_support",
        "run_by",
        "admin_hours_per_month",
        "budget_pounds_per_year",
        "collects_outcome_data",
        "reported_difficulties",
    ]
    assert [key for key, _ in FIGURE_COLUMNS] == ["figure", "category", "schemes"]
    assert [key for key, _ in OUTCOME_COLUMNS] == [
        "group",
        "trainees",
        "satisfactory_arcp_percent",
        "exam_results",
        "exam_pass_percent",
    ]
    assert [key for key, _ in ENROLMENT_COLUMNS] == [
        "role",
        "status",
        "source",
        "grade",
        "specialty",
        "site",
        "joined_month",
        "matched",
        "meetings",
    ]


# --- Formula injection ------------------------------------------------------------------------


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_that_could_run_as_a_formula_is_quoted(start):
    assert neutralise(start + "1+1") == "'" + start + "1+1"


def test_ordinary_values_are_left_alone():
    assert [neutralise(v) for v in ("Psychiatry", 12, 3.5, None, True, "a=b")] == [
        "Psychiatry",
        12,
        3.5,
        "",
        "yes",
        "a=b",
    ]


@pytest.fixture
def hostile_enrolment(scheme):
    return EnrolmentFactory(scheme=scheme, user__specialty=HOSTILE, site="@SUM(A1)")


def test_a_hostile_specialty_is_neutralised_in_the_csv(client, organiser, hostile_enrolment):
    client.force_login(organiser)
    rows = csv_rows(
        client.get(reverse("reports:enrolments-csv", args=[hostile_enrolment.scheme.slug]))
    )
    assert rows[0] == [heading for _, heading in ENROLMENT_COLUMNS]
    assert rows[1][4] == "'" + HOSTILE
    assert rows[1][5] == "'@SUM(A1)"


def test_a_hostile_specialty_is_neutralised_in_the_xlsx(client, organiser, hostile_enrolment):
    client.force_login(organiser)
    book = workbook(
        client.get(reverse("reports:enrolments-xlsx", args=[hostile_enrolment.scheme.slug]))
    )
    sheet = book["Enrolments"]
    assert sheet["E2"].value == "'" + HOSTILE
    assert sheet["E2"].data_type == "s"


def test_a_hostile_trust_name_is_neutralised_in_the_provision_exports(
    client, regional_lead, organisation, scheme
):
    organisation.short_name = "-2+3"
    organisation.reported_difficulties = HOSTILE
    organisation.save()
    client.force_login(regional_lead)
    slug = organisation.region.slug

    rows = csv_rows(client.get(reverse("reports:provision-csv", args=[slug])))
    sheet = workbook(client.get(reverse("reports:provision-xlsx", args=[slug])))[
        "Provision by trust"
    ]

    row = next(row for row in rows if row[1] == scheme.name)
    assert row[0] == "'-2+3" and row[-1] == "'" + HOSTILE
    values = [[cell.value for cell in line] for line in sheet.iter_rows()]
    assert [
        next(line for line in values if line[1] == scheme.name)[index] for index in (0, -1)
    ] == ["'-2+3", "'" + HOSTILE]


# --- What each export holds -------------------------------------------------------------------


def test_the_enrolment_export_is_metadata_only(client, organiser, pair, other_trainee):
    mentee_enrolment = pair.mentee_enrolment
    mentee_enrolment.withdrawal_reason = "a private reason"
    mentee_enrolment.areas_other = "something personal"
    mentee_enrolment.save()
    Referral.objects.create(enrolment=mentee_enrolment, reason="confidential reason")
    Enrolment.objects.filter(pk=mentee_enrolment.pk).update(source=Enrolment.Source.REFERRAL)
    MeetingFactory(pair=pair, summary="secret summary")
    MeetingFactory(pair=pair, summary="secret summary")
    client.force_login(organiser)

    response = client.get(reverse("reports:enrolments-csv", args=[pair.scheme.slug]))
    rows = csv_rows(response)

    text = "\n".join(",".join(row) for row in rows)
    for secret in (
        pair.mentee.email,
        pair.mentee.last_name,
        "a private reason",
        "something personal",
        "confidential reason",
        "secret summary",
    ):
        assert secret not in text
    by_role = sorted(rows[1:], key=lambda row: (row[0], row[7]))
    assert [row[0] for row in by_role] == ["mentee", "mentee", "mentor"]
    mentee_row = next(row for row in rows[1:] if row[2] == "referral")
    assert mentee_row[7:] == ["yes", "2"]
    assert next(row for row in rows[1:] if row[0] == "mentor")[7:] == ["yes", "2"]
    assert next(row for row in rows[1:] if row[0] == "mentee" and row[2] != "referral")[7:] == [
        "no",
        "0",
    ]
    today = timezone.localdate()
    assert response["Content-Disposition"] == (
        f'attachment; filename="enrolments-slam-peer-{today:%Y-%m-%d}.csv"'
    )


def outcomes_for(organisation, people):
    for user, arcp, exam in people:
        TrainingOutcome.objects.create(
            organisation=organisation,
            trainee=user,
            email=user.email,
            period="2025/26",
            arcp_outcome=arcp,
            exam_passed=exam,
        )


def test_the_outcomes_export_carries_the_suppressed_comparison(client, dme, scheme):
    mentees = [EnrolmentFactory(scheme=scheme).user for _ in range(5)]
    outcomes_for(scheme.organisation, [(user, "1", "yes") for user in mentees[:4]])
    outcomes_for(scheme.organisation, [(mentees[4], "3", "no")])
    client.force_login(dme)
    slug = scheme.organisation.slug

    rows = csv_rows(client.get(reverse("reports:outcomes-csv", args=[slug])))
    book = workbook(client.get(reverse("reports:outcomes-xlsx", args=[slug]) + "?period=2025/26"))

    assert rows == [
        [heading for _, heading in OUTCOME_COLUMNS],
        ["Mentees", "5", "80", "5", "80"],
        ["Mentors", "fewer than 5", "fewer than 5", "fewer than 5", "fewer than 5"],
        ["Non-participants", "fewer than 5", "fewer than 5", "fewer than 5", "fewer than 5"],
    ]
    assert book.sheetnames == ["About", "Outcomes 2025-26"]
    about = dict(book["About"].iter_rows(values_only=True))
    assert about["Export"] == "Objective outcomes comparison"
    assert about["Filter: period"] == "2025/26"
    assert about["Exported by"] == dme.email
    assert "Exported at" in about


def test_the_outcomes_export_with_no_outcomes_goes_back_to_the_report(client, dme, organisation):
    client.force_login(dme)
    response = client.get(reverse("reports:outcomes-csv", args=[organisation.slug]))
    assert response.status_code == 302
    assert response.url == reverse("reports:outcomes", args=[organisation.slug])
    assert not AuditEvent.objects.exists()


def test_the_provision_xlsx_has_a_sheet_per_table_and_the_filters(client, regional_lead, scheme):
    client.force_login(regional_lead)
    book = workbook(client.get(reverse("reports:provision-xlsx", args=["south-london"])))
    assert book.sheetnames == ["About", "Provision by trust", "Figures"]
    assert [cell.value for cell in book["Figures"][1]] == ["Figure", "Category", "Schemes"]
    about = dict(book["About"].iter_rows(values_only=True))
    assert about["Filter: region"] == scheme.organisation.region.name


# --- The audit log ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, member, slug_of, export, filters",
    [
        ("reports:provision-csv", "regional_lead", "region", "Regional provision report", "region"),
        (
            "reports:provision-xlsx",
            "regional_lead",
            "region",
            "Regional provision report",
            "region",
        ),
        ("reports:enrolments-csv", "organiser", "scheme", "Scheme enrolments", "scheme"),
        ("reports:enrolments-xlsx", "organiser", "scheme", "Scheme enrolments", "scheme"),
    ],
)
def test_each_export_is_audited_without_content(
    client, request, scheme, name, member, slug_of, export, filters
):
    slug = {"region": scheme.organisation.region.slug, "scheme": scheme.slug}[slug_of]
    user = request.getfixturevalue(member)
    client.force_login(user)

    response = client.get(reverse(name, args=[slug]))
    if isinstance(response, StreamingHttpResponse):
        b"".join(response.streaming_content)

    event = AuditEvent.objects.get(action="report_export")
    assert event.actor == user and event.target == slug
    assert event.details["export"] == export
    assert event.details["format"] == name.rsplit("-", 1)[1]
    assert list(event.details["filters"]) == [filters]


def test_an_outcomes_export_is_audited_with_its_period(client, dme, scheme):
    outcomes_for(scheme.organisation, [(EnrolmentFactory(scheme=scheme).user, "1", "")])
    client.force_login(dme)
    client.get(reverse("reports:outcomes-xlsx", args=[scheme.organisation.slug]))
    event = AuditEvent.objects.get(action="report_export")
    assert event.details["filters"] == {
        "organisation": scheme.organisation.name,
        "period": "2025/26",
    }


# --- Every role against every export ----------------------------------------------------------

MEMBERS = (
    "mentee",
    "mentor",
    "other_trainee",
    "organiser",
    "other_organiser",
    "supervisor",
    "dme",
    "other_dme",
    "regional_lead",
    "superuser",
)
REGION_ONLY = {"regional_lead": 200, "superuser": 200}
OUTCOMES = {"dme": 200, "regional_lead": 200, "superuser": 200, "other_organiser": 404}
OUTCOMES["other_dme"] = 404
ORGANISERS = {"organiser": 200, "superuser": 200, "other_organiser": 404, "other_dme": 404}
EXPORTS = {
    "reports:provision-csv": ("region", REGION_ONLY),
    "reports:provision-xlsx": ("region", REGION_ONLY),
    "reports:outcomes-csv": ("organisation", OUTCOMES),
    "reports:outcomes-xlsx": ("organisation", OUTCOMES),
    "reports:enrolments-csv": ("scheme", ORGANISERS),
    "reports:enrolments-xlsx": ("scheme", ORGANISERS),
}


@pytest.mark.parametrize("name", list(EXPORTS))
def test_every_role_against_every_export(client, request, pair, other_trainee, scheme, name):
    outcomes_for(scheme.organisation, [(pair.mentee, "1", "yes")])
    slug_of, allowed = EXPORTS[name]
    slug = {
        "region": scheme.organisation.region.slug,
        "organisation": scheme.organisation.slug,
        "scheme": scheme.slug,
    }[slug_of]
    url = reverse(name, args=[slug])
    outcomes = {}
    for member in MEMBERS:
        client.force_login(request.getfixturevalue(member))
        outcomes[member] = client.get(url).status_code
    client.logout()
    outcomes["anonymous"] = client.get(url).status_code

    expected = {member: allowed.get(member, 403) for member in MEMBERS}
    expected["anonymous"] = 302
    assert outcomes == expected
    assert AuditEvent.objects.filter(action="report_export").count() == sum(
        1 for status in allowed.values() if status == 200
    )


@pytest.mark.parametrize("name", list(EXPORTS))
def test_exports_refuse_post(client, superuser, scheme, name):
    slug = {
        "region": scheme.organisation.region.slug,
        "organisation": scheme.organisation.slug,
        "scheme": scheme.slug,
    }[EXPORTS[name][0]]
    client.force_login(superuser)
    assert client.post(reverse(name, args=[slug])).status_code == 405


# --- The print-ready organisation report ------------------------------------------------------


def test_the_print_report_has_the_figures_and_outcomes_and_is_audited(client, dme, scheme):
    mentees = [
        EnrolmentFactory(scheme=scheme, user__last_name=f"Unnamedtrainee{n}").user for n in range(5)
    ]
    outcomes_for(scheme.organisation, [(user, "1", "") for user in mentees])
    client.force_login(dme)

    response = client.get(reverse("reports:organisation-print", args=[scheme.organisation.slug]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Print or save as PDF" in page and "Objective outcomes, 2025/26" in page
    assert "This comparison is observational." in page
    for user in mentees:
        assert user.email not in page and user.last_name not in page
    event = AuditEvent.objects.get(action="report_export")
    assert event.details["format"] == "html"


@pytest.mark.parametrize(
    "member, status",
    [
        ("dme", 200),
        ("regional_lead", 200),
        ("other_dme", 404),
        ("organiser", 403),
        ("mentee", 403),
        ("supervisor", 403),
    ],
)
def test_the_print_report_follows_the_organisation_reports_access(
    client, request, organisation, member, status
):
    client.force_login(request.getfixturevalue(member))
    response = client.get(reverse("reports:organisation-print", args=[organisation.slug]))
    assert response.status_code == status
