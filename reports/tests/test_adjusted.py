"""The adjusted comparison on synthetic people whose true effects are known (no database)."""

import math

import numpy as np

from reports.adjusted import MIN_SCHEMES, Person, adjusted_comparison

REFERENCES = {"enrolment_model": "opt_in", "training": "none"}


def _logistic_people(rng, *, schemes=30, people=80, opt_out=1.0, formal=0.5, spread=0.3):
    """Log-odds −0.5 + opt_out·[opt-out] + formal·[formal], plus a scheme effect of sd `spread`."""
    result = []
    for scheme in range(schemes):
        levels = {
            "enrolment_model": "opt_out" if scheme % 2 else "opt_in",
            "training": "formal" if (scheme // 2) % 2 else "none",
        }
        log_odds = (
            -0.5
            + opt_out * (levels["enrolment_model"] == "opt_out")
            + formal * (levels["training"] == "formal")
            + rng.normal(0, spread)
        )
        chance = 1 / (1 + math.exp(-log_odds))
        result += [Person(scheme, float(rng.random() < chance), levels) for _ in range(people)]
    return result


def _term(comparison, variable):
    return next(term for term in comparison.terms if term.variable == variable)


def test_logistic_odds_ratios_point_the_right_way_and_cover_the_truth():
    people = _logistic_people(np.random.default_rng(1))
    comparison = adjusted_comparison(people, kind="logistic", references=REFERENCES)

    assert comparison.schemes == 30 and comparison.people == 2400
    opt_out, formal = _term(comparison, "enrolment_model"), _term(comparison, "training")
    assert (opt_out.level, opt_out.reference) == ("opt_out", "opt_in")
    assert opt_out.estimate > 1 and formal.estimate > 1
    assert opt_out.low <= math.exp(1.0) <= opt_out.high
    assert formal.low <= math.exp(0.5) <= formal.high


def test_the_intervals_cover_the_true_effect_in_most_replicates():
    rng = np.random.default_rng(2)
    covered = 0
    replicates = 40
    for _ in range(replicates):
        people = _logistic_people(rng, schemes=24, people=30)
        comparison = adjusted_comparison(people, kind="logistic", references=REFERENCES)
        term = _term(comparison, "enrolment_model")
        covered += term.low <= math.exp(1.0) <= term.high
    # 95% intervals; cluster-robust ones run a little narrow with few clusters.
    assert covered / replicates >= 0.85


def _linear_people(rng):
    """Days to match: 30 in opt-in schemes, 20 fewer in opt-out ones; training does nothing."""
    people = []
    for scheme in range(24):
        levels = {
            "enrolment_model": "opt_out" if scheme % 2 else "opt_in",
            "training": "formal" if (scheme // 2) % 2 else "none",
        }
        mean = 30 - 20 * (levels["enrolment_model"] == "opt_out") + rng.normal(0, 2)
        people += [Person(scheme, mean + rng.normal(0, 8), levels) for _ in range(40)]
    return people


def test_linear_differences_point_the_right_way_and_cover_the_truth_in_most_replicates():
    rng = np.random.default_rng(3)
    covered = {"enrolment_model": 0, "training": 0}
    replicates = 40
    for _ in range(replicates):
        comparison = adjusted_comparison(_linear_people(rng), kind="linear", references=REFERENCES)
        opt_out, formal = _term(comparison, "enrolment_model"), _term(comparison, "training")
        assert opt_out.high < 0  # the direction, every time
        covered["enrolment_model"] += opt_out.low <= -20 <= opt_out.high
        covered["training"] += formal.low <= 0 <= formal.high
    assert covered["enrolment_model"] / replicates >= 0.85
    assert covered["training"] / replicates >= 0.85


def test_no_model_below_the_minimum_number_of_schemes():
    people = _logistic_people(np.random.default_rng(4), schemes=MIN_SCHEMES - 1)
    assert adjusted_comparison(people, kind="logistic", references=REFERENCES) is None


def test_no_model_when_the_outcome_never_varies():
    people = [
        Person(p.scheme_id, 1.0, p.variables) for p in _logistic_people(np.random.default_rng(5))
    ]
    assert adjusted_comparison(people, kind="logistic", references=REFERENCES) is None


def test_no_model_on_perfect_separation():
    people = [
        Person(
            p.scheme_id,
            1.0 if p.variables["enrolment_model"] == "opt_out" else p.outcome,
            p.variables,
        )
        for p in _logistic_people(np.random.default_rng(6))
    ]
    assert adjusted_comparison(people, kind="logistic", references=REFERENCES) is None


def test_a_variable_with_one_level_or_no_reference_is_dropped():
    people = [
        Person(p.scheme_id, p.outcome, {**p.variables, "run_by": "trainee_led"})
        for p in _logistic_people(np.random.default_rng(7))
    ]
    comparison = adjusted_comparison(
        people,
        kind="logistic",
        references={**REFERENCES, "run_by": "trainee_led", "training": "informal"},
    )
    assert [term.variable for term in comparison.terms] == ["enrolment_model"]


def test_the_intervals_allow_for_people_in_one_scheme_being_alike():
    """With a strong scheme effect, the cluster-robust interval is wider than one that treats
    every person as independent."""
    import statsmodels.api as sm

    people = _logistic_people(np.random.default_rng(8), spread=1.0)
    comparison = adjusted_comparison(people, kind="logistic", references=REFERENCES)
    matrix = np.array(
        [
            [1.0, p.variables["enrolment_model"] == "opt_out", p.variables["training"] == "formal"]
            for p in people
        ]
    )
    naive = sm.GLM(
        np.array([p.outcome for p in people]), matrix, family=sm.families.Binomial()
    ).fit()
    naive_low, naive_high = np.exp(naive.conf_int()[1])
    term = _term(comparison, "enrolment_model")
    assert term.high / term.low > 1.5 * (naive_high / naive_low)
