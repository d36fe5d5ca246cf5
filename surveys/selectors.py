"""Reads shared by views: open invitations, and survey results for a scheme or an organisation.

Every figure goes through schemes.disclosure, which owns the small-numbers rule (threshold T in
settings.DISCLOSURE_MIN_COUNT, 5 by default):

- a mean, score, share or change is given only for a group of at least T responses (`enough`);
  a smaller group reads "fewer than 5 responses" and has no figure at all;
- counts of people are shown through `disclosure.count` (invited, answered) or, where they add
  up to a total that is shown, through `disclosure.group`: the people choosing each answer to a
  question (out of the question's responses), and the responses of each quarter (out of the
  domain's), so that a total less the counts shown never gives a hidden one;
- a share is given only beside a count that is shown.

The results pages have no filters: survey figures are sensitive (rule 3 of the module), so they
are only ever shown for a whole scheme or a whole trust. Results are pooled across a survey's
versions question by question (by `Question.code`, which changes when the wording does) and, for
an organisation, across its schemes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from django.db.models import Count, DateField, Q
from django.db.models.functions import TruncQuarter
from django.utils import timezone

from schemes import disclosure

from . import statistics
from .models import (
    Answer,
    Audience,
    Domain,
    Invitation,
    Moment,
    Question,
    Response,
    ResponseAttribution,
    SurveyTemplate,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from django.db.models import QuerySet

    from accounts.models import User
    from schemes.disclosure import Shown
    from schemes.models import Organisation, Scheme

DOMAIN_LABELS = dict(Domain.choices)
DOMAIN_ORDER = [value for value, _ in Domain.choices]


def suppressed_text() -> str:
    """What a group too small for figures reads: "fewer than 5 responses" by default."""
    return f"{disclosure.fewer_than()} responses"


NOT_SHOWN = disclosure.NOT_SHOWN


def open_invitations_for(user: User, *, now: datetime | None = None) -> QuerySet[Invitation]:
    """The user's surveys still waiting for an answer, newest first."""
    now = now or timezone.now()
    return (
        Invitation.objects.filter(user=user, responded_at=None, closes_at__gt=now)
        .select_related("template", "scheme")
        .order_by("-created_at")
    )


@dataclass
class OptionRow:
    """One answer offered: the people who chose it (disclosure.Shown) and their share of the
    question's responses, or None when the count is not shown."""

    label: str
    people: disclosure.Shown
    percent: int | None


@dataclass
class QuestionResult:
    code: str
    text: str
    kind: str
    domain: str
    n: int
    suppressed: bool
    mean: float | None = None
    options: list = field(default_factory=list)
    free_text: list | None = None  # None: not shown to this viewer or too few answers
    low_label: str = ""
    high_label: str = ""

    @property
    def domain_label(self):
        return DOMAIN_LABELS[self.domain]

    @property
    def is_free_text(self):
        return self.kind == Question.Kind.SHORT_TEXT


@dataclass
class Score:
    """A mean score over `n` responses; `value` is None when it is not shown."""

    n: int
    value: float | None

    @property
    def suppressed(self) -> bool:
        return self.value is None


@dataclass
class DomainScore:
    domain: str
    score: Score
    note: str = ""  # why a suppressed score is not shown, when it is not "fewer than 5 responses"

    @property
    def label(self):
        return DOMAIN_LABELS[self.domain]


@dataclass
class QuarterRow:
    label: str
    n: int
    scores: list  # [DomainScore] in the survey's domain order
    # {domain: disclosure.Shown}: the quarter's responses in each domain, suppressed as a group
    # with the other quarters (they add up to the domain's responses, which are shown).
    responses: dict = field(default_factory=dict)

    @property
    def suppressed(self) -> bool:
        return not disclosure.enough(self.n)


@dataclass
class SurveyResult:
    key: str
    name: str
    audience: str
    invited: int
    responded: int
    responses: int
    questions: list
    domains: list
    trend: list

    @property
    def suppressed(self) -> bool:
        return not disclosure.enough(self.responses)

    @property
    def invited_shown(self):
        return disclosure.count(self.invited)

    @property
    def responded_shown(self):
        return disclosure.count(self.responded)

    @property
    def response_rate(self):
        """Percent of those invited who answered; None unless both counts are shown and at
        least T people were invited."""
        if self.invited_shown.suppressed or self.responded_shown.suppressed:
            return None
        if not disclosure.enough(self.invited):
            return None
        return round(100 * self.responded / self.invited)

    @property
    def rate_suppressed(self):
        """Whether a response rate exists (someone was invited) but is not shown."""
        return bool(self.invited) and self.response_rate is None

    @property
    def audience_label(self):
        return dict(Audience.choices)[self.audience]

    @property
    def domain_labels(self):
        return [entry.label for entry in self.domains]


