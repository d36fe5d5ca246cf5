"""Objective outcomes: the all-or-nothing import; mentees, mentors and non-participants compared."""

from datetime import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from accounts.personal_data import registry
from accounts.tests.factories import UserFactory
from reports.models import OutcomeImport, TrainingOutcome
from reports.outcomes import (
    OutcomeFileError,
    outcome_comparison,
    outcome_file_parse,
    outcome_import_confirm,
    outcome_import_preview,
    period_normalise,
)
from schemes.models import Enrolment
from schemes.tests.factories import EnrolmentFactory, MemberFactory, MentorEnrolmentFactory

pytestmark = pytest.mark.django_db

HEADER = "Email,GMC number,Period,ARCP outcome,Exam passed"
JOINED = datetime(2025, 9, 1, 9, 0, tzinfo=timezone.get_default_timezone())


def csv_file(*rows, header=HEADER, name="outcomes.csv"):
    text = "\n".join([header, *rows]) + "\n"
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def problems_of(parsed, row):
    entry = next(entry for entry in parsed.problems if entry["row"] == row)
    return [problem["message"] for problem in entry["problems"]]


# --- Reading the file -------------------------------------------------------------------------


def test_a_good_file_is_read_with_normalised_values():
    parsed = outcome_file_parse(
        (
            HEADER + "\nA.Khan@NHS.net,7012345,2025-26,Outcome 1,Yes\n,7012346,2024/2025,n,\n"
        ).encode()
    )

    assert parsed.problems == []
    assert parsed.rows == [
        {
            "row": 2,
            "email": "a.khan@nhs.net",
            "gmc_number": "7012345",
            "period": "2025/26",
            "arcp_outcome": "1",
            "exam_passed": "yes",
        },
        {
            "row": 3,
            "email": "",
            "gmc_number": "7012346",
            "period": "2024/25",
            "arcp_outcome": "N",
            "exam_passed": "",
        },
    ]


@pytest.mark.parametrize(
    "text, expected",
    [("2025/26", "2025/26"), ("2025-2026", "2025/26"), ("1999/00", "1999/00"), ("2025/27", None)],
)
def test_periods_are_training_years(text, expected):
    assert period_normalise(text) == expected


@pytest.mark.parametrize(
    "row, message",
    [
        (",,2025/26,1,yes", "The row has no email and no GMC number."),
        ("not-an-email,,2025/26,1,yes", "“not-an-email” is not an email address."),
        (",12345,2025/26,1,yes", "“12345” is not a GMC number."),
        ("a@nhs.net,,,1,yes", "The period is empty."),
        ("a@nhs.net,,last year,1,yes", "“last year” is not a training year."),
        ("a@nhs.net,,2099/00,1,yes", "A period of 2099/00 looks wrong."),
        ("a@nhs.net,,2025/26,,yes", "The ARCP outcome is empty."),
        ("a@nhs.net,,2025/26,7,yes", "“7” is not an ARCP outcome code."),
        ("a@nhs.net,,2025/26,1,maybe", "“maybe” is not yes or no."),
        ("a@nhs.net,,2025/26,1,yes,extra", "This row has 6 values but the header has 5 columns."),
    ],
)
def test_each_problem_in_a_row_is_named(row, message):
    parsed = outcome_file_parse((HEADER + "\n" + row + "\n").encode())

    assert parsed.rows == []
    assert message in problems_of(parsed, 2)


