"""The figures of the scheme and organisation dashboards: metadata only, never a trainee's name.

`dashboard(schemes, enrolments=...)` answers for any set of schemes. The filtered mentee
enrolments (reports.filters.DashboardFilter) choose the cohort; pairs and meetings follow that
cohort. Each figure comes from a grouped query or from rows grouped in Python, and the training,
supervision and survey figures are read for all the schemes at once, so the number of queries is
the same however many schemes, trainees, pairs, meetings, sessions or survey answers there are.

Training, supervision, survey and cost figures describe whole schemes: the grade, specialty, site
and date filters do not apply to them (the template says so).

Every count of people goes through schemes.disclosure: primary and secondary suppression of the
funnel and the breakdowns (a figure is a `Shown`: the page renders it, the exports take its
`cell()`, the charts its `plotted`), and the sensitive categories (routes in, pair health,
survey figures) only in the unfiltered view; a filtered view has None for them and shows
disclosure.SENSITIVE_NOTE instead.
"""

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from accounts.selectors import grade_labels
from meetings.health import Health, pair_health
from meetings.selectors import (
    dashboard_pairs,
    meeting_pair_count,
    meetings_by_quarter,
    mentee_dashboard_rows,
)
from schemes import disclosure
from schemes.selectors import (
    dashboard_mentee_enrolments,
    enrolled_mentee_count,
    enrolled_mentees_by_part,
    report_vocabulary,
    scheme_admits_trainee,
    trainee_population,
)
from supervision.selectors import (
    supervision_activity_for_schemes,
    training_coverage_for_schemes,
)
from surveys.selectors import organisation_results, scheme_results, suppressed_text

from .uptake import counted_from, part_label, uptake_band

VOCABULARY = report_vocabulary()
ENROLLED_STATUSES = VOCABULARY["enrolled_statuses"]
GRADE_LABELS = grade_labels()


def mentee_enrolments(schemes, organisation=None):
    """The mentee enrolments a dashboard starts from (the FilterSet narrows them); with
    `organisation`, those that count in that trust."""
    return dashboard_mentee_enrolments(schemes, organisation=organisation)


@dataclass
class Funnel:
    eligible: int
    enrolled: int
    matched: int
    meeting: int
    counted_from: str = ""  # where the eligible trainees come from (reports.uptake.counted_from)

    @property
    def uptake(self):
        """Enrolled as a % of eligible, or None: no eligible group of the threshold or more, or
        a suppressed number enrolled."""
        if not disclosure.enough(self.eligible) or disclosure.count(self.enrolled).suppressed:
            return None
        return round(100 * self.enrolled / self.eligible, 1)

    @property
    def band(self):
        return uptake_band(self.uptake)

    def rows(self):
        """Each stage as shown: a count of 1 to 4 reads "fewer than 5"."""
        return [
            ("Eligible trainees", disclosure.count(self.eligible)),
            ("Enrolled as mentees", disclosure.count(self.enrolled)),
            ("Matched", disclosure.count(self.matched)),
            ("Meeting at the target interval", disclosure.count(self.meeting)),
        ]


def eligible_trainees(schemes, *, grade="", specialty="", site="", on=None, organisation_ids=None):
    """Trainees of the trusts the schemes serve (or of `organisation_ids` among them) whom at
    least one of the schemes admits, placed there on `on` where the trust has a trainee list,
    and where they are counted from (the text of reports.uptake.counted_from): (count, counted
    from). Two queries."""
    served = [(scheme, scheme.trust_ids()) for scheme in schemes]
    trust_ids = set().union(*(ids for _, ids in served))
    if organisation_ids is not None:
        trust_ids &= set(organisation_ids)
    population = trainee_population(
        trust_ids,
        on=on,
        grade=grade,
        specialty=specialty,
        site=site,
    )
    count = sum(
        count
        for (organisation_id, trainee_grade, specialty_lower), count in population.groups.items()
        if organisation_id in trust_ids
        and any(
            organisation_id in ids and scheme_admits_trainee(scheme, trainee_grade, specialty_lower)
            for scheme, ids in served
        )
    )
    return count, _sources_text(trust_ids, population.list_dates)


def _sources_text(trust_ids, list_dates):
    """One trust (every dashboard): its source; several: each source, once."""
    texts = []
    for organisation_id in sorted(trust_ids):
        text = counted_from(list_dates.get(organisation_id))
        if text not in texts:
            texts.append(text)
    return "; ".join(texts)


