"""Reads that several views share."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.db.models import (
    Count,
    DateField,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import Coalesce, Lower, TruncQuarter
from django.utils import timezone

from accounts.selectors import active_user_groups

from .eligibility import mentee_decision, mentor_decision
from .models import (
    TRAINEE_GRADES,
    Enrolment,
    EnrolmentModel,
    MenteeEligibility,
    MentorSupport,
    MentorTraining,
    Organisation,
    Placement,
    Region,
    RunBy,
    Scheme,
    SchemeRole,
    TraineeListImport,
    attributed_trust,
)

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from accounts.models import User


def schemes_for_trainee(user: User) -> list[dict[str, Any]]:
    """The open schemes of the user's trust, and those run for several trusts that include it,
    each with what the user may do there.

    Returns a list of dicts: scheme, mentee (Decision), mentor (Decision), window (open intake
    window or None), next_window, enrolments (the user's current ones).
    """
    if not user.organisation_id:
        return []
    today = timezone.localdate()
    schemes = (
        Scheme.objects.serving(user.organisation_id)
        .filter(is_open=True)
        .select_related("organisation")
        .prefetch_related("intake_windows", "partner_organisations")
    )
    mine: dict[int, list[Enrolment]] = {}
    for enrolment in Enrolment.objects.current().filter(user=user):
        mine.setdefault(enrolment.scheme_id, []).append(enrolment)
    rows = []
    for scheme in schemes:
        windows = list(scheme.intake_windows.all())
        rows.append(
            {
                "scheme": scheme,
                "mentee": mentee_decision(scheme, user),
                "mentor": mentor_decision(scheme, user),
                "window": next((w for w in windows if w.opens_on <= today <= w.closes_on), None),
                "next_window": next((w for w in windows if w.opens_on > today), None),
                "enrolments": mine.get(scheme.pk, []),
            }
        )
    return rows


# A mentee or mentor counts as enrolled while active or paused; requests and withdrawals do not.


def _people(enrolments):
    """How many people hold one of `enrolments` in the outer scheme (a subquery)."""
    counted = (
        enrolments.filter(scheme=OuterRef("pk"))
        .order_by()
        .values("scheme")
        .annotate(count=Count("user", distinct=True))
        .values("count")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def scheme_counts(schemes: QuerySet[Scheme]) -> QuerySet[Scheme]:
    """Schemes annotated with the numbers every page shows for a scheme (metadata only):
    `mentee_count` (mentees enrolled, active or paused), `mentor_count` (active mentors) and
    `request_count` (requests waiting); and `has_organiser` (one with an active account).

    Each number is a subquery of its own and the schemes are re-selected by primary key, so the
    joins of a visibility rule (a scheme's roles, its trust's DMEs, its region's leads) cannot
    multiply them.
    """
    return (
        Scheme.objects.filter(pk__in=schemes.values("pk"))
        .select_related("organisation")
        .annotate(
            mentee_count=_people(Enrolment.objects.mentees().enrolled()),
            mentor_count=_people(Enrolment.objects.mentors().active()),
            request_count=_people(Enrolment.objects.requested()),
            has_organiser=Exists(
                SchemeRole.objects.filter(
                    scheme=OuterRef("pk"), role=SchemeRole.Role.ORGANISER, user__is_active=True
                )
            ),
        )
    )


def scheme_staff(scheme: Scheme) -> QuerySet[SchemeRole]:
    return (
        SchemeRole.objects.filter(scheme=scheme)
        .select_related("user")
        .order_by("role", "user__last_name")
    )


# --- Reads for reports ---
# Counts, dates and statuses for the reports app, which imports no model of ours.


def report_vocabulary() -> dict[str, Any]:
    """The enrolment and scheme choices a report labels its figures with, as plain values."""
    return {
        "enrolled_statuses": Enrolment.ENROLLED_STATUSES,
        "source_choices": list(Enrolment.Source.choices),
        "role_labels": dict(Enrolment.Role.choices),
        "statuses": [value for value, _label in Enrolment.Status.choices],
        "enrolment_model_choices": list(EnrolmentModel.choices),
        "mentor_training_choices": list(MentorTraining.choices),
        "mentor_support_choices": list(MentorSupport.choices),
        "run_by_choices": list(RunBy.choices),
        "opt_in": EnrolmentModel.OPT_IN,
        "opt_out": EnrolmentModel.OPT_OUT,
        "referral": Enrolment.Source.REFERRAL,
        "requested": Enrolment.Status.REQUESTED,
        "withdrawn": Enrolment.Status.WITHDRAWN,
    }


def trainee_grades() -> list[str]:
    return list(TRAINEE_GRADES)


def scheme_admits_trainee(scheme: Scheme, grade: str, specialty_lower: str) -> bool:
    """Whether the scheme's mentee rules admit a trainee of `grade` and (lower-case) specialty."""
    if grade not in TRAINEE_GRADES:
        return False
    if scheme.mentee_eligibility != MenteeEligibility.CHOSEN:
        return True
    if scheme.eligible_grades and grade not in scheme.eligible_grades:
        return False
    specialties = {value.lower() for value in scheme.eligible_specialties}
    return not specialties or specialty_lower in specialties


@dataclass(frozen=True)
class TraineePopulation:
    """The trainees of some organisations by (organisation id, grade, lower-case specialty), and
    where each organisation's count comes from: `list_dates` holds the date of the latest
    trainee list of each organisation that has one; the others are counted from accounts."""

    groups: dict[tuple[int, str, str], int]
    list_dates: dict[int, date]


def trainee_list_dates(organisation_ids: Iterable[int]) -> dict[int, date]:
    """{organisation id: date of its latest confirmed trainee list} for those that have one."""
    return dict(
        TraineeListImport.objects.filter(
            organisation_id__in=organisation_ids, confirmed_at__isnull=False
        )
        .values_list("organisation_id")
        .annotate(latest=Max("as_of"))
    )


def placement_groups(
    organisation_ids: Iterable[int],
    *,
    on: date,
    grade: str = "",
    specialty: str = "",
    site: str = "",
) -> dict[tuple[int, str, str], int]:
    """People placed at the organisations on `on` (one grouped query), grouped like
    accounts.selectors.active_user_groups and narrowed the same way."""
    placements = Placement.objects.current(on).filter(
        organisation_id__in=organisation_ids, grade__in=TRAINEE_GRADES
    )
    if grade:
        placements = placements.filter(grade=grade)
    if specialty:
        placements = placements.filter(specialty__iexact=specialty)
    if site:
        placements = placements.filter(site__iexact=site)
    return {
        (row["organisation_id"], row["grade"], row["specialty_lower"]): row["count"]
        for row in placements.values(
            "organisation_id", "grade", specialty_lower=Lower("specialty")
        ).annotate(count=Count("gmc_number", distinct=True))
    }


def trainee_population(
    organisation_ids: Iterable[int],
    *,
    on: date | None = None,
    grade: str = "",
    specialty: str = "",
    site: str = "",
) -> TraineePopulation:
    """The one denominator of uptake: for an organisation with a trainee list, the people placed
    there on `on` (default today), whether or not they have an account; for one without, its
    active trainees with accounts. One query to find the lists, one or two to count."""
    ids = set(organisation_ids)
    on = on or timezone.localdate()
    list_dates = trainee_list_dates(ids) if ids else {}
    narrow = {"grade": grade, "specialty": specialty, "site": site}
    groups: dict[tuple[int, str, str], int] = {}
    if listed := ids & set(list_dates):
        groups.update(placement_groups(listed, on=on, **narrow))
    if unlisted := ids - set(list_dates):
        groups.update(active_user_groups(unlisted, grades=trainee_grades(), **narrow))
    return TraineePopulation(groups=groups, list_dates=list_dates)


def trainee_groups(
    organisation_ids: Iterable[int],
    *,
    on: date | None = None,
    grade: str = "",
    specialty: str = "",
    site: str = "",
) -> dict[tuple[int, str, str], int]:
    """Trainees of the organisations by (organisation id, grade, lower-case specialty), from
    their trainee lists where they have one (see `trainee_population`)."""
    return trainee_population(
        organisation_ids, on=on, grade=grade, specialty=specialty, site=site
    ).groups


def dashboard_mentee_enrolments(
    schemes: Iterable[Scheme], *, organisation: Organisation | None = None
) -> QuerySet[Enrolment]:
    """The mentee enrolments a dashboard starts from: all but requests still waiting; with
    `organisation`, only those that count in that trust (its part of a scheme run for several
    trusts)."""
    enrolments = (
        Enrolment.objects.mentees()
        .filter(scheme__in=schemes)
        .exclude(status=Enrolment.Status.REQUESTED)
    )
    if organisation is not None:
        enrolments = enrolments.attributed_to([organisation.pk])
    return enrolments


def organisation_schemes(organisation: Organisation) -> QuerySet[Scheme]:
    """The schemes a trust's dashboard counts: its own, and its part of those run by another
    trust for several (Scheme.partner_organisations)."""
    return (
        Scheme.objects.serving(organisation)
        .select_related("organisation")
        .prefetch_related("partner_organisations")
        .order_by("name")
    )


def enrolled_mentees_by_part(schemes: Iterable[Scheme]) -> dict[tuple[int, int], int]:
    """{(scheme id, trust id): people enrolled (active or paused) as mentees who count in that
    trust}: each trust's part of a scheme. The one count of a part that the organisation
    dashboard, the provision report and their exports show."""
    return {
        (scheme_id, trust_id): count
        for scheme_id, trust_id, count in Enrolment.objects.mentees()
        .enrolled()
        .filter(scheme__in=schemes)
        .annotate(trust=attributed_trust())
        .order_by()
        .values_list("scheme_id", "trust")
        .annotate(count=Count("user", distinct=True))
    }


def enrolled_mentee_count(schemes: Iterable[Scheme]) -> int:
    """People enrolled (active or paused) as mentees, once per scheme."""
    return (
        Enrolment.objects.mentees()
        .enrolled()
        .filter(scheme__in=schemes)
        .values("scheme_id", "user_id")
        .distinct()
        .count()
    )


def enrolled_mentees_by_scheme(schemes: Iterable[Scheme]) -> dict[int, int]:
    """{scheme id: people with a mentee enrolment neither withdrawn nor still requested}."""
    return dict(
        Enrolment.objects.mentees()
        .enrolled()
        .filter(scheme__in=schemes)
        .values_list("scheme_id")
        .annotate(count=Count("user", distinct=True))
    )


def region_organisations(region: Region) -> list[Organisation]:
    return list(Organisation.objects.filter(region=region).order_by("name"))


def region_schemes(region: Region) -> list[Scheme]:
    return list(
        Scheme.objects.filter(organisation__region=region)
        .select_related("organisation")
        .prefetch_related("partner_organisations")
    )


def scheme_enrolments(scheme: Scheme) -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(scheme=scheme)


def enrolment_states_before(
    organisation: Organisation, user_ids: Iterable[int], ends: datetime
) -> QuerySet[Any]:
    """(user id, role, status, status changed at) of the users' enrolments that count in the
    organisation (its own schemes, and its trainees' part of those run for several trusts),
    begun before `ends`."""
    return (
        Enrolment.objects.annotate(trust=attributed_trust())
        .filter(trust=organisation.pk, user_id__in=user_ids, created_at__lt=ends)
        .values_list("user_id", "role", "status", "status_changed_at")
    )


def enrolments_begun_before(
    schemes: Iterable[Scheme], user_ids: Iterable[int], ends: datetime
) -> QuerySet[Any]:
    """(user id, scheme id, trust id, role, status, status changed at) of the users' enrolments
    in the schemes, begun before `ends`; the trust is the one each enrolment counts in. The
    regional evaluation reads who took part in a training year from these, scheme by scheme, as
    `enrolment_states_before` does for one trust."""
    return (
        Enrolment.objects.annotate(trust=attributed_trust())
        .filter(scheme__in=schemes, user_id__in=user_ids, created_at__lt=ends)
        .order_by()
        .values_list("user_id", "scheme_id", "trust", "role", "status", "status_changed_at")
    )


def mentors_enrolled_between(
    schemes: Iterable[Scheme], *, since: datetime, until: datetime
) -> list[tuple[int, int]]:
    """(scheme id, user id) of the schemes' mentor enrolments active at some time from `since`
    to `until`: begun by `until`, and active now, or paused or withdrawn since `since` (a
    request still waiting is left out). A person appears once per enrolment. One query."""
    status = Enrolment.Status
    return list(
        Enrolment.objects.mentors()
        .filter(scheme__in=schemes, created_at__lte=until)
        .filter(
            Q(status=status.ACTIVE)
            | Q(status__in=[status.PAUSED, status.WITHDRAWN], status_changed_at__gte=since)
        )
        .order_by()
        .values_list("scheme_id", "user_id")
    )


# --- By calendar quarter (the research extract) -------------------------------------------------

QuarterKey = tuple[int, date]  # (scheme id, first day of the quarter)


def enrolments_by_quarter(schemes: Iterable[Scheme]) -> dict[QuarterKey, dict[str, int]]:
    """{(scheme id, quarter): {"mentees", "mentors", "enrolments"}} in one grouped query.

    "mentees" and "mentors" are the people whose enrolment in that role began in the quarter,
    requests still waiting for the organiser left out (an enrolment later withdrawn still
    began); "enrolments" counts every enrolment begun, requests too, so that a scheme's first
    activity can be found.
    """
    begun = ~Q(status=Enrolment.Status.REQUESTED)
    rows = (
        Enrolment.objects.filter(scheme__in=schemes)
        .annotate(quarter=TruncQuarter("created_at", output_field=DateField()))
        .order_by()
        .values("scheme_id", "quarter")
        .annotate(
            mentees=Count("user", distinct=True, filter=begun & Q(role=Enrolment.Role.MENTEE)),
            mentors=Count("user", distinct=True, filter=begun & Q(role=Enrolment.Role.MENTOR)),
            enrolments=Count("pk"),
        )
    )
    return {
        (row["scheme_id"], row["quarter"]): {
            "mentees": row["mentees"],
            "mentors": row["mentors"],
            "enrolments": row["enrolments"],
        }
        for row in rows
    }


def mentee_withdrawals_by_quarter(schemes: Iterable[Scheme]) -> dict[QuarterKey, int]:
    """{(scheme id, quarter): people whose mentee enrolment was withdrawn in the quarter}."""
    rows = (
        Enrolment.objects.mentees()
        .filter(scheme__in=schemes, status=Enrolment.Status.WITHDRAWN)
        .annotate(quarter=TruncQuarter("status_changed_at", output_field=DateField()))
        .order_by()
        .values("scheme_id", "quarter")
        .annotate(count=Count("user", distinct=True))
    )
    return {(row["scheme_id"], row["quarter"]): row["count"] for row in rows}
