"""The dashboards' CSV and XLSX exports: the page's figures for the page's filters, allow-listed
columns, the page's suppression, safe to open in a spreadsheet, audited, and for exactly the
people who may read the dashboard."""

import csv
import io

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import AuditEvent
from reports.dashboard_exports import (
    FUNNEL_COLUMNS,
    GRADE_COLUMNS,
    LONG_COLUMNS,
    MEASURE_COLUMNS,
    MEETING_COLUMNS,
    MODEL_COLUMNS,
    MONTH_COLUMNS,
    SCHEME_COLUMNS,
    SHEETS,
    SITE_COLUMNS,
    SOURCE_COLUMNS,
    SPECIALTY_COLUMNS,
    STATE_COLUMNS,
    SURVEY_COLUMNS,
)
from reports.tests import test_dashboards
from reports.uptake import COUNTED_FROM_ACCOUNTS
from schemes.tests.factories import EnrolmentFactory, SchemeFactory, appoint

pytestmark = pytest.mark.django_db

# The small known data set of the dashboard's own tests, whose figures are worked out there.
known = test_dashboards.known
_grow = test_dashboards._grow

SHEET_NAMES = [
    "About",
    "Funnel",
    "By scheme",
    "By grade",
    "By specialty",
    "By site",
    "By source",
    "By month",
    "Opt-in and opt-out",
    "Days to match",
    "Meetings per pair",
    "Pairs by state",
    "Mentor training",
    "Surveys",
    "Cost",
]


def csv_rows(response):
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def workbook(response):
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content))


def sheet_rows(book, name):
    return [list(row) for row in book[name].iter_rows(values_only=True)]


def figures(rows, table):
    """{(category, measure): value} of one table of the long CSV."""
    return {(row[1], row[2]): row[3] for row in rows[1:] if row[0] == table}


def scheme_url(name, scheme):
    return reverse(f"reports:scheme-dashboard-{name}", args=[scheme.slug])


def organisation_url(name, organisation):
    return reverse(f"reports:organisation-dashboard-{name}", args=[organisation.slug])


# --- The allow-lists: widening an export means changing these lists ------------------------------


def test_each_sheet_and_the_csv_have_exactly_their_documented_columns():
    def keys(columns):
        return [key for key, _ in columns]

    assert keys(FUNNEL_COLUMNS) == [
        "stage",
        "trainees",
        "percent_of_eligible",
        "uptake_band",
        "counted_from",
    ]
    assert keys(SCHEME_COLUMNS) == ["scheme", "mentees"]
    assert keys(GRADE_COLUMNS) == ["grade", "mentees"]
    assert keys(SPECIALTY_COLUMNS) == ["specialty", "mentees"]
    assert keys(SITE_COLUMNS) == ["site", "mentees"]
    assert keys(SOURCE_COLUMNS) == ["source", "mentees"]
    assert keys(MONTH_COLUMNS) == ["month", "mentees"]
    assert keys(MODEL_COLUMNS) == ["enrolment_model", "schemes"]
    assert keys(MEASURE_COLUMNS) == ["measure", "value"]
    assert keys(MEETING_COLUMNS) == ["quarter", "meetings", "pairs", "per_pair"]
    assert keys(STATE_COLUMNS) == ["state", "pairs"]
    assert keys(SURVEY_COLUMNS) == ["survey", "audience", "measure", "value"]
    assert keys(LONG_COLUMNS) == ["table", "category", "measure", "value"]
    assert [title for title, *_ in SHEETS] == SHEET_NAMES[1:]


def test_every_sheet_holds_only_its_allow_listed_columns(client, organiser, known):
    client.force_login(organiser)

    book = workbook(client.get(scheme_url("xlsx", known)))

    assert book.sheetnames == SHEET_NAMES
    for title, columns, *_ in SHEETS:
        rows = sheet_rows(book, title)
        assert rows[0] == [heading for _, heading in columns], title
        assert all(len(row) <= len(columns) for row in rows), title
    rows = csv_rows(client.get(scheme_url("csv", known)))
    assert rows[0] == [heading for _, heading in LONG_COLUMNS]
    assert {len(row) for row in rows} == {len(LONG_COLUMNS)}


