"""The adjusted comparison of scheme designs: a regression with scheme as a cluster, on plain
numbers (no Django).

The evaluation page sets each scheme variable beside an outcome one at a time; but schemes differ
in several ways at once, so opt-out schemes may look better only because more of them also train
their mentors. A regression on all the variables together compares each level with its reference
with the others held equal. People in one scheme are more alike than people in two (the same
organiser, the same mentors), so the standard errors are cluster-robust with the scheme as the
cluster (statsmodels' `cov_type="cluster"`), which keeps the intervals honest about how few
schemes there really are. Below MIN_SCHEMES schemes a fitted model would mostly describe chance,
so none is fitted and the page shows the data alone.

- "logistic": a binomial GLM with the logit link; each term is an odds ratio with its 95%
  interval.
- "linear": ordinary least squares (a Gaussian GLM); each term is a difference in means.

The design is treatment-coded: one indicator per level that occurs, against the reference level;
a variable with one level in the data is dropped (nothing to compare). Data that cannot be
fitted (an outcome that never varies, perfect separation, a singular design, no convergence)
gives None, never an exception: the page then says no model could be fitted.
"""

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

MIN_SCHEMES = 20  # below this, no model is fitted
CONFIDENCE = 0.95
# A log-odds this large (an odds ratio over 10^8) only comes from a level whose outcome never
# varies: the fit has run off to infinity rather than found an effect.
SEPARATED = 20


@dataclass(frozen=True)
class Term:
    variable: str  # e.g. "enrolment_model"
    level: str  # e.g. "opt_out"
    reference: str  # e.g. "opt_in"
    estimate: float  # odds ratio (logistic) or difference in means (linear)
    low: float  # 95% interval, cluster-robust
    high: float
    p_value: float


@dataclass(frozen=True)
class AdjustedComparison:
    kind: str  # "logistic" or "linear"
    people: int
    schemes: int
    terms: list[Term]
    method: str  # plain words for the page's method note


@dataclass(frozen=True)
class Person:
    scheme_id: int
    outcome: float  # 0 or 1 for logistic, a number for linear
    variables: Mapping[str, str]  # the scheme's level of each variable


def _design(people, references):
    """(matrix with an intercept column, [(variable, level, reference)] per other column)."""
    columns = []
    for variable, reference in references.items():
        levels = sorted({person.variables[variable] for person in people})
        if len(levels) < 2 or reference not in levels:
            continue  # nothing to compare, or nothing to compare with
        columns += [(variable, level, reference) for level in levels if level != reference]
    matrix = np.ones((len(people), len(columns) + 1))
    for row, person in enumerate(people):
        for column, (variable, level, _reference) in enumerate(columns, start=1):
            matrix[row, column] = float(person.variables[variable] == level)
    return matrix, columns


def adjusted_comparison(
    people: Sequence[Person], *, kind: str, references: Mapping[str, str]
) -> AdjustedComparison | None:
    """The regression of the people's outcome on their schemes' variables, or None when there
    are fewer than MIN_SCHEMES schemes, the outcome does not vary, no variable varies, or the
    model cannot be fitted. A reference level absent from the data drops its variable."""
    if kind not in ("logistic", "linear"):
        raise ValueError(kind)
    people = list(people)
    schemes = sorted({person.scheme_id for person in people})
    outcome = np.array([person.outcome for person in people], dtype=float)
    if len(schemes) < MIN_SCHEMES or len(set(outcome.tolist())) < 2:
        return None
    matrix, columns = _design(people, references)
    if not columns or np.linalg.matrix_rank(matrix) < matrix.shape[1]:
        return None
    groups = np.array([schemes.index(person.scheme_id) for person in people])
    fitted = _fit(kind, outcome, matrix, groups)
    if fitted is None:
        return None
    params, intervals, p_values = fitted
    terms = []
    for index, (variable, level, reference) in enumerate(columns, start=1):
        estimate, low, high = params[index], intervals[index][0], intervals[index][1]
        if kind == "logistic":
            estimate, low, high = math.exp(estimate), math.exp(low), math.exp(high)
        terms.append(Term(variable, level, reference, estimate, low, high, float(p_values[index])))
    return AdjustedComparison(
        kind=kind,
        people=len(people),
        schemes=len(schemes),
        terms=terms,
        method=(
            "Logistic regression (odds ratios)"
            if kind == "logistic"
            else "Linear regression (differences in means)"
        )
        + " on all the scheme choices at once, with 95% intervals from standard errors robust"
        " to people in one scheme being alike (scheme as the cluster).",
    )


def _fit(kind, outcome, matrix, groups):
    """(coefficients, 95% intervals, p-values) or None when statsmodels cannot fit the data."""
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import (
        ConvergenceWarning,
        PerfectSeparationError,
        PerfectSeparationWarning,
    )

    family = sm.families.Binomial() if kind == "logistic" else sm.families.Gaussian()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        warnings.simplefilter("error", PerfectSeparationWarning)
        warnings.simplefilter("error", RuntimeWarning)
        try:
            # t quantiles on (clusters − 1) degrees of freedom: with a few dozen schemes the
            # normal ones make cluster-robust intervals too narrow.
            result = sm.GLM(outcome, matrix, family=family).fit(
                cov_type="cluster", cov_kwds={"groups": groups}, use_t=True
            )
            intervals = result.conf_int(alpha=1 - CONFIDENCE)
        except (
            ConvergenceWarning,
            PerfectSeparationWarning,
            PerfectSeparationError,
            RuntimeWarning,
            np.linalg.LinAlgError,
            ValueError,
        ):
            return None
    values = np.concatenate([result.params, intervals.ravel(), result.pvalues])
    if not np.all(np.isfinite(values)):
        return None
    if kind == "logistic" and np.any(np.abs(result.params) > SEPARATED):
        return None  # near-perfect separation: the odds ratios would be meaningless
    return result.params, intervals, result.pvalues
