"""The scheme and organisation dashboards: each figure on a small known data set, suppression,
filters in the URL, every role, and a query count that does not grow with the data."""

from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from matching.models import Pair
from matching.tests.factories import PairFactory
from meetings.tests.factories import MeetingFactory
from reports.dashboards import dashboard, mentee_enrolments
from schemes import disclosure
from schemes.tests.factories import EnrolmentFactory, MemberFactory, MentorEnrolmentFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 20)


def at(day):
    return timezone.make_aware(datetime.combine(day, time(12)))


@pytest.fixture
def known(scheme, settings):
    """Seven eligible trainees; three enrolled now (one withdrew); two matched; one meeting.

    A: CT1 Paediatrics, King's, self, enrolled 10 Jan, matched 20 Jan (10 days), met 10 Feb and
       17 Mar. B: CT2 Psychiatry, Denmark Hill, cohort, enrolled 1 Feb, matched 5 Feb (4 days),
       never met. C: CT2 Psychiatry, no site, self, enrolled 15 Mar. D: withdrew (enrolled 5 Jan).
    The mentor (ST4) and two trainees who did not enrol make seven eligible trainees.

    Counts this small are suppressed at the default threshold (schemes/disclosure.py; see
    test_the_known_data_set_is_suppressed_at_the_default_threshold), so these tests of the
    arithmetic set the threshold to 1, which shows every count.
    """
    settings.DISCLOSURE_MIN_COUNT = 1
    settings.REPORTS_ADMIN_HOURLY_RATE = 30
    scheme.admin_hours_per_month = Decimal("10")
    scheme.budget_pounds_per_year = Decimal("1200")
    scheme.save()
    organisation = scheme.organisation

    def mentee(day, **kwargs):
        user = kwargs.pop("user", {})
        return EnrolmentFactory(
            scheme=scheme,
            created_at=at(day),
            user__first_name=user.get("first_name", "Hidden"),
            user__last_name=user.get("last_name", "Person"),
            user__grade=user.get("grade", "CT2"),
            user__specialty=user.get("specialty", "Psychiatry"),
            **kwargs,
        )

    a = mentee(
        date(2026, 1, 10),
        site="King's",
        user={
            "first_name": "Zebedee",
            "last_name": "Quartermain",
            "grade": "CT1",
            "specialty": "Paediatrics",
        },
    )
    b = mentee(date(2026, 2, 1), site="Denmark Hill", source="cohort")
    mentee(date(2026, 3, 15))
    mentee(date(2026, 1, 5), status="withdrawn")
    mentor = MentorEnrolmentFactory(scheme=scheme, created_at=at(date(2026, 1, 1)))
    for _ in range(2):
        MemberFactory(organisation=organisation, grade="CT2")
    MemberFactory(organisation=organisation, grade="CONSULTANT")  # not a trainee
    pair_a = PairFactory(
        scheme=scheme, mentee_enrolment=a, mentor_enrolment=mentor, created_at=at(date(2026, 1, 20))
    )
    PairFactory(
        scheme=scheme, mentee_enrolment=b, mentor_enrolment=mentor, created_at=at(date(2026, 2, 5))
    )
    MeetingFactory(pair=pair_a, held_on=date(2026, 2, 10))
    MeetingFactory(pair=pair_a, held_on=date(2026, 3, 17))
    return scheme


def cells(rows):
    """(label, Shown) rows as the exports have them: the number, or the words."""
    return {label: value.cell() for label, value in rows}


def test_the_funnel_counts_eligible_enrolled_matched_and_meeting(known):
    funnel = dashboard([known], today=TODAY)["funnel"]

    assert (funnel.eligible, funnel.enrolled, funnel.matched, funnel.meeting) == (7, 3, 2, 1)
    assert funnel.uptake == 42.9  # 3 of 7
    assert funnel.band == "25–50%"


def test_breakdowns_by_grade_specialty_site_and_source(known):
    figures = dashboard([known], today=TODAY)

    assert cells(figures["by_grade"]) == {
        "Core trainee year 2 (CT2)": 2,
        "Core trainee year 1 (CT1)": 1,
    }
    assert cells(figures["by_specialty"]) == {"Psychiatry": 2, "Paediatrics": 1}
    assert cells(figures["by_site"]) == {"King's": 1, "Denmark Hill": 1, "Not given": 1}
    assert cells(figures["by_source"]) == {
        "Self sign-up": 2,
        "Opt-out cohort import": 1,
        "Request outside an intake window": 0,
        "Referral": 0,
        "Added by an organiser": 0,
    }


