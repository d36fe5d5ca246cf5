"""Disclosure control: the one place that decides how a count of people is shown to staff.

Every aggregate that staff see about people — dashboards, charts, CSV and XLSX exports, the
print-ready report, survey results, training and supervision coverage, outcomes — goes through
this module, so the rules live here and nowhere else. The threshold is the setting
`DISCLOSURE_MIN_COUNT` (default 5), read at each call.

The rules, with T = DISCLOSURE_MIN_COUNT:

1. Primary suppression. A count of people from 1 to T−1 is shown as "fewer than T"; 0 and
   counts of T or more are shown exactly.

   NHS England's rule for Hospital Episode Statistics (the HES Analysis Guide) suppresses
   counts of 1 to 7 and rounds every other count to the nearest 5. This product departs from
   it on purpose. Its readers are accountable staff of the trust (organisers, Directors of
   Medical Education, regional leads) reading management information about their own
   schemes, not a publication to the world; uptake, cost per mentee and the number of pairs
   need exact denominators to be any use. And rounding does not stop differencing anyway:
   two views whose true counts are 23 and 22 round to 25 and 20, and the difference of 5
   tells whoever took both views that at least one of the people in a one-person difference
   set is in the category. What stops differencing is rules 2 and 3, so counts that are
   shown are shown exactly. T is a setting so that a trust whose information governance asks
   for a higher threshold (for example 8, to match HES) can have one.

2. Secondary suppression, within every group of cells that adds up to a shown total (a
   breakdown by grade, specialty or site; the routes in; pair health states; training and
   supervision states). Once one cell is suppressed a reader could otherwise recover it as
   the total less the cells shown. So:

   - once any cell of a group is suppressed, every cell of 0 to T−1 in the group is hidden
     with it and reads "fewer than T", so a 0 shown beside a suppressed cell cannot betray
     it;
   - if that leaves one cell hidden, or hidden cells that hold fewer than T people between
     them (total less the cells shown would be 1 to T−1), the next-smallest cell is hidden
     too, and so on, smallest first;
   - a reader who knows this rule must not be able to narrow a hidden cell down either: if
     "fewer than T" beside every hidden cell could only mean T−1 each, one more cell is
     hidden; and when a hidden cell holds T or more, every hidden cell of the group reads
     "not shown" (since "fewer than T" would not be true of it), and cells are hidden until
     the small ones could still be anything from 1 to T−1 given that each hidden large cell
     is at least T and at most the smallest cell shown — in the end, every cell;
   - if the group's total is itself 1 to T−1, every cell of the group is suppressed.

   Ties between equal cells go to the one listed first, so the choice depends only on the
   counts. schemes/tests/test_disclosure.py checks every group of two to five cells of small
   counts: the total less the cells shown is never 1 to T−1, and no cell of 1 to T−1 is the
   only value consistent with what is shown.

3. Sensitive categories — how a mentee came (self sign-up, cohort, request, referral), pair
   health states, survey figures and outcomes — are shown only in the unfiltered view of a
   whole scheme or trust. In a view narrowed by a filter (dates, grade, specialty, site) they
   are replaced by SENSITIVE_NOTE, on the page and in the charts, CSV and XLSX alike: two
   filtered views that differ by one person would otherwise show that person's route in or
   health state by subtraction, whatever the suppression. Counts that are not sensitive (the
   funnel, the breakdowns by grade, specialty and site, pairs) are shown in filtered views
   through rules 1 and 2.

Derived figures (percentages, means, cost per mentee) are shown only when the group they are
taken over has at least T people (`enough`), and a share is not shown when its part is
suppressed (`share`).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings

K = TypeVar("K")

SENSITIVE_NOTE = (
    "Routes in, pair health, survey scores and outcomes are shown for the whole trust only, "
    "so that nobody can be singled out by filtering."
)


def min_count() -> int:
    """The smallest count of people shown exactly (settings.DISCLOSURE_MIN_COUNT)."""
    return int(settings.DISCLOSURE_MIN_COUNT)


def fewer_than() -> str:
    """What a suppressed count reads: "fewer than 5" with the default threshold."""
    return f"fewer than {min_count()}"


def _small(n: int) -> bool:
    return 0 < n < min_count()


@dataclass(frozen=True)
class Shown:
    """What a count becomes when shown: the number, or None when it is suppressed.

    `withheld` marks a suppressed cell of a group whose hidden cells may hold T or more people
    (secondary suppression had to take a larger cell); it reads "not shown", since "fewer than
    5" would not be true of every hidden cell.
    """

    value: int | None
    suppressed: bool
    withheld: bool = False

    def __str__(self) -> str:
        if not self.suppressed:
            return str(self.value)
        return NOT_SHOWN if self.withheld else fewer_than()

    def cell(self) -> int | str:
        """For a CSV or XLSX cell: the int itself, or the words ("fewer than 5")."""
        return self.value if not self.suppressed else str(self)

    @property
    def plotted(self) -> int | None:
        """For a chart: the number, or None (not plotted) when suppressed."""
        return None if self.suppressed else self.value


NOT_SHOWN = "not shown"


def _shown(n: int, suppressed: bool, withheld: bool = False) -> Shown:
    if suppressed:
        return Shown(value=None, suppressed=True, withheld=withheld)
    return Shown(value=n, suppressed=False)


def count(n: int) -> Shown:
    """Primary suppression of one count of people: 1 to T−1 is suppressed."""
    return _shown(n, _small(n))


def group(cells: Mapping[K, int], *, total: int | None = None) -> dict[K, Shown]:
    """Primary and secondary suppression of a group of cells that add up to a shown total.

    `total` defaults to the sum of the cells; pass it when the total shown beside the group is
    larger (people not in any listed cell). The result keeps the cells' order.

    The rules are in the module's docstring (rule 2).
    """
    threshold = min_count()
    keys = list(cells)
    values = {key: int(cells[key]) for key in keys}
    if total is None:
        total = sum(values.values())
    if _small(total):
        return {key: _shown(values[key], True) for key in keys}
    if not any(_small(value) for value in values.values()):
        return {key: _shown(values[key], False) for key in keys}

    hidden = [key for key in keys if values[key] < threshold]
    visible = sorted(
        (key for key in keys if values[key] >= threshold),
        key=lambda key: (values[key], keys.index(key)),
    )

    def safe():
        if len(hidden) < 2:
            return False
        behind = total - sum(values[key] for key in visible)
        large = [key for key in hidden if values[key] >= threshold]
        if not large:
            # Hidden cells under T: the reader knows each is 0 to T−1 and their sum.
            return threshold <= behind < len(hidden) * (threshold - 1)
        # A hidden large cell is at least T, and no larger than the smallest cell shown (it was
        # hidden first); the small hidden cells must keep their whole range 1 to T−1.
        ceiling = sum(_ceiling(key) for key in large)
        return behind - len(large) * threshold >= threshold - 1 and behind - ceiling <= 1

    def _ceiling(hidden_key):
        if not visible:
            return total
        index = keys.index(hidden_key)
        return min(values[key] if index < keys.index(key) else values[key] - 1 for key in visible)

    while visible and not safe():
        hidden.append(visible.pop(0))
    withheld = not safe() or any(values[key] >= threshold for key in hidden)
    return {key: _shown(values[key], key in hidden, withheld) for key in keys}


def enough(n: int) -> bool:
    """Whether a group of `n` people is big enough for a derived figure (a mean, a share)."""
    return n >= min_count()


def share(part: int, whole: int, *, places: int = 0) -> str | None:
    """`part` as a percentage of `whole` ("62%"), or None when the whole is under T people or
    the part is suppressed."""
    if not enough(whole) or _small(part):
        return None
    value = round(100 * part / whole, places)
    if places == 0:
        value = int(value)
    return f"{value}%"
