"""Exports: allow-listed metadata only, safe to open in a spreadsheet, audited, and for the
people who may read the report they export."""

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import AuditEvent, Grade
from matching.models import Pair
from meetings.tests.factories import MeetingFactory
from reports.exports import (
    ACTIVITY_COLUMNS,
    ENROLMENT_COLUMNS,
    FIGURE_COLUMNS,
    OUTCOME_COLUMNS,
    PROVISION_COLUMNS,
    neutralise,
)
from reports.models import TrainingOutcome
from schemes.models import Enrolment, Referral, SchemeRole
from schemes.tests.factories import EnrolmentFactory, MemberFactory

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
        "counted_from",
        "meeting_interval",
        "mentor_training",
        "mentor_support",
        "run_by",
        "admin_hours_per_month",
        "budget_pounds_per_year",
        "collects_outcome_data",
        "scheme_interest",
        "reported_difficulties",
    ]
    assert [key for key, _ in FIGURE_COLUMNS] == ["figure", "category", "schemes"]
    assert [key for key, _ in ACTIVITY_COLUMNS] == [
        "trust",
        "scheme",
        "since",
        "declared_interval",
        "declared_per_quarter",
        "pairs",
        "meetings",
        "meetings_per_pair_quarter",
        "pairs_judged",
        "pairs_met_as_declared",
        "pairs_met_share",
        "support_declared",
        "one_to_one_sessions",
        "group_sessions",
        "mentors",
        "mentors_attending",
        "mentors_attending_share",
        "training_declared",
        "active_mentors",
        "mentors_trained",
        "mentors_trained_share",
        "mentees_meeting",
        "mentee_hours",
        "hours_per_mentee",
        "mentors_meeting",
        "mentor_meeting_hours",
        "meeting_hours_per_mentor",
        "mentor_supervision_hours",
        "supervision_hours_per_mentor",
    ]
    assert [key for key, _ in OUTCOME_COLUMNS] == [
        "group",
        "trainees",
        "satisfactory_arcp_percent",
        "exam_results",
        "exam_pass_percent",
    ]
    assert [key for key, _ in ENROLMENT_COLUMNS] == [
        "name",
        "email",
        "grade",
        "specialty",
        "site",
        "role",
        "status",
        "source",
        "enrolled_on",
        "withdrawn_on",
        "pair_status",
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
    assert rows[1][3] == "'" + HOSTILE
    assert rows[1][4] == "'@SUM(A1)"


def test_a_hostile_specialty_is_neutralised_in_the_xlsx(client, organiser, hostile_enrolment):
    client.force_login(organiser)
    book = workbook(
        client.get(reverse("reports:enrolments-xlsx", args=[hostile_enrolment.scheme.slug]))
    )
    sheet = book["Enrolments"]
    assert sheet["D2"].value == "'" + HOSTILE
    assert sheet["D2"].data_type == "s"


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


def test_the_organisers_named_list_holds_who_and_where_but_no_content(
    client, organiser, pair, other_trainee
):
    mentee_enrolment = pair.mentee_enrolment
    mentee_enrolment.withdrawal_reason = "a private reason"
    mentee_enrolment.areas_other = "something personal"
    mentee_enrolment.availability = "Tuesday evenings only"
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
        "a private reason",
        "something personal",
        "Tuesday evenings only",
        "confidential reason",
        "secret summary",
    ):
        assert secret not in text
    by_email = {row[1]: row for row in rows[1:]}
    mentee_row = by_email[pair.mentee.email]
    assert mentee_row[0] == pair.mentee.get_full_name()
    assert mentee_row[5:8] == ["mentee", "active", "referral"]
    assert mentee_row[8] == f"{timezone.localtime(mentee_enrolment.created_at):%d/%m/%Y}"
    assert mentee_row[9:] == ["", "current", "2"]
    assert by_email[pair.mentor.email][5] == "mentor"
    assert by_email[pair.mentor.email][10:] == ["current", "2"]
    assert [row[10] for row in rows[1:] if row[5] == "mentee" and row[1] != pair.mentee.email] == [
        "none"
    ]
    today = timezone.localdate()
    assert response["Content-Disposition"] == (
        f'attachment; filename="enrolments-slam-peer-{today:%Y-%m-%d}.csv"'
    )


def test_the_named_list_dates_a_withdrawal_and_says_when_a_pair_has_ended(client, organiser, pair):
    pair.status = Pair.Status.ENDED
    pair.save(update_fields=["status"])
    left = datetime(2026, 3, 14, 10, 0, tzinfo=UTC)
    Enrolment.objects.filter(pk=pair.mentee_enrolment.pk).update(
        status=Enrolment.Status.WITHDRAWN, status_changed_at=left
    )
    client.force_login(organiser)

    rows = csv_rows(client.get(reverse("reports:enrolments-csv", args=[pair.scheme.slug])))

    mentee_row = next(row for row in rows[1:] if row[1] == pair.mentee.email)
    assert mentee_row[6] == "withdrawn"
    assert mentee_row[9:11] == ["14/03/2026", "ended"]