@dataclass
class ChangeResult:
    code: str
    text: str
    domain: str
    n_baseline: int
    n_follow_up: int
    method: str  # "paired" or "welch"
    change: statistics.Change | None

    @property
    def suppressed(self) -> bool:
        return self.change is None

    @property
    def domain_label(self):
        return DOMAIN_LABELS[self.domain]


@dataclass
class Results:
    surveys: list
    changes: list

    @property
    def has_any(self):
        return bool(self.surveys)


def scheme_results(scheme: Scheme, *, include_free_text: bool) -> Results:
    return _results(
        responses=Response.objects.filter(scheme=scheme),
        invitations=Invitation.objects.filter(scheme=scheme),
        include_free_text=include_free_text,
    )


def organisation_results(organisation: Organisation) -> Results:
    """Aggregate over the organisation's schemes. Never free text: it is for organisers only."""
    return _results(
        responses=Response.objects.filter(scheme__organisation=organisation),
        invitations=Invitation.objects.filter(scheme__organisation=organisation),
        include_free_text=False,
    )


def _results(*, responses, invitations, include_free_text):
    """1. Load the answers in scope as plain values.
    2. Per survey (template key): response rate, each question, each domain, the trend.
    3. Change from baseline to follow-up for each repeated item.
    """
    answers = list(
        Answer.objects.filter(response__in=responses).values(
            "response_id",
            "response__template__key",
            "response__moment",
            "response__submitted_month",
            "question__code",
            "question__kind",
            "question__domain",
            "number",
            "choices",
            "text",
        )
    )
    response_rows = list(
        responses.values("id", "template__key", "audience", "submitted_month", "moment")
    )
    invitation_counts = {
        row["template__key"]: row
        for row in invitations.values("template__key").annotate(
            invited=Count("pk"), responded=Count("pk", filter=Q(responded_at__isnull=False))
        )
    }
    keys = sorted(
        {row["template__key"] for row in response_rows} | set(invitation_counts),
    )
    template_ids = set(responses.values_list("template_id", flat=True)) | set(
        invitations.values_list("template_id", flat=True)
    )
    templates = list(
        SurveyTemplate.objects.filter(pk__in=template_ids).order_by("-created_at", "-version")
    )
    questions = _question_catalogue(templates)

    by_key = defaultdict(list)
    for answer in answers:
        by_key[answer["response__template__key"]].append(answer)
    responses_by_key = defaultdict(list)
    for row in response_rows:
        responses_by_key[row["template__key"]].append(row)

    surveys = []
    for key in keys:
        latest = next(template for template in templates if template.key == key)
        counts = invitation_counts.get(key, {"invited": 0, "responded": 0})
        key_answers = by_key[key]
        key_questions = questions[key]
        domains_present = [
            domain
            for domain in DOMAIN_ORDER
            if any(
                question.domain == domain and question.kind == Question.Kind.LIKERT
                for question in key_questions.values()
            )
        ]
        surveys.append(
            SurveyResult(
                key=key,
                name=latest.name,
                audience=latest.audience,
                invited=counts["invited"],
                responded=counts["responded"],
                responses=len(responses_by_key[key]),
                questions=[
                    _question_result(question, key_answers, include_free_text)
                    for question in key_questions.values()
                ],
                domains=[
                    DomainScore(domain, _domain_score(key_answers, domain))
                    for domain in domains_present
                ],
                trend=_trend(responses_by_key[key], key_answers, domains_present),
            )
        )
    surveys.sort(key=lambda survey: (survey.audience, survey_order(survey.key), survey.name))
    return Results(surveys=surveys, changes=_changes(answers, templates))


def survey_order(key: str) -> int:
    """Baseline, follow-up, end of pair, then anything else."""
    for position, word in enumerate(("baseline", "follow-up", "end-of-pair")):
        if word in key:
            return position
    return 9


def _question_catalogue(templates):
    """{key: {code: Question}}: the newest wording of each code, in the newest order.

    `templates` come newest first, so the first time a code is seen is its newest version.
    """
    catalogue: defaultdict[str, dict[str, Question]] = defaultdict(dict)
    questions = Question.objects.filter(template__in=templates).select_related("template")
    order = {template.pk: index for index, template in enumerate(templates)}
    for question in sorted(questions, key=lambda q: (order[q.template_id], q.position, q.pk)):
        catalogue[question.template.key].setdefault(question.code, question)
    return catalogue


