"""The figures of the scheme and organisation dashboards: metadata only, never a trainee's name.

`dashboard(schemes, enrolments=...)` answers for any set of schemes. The filtered mentee
enrolments (reports.filters.DashboardFilter) choose the cohort; pairs and meetings follow that
cohort. Each figure comes from a grouped query or from rows grouped in Python, and the training,
supervision and survey figures are read for all the schemes at once, so the number of queries is
the same however many schemes, trainees, pairs, meetings, sessions or survey answers there are.

Training, supervision, survey and cost figures describe whole schemes: the grade, specialty, site
and date filters do not apply to them (the template says so).
"""

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Max, Min
from django.db.models.functions import Lower, TruncMonth, TruncQuarter
from django.utils import timezone

from accounts.models import Grade, User
from matching.models import Pair
from meetings.health import MEETING_STATUSES, Health, pair_health
from meetings.models import Meeting
from meetings.selectors import with_metadata
from schemes.models import TRAINEE_GRADES, Enrolment, EnrolmentModel, MenteeEligibility
from supervision.selectors import (
    supervision_activity_for_schemes,
    training_coverage_for_schemes,
)
from surveys.selectors import SUPPRESSED_TEXT, organisation_results, scheme_results

from .uptake import uptake_band

MIN_REFERRAL_GROUP = 5
FEWER_THAN_5 = "fewer than 5"
NOT_SHOWN = "not shown"
ENROLLED_STATUSES = (Enrolment.Status.ACTIVE, Enrolment.Status.PAUSED)
SOURCE_LABELS = dict(Enrolment.Source.choices)
GRADE_LABELS = dict(Grade.choices)


def mentee_enrolments(schemes):
    """The mentee enrolments a dashboard starts from (the FilterSet narrows them)."""
    return Enrolment.objects.filter(scheme__in=schemes, role=Enrolment.Role.MENTEE).exclude(
        status=Enrolment.Status.REQUESTED
    )


@dataclass
class Funnel:
    eligible: int
    enrolled: int
    matched: int
    meeting: int

    @property
    def uptake(self):
        return round(100 * self.enrolled / self.eligible, 1) if self.eligible else None

    @property
    def band(self):
        return uptake_band(self.uptake)

    def rows(self):
        return [
            ("Eligible trainees", self.eligible),
            ("Enrolled as mentees", self.enrolled),
            ("Matched", self.matched),
            ("Meeting at the target interval", self.meeting),
        ]


def _admits(scheme, grade, specialty_lower):
    if grade not in TRAINEE_GRADES:
        return False
    if scheme.mentee_eligibility != MenteeEligibility.CHOSEN:
        return True
    if scheme.eligible_grades and grade not in scheme.eligible_grades:
        return False
    specialties = {value.lower() for value in scheme.eligible_specialties}
    return not specialties or specialty_lower in specialties


def eligible_trainees(schemes, *, grade="", specialty="", site=""):
    """Trainees of the schemes' organisations whom at least one of the schemes admits (1 query)."""
    users = User.objects.filter(
        organisation_id__in={scheme.organisation_id for scheme in schemes},
        grade__in=TRAINEE_GRADES,
        is_active=True,
    )
    if grade:
        users = users.filter(grade=grade)
    if specialty:
        users = users.filter(specialty__iexact=specialty)
    if site:
        users = users.filter(site__iexact=site)
    groups = users.values("organisation_id", "grade", specialty_lower=Lower("specialty")).annotate(
        count=Count("id")
    )
    return sum(
        row["count"]
        for row in groups
        if any(
            scheme.organisation_id == row["organisation_id"]
            and _admits(scheme, row["grade"], row["specialty_lower"])
            for scheme in schemes
        )
    )


def _breakdown(rows, key, labels=None):
    counts = Counter(row[key] or "" for row in rows)
    result = [
        ((labels or {}).get(value, value) or "Not given", count)
        for value, count in counts.most_common()
    ]
    return sorted(result, key=lambda item: (-item[1], str(item[0])))