def test_every_row_naming_the_same_trainee_and_period_is_a_problem():
    parsed = outcome_file_parse(
        (
            HEADER + "\na@nhs.net,,2025/26,1,yes\nb@nhs.net,,2025/26,1,\nA@nhs.net,,2025/26,2,\n"
            "a@nhs.net,,2024/25,1,\n"
        ).encode()
    )

    assert [entry["row"] for entry in parsed.problems] == [2, 4]
    assert "The same trainee and period are also on row 4." in problems_of(parsed, 2)
    assert [row["row"] for row in parsed.rows] == [3, 5]


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "The file is empty."),
        (b"PK\x03\x04rest", "This is an Excel workbook, not a CSV file."),
        (b"email,period\na@nhs.net,2025/26\n", "The file has no arcp outcome column"),
        (b"period,arcp\n2025/26,1\n", "The file has no email or GMC number column"),
        (HEADER.encode() + b"\n\n", "has no outcomes in it"),
    ],
)
def test_a_file_that_cannot_be_used_says_why(data, message):
    with pytest.raises(OutcomeFileError) as error:
        outcome_file_parse(data)
    assert message in error.value.message


def test_a_file_over_5_mb_is_refused_and_nothing_is_kept(organisation, dme):
    big = SimpleUploadedFile("big.csv", b"x" * (5 * 1024 * 1024 + 1))

    with pytest.raises(OutcomeFileError, match="the limit is 5.0 MB"):
        outcome_import_preview(organisation=organisation, uploaded_file=big, uploaded_by=dme)
    assert not OutcomeImport.objects.exists()


def test_a_windows_1252_file_is_read(organisation, dme):
    data = (HEADER + ",Name\nzoe@nhs.net,,2025/26,1,yes,Zoë Brontë\n").encode("cp1252")
    outcome_import = outcome_import_preview(
        organisation=organisation,
        uploaded_file=SimpleUploadedFile("o.csv", data),
        uploaded_by=dme,
    )
    assert outcome_import.problems == []
    assert [row["email"] for row in outcome_import.rows] == ["zoe@nhs.net"]
    assert outcome_import.ignored_columns == ["Name"]


# --- All or nothing ---------------------------------------------------------------------------


def test_the_preview_saves_no_outcomes(organisation, dme):
    outcome_import_preview(
        organisation=organisation,
        uploaded_file=csv_file("a@nhs.net,,2025/26,1,yes"),
        uploaded_by=dme,
    )
    assert OutcomeImport.objects.count() == 1
    assert not TrainingOutcome.objects.exists()


def test_a_file_with_any_problem_cannot_be_confirmed_and_saves_nothing(organisation, dme):
    outcome_import = outcome_import_preview(
        organisation=organisation,
        uploaded_file=csv_file("a@nhs.net,,2025/26,1,yes", "b@nhs.net,,2025/26,9,yes"),
        uploaded_by=dme,
    )

    with pytest.raises(Exception, match="nothing was saved"):
        outcome_import_confirm(outcome_import=outcome_import, confirmed_by=dme)
    assert not TrainingOutcome.objects.exists()
    outcome_import.refresh_from_db()
    assert outcome_import.confirmed_at is None


def test_confirming_saves_every_row_links_accounts_and_replaces_earlier_outcomes(
    organisation, dme, mentee
):
    first = outcome_import_preview(
        organisation=organisation,
        uploaded_file=csv_file(f"{mentee.email.upper()},,2025/26,2,no", ",7012345,2025/26,1,"),
        uploaded_by=dme,
    )
    outcome_import_confirm(outcome_import=first, confirmed_by=dme)
    corrected = outcome_import_preview(
        organisation=organisation,
        uploaded_file=csv_file(f"{mentee.email},,2025/26,1,yes"),
        uploaded_by=dme,
    )
    outcome_import_confirm(outcome_import=corrected, confirmed_by=dme)

    outcomes = TrainingOutcome.objects.order_by("gmc_number")
    assert [(o.trainee, o.arcp_outcome, o.exam_passed) for o in outcomes] == [
        (mentee, "1", "yes"),
        (None, "1", ""),
    ]
    assert corrected.saved_count == 1


def test_confirming_twice_saves_once(organisation, dme):
    outcome_import = outcome_import_preview(
        organisation=organisation,
        uploaded_file=csv_file("a@nhs.net,,2025/26,1,yes"),
        uploaded_by=dme,
    )
    outcome_import_confirm(outcome_import=outcome_import, confirmed_by=dme)

    with pytest.raises(Exception, match="already confirmed"):
        outcome_import_confirm(outcome_import=outcome_import, confirmed_by=dme)
    assert TrainingOutcome.objects.count() == 1


