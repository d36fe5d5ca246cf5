"""Evaluation across schemes: which ways of running a scheme go with uptake, regular meetings
and better outcomes.

The regional survey described how each trust ran its scheme (opt-in or opt-out, peer or senior
mentors, training, supervision, who runs it) and found uptake from under 25% to over 75%, but
no scheme had outcome data and nobody could say which choices matter. This module sets each of
those scheme variables beside what happened:

- uptake: mentees enrolled of trainees eligible, exactly as the provision report shows it;
- time to match: days from enrolling to a first pair, per mentee matched;
- meeting regularity: pairs that met at least as often as their scheme says (reports.activity);
- survey change: mentees' follow-up score less their baseline score, in each domain;
- objective outcomes in one training year: satisfactory ARCP outcomes and exam passes of mentees
  and mentors, beside the non-participants of the same trusts (reports.outcomes' groups);
- cost to the individual: hours in meetings per mentee, in meetings and supervision per mentor.

Intervals are in reports.intervals (Wilson, t, Welch). The comparison is observational: schemes
differ in many ways at once, so a difference between opt-in and opt-out schemes may be the work of
something else. With fewer than reports.adjusted.MIN_SCHEMES schemes the page shows the data and
no fitted model; with more it adds a regression with scheme as a cluster.

Disclosure. A figure pooled over schemes could be set against another view of the same people
(the provision report, a trust's outcomes or survey results, a dashboard) and the difference
would be the people left out. So figures are gathered in parts, one per scheme and trust (a
trust's part of a scheme run for several), and a part counts only when its own figure could be
shown: enough people, and for a rate both its parts shown (reports.outcomes' rule). A part that
cannot be shown takes with it every part it could be subtracted from: the other parts of its
scheme and of its trust, and theirs in turn (`_parts_included`). For outcomes, a trust's parts
count only when the trust's own outcomes report shows the same group with its rate. Uptake is
the provision report's own figure for each scheme, shown or not by its rule.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import timezone

from meetings.selectors import mentee_days_to_match
from schemes import disclosure
from schemes.selectors import enrolments_begun_before, report_vocabulary
from surveys.selectors import DOMAIN_LABELS, baseline_follow_up_scores

from . import intervals
from .activity import scheme_activity
from .intervals import NOT_SHOWN, Estimate
from .models import TrainingOutcome
from .outcomes import GROUPS, Group, _count_in, _rate, _users_by_email, disclose, period_bounds
from .provision import _uptake_shown
from .uptake import part_label, uptake_by_part

# --- The scheme variables of the regional survey -----------------------------------------------


@dataclass(frozen=True)
class Variable:
    key: str
    label: str
    levels: tuple[tuple[str, str], ...]  # (value, label); the first is the reference
    level_of: Callable[[Any], str]


def _mentors(scheme) -> str:
    return "peer" if scheme.mentors_may_be_trainees else "senior"


def _training(scheme) -> str:
    required = scheme.mentor_training_required
    return "formal" if required.startswith("formal") else required


def _supervision(scheme) -> str:
    support = set(scheme.mentor_support or ())
    for level in ("one_to_one", "group"):
        if level in support:
            return level
    return "none"


def variables() -> tuple[Variable, ...]:
    vocabulary = report_vocabulary()
    return (
        Variable(
            "enrolment_model",
            "Enrolment",
            tuple(vocabulary["enrolment_model_choices"]),
            lambda scheme: scheme.enrolment_model,
        ),
        Variable(
            "mentors",
            "Mentors",
            (("peer", "Peer: trainees mentor"), ("senior", "Senior mentors only")),
            _mentors,
        ),
        Variable(
            "training",
            "Training required of mentors",
            (("formal", "Formal training"), ("informal", "Informal training"), ("none", "None")),
            _training,
        ),
        Variable(
            "supervision",
            "Supervision of mentors",
            (
                ("one_to_one", "1:1 supervision"),
                ("group", "Group supervision (no 1:1)"),
                ("none", "Neither (DME or ad hoc support)"),
            ),
            _supervision,
        ),
        Variable("run_by", "Run by", tuple(vocabulary["run_by_choices"]), lambda s: s.run_by),
    )


# --- The measures ------------------------------------------------------------------------------

PROPORTION, MEAN, CHANGE, RATIO = "proportion", "mean", "change", "ratio"


@dataclass(frozen=True)
class Measure:
    key: str
    title: str
    kind: str
    counted: str  # what n counts, e.g. "trainees eligible"
    axis: str  # the chart's axis title
    better: str  # which way is better, in words
    outcome_group: str = ""  # for an outcome measure: "mentees" or "mentors"


def measures() -> tuple[Measure, ...]:
    return (
        Measure("uptake", "Uptake", PROPORTION, "trainees eligible", "Enrolled (%)", "higher"),
        Measure(
            "match_days", "Days from signing up to a first pair", MEAN, "mentees matched",
            "Days", "lower",
        ),
        Measure(
            "meeting", "Pairs meeting as often as their scheme says", PROPORTION,
            "pairs paired long enough to judge", "Pairs (%)", "higher",
        ),
        *(
            Measure(
                f"survey_{domain}", f"Change in mentees' {label.lower()} score", CHANGE,
                "responses (the smaller of baseline and follow-up)",
                "Follow-up less baseline (1–5 scale)", "higher",
            )
            for domain, label in DOMAIN_LABELS.items()
        ),
        Measure(
            "arcp_mentees", "Satisfactory ARCP outcome: mentees", PROPORTION,
            "mentees with an outcome", "Satisfactory (%)", "higher", "mentees",
        ),
        Measure(
            "arcp_mentors", "Satisfactory ARCP outcome: mentors", PROPORTION,
            "mentors with an outcome", "Satisfactory (%)", "higher", "mentors",
        ),
        Measure(
            "exam_mentees", "Exam passed: mentees", PROPORTION, "mentees with an exam result",
            "Passed (%)", "higher", "mentees",
        ),
        Measure(
            "exam_mentors", "Exam passed: mentors", PROPORTION, "mentors with an exam result",
            "Passed (%)", "higher", "mentors",
        ),
        Measure(
            "mentee_hours", "Hours in meetings per mentee, last 12 months", RATIO,
            "mentees who met", "Hours", "",
        ),
        Measure(
            "mentor_hours", "Hours in meetings and supervision per mentor, last 12 months",
            RATIO, "mentors in the scheme in the last 12 months", "Hours", "",
        ),
    )  # fmt: skip


def _pool(measure: Measure, contributions: list, schemes: int) -> Estimate:
    """One figure from the contributions of the parts included, or NOT_SHOWN."""
    if not contributions:
        return NOT_SHOWN
    if measure.kind == PROPORTION:
        successes = sum(part for part, _whole in contributions)
        whole = sum(whole for _part, whole in contributions)
        if not _rate_shown(successes, whole):
            return Estimate(None, n=whole, schemes=schemes)
        return intervals.proportion(successes, whole, schemes=schemes)
    if measure.kind == MEAN:
        values = [value for values in contributions for value in values]
        if not disclosure.enough(len(values)):
            return Estimate(None, n=len(values), schemes=schemes)
        return intervals.mean(values, schemes=schemes, unit=" days")
    if measure.kind == CHANGE:
        baseline = [value for before, _after in contributions for value in before]
        follow_up = [value for _before, after in contributions for value in after]
        if not disclosure.enough(min(len(baseline), len(follow_up))):
            return Estimate(None, n=min(len(baseline), len(follow_up)), schemes=schemes)
        return intervals.change(baseline, follow_up, schemes=schemes)
    total = sum(total for total, _people in contributions)
    people = sum(people for _total, people in contributions)
    if not disclosure.enough(people):
        return Estimate(None, n=people, schemes=schemes)
    return intervals.ratio(total, people, schemes=schemes, unit=" h")


def _rate_shown(part: int, whole: int) -> bool:
    return _rate(part, whole) is not None


def _part_shown(measure: Measure, contribution) -> bool:
    """Whether one part's own figure could be shown (a part with nobody in it always can)."""
    if measure.kind == PROPORTION:
        part, whole = contribution
        return whole == 0 or _rate_shown(part, whole)
    if measure.kind == MEAN:
        return not contribution or disclosure.enough(len(contribution))
    if measure.kind == CHANGE:
        before, after = contribution
        return not (before or after) or disclosure.enough(min(len(before), len(after)))
    _total, people = contribution
    return people == 0 or disclosure.enough(people)