def _by_source(rows):
    """Enrolled mentees by how they came; referrals only in groups of five or more.

    A referral count of 1 to 4 reads "fewer than 5". The total is on the page too (the funnel,
    and every breakdown adds up to it), so if the other routes were shown the referrals would be
    the total less the rest. So when the referrals are 1 to 4, every other route reads "not
    shown": the reader learns that the referrals are 1 to 4, which the words say anyway (and
    the total leaves at least two possibilities unless it is 1). A single mentee, therefore,
    shows no route at all, referred or not. Each choice depends only on what the page shows or
    says anyway, so knowing this rule tells a reader nothing more; the tests check it against
    every cohort of up to 12 mentees.

    (Hiding only the smallest other route would not do: with 6 self sign-ups, 6 from a cohort
    and 4 referrals, showing the 6 from the cohort leaves 10 for referrals and self sign-ups
    together, self sign-ups at most 6 since the smallest is the one hidden, so the referrals
    are at least 4: exactly 4.)
    """
    counts = Counter(row["source"] for row in rows)
    if len(rows) == 1:
        return [(label, NOT_SHOWN) for _value, label in Enrolment.Source.choices]
    suppressed = 0 < counts[Enrolment.Source.REFERRAL] < MIN_REFERRAL_GROUP
    result = []
    for value, label in Enrolment.Source.choices:
        if suppressed:
            result.append(
                (label, FEWER_THAN_5 if value == Enrolment.Source.REFERRAL else NOT_SHOWN)
            )
        else:
            result.append((label, counts.get(value, 0)))
    return result


def _quarter_label(day):
    return f"{day.year} Q{(day.month - 1) // 3 + 1}"


def _quarter_end(day):
    month = day.month + 3
    year = day.year + (month > 12)
    month = month - 12 if month > 12 else month
    return date(year, month, 1)


def _meetings_per_pair(pairs, schemes, enrolments, today):
    """Per quarter: meetings logged ÷ pairs that existed at some time in the quarter. A meeting
    dated after today (a slip of the date) is left out."""
    quarters = (
        Meeting.objects.filter(
            pair__scheme__in=schemes, pair__mentee_enrolment__in=enrolments, held_on__lte=today
        )
        .annotate(quarter=TruncQuarter("held_on"))
        .order_by("quarter")
        .values("quarter")
        .annotate(meetings=Count("pk"))
    )
    # Each pair's dates, converted to local dates once rather than once per quarter.
    lifetimes = [
        (
            timezone.localdate(pair.created_at),
            timezone.localdate(pair.ended_at) if pair.ended_at else None,
        )
        for pair in pairs
    ]
    result = []
    for row in quarters:
        start = row["quarter"]
        if hasattr(start, "date"):
            start = start.date()
        end = _quarter_end(start)
        alive = sum(
            1 for created, ended in lifetimes if created < end and (ended is None or ended >= start)
        )
        result.append(
            {
                "label": _quarter_label(start),
                "meetings": row["meetings"],
                "pairs": alive,
                "per_pair": round(row["meetings"] / alive, 1) if alive else None,
            }
        )
    return result