# --- The comparison ---------------------------------------------------------------------------


def outcome(organisation, user=None, *, arcp="1", exam="", period="2025/26", email=None, gmc=""):
    return TrainingOutcome.objects.create(
        organisation=organisation,
        trainee=user,
        email=email if email is not None else (user.email if user else ""),
        gmc_number=gmc,
        period=period,
        arcp_outcome=arcp,
        exam_passed=exam,
    )


@pytest.fixture
def known_data(scheme, other_scheme):
    """Six mentees, five mentors, seven non-participants; hand-computed figures below. The
    enrolments began in September 2025, during the 2025/26 training year compared."""
    organisation = scheme.organisation
    mentees = [EnrolmentFactory(scheme=scheme, created_at=JOINED).user for _ in range(6)]
    for user, arcp, exam in zip(
        mentees, ["1", "1", "6", "2", "1", "3"], ["yes", "yes", "no", "yes", "", ""], strict=True
    ):
        outcome(organisation, user, arcp=arcp, exam=exam)
    mentors = [MentorEnrolmentFactory(scheme=scheme, created_at=JOINED).user for _ in range(5)]
    for user, arcp in zip(mentors, ["1", "1", "1", "1", "5"], strict=True):
        outcome(organisation, user, arcp=arcp)
    outsiders = [UserFactory(organisation=organisation) for _ in range(4)]
    for user, arcp, exam in zip(
        outsiders, ["1", "2", "3", "1"], ["yes", "no", "no", "yes"], strict=True
    ):
        outcome(organisation, user, arcp=arcp, exam=exam)
    # Email without an account: a non-participant (nobody enrols without one). Not yet linked.
    outcome(organisation, email="no.account@nhs.net", arcp="6", exam="yes")
    outcome(organisation, email="another@nhs.net", arcp="4", exam="no")
    # An account whose only enrolment elsewhere (another trust) does not count here.
    elsewhere = EnrolmentFactory(scheme=other_scheme, created_at=JOINED).user
    outcome(organisation, elsewhere, arcp="1")
    # Left out: a GMC number only; a request still waiting; another period.
    outcome(organisation, email="", gmc="7012345")
    waiting = EnrolmentFactory(
        scheme=scheme, status=Enrolment.Status.REQUESTED, created_at=JOINED
    ).user
    outcome(organisation, waiting)
    outcome(organisation, mentees[0], period="2024/25", arcp="3")
    return organisation


def test_the_comparison_on_a_known_data_set(known_data):
    comparison = outcome_comparison(known_data, "2025/26")

    figures = {
        group.key: (group.people, group.satisfactory, group.exam_results, group.exam_passes)
        for group in comparison["groups"]
    }
    # Mentees: 4 of 6 satisfactory (1, 1, 6, 1); 4 exam results, 3 passes.
    # Mentors: 4 of 5 satisfactory; no exam results.
    # Non-participants: 4 outsiders + 2 emails without accounts + 1 enrolled elsewhere = 7;
    # satisfactory 1, 1, 6, 1 = 4 of 7; exams 6, passes yes, yes, yes = 3 of 6.
    assert figures == {
        "mentees": (6, 4, 4, 3),
        "mentors": (5, 4, 0, 0),
        "non_participants": (7, 4, 6, 3),
    }
    assert comparison["unmatched"] == 1
    assert comparison["left_out"] == 1
    # What is shown: the one person left out is under 5, and with groups this small no count
    # can be shown beside it without giving it away (schemes.disclosure, rule 2).
    assert [group.size_text for group in comparison["groups"]] == ["not shown"] * 3
    assert str(comparison["left_out_shown"]) == "not shown"


def test_the_comparison_takes_a_constant_number_of_queries(known_data, django_assert_num_queries):
    with django_assert_num_queries(3):
        outcome_comparison(known_data, "2025/26")