def _is_empty(measure: Measure, contribution) -> bool:
    if measure.kind == MEAN:
        return not contribution
    if measure.kind == CHANGE:
        return not (contribution[0] or contribution[1])
    return contribution[1] == 0


def _parts_included(shown: dict[tuple[int, int], bool]) -> set[tuple[int, int]]:
    """The parts (scheme id, trust id) that may count: those whose connected group (parts that
    share a scheme or a trust, and so on) are all shown. A group with one part that cannot be
    shown is left out whole, so no figure of one part can be had by subtraction."""
    parent: dict[Any, Any] = {}

    def find(node):
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for scheme_id, trust_id in shown:
        parent[find(("scheme", scheme_id))] = find(("trust", trust_id))
    blocked = {find(("scheme", s)) for (s, _t), ok in shown.items() if not ok}
    return {part for part, ok in shown.items() if find(("scheme", part[0])) not in blocked}


# --- Reading the parts -------------------------------------------------------------------------


@dataclass
class Part:
    """What one scheme's part at one trust contributes to each measure (true figures)."""

    scheme_id: int
    trust_id: int
    figures: dict[str, Any] = field(default_factory=dict)


def _match_days(schemes, trust_ids) -> dict[tuple[int, int], list[int]]:
    days = defaultdict(list)
    for scheme_id, trust_id, value in mentee_days_to_match(schemes):
        if trust_id in trust_ids:
            days[(scheme_id, trust_id)].append(value)
    return days