def _shown_rows(cells, total):
    """(label, Shown) rows of one group: exact cells largest first, then the hidden cells in
    the order given (never by size, which would tell what they hold)."""
    shown = disclosure.group(cells, total=total)
    exact = sorted(
        ((label, value) for label, value in shown.items() if not value.suppressed),
        key=lambda item: (-item[1].value, str(item[0])),
    )
    return exact + [(label, value) for label, value in shown.items() if value.suppressed]


def _breakdown(rows, key, labels=None):
    """Mentees by one attribute, as shown: the cells in alphabetical order go to the
    disclosure rules (so which cell is hidden depends on the counts alone)."""
    counts = Counter()
    for row in rows:
        value = row[key] or ""
        counts[(labels or {}).get(value, value) or "Not given"] += 1
    cells = {label: counts[label] for label in sorted(counts, key=str)}
    return _shown_rows(cells, len(rows))


def _by_source(rows):
    """Enrolled mentees by how they came, every route listed, as one disclosure group."""
    counts = Counter(row["source"] for row in rows)
    cells = {label: counts.get(value, 0) for value, label in VOCABULARY["source_choices"]}
    shown = disclosure.group(cells, total=len(rows))
    return list(shown.items())


def _quarter_label(day):
    return f"{day.year} Q{(day.month - 1) // 3 + 1}"


def _quarter_end(day):
    month = day.month + 3
    year = day.year + (month > 12)
    month = month - 12 if month > 12 else month
    return date(year, month, 1)


def _pair_lifetimes(pairs):
    """Each pair's (created, ended or None) as local dates, converted once."""
    return [
        (
            timezone.localdate(pair.created_at),
            timezone.localdate(pair.ended_at) if pair.ended_at else None,
        )
        for pair in pairs
    ]


def _quarter_row(start, meetings, lifetimes):
    """One quarter's figures: pairs alive at some time in it, and meetings per pair if enough."""
    if hasattr(start, "date"):
        start = start.date()
    end = _quarter_end(start)
    alive = sum(
        1 for created, ended in lifetimes if created < end and (ended is None or ended >= start)
    )
    enough = disclosure.enough(alive)
    return {
        "label": _quarter_label(start),
        "meetings": meetings if enough else None,
        "pairs": disclosure.count(alive),
        "per_pair": round(meetings / alive, 1) if enough else None,
    }


def _meetings_per_pair(pairs, schemes, enrolments, today):
    """Per quarter: meetings logged ÷ pairs that existed at some time in the quarter. A meeting
    dated after today (a slip of the date) is left out."""
    lifetimes = _pair_lifetimes(pairs)
    return [
        _quarter_row(start, meetings, lifetimes)
        for start, meetings in meetings_by_quarter(schemes, enrolments, until=today)
    ]


def _pairs_by_state(pairs, today):
    counts = Counter()
    for pair in pairs:
        health = pair_health(pair, today)
        counts[Health.LABELS[health] if health else pair.get_status_display()] += 1
    order = [*Health.LABELS.values(), "Paused", "Ended"]
    return list(disclosure.group({label: counts.get(label, 0) for label in order}).items())


def _percent(part, whole):
    """A whole-number percentage where disclosure.share allows one, else None."""
    return None if disclosure.share(part, whole) is None else round(100 * part / whole)


def _training_and_supervision(schemes, now):
    """Mentor training and supervision over all the schemes, in four queries however many."""
    coverage = training_coverage_for_schemes(schemes)
    activity = supervision_activity_for_schemes(schemes, months=12, now=now)
    active = sum(item["active_mentors"] for item in coverage.values())
    meets = sum(item["meets_requirement"] for item in coverage.values())
    attended, apologies, absent, sessions = (
        sum(item[name] for item in activity.values())
        for name in ("attended", "apologies", "absent", "sessions_held")
    )
    recorded = attended + apologies + absent
    # Mentors trained or not, and places attended, sent apologies or missed: two groups that add
    # up to totals on the page. A percentage only when neither side of it is suppressed.
    training = disclosure.group({"trained": meets, "untrained": active - meets}, total=active)
    places = disclosure.group(
        {"attended": attended, "apologies": apologies, "absent": absent}, total=recorded
    )
    return {
        "active_mentors": disclosure.count(active),
        "trained": training["trained"],
        "trained_percent": (
            None
            if any(value.suppressed for value in training.values())
            else _percent(meets, active)
        ),
        "sessions_held": sessions,
        "attended": places["attended"],
        "recorded": disclosure.count(recorded),
        "attendance_percent": (
            None
            if any(value.suppressed for value in places.values())
            else _percent(attended, recorded)
        ),
    }


