"""The figures, on data sets small enough to check by hand."""

from datetime import date

import pytest

from surveys import statistics
from surveys.models import Moment
from surveys.selectors import organisation_results, scheme_results
from surveys.tests.factories import builtin, invite, response_with

# t quantiles for a 95% interval, from printed tables: t(0.975; 4) = 2.776, t(0.975; 8) = 2.306.
T_4, T_8 = 2.776, 2.306


def test_mean_and_distribution_of_a_likert_question():
    values = [1, 2, 4, 5, 5]
    assert statistics.mean(values) == pytest.approx(3.4)
    assert statistics.distribution(values, [1, 2, 3, 4, 5]) == {1: 1, 2: 1, 3: 0, 4: 1, 5: 2}


def test_welch_interval_for_two_anonymous_groups():
    # Baseline 1,1,2,3,3: mean 2, variance 4/4 = 1. Follow-up 3,3,4,5,5: mean 4, variance 1.
    # Standard error sqrt(1/5 + 1/5) = 0.6325; Welch's degrees of freedom = 0.4² / (2 × 0.2²/4) = 8.
    change = statistics.welch_change([1, 1, 2, 3, 3], [3, 3, 4, 5, 5])
    margin = T_8 * (0.4**0.5)
    assert change.method == "welch"
    assert (change.mean_baseline, change.mean_follow_up, change.difference) == (2, 4, 2)
    assert change.low == pytest.approx(2 - margin, abs=0.001)  # 0.542
    assert change.high == pytest.approx(2 + margin, abs=0.001)  # 3.458


def test_welch_interval_with_unequal_variances_uses_fractional_degrees_of_freedom():
    # Baseline 2,3,3,4,2: mean 2.8, variance 0.7. Follow-up 4,4,3,5,4: mean 4.0, variance 0.5.
    # SE = sqrt(0.14 + 0.10) = 0.4899; df = 0.24² / (0.14²/4 + 0.10²/4) = 7.78; t = 2.3175.
    change = statistics.welch_change([2, 3, 3, 4, 2], [4, 4, 3, 5, 4])
    assert change.difference == pytest.approx(1.2)
    assert change.low == pytest.approx(1.2 - 2.3175 * 0.4899, abs=0.002)  # 0.065
    assert change.high == pytest.approx(1.2 + 2.3175 * 0.4899, abs=0.002)  # 2.335


def test_paired_interval_for_people_who_answered_both():
    # Differences 1,1,2,0,2: mean 1.2, variance 2.8/4 = 0.7, SE = sqrt(0.7/5) = 0.3742.
    pairs = [(2, 3), (3, 4), (2, 4), (4, 4), (3, 5)]
    change = statistics.paired_change(pairs)
    margin = T_4 * (0.7 / 5) ** 0.5
    assert change.method == "paired"
    assert change.difference == pytest.approx(1.2)
    assert change.low == pytest.approx(1.2 - margin, abs=0.001)  # 0.161
    assert change.high == pytest.approx(1.2 + margin, abs=0.001)  # 2.239


def test_identical_answers_give_an_interval_of_no_width():
    change = statistics.welch_change([3, 3, 3, 3, 3], [4, 4, 4, 4, 4])
    assert (change.difference, change.low, change.high) == (1, 1, 1)


def test_quarters():
    assert statistics.quarter_label(date(2026, 1, 1)) == "2026 Q1"
    assert statistics.quarter_label(date(2026, 9, 1)) == "2026 Q3"
    assert statistics.quarter_label(date(2026, 10, 1)) == "2026 Q4"


def test_the_threshold_lives_in_the_disclosure_module_not_here():
    assert not hasattr(statistics, "MIN_GROUP_SIZE") and not hasattr(statistics, "is_suppressed")


# --- On stored responses --------------------------------------------------------------------------