def _survey(schemes, trust_ids) -> dict[tuple[int, int], dict[str, tuple[list, list]]]:
    """Survey answers carry no trust: they belong to the scheme, and count in its host trust
    (as the trust's survey results count them), so only schemes run by the trusts in scope."""
    schemes = [scheme for scheme in schemes if scheme.organisation_id in trust_ids]
    host = {scheme.pk: scheme.organisation_id for scheme in schemes}
    figures: dict = defaultdict(lambda: defaultdict(lambda: ([], [])))
    for scheme_id, moment, domain, score in baseline_follow_up_scores(schemes):
        before, after = figures[(scheme_id, host[scheme_id])][domain]
        (before if moment == "at_match" else after).append(score)
    return figures


def outcome_periods(trust_ids: Iterable[int]) -> list[str]:
    """The training years with outcomes at any of the trusts, latest first."""
    return list(
        TrainingOutcome.objects.filter(organisation_id__in=trust_ids)
        .order_by("-period")
        .values_list("period", flat=True)
        .distinct()
    )


@dataclass
class OutcomeParts:
    """Outcomes of one training year: groups per part and role, and per trust as the trust's
    outcomes report shows them (after its disclosure)."""

    by_part: dict[tuple[int, int, str], Group]
    by_trust: dict[int, dict[str, Group]]


def _outcome_rows(trust_ids, period):
    rows = list(
        TrainingOutcome.objects.filter(organisation_id__in=trust_ids, period=period).values_list(
            "organisation_id", "trainee_id", "email", "arcp_outcome", "exam_passed"
        )
    )
    unlinked = [email for _org, user, email, *_ in rows if user is None and email]
    users = _users_by_email(unlinked) if unlinked else {}
    return [
        (org, user or users.get(email), email, arcp, exam) for org, user, email, arcp, exam in rows
    ]


