"""Soft criteria: how well an eligible mentor suits a mentee, in points, with the reason in words.

Each criterion gives every mentor of a `MentorTable` a fraction between 0 and 1 for one mentee
(numpy, so a round scores a whole scheme at once); its points are that fraction times the weight
the scheme chose in `MatchingSettings`. A pair's score is the sum of its points, and its
explanation lists each criterion that counted: `[label, points, words]`. Explaining a pair uses
the very same functions on a one-row table, so the words always add up to the score.

A mentee who asked for a new mentor after a pair ended (`rematch_priority`) gets a bonus as big
as every other weight together, so re-matches come first when places are short.
"""

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np

from accounts.models import Grade
from schemes.models import Enrolment, MentoringArea

from .models import MatchingSettings
from .rules import (
    AREA_BITS,
    DAY_MASK,
    PART_MASK,
    MenteeBlock,
    MenteeProfile,
    MentorTable,
    availability_text,
)

Preference = Enrolment.SpecialtyPreference
ANY_MODE = Enrolment.MeetingMode.ANY
IDEAL_YEARS_AHEAD = (1, 2)
WAITING_FULL_BONUS_DAYS = 90
ORDINALS = {1: "1st", 2: "2nd", 3: "3rd"}
# TextChoices.choices builds a new list on every access; these are read once per explanation.
AREA_LABELS = tuple(MentoringArea.choices)
MODE_LABELS = dict(Enrolment.MeetingMode.choices)


@dataclass(frozen=True)
class Criterion:
    name: str  # also the weight's name: MatchingSettings.weight_<name>
    label: str
    # (MenteeBlock, coded MentorTable) -> floats in [0, 1], broadcastable to (mentees, mentors)
    fraction: Callable
    words: Callable  # (mentee, one-row mentors, fraction) -> str, or None when it did not count


def _per_mentee(values, mentors):
    """A (b, 1) column of the mentees, for every mentor (by broadcasting)."""
    return np.asarray(values, dtype=float)


def _plural(count, word):
    return f"{count} {word}{'' if count == 1 else 's'}"


# Specialty, as the mentee prefers ------------------------------------------------------------


def _specialty_fraction(mentees, mentors):
    has_specialty = mentees.specialty != 0
    wants_same = (mentees.specialty_preference == Preference.SAME) & has_specialty
    wants_other = (mentees.specialty_preference == Preference.DIFFERENT) & has_specialty
    same = mentors.specialty == mentees.specialty
    return np.where(wants_same, same, wants_other & ~same & (mentors.specialty != 0)).astype(float)


def _specialty_words(mentee, mentor, fraction):
    specialty = mentor.enrolments[0].user.specialty or "not given"
    if mentee.specialty_preference == Preference.SAME and mentee.specialty:
        if fraction:
            return f"The same specialty as the mentee ({specialty}), as they asked"
        return f"A different specialty ({specialty}), though the mentee asked for their own"
    if mentee.specialty_preference == Preference.DIFFERENT and mentee.specialty:
        if fraction:
            return f"A different specialty ({specialty}), as the mentee asked"
        return "The same specialty as the mentee, though they asked for a different one"
    return None


# Site ------------------------------------------------------------------------------------------


def _site_fraction(mentees, mentors):
    wants_own = mentees.prefers_same_site & (mentees.site != 0)
    return (wants_own & (mentors.site == mentees.site)).astype(float)


def _site_words(mentee, mentor, fraction):
    if not (mentee.prefers_same_site and mentee.site):
        return None
    enrolment = mentor.enrolments[0]
    site = enrolment.site or enrolment.user.site
    if fraction:
        return f"Works at the same site ({site}), as the mentee prefers"
    where = f" ({site})" if site else ""
    return f"Works at another site{where}, though the mentee prefers their own"


# Nearby, in a scheme run for several trusts: the same trust, the same site ---------------------
#
# A small bonus, never a rule: a region-wide round prefers a mentor close by when the rest is
# equal, and still pairs across trusts when that is the only way. A scheme of one trust gives it
# no weight (`weights_for`), so its scores are as they were.

NEARBY_WEIGHT = 2