# --- Hand-computed figures on the known data set (reports/tests/test_dashboards.py) ----------


def test_the_scheme_xlsx_carries_the_hand_computed_figures(client, organiser, known):
    client.force_login(organiser)

    book = workbook(client.get(scheme_url("xlsx", known)))

    funnel = sheet_rows(book, "Funnel")
    # The seven eligible trainees of the known set, and the organiser: an ST6 of the trust.
    assert funnel[1] == ["Eligible trainees", 8, None, None, COUNTED_FROM_ACCOUNTS]
    assert funnel[2] == ["Enrolled as mentees", 3, 37.5, "25–50%", None]  # 3 of 8
    assert funnel[3] == ["Matched", 2, 25, None, None]
    assert dict(sheet_rows(book, "By grade")[1:]) == {
        "Core trainee year 2 (CT2)": 2,
        "Core trainee year 1 (CT1)": 1,
    }
    assert dict(sheet_rows(book, "By site")[1:]) == {
        "King's": 1,
        "Denmark Hill": 1,
        "Not given": 1,
    }
    assert dict(sheet_rows(book, "By source")[1:])["Opt-out cohort import"] == 1
    assert sheet_rows(book, "By month")[1:] == [["Jan 2026", 2], ["Feb 2026", 1], ["Mar 2026", 1]]
    assert dict(sheet_rows(book, "Days to match")[1:]) == {
        "Matched mentees": 2,
        "Median days from enrolment to match": 7,  # 10 and 4 days
    }
    assert sheet_rows(book, "Meetings per pair")[1:] == [["2026 Q1", 2, 2, 1]]
    cost = dict(sheet_rows(book, "Cost")[1:])
    # 10 hours × 12 months × £30 + £1,200 = £4,800; 3 mentees; 2 active pairs.
    assert cost["Cost a year £ (admin hours and budget)"] == 4800
    assert (cost["Cost per mentee £"], cost["Cost per active pair £"]) == (1600, 2400)
    assert dict(sheet_rows(book, "Opt-in and opt-out")[1:])["Opt-in"] == 1
    about = dict(sheet_rows(book, "About"))
    assert about["Export"] == "Scheme dashboard"
    assert about["Filter: Scheme"] == known.name
    assert about["Exported by"] == organiser.email and "Exported at" in about


def test_the_organisation_csv_is_one_long_table_of_the_same_figures(client, dme, known):
    client.force_login(dme)

    response = client.get(organisation_url("csv", known.organisation))
    rows = csv_rows(response)

    assert response["Content-Disposition"].startswith('attachment; filename="dashboard-slam-')
    assert rows[1][:2] == ["About", "Export"] and rows[1][3] == "Organisation dashboard"
    about = {row[1]: row[3] for row in rows if row[0] == "About"}
    assert about["Filter: Organisation"] == known.organisation.name
    assert about["Filter: Scheme"] == "All schemes"
    funnel = figures(rows, "Funnel")
    assert funnel[("Eligible trainees", "Trainees")] == "7"
    assert funnel[("Enrolled as mentees", "Trainees")] == "3"
    assert funnel[("Enrolled as mentees", "% of eligible")] == "42.9"
    assert funnel[("Matched", "Trainees")] == "2"
    assert figures(rows, "By specialty") == {
        ("Psychiatry", "Mentees"): "2",
        ("Paediatrics", "Mentees"): "1",
    }
    assert figures(rows, "Meetings per pair") == {
        ("2026 Q1", "Meetings"): "2",
        ("2026 Q1", "Pairs"): "2",
        ("2026 Q1", "Per pair"): "1.0",
    }
    assert figures(rows, "Cost")[("", "Cost per mentee £")] == "1600"
    tables = {row[0] for row in rows[1:]}
    assert tables == {"About", *SHEET_NAMES[1:]} - {"Surveys"}  # no survey yet: no lines


