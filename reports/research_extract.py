"""A pseudonymised research extract of a region's schemes: one row per scheme and calendar quarter.

Each row is a scheme (under a pseudonym) in one quarter, from the scheme's first activity (its
creation or its first enrolment, whichever came first) to the current quarter: the scheme's
variables from the regional survey, then what happened in the quarter. No name, email, GMC number,
free text, date finer than the quarter, or scheme or trust name is written.

Disclosure (schemes.disclosure, threshold T):

1. A column of counts of people (enrolments, withdrawals, pairs, survey responses) adds up, over
   a scheme's quarters, to a total that other reports show or let a reader work out (the
   provision report's enrolled mentees are the mentees who enrolled less those who withdrew; the
   dashboards' pairs are the pairs formed less those ended). So each such column of each scheme
   is a group (`disclosure.group`): a quarter of 1 to T−1 is suppressed, and so are enough other
   quarters that the total less the quarters shown never gives a hidden one.
2. Pairs active in a quarter are the pairs formed up to its end less those ended before it, so
   two quarters' active pairs give the pairs formed in one less those ended in the other. They
   are shown only while every earlier "formed" and "ended" cell of the scheme is shown, when
   they tell nothing the reader could not add up; else "not shown".
3. Meetings and their hours are shown only when at least T pairs were active in the quarter,
   supervision sessions and attendances only when at least T different mentors attended (a
   quarter with none of them reads 0).
4. No total row or column: every row is one scheme in one quarter.

Person-level rows are never given (see PERSON_LEVEL_NOTE). The counts come from a fixed number of
grouped queries over all the region's schemes, however many schemes and quarters.
"""

from collections.abc import Iterable, Iterator
from datetime import date, datetime, time

from django.utils import timezone
from django.utils.crypto import salted_hmac

from matching.selectors import pairs_by_quarter
from meetings.selectors import meetings_by_scheme_quarter
from schemes import disclosure
from schemes.selectors import (
    enrolments_by_quarter,
    mentee_withdrawals_by_quarter,
    region_schemes,
)
from supervision.selectors import supervision_by_quarter
from surveys.selectors import responses_by_quarter

from .exports import Table, about_rows

PSEUDONYM_SALT = "research-extract"

# The counts of people, each suppressed as a group over a scheme's quarters (rule 1).
GROUPED = (
    "new_mentees",
    "new_mentors",
    "mentees_withdrawn",
    "pairs_formed",
    "pairs_ended",
    "survey_responses",
)