def _nearby_fraction(mentees, mentors):
    same_trust = mentors.trust_id == mentees.trust_id
    same_site = (mentors.site == mentees.site) & (mentors.site != 0)
    return 0.5 * same_trust + 0.5 * (same_trust & same_site)


def _nearby_words(mentee, mentor, fraction):
    if int(mentor.trust_id[0]) != mentee.trust_id:
        return "Works in another of the scheme's trusts"
    if fraction >= 1:
        return "Works in the same trust and at the same site as the mentee"
    return "Works in the same trust as the mentee"


# Goals and the mentor's areas of experience ----------------------------------------------------


def _goals_fraction(mentees, mentors):
    wanted = np.bitwise_count(mentees.areas)
    shared = np.bitwise_count(mentors.areas & mentees.areas)
    return np.where(wanted > 0, shared / np.maximum(wanted, 1), 0.0)


def _goals_words(mentee, mentor, fraction):
    wanted = mentee.areas.bit_count()
    if not wanted:
        return None
    shared = int(mentor.areas[0]) & mentee.areas
    labels = [label for value, label in AREA_LABELS if shared & AREA_BITS[value]]
    if not labels:
        return "No experience listed in the areas the mentee wants to work on"
    return f"Experience in {len(labels)} of the mentee's {_plural(wanted, 'area')}: " + ", ".join(
        labels
    )


# Grade distance: peers 1-2 years ahead -----------------------------------------------------------


def _fraction_by_years_ahead():
    """Index: years ahead + 1, clipped to -1 .. high + 3; value: the fraction."""
    low, high = IDEAL_YEARS_AHEAD
    table = np.zeros(high + 5)
    table[low + 1 : high + 2] = 1.0
    table[high + 2] = 0.5
    table[[0 + 1, high + 3]] = 0.25
    return table


FRACTION_BY_YEARS_AHEAD = _fraction_by_years_ahead()


def _grade_fraction(mentees, mentors):
    """1 for 1-2 years ahead, 0.5 for 3, 0.25 for 4 or the same year; a trainee's only."""
    ahead = np.clip(mentors.years - mentees.years, -1, len(FRACTION_BY_YEARS_AHEAD) - 2)
    trainee_mentor = np.where(mentors.is_trainee, 1.0, 0.0)
    return FRACTION_BY_YEARS_AHEAD[ahead + 1] * trainee_mentor


def _grade_words(mentee, mentor, fraction):
    if not mentor.is_trainee[0]:
        grade = mentor.enrolments[0].user.grade
        return f"A {Grade(grade).label.lower()} rather than a trainee peer"
    ahead = int(mentor.years[0]) - mentee.years
    low, high = IDEAL_YEARS_AHEAD
    if low <= ahead <= high:
        return f"{_plural(ahead, 'year')} ahead in training: the ideal distance for a peer"
    return f"{_plural(ahead, 'year')} ahead in training (the ideal is {low}–{high})"


# Availability and meeting mode -------------------------------------------------------------------


def _modes_fit(mentees, mentors):
    any_mode = mentors.vocabulary["mode"][ANY_MODE]
    return (mentors.mode == any_mode) | (mentors.mode == mentees.mode) | (mentees.mode == any_mode)


def _times_fit(mentees, mentors):
    """Both said when they are free, and the days and the parts of the day they named meet."""
    shared = mentors.availability & mentees.availability
    days_fit = ((mentors.availability & DAY_MASK) == 0) | ((mentees.availability & DAY_MASK) == 0)
    parts_fit = ((mentors.availability & PART_MASK) == 0) | (
        (mentees.availability & PART_MASK) == 0
    )
    days_fit = days_fit | ((shared & DAY_MASK) != 0)
    parts_fit = parts_fit | ((shared & PART_MASK) != 0)
    both_said = (mentors.availability != 0) & (mentees.availability != 0)
    return both_said & days_fit & parts_fit


def _availability_fraction(mentees, mentors):
    return 0.5 * _modes_fit(mentees, mentors) + 0.5 * _times_fit(mentees, mentors)


