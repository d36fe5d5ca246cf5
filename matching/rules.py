"""Hard rules: which mentors a mentee may be matched with, and, when not, which rule says no.

A rule looks at one mentee and every mentor of the scheme at once and returns a numpy array of
booleans, one per mentor: True where it allows the pair. A pair becomes an edge for the engine
only when every rule allows it. A mentor refused by several rules is counted against the first
of them in `RULES` order, so an unmatched mentee's reason reads "no eligible mentor: no places
left 12, not far enough ahead in training 3" and the counts add up to the mentors in the scheme.

Everything a rule needs is loaded once per scheme into a `Pool` (a few queries, whatever the
number of people), which is what makes a round on 2,000 mentees take seconds, not minutes.

The training rule asks a check that the supervision app registers; see
`register_training_check`.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from django.db.models import Count
from django.utils import timezone

from accounts.models import Gender
from schemes.models import (
    TRAINEE_GRADES,
    Enrolment,
    MentoringArea,
    MentorTraining,
    Scheme,
    years_in_training,
)

from .models import Exclusion, MentorChoice, Pair

# --- Training: the supervision app provides the real check ----------------------------------

_training_check = None


def register_training_check(check):
    """Install the check that says which mentors have the training their scheme requires.

    The supervision feature (mentors' training records) registers its check here from its
    AppConfig.ready(): `check(scheme, enrolments)` receives a scheme whose
    `mentor_training_required` is not "none" and an iterable of its mentor enrolments, and
    returns the set of those enrolment ids whose training is recorded. Until a check is
    registered the gate fails closed: in a scheme that requires training no mentor counts as
    trained (and the system check matching.W001 says so). Pass None to remove the check. Returns
    the check that was registered before, so a test can put it back.
    """
    global _training_check
    previous, _training_check = _training_check, check
    return previous


def training_check_registered():
    return _training_check is not None


def trained_mentor_ids(scheme, enrolments):
    """Ids of the mentor enrolments that meet the scheme's training requirement: none when the
    scheme requires training and no check is registered to say who has it."""
    enrolments = list(enrolments)
    if scheme.mentor_training_required == MentorTraining.NONE:
        return {enrolment.pk for enrolment in enrolments}
    if _training_check is None:
        return set()
    return set(_training_check(scheme, enrolments))


def mentor_has_required_training(scheme, enrolment):
    return enrolment.pk in trained_mentor_ids(scheme, [enrolment])


# --- Profiles as the rules and scores read them ---------------------------------------------

AREA_BITS = {value: 1 << index for index, value in enumerate(MentoringArea.values)}

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
PARTS = ("morning", "lunchtime", "afternoon", "evening")
TIME_WORDS = DAYS + PARTS
DAY_MASK = (1 << len(DAYS)) - 1
PART_MASK = ((1 << len(PARTS)) - 1) << len(DAYS)
_TOKEN_BITS = {day: 1 << index for index, day in enumerate(DAYS)}
_TOKEN_BITS.update({day[:3]: bit for day, bit in list(_TOKEN_BITS.items())})
_TOKEN_BITS.update({part: 1 << (len(DAYS) + index) for index, part in enumerate(PARTS)})
_TOKEN_BITS.update(
    {
        "weekday": sum(1 << index for index in range(5)),
        "weekend": (1 << 5) | (1 << 6),
        "lunch": _TOKEN_BITS["lunchtime"],
        "night": _TOKEN_BITS["evening"],
        "anytime": DAY_MASK | PART_MASK,
        "flexible": DAY_MASK | PART_MASK,
    }
)


def areas_bits(areas):
    bits = 0
    for area in areas or ():
        bits |= AREA_BITS.get(area, 0)
    return bits


def availability_bits(text):
    """Days and parts of the day named in free text ("Tuesday evenings, weekend mornings")."""
    text = (text or "").lower().replace("any time", "anytime")
    bits = 0
    for word in re.findall(r"[a-z]+", text):
        word = word[:-1] if word.endswith("s") and word[:-1] in _TOKEN_BITS else word
        bits |= _TOKEN_BITS.get(word, 0)
    return bits


def availability_words(bits):
    return [word for word in TIME_WORDS if bits & _TOKEN_BITS[word]]


def availability_text(bits):
    """The times in `bits` as people say them: "Tuesday, Thursday evenings"."""
    if bits & (DAY_MASK | PART_MASK) == DAY_MASK | PART_MASK:
        return "any time"
    days = [word.capitalize() for word in DAYS if bits & _TOKEN_BITS[word]]
    parts = [f"{word}s" for word in PARTS if bits & _TOKEN_BITS[word]]
    if len(days) == len(DAYS):
        days = ["any day"]
    if len(parts) == len(PARTS):
        parts = ["any time of day"]
    return " ".join(filter(None, [", ".join(days), ", ".join(parts)]))


def _clean(text):
    return " ".join((text or "").split()).lower()


@dataclass
class MentorTable:
    """The scheme's mentors as columns, one numpy array per attribute, index = position."""

    enrolments: list
    columns: dict = field(default_factory=dict)

    def __post_init__(self):
        self.index_of = {enrolment.pk: i for i, enrolment in enumerate(self.enrolments)}
        self.vocabulary: dict = {}
        self._coded = None

    def __len__(self):
        return len(self.enrolments)

    def __getattr__(self, name):
        try:
            return self.__dict__["columns"][name]
        except KeyError:
            raise AttributeError(name) from None

    def take(self, indices):
        """A table of the mentors at `indices` (in that order)."""
        indices = np.asarray(indices, dtype=np.int64)
        table = MentorTable([self.enrolments[i] for i in indices])
        table.columns = {name: column[indices] for name, column in self.columns.items()}
        return table

    def coded(self):
        """This table with its text columns as integer codes (0 = blank), as the rules and
        scores read it: comparing 40 million codes is many times faster than strings."""
        if self._coded is None:
            table = MentorTable(self.enrolments)
            table.columns = dict(self.columns)
            for name, fixed in CODED_COLUMNS.items():
                values = self.columns[name].tolist()
                words = list(dict.fromkeys(["", *fixed, *sorted(set(values))]))
                vocabulary = {word: code for code, word in enumerate(words)}
                table.vocabulary[name] = vocabulary
                table.columns[name] = np.fromiter(
                    map(vocabulary.__getitem__, values), dtype=np.int64, count=len(values)
                )
            self._coded = table
        return self._coded

    def side_by_side(self):
        """This table with each column stood up as (m, 1): against a MenteeBlock of m mentees,
        row i meets mentee i only (pairs, not every mentee with every mentor)."""
        table = MentorTable(self.enrolments)
        table.columns = {name: column.reshape(-1, 1) for name, column in self.columns.items()}
        table.vocabulary = self.vocabulary
        return table


# Text columns compared by code; the fixed words have the same code in every table.
CODED_COLUMNS = {
    "specialty": (),
    "site": (),
    "gender": tuple(Gender.values),
    "mode": tuple(Enrolment.MeetingMode.values),
}
# A mentee's text missing from the mentors' words: equal to no mentor's, and not blank.
UNKNOWN_CODE = -1
# The mentee's sets, each read against one column of the mentors.
MEMBER_SETS = {
    "supervisor_emails": "email",
    "excluded_user_ids": "user_id",
    "ended_badly_user_ids": "user_id",
    "previous_mentor_user_ids": "user_id",
    "declined_mentor_ids": "enrolment_id",
}


@dataclass
class MenteeProfile:
    enrolment: Enrolment
    user_id: int
    scheme_id: int
    is_active: bool
    years: int
    specialty: str
    specialty_preference: str
    site: str
    prefers_same_site: bool
    areas: int
    mode: str
    availability: int
    gender_wanted: str
    waiting_days: float
    rematch_priority: bool
    trust_id: int = 0  # the trust the mentee counts in (host or partner)
    supervisor_emails: frozenset = frozenset()
    excluded_user_ids: frozenset = frozenset()
    ended_badly_user_ids: frozenset = frozenset()
    previous_mentor_user_ids: frozenset = frozenset()
    declined_mentor_ids: frozenset = frozenset()
    ranks: dict = field(
        default_factory=dict
    )  # mentor enrolment id -> the mentee's rank (1 = first)

    @property
    def pk(self):
        return self.enrolment.pk


class MenteeBlock:
    """Some mentees as columns of shape (b, 1), against a coded MentorTable's (m,) columns.

    A rule or criterion reads ``mentees.years - mentors.years`` and numpy broadcasting gives the
    (b, m) matrix of every pair at once; one mentee is a block of one. Text is coded with the
    mentor table's vocabulary; each set (supervisors, exclusions...) is kept as (row, member)
    pairs and read with `holds`.
    """

    def __init__(self, profiles, vocabulary):
        self.profiles = list(profiles)
        self.size = n = len(self.profiles)

        def column(attribute, dtype):
            values = (getattr(profile, attribute) for profile in self.profiles)
            return np.fromiter(values, dtype=dtype, count=n).reshape(n, 1)

        def coded(attribute, name):
            words = vocabulary[name]
            values = (words.get(getattr(p, attribute), UNKNOWN_CODE) for p in self.profiles)
            return np.fromiter(values, dtype=np.int64, count=n).reshape(n, 1)

        self.scheme_id = column("scheme_id", np.int64)
        self.user_id = column("user_id", np.int64)
        self.is_active = column("is_active", bool)
        self.years = column("years", np.int64)
        self.prefers_same_site = column("prefers_same_site", bool)
        self.areas = column("areas", np.int64)
        self.availability = column("availability", np.int64)
        self.waiting_days = column("waiting_days", float)
        self.rematch_priority = column("rematch_priority", bool)
        self.trust_id = column("trust_id", np.int64)
        self.specialty = coded("specialty", "specialty")
        self.site = coded("site", "site")
        self.mode = coded("mode", "mode")
        self.gender_wanted = coded("gender_wanted", "gender")
        preference = [profile.specialty_preference for profile in self.profiles]
        self.specialty_preference = np.array(preference, dtype=str).reshape(n, 1)
        self._members = {}
        for name in MEMBER_SETS:
            pairs = [
                (row, member) for row, p in enumerate(self.profiles) for member in getattr(p, name)
            ]
            self._members[name] = (
                np.array([row for row, _ in pairs], dtype=np.int64),
                np.array([member for _, member in pairs]),
            )
        ranks = [
            (row, mentor_id, rank)
            for row, profile in enumerate(self.profiles)
            for mentor_id, rank in profile.ranks.items()
        ]
        self._ranks = np.array(ranks, dtype=np.int64).reshape(len(ranks), 3)

    def holds(self, name, values):
        """(b, m) bool: whether each mentee's set `name` holds each mentor's value in `values`."""
        rows, members = self._members[name]
        if len(rows) == 0:
            return np.zeros((self.size, 1), dtype=bool)  # the same for every mentor
        found = np.zeros((self.size, len(values)), dtype=bool)
        positions = _positions(values, members)
        hit = positions >= 0
        found[rows[hit], positions[hit]] = True
        return found

    def ranks(self, mentors):
        """(b, m) int: the rank each mentee gave each mentor (1 = first choice), 0 for none."""
        if len(self._ranks) == 0:
            return np.zeros((self.size, 1), dtype=np.int64)  # the same for every mentor
        if mentors.enrolment_id.ndim == 2:  # side by side: mentee i and mentor i only
            ranked = {(row, mentor_id): rank for row, mentor_id, rank in self._ranks.tolist()}
            wanted = zip(range(self.size), mentors.enrolment_id[:, 0].tolist(), strict=True)
            found = [ranked.get(pair, 0) for pair in wanted]
            return np.array(found, dtype=np.int64).reshape(self.size, 1)
        ranks = np.zeros((self.size, len(mentors)), dtype=np.int64)
        positions = _positions(mentors.enrolment_id, self._ranks[:, 1])
        hit = positions >= 0
        ranks[self._ranks[hit, 0], positions[hit]] = self._ranks[hit, 2]
        return ranks


def _positions(values, wanted):
    """For each of `wanted`, its position in `values` (whose entries are distinct), or -1."""
    if len(values) == 0 or len(wanted) == 0:
        return np.full(len(wanted), -1, dtype=np.int64)
    order = np.argsort(values, kind="stable")
    found = np.minimum(np.searchsorted(values, wanted, sorter=order), len(values) - 1)
    positions = order[found]
    return np.where(values[positions] == wanted, positions, -1)


def _load_mentors(scheme, on):
    enrolments = list(
        Enrolment.objects.mentors()
        .current()
        .filter(scheme=scheme)
        .select_related("user")
        .order_by("pk")
    )
    current_pairs = dict(
        Pair.objects.current()
        .filter(scheme=scheme)
        .values_list("mentor_enrolment_id")
        .annotate(count=Count("pk"))
    )
    # A request waiting for the mentor's answer holds one of their places until it is answered.
    waiting = dict(
        MentorChoice.objects.waiting()
        .filter(mentor_enrolment__scheme=scheme)
        .values_list("mentor_enrolment_id")
        .annotate(count=Count("pk"))
    )
    trained = trained_mentor_ids(scheme, enrolments)
    table = MentorTable(enrolments)
    users = [enrolment.user for enrolment in enrolments]
    n = len(enrolments)

    def column(values, dtype):
        if dtype is str:
            return np.array(list(values), dtype=str).reshape(n)
        return np.fromiter(values, dtype=dtype, count=n)

    table.columns = {
        "enrolment_id": column((e.pk for e in enrolments), np.int64),
        "user_id": column((u.pk for u in users), np.int64),
        "scheme_id": column((e.scheme_id for e in enrolments), np.int64),
        "is_active": column((e.status == Enrolment.Status.ACTIVE for e in enrolments), bool),
        "is_available": column((e.available_for_matching for e in enrolments), bool),
        "places_left": column(
            (e.capacity - current_pairs.get(e.pk, 0) - waiting.get(e.pk, 0) for e in enrolments),
            np.int64,
        ),
        "is_trained": column((e.pk in trained for e in enrolments), bool),
        "kind_allowed": column((scheme.grade_may_mentor(u.grade) for u in users), bool),
        "is_trainee": column((u.grade in TRAINEE_GRADES or not u.grade for u in users), bool),
        "years": column((years_in_training(u, on) for u in users), np.int64),
        "gender": column((u.gender or "" for u in users), str),
        "email": column((u.email.lower() for u in users), str),
        "specialty": column((_clean(u.specialty) for u in users), str),
        "site": column(
            (_clean(e.site or u.site) for e, u in zip(enrolments, users, strict=True)), str
        ),
        "areas": column((areas_bits(e.areas) for e in enrolments), np.int64),
        "trust_id": column(
            (e.organisation_id or scheme.organisation_id for e in enrolments), np.int64
        ),
        "mode": column((e.meeting_mode for e in enrolments), str),
        "availability": column((availability_bits(e.availability) for e in enrolments), np.int64),
    }
    return table


def _grouped(pairs):
    groups = {}
    for key, value in pairs:
        groups.setdefault(key, set()).add(value)
    return {key: frozenset(values) for key, values in groups.items()}


def _load_mentees(scheme, enrolments, on, now):
    enrolments = list(enrolments)
    ids = {enrolment.pk for enrolment in enrolments}
    # Each query is per scheme (not `__in` a long list of ids) so it stays one query for any
    # number of mentees; rows for people outside `enrolments` are simply not used.
    excluded = _grouped(
        Exclusion.objects.filter(mentee_enrolment__scheme=scheme).values_list(
            "mentee_enrolment_id", "excluded_user_id"
        )
    )
    # Pairs that ended badly are few, and the same two people are kept apart in any scheme and
    # either role, so all of them are read.
    bad_pairs = list(Pair.objects.filter(ended_badly=True).values_list("mentee_id", "mentor_id"))
    ended_badly = _grouped(bad_pairs + [(mentor, mentee) for mentee, mentor in bad_pairs])
    previous_mentors = _grouped(
        Pair.objects.ended().filter(scheme=scheme).values_list("mentee_id", "mentor_id")
    )
    choices = MentorChoice.objects.filter(mentee_enrolment__scheme=scheme)
    declined = _grouped(
        choices.filter(status=MentorChoice.Status.DECLINED).values_list(
            "mentee_enrolment_id", "mentor_enrolment_id"
        )
    )
    # The mentee's ranking stands while a choice is open, and after it lapsed or was withdrawn:
    # an organiser's round still honours it. Declined and accepted choices no longer rank.
    ranks = {}
    for mentee_id, mentor_id, rank in choices.exclude(
        status__in=[MentorChoice.Status.DECLINED, MentorChoice.Status.ACCEPTED]
    ).values_list("mentee_enrolment_id", "mentor_enrolment_id", "rank"):
        if mentee_id in ids:
            ranks.setdefault(mentee_id, {})[mentor_id] = rank
    profiles = []
    for enrolment in enrolments:
        user = enrolment.user
        supervisors = {
            email.strip().lower()
            for email in (
                enrolment.educational_supervisor_email,
                enrolment.clinical_supervisor_email,
            )
            if email and email.strip()
        }
        profiles.append(
            MenteeProfile(
                enrolment=enrolment,
                user_id=user.pk,
                scheme_id=enrolment.scheme_id,
                is_active=enrolment.status == Enrolment.Status.ACTIVE,
                years=years_in_training(user, on),
                specialty=_clean(user.specialty),
                specialty_preference=enrolment.mentor_specialty_preference,
                site=_clean(enrolment.site or user.site),
                prefers_same_site=enrolment.prefers_same_site,
                areas=areas_bits(enrolment.areas),
                mode=enrolment.meeting_mode,
                availability=availability_bits(enrolment.availability),
                gender_wanted=(
                    enrolment.mentor_gender_preference
                    if scheme.asks_mentor_gender_preference
                    else ""
                ),
                waiting_days=max((now - enrolment.waiting_since).total_seconds() / 86400, 0),
                rematch_priority=enrolment.rematch_priority,
                trust_id=enrolment.organisation_id or scheme.organisation_id,
                supervisor_emails=frozenset(supervisors),
                excluded_user_ids=excluded.get(enrolment.pk, frozenset()),
                ended_badly_user_ids=ended_badly.get(user.pk, frozenset()),
                previous_mentor_user_ids=previous_mentors.get(user.pk, frozenset()),
                declined_mentor_ids=declined.get(enrolment.pk, frozenset()),
                ranks=ranks.get(enrolment.pk, {}),
            )
        )
    return profiles


# --- The rules -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    code: str
    label: str  # what is true of each mentor it refuses, e.g. "No places left"
    # (pool, MenteeBlock, coded MentorTable) -> bool array broadcastable to (mentees, mentors);
    # a mentor-only rule gets None for the mentees and returns one bool per mentor.
    allows: Callable
    mentor_only: bool = False  # the same answer for every mentee: computed once per pool


def _same_scheme(pool, mentees, mentors):
    return mentors.scheme_id == mentees.scheme_id


def _mentee_active(pool, mentees, mentors):
    return mentees.is_active


def _years_ahead(pool, mentees, mentors):
    """Trainee mentors are at least the scheme's minimum years ahead of this mentee in training.

    Consultants and other seniors are ahead by definition; the kind rule decides whether the
    scheme takes them at all.
    """
    ahead = mentors.years - mentees.years >= pool.scheme.mentor_min_years_in_training
    return ahead | ~mentors.is_trainee


def _gender(pool, mentees, mentors):
    return (mentees.gender_wanted == 0) | (mentors.gender == mentees.gender_wanted)


def _supervisor(pool, mentees, mentors):
    return ~mentees.holds("supervisor_emails", mentors.email)


RULES = (
    Rule("same_scheme", "In another scheme", _same_scheme),
    Rule("mentee_active", "The mentee is not active in the scheme", _mentee_active),
    Rule(
        "mentor_active",
        "Paused or not active in the scheme",
        lambda pool, mentee, mentors: mentors.is_active,
        mentor_only=True,
    ),
    Rule(
        "mentor_available",
        "Marked themselves unavailable",
        lambda pool, mentee, mentors: mentors.is_available,
        mentor_only=True,
    ),
    Rule(
        "mentor_capacity",
        "No places left",
        lambda pool, mentee, mentors: mentors.places_left > 0,
        mentor_only=True,
    ),
    Rule(
        "mentor_training",
        "Training the scheme requires not recorded",
        lambda pool, mentee, mentors: mentors.is_trained,
        mentor_only=True,
    ),
    Rule(
        "mentor_kind",
        "A grade the scheme does not take as mentors (e.g. consultants in a peer-only scheme)",
        lambda pool, mentee, mentors: mentors.kind_allowed,
        mentor_only=True,
    ),
    Rule(
        "same_person",
        "The mentee themself",
        lambda pool, mentees, mentors: mentors.user_id != mentees.user_id,
    ),
    Rule("years_ahead", "Not far enough ahead of the mentee in training", _years_ahead),
    Rule("supervisor", "The mentee's educational or clinical supervisor", _supervisor),
    Rule(
        "excluded",
        "Excluded by the mentee or an organiser",
        lambda pool, mentees, mentors: ~mentees.holds("excluded_user_ids", mentors.user_id),
    ),
    Rule(
        "ended_badly",
        "An earlier pair with the mentee ended badly",
        lambda pool, mentees, mentors: ~mentees.holds("ended_badly_user_ids", mentors.user_id),
    ),
    Rule(
        "previous_mentor",
        "The mentee's previous mentor",
        lambda pool, mentees, mentors: ~mentees.holds("previous_mentor_user_ids", mentors.user_id),
    ),
    Rule(
        "declined",
        "Declined the mentee's request before",
        lambda pool, mentees, mentors: ~mentees.holds("declined_mentor_ids", mentors.enrolment_id),
    ),
    Rule("gender", "Not the gender the mentee asked for", _gender),
)
RULES_BY_CODE = {rule.code: rule for rule in RULES}


class Pool:
    """A scheme's mentors and some of its mentees, loaded once, with the rules applied to them."""

    def __init__(self, scheme, mentors, mentees, on):
        self.scheme = scheme
        self.mentors = mentors
        self.mentees = mentees
        self.on = on
        self._mentor_only = {
            rule.code: np.asarray(rule.allows(self, None, mentors), dtype=bool)
            for rule in RULES
            if rule.mentor_only
        }
        open_mask = np.ones(len(mentors), dtype=bool)
        for allowed in self._mentor_only.values():
            open_mask &= allowed
        # The mentors every mentor-only rule allows: the per-mentee rules need only look at them.
        self.open_indices = np.flatnonzero(open_mask)
        self.open_mentors = mentors.take(self.open_indices)

    @classmethod
    def load(
        cls, scheme: Scheme, mentee_enrolments: Iterable[Enrolment], *, on: date | None = None
    ):
        now = timezone.now()
        on = on or timezone.localdate()
        mentee_enrolments = list(mentee_enrolments)
        for enrolment in mentee_enrolments:
            if enrolment.scheme_id != scheme.pk:
                raise ValueError(f"{enrolment} is not in {scheme}")
        return cls(
            scheme, _load_mentors(scheme, on), _load_mentees(scheme, mentee_enrolments, on, now), on
        )

    def allowed(self, mentees, mentors):
        """(b, m) bool: which pairs of a MenteeBlock and a coded table every per-mentee rule
        allows (the mentor-only rules are not asked: use it on `open_mentors`)."""
        allowed = np.ones((mentees.size, len(mentors)), dtype=bool)
        for rule in RULES:
            if not rule.mentor_only:
                allowed &= rule.allows(self, mentees, mentors)
        return allowed

    def block(self, mentees, mentors):
        """`mentees` (profiles) as a MenteeBlock read against `mentors.coded()`."""
        return MenteeBlock(mentees, mentors.coded().vocabulary)

    def eligible_among_open(self, mentee):
        """Bool array over `self.open_mentors`: which of them `mentee` may be matched with."""
        mentors = self.open_mentors.coded()
        return self.allowed(self.block([mentee], mentors), mentors)[0]

    def eligible_indices(self, mentee):
        """Positions in `self.mentors` of the mentors `mentee` may be matched with."""
        return self.open_indices[self.eligible_among_open(mentee)]

    def _answers(self, mentee, mentors):
        """Each rule's answer for `mentee` and every one of `mentors`, in RULES order."""
        coded = mentors.coded()
        block = self.block([mentee], mentors)
        for rule in RULES:
            if rule.mentor_only and mentors is self.mentors:
                answer = self._mentor_only[rule.code]
            else:
                answer = rule.allows(self, None if rule.mentor_only else block, coded)
            yield rule, np.broadcast_to(answer, (1, len(mentors)))[0]

    def refusals_by_mentor(self, mentee):
        """Per mentor (in `self.mentors` order), every rule refusing the pair, in RULES order."""
        refusing = [[] for _ in range(len(self.mentors))]
        for rule, allowed in self._answers(mentee, self.mentors):
            for index in np.flatnonzero(~allowed):
                refusing[index].append(rule)
        return refusing

    def exclusion_counts(self, mentee):
        """{rule label: how many mentors it was the first to refuse}, in RULES order."""
        return self.exclusion_counts_of([mentee])[0]

    def exclusion_counts_of(self, mentees):
        """`exclusion_counts` of each of `mentees`, a block of them at a time (a round where
        every mentor is full asks it of every mentee)."""
        table = self.mentors.coded()
        counted = []
        for start in range(0, len(mentees), 256):
            block = MenteeBlock(mentees[start : start + 256], table.vocabulary)
            first = np.full((block.size, len(table)), -1, dtype=np.int64)
            for index, rule in enumerate(RULES):
                if rule.mentor_only:
                    allowed = self._mentor_only[rule.code]
                else:
                    allowed = rule.allows(self, block, table)
                first[(first < 0) & ~np.broadcast_to(allowed, first.shape)] = index
            for refusing in first:
                counts = np.bincount(refusing[refusing >= 0], minlength=len(RULES))
                counted.append(
                    {RULES[i].label: int(count) for i, count in enumerate(counts) if count}
                )
        return counted

    def refusal(self, mentee, mentor_enrolment_id):
        """The first rule refusing this pair, or None if the pair is allowed."""
        index = self.mentors.index_of.get(mentor_enrolment_id)
        if index is None:
            return RULES_BY_CODE["same_scheme"]
        for rule, allowed in self._answers(mentee, self.mentors.take([index])):
            if not allowed[0]:
                return rule
        return None


def pair_refusal(mentee_enrolment, mentor_enrolment):
    """The first rule refusing to match these two enrolments, or None when they may be matched."""
    if mentee_enrolment.scheme_id != mentor_enrolment.scheme_id:
        return RULES_BY_CODE["same_scheme"]
    pool = Pool.load(mentee_enrolment.scheme, [mentee_enrolment])
    return pool.refusal(pool.mentees[0], mentor_enrolment.pk)