# (column, meaning, how it is counted, how it is suppressed or rounded). The extract's columns
# are these, in this order; the heading of each is its name.
SCHEME_VARIABLE = "A scheme variable, as configured at the export (not as it was in that quarter)."
NOT_A_COUNT = "Not a count of people: shown as it is."
DICTIONARY = (
    (
        "scheme_code",
        "The scheme, under a pseudonym.",
        "S- and 8 hex digits of an HMAC-SHA256 of the scheme's id, keyed from the server's "
        "secret: the same in every download, different for each scheme, not reversible without "
        "the secret.",
        NOT_A_COUNT,
    ),
    (
        "trust_code",
        "The trust that hosts the scheme, under a pseudonym.",
        "T- and 8 hex digits, made as scheme_code is from the trust's id. A scheme run for "
        "several trusts has its host's code.",
        NOT_A_COUNT,
    ),
    (
        "quarter",
        "The calendar quarter, e.g. 2026 Q3 (Q1 is January to March).",
        "Every quarter from the scheme's first activity (its creation or its first enrolment, "
        "whichever came first) to the current one, which is not over yet.",
        NOT_A_COUNT,
    ),
    (
        "enrolment_model",
        "How mentees join: opt_in, opt_out or not_stated.",
        SCHEME_VARIABLE,
        NOT_A_COUNT,
    ),
    (
        "mentor_kinds",
        "peer: trainees may mentor (other kinds may too); senior only: consultants, SAS doctors "
        "or other professionals only; none set: no kind of mentor allowed yet.",
        SCHEME_VARIABLE,
        NOT_A_COUNT,
    ),
    ("mentors_may_be_trainees", "Trainees may mentor: yes or no.", SCHEME_VARIABLE, NOT_A_COUNT),
    (
        "mentors_may_be_consultants",
        "Consultants may mentor: yes or no.",
        SCHEME_VARIABLE,
        NOT_A_COUNT,
    ),
    ("mentors_may_be_sas", "SAS doctors may mentor: yes or no.", SCHEME_VARIABLE, NOT_A_COUNT),
    (
        "mentors_may_be_other",
        "Other healthcare professionals may mentor: yes or no.",
        SCHEME_VARIABLE,
        NOT_A_COUNT,
    ),
    (
        "mentor_training_required",
        "Training a mentor needs before matching: formal_external, formal_internal, informal or "
        "none.",
        SCHEME_VARIABLE,
        NOT_A_COUNT,
    ),
    (
        "mentor_support",
        "Support offered to mentors, joined by semicolons: one_to_one (1:1 supervision), group "
        "(group supervision), dme (from the DME), ad_hoc; or none.",
        SCHEME_VARIABLE,
        NOT_A_COUNT,
    ),
    (
        "run_by",
        "Who runs it: trainee_led, postgraduate_centre, workforce_development, "
        "training_and_development or joint.",
        SCHEME_VARIABLE,
        NOT_A_COUNT,
    ),
    (
        "meeting_interval_min_weeks",
        "The shortest agreed interval between a pair's meetings, in weeks.",
        SCHEME_VARIABLE,
        NOT_A_COUNT,
    ),
    (
        "meeting_interval_max_weeks",
        "The longest agreed interval between a pair's meetings, in weeks.",
        SCHEME_VARIABLE,
        NOT_A_COUNT,
    ),
    (
        "recruits_at_intake",
        "Recruits mentees at rotation start: yes or no.",
        SCHEME_VARIABLE,
        NOT_A_COUNT,
    ),
    ("accepts_requests", "Takes requests at any time: yes or no.", SCHEME_VARIABLE, NOT_A_COUNT),
    (
        "accepts_referrals",
        "Takes confidential referrals: yes or no.",
        SCHEME_VARIABLE,
        NOT_A_COUNT,
    ),
    (
        "admin_hours_per_month",
        "Administrative time given to the scheme, hours a month.",
        SCHEME_VARIABLE,
        NOT_A_COUNT,
    ),
    (
        "budget_pounds_per_year",
        "Budget for training and supervision, whole pounds a year.",
        SCHEME_VARIABLE,
        NOT_A_COUNT,
    ),
    (
        "new_mentees",
        "People who enrolled as mentees in the quarter.",
        "Mentee enrolments begun in the quarter, whatever became of them later (a later "
        "withdrawal still counts here); requests still waiting for the organiser are left out. "
        "A request counts in the quarter it was made once it is accepted.",
        "Grouped suppression over the scheme's quarters (rule 1 in the About sheet).",
    ),
    (
        "new_mentors",
        "People who enrolled as mentors in the quarter.",
        "As new_mentees, for mentor enrolments.",
        "Grouped suppression over the scheme's quarters (rule 1).",
    ),
    (
        "mentees_withdrawn",
        "Mentees whose enrolment was withdrawn in the quarter.",
        "Mentee enrolments withdrawn now whose withdrawal was recorded in the quarter: by the "
        "trainee, by the organiser, or when their account or placement ended.",
        "Grouped suppression over the scheme's quarters (rule 1).",
    ),
    (
        "pairs_formed",
        "Mentoring pairs formed in the quarter.",
        "Pairs created in the quarter, however they ended later.",
        "Grouped suppression over the scheme's quarters (rule 1).",
    ),
    (
        "pairs_active",
        "Pairs that existed at some time in the quarter.",
        "Pairs formed by the quarter's end and not ended before its start (paused pairs count).",
        "1 to T−1 reads 'fewer than T'. Shown only while every earlier pairs_formed and "
        "pairs_ended cell of the scheme is shown, else 'not shown' (rule 2).",
    ),
    (
        "pairs_ended",
        "Pairs that ended in the quarter, for any reason (a member's choice, a member leaving "
        "the scheme, rotating to another trust or closing their account).",
        "Pairs whose end was recorded in the quarter.",
        "Grouped suppression over the scheme's quarters (rule 1).",
    ),
    (
        "meetings_held",
        "Meetings the scheme's pairs logged as held in the quarter.",
        "Meetings dated in the quarter and not after the day of the export (a meeting dated "
        "later has not happened yet), confirmed by the other member or not.",
        "Not a count of people, but few pairs are few people: shown only when pairs_active is "
        "at least T (or is 0), else 'not shown' (rule 3).",
    ),
    (
        "meeting_hours",
        "Hours of those meetings.",
        "The meetings' durations added up, rounded to whole hours (a half hour up).",
        "As meetings_held (rule 3).",
    ),
    (
        "supervision_sessions_held",
        "Supervision sessions (1:1 and group) held for the scheme's mentors in the quarter.",
        "Sessions that started in the quarter, by the export, were not cancelled and have "
        "their attendance recorded.",
        "Shown only when at least T different mentors attended sessions in the quarter, or "
        "no session was held (0); else 'not shown' (rule 3).",
    ),
    (
        "supervision_attendances",
        "Times a mentor attended one of those sessions.",
        "Attendances recorded as attended (not apologies or absences).",
        "As supervision_sessions_held (rule 3).",
    ),
    (
        "survey_responses",
        "Survey responses received from the scheme's mentees and mentors in the quarter.",
        "By the month each response was given in (a response keeps no finer date).",
        "Grouped suppression over the scheme's quarters (rule 1).",
    ),
)