def _outcome_parts(schemes, trust_ids, period) -> OutcomeParts:
    """Each outcome row of the year counted as reports.outcomes counts it for its trust, and
    also in the part of each scheme the person took part in (as mentee or mentor)."""
    starts, ends = period_bounds(period)
    vocabulary = report_vocabulary()
    rows = _outcome_rows(trust_ids, period)
    user_ids = {user for _org, user, *_ in rows if user}
    taking_part: dict[tuple[int, int], set] = defaultdict(set)  # (user, trust) → {(scheme, role)}
    enrolled_then: set[tuple[int, int]] = set()
    for user_id, scheme_id, trust_id, role, status, changed_at in enrolments_begun_before(
        schemes, user_ids, ends
    ):
        enrolled_then.add((user_id, trust_id))
        if status == vocabulary["requested"]:
            continue
        if status != vocabulary["withdrawn"] or changed_at >= starts:
            taking_part[(user_id, trust_id)].add((scheme_id, role))
    by_part: dict = {}
    trust_groups = {trust: {key: Group(key, label) for key, label in GROUPS} for trust in trust_ids}
    left_out = dict.fromkeys(trust_ids, 0)
    for trust_id, user_id, email, arcp, exam in rows:
        if user_id is None and not email:
            continue  # a GMC number only: matched to nobody, as the outcomes report leaves it
        if user_id is None or (user_id, trust_id) not in enrolled_then:
            _count_in(trust_groups[trust_id]["non_participants"], arcp, exam)
            continue
        parts = taking_part.get((user_id, trust_id), set())
        if not parts:
            left_out[trust_id] += 1
            continue
        for role in sorted({role for _scheme, role in parts}):
            _count_in(trust_groups[trust_id][f"{role}s"], arcp, exam)
        for scheme_id, role in parts:
            key = (scheme_id, trust_id, f"{role}s")
            group = by_part.setdefault(key, Group(f"{role}s", ""))
            _count_in(group, arcp, exam)
    for trust_id, groups in trust_groups.items():
        disclose(list(groups.values()), left_out=left_out[trust_id])
    return OutcomeParts(by_part=by_part, by_trust=trust_groups)


def _trust_shows(group: Group, exam: bool) -> bool:
    """Whether the trust's outcomes report shows this group's rate (ARCP, or exam passes)."""
    if group.people == 0:
        return True
    if group.suppressed:
        return False
    if not exam:
        return group.satisfactory_percent is not None
    return group.exam_results == 0 or group.exam_pass_percent is not None


def _outcome_contribution(group: Group | None, exam: bool) -> tuple[int, int]:
    if group is None:
        return (0, 0)
    return (group.exam_passes, group.exam_results) if exam else (group.satisfactory, group.people)


# --- The evaluation ----------------------------------------------------------------------------


@dataclass
class Row:
    label: str
    estimate: Estimate
    comparison: Estimate | None = None  # for outcomes: the non-participants of the same trusts


@dataclass
class MeasureResult:
    measure: Measure
    overall: Row
    by_variable: list[tuple[Variable, list[Row]]]
    parts_left_out: int  # parts with people whose figures could not count
    parts_counted: int
    has_data: bool  # whether anyone at all is behind this measure

    @property
    def rows(self) -> list[Row]:
        return [self.overall] + [row for _variable, rows in self.by_variable for row in rows]

    @property
    def chart(self) -> dict:
        """For the interval chart: each row shown, with its interval."""
        rows = self.rows
        return {
            "kind": "interval",
            "labels": [row.label for row in rows],
            "values": [_round(row.estimate.value) for row in rows],
            "lows": [_round(row.estimate.low) for row in rows],
            "highs": [_round(row.estimate.high) for row in rows],
            "axis": self.measure.axis,
            # Percentages on their whole scale, so that two charts' bars compare by eye.
            "min": 0 if self.measure.kind in (PROPORTION, RATIO, MEAN) else None,
            "max": 100 if self.measure.kind == PROPORTION else None,
            "comparison": (
                [_round(row.comparison.value) if row.comparison else None for row in rows]
                if self.measure.outcome_group
                else None
            ),
        }

    @property
    def plotted(self) -> bool:
        return any(row.estimate.shown for row in self.rows)


def _round(value):
    return None if value is None else round(value, 2)


@dataclass
class SchemeRow:
    scheme: Any
    label: str
    levels: list[str]
    figures: dict[str, Estimate]