def test_months_without_enrolments_show_as_zero(scheme):
    for day in [date(2025, 11, 3)] * 5 + [date(2026, 2, 7)] * 6:
        EnrolmentFactory(scheme=scheme, created_at=at(day))

    assert cells(dashboard([scheme])["by_month"]) == {
        "Nov 2025": 5,
        "Dec 2025": 0,
        "Jan 2026": 0,
        "Feb 2026": 6,
    }


def test_enrolments_by_month_count_every_mentee_who_enrolled(known):
    figures = dashboard([known], today=TODAY)

    assert list(cells(figures["by_month"]).items()) == [
        ("Jan 2026", 2),
        ("Feb 2026", 1),
        ("Mar 2026", 1),
    ]
    assert figures["month_chart"]["type"] == "line"


def test_days_to_match_meetings_per_quarter_and_pair_health(known):
    figures = dashboard([known], today=TODAY)

    assert figures["days_to_match"]["n"].cell() == 2
    assert figures["days_to_match"]["median"] == 7  # 10 and 4 days
    assert figures["meetings_per_pair"] == [
        {"label": "2026 Q1", "meetings": 2, "pairs": disclosure.count(2), "per_pair": 1.0}
    ]
    assert cells(figures["pairs_by_state"]) == {
        "On track": 1,
        "Meeting due": 0,
        "May need a check-in": 0,
        "Too early to tell": 1,
        "Paused": 0,
        "Ended": 0,
    }


def test_opt_in_and_opt_out_count_schemes_by_model(known):
    known.enrolment_model = "opt_out"
    known.save()

    models = dict(dashboard([known], today=TODAY)["enrolment_models"])

    assert models == {"Opt-in": 0, "Opt-out": 1, "Not stated": 0}


def test_cost_per_mentee_and_per_active_pair(known):
    cost = dashboard([known], today=TODAY)["cost"]

    # 10 hours × 12 months × £30 + £1,200 = £4,800; 3 mentees; 2 active pairs.
    assert cost["total"] == Decimal("4800")
    assert cost["per_mentee"] == Decimal("1600")
    assert cost["per_active_pair"] == Decimal("2400")


def test_the_hourly_rate_is_a_setting(known, settings):
    settings.REPORTS_ADMIN_HOURLY_RATE = 40  # 10 × 12 × 40 + 1,200 = 6,000

    assert dashboard([known], today=TODAY)["cost"]["total"] == Decimal("6000")


def test_mentor_training_and_supervision_coverage(known, supervisor):
    from schemes.models import Enrolment
    from supervision.models import SessionAttendance, TrainingRecord
    from supervision.tests.factories import TrainingRecordFactory, session_with

    known.mentor_training_required = "formal_internal"
    known.save()
    mentor = Enrolment.objects.get(scheme=known, role="mentor")
    second = MentorEnrolmentFactory(scheme=known)
    TrainingRecordFactory(scheme=known, mentor=mentor.user, status=TrainingRecord.Status.VERIFIED)
    session = session_with(supervisor, [mentor, second], attendance_recorded_at=timezone.now())
    SessionAttendance.objects.filter(session=session, mentor_enrolment=mentor).update(
        status=SessionAttendance.Status.ATTENDED
    )
    SessionAttendance.objects.filter(session=session, mentor_enrolment=second).update(
        status=SessionAttendance.Status.ABSENT
    )

    mentors = dashboard([known], today=TODAY)["mentors"]

    assert (mentors["active_mentors"].cell(), mentors["trained"].cell()) == (2, 1)
    assert mentors["trained_percent"] == 50
    assert mentors["sessions_held"] == 1
    assert (mentors["attended"].cell(), mentors["recorded"].cell()) == (1, 2)
    assert mentors["attendance_percent"] == 50


def test_no_surveys_no_survey_rows(known):
    assert dashboard([known], today=TODAY)["surveys"] == []