EXTRACT_COLUMNS = tuple((name, name) for name, *_ in DICTIONARY)
DICTIONARY_COLUMNS = (
    ("column", "Column"),
    ("meaning", "Meaning"),
    ("counted", "How it is counted"),
    ("disclosure", "How it is suppressed or rounded"),
)

PERSON_LEVEL_NOTE = (
    "Person-level rows are not given: a row about one person (a mentee's or mentor's "
    "enrolment, pairing or meetings over time) is a group of one, which the disclosure rules "
    "never let reach staff, however it is pseudonymised."
)


def disclosure_notes() -> list[tuple[str, str]]:
    """The rules of the extract, in the words the About sheet and the dictionary use."""
    threshold = disclosure.min_count()
    return [
        (
            "Counts of people",
            f"A count of 1 to {threshold - 1} reads '{disclosure.fewer_than()}'; 0 and "
            f"{threshold} or more are exact. T below is {threshold}.",
        ),
        (
            "Rule 1: grouped suppression",
            "Each column of counts of people, over one scheme's quarters, adds up to a total "
            "other reports show or imply (the provision report's enrolled mentees are those "
            "who enrolled less those who withdrew). So once one quarter is suppressed, enough "
            "of the scheme's other quarters are hidden with it that the total less the quarters "
            f"shown never recovers a hidden one; hidden cells read '{disclosure.fewer_than()}', "
            f"or '{disclosure.NOT_SHOWN}' when some of them hold T or more.",
        ),
        (
            "Rule 2: active pairs",
            "Active pairs are formed pairs less ended ones, so two quarters' active pairs would "
            "give a hidden number formed or ended by subtraction: they are shown only while "
            "every earlier pairs_formed and pairs_ended cell is shown, else "
            f"'{disclosure.NOT_SHOWN}'.",
        ),
        (
            "Rule 3: events",
            "Meetings and hours are shown only in a quarter with at least T active pairs (or "
            "none); supervision sessions and attendances only when at least T different mentors "
            f"attended (or no session was held); else '{disclosure.NOT_SHOWN}'. A cell shown "
            "therefore tells that its quarter reached T.",
        ),
        (
            "No totals",
            "No total row or column is given: each row is one scheme in one quarter. Adding up "
            "suppressed cells, or comparing with another report, cannot recover a hidden one "
            "because of rules 1 and 2.",
        ),
        (
            "Pseudonyms",
            "scheme_code and trust_code hide names, not identities: a scheme's variables (its "
            "budget, who runs it) match the provision report, so treat the extract as "
            "confidential management information.",
        ),
        ("Person-level rows", PERSON_LEVEL_NOTE),
    ]


def dictionary_rows() -> list[dict[str, str]]:
    """One row per column of the extract, then the rules, ending with PERSON_LEVEL_NOTE."""
    rows = [
        {"column": name, "meaning": meaning, "counted": counted, "disclosure": rule}
        for name, meaning, counted, rule in DICTIONARY
    ]
    rows += [{"column": label, "meaning": text} for label, text in disclosure_notes()]
    return rows


def research_extract_about(*, region, user) -> list[tuple[str, str]]:
    """The About sheet: what, when and the filters (not who: the audit log records the
    exporter, and the extract names nobody), then the disclosure rules."""
    rows = about_rows(what="Research extract", filters={"region": region.name}, user=user)
    rows = [(label, value) for label, value in rows if label != "Exported by"]
    return rows + disclosure_notes()