@dataclass
class Evaluation:
    variables: tuple[Variable, ...]
    results: list[MeasureResult]
    schemes: list[SchemeRow]
    period: str | None
    periods: list[str]
    scheme_count: int
    adjusted: list = field(default_factory=list)
    min_count: int = field(default_factory=disclosure.min_count)

    @property
    def without_data(self) -> list[MeasureResult]:
        """Measures nobody is behind yet (no survey of that domain, no exam results)."""
        return [
            result
            for result in self.results
            if not result.has_data and (self.period or not result.measure.outcome_group)
        ]

    def result(self, key: str) -> MeasureResult:
        return next(result for result in self.results if result.measure.key == key)


ACTIVITY_MEASURES = ("meeting", "mentee_hours", "mentor_hours")


def _activity_parts(schemes, trust_ids, today) -> dict[tuple[int, int], dict[str, Any]]:
    """Meeting regularity and hours of the schemes run by the trusts in scope, per scheme: the
    provision report's figures, for the whole scheme (pairs are not split by trust), as the
    part at its host. Nothing else shows these figures, so each scheme counts on its own."""
    schemes = [scheme for scheme in schemes if scheme.organisation_id in trust_ids]
    activity = scheme_activity(schemes, today=today)
    parts = {}
    for scheme in schemes:
        figures = activity[scheme.pk]
        parts[(scheme.pk, scheme.organisation_id)] = {
            "meeting": (figures.pairs_meeting_as_declared, figures.pairs_judged),
            "mentee_hours": (figures.mentee_meeting_minutes / 60, figures.mentees_meeting),
            "mentor_hours": (
                (figures.mentor_meeting_minutes + figures.mentor_supervision_minutes) / 60,
                figures.mentors,
            ),
        }
    return parts


def _uptake_parts(schemes, trust_ids) -> dict[tuple[int, int], Any]:
    """Each scheme's uptake as the provision report shows it, over the trusts in scope: (enrolled,
    eligible) where its rule shows the figure, else None (left out, alone)."""
    parts, _list_dates = uptake_by_part(schemes)
    totals: dict[int, tuple[int, int]] = {}
    for (scheme_id, trust_id), (eligible, enrolled, _percent) in parts.items():
        if trust_id in trust_ids:
            before = totals.get(scheme_id, (0, 0))
            totals[scheme_id] = (before[0] + eligible, before[1] + enrolled)
    uptake = {}
    for scheme in schemes:
        eligible, enrolled = totals.get(scheme.pk, (0, 0))
        percent = round(100 * enrolled / eligible, 1) if eligible else None
        shown = _uptake_shown(eligible, enrolled, percent)[2] is not None
        uptake[(scheme.pk, scheme.organisation_id)] = (enrolled, eligible) if shown else None
    return uptake


def evaluate(
    schemes: Iterable[Any],
    trust_ids: Iterable[int],
    *,
    period: str | None = None,
    today: date | None = None,
) -> Evaluation:
    """The evaluation of `schemes` over the trusts in `trust_ids` (a region's, or one trust's).

    A constant number of queries however many schemes, people and meetings.

    1. Read each part's figures: uptake, days to match, surveys, activity, outcomes of `period`
       (default the latest training year with outcomes).
    2. Decide which parts may count for each measure (the module's docstring).
    3. Pool the parts of each level of each scheme variable, and each scheme's own.
    """
    schemes = sorted(schemes, key=lambda scheme: scheme.name)
    trust_ids = set(trust_ids)
    today = today or timezone.localdate()
    periods = outcome_periods(trust_ids)
    period = period if period in periods else (periods[0] if periods else None)
    all_measures = measures()
    contributions = _contributions(schemes, trust_ids, period, today, all_measures)
    scheme_by_id = {scheme.pk: scheme for scheme in schemes}
    the_variables = variables()
    results = [
        _measure_result(measure, contributions[measure.key], scheme_by_id, the_variables)
        for measure in all_measures
    ]
    evaluation = Evaluation(
        variables=the_variables,
        results=results,
        schemes=_scheme_rows(schemes, contributions, all_measures, the_variables),
        period=period,
        periods=periods,
        scheme_count=len(schemes),
    )
    evaluation.adjusted = _adjusted(evaluation, contributions, scheme_by_id)
    return evaluation