@pytest.mark.parametrize("size, shown", [(4, False), (5, True)])
def test_a_group_is_shown_from_5_people(scheme, size, shown):
    for _ in range(size):
        enrolment = EnrolmentFactory(scheme=scheme, created_at=JOINED)
        outcome(scheme.organisation, enrolment.user, exam="yes")

    mentees = outcome_comparison(scheme.organisation, "2025/26")["groups"][0]

    assert mentees.suppressed is not shown
    assert mentees.size_text == (str(size) if shown else "fewer than 5")
    assert mentees.satisfactory_percent == (100 if shown else None)
    assert mentees.exam_pass_percent == (100 if shown else None)


def at(*args):
    return datetime(*args, 12, 0, tzinfo=timezone.get_default_timezone())


def test_groups_follow_participation_during_the_training_year_not_enrolment_now(scheme):
    """2025/26 runs from 1 August 2025 to 31 July 2026."""
    joined_after = [EnrolmentFactory(scheme=scheme, created_at=at(2026, 11, 2)) for _ in range(5)]
    withdrew_during = [
        EnrolmentFactory(
            scheme=scheme,
            created_at=at(2025, 6, 1),
            status=Enrolment.Status.WITHDRAWN,
            status_changed_at=at(2026, 2, 1),
        )
        for _ in range(5)
    ]
    left_before = EnrolmentFactory(
        scheme=scheme,
        created_at=at(2024, 9, 1),
        status=Enrolment.Status.WITHDRAWN,
        status_changed_at=at(2025, 7, 31),
    )
    mentor_all_year = MentorEnrolmentFactory(scheme=scheme, created_at=at(2025, 7, 31))
    for enrolment in [*joined_after, *withdrew_during, left_before, mentor_all_year]:
        outcome(scheme.organisation, enrolment.user)

    groups = {
        group.key: group.people
        for group in outcome_comparison(scheme.organisation, "2025/26")["groups"]
    }

    assert groups == {"mentees": 5, "mentors": 1, "non_participants": 6}
    # The same people a year on: those who joined in November 2026 are mentees of 2026/27.
    for enrolment in joined_after:
        outcome(scheme.organisation, enrolment.user, period="2026/27")
    later = outcome_comparison(scheme.organisation, "2026/27")["groups"]
    assert [group.people for group in later] == [5, 0, 0]


def test_someone_both_mentee_and_mentor_counts_in_both_groups(scheme):
    user = EnrolmentFactory(scheme=scheme, created_at=JOINED).user
    MentorEnrolmentFactory(scheme=scheme, user=user, created_at=JOINED)
    outcome(scheme.organisation, user)

    groups = outcome_comparison(scheme.organisation, "2025/26")["groups"]

    assert [group.people for group in groups] == [1, 1, 0]


def test_a_partner_trusts_trainee_in_a_scheme_run_for_several_counts_in_their_own_trust(
    scheme, other_organisation
):
    scheme.partner_organisations.add(other_organisation)
    user = MemberFactory(organisation=other_organisation)
    EnrolmentFactory(scheme=scheme, user=user, organisation=other_organisation, created_at=JOINED)
    outcome(other_organisation, user)

    theirs = outcome_comparison(other_organisation, "2025/26")["groups"]
    host = outcome_comparison(scheme.organisation, "2025/26")["groups"]

    assert [group.people for group in theirs] == [1, 0, 0]  # a mentee, not a non-participant
    assert [group.people for group in host] == [0, 0, 0]


def test_training_outcomes_are_in_the_personal_data_registry():
    assert TrainingOutcome in registry.entries
    assert OutcomeImport in registry.excluded


# --- The pages --------------------------------------------------------------------------------