def test_the_exports_name_no_one(client, dme, organiser, known):
    client.force_login(dme)
    text = "\n".join(
        ",".join(row) for row in csv_rows(client.get(organisation_url("csv", known.organisation)))
    )
    book = workbook(client.get(organisation_url("xlsx", known.organisation)))
    cells = " ".join(
        str(value) for sheet in book for row in sheet.iter_rows(values_only=True) for value in row
    )

    for secret in ("Zebedee", "Quartermain", "Hidden", "Person", "@example.nhs.uk"):
        assert secret not in text.replace(dme.email, "")  # "Exported by" names the DME
        assert secret not in cells.replace(dme.email, "")


# --- Filters -----------------------------------------------------------------------------------


def test_the_exports_honour_the_pages_filters(client, dme, known):
    client.force_login(dme)
    url = organisation_url("csv", known.organisation)

    rows = csv_rows(client.get(url, {"grade": "CT1"}))

    funnel = figures(rows, "Funnel")
    assert (
        funnel[("Eligible trainees", "Trainees")],
        funnel[("Enrolled as mentees", "Trainees")],
    ) == (
        "1",
        "1",
    )
    about = {row[1]: row[3] for row in rows if row[0] == "About"}
    assert about["Filter: Grade"] == "Core trainee year 1 (CT1)"

    rows = csv_rows(client.get(url, {"enrolled_from": "2026-02-01", "site": "Denmark Hill"}))
    assert figures(rows, "Funnel")[("Enrolled as mentees", "Trainees")] == "1"
    assert figures(rows, "By site") == {("Denmark Hill", "Mentees"): "1"}
    about = {row[1]: row[3] for row in rows if row[0] == "About"}
    assert (about["Filter: Enrolled from"], about["Filter: Site"]) == ("2026-02-01", "Denmark Hill")


def test_the_scheme_filter_of_the_organisation_export(client, dme, known):
    other = SchemeFactory(organisation=known.organisation, name="Second scheme")
    EnrolmentFactory(scheme=other)
    client.force_login(dme)
    url = organisation_url("xlsx", known.organisation)

    everything = workbook(client.get(url))
    chosen = workbook(client.get(url, {"scheme": other.pk}))

    assert sheet_rows(everything, "Funnel")[2][1] == 4
    assert sheet_rows(chosen, "Funnel")[2][1] == 1
    assert dict(sheet_rows(chosen, "About"))["Filter: Scheme"] == "Second scheme"


def test_an_organisation_in_the_query_string_does_not_change_whose_figures(
    client, dme, known, other_scheme
):
    EnrolmentFactory(scheme=other_scheme)
    client.force_login(dme)

    book = workbook(
        client.get(
            organisation_url("xlsx", known.organisation),
            {"organisation": other_scheme.organisation.pk},
        )
    )

    assert dict(sheet_rows(book, "About"))["Filter: Organisation"] == known.organisation.name
    assert sheet_rows(book, "Funnel")[2][1] == 3


def test_an_invalid_filter_is_ignored_as_on_the_page(client, organiser, known):
    client.force_login(organiser)

    rows = csv_rows(client.get(scheme_url("csv", known), {"grade": "GRAND-VIZIER"}))

    assert figures(rows, "Funnel")[("Enrolled as mentees", "Trainees")] == "3"
    assert not any(row[1] == "Filter: Grade" for row in rows)


def test_the_page_links_to_its_exports_with_its_filters(client, dme, organiser, known):
    client.force_login(dme)
    page = client.get(
        reverse("reports:organisation-dashboard", args=["slam"]), {"grade": "CT1"}
    ).content.decode()
    assert organisation_url("xlsx", known.organisation) + "?grade=CT1" in page
    assert organisation_url("csv", known.organisation) + "?grade=CT1" in page

    client.force_login(organiser)
    page = client.get(
        reverse("reports:scheme-dashboard", args=[known.slug]),
        {"site": "King's", "enrolled_from": "2026-01-01"},
    ).content.decode()
    assert scheme_url("xlsx", known) + "?site=King%27s&amp;enrolled_from=2026-01-01" in page
    assert scheme_url("csv", known) + "?site=King%27s&amp;enrolled_from=2026-01-01" in page