@dataclass
class Contributions:
    """For one measure: {part: contribution} of the parts that count, the parts left out, and
    (outcomes) the non-participants of each trust that count."""

    counted: dict[tuple[int, int], Any]
    left_out: int
    comparison: dict[int, tuple[int, int]] = field(default_factory=dict)
    has_data: bool = False  # whether any part, counted or not, has anyone in it


def _contributions(schemes, trust_ids, period, today, all_measures) -> dict[str, Contributions]:
    raw: dict[str, dict[tuple[int, int], Any]] = defaultdict(dict)
    for part, value in _uptake_parts(schemes, trust_ids).items():
        raw["uptake"][part] = value
    for part, days in _match_days(schemes, trust_ids).items():
        raw["match_days"][part] = days
    for part, domains in _survey(schemes, trust_ids).items():
        for domain, value in domains.items():
            raw[f"survey_{domain}"][part] = value
    for part, figures in _activity_parts(schemes, trust_ids, today).items():
        for key, value in figures.items():
            raw[key][part] = value
    outcomes = _outcome_parts(schemes, trust_ids, period) if period else None
    result = {}
    for measure in all_measures:
        if measure.outcome_group:
            result[measure.key] = _outcome_contributions(measure, outcomes)
            continue
        values = raw.get(measure.key, {})
        if measure.key == "uptake":
            # Shown or not by the provision report's rule, scheme by scheme, as it shows it.
            counted = {
                part: value for part, value in values.items() if value is not None and value[1]
            }
            left_out = sum(1 for value in values.values() if value is None)
        else:
            shown = {part: _part_shown(measure, value) for part, value in values.items()}
            if measure.key in ACTIVITY_MEASURES:
                included = {part for part, ok in shown.items() if ok}
            else:
                included = _parts_included(shown)
            # A part with nobody in it adds nothing, and is not a scheme counted.
            counted = {
                part: values[part] for part in included if not _is_empty(measure, values[part])
            }
            left_out = sum(
                1
                for part in values
                if part not in included and not _is_empty(measure, values[part])
            )
        has_data = any(value is None or not _is_empty(measure, value) for value in values.values())
        result[measure.key] = Contributions(counted, left_out, has_data=has_data)
    return result


def _outcome_contributions(measure: Measure, outcomes: OutcomeParts | None) -> Contributions:
    if outcomes is None:
        return Contributions({}, 0)
    exam = measure.key.startswith("exam")
    role = measure.outcome_group
    values = {
        (scheme_id, trust_id): _outcome_contribution(group, exam)
        for (scheme_id, trust_id, group_role), group in outcomes.by_part.items()
        if group_role == role
    }
    shown = {
        part: _part_shown(measure, value) and _trust_shows(outcomes.by_trust[part[1]][role], exam)
        for part, value in values.items()
    }
    included = _parts_included(shown)
    comparison = {
        trust_id: _outcome_contribution(groups["non_participants"], exam)
        for trust_id, groups in outcomes.by_trust.items()
        if _trust_shows(groups["non_participants"], exam)
    }
    return Contributions(
        {part: values[part] for part in included if values[part][1]},
        sum(1 for part in values if part not in included and values[part][1]),
        comparison,
        has_data=any(whole for _part, whole in values.values()),
    )


def _measure_result(measure, contributions: Contributions, scheme_by_id, the_variables):
    counted = contributions.counted

    def row(label, parts):
        schemes = {scheme_id for scheme_id, _trust in parts}
        estimate = _pool(measure, [counted[part] for part in parts], len(schemes))
        comparison = None
        if measure.outcome_group:
            trusts = {trust for _scheme, trust in parts}
            comparison = _pool(
                measure,
                [
                    contributions.comparison[t]
                    for t in sorted(trusts)
                    if t in contributions.comparison
                ],
                0,
            )
        return Row(label, estimate, comparison)

    parts = sorted(counted)
    by_variable = []
    for variable in the_variables:
        rows = []
        for value, label in variable.levels:
            at_level = [p for p in parts if variable.level_of(scheme_by_id[p[0]]) == value]
            if at_level:
                rows.append(row(f"{variable.label}: {label}", at_level))
        by_variable.append((variable, rows))
    return MeasureResult(
        measure=measure,
        overall=row("All schemes counted", parts),
        by_variable=by_variable,
        parts_left_out=contributions.left_out,
        parts_counted=len(parts),
        has_data=contributions.has_data,
    )


