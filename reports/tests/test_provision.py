import pytest
from django.core.management import call_command
from django.urls import reverse

from reports.provision import region_provision
from reports.uptake import uptake_band, uptake_by_scheme
from schemes.models import Region
from schemes.tests.factories import EnrolmentFactory, MemberFactory, SchemeFactory


@pytest.mark.parametrize(
    ("percent", "band"),
    [(None, "No data"), (0, "<25%"), (24.9, "<25%"), (25, "25–50%"), (50, "50–75%"), (75, ">75%")],
)
def test_uptake_bands_follow_the_survey(percent, band):
    assert uptake_band(percent) == band


@pytest.mark.django_db
def test_uptake_counts_eligible_trainees_of_the_trust_and_current_mentees(organisation):
    scheme = SchemeFactory(
        organisation=organisation,
        mentee_eligibility="chosen",
        eligible_grades=["CT1"],
        eligible_specialties=["Paediatrics"],
    )
    eligible = [
        MemberFactory(organisation=organisation, grade="CT1", specialty="paediatrics")
        for _ in range(4)
    ]
    MemberFactory(organisation=organisation, grade="CT2", specialty="Paediatrics")  # not eligible
    MemberFactory(organisation=organisation, grade="CONSULTANT")  # not a trainee
    EnrolmentFactory(scheme=scheme, user=eligible[0])
    EnrolmentFactory(scheme=scheme, user=eligible[1], status="withdrawn")
    EnrolmentFactory(scheme=scheme, user=eligible[2], status="requested")

    assert uptake_by_scheme([scheme]) == {scheme.pk: (4, 1, 25.0)}


@pytest.mark.django_db
def test_the_demo_region_reproduces_the_seeds_findings(django_assert_max_num_queries):
    call_command("load_demo", verbosity=0)
    region = Region.objects.get(slug="south-london")

    # Trusts, schemes, their partners, the lists' dates, the listed trusts' placements, the
    # unlisted trust's accounts (Croydon has no list), the enrolments, and the seven reads of
    # observed against declared (reports.activity): 14 whatever the size.
    with django_assert_max_num_queries(14):
        report = region_provision(region)

    assert report["organisation_count"] == 10
    assert report["with_scheme_count"] == 8
    assert (
        report["peer_scheme_count"] == 7
    )  # trainees mentor; Croydon's consultants and SAS do not count
    assert report["peer_only_count"] == 5  # GSTT and KCH also use consultants
    assert report["opt_in_count"] == 3 and report["opt_out_count"] == 1
    assert report["outcome_data_count"] == 3
    assert 25 <= report["average_peer_uptake"] < 50
    mentors = dict(report["figures"]["mentors"])
    assert mentors["Consultants"] == 3  # Croydon, GSTT and KCH
    assert mentors["Other healthcare professionals"] == 1  # GSTT
    without = sorted(row.organisation.short_name for row in report["rows"] if not row.has_scheme)
    assert len(without) == 2
    lowest = min(
        (
            item
            for row in report["rows"]
            for item in row.schemes
            if item["scheme"].mentors_may_be_trainees and item["percent"] is not None
        ),
        key=lambda item: item["percent"],
    )
    assert lowest["scheme"].organisation.short_name == "KCH"  # the seed's lowest uptake
    # Kingston has 4 mentees of 10 eligible: a count under 5, so no uptake is shown for it.
    kingston = next(
        item
        for row in report["rows"]
        for item in row.schemes
        if row.organisation.short_name == "Kingston"
    )
    assert (str(kingston["enrolled"]), str(kingston["eligible"])) == ("fewer than 5", "10")
    assert (kingston["percent"], kingston["band"]) == (None, "Not shown")
    assert report["uptake_not_shown_count"] == 1
    training = dict(report["figures"]["training"])
    assert training["No training"] == 1  # Kingston


@pytest.mark.django_db
def test_the_query_count_does_not_grow_with_the_region(region, django_assert_num_queries):
    def add_trust(n):
        from schemes.tests.factories import OrganisationFactory

        organisation = OrganisationFactory(region=region)
        scheme = SchemeFactory(organisation=organisation)
        for _ in range(n):
            EnrolmentFactory(scheme=scheme)

    add_trust(2)
    # 13: the four reads, one for the schemes' partner trusts, one to find which trusts have a
    # trainee list (the denominator), and the seven reads of observed against declared.
    with django_assert_num_queries(13):
        region_provision(region)
    for _ in range(5):
        add_trust(6)
    with django_assert_num_queries(13):
        region_provision(region)


@pytest.mark.django_db
def test_regional_lead_reads_the_report_with_charts_and_tables(
    client, regional_lead, region, scheme
):
    client.force_login(regional_lead)
    response = client.get(reverse("reports:regions"), follow=True)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Peer mentoring provision in South London" in body
    assert 'data-chart="chart-mentors-data"' in body
    assert "vendor/chart.js/chart.umd.min.js" in body
    assert scheme.name in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("cast_member", "expected"),
    [("mentee", 403), ("organiser", 403), ("dme", 403), ("supervisor", 403)],
)
def test_only_regional_leads_read_the_provision_report(
    client, request, region, cast_member, expected
):
    client.force_login(request.getfixturevalue(cast_member))
    assert client.get(reverse("reports:provision", args=[region.slug])).status_code == expected
    assert client.get(reverse("reports:regions")).status_code == 403


@pytest.mark.django_db
def test_a_lead_of_another_region_gets_404(client, region):
    from schemes.tests.factories import RegionFactory, make_regional_lead

    elsewhere = RegionFactory(name="North West", slug="north-west")
    lead = make_regional_lead(MemberFactory(organisation=None), elsewhere)
    client.force_login(lead)
    assert client.get(reverse("reports:provision", args=[region.slug])).status_code == 404


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in(client, region):
    response = client.get(reverse("reports:provision", args=[region.slug]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_a_trust_without_a_scheme_shows_its_interest_on_the_page_and_in_the_exports(
    client, regional_lead, region, scheme, django_assert_num_queries
):
    from datetime import date

    from reports.exports import provision_tables
    from schemes.tests.factories import OrganisationFactory

    OrganisationFactory(
        region=region,
        short_name="KMH",
        scheme_interest="interested",
        scheme_interest_note="Looking for a consultant lead",
        scheme_interest_recorded_on=date(2026, 11, 3),
    )
    OrganisationFactory(region=region, short_name="QEH")  # never asked
    client.force_login(regional_lead)

    body = client.get(reverse("reports:provision", args=[region.slug])).content.decode()
    assert (
        "No scheme. Interest in one: interested (recorded 3 Nov 2026): "
        "Looking for a consultant lead." in body
    )
    assert "No scheme. Interest in one: not asked." in body
    # 13, as in test_the_query_count_does_not_grow_with_the_region: the interest comes with the
    # trust, no query more.
    with django_assert_num_queries(13):
        tables = provision_tables(region_provision(region))
    rows = {row["trust"]: row for row in tables[0].rows}
    assert rows["KMH"]["scheme_interest"] == (
        "Interested (recorded 2026-11-03): Looking for a consultant lead"
    )
    assert rows["QEH"]["scheme_interest"] == "Not asked"
    assert "scheme_interest" not in rows[scheme.organisation.short_name]
    csv = client.get(reverse("reports:provision-csv", args=[region.slug]))
    text = b"".join(csv.streaming_content).decode() if csv.streaming else csv.content.decode()
    assert "Interest in a scheme (trusts without one)" in text
    assert "Interested (recorded 2026-11-03): Looking for a consultant lead" in text