@pytest.mark.parametrize("count", [4, 5])
def test_survey_scores_show_exactly_as_far_as_the_survey_results_do(scheme, count):
    from surveys.selectors import scheme_results
    from surveys.tests.factories import builtin, response_with

    for _ in range(count):
        response_with(scheme, builtin("mentee-follow-up"), {"content-feedback": 4})

    [survey] = dashboard([scheme])["surveys"]

    [expected] = scheme_results(scheme, include_free_text=False).surveys
    assert [(d["label"], d["value"]) for d in survey["domains"]] == [
        (entry.label, None if entry.score.suppressed else round(entry.score.value, 2))
        for entry in expected.domains
    ]
    shown = [d["value"] for d in survey["domains"] if not d["suppressed"]]
    assert shown == ([] if count == 4 else [4.0])


def test_a_meeting_dated_after_today_is_left_out(known):
    pair = Pair.objects.filter(scheme=known).first()
    MeetingFactory(pair=pair, held_on=date(2026, 6, 1))

    assert [row["label"] for row in dashboard([known], today=TODAY)["meetings_per_pair"]] == [
        "2026 Q1"
    ]


def shown(rows):
    """A list of (label, Shown) as the reader sees it."""
    return {label: str(value) for label, value in rows}


@pytest.mark.parametrize(("referrals", "expected"), [(4, "not shown"), (5, "5")])
def test_referrals_show_only_in_groups_of_five_or_more(scheme, referrals, expected):
    for _ in range(referrals):
        EnrolmentFactory(scheme=scheme, source="referral")
    for _ in range(10):
        EnrolmentFactory(scheme=scheme, source="self")
    for _ in range(6):
        EnrolmentFactory(scheme=scheme, source="cohort")

    figures = shown(dashboard([scheme])["by_source"])
    assert figures["Referral"] == expected
    assert figures["Self sign-up"] == "10"
    # 4 referrals alone would be the total less the rest: the cohort goes with them.
    assert figures["Opt-out cohort import"] == ("not shown" if referrals == 4 else "6")


def test_a_suppressed_referral_count_is_not_on_the_page(client, organiser, scheme):
    for source in ["referral"] * 4 + ["self"] * 10 + ["cohort"]:
        EnrolmentFactory(scheme=scheme, source=source)
    client.force_login(organiser)

    response = client.get(reverse("reports:scheme-dashboard", args=[scheme.slug]))

    html = response.content.decode()
    assert 'Referral</th><td class="text-end">fewer than 5' in html
    assert 'Opt-out cohort import</th><td class="text-end">fewer than 5' in html
    assert 'Self sign-up</th><td class="text-end">10' in html


# Secondary suppression: the total is on the page (the funnel; every breakdown adds up to it),
# so the other routes must not give the referrals away by subtraction.

ROUTES = ("self", "cohort", "request", "referral", "organiser")


def _sources(**counts):
    from reports.dashboards import _by_source

    rows = [{"source": source} for source, count in counts.items() for _ in range(count)]
    return shown(_by_source(rows))


def test_a_suppressed_referral_count_takes_the_next_route_with_it():
    # With the routes shown, 20 − 10 − 6 = 4 referrals; the cohort (6) is hidden with them,
    # and as it holds 5 or more, every hidden route reads "not shown".
    assert _sources(self=10, cohort=6, referral=4) == {
        "Self sign-up": "10",
        "Opt-out cohort import": "not shown",
        "Request outside an intake window": "not shown",
        "Referral": "not shown",
        "Added by an organiser": "not shown",
    }


def test_every_route_is_shown_when_none_is_one_to_four():
    assert _sources(self=7, cohort=5, referral=5) == {
        "Self sign-up": "7",
        "Opt-out cohort import": "5",
        "Request outside an intake window": "0",
        "Referral": "5",
        "Added by an organiser": "0",
    }


def test_a_small_cohort_with_referrals_shows_no_route():
    # Two mentees: with the self sign-up shown, "fewer than 5" referrals would be 1.
    assert set(_sources(referral=1, self=1).values()) == {"fewer than 5"}
    assert set(_sources(self=1).values()) == {"fewer than 5"}