def _surveys(schemes, organisation):
    """Response rates and domain scores, exactly as far as surveys.selectors shows them."""
    if organisation is not None:
        results = organisation_results(organisation)
    elif len(schemes) == 1:
        results = scheme_results(schemes[0], include_free_text=False)
    else:
        return []
    rows = []
    for survey in results.surveys:
        rows.append(
            {
                "name": survey.name,
                "audience": survey.audience_label,
                "invited": disclosure.count(survey.invited),
                "responded": disclosure.count(survey.responded),
                "rate": None if survey.rate_suppressed else survey.response_rate,
                "rate_suppressed": survey.rate_suppressed,
                "domains": [
                    {
                        "label": entry.label,
                        "n": entry.score.n,
                        "value": None if entry.score.suppressed else round(entry.score.value, 2),
                        "suppressed": entry.score.suppressed,
                    }
                    for entry in survey.domains
                ],
            }
        )
    return rows


def _cost(schemes):
    """(admin hours a month × 12 × hourly rate + budget a year) ÷ mentees, and ÷ active pairs."""
    rate = Decimal(str(settings.REPORTS_ADMIN_HOURLY_RATE))
    total = sum(
        (scheme.admin_hours_per_month * 12 * rate + scheme.budget_pounds_per_year)
        for scheme in schemes
    )
    mentees = enrolled_mentee_count(schemes)
    active_pairs = meeting_pair_count(schemes)
    return {
        "rate": rate,
        "total": Decimal(total).quantize(Decimal("1")),
        "mentees": disclosure.count(mentees),
        "active_pairs": disclosure.count(active_pairs),
        "per_mentee": (
            (Decimal(total) / mentees).quantize(Decimal("1"))
            if disclosure.enough(mentees)
            else None
        ),
        "per_active_pair": (
            (Decimal(total) / active_pairs).quantize(Decimal("1"))
            if disclosure.enough(active_pairs)
            else None
        ),
    }


def _people(rows):
    """Distinct people (once per scheme) among enrolment rows."""
    return len({(row["scheme_id"], row["user_id"]) for row in rows})


def _funnel_stages(rows, intervals, today):
    """(enrolled now, matched, meeting at their scheme's target interval) rows."""
    current = [row for row in rows if row["status"] in ENROLLED_STATUSES]
    matched = [row for row in current if row["first_pair_at"] is not None]
    meeting = [
        row
        for row in matched
        if row["last_meeting_on"]
        and row["last_meeting_on"] >= today - timedelta(weeks=intervals[row["scheme_id"]])
    ]
    return current, matched, meeting


def _funnel(schemes, filters, current, matched, meeting, today, part_of):
    eligible, source = eligible_trainees(
        schemes,
        grade=filters.get("grade") or "",
        specialty=filters.get("specialty") or "",
        site=filters.get("site") or "",
        on=today,
        organisation_ids=None if part_of is None else {part_of.pk},
    )
    return Funnel(
        eligible=eligible,
        enrolled=_people(current),
        matched=_people(matched),
        meeting=_people(meeting),
        counted_from=source,
    )


def _by_month(rows):
    """Enrolments by the month they began: every month from the first, empty ones too."""
    months = Counter()
    for row in rows:
        month = row["month"]
        months[(month.year, month.month)] += 1
    month_cells = {}
    if months:
        (year, month), last = min(months), max(months)
        while (year, month) <= last:
            month_cells[date(year, month, 1).strftime("%b %Y")] = months[(year, month)]
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return list(disclosure.group(month_cells).items())


def _month_chart(by_month):
    return {
        "labels": [label for label, _ in by_month],
        "values": [value.plotted for _, value in by_month],
        "plotted": any(value.plotted for _, value in by_month),
        "label": "Mentees",
        "type": "line",
    }


def _days_to_match(matched):
    """How many matched, and the median days from enrolment to first pair if enough."""
    days = [max((row["first_pair_at"] - row["created_at"]).days, 0) for row in matched]
    return {
        "n": disclosure.count(len(days)),
        "median": statistics.median(days) if disclosure.enough(len(days)) else None,
    }