# --- Suppression, exactly as on the page -------------------------------------------------------


@pytest.mark.parametrize(("referrals", "shown"), [(4, "fewer than 5"), (5, 5)])
def test_referrals_show_only_in_groups_of_five_or_more(client, organiser, scheme, referrals, shown):
    for _ in range(referrals):
        EnrolmentFactory(scheme=scheme, source="referral")
    client.force_login(organiser)

    book = workbook(client.get(scheme_url("xlsx", scheme)))
    rows = csv_rows(client.get(scheme_url("csv", scheme)))

    assert dict(sheet_rows(book, "By source")[1:])["Referral"] == shown
    assert figures(rows, "By source")[("Referral", "Mentees")] == str(shown)


def test_the_routes_hidden_with_the_referrals_are_hidden_in_the_exports(client, dme, scheme):
    for source in ["referral"] * 3 + ["self"] * 9 + ["cohort"] * 2:
        EnrolmentFactory(scheme=scheme, source=source)
    client.force_login(dme)

    book = workbook(client.get(organisation_url("xlsx", scheme.organisation)))
    rows = csv_rows(client.get(organisation_url("csv", scheme.organisation)))

    # With the other routes shown, 14 - 9 - 2 = 3 referrals; every route under 5 (zeros too)
    # reads "fewer than 5", and they hold 5 between them.
    expected = {
        "Self sign-up": 9,
        "Opt-out cohort import": "fewer than 5",
        "Request outside an intake window": "fewer than 5",
        "Referral": "fewer than 5",
        "Added by an organiser": "fewer than 5",
    }
    assert dict(sheet_rows(book, "By source")[1:]) == expected
    assert figures(rows, "By source") == {
        (label, "Mentees"): str(value) for label, value in expected.items()
    }
    assert figures(rows, "Funnel")[("Enrolled as mentees", "Trainees")] == "14"


@pytest.mark.parametrize("count", [4, 5])
def test_survey_figures_show_only_from_five_responses(client, organiser, scheme, count):
    from surveys.tests.factories import builtin, invite, response_with

    for _ in range(count):
        user = EnrolmentFactory(scheme=scheme).user
        invitation = invite(user, scheme)
        invitation.responded_at = invitation.created_at
        invitation.save()
        response_with(scheme, builtin("mentee-follow-up"), {"content-feedback": 4})
    client.force_login(organiser)

    book = workbook(client.get(scheme_url("xlsx", scheme)))
    rows = csv_rows(client.get(scheme_url("csv", scheme)))

    surveys = {row[2]: row[3] for row in sheet_rows(book, "Surveys")[1:]}
    long = {measure: value for (_, measure), value in figures(rows, "Surveys").items()}
    content = "Content (mean score out of 5)"
    hidden = "fewer than 5 responses"
    # Only the content domain was answered: every other domain has no figure either way.
    others = {key for key in surveys if key.endswith("(mean score out of 5)")} - {content}
    assert others and {surveys[key] for key in others} == {long[key] for key in others} == {hidden}
    if count == 4:
        assert {key: surveys[key] for key in surveys if key not in others} == {
            "Response rate %": hidden,
            content: hidden,
        }
        assert {key: long[key] for key in long if key not in others} == {
            "Response rate %": hidden,
            content: hidden,
        }
    else:
        assert {key: surveys[key] for key in surveys if key not in others} == {
            "Invited": 5,
            "Responded": 5,
            "Response rate %": 100,
            content: 4,
        }
        assert {key: long[key] for key in long if key not in others} == {
            "Invited": "5",
            "Responded": "5",
            "Response rate %": "100",
            content: "4.0",
        }


# --- Formula injection -------------------------------------------------------------------------

HOSTILE_SCHEME = '=HYPERLINK("http://x","y")'