def test_a_reader_who_knows_the_rule_cannot_work_out_a_suppressed_referral_count():
    """Every cohort of up to 12 mentees over the five routes: the cohorts that show the same
    figures (the total, and the breakdown by source) must hold at least two different referral
    counts whenever the referrals are 1 to 4. A reader who knows the rule can do no better than
    list these cohorts, so they cannot tell which referral count is the true one."""
    import itertools

    for total in range(0, 13):
        referrals_behind = {}
        for split in itertools.product(range(total + 1), repeat=len(ROUTES) - 1):
            if sum(split) > total:
                continue
            counts = dict(zip(ROUTES, (*split, total - sum(split)), strict=True))
            seen = tuple(_sources(**counts).items())
            referrals_behind.setdefault(seen, set()).add(counts["referral"])
        for seen, referrals in referrals_behind.items():
            if referrals & {1, 2, 3, 4}:
                assert len(referrals) >= 2, (total, seen, referrals)


# --- Views, filters and roles ------------------------------------------------------------------


def test_the_known_data_set_is_suppressed_at_the_default_threshold(known, settings):
    settings.DISCLOSURE_MIN_COUNT = 5
    figures = dashboard([known], today=TODAY)

    assert [str(value) for _, value in figures["funnel"].rows()] == [
        "7",
        "fewer than 5",
        "fewer than 5",
        "fewer than 5",
    ]
    assert figures["funnel"].uptake is None  # 3 of 7 would say 3
    assert set(cells(figures["by_grade"]).values()) == {"fewer than 5"}
    assert figures["days_to_match"]["median"] is None
    assert figures["cost"]["per_mentee"] is None and str(figures["cost"]["mentees"]) == (
        "fewer than 5"
    )


def test_a_filtered_view_shows_the_note_instead_of_routes_health_and_surveys(
    client, dme, known, settings
):
    settings.DISCLOSURE_MIN_COUNT = 5
    client.force_login(dme)
    url = reverse("reports:organisation-dashboard", args=["slam"])

    whole = client.get(url).content.decode()
    filtered = client.get(url, {"enrolled_from": "2026-01-10", "enrolled_to": "2026-01-10"})
    html = filtered.content.decode()

    assert "Routes in, pair health, survey scores and outcomes are shown for the whole" in html
    assert "Referral" not in html and "Mentees by how they joined</caption>" not in html
    assert "Pairs by state</caption>" not in html
    assert "Referral</th>" in whole and "Pairs by state</caption>" in whole
    assert "shown for the whole trust only" not in whole


def test_the_organisation_dashboard_shows_figures_and_charts_but_no_names(client, dme, known):
    client.force_login(dme)

    response = client.get(reverse("reports:organisation-dashboard", args=["slam"]))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    for chart in ("chart-funnel", "chart-grade", "chart-source", "chart-health", "chart-months"):
        assert f'data-chart="{chart}-data"' in html
    assert "<caption" in html and 'scope="col"' in html
    assert "Zebedee" not in html and "Quartermain" not in html
    assert "Hidden" not in html and "Person" not in html
    assert "@example.nhs.uk" not in html.replace(dme.email, "")


def test_the_scheme_dashboard_is_linked_from_the_organiser_nav(client, organiser, scheme):
    client.force_login(organiser)

    response = client.get(reverse("schemes:enrolments", args=[scheme.slug]))

    assert reverse("reports:scheme-dashboard", args=[scheme.slug]) in response.content.decode()


def test_filters_narrow_the_figures_and_live_in_the_url(client, dme, known):
    client.force_login(dme)
    url = reverse("reports:organisation-dashboard", args=["slam"])

    response = client.get(url, {"grade": "CT1"})

    funnel = response.context["figures"]["funnel"]
    # Only A is CT1; A's last meeting (17 March) is long past the interval by the real today.
    assert (funnel.eligible, funnel.enrolled, funnel.matched) == (1, 1, 1)
    html = response.content.decode()
    assert '<form method="get"' in html
    assert '<option value="CT1" selected>' in html
    assert "Clear filters" in html

    response = client.get(url, {"enrolled_from": "2026-02-01", "site": "Denmark Hill"})
    assert response.context["figures"]["funnel"].enrolled == 1


def test_the_date_range_chooses_the_cohort(known):
    from reports.filters import DashboardFilter

    narrowed = DashboardFilter(
        {"enrolled_from": "2026-02-01", "enrolled_to": "2026-02-28"},
        queryset=mentee_enrolments([known]),
        schemes=None,
    )
    figures = dashboard([known], enrolments=narrowed.qs, today=TODAY)

    assert figures["funnel"].enrolled == 1  # B
    assert figures["days_to_match"]["median"] == 4