@pytest.mark.django_db
def test_scheme_results_on_a_known_data_set(scheme):
    follow_up = builtin("mentee-follow-up")
    # Five people; process answers (objectives, regular) and content (feedback):
    rows = [
        {"process-objectives": 1, "process-regular": 3, "content-feedback": 5},
        {"process-objectives": 2, "process-regular": 4, "content-feedback": 4},
        {"process-objectives": 4, "process-regular": 4, "content-feedback": 4},
        {"process-objectives": 5, "process-regular": 5, "content-feedback": 3},
        {"process-objectives": 5, "content-feedback": 5},  # skipped "regular"
    ]
    for row in rows:
        response_with(scheme, follow_up, row, month=date(2026, 2, 1))
    [survey] = scheme_results(scheme, include_free_text=True).surveys

    assert survey.responses == 5 and not survey.suppressed
    objectives = next(q for q in survey.questions if q.code == "process-objectives")
    assert objectives.mean == pytest.approx(3.4)
    # Counts of 1, 1, 0, 1 and 2 people: each is under five, so every one reads "fewer than 5"
    # (the 0 too, so that it cannot betray the others) and no share is given.
    assert [(str(o.people), o.percent) for o in objectives.options] == [("fewer than 5", None)] * 5
    assert objectives.options[0].label == "1 – Strongly disagree"
    regular = next(q for q in survey.questions if q.code == "process-regular")
    assert regular.n == 4 and regular.suppressed and regular.mean is None
    # Process score: each person's mean, then the mean of those: (2 + 3 + 4 + 5 + 5) / 5 = 3.8.
    scores = {entry.domain: entry.score for entry in survey.domains}
    assert scores["process"].n == 5
    assert scores["process"].value == pytest.approx(3.8)
    assert scores["content"].value == pytest.approx(4.2)
    assert scores["outcome"].n == 0 and scores["outcome"].suppressed


@pytest.mark.django_db
def test_change_from_anonymous_baseline_to_follow_up_compares_group_means(scheme):
    baseline, follow_up = builtin("mentee-baseline"), builtin("mentee-follow-up")
    for value in [1, 1, 2, 3, 3]:
        response_with(scheme, baseline, {"confidence-career": value}, moment=Moment.AT_MATCH)
    for value in [3, 3, 4, 5, 5]:
        response_with(scheme, follow_up, {"confidence-career": value}, moment=Moment.PERIODIC)

    changes = {item.code: item for item in scheme_results(scheme, include_free_text=False).changes}
    career = changes["confidence-career"]
    assert career.method == "welch"
    assert (career.n_baseline, career.n_follow_up) == (5, 5)
    assert career.change.difference == pytest.approx(2)
    assert career.change.low == pytest.approx(2 - T_8 * 0.4**0.5, abs=0.001)
    # Items nobody answered are not listed; items under five a group say so.
    assert "wellbeing-overall" not in changes


@pytest.mark.django_db
def test_change_for_named_surveys_is_measured_person_by_person(scheme):
    from schemes.tests.factories import EnrolmentFactory

    baseline, follow_up = builtin("mentee-baseline"), builtin("mentee-follow-up")
    pairs = [(2, 3), (3, 4), (2, 4), (4, 4), (3, 5)]
    for index, (before, after) in enumerate(pairs):
        person = EnrolmentFactory(scheme=scheme).user
        first = invite(
            person, scheme, key="mentee-baseline", moment=Moment.AT_MATCH, period=f"b{index}"
        )
        second = invite(person, scheme, key="mentee-follow-up", period=f"f{index}")
        response_with(
            scheme, baseline, {"confidence-career": before}, moment=Moment.AT_MATCH,
            respondent=person, invitation=first,
        )  # fmt: skip
        response_with(
            scheme, follow_up, {"confidence-career": after}, moment=Moment.PERIODIC,
            respondent=person, invitation=second,
        )  # fmt: skip

    [career] = scheme_results(scheme, include_free_text=False).changes
    assert career.method == "paired" and career.n_baseline == 5
    assert career.change.difference == pytest.approx(1.2)
    assert career.change.low == pytest.approx(1.2 - T_4 * (0.7 / 5) ** 0.5, abs=0.001)


