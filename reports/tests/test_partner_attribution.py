"""A scheme run by SLaM for SLaM and the Other trust: each enrolment counts in its own trust on
the organisation dashboard, the provision report and their exports (one count of a part, the
same everywhere), and the Other trust's DME sees the Other trust's part only."""

import csv
import io

import pytest
from django.urls import reverse

from accounts.models import Grade
from reports.dashboards import dashboard
from reports.provision import region_provision
from schemes.models import Enrolment
from schemes.selectors import enrolled_mentees_by_part, organisation_schemes
from schemes.tests.factories import EnrolmentFactory, MemberFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

LABEL = "SLaM peer mentoring (run by SLaM for several trusts)"


@pytest.fixture
def partner(other_organisation):
    return other_organisation


@pytest.fixture
def shared(scheme, partner):
    scheme.partner_organisations.add(partner)
    return scheme


def enrol(scheme, organisation, count, **fields):
    return [
        EnrolmentFactory(
            scheme=scheme,
            organisation=organisation,
            user__organisation=organisation,
            user__grade=Grade.CT1,
            **fields,
        )
        for _ in range(count)
    ]


@pytest.fixture
def parts(shared, organisation, partner):
    """Six SLaM mentees and seven of the Other trust; a request and a withdrawal that do not
    count; three Other trainees not enrolled."""
    enrol(shared, organisation, 6)
    enrol(shared, partner, 7)
    enrol(shared, partner, 1, status=Enrolment.Status.REQUESTED)
    enrol(shared, partner, 1, status=Enrolment.Status.WITHDRAWN)
    for _ in range(3):
        MemberFactory(organisation=partner, grade=Grade.FY1)
    return shared


def trainees_at(organisation):
    return organisation.members.filter(grade__in=["FY1", "CT1"], is_active=True).count()


def provision_entry(region, organisation):
    rows = {row.organisation.pk: row for row in region_provision(region)["rows"]}
    return rows[organisation.pk].schemes


def dashboard_of(client, user, organisation, **query):
    client.force_login(user)
    response = client.get(
        reverse("reports:organisation-dashboard", args=[organisation.slug]), query
    )
    assert response.status_code == 200
    return response


def csv_of(client, organisation):
    response = client.get(reverse("reports:organisation-dashboard-csv", args=[organisation.slug]))
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


# --- Each part counts in its own trust ----------------------------------------------------------


def test_each_trusts_part_is_counted_once_by_one_selector(parts, organisation, partner):
    assert enrolled_mentees_by_part([parts]) == {
        (parts.pk, organisation.pk): 6,
        (parts.pk, partner.pk): 7,
    }


def test_the_partner_trusts_dashboard_counts_its_own_part_against_its_own_trainees(
    client, parts, partner, other_dme
):
    figures = dashboard_of(client, other_dme, partner).context["figures"]

    assert figures["funnel"].enrolled == 7
    # Its own trainees: the seven enrolled, the request, the withdrawn and the three others.
    assert figures["funnel"].eligible == 12
    assert [(label, shown.value) for label, shown in figures["by_scheme"]] == [(LABEL, 7)]


def test_the_host_trusts_dashboard_counts_only_the_host_part(client, parts, organisation, dme):
    figures = dashboard_of(client, dme, organisation).context["figures"]

    assert figures["funnel"].enrolled == 6
    assert [(label, shown.value) for label, shown in figures["by_scheme"]] == [(LABEL, 6)]


def test_the_provision_report_counts_each_part_in_its_trusts_row(
    parts, region, organisation, partner
):
    third = OrganisationFactory(region=region, short_name="Third")

    (host_part,) = provision_entry(region, organisation)
    (partner_part,) = provision_entry(region, partner)

    assert host_part["label"] == partner_part["label"] == LABEL
    assert host_part["enrolled"].value == 6
    assert partner_part["enrolled"].value == 7
    assert partner_part["eligible"].value == 12
    assert provision_entry(region, third) == []


def test_the_same_count_of_a_part_on_the_dashboard_the_report_and_the_exports(
    client, parts, region, partner, other_dme, regional_lead
):
    part = enrolled_mentees_by_part([parts])[(parts.pk, partner.pk)]
    page = dashboard_of(client, other_dme, partner)
    exported = csv_of(client, partner)
    client.force_login(regional_lead)
    response = client.get(reverse("reports:provision-csv", args=[region.slug]))
    provision = list(
        csv.DictReader(
            io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))
            if response.streaming
            else io.StringIO(response.content.decode("utf-8-sig"))
        )
    )

    assert dict(page.context["figures"]["by_scheme"])[LABEL].value == part
    assert {(row["Category"], row["Value"]) for row in exported if row["Table"] == "By scheme"} == {
        (LABEL, str(part))
    }
    partner_rows = [row for row in provision if row["Trust"] == partner.short_name]
    assert [(row["Scheme"], row["Enrolled mentees"]) for row in partner_rows] == [
        (LABEL, str(part))
    ]