# --- Pseudonyms and quarters --------------------------------------------------------------------


def pseudonym(prefix: str, kind: str, pk: int) -> str:
    """e.g. "S-1a2b3c4d": stable for the object, not reversible without settings.SECRET_KEY."""
    digest = salted_hmac(PSEUDONYM_SALT, f"{kind}:{pk}", algorithm="sha256").hexdigest()
    return f"{prefix}-{digest[:8]}"


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarter_label(start: date) -> str:
    return f"{start.year} Q{(start.month - 1) // 3 + 1}"


def quarters_between(first: date, last: date) -> list[date]:
    """The first days of the quarters from `first`'s to `last`'s, both included."""
    quarters, current = [], quarter_start(first)
    while current <= last:
        quarters.append(current)
        month = current.month + 3
        current = date(current.year + (month > 12), (month - 1) % 12 + 1, 1)
    return quarters


# --- The counts ---------------------------------------------------------------------------------

COUNT_NAMES = (
    "new_mentees",
    "new_mentors",
    "enrolments",
    "mentees_withdrawn",
    "pairs_formed",
    "pairs_ended",
    "meetings_held",
    "meeting_minutes",
    "supervision_sessions_held",
    "supervision_attendances",
    "supervision_mentors",
    "survey_responses",
)


def _true_counts(schemes, today):
    """{scheme id: {quarter: {count name: n}}}, the true counts (never written as they are),
    from one grouped query per kind over all the schemes."""
    until = timezone.make_aware(datetime.combine(today, time.max))
    pairs = pairs_by_quarter(schemes)
    sources = [
        (
            enrolments_by_quarter(schemes),
            lambda v: {
                "new_mentees": v["mentees"],
                "new_mentors": v["mentors"],
                "enrolments": v["enrolments"],
            },
        ),
        (mentee_withdrawals_by_quarter(schemes), lambda v: {"mentees_withdrawn": v}),
        (pairs["formed"], lambda v: {"pairs_formed": v}),
        (pairs["ended"], lambda v: {"pairs_ended": v}),
        (
            meetings_by_scheme_quarter(schemes, until=today),
            lambda v: {"meetings_held": v[0], "meeting_minutes": v[1]},
        ),
        (
            supervision_by_quarter(schemes, until=until),
            lambda v: {
                "supervision_sessions_held": v["sessions"],
                "supervision_attendances": v["attendances"],
                "supervision_mentors": v["mentors"],
            },
        ),
        (responses_by_quarter(schemes), lambda v: {"survey_responses": v}),
    ]
    counts: dict[int, dict[date, dict[str, int]]] = {scheme.pk: {} for scheme in schemes}
    for values, names in sources:
        for (scheme_id, quarter), value in values.items():
            quarters = counts.setdefault(scheme_id, {})
            quarters.setdefault(quarter, dict.fromkeys(COUNT_NAMES, 0)).update(names(value))
    return counts


def _quarters(scheme, counts, current):
    """The scheme's quarters: from its creation or first enrolment, whichever came first, to
    `current`."""
    created = quarter_start(timezone.localdate(scheme.created_at))
    enrolled = [quarter for quarter, values in counts.items() if values["enrolments"]]
    return quarters_between(min([created, *enrolled]), current)


def _active_pairs(counts, quarters):
    """{quarter: pairs that existed at some time in it}: formed by its end, not ended before
    its start."""
    first = quarters[0]
    formed = sum(v["pairs_formed"] for q, v in counts.items() if q < first)
    ended = sum(v["pairs_ended"] for q, v in counts.items() if q < first)
    active = {}
    for quarter in quarters:
        values = counts.get(quarter, {})
        formed += values.get("pairs_formed", 0)
        active[quarter] = formed - ended
        ended += values.get("pairs_ended", 0)
    return active


def _whole_hours(minutes):
    """Minutes as whole hours, a half hour rounded up."""
    return (minutes + 30) // 60


# --- What may be shown --------------------------------------------------------------------------


def _event_cells(count, gate, *, names, values):
    """Counts of events (not people) shown only when `gate` people took part, at least T, or
    nobody did and nothing happened (rule 3)."""
    if disclosure.enough(gate) or (gate == 0 and count == 0):
        return dict(zip(names, values, strict=True))
    return dict.fromkeys(names, disclosure.NOT_SHOWN)