def test_a_co_organiser_gets_the_named_list_and_the_trusts_dme_does_not(
    client, organiser, dme, pair
):
    co_organiser = MemberFactory(organisation=pair.scheme.organisation)
    SchemeRole.objects.create(user=co_organiser, scheme=pair.scheme, role=SchemeRole.Role.ORGANISER)
    url = reverse("reports:enrolments-csv", args=[pair.scheme.slug])
    client.force_login(co_organiser)
    assert pair.mentee.email in "\n".join(",".join(row) for row in csv_rows(client.get(url)))
    client.force_login(dme)
    response = client.get(url)
    assert response.status_code == 403
    assert pair.mentee.email.encode() not in response.content


# Outcomes are compared by who took part during their training year: these mentees joined in it.
IN_2025_26 = datetime(2025, 9, 1, 9, 0, tzinfo=UTC)


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


def test_the_outcomes_export_carries_the_comparison(client, dme, scheme):
    mentees = [EnrolmentFactory(scheme=scheme, created_at=IN_2025_26).user for _ in range(10)]
    outcomes_for(scheme.organisation, [(user, "1", "yes") for user in mentees[:5]])
    outcomes_for(scheme.organisation, [(user, "3", "no") for user in mentees[5:]])
    client.force_login(dme)
    slug = scheme.organisation.slug

    rows = csv_rows(client.get(reverse("reports:outcomes-csv", args=[slug])))
    book = workbook(client.get(reverse("reports:outcomes-xlsx", args=[slug]) + "?period=2025/26"))

    assert rows == [
        [heading for _, heading in OUTCOME_COLUMNS],
        ["Mentees", "10", "50", "10", "50"],
        ["Mentors", "0", "–", "0", "–"],
        ["Non-participants", "0", "–", "0", "–"],
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
    assert book.sheetnames == [
        "About",
        "Provision by trust",
        "Figures",
        "Observed against declared",
    ]
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
# The site admin holds no role by being admin: 403 where others without the role get 403, and a
# stranger's 404 on a scheme.
REGION_ONLY = {"regional_lead": 200}
OUTCOMES = {"dme": 200, "regional_lead": 200, "superuser": 404, "other_organiser": 404}
OUTCOMES["other_dme"] = 404
ORGANISERS = {"organiser": 200, "superuser": 404, "other_organiser": 404, "other_dme": 404}
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
        EnrolmentFactory(
            scheme=scheme, user__last_name=f"Unnamedtrainee{n}", created_at=IN_2025_26
        ).user
        for n in range(5)
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


def test_the_print_report_hides_a_rate_that_would_give_a_small_group_away(client, dme, scheme):
    # Six mentees shown, but 4 satisfactory and 2 not: the rate would tell the 2, so it is hidden.
    mentees = [EnrolmentFactory(scheme=scheme, created_at=IN_2025_26).user for _ in range(6)]
    outcomes_for(
        scheme.organisation, [(user, "1" if n < 4 else "3", "") for n, user in enumerate(mentees)]
    )
    client.force_login(dme)

    page = client.get(
        reverse("reports:organisation-print", args=[scheme.organisation.slug])
    ).content.decode()

    assert "None%" not in page
    assert "67%" not in page and "33%" not in page


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


def test_the_print_report_shows_no_small_count_in_its_breakdowns(client, dme, scheme):
    """The printed report shows no small count: one ST4 in
    Medical psychotherapy at the Maudsley is never a number in any breakdown."""
    for _ in range(6):
        EnrolmentFactory(scheme=scheme, user__grade=Grade.CT2, site="Bethlem Royal Hospital")
    EnrolmentFactory(
        scheme=scheme,
        user__grade=Grade.ST4,
        user__specialty="Medical psychotherapy",
        site="Maudsley Hospital",
    )
    client.force_login(dme)

    page = client.get(
        reverse("reports:organisation-print", args=[scheme.organisation.slug])
    ).content.decode()

    cells = dict(
        re.findall(
            r'<th scope="row" class="fw-normal">([^<]+)</th><td class="text-end">([^<]+)<', page
        )
    )
    # Alone in its group beside six others, the one ST4 takes the six with it (secondary
    # suppression: 7 less 6 would give it away), so both read "not shown".
    small = ["Specialty trainee year 4 (ST4)", "Medical psychotherapy", "Maudsley Hospital"]
    for label in small:
        assert cells[label] in {"fewer than 5", "not shown"}, label
    assert cells["Core trainee year 2 (CT2)"] == "not shown"
