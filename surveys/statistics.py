"""The arithmetic of survey results, on plain numbers: no Django, no database.

Change between baseline and follow-up for a repeated item is reported as the mean change with a
95% confidence interval, by one of two methods:

- `paired_change`: when each person's answers can be linked (the surveys are not anonymous):
  the mean of each person's follow-up minus baseline, with a one-sample t-interval on those
  differences (degrees of freedom n - 1).
- `welch_change`: when the surveys are anonymous. Anonymous answers cannot be linked to each
  other any more than to a person (we keep no pseudonymous key with them: a key that links two
  answers is a key that, with the secret, links them to their author). So the change is the
  difference of the two group means, with Welch's interval, which does not assume the groups
  have equal variances (Welch–Satterthwaite degrees of freedom). It treats the groups as
  independent although many people are in both, so the interval is, if anything, wider than a
  paired one would be.

Both use the t quantile from scipy.stats. Whether a group is big enough for any of these figures
is not decided here: callers ask schemes.disclosure (`enough`) first, so the small-numbers
threshold has one home (settings.DISCLOSURE_MIN_COUNT).
"""

import math
from dataclasses import dataclass

from scipy import stats

CONFIDENCE = 0.95


def mean(values):
    values = list(values)
    return sum(values) / len(values) if values else None


def sample_variance(values):
    values = list(values)
    centre = mean(values)
    return sum((value - centre) ** 2 for value in values) / (len(values) - 1)


def distribution(values, options):
    """{option: count} for each option, in the order given (values not among them are left out)."""
    counts = dict.fromkeys(options, 0)
    for value in values:
        if value in counts:
            counts[value] += 1
    return counts


@dataclass(frozen=True)
class Change:
    method: str  # "paired" or "welch"
    n_baseline: int
    n_follow_up: int
    mean_baseline: float
    mean_follow_up: float
    difference: float
    low: float
    high: float

    @property
    def n_pairs(self):
        return self.n_baseline if self.method == "paired" else None


def _t_quantile(degrees_of_freedom):
    return float(stats.t.ppf(1 - (1 - CONFIDENCE) / 2, degrees_of_freedom))


def welch_change(baseline, follow_up):
    """Follow-up mean minus baseline mean, with Welch's 95% interval. Needs 2+ in each group."""
    baseline, follow_up = list(baseline), list(follow_up)
    n1, n2 = len(baseline), len(follow_up)
    if n1 < 2 or n2 < 2:
        raise ValueError("Welch's interval needs at least two values in each group.")
    m1, m2 = mean(baseline), mean(follow_up)
    v1, v2 = sample_variance(baseline) / n1, sample_variance(follow_up) / n2
    difference = m2 - m1
    standard_error = math.sqrt(v1 + v2)
    if standard_error == 0:
        low = high = difference  # every answer the same in both groups: no uncertainty to show
    else:
        degrees_of_freedom = (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1))
        margin = _t_quantile(degrees_of_freedom) * standard_error
        low, high = difference - margin, difference + margin
    return Change("welch", n1, n2, m1, m2, difference, low, high)


def paired_change(pairs):
    """Mean of (follow-up - baseline) over people, with a paired 95% t-interval. Needs 2+."""
    pairs = list(pairs)
    n = len(pairs)
    if n < 2:
        raise ValueError("A paired interval needs at least two people.")
    differences = [after - before for before, after in pairs]
    difference = mean(differences)
    standard_error = math.sqrt(sample_variance(differences) / n)
    margin = _t_quantile(n - 1) * standard_error
    return Change(
        "paired",
        n,
        n,
        mean(before for before, _ in pairs),
        mean(after for _, after in pairs),
        difference,
        difference - margin,
        difference + margin,
    )


def quarter_label(day):
    return f"{day.year} Q{(day.month - 1) // 3 + 1}"