def _shown_series(counts, quarters):
    """{quarter: {column: cell}} of one scheme's counts, through schemes.disclosure (the rules
    in the module's docstring)."""
    zero = dict.fromkeys(COUNT_NAMES, 0)
    true = {quarter: counts.get(quarter, zero) for quarter in quarters}
    grouped = {
        name: disclosure.group({quarter: true[quarter][name] for quarter in quarters})
        for name in GROUPED
    }
    active = _active_pairs(counts, quarters)
    series, derivable = {}, True
    for quarter in quarters:
        values = true[quarter]
        derivable = derivable and not grouped["pairs_formed"][quarter].suppressed
        row = {name: grouped[name][quarter].cell() for name in GROUPED}
        row["pairs_active"] = (
            disclosure.count(active[quarter]).cell() if derivable else disclosure.NOT_SHOWN
        )
        row |= _event_cells(
            values["meetings_held"],
            active[quarter],
            names=("meetings_held", "meeting_hours"),
            values=(values["meetings_held"], _whole_hours(values["meeting_minutes"])),
        )
        row |= _event_cells(
            values["supervision_sessions_held"],
            values["supervision_mentors"],
            names=("supervision_sessions_held", "supervision_attendances"),
            values=(values["supervision_sessions_held"], values["supervision_attendances"]),
        )
        series[quarter] = row
        # Active pairs of the next quarter count the pairs ended in this one.
        derivable = derivable and not grouped["pairs_ended"][quarter].suppressed
    return series


# --- The tables ---------------------------------------------------------------------------------


def _mentor_kinds(scheme):
    if scheme.mentors_may_be_trainees:
        return "peer"
    if not scheme.is_peer_only:
        return "senior only"
    return "none set"


def scheme_variables(scheme) -> dict:
    """The regional survey's variables of a scheme, as codes the dictionary explains."""
    return {
        "scheme_code": pseudonym("S", "scheme", scheme.pk),
        "trust_code": pseudonym("T", "organisation", scheme.organisation_id),
        "enrolment_model": scheme.enrolment_model,
        "mentor_kinds": _mentor_kinds(scheme),
        "mentors_may_be_trainees": scheme.mentors_may_be_trainees,
        "mentors_may_be_consultants": scheme.mentors_may_be_consultants,
        "mentors_may_be_sas": scheme.mentors_may_be_sas,
        "mentors_may_be_other": scheme.mentors_may_be_other_professionals,
        "mentor_training_required": scheme.mentor_training_required,
        "mentor_support": ";".join(scheme.mentor_support) or "none",
        "run_by": scheme.run_by,
        "meeting_interval_min_weeks": scheme.meeting_interval_min_weeks,
        "meeting_interval_max_weeks": scheme.meeting_interval_max_weeks,
        "recruits_at_intake": scheme.recruits_at_intake,
        "accepts_requests": scheme.accepts_requests,
        "accepts_referrals": scheme.accepts_referrals,
        "admin_hours_per_month": float(scheme.admin_hours_per_month),
        "budget_pounds_per_year": int(scheme.budget_pounds_per_year),
    }


def _rows(schemes: Iterable, counts, current: date) -> Iterator[dict]:
    # Ordered by pseudonym, so that the order gives away neither names nor creation order.
    for scheme in sorted(schemes, key=lambda scheme: pseudonym("S", "scheme", scheme.pk)):
        variables = scheme_variables(scheme)
        quarters = _quarters(scheme, counts[scheme.pk], current)
        for quarter, cells in _shown_series(counts[scheme.pk], quarters).items():
            yield {**variables, "quarter": quarter_label(quarter), **cells}


def research_extract_tables(region, *, today: date | None = None) -> list[Table]:
    """The extract (one row per scheme and quarter) and its data dictionary.

    1. Read the region's schemes and their true counts by quarter (a fixed number of queries).
    2. For each scheme, its quarters from its first activity to the current one.
    3. Each scheme's counts through schemes.disclosure (the module's rules), one row a quarter.
    """
    today = today or timezone.localdate()
    schemes = region_schemes(region)
    counts = _true_counts(schemes, today)
    rows = list(_rows(schemes, counts, quarter_start(today)))
    return [
        Table("Research extract", EXTRACT_COLUMNS, rows),
        Table("Data dictionary", DICTIONARY_COLUMNS, dictionary_rows()),
    ]