def _question_result(question, answers, include_free_text):
    rows = [answer for answer in answers if answer["question__code"] == question.code]
    n = len(rows)
    result = QuestionResult(
        code=question.code,
        text=question.text,
        kind=question.kind,
        domain=question.domain,
        n=n,
        suppressed=not disclosure.enough(n),
        low_label=question.low_label,
        high_label=question.high_label,
    )
    if result.suppressed:
        return result
    kind = Question.Kind
    if question.kind == kind.LIKERT:
        values = [row["number"] for row in rows]
        result.mean = statistics.mean(values)
        labels = {1: f"1 – {question.low_label}", 5: f"5 – {question.high_label}"}
        counts = statistics.distribution(values, [1, 2, 3, 4, 5])
        result.options = _option_rows(
            {labels.get(option, str(option)): count for option, count in counts.items()}, n
        )
    elif question.kind == kind.YES_NO:
        counts = statistics.distribution([row["number"] for row in rows], [1, 0])
        result.options = _option_rows({"Yes": counts[1], "No": counts[0]}, n)
    elif question.kind == kind.SINGLE_CHOICE:
        values = [choice for row in rows for choice in row["choices"]]
        options = list(question.choices) + sorted(set(values) - set(question.choices))
        result.options = _option_rows(statistics.distribution(values, options), n)
    elif question.kind == kind.MULTIPLE_CHOICE:
        values = [choice for row in rows for choice in row["choices"]]
        options = list(question.choices) + sorted(set(values) - set(question.choices))
        result.options = _ticked_rows(statistics.distribution(values, options), n)
    elif include_free_text:
        # Unattributed, and sorted so that the order says nothing about who wrote what or when.
        result.free_text = sorted((row["text"] for row in rows), key=str.casefold)
    return result


def _option_rows(counts: Mapping[str, int], n: int):
    """One answer per person: the answers' counts add up to the question's `n` responses, which
    are shown, so they are suppressed together (disclosure.group)."""
    shown = disclosure.group(counts, total=n)
    return [OptionRow(label, shown[label], _percent(shown[label], n)) for label in counts]


def _ticked_rows(counts: Mapping[str, int], n: int):
    """Several answers per person: each answer splits the `n` responses in two, those who ticked
    it and those who did not, so each is a group of its own (of which only "ticked" is shown)."""
    rows = []
    for label, ticked in counts.items():
        shown = disclosure.group({"ticked": ticked, "not ticked": n - ticked}, total=n)["ticked"]
        rows.append(OptionRow(label, shown, _percent(shown, n)))
    return rows


def _percent(shown, n):
    if shown.suppressed or not disclosure.enough(n):
        return None
    return round(100 * shown.value / n)


def _domain_score(answers, domain):
    """Mean over responses of each response's mean Likert answer in `domain`."""
    per_response = defaultdict(list)
    for answer in answers:
        if answer["question__domain"] == domain and answer["question__kind"] == "likert":
            per_response[answer["response_id"]].append(answer["number"])
    n = len(per_response)
    if not disclosure.enough(n):
        return Score(n, None)
    return Score(n, statistics.mean(statistics.mean(values) for values in per_response.values()))


def _trend(response_rows, answers, domains):
    quarters = defaultdict(set)
    for row in response_rows:
        quarters[statistics.quarter_label(row["submitted_month"])].add(row["id"])
    trend = []
    for label in sorted(quarters):
        ids = quarters[label]
        quarter_answers = [answer for answer in answers if answer["response_id"] in ids]
        trend.append(
            QuarterRow(
                label=label,
                n=len(ids),
                scores=[
                    DomainScore(domain, _domain_score(quarter_answers, domain))
                    for domain in domains
                ],
            )
        )
    for index, domain in enumerate(domains):
        shown = disclosure.group({row.label: row.scores[index].score.n for row in trend})
        for row in trend:
            row.responses[domain] = shown[row.label]
            if shown[row.label].suppressed:
                # A score given only for 5 or more would tell a hidden count from a small one.
                row.scores[index] = DomainScore(
                    domain, Score(row.scores[index].score.n, None), hidden_text(shown[row.label])
                )
    return trend


def hidden_text(shown: Shown) -> str:
    """What a figure hidden with its count reads: "fewer than 5 responses", or "not shown" when
    the hidden counts of its group may be larger."""
    return NOT_SHOWN if shown.withheld else suppressed_text()