def _raw_times_and_modes(mentee, mentor):
    """A mentee and a one-row table as `_modes_fit` and `_times_fit` read them, in words rather
    than codes: the same functions explain the pair as scored it, without coding a table."""
    mentees = SimpleNamespace(
        mode=np.array([[mentee.mode]]), availability=np.array([[mentee.availability]])
    )
    mentors = SimpleNamespace(
        mode=mentor.mode, availability=mentor.availability, vocabulary={"mode": IDENTITY}
    )
    return mentees, mentors


IDENTITY = {ANY_MODE: ANY_MODE}


def _availability_words(mentee, mentor, fraction):
    parts = []
    labels = MODE_LABELS
    mentor_mode = str(mentor.mode[0])
    mentee_mode = str(mentee.mode)
    mentees, mentors = _raw_times_and_modes(mentee, mentor)
    if _modes_fit(mentees, mentors)[0, 0]:
        mode = mentee_mode if mentee_mode != ANY_MODE else mentor_mode
        if mode == ANY_MODE:
            parts.append("Both happy to meet in any way")
        elif mode == Enrolment.MeetingMode.IN_PERSON:
            parts.append("Both happy to meet in person")
        else:
            parts.append(f"Both happy to meet by {labels[mode].lower()}")
    else:
        parts.append(
            f"Prefer different ways to meet ({labels[mentee_mode].lower()}, "
            f"{labels[mentor_mode].lower()})"
        )
    if _times_fit(mentees, mentors)[0, 0]:
        shared = availability_text(int(mentor.availability[0]) & mentee.availability)
        parts.append(f"both free: {shared}" if shared else "both free at the times they gave")
    return "; ".join(parts)


# The mentee's own ranking ------------------------------------------------------------------------


def _ranking_fraction(mentees, mentors):
    ranks = mentees.ranks(mentors)
    return np.where(ranks > 0, np.maximum(6 - ranks, 1) / 5, 0.0)


def _ranking_words(mentee, mentor, fraction):
    rank = mentee.ranks.get(int(mentor.enrolment_id[0]))
    if not rank:
        return None
    return f"The mentee's {ORDINALS.get(rank, f'{rank}th')} choice"


# Waiting time and re-matching --------------------------------------------------------------------


def _waiting_fraction(mentees, mentors):
    return _per_mentee(np.minimum(mentees.waiting_days / WAITING_FULL_BONUS_DAYS, 1.0), mentors)


def _waiting_words(mentee, mentor, fraction):
    days = int(mentee.waiting_days)
    return f"Waiting for a mentor for {_plural(days, 'day')}" if days >= 1 else None


def _rematch_fraction(mentees, mentors):
    return _per_mentee(mentees.rematch_priority, mentors)


def _rematch_words(mentee, mentor, fraction):
    if not mentee.rematch_priority:
        return None
    return "Asked for a new mentor after a pair ended, so matched first"


CRITERIA = (
    Criterion("specialty", "Specialty", _specialty_fraction, _specialty_words),
    Criterion("site", "Site", _site_fraction, _site_words),
    Criterion("nearby", "Nearby", _nearby_fraction, _nearby_words),
    Criterion("goals", "Goals and experience", _goals_fraction, _goals_words),
    Criterion("grade_distance", "Distance in training", _grade_fraction, _grade_words),
    Criterion(
        "availability", "Meeting mode and times", _availability_fraction, _availability_words
    ),
    Criterion("mentee_ranking", "Mentee's ranking", _ranking_fraction, _ranking_words),
    Criterion("waiting_time", "Time waiting", _waiting_fraction, _waiting_words),
    Criterion("rematch", "Re-match", _rematch_fraction, _rematch_words),
)


# About the mentee alone, not the fit: shown to organisers, never to the pair or in suggestions
# (a new mentor need not learn that an earlier pair ended).
MENTEE_ONLY_LABELS = frozenset(
    criterion.label for criterion in CRITERIA if criterion.name in ("waiting_time", "rematch")
)


def fit_only(explanation):
    """The explanation without the entries about the mentee alone (waiting time, re-match)."""
    return [entry for entry in explanation if entry[0] not in MENTEE_ONLY_LABELS]


