"""A figure with its 95% confidence interval and the number behind it, on plain numbers.

- A proportion gets Wilson's score interval (statsmodels' `proportion_confint`), which keeps
  inside 0–100% and holds its coverage near 0% and 100%, where the textbook interval does not.
- A mean gets a t interval (scipy's t quantile, n − 1 degrees of freedom).
- A change from baseline to follow-up gets Welch's interval (surveys.statistics, which says why
  the answers cannot be paired).

Each treats people as independent. People in one scheme are more alike than people in two, so
for figures pooled over schemes the intervals are, if anything, too narrow; the adjusted
comparison (reports.adjusted) takes the scheme as a cluster. Whether a figure may be shown at
all is not decided here: callers ask schemes.disclosure first.
"""

import math
from dataclasses import dataclass

from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from surveys.statistics import welch_change

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Estimate:
    """A figure as shown: `value` with its interval, or None when it may not be shown. `n` is
    the number of people (or pairs, or responses) behind it, `schemes` the schemes."""

    value: float | None
    low: float | None = None
    high: float | None = None
    n: int = 0
    schemes: int = 0
    unit: str = ""
    places: int = 0

    @property
    def shown(self) -> bool:
        return self.value is not None

    def _format(self, number: float) -> str:
        text = f"{number:.{self.places}f}"
        return "0" if text.lstrip("-").strip("0.") == "" else text

    @property
    def value_text(self) -> str:
        return f"{self._format(self.value)}{self.unit}" if self.value is not None else ""

    @property
    def interval_text(self) -> str:
        if self.low is None or self.high is None:
            return ""
        return f"{self._format(self.low)} to {self._format(self.high)}{self.unit}"


NOT_SHOWN = Estimate(None)


def proportion(successes: int, n: int, *, schemes: int = 0) -> Estimate:
    """successes ÷ n as a percentage, with Wilson's 95% interval."""
    low, high = proportion_confint(successes, n, alpha=1 - CONFIDENCE, method="wilson")
    return Estimate(
        100 * successes / n, 100 * low, 100 * high, n=n, schemes=schemes, unit="%", places=0
    )


def mean(values: list[float], *, schemes: int = 0, unit: str = "", places: int = 1) -> Estimate:
    """The mean of `values` with a 95% t interval (two values at least)."""
    n = len(values)
    centre = sum(values) / n
    variance = sum((value - centre) ** 2 for value in values) / (n - 1)
    margin = float(stats.t.ppf(1 - (1 - CONFIDENCE) / 2, n - 1)) * math.sqrt(variance / n)
    return Estimate(
        centre, centre - margin, centre + margin, n=n, schemes=schemes, unit=unit, places=places
    )


def change(baseline: list[float], follow_up: list[float], *, schemes: int = 0) -> Estimate:
    """Follow-up mean minus baseline mean, with Welch's 95% interval; n is the smaller group."""
    result = welch_change(baseline, follow_up)
    return Estimate(
        result.difference,
        result.low,
        result.high,
        n=min(len(baseline), len(follow_up)),
        schemes=schemes,
        places=2,
    )


def ratio(total: float, people: int, *, schemes: int = 0, unit: str = "", places: int = 1):
    """total ÷ people, with no interval (only the total of each scheme is known)."""
    return Estimate(total / people, n=people, schemes=schemes, unit=unit, places=places)