@pytest.mark.django_db
@pytest.mark.parametrize(("count", "shown"), [(4, False), (5, True)])
def test_change_needs_five_in_each_group(scheme, count, shown):
    baseline, follow_up = builtin("mentee-baseline"), builtin("mentee-follow-up")
    for value in [1, 2, 3, 4, 5][:count]:
        response_with(scheme, baseline, {"wellbeing-overall": value}, moment=Moment.AT_MATCH)
    for value in [2, 3, 4, 5, 5, 4]:
        response_with(scheme, follow_up, {"wellbeing-overall": value}, moment=Moment.PERIODIC)
    [item] = scheme_results(scheme, include_free_text=False).changes
    assert (item.change is not None) is shown


def content_score(quarter):
    return next(entry.score for entry in quarter.scores if entry.domain == "content")


@pytest.mark.django_db
def test_trend_by_quarter_gives_each_quarter_of_five_or_more_its_score(scheme):
    follow_up = builtin("mentee-follow-up")
    for value in [4, 4, 5, 5, 2]:
        response_with(scheme, follow_up, {"content-feedback": value}, month=date(2026, 2, 1))
    for value in [3, 3, 3, 3, 3, 3]:
        response_with(scheme, follow_up, {"content-feedback": value}, month=date(2026, 4, 1))
    [survey] = scheme_results(scheme, include_free_text=False).surveys
    q1, q2 = survey.trend
    assert (q1.label, q1.n, q1.suppressed) == ("2026 Q1", 5, False)
    assert (q2.label, q2.n, q2.suppressed) == ("2026 Q2", 6, False)
    assert [content_score(q).value for q in (q1, q2)] == [pytest.approx(4.0), pytest.approx(3.0)]
    assert [str(q.responses["content"]) for q in (q1, q2)] == ["5", "6"]


@pytest.mark.django_db
def test_trend_by_quarter_hides_a_quarter_under_five_with_the_next_smallest(scheme):
    """The quarters add up to the domain's responses (19, shown): the 3 is hidden, and the 6 with
    it, score and all, so that 19 - 10 cannot be split between them."""
    follow_up = builtin("mentee-follow-up")
    for month, how_many in ((date(2026, 2, 1), 10), (date(2026, 4, 1), 6), (date(2026, 7, 1), 3)):
        for _ in range(how_many):
            response_with(scheme, follow_up, {"content-feedback": 4}, month=month)
    [survey] = scheme_results(scheme, include_free_text=False).surveys
    content = [(str(q.responses["content"]), content_score(q).value) for q in survey.trend]
    assert content == [("10", pytest.approx(4.0)), ("not shown", None), ("not shown", None)]
    assert next(entry for entry in survey.domains if entry.domain == "content").score.n == 19


@pytest.mark.django_db
def test_organisation_results_pool_its_schemes_and_never_carry_free_text(organisation, scheme):
    from schemes.tests.factories import SchemeFactory

    second = SchemeFactory(organisation=organisation)
    follow_up = builtin("mentee-follow-up")
    for target, value in [(scheme, 4), (scheme, 4), (scheme, 5), (second, 2), (second, 5)]:
        response_with(target, follow_up, {"content-feedback": value, "follow-up-improve": "More"})
    [survey] = organisation_results(organisation).surveys
    feedback = next(q for q in survey.questions if q.code == "content-feedback")
    assert feedback.n == 5 and feedback.mean == pytest.approx(4.0)
    free = next(q for q in survey.questions if q.code == "follow-up-improve")
    assert free.n == 5 and free.free_text is None
    # Each scheme alone is under five.
    assert scheme_results(scheme, include_free_text=True).surveys[0].suppressed