@pytest.fixture
def hostile(scheme, settings):
    settings.DISCLOSURE_MIN_COUNT = 1  # one mentee, shown: these tests are about the names
    scheme.name = HOSTILE_SCHEME
    scheme.save()
    EnrolmentFactory(scheme=scheme, site="@SUM(1)", user__specialty="-2+3")
    return scheme


def test_hostile_names_are_neutralised_in_the_csv(client, organiser, hostile):
    client.force_login(organiser)

    rows = csv_rows(client.get(scheme_url("csv", hostile)))

    about = {row[1]: row[3] for row in rows if row[0] == "About"}
    assert about["Filter: Scheme"] == "'" + HOSTILE_SCHEME
    assert figures(rows, "By site") == {("'@SUM(1)", "Mentees"): "1"}
    assert figures(rows, "By specialty") == {("'-2+3", "Mentees"): "1"}
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_hostile_names_are_neutralised_in_the_xlsx(client, dme, hostile):
    client.force_login(dme)

    book = workbook(
        client.get(organisation_url("xlsx", hostile.organisation), {"scheme": hostile.pk})
    )

    assert dict(sheet_rows(book, "About"))["Filter: Scheme"] == "'" + HOSTILE_SCHEME
    assert sheet_rows(book, "By site")[1] == ["'@SUM(1)", 1]
    assert sheet_rows(book, "By specialty")[1] == ["'-2+3", 1]
    for sheet in book:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f"
                assert not str(cell.value or "").startswith(("=", "+", "-", "@"))


# --- The audit log -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_each_export_is_audited_with_its_filters(client, dme, known, fmt):
    client.force_login(dme)

    response = client.get(
        organisation_url(fmt, known.organisation),
        {"grade": "CT2", "enrolled_to": "2026-03-01", "scheme": known.pk},
    )
    if isinstance(response, StreamingHttpResponse):
        b"".join(response.streaming_content)

    event = AuditEvent.objects.get(action="report_export")
    assert event.actor == dme and event.target == "slam"
    assert event.details == {
        "export": "Organisation dashboard",
        "format": fmt,
        "filters": {
            "organisation": known.organisation.name,
            "scheme": known.name,
            "enrolled_to": "2026-03-01",
            "grade": "Core trainee year 2 (CT2)",
        },
    }


def test_a_scheme_export_is_audited(client, organiser, known):
    client.force_login(organiser)

    workbook(client.get(scheme_url("xlsx", known), {"site": "King's"}))

    event = AuditEvent.objects.get(action="report_export")
    assert (event.actor, event.target) == (organiser, known.slug)
    assert event.details["export"] == "Scheme dashboard"
    assert event.details["filters"] == {"scheme": known.name, "site": "King's"}


# --- Every role against every export -------------------------------------------------------------

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
# Exactly the dashboards' own rules (reports/tests/test_dashboards.py): outsiders of another trust
# get 404, so the export does not even confirm the scheme or organisation exists.
# The site admin holds no role by being admin (schemes/access.py): a stranger to the scheme.
SCHEME = {"organiser": 200, "superuser": 404, "other_organiser": 404, "other_dme": 404}
ORGANISATION = {"dme": 200, "regional_lead": 200, "other_dme": 404}
EXPORTS = {
    "reports:scheme-dashboard-csv": ("scheme", SCHEME),
    "reports:scheme-dashboard-xlsx": ("scheme", SCHEME),
    "reports:organisation-dashboard-csv": ("organisation", ORGANISATION),
    "reports:organisation-dashboard-xlsx": ("organisation", ORGANISATION),
}


def _slug(scheme, slug_of):
    return scheme.slug if slug_of == "scheme" else scheme.organisation.slug