SCHEME_TABLE_MEASURES = ("uptake", "match_days", "meeting", "mentee_hours", "mentor_hours")


def _scheme_rows(schemes, contributions, all_measures, the_variables) -> list[SchemeRow]:
    by_key = {measure.key: measure for measure in all_measures}
    rows = []
    for scheme in schemes:
        figures = {}
        for key in SCHEME_TABLE_MEASURES:
            counted = contributions[key].counted
            mine = [value for part, value in counted.items() if part[0] == scheme.pk]
            figures[key] = _pool(by_key[key], mine, 1) if mine else NOT_SHOWN
        rows.append(
            SchemeRow(
                scheme=scheme,
                label=part_label(scheme),
                levels=[dict(v.levels).get(v.level_of(scheme), "") for v in the_variables],
                figures=figures,
            )
        )
    return rows


# --- The adjusted comparison, at national scale -----------------------------------------------

ADJUSTED = (
    ("uptake", "logistic"),
    ("meeting", "logistic"),
    ("match_days", "linear"),
    ("arcp_mentees", "logistic"),
)


def _adjusted(evaluation: Evaluation, contributions, scheme_by_id) -> list:
    """[(measure, AdjustedComparison)] for the measures with enough schemes counted."""
    from . import adjusted

    results = []
    labels = {v.key: (v.label, dict(v.levels)) for v in evaluation.variables}
    for key, kind in ADJUSTED:
        counted = contributions[key].counted
        if len({scheme_id for scheme_id, _trust in counted}) < adjusted.MIN_SCHEMES:
            continue
        references = _most_common_levels(evaluation.variables, counted, scheme_by_id)
        people = []
        for (scheme_id, _trust), value in counted.items():
            scheme = scheme_by_id[scheme_id]
            levels = {v.key: v.level_of(scheme) for v in evaluation.variables}
            if kind == "linear":
                people += [adjusted.Person(scheme_id, float(day), levels) for day in value]
            else:
                part, whole = value
                people += [adjusted.Person(scheme_id, 1.0, levels)] * part
                people += [adjusted.Person(scheme_id, 0.0, levels)] * (whole - part)
        comparison = adjusted.adjusted_comparison(people, kind=kind, references=references)
        if comparison is not None:
            results.append((evaluation.result(key).measure, _labelled(comparison, labels)))
    return results


def _most_common_levels(the_variables, counted, scheme_by_id) -> dict[str, str]:
    """Each variable's reference level: the one most schemes counted have (the first listed of
    equals), so that every other level is compared with the usual way of doing it."""
    scheme_ids = {scheme_id for scheme_id, _trust in counted}
    references = {}
    for variable in the_variables:
        levels = [variable.level_of(scheme_by_id[scheme_id]) for scheme_id in scheme_ids]
        order = [value for value, _label in variable.levels]
        references[variable.key] = max(
            order, key=lambda value: (levels.count(value), -order.index(value))
        )
    return references


@dataclass(frozen=True)
class LabelledTerm:
    label: str  # "Enrolment: Opt-out"
    reference: str  # "Opt-in"
    estimate: float
    low: float
    high: float
    p_value: float


@dataclass(frozen=True)
class LabelledComparison:
    kind: str
    people: int
    schemes: int
    method: str
    terms: list[LabelledTerm]


def _labelled(comparison, labels) -> LabelledComparison:
    """The model's terms in the page's words."""
    terms = []
    for term in comparison.terms:
        variable_label, level_labels = labels[term.variable]
        terms.append(
            LabelledTerm(
                label=f"{variable_label}: {level_labels.get(term.level, term.level)}",
                reference=level_labels.get(term.reference, term.reference),
                estimate=term.estimate,
                low=term.low,
                high=term.high,
                p_value=term.p_value,
            )
        )
    return LabelledComparison(
        comparison.kind, comparison.people, comparison.schemes, comparison.method, terms
    )