def test_the_dme_uploads_checks_and_confirms_a_file(client, organisation, dme, mentee):
    client.force_login(dme)

    response = client.post(
        reverse("reports:outcomes-upload", args=[organisation.slug]),
        {"file": csv_file(f"{mentee.email},,2025/26,1,yes", header=HEADER + ",Notes")},
    )
    outcome_import = OutcomeImport.objects.get()
    assert response.status_code == 302
    assert response.url == reverse(
        "reports:outcomes-preview", args=[organisation.slug, outcome_import.pk]
    )
    preview = client.get(response.url)
    assert "Save 1 outcome" in preview.content.decode()
    assert not TrainingOutcome.objects.exists()

    response = client.post(
        reverse("reports:outcomes-confirm", args=[organisation.slug, outcome_import.pk])
    )

    assert response.status_code == 302
    assert TrainingOutcome.objects.get().trainee == mentee
    assert AuditEvent.objects.filter(action="outcomes_import").count() == 1
    page = client.get(reverse("reports:outcomes", args=[organisation.slug])).content.decode()
    assert "This comparison is observational." in page
    assert "fewer than 5" in page


def test_a_bad_file_shows_what_to_do_and_saves_nothing(client, organisation, dme):
    client.force_login(dme)

    response = client.post(
        reverse("reports:outcomes-upload", args=[organisation.slug]),
        {"file": csv_file("a@nhs.net,2025/26", header="email,period")},
    )

    assert response.status_code == 400
    assert "Add or rename the columns" in response.content.decode()
    assert not OutcomeImport.objects.exists()


def test_a_missing_file_is_reported(client, organisation, dme):
    client.force_login(dme)
    response = client.post(reverse("reports:outcomes-upload", args=[organisation.slug]), {})
    assert response.status_code == 400
    assert "Choose your outcomes CSV file to upload." in response.content.decode()


def test_the_preview_lists_every_row_problem_and_offers_no_confirm(client, organisation, dme):
    client.force_login(dme)
    client.post(
        reverse("reports:outcomes-upload", args=[organisation.slug]),
        {"file": csv_file("a@nhs.net,,2025/26,7,yes", ",123,2025/26,1,")},
    )
    outcome_import = OutcomeImport.objects.get()

    page = client.get(
        reverse("reports:outcomes-preview", args=[organisation.slug, outcome_import.pk])
    ).content.decode()
    response = client.post(
        reverse("reports:outcomes-confirm", args=[organisation.slug, outcome_import.pk])
    )

    assert "“7” is not an ARCP outcome code." in page and "“123” is not a GMC number." in page
    assert "Nothing can be saved yet" in page
    assert response.status_code == 302
    assert not TrainingOutcome.objects.exists()


def test_confirm_is_post_only(client, organisation, dme):
    outcome_import = OutcomeImport.objects.create(organisation=organisation, file_name="o.csv")
    client.force_login(dme)
    url = reverse("reports:outcomes-confirm", args=[organisation.slug, outcome_import.pk])
    assert client.get(url).status_code == 405


def test_the_regional_lead_reads_the_report_but_cannot_import(client, organisation, regional_lead):
    client.force_login(regional_lead)
    page = client.get(reverse("reports:outcomes", args=[organisation.slug]))
    upload = client.get(reverse("reports:outcomes-upload", args=[organisation.slug]))
    assert page.status_code == 200 and "Import outcomes" not in page.content.decode()
    assert upload.status_code == 403


@pytest.mark.parametrize(
    "member, status",
    [("other_dme", 404), ("organiser", 403), ("mentee", 403), ("supervisor", 403)],
)
def test_others_cannot_read_a_trusts_outcomes(client, organisation, request, member, status):
    client.force_login(request.getfixturevalue(member))
    assert client.get(reverse("reports:outcomes", args=[organisation.slug])).status_code == status


def test_another_trusts_import_is_not_found(client, organisation, other_organisation, dme):
    other = OutcomeImport.objects.create(organisation=other_organisation, file_name="o.csv")
    client.force_login(dme)
    url = reverse("reports:outcomes-preview", args=[organisation.slug, other.pk])
    assert client.get(url).status_code == 404