def test_a_print_report_of_the_partner_trust_counts_its_part(client, parts, partner, other_dme):
    client.force_login(other_dme)
    response = client.get(reverse("reports:organisation-print", args=[partner.slug]))
    assert response.status_code == 200
    assert response.context["figures"]["funnel"].enrolled == 7


# --- The partner trust's DME sees their part and nothing more -----------------------------------


def test_the_partner_dme_never_reads_the_scheme_total_or_the_host_part(
    client, parts, partner, other_dme
):
    figures = dashboard_of(client, other_dme, partner).context["figures"]
    # The scheme-wide figures cover the trust's own schemes (it has none), so no total of the
    # host's scheme can be read off them, nor the host's part worked out by subtraction.
    assert figures["cost"]["mentees"].value == 0
    assert figures["mentors"]["active_mentors"].value == 0

    chosen = dashboard_of(client, other_dme, partner, scheme=parts.pk).context["figures"]
    assert chosen["funnel"].enrolled == 7
    assert chosen["cost"]["mentees"].value == 0
    assert chosen["surveys"] is None and chosen["by_scheme"] is None

    exported = csv_of(client, partner)
    values = {row["Value"] for row in exported if row["Table"] != "About"}
    assert "13" not in values and "6" not in values


def test_the_partner_dme_is_refused_the_schemes_organiser_pages(client, parts, other_dme):
    client.force_login(other_dme)
    for name in (
        "schemes:edit",
        "schemes:enrolments",
        "schemes:people",
        "schemes:cohort-upload",
        "reports:scheme-dashboard",
        "reports:scheme-dashboard-csv",
        "reports:enrolments-csv",
    ):
        response = client.get(reverse(name, args=[parts.slug]))
        assert response.status_code == 403, name


def test_the_partner_dme_cannot_open_the_host_trusts_dashboard(
    client, parts, organisation, other_dme
):
    client.force_login(other_dme)
    for name in (
        "reports:organisation-dashboard",
        "reports:organisation-dashboard-csv",
        "reports:organisation-print",
    ):
        # Another trust's DME: refused as before (404, the rule of the "oversee" pages).
        response = client.get(reverse(name, args=[organisation.slug]))
        assert response.status_code == 404, name


def test_the_partner_dme_does_not_get_the_schemes_totals_on_run_schemes(
    client, parts, other_dme, dme
):
    client.force_login(other_dme)
    response = client.get(reverse("schemes:manage"))
    assert parts.name not in response.content.decode()


def test_a_trust_not_in_the_scheme_sees_nothing_of_it(client, parts, region):
    third = OrganisationFactory(region=region, short_name="Third", slug="third")
    from schemes.tests.factories import make_dme

    third_dme = make_dme(MemberFactory(organisation=third, grade=Grade.CONSULTANT), third)
    figures = dashboard_of(client, third_dme, third).context["figures"]

    assert figures["funnel"].enrolled == 0
    assert figures["by_scheme"] == []
    client.force_login(third_dme)
    assert client.get(reverse("reports:scheme-dashboard", args=[parts.slug])).status_code == 404


# --- Small numbers --------------------------------------------------------------------------------


def test_a_small_partner_part_reads_fewer_than_five_everywhere(
    client, shared, region, organisation, partner, other_dme
):
    enrol(shared, organisation, 8)
    enrol(shared, partner, 3)

    response = dashboard_of(client, other_dme, partner)
    figures = response.context["figures"]
    ((label, part),) = figures["by_scheme"]
    assert part.suppressed and str(part) == "fewer than 5"
    assert dict(figures["funnel"].rows())["Enrolled as mentees"].suppressed
    assert 'id="by-scheme"' in response.content.decode()
    exported = csv_of(client, partner)
    assert {(row["Category"], row["Value"]) for row in exported if row["Table"] == "By scheme"} == {
        (LABEL, "fewer than 5")
    }
    (partner_part,) = provision_entry(region, partner)
    assert str(partner_part["enrolled"]) == "fewer than 5"
    assert partner_part["percent"] is None


def test_the_dashboard_function_counts_a_part_for_any_trust(parts, partner, organisation):
    schemes = organisation_schemes(partner)
    assert list(schemes) == [parts]
    assert dashboard(schemes, part_of=partner)["funnel"].enrolled == 7
    assert (
        dashboard(organisation_schemes(organisation), part_of=organisation)["funnel"].enrolled == 6
    )
    # The scheme's own dashboard (its organisers) counts everyone.
    assert dashboard([parts])["funnel"].enrolled == 13
