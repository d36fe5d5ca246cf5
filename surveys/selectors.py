"""Reads shared by views: open invitations, and survey results for a scheme or an organisation.

Every figure goes through the same small-numbers rule (statistics.MIN_GROUP_SIZE): a group with
fewer than five responses gets no figure, only the words "fewer than 5 responses". Results are
pooled across a survey's versions question by question (by `Question.code`, which changes when
the wording does) and, for an organisation, across its schemes.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

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

SUPPRESSED_TEXT = f"fewer than {statistics.MIN_GROUP_SIZE} responses"
DOMAIN_LABELS = dict(Domain.choices)
DOMAIN_ORDER = [value for value, _ in Domain.choices]


def open_invitations_for(user, *, now=None):
    """The user's surveys still waiting for an answer, newest first."""
    now = now or timezone.now()
    return (
        Invitation.objects.filter(user=user, responded_at=None, closes_at__gt=now)
        .select_related("template", "scheme")
        .order_by("-created_at")
    )


@dataclass
class OptionRow:
    label: str
    count: int
    percent: int


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
    n: int
    value: float | None

    @property
    def suppressed(self):
        return statistics.is_suppressed(self.n)


@dataclass
class DomainScore:
    domain: str
    score: Score

    @property
    def label(self):
        return DOMAIN_LABELS[self.domain]


@dataclass
class QuarterRow:
    label: str
    n: int
    scores: list  # [DomainScore] in the survey's domain order

    @property
    def suppressed(self):
        return statistics.is_suppressed(self.n)


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
    def suppressed(self):
        return statistics.is_suppressed(self.responses)

    @property
    def rate_suppressed(self):
        return statistics.is_suppressed(self.responded)

    @property
    def response_rate(self):
        return round(100 * self.responded / self.invited) if self.invited else None

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
    def suppressed(self):
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


def scheme_results(scheme, *, include_free_text):
    return _results(
        responses=Response.objects.filter(scheme=scheme),
        invitations=Invitation.objects.filter(scheme=scheme),
        include_free_text=include_free_text,
    )


def organisation_results(organisation):
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


def survey_order(key):
    """Baseline, follow-up, end of pair, then anything else."""
    for position, word in enumerate(("baseline", "follow-up", "end-of-pair")):
        if word in key:
            return position
    return 9


def _question_catalogue(templates):
    """{key: {code: Question}}: the newest wording of each code, in the newest order.

    `templates` come newest first, so the first time a code is seen is its newest version.
    """
    catalogue = defaultdict(dict)
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
        suppressed=statistics.is_suppressed(n),
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
        result.options = [
            OptionRow(labels.get(option, str(option)), count, percent)
            for option, count, percent in statistics.distribution(values, [1, 2, 3, 4, 5])
        ]
    elif question.kind == kind.YES_NO:
        values = [row["number"] for row in rows]
        result.options = [
            OptionRow(label, count, percent)
            for (_, count, percent), label in zip(
                statistics.distribution(values, [1, 0]), ["Yes", "No"], strict=True
            )
        ]
    elif question.kind in (kind.SINGLE_CHOICE, kind.MULTIPLE_CHOICE):
        values = [choice for row in rows for choice in row["choices"]]
        options = list(question.choices) + sorted(set(values) - set(question.choices))
        result.options = [
            OptionRow(option, count, percent)
            for option, count, percent in statistics.distribution(values, options, respondents=n)
        ]
    elif include_free_text:
        # Unattributed, and sorted so that the order says nothing about who wrote what or when.
        result.free_text = sorted((row["text"] for row in rows), key=str.casefold)
    return result


def _domain_score(answers, domain):
    """Mean over responses of each response's mean Likert answer in `domain`."""
    per_response = defaultdict(list)
    for answer in answers:
        if answer["question__domain"] == domain and answer["question__kind"] == "likert":
            per_response[answer["response_id"]].append(answer["number"])
    n = len(per_response)
    if statistics.is_suppressed(n):
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
    return trend


def _changes(answers, templates):
    """For each repeated item: baseline (at match) against follow-up (every N months).

    Paired by person when every response involved is attributed (non-anonymous surveys);
    otherwise the difference of group means with Welch's interval (statistics.py says why).
    Two queries however many templates and items: the repeated questions of every template,
    then the attributions of every response involved.
    """
    order = {template.pk: index for index, template in enumerate(templates)}
    repeated = {}
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
            change = (
                None if statistics.is_suppressed(len(pairs)) else statistics.paired_change(pairs)
            )
            method, n_baseline, n_follow_up = "paired", len(pairs), len(pairs)
        else:
            n_baseline, n_follow_up = len(baseline), len(follow_up)
            method = "welch"
            change = (
                None
                if statistics.is_suppressed(min(n_baseline, n_follow_up))
                else statistics.welch_change(
                    [a["number"] for a in baseline], [a["number"] for a in follow_up]
                )
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
    first_baseline, last_follow_up = {}, {}
    for answer in sorted(baseline, key=lambda a: attributions[a["response_id"]][1]):
        first_baseline.setdefault(attributions[answer["response_id"]][0], answer["number"])
    for answer in sorted(follow_up, key=lambda a: attributions[a["response_id"]][1]):
        last_follow_up[attributions[answer["response_id"]][0]] = answer["number"]
    return [
        (first_baseline[person], last_follow_up[person])
        for person in sorted(first_baseline)
        if person in last_follow_up
    ]
