"""The evaluation across schemes, on a synthetic region whose true effects are known."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports.evaluation import _parts_included, evaluate
from reports.outcomes import outcome_comparison
from reports.provision import region_provision
from schemes.selectors import region_organisations, region_schemes
from schemes.tests.factories import MemberFactory, make_dme, make_regional_lead

from .evaluation_world import (
    PERIOD,
    TRUE_ARCP_MENTEES,
    TRUE_ARCP_NON_PARTICIPANTS,
    TRUE_DAYS,
    TRUE_MEETING,
    TRUE_UPTAKE,
    TRUE_WELLBEING_CHANGE,
    synthetic_region,
)


def _evaluate(world, **kwargs):
    return evaluate(
        region_schemes(world.region),
        [organisation.pk for organisation in region_organisations(world.region)],
        **kwargs,
    )


def _row(result, label):
    return next(row for row in result.rows if row.label == label)


def _covers(estimate, truth):
    return estimate.low <= truth <= estimate.high


@pytest.fixture
def world(db):
    return synthetic_region()


def test_the_page_recovers_each_true_effect_and_its_intervals_cover_the_truth(world):
    evaluation = _evaluate(world)

    uptake = evaluation.result("uptake")
    opt_in = _row(uptake, "Enrolment: Opt-in").estimate
    opt_out = _row(uptake, "Enrolment: Opt-out").estimate
    assert opt_out.value > opt_in.value
    assert _covers(opt_in, TRUE_UPTAKE["opt_in"]) and _covers(opt_out, TRUE_UPTAKE["opt_out"])
    assert opt_in.n == opt_out.n == 4 * 160 and opt_in.schemes == opt_out.schemes == 4

    days = evaluation.result("match_days")
    opt_in, opt_out = (
        _row(days, f"Enrolment: {level}").estimate for level in ("Opt-in", "Opt-out")
    )
    assert opt_out.value < opt_in.value
    assert _covers(opt_in, TRUE_DAYS["opt_in"]) and _covers(opt_out, TRUE_DAYS["opt_out"])

    meeting = evaluation.result("meeting")
    peer = _row(meeting, "Mentors: Peer: trainees mentor").estimate
    senior = _row(meeting, "Mentors: Senior mentors only").estimate
    assert peer.value > senior.value
    assert _covers(peer, TRUE_MEETING["peer"]) and _covers(senior, TRUE_MEETING["senior"])

    wellbeing = evaluation.result("survey_wellbeing")
    formal = _row(wellbeing, "Training required of mentors: Formal training").estimate
    untrained = _row(wellbeing, "Training required of mentors: None").estimate
    assert formal.value > untrained.value
    assert _covers(formal, TRUE_WELLBEING_CHANGE["formal"])
    assert _covers(untrained, TRUE_WELLBEING_CHANGE["none"])

    arcp = evaluation.result("arcp_mentees")
    formal = _row(arcp, "Training required of mentors: Formal training")
    untrained = _row(arcp, "Training required of mentors: None")
    assert formal.estimate.value > untrained.estimate.value
    assert _covers(formal.estimate, TRUE_ARCP_MENTEES["formal"])
    assert _covers(untrained.estimate, TRUE_ARCP_MENTEES["none"])
    assert _covers(arcp.overall.comparison, TRUE_ARCP_NON_PARTICIPANTS)
    assert evaluation.period == PERIOD


def test_a_scheme_too_small_to_show_is_in_no_figure(world):
    evaluation = _evaluate(world)
    small = next(row for row in evaluation.schemes if row.scheme == world.small_scheme)

    assert not any(estimate.shown for estimate in small.figures.values())
    for key in ("uptake", "match_days", "meeting", "survey_wellbeing", "arcp_mentees"):
        result = evaluation.result(key)
        assert result.parts_left_out >= 1, key
        schemes_counted = {row.estimate.schemes for row in result.rows}
        assert 9 not in schemes_counted, key
    # The pooled uptake is exactly the eight shown schemes': nothing of the small one to subtract.
    shown = [row.figures["uptake"] for row in evaluation.schemes if row.figures["uptake"].shown]
    assert evaluation.result("uptake").overall.estimate.n == sum(item.n for item in shown)


def test_uptake_is_the_provision_reports_figure(world):
    evaluation = _evaluate(world)
    provision = region_provision(world.region)
    shown = {
        item["scheme"].pk: item
        for row in provision["rows"]
        for item in row.schemes
        if item["percent"] is not None
    }

    for row in evaluation.schemes:
        figure = row.figures["uptake"]
        assert figure.shown == (row.scheme.pk in shown)
        if figure.shown:
            item = shown[row.scheme.pk]
            assert figure.n == item["eligible"].value
            assert round(figure.value, 1) == item["percent"]


def test_each_trusts_figures_are_its_outcome_reports_figures(world):
    compared = 0
    for organisation in world.organisations:
        groups = {g.key: g for g in outcome_comparison(organisation, PERIOD)["groups"]}
        mentees, non_participants = groups["mentees"], groups["non_participants"]
        evaluation = evaluate(region_schemes(world.region), [organisation.pk])
        row = evaluation.result("arcp_mentees").overall
        if mentees.suppressed or mentees.satisfactory_percent is None:
            assert not row.estimate.shown  # the trust's report hides it: so does this page
            continue
        assert (row.estimate.n, round(row.estimate.value)) == (
            mentees.people,
            mentees.satisfactory_percent,
        )
        if not non_participants.suppressed and non_participants.satisfactory_percent is not None:
            assert (row.comparison.n, round(row.comparison.value)) == (
                non_participants.people,
                non_participants.satisfactory_percent,
            )
            compared += 1
    assert compared >= 6


def test_the_query_count_does_not_grow_with_the_region(db):
    def queries(world):
        with CaptureQueriesContext(connection) as context:
            _evaluate(world)
        return len(context.captured_queries)

    small = synthetic_region(trainees=30)
    small_count = queries(small)
    larger = synthetic_region(trainees=30, copies=2, seed=8, name="Larger Region")
    assert queries(larger) == small_count


def test_an_unknown_training_year_shows_the_latest(world):
    assert _evaluate(world, period="1999/00").period == PERIOD
    assert _evaluate(world, period="<script>").period == PERIOD


@pytest.mark.parametrize(
    ("shown", "included"),
    [
        # Two trusts sharing a scheme run for both: one part too small takes all three parts.
        (
            {(1, 10): True, (1, 20): False, (2, 20): True, (3, 30): True},
            {(3, 30)},
        ),
        # Nothing small: everything counts.
        ({(1, 10): True, (2, 20): True}, {(1, 10), (2, 20)}),
        # A trust's second scheme too small: the trust's first goes too.
        ({(1, 10): True, (2, 10): False, (3, 20): True}, {(3, 20)}),
    ],
)
def test_a_part_that_cannot_be_shown_takes_every_part_it_could_be_subtracted_from(shown, included):
    assert _parts_included(shown) == included


# --- The pages -------------------------------------------------------------------------------


@pytest.fixture
def lead(world):
    return make_regional_lead(MemberFactory(organisation=world.organisations[0]), world.region)


def test_a_regional_lead_reads_the_evaluation_with_its_method(client, world, lead):
    client.force_login(lead)
    response = client.get(reverse("reports:evaluation", args=[world.region.slug]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Which ways of running a scheme work: Synthetic Region" in page
    assert "These comparisons are observational." in page
    assert "Wilson" in page and "t interval" in page and "Welch" in page
    assert 'id="chart-uptake"' in page  # the chart's data beside its table
    assert "Enrolment: Opt-out" in page
    assert "too few to separate one choice from another" in page  # 9 schemes: no model
    assert "Synthetic scheme 99" in page  # listed, with no figures


@pytest.mark.parametrize("who", ["dme", "trainee", "other_lead"])
def test_others_may_not_read_a_regions_evaluation(client, world, who):
    organisation = world.organisations[0]
    user = MemberFactory(organisation=organisation)
    if who == "dme":
        make_dme(user, organisation)
    elif who == "other_lead":
        from schemes.tests.factories import RegionFactory

        make_regional_lead(user, RegionFactory(name="Elsewhere", slug="elsewhere"))
    client.force_login(user)

    response = client.get(reverse("reports:evaluation", args=[world.region.slug]))

    assert response.status_code in (403, 404)
    assert b"Opt-out" not in response.content


def test_signing_in_comes_first(client, world):
    url = reverse("reports:evaluation", args=[world.region.slug])
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(
        reverse(settings.LOGIN_URL)
    )


def test_a_dme_reads_their_trusts_evaluation_and_no_other(client, world):
    organisation, other = world.organisations[4], world.organisations[5]
    dme = make_dme(MemberFactory(organisation=organisation), organisation)
    client.force_login(dme)

    response = client.get(reverse("reports:trust-evaluation", args=[organisation.slug]))
    assert response.status_code == 200
    assert f"Which ways of running a scheme work: {organisation.name}" in response.content.decode()
    assert "Synthetic scheme 4" in response.content.decode()
    assert "Synthetic scheme 5" not in response.content.decode()

    response = client.get(reverse("reports:trust-evaluation", args=[other.slug]))
    assert response.status_code in (403, 404)
    assert b"Synthetic scheme 5" not in response.content


HOSTILE = ["", "2025", "2025/26' OR 1=1 --", "%00", "x" * 5000, "２０２５/２６", "../../etc/passwd"]


@pytest.mark.parametrize("period", HOSTILE)
def test_hostile_training_years_show_the_latest_and_nothing_breaks(client, world, lead, period):
    client.force_login(lead)
    response = client.get(
        reverse("reports:evaluation", args=[world.region.slug]), {"period": period}
    )
    assert response.status_code == 200
    assert f'<option value="{PERIOD}" selected>' in response.content.decode()


def test_with_enough_schemes_an_adjusted_comparison_recovers_the_effects(db, client):
    world = synthetic_region(trainees=120, copies=3)  # 24 schemes, and the small one
    evaluation = _evaluate(world)
    models = {measure.key: model for measure, model in evaluation.adjusted}

    uptake = next(t for t in models["uptake"].terms if t.label == "Enrolment: Opt-out")
    true_odds_ratio = (70 / 30) / (30 / 70)
    assert uptake.reference == "Opt-in"
    assert 1 < uptake.low <= true_odds_ratio <= uptake.high
    meeting = next(t for t in models["meeting"].terms if t.label.startswith("Mentors:"))
    assert meeting.label == "Mentors: Senior mentors only" and meeting.high < 1
    days = next(t for t in models["match_days"].terms if t.label == "Enrolment: Opt-out")
    assert days.low <= TRUE_DAYS["opt_out"] - TRUE_DAYS["opt_in"] <= days.high < 0
    assert models["uptake"].schemes == 24  # the small scheme is in no model either

    lead = make_regional_lead(MemberFactory(organisation=world.organisations[0]), world.region)
    client.force_login(lead)
    page = client.get(reverse("reports:evaluation", args=[world.region.slug])).content.decode()
    assert "Odds ratio" in page and "scheme as the cluster" in page
    assert "Enrolment: Opt-out" in page


def test_a_region_with_no_scheme_yet_says_so_and_breaks_nothing(client, db):
    from schemes.tests.factories import OrganisationFactory, RegionFactory

    region = RegionFactory(name="Empty", slug="empty")
    organisation = OrganisationFactory(region=region)
    lead = make_regional_lead(MemberFactory(organisation=organisation), region)
    client.force_login(lead)

    response = client.get(reverse("reports:evaluation", args=[region.slug]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "0 schemes in scope." in page
    assert "No trust in scope has imported ARCP outcomes" in page


def test_days_to_match_count_the_dashboards_matched_mentees(world):
    from reports.dashboards import dashboard
    from schemes.models import Enrolment

    scheme = world.schemes[0]
    # A matched mentee who has since withdrawn is matched no longer, on either page.
    Enrolment.objects.filter(scheme=scheme, role="mentee").filter(
        pk=Enrolment.objects.filter(scheme=scheme, role="mentee").first().pk
    ).update(status="withdrawn")
    evaluation = _evaluate(world)
    figures = dashboard([scheme])
    row = next(row for row in evaluation.schemes if row.scheme == scheme)

    assert row.figures["match_days"].n == figures["funnel"].matched
    assert row.figures["match_days"].n == figures["days_to_match"]["n"].value