@pytest.mark.parametrize("name", list(EXPORTS))
def test_every_role_against_every_dashboard_export(
    client, request, pair, other_trainee, scheme, name
):
    slug_of, allowed = EXPORTS[name]
    url = reverse(name, args=[_slug(scheme, slug_of)])
    outcomes = {}
    for member in MEMBERS:
        client.force_login(request.getfixturevalue(member))
        response = client.get(url)
        if isinstance(response, StreamingHttpResponse):
            b"".join(response.streaming_content)
        outcomes[member] = response.status_code
    client.logout()
    response = client.get(url)
    outcomes["anonymous"] = response.status_code

    expected = {member: allowed.get(member, 403) for member in MEMBERS}
    expected["anonymous"] = 302
    assert outcomes == expected
    assert reverse("accounts:login") in response.url
    assert AuditEvent.objects.filter(action="report_export").count() == len(allowed) - (
        list(allowed.values()).count(404)
    )


def test_an_organiser_of_another_scheme_of_the_trust_is_refused(client, scheme):
    from schemes.tests.factories import MemberFactory

    second = SchemeFactory(organisation=scheme.organisation)
    someone = MemberFactory(organisation=scheme.organisation)
    appoint(someone, second)
    client.force_login(someone)

    for fmt in ("csv", "xlsx"):
        assert client.get(scheme_url(fmt, scheme)).status_code == 403
        assert client.get(scheme_url(fmt, second)).status_code == 200
    assert client.get(organisation_url("xlsx", scheme.organisation)).status_code == 403


@pytest.mark.parametrize("name", list(EXPORTS))
def test_dashboard_exports_refuse_post(client, superuser, scheme, name):
    client.force_login(superuser)

    response = client.post(reverse(name, args=[_slug(scheme, EXPORTS[name][0])]))

    assert response.status_code == 405
    assert not AuditEvent.objects.exists()


# --- Cost ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_query_count_does_not_grow_with_the_data(client, dme, supervisor, scheme, fmt):
    client.force_login(dme)
    url = organisation_url(fmt, scheme.organisation)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, {"grade": "CT2"})
            if isinstance(response, StreamingHttpResponse):
                b"".join(response.streaming_content)
        return len(captured)

    _grow(scheme, 2, supervisor=supervisor)
    small = queries()
    for _ in range(3):
        _grow(SchemeFactory(organisation=scheme.organisation), 6, supervisor=supervisor)

    assert queries() == small


def test_a_filtered_export_says_why_routes_and_pair_health_are_not_there(client, dme, scheme):
    """The issue's example: the one mentee of 3 July was referred; a filter from 3 July and one
    from 4 July would have shown "Referral, 5" and "fewer than 5"."""
    from datetime import date, datetime, time

    from django.utils import timezone

    from schemes.disclosure import SENSITIVE_NOTE

    def on(day):
        return timezone.make_aware(datetime.combine(day, time(12)))

    EnrolmentFactory(scheme=scheme, source="referral", created_at=on(date(2026, 7, 3)))
    for _ in range(4):
        EnrolmentFactory(scheme=scheme, source="referral", created_at=on(date(2026, 8, 1)))
    for _ in range(20):
        EnrolmentFactory(scheme=scheme, source="self", created_at=on(date(2026, 9, 1)))
    client.force_login(dme)
    organisation = scheme.organisation

    for start in ("2026-07-03", "2026-07-04"):
        query = {"enrolled_from": start, "enrolled_to": "2026-12-31"}
        rows = csv_rows(client.get(organisation_url("csv", organisation), query))
        book = workbook(client.get(organisation_url("xlsx", organisation), query))

        assert figures(rows, "By source") == {
            ("Not shown in a filtered view", "Mentees"): SENSITIVE_NOTE
        }
        assert sheet_rows(book, "By source")[1:] == [
            ["Not shown in a filtered view", SENSITIVE_NOTE]
        ]
        assert sheet_rows(book, "Pairs by state")[1:] == [
            ["Not shown in a filtered view", SENSITIVE_NOTE]
        ]
        assert not any("Referral" in cell for row in rows for cell in row)

    whole = csv_rows(client.get(organisation_url("csv", organisation)))
    assert figures(whole, "By source")[("Referral", "Mentees")] == "5"