def _changes(answers, templates):
    """For each repeated item: baseline (at match) against follow-up (every N months).

    Paired by person when every response involved is attributed (non-anonymous surveys);
    otherwise the difference of group means with Welch's interval (statistics.py says why).
    Two queries however many templates and items: the repeated questions of every template,
    then the attributions of every response involved.
    """
    order = {template.pk: index for index, template in enumerate(templates)}
    repeated: dict[str, Question] = {}
    for question in sorted(
        Question.objects.filter(template__in=templates, is_repeated=True),
        key=lambda q: (order[q.template_id], q.position, q.pk),
    ):
        repeated.setdefault(question.code, question)
    moments = (Moment.AT_MATCH, Moment.PERIODIC)
    involved = {
        a["response_id"]
        for a in answers
        if a["question__code"] in repeated and a["response__moment"] in moments
    }
    attributions = {
        row["response_id"]: (row["respondent_id"], row["submitted_at"])
        for row in ResponseAttribution.objects.filter(response_id__in=involved).values(
            "response_id", "respondent_id", "submitted_at"
        )
    }
    changes = []
    for code, question in repeated.items():
        baseline = [
            a
            for a in answers
            if a["question__code"] == code and a["response__moment"] == Moment.AT_MATCH
        ]
        follow_up = [
            a
            for a in answers
            if a["question__code"] == code and a["response__moment"] == Moment.PERIODIC
        ]
        if not baseline and not follow_up:
            continue
        pairs = _paired_values(baseline, follow_up, attributions)
        if pairs is not None:
            change = statistics.paired_change(pairs) if disclosure.enough(len(pairs)) else None
            method, n_baseline, n_follow_up = "paired", len(pairs), len(pairs)
        else:
            n_baseline, n_follow_up = len(baseline), len(follow_up)
            method = "welch"
            change = (
                statistics.welch_change(
                    [a["number"] for a in baseline], [a["number"] for a in follow_up]
                )
                if disclosure.enough(min(n_baseline, n_follow_up))
                else None
            )
        changes.append(
            ChangeResult(
                code=code,
                text=question.text,
                domain=question.domain,
                n_baseline=n_baseline,
                n_follow_up=n_follow_up,
                method=method,
                change=change,
            )
        )
    return changes


def _paired_values(baseline, follow_up, attributions):
    """[(baseline, follow-up)] per person when every answer is attributed; else None.

    `attributions`: {response id: (respondent id, submitted at)} for the responses that have
    one. A person's first baseline is set against their latest follow-up.
    """
    response_ids = {a["response_id"] for a in baseline + follow_up}
    if not response_ids or not response_ids <= attributions.keys():
        return None
    first_baseline: dict[int, int] = {}
    last_follow_up: dict[int, int] = {}
    for answer in sorted(baseline, key=lambda a: attributions[a["response_id"]][1]):
        first_baseline.setdefault(attributions[answer["response_id"]][0], answer["number"])
    for answer in sorted(follow_up, key=lambda a: attributions[a["response_id"]][1]):
        last_follow_up[attributions[answer["response_id"]][0]] = answer["number"]
    return [
        (first_baseline[person], last_follow_up[person])
        for person in sorted(first_baseline)
        if person in last_follow_up
    ]


def baseline_follow_up_scores(schemes: Iterable[Scheme]) -> list[tuple[int, str, str, float]]:
    """(scheme id, moment, domain, score) for each mentee response at baseline (at match) or
    follow-up (periodic) in the schemes: the mean of its answers to the repeated 1–5 items of
    that domain, as the change figures pool them. One query; no answer leaves as itself."""
    per_response: dict[tuple[str, int, str, str], list[int]] = defaultdict(list)
    for response_id, scheme_id, moment, domain, number in (
        Answer.objects.filter(
            response__scheme__in=schemes,
            response__audience=Audience.MENTEE,
            response__moment__in=(Moment.AT_MATCH, Moment.PERIODIC),
            question__is_repeated=True,
            question__kind=Question.Kind.LIKERT,
            number__isnull=False,
        )
        .order_by()
        .values_list(
            "response_id", "response__scheme_id", "response__moment", "question__domain", "number"
        )
    ):
        per_response[(str(response_id), scheme_id, moment, domain)].append(
            int(number or 0)
        )  # never None: filtered above
    return [
        (scheme_id, moment, domain, sum(numbers) / len(numbers))
        for (_response, scheme_id, moment, domain), numbers in per_response.items()
    ]


def responses_by_quarter(schemes: Iterable[Scheme]) -> dict[tuple[int, date], int]:
    """{(scheme id, first day of the quarter): survey responses received in it}, by the month
    each was given in (a response keeps no finer date)."""
    rows = (
        Response.objects.filter(scheme__in=schemes)
        .annotate(quarter=TruncQuarter("submitted_month", output_field=DateField()))
        .order_by()
        .values("scheme_id", "quarter")
        .annotate(count=Count("pk"))
    )
    return {(row["scheme_id"], row["quarter"]): row["count"] for row in rows}