def _pairs_by_state(pairs, today):
    counts = Counter()
    for pair in pairs:
        health = pair_health(pair, today)
        counts[Health.LABELS[health] if health else pair.get_status_display()] += 1
    order = [*Health.LABELS.values(), "Paused", "Ended"]
    return [(label, counts.get(label, 0)) for label in order]


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
    return {
        "active_mentors": active,
        "trained": meets,
        "trained_percent": round(100 * meets / active) if active else None,
        "sessions_held": sessions,
        "attended": attended,
        "recorded": recorded,
        "attendance_percent": round(100 * attended / recorded) if recorded else None,
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
                "invited": survey.invited,
                "responded": survey.responded,
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
    mentees = (
        Enrolment.objects.filter(
            scheme__in=schemes, role=Enrolment.Role.MENTEE, status__in=ENROLLED_STATUSES
        )
        .values("scheme_id", "user_id")
        .distinct()
        .count()
    )
    active_pairs = Pair.objects.filter(scheme__in=schemes, status__in=MEETING_STATUSES).count()
    return {
        "rate": rate,
        "total": Decimal(total).quantize(Decimal("1")),
        "mentees": mentees,
        "active_pairs": active_pairs,
        "per_mentee": (Decimal(total) / mentees).quantize(Decimal("1")) if mentees else None,
        "per_active_pair": (
            (Decimal(total) / active_pairs).quantize(Decimal("1")) if active_pairs else None
        ),
    }


def dashboard(schemes, *, enrolments=None, filters=None, organisation=None, today=None):
    """Every figure of a dashboard for `schemes`.

    `enrolments`: the filtered mentee enrolments (default: all of the schemes'); `filters`: the
    FilterSet's cleaned data (grade, specialty and site also narrow the eligible trainees);
    `organisation`: set on the organisation dashboard (survey results pooled over its schemes).
    """
    schemes = list(schemes)
    filters = filters or {}
    now = timezone.now()
    today = today or timezone.localdate(now)
    if enrolments is None:
        enrolments = mentee_enrolments(schemes)
    intervals = {scheme.pk: scheme.meeting_interval_max_weeks for scheme in schemes}

    rows = list(
        enrolments.annotate(
            first_pair_at=Min("pairs_as_mentee__created_at"),
            last_meeting_on=Max("pairs_as_mentee__meetings__held_on"),
            month=TruncMonth("created_at"),
        )
        .order_by()
        .values(
            "user_id",
            "scheme_id",
            "status",
            "source",
            "site",
            "created_at",
            "month",
            "first_pair_at",
            "last_meeting_on",
            "user__grade",
            "user__specialty",
        )
    )
    current = [row for row in rows if row["status"] in ENROLLED_STATUSES]
    matched = [row for row in current if row["first_pair_at"] is not None]
    meeting = [
        row
        for row in matched
        if row["last_meeting_on"]
        and row["last_meeting_on"] >= today - timedelta(weeks=intervals[row["scheme_id"]])
    ]

    def people(group):
        return len({(row["scheme_id"], row["user_id"]) for row in group})

    funnel = Funnel(
        eligible=eligible_trainees(
            schemes,
            grade=filters.get("grade") or "",
            specialty=filters.get("specialty") or "",
            site=filters.get("site") or "",
        ),
        enrolled=people(current),
        matched=people(matched),
        meeting=people(meeting),
    )

    months = Counter()
    for row in rows:
        month = row["month"]
        months[(month.year, month.month)] += 1
    by_month = []
    if months:
        (year, month), last = min(months), max(months)
        while (year, month) <= last:  # every month from the first enrolment, empty ones too
            by_month.append((date(year, month, 1).strftime("%b %Y"), months[(year, month)]))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)

    days_to_match = [(row["first_pair_at"] - row["created_at"]).days for row in matched]
    days_to_match = [max(days, 0) for days in days_to_match]

    pairs = list(
        with_metadata(
            Pair.objects.filter(scheme__in=schemes, mentee_enrolment__in=enrolments)
            .select_related("scheme")
            .only(
                "status",
                "created_at",
                "ended_at",
                "scheme__meeting_interval_max_weeks",
            )
        ).order_by()
    )

    models = Counter(scheme.enrolment_model for scheme in schemes)
    return {
        "funnel": funnel,
        "by_grade": _breakdown(current, "user__grade", GRADE_LABELS),
        "by_specialty": _breakdown(current, "user__specialty"),
        "by_site": _breakdown(current, "site"),
        "by_source": _by_source(current),
        "by_month": by_month,
        "month_chart": {
            "labels": [label for label, _ in by_month],
            "values": [value for _, value in by_month],
            "label": "Mentees",
            "type": "line",
        },
        "enrolment_models": [
            (label, models.get(value, 0)) for value, label in EnrolmentModel.choices
        ],
        "days_to_match": {
            "n": len(days_to_match),
            "median": statistics.median(days_to_match) if days_to_match else None,
        },
        "meetings_per_pair": _meetings_per_pair(pairs, schemes, enrolments, today),
        "pairs_by_state": _pairs_by_state(pairs, today),
        "mentors": _training_and_supervision(schemes, now),
        "surveys": _surveys(schemes, organisation),
        "survey_suppressed_text": SUPPRESSED_TEXT,
        "cost": _cost(schemes),
    }