def test_the_scheme_filter_narrows_the_organisation_dashboard(client, dme, known):
    from schemes.tests.factories import SchemeFactory

    other = SchemeFactory(organisation=known.organisation)
    EnrolmentFactory(scheme=other)
    client.force_login(dme)
    url = reverse("reports:organisation-dashboard", args=["slam"])

    assert client.get(url).context["figures"]["funnel"].enrolled == 4
    assert client.get(url, {"scheme": other.pk}).context["figures"]["funnel"].enrolled == 1


def test_a_dme_cannot_choose_another_trusts_organisation(client, dme, known, other_organisation):
    client.force_login(dme)
    url = reverse("reports:organisation-dashboard", args=["slam"])

    response = client.get(url, {"organisation": other_organisation.pk})

    assert response.status_code == 200
    assert response.context["organisation"].slug == "slam"


def test_a_dme_of_two_trusts_switches_with_the_organisation_filter(client, dme, other_organisation):
    from schemes.tests.factories import make_dme

    make_dme(dme, other_organisation)
    client.force_login(dme)
    url = reverse("reports:organisation-dashboard", args=["slam"])

    response = client.get(url, {"organisation": other_organisation.pk, "grade": "CT1"})

    assert response.status_code == 302
    assert response.url.startswith(
        reverse("reports:organisation-dashboard", args=[other_organisation.slug])
    )
    assert "grade=CT1" in response.url


ORGANISATION_ROLES = [
    ("dme", 200),
    ("regional_lead", 200),
    ("superuser", 403),  # the site admin is DME and lead of nothing by being admin
    ("other_dme", 404),
    ("organiser", 403),
    ("supervisor", 403),
    ("mentee", 403),
]
SCHEME_ROLES = [
    ("organiser", 200),
    ("superuser", 404),  # organiser of no scheme by being admin: a stranger to this one
    ("other_organiser", 404),
    ("other_dme", 404),
    ("dme", 403),
    ("regional_lead", 403),
    ("supervisor", 403),
    ("mentee", 403),
]


@pytest.mark.parametrize(("member", "expected"), ORGANISATION_ROLES)
def test_who_reads_the_organisation_dashboard(client, request, organisation, member, expected):
    client.force_login(request.getfixturevalue(member))

    response = client.get(reverse("reports:organisation-dashboard", args=[organisation.slug]))

    assert response.status_code == expected


@pytest.mark.parametrize(("member", "expected"), SCHEME_ROLES)
def test_who_reads_the_scheme_dashboard(client, request, scheme, member, expected):
    client.force_login(request.getfixturevalue(member))

    response = client.get(reverse("reports:scheme-dashboard", args=[scheme.slug]))

    assert response.status_code == expected