def weights_for(scheme_or_settings):
    """The weight of each criterion, from the scheme's MatchingSettings (or the defaults)."""
    settings = (
        scheme_or_settings
        if isinstance(scheme_or_settings, MatchingSettings)
        else MatchingSettings.for_scheme(scheme_or_settings)
    )
    weights = settings.weights()
    # Only a scheme run for several trusts prefers a mentor of the mentee's own trust.
    scheme = settings.scheme if scheme_or_settings is settings else scheme_or_settings
    weights["nearby"] = NEARBY_WEIGHT if scheme.has_partners else 0
    # Bigger than any score the other criteria can give together: re-matches go first.
    weights["rematch"] = max(sum(weights.values()), 1)
    return weights


def _block_of_one(mentee: MenteeProfile, mentors: MentorTable):
    coded = mentors.coded()
    return MenteeBlock([mentee], coded.vocabulary), coded


def _hundredths(weight, fraction):
    """A criterion's points, in hundredths: its weight times its fraction, rounded."""
    points = np.multiply(fraction, weight * 100, dtype=float)
    return np.rint(points, out=points)


def _points(mentees: MenteeBlock, mentors: MentorTable, weights):
    """(criteria counted, their points in hundredths: (criteria, mentees, mentors) int64).

    A criterion's points are its weight times its fraction, rounded to hundredths; a score is
    the sum of its points. Integers, so the points an explanation shows add up to the score
    exactly, and the engine compares scores exactly.
    """
    counted = [criterion for criterion in CRITERIA if weights[criterion.name]]
    points = np.empty((len(counted), mentees.size, len(mentors)), dtype=np.int64)
    for row, criterion in enumerate(counted):
        points[row] = _hundredths(weights[criterion.name], criterion.fraction(mentees, mentors))
    return counted, points


def score_matrix(mentees: MenteeBlock, mentors: MentorTable, weights) -> np.ndarray:
    """The score of every pair of a block of mentees and a coded table, in hundredths."""
    total = np.zeros((mentees.size, len(mentors)))  # sums of whole numbers: exact in float64
    for criterion in CRITERIA:
        if weights[criterion.name]:
            total += _hundredths(weights[criterion.name], criterion.fraction(mentees, mentors))
    return total.astype(np.int64)


def scores(mentee: MenteeProfile, mentors: MentorTable, weights):
    """The score of `mentee` with each of `mentors`: a float array."""
    mentees, coded = _block_of_one(mentee, mentors)
    return score_matrix(mentees, coded, weights)[0] / 100


def explain(mentee: MenteeProfile, mentor: MentorTable, weights):
    """(score, explanation) for `mentee` and the one mentor in `mentor` (a one-row table).

    The explanation lists `[label, points, words]` for each criterion the scheme counts that
    gave points or that the mentee expressed a wish about (so "a different specialty, though the
    mentee asked for their own" is shown with 0 points).
    """
    return explain_pairs([mentee], mentor, weights)[0]


def explain_pairs(mentees: list[MenteeProfile], mentors: MentorTable, weights):
    """`explain` for many pairs at once: each mentee with the mentor in the same row of
    `mentors`. Each criterion runs once over all the pairs (the mentors' columns stood up as
    (k, 1), so they meet their own mentee only), then the words are written pair by pair."""
    coded = mentors.coded()
    block = MenteeBlock(mentees, coded.vocabulary)
    side_by_side = coded.side_by_side()
    counted = [criterion for criterion in CRITERIA if weights[criterion.name]]
    points = np.zeros((len(counted), len(mentees)), dtype=np.int64)
    for row, criterion in enumerate(counted):
        fraction = criterion.fraction(block, side_by_side)
        hundredths = _hundredths(weights[criterion.name], fraction)
        points[row] = np.broadcast_to(hundredths, (len(mentees), 1))[:, 0]
    explained = []
    for position, mentee in enumerate(mentees):
        mentor = mentors.take([position])
        explanation = []
        for row, criterion in enumerate(counted):
            value = int(points[row, position]) / 100
            words = criterion.words(mentee, mentor, value / weights[criterion.name])
            if words is not None:
                explanation.append([criterion.label, value, words])
        explained.append((int(points[:, position].sum()) / 100, explanation))
    return explained