def _enrolment_models(schemes):
    models = Counter(scheme.enrolment_model for scheme in schemes)
    return [(label, models.get(value, 0)) for value, label in VOCABULARY["enrolment_model_choices"]]


def _by_scheme(schemes, part_of, enrolled):
    """A trust's part of each scheme that serves it (enrolled_mentees_by_part, the count the
    provision report shows too), as one disclosure group adding up to the trust's mentees
    enrolled; a scheme run for several trusts is labelled as such. None on a scheme's own
    dashboard and in a filtered view (the parts are not filtered)."""
    if part_of is None:
        return None
    parts = enrolled_mentees_by_part(schemes)
    cells = {part_label(scheme): parts.get((scheme.pk, part_of.pk), 0) for scheme in schemes}
    return list(disclosure.group(cells, total=enrolled).items())


def _sensitive(filtered, current, pairs, schemes, organisation, today):
    """The sensitive categories: None each in a filtered view (disclosure rule 3)."""
    if filtered:
        return {"by_source": None, "pairs_by_state": None, "surveys": None}
    return {
        "by_source": _by_source(current),
        "pairs_by_state": _pairs_by_state(pairs, today),
        "surveys": _surveys(schemes, organisation),
    }


def dashboard(
    schemes,
    *,
    enrolments=None,
    filters=None,
    organisation=None,
    today=None,
    filtered=False,
    part_of=None,
):
    """Every figure of a dashboard for `schemes`.

    `part_of`: the trust whose dashboard this is. Its mentee enrolments alone count (those
    attributed to it, as `enrolments` must be too), against its own eligible trainees; the
    scheme-wide figures (mentors, supervision, surveys, cost) cover only the schemes it runs
    itself, never another trust's scheme it is a partner of, so no other trust's part can be
    read off or worked out by subtraction.

    `filtered`: the view is narrowed by a filter in the query string, so the sensitive
    categories (routes in, pair health, surveys) are None and the page shows
    `sensitive_note` in their place (schemes/disclosure.py, rule 3).

    `enrolments`: the filtered mentee enrolments (default: all of the schemes'); `filters`: the
    FilterSet's cleaned data (grade, specialty and site also narrow the eligible trainees);
    `organisation`: set on the organisation dashboard (survey results pooled over its schemes).

    1. Read the enrolments' rows and their pairs (metadata only).
    2. The funnel: eligible, enrolled, matched, meeting at the target interval.
    3. The breakdowns of those enrolled, by month, days to match.
    4. Meetings per pair, the sensitive categories, mentors, surveys and cost.
    """
    schemes = list(schemes)
    own = [s for s in schemes if part_of is None or s.organisation_id == part_of.pk]
    filters = filters or {}
    now = timezone.now()
    today = today or timezone.localdate(now)
    if enrolments is None:
        enrolments = mentee_enrolments(schemes, organisation=part_of)
    intervals = {scheme.pk: scheme.meeting_interval_max_weeks for scheme in schemes}
    rows = mentee_dashboard_rows(enrolments)
    current, matched, meeting = _funnel_stages(rows, intervals, today)
    by_month = _by_month(rows)
    pairs = dashboard_pairs(schemes, enrolments)
    return {
        "filtered": filtered,
        "sensitive_note": disclosure.SENSITIVE_NOTE,
        "funnel": _funnel(schemes, filters, current, matched, meeting, today, part_of),
        "by_scheme": None if filtered else _by_scheme(schemes, part_of, _people(current)),
        "partner_schemes": len(own) < len(schemes),
        "by_grade": _breakdown(current, "user__grade", GRADE_LABELS),
        "by_specialty": _breakdown(current, "user__specialty"),
        "by_site": _breakdown(current, "site"),
        "by_month": by_month,
        "month_chart": _month_chart(by_month),
        "enrolment_models": _enrolment_models(schemes),
        "days_to_match": _days_to_match(matched),
        "meetings_per_pair": _meetings_per_pair(pairs, schemes, enrolments, today),
        "mentors": _training_and_supervision(own, now),
        "survey_suppressed_text": suppressed_text(),
        "cost": _cost(own),
        **_sensitive(filtered, current, pairs, own, organisation, today),
    }