def test_anonymous_visitors_are_sent_to_log_in(client, scheme, organisation):
    for url in (
        reverse("reports:scheme-dashboard", args=[scheme.slug]),
        reverse("reports:organisation-dashboard", args=[organisation.slug]),
        reverse("reports:dashboards"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("accounts:login") in response.url


def test_the_dashboards_link_takes_a_dme_to_their_trust(client, dme, organisation):
    client.force_login(dme)

    response = client.get(reverse("reports:dashboards"))

    assert response.url == reverse("reports:organisation-dashboard", args=[organisation.slug])


def test_the_dashboards_link_lists_several_dashboards(client, organiser, organisation, scheme):
    from schemes.tests.factories import make_dme

    make_dme(organiser, organisation)
    client.force_login(organiser)

    response = client.get(reverse("reports:dashboards"))

    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("reports:scheme-dashboard", args=[scheme.slug]) in html
    assert reverse("reports:organisation-dashboard", args=[organisation.slug]) in html


def test_the_dashboards_link_refuses_trainees(client, mentee):
    client.force_login(mentee)

    assert client.get(reverse("reports:dashboards")).status_code == 403


def test_the_dashboards_nav_entry_shows_for_organisers_and_dmes_only(client, dme, mentee):
    client.force_login(dme)
    assert reverse("reports:dashboards") in client.get(reverse("accounts:profile")).content.decode()
    client.force_login(mentee)
    assert (
        reverse("reports:dashboards")
        not in client.get(reverse("accounts:profile")).content.decode()
    )


def test_the_dashboards_refuse_a_post(client, dme, organisation, organiser, scheme):
    client.force_login(dme)
    # Read-only pages: a POST is treated as a GET would be by no view; they accept GET only.
    response = client.post(reverse("reports:organisation-dashboard", args=[organisation.slug]))
    assert response.status_code == 405


# --- Queries -----------------------------------------------------------------------------------


SURVEYS = (("mentee-baseline", "at_match"), ("mentee-follow-up", "periodic"))
MORE_SURVEYS = (*SURVEYS, ("mentee-end-of-pair", "end_of_pair"), ("mentor-follow-up", "periodic"))


def _grow(scheme, mentees, *, supervisor=None, surveys=SURVEYS):
    """Add `mentees` mentees to `scheme` (half of them matched, with meetings), a trained mentor
    with a supervision session, and an invitation and a response to each of `surveys` per mentee
    (attributed, so the survey change figures have something to pair)."""
    from supervision.models import SessionAttendance
    from supervision.tests.factories import TrainingRecordFactory, session_with, verified_training
    from surveys.models import Moment
    from surveys.tests.factories import builtin, invite, response_with

    mentor = MentorEnrolmentFactory(scheme=scheme, capacity=5)
    verified_training(mentor)
    TrainingRecordFactory(scheme=scheme, mentor=mentor.user, kind="informal")
    if supervisor is not None:
        session = session_with(supervisor, [mentor], attendance_recorded_at=timezone.now())
        SessionAttendance.objects.filter(session=session).update(
            status=SessionAttendance.Status.ATTENDED
        )
    for index in range(mentees):
        enrolment = EnrolmentFactory(
            scheme=scheme,
            site=f"Site {index % 3}",
            user__specialty=f"Specialty {index % 4}",
            source="referral" if index % 5 == 0 else "self",
        )
        if index % 2 == 0:
            pair = PairFactory(
                scheme=scheme,
                mentee_enrolment=enrolment,
                mentor_enrolment=mentor,
                status=Pair.Status.ACTIVE if index % 4 else Pair.Status.ENDED,
            )
            MeetingFactory(pair=pair)
            MeetingFactory(pair=pair, held_on=date(2025, 11, 1))
        for key, moment in surveys:
            invitation = invite(enrolment.user, scheme, key=key, moment=moment)
            response_with(
                scheme,
                builtin(key),
                {"confidence-career": 1 + index % 5, "wellbeing-supported": 3}
                if key in ("mentee-baseline", "mentee-follow-up")
                else {},
                moment=Moment(moment),
                respondent=enrolment.user,
                invitation=invitation,
            )


def _queries(client, url, data):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, data)
        assert response.status_code == 200
    return len(queries)


QUERY_STRINGS = [{}, {"grade": "CT2"}, {"site": "Site 1", "enrolled_from": "2020-01-01"}]


@pytest.mark.parametrize("data", QUERY_STRINGS)
def test_the_scheme_dashboard_query_count_does_not_grow_with_the_data(
    client, organiser, supervisor, scheme, data
):
    client.force_login(organiser)
    url = reverse("reports:scheme-dashboard", args=[scheme.slug])
    _grow(scheme, 2, supervisor=supervisor)
    small = _queries(client, url, data)
    for _ in range(4):
        _grow(scheme, 10, supervisor=supervisor, surveys=MORE_SURVEYS)

    assert _queries(client, url, data) == small


@pytest.mark.parametrize("data", [*QUERY_STRINGS, {"scheme": "first"}])
def test_the_organisation_dashboard_query_count_does_not_grow_with_schemes_or_data(
    client, dme, supervisor, scheme, data
):
    """One scheme with a little data against five schemes with many times more: mentors,
    training records, supervision sessions, pairs, meetings and surveys in every one."""
    from schemes.tests.factories import SchemeFactory

    client.force_login(dme)
    url = reverse("reports:organisation-dashboard", args=[scheme.organisation.slug])
    data = {**data, "scheme": scheme.pk} if "scheme" in data else data
    _grow(scheme, 2, supervisor=supervisor)
    small = _queries(client, url, data)
    for _ in range(4):
        _grow(
            SchemeFactory(organisation=scheme.organisation),
            8,
            supervisor=supervisor,
            surveys=MORE_SURVEYS,
        )
    _grow(scheme, 8, supervisor=supervisor, surveys=MORE_SURVEYS)

    assert _queries(client, url, data) == small
