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

import numpy as np

from accounts.models import Grade
from schemes.models import Enrolment, MentoringArea

from .models import MatchingSettings
from .rules import AREA_BITS, DAY_MASK, PART_MASK, MenteeProfile, MentorTable, availability_text

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
    fraction: Callable  # (mentee, mentors) -> float array in [0, 1], one per mentor
    words: Callable  # (mentee, one-row mentors, fraction) -> str, or None when it did not count


def _zeros(mentors):
    return np.zeros(len(mentors))


def _plural(count, word):
    return f"{count} {word}{'' if count == 1 else 's'}"


# Specialty, as the mentee prefers ------------------------------------------------------------


def _specialty_fraction(mentee, mentors):
    if mentee.specialty_preference == Preference.SAME and mentee.specialty:
        return (mentors.specialty == mentee.specialty).astype(float)
    if mentee.specialty_preference == Preference.DIFFERENT and mentee.specialty:
        return ((mentors.specialty != mentee.specialty) & (mentors.specialty != "")).astype(float)
    return _zeros(mentors)


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


def _site_fraction(mentee, mentors):
    if not (mentee.prefers_same_site and mentee.site):
        return _zeros(mentors)
    return (mentors.site == mentee.site).astype(float)


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


def _same_site(mentee, mentors):
    return (mentors.site == mentee.site) & (mentors.site != "") if mentee.site else None


def _nearby_fraction(mentee, mentors):
    same_trust = mentors.trust_id == mentee.trust_id
    same_site = _same_site(mentee, mentors)
    if same_site is None:
        return 0.5 * same_trust
    return 0.5 * same_trust + 0.5 * (same_trust & same_site)


def _nearby_words(mentee, mentor, fraction):
    if int(mentor.trust_id[0]) != mentee.trust_id:
        return "Works in another of the scheme's trusts"
    if fraction >= 1:
        return "Works in the same trust and at the same site as the mentee"
    return "Works in the same trust as the mentee"


# Goals and the mentor's areas of experience ----------------------------------------------------


def _goals_fraction(mentee, mentors):
    wanted = mentee.areas.bit_count()
    if not wanted:
        return _zeros(mentors)
    return np.bitwise_count(mentors.areas & mentee.areas) / wanted


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


def _grade_fraction(mentee, mentors):
    ahead = mentors.years - mentee.years
    low, high = IDEAL_YEARS_AHEAD
    fraction = np.where(
        (ahead >= low) & (ahead <= high),
        1.0,
        np.where(ahead == high + 1, 0.5, np.where((ahead == high + 2) | (ahead == 0), 0.25, 0.0)),
    )
    return np.where(mentors.is_trainee, fraction, 0.0)


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


def _modes_fit(mentee, mentors):
    return (mentors.mode == ANY_MODE) | (mentors.mode == mentee.mode) | (mentee.mode == ANY_MODE)


def _times_fit(mentee, mentors):
    """Both said when they are free, and the days and the parts of the day they named meet."""
    if not mentee.availability:
        return np.zeros(len(mentors), dtype=bool)
    shared = mentors.availability & mentee.availability
    days_fit = ((mentors.availability & DAY_MASK) == 0) | ((mentee.availability & DAY_MASK) == 0)
    parts_fit = ((mentors.availability & PART_MASK) == 0) | ((mentee.availability & PART_MASK) == 0)
    days_fit |= (shared & DAY_MASK) != 0
    parts_fit |= (shared & PART_MASK) != 0
    return (mentors.availability != 0) & days_fit & parts_fit


def _availability_fraction(mentee, mentors):
    return 0.5 * _modes_fit(mentee, mentors) + 0.5 * _times_fit(mentee, mentors)


def _availability_words(mentee, mentor, fraction):
    parts = []
    labels = MODE_LABELS
    mentor_mode = str(mentor.mode[0])
    mentee_mode = str(mentee.mode)
    if _modes_fit(mentee, mentor)[0]:
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
    if _times_fit(mentee, mentor)[0]:
        shared = availability_text(int(mentor.availability[0]) & mentee.availability)
        parts.append(f"both free: {shared}" if shared else "both free at the times they gave")
    return "; ".join(parts)


# The mentee's own ranking ------------------------------------------------------------------------


def _ranking_fraction(mentee, mentors):
    fraction = _zeros(mentors)
    for enrolment_id, rank in mentee.ranks.items():
        position = mentors.index_of.get(enrolment_id)
        if position is not None:
            fraction[position] = max(6 - rank, 1) / 5
    return fraction


def _ranking_words(mentee, mentor, fraction):
    rank = mentee.ranks.get(int(mentor.enrolment_id[0]))
    if not rank:
        return None
    return f"The mentee's {ORDINALS.get(rank, f'{rank}th')} choice"


# Waiting time and re-matching --------------------------------------------------------------------


def _waiting_fraction(mentee, mentors):
    return np.full(len(mentors), min(mentee.waiting_days / WAITING_FULL_BONUS_DAYS, 1.0))


def _waiting_words(mentee, mentor, fraction):
    days = int(mentee.waiting_days)
    return f"Waiting for a mentor for {_plural(days, 'day')}" if days >= 1 else None


def _rematch_fraction(mentee, mentors):
    return np.full(len(mentors), 1.0 if mentee.rematch_priority else 0.0)


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


def _points(mentee, mentors, weights):
    """(criteria counted, matrix of their points: one row per criterion, one column per mentor).

    Points are rounded to hundredths per criterion, and a score is the rounded sum of its
    column, so the points an explanation shows add up to the score.
    """
    counted = [criterion for criterion in CRITERIA if weights[criterion.name]]
    points = np.empty((len(counted), len(mentors)))
    for row, criterion in enumerate(counted):
        points[row] = weights[criterion.name] * criterion.fraction(mentee, mentors)
    return counted, np.round(points, 2)


def scores(mentee: MenteeProfile, mentors: MentorTable, weights):
    """The score of `mentee` with each of `mentors`: a float array."""
    _, points = _points(mentee, mentors, weights)
    return np.round(points.sum(axis=0), 2)


def explain(mentee: MenteeProfile, mentor: MentorTable, weights):
    """(score, explanation) for `mentee` and the one mentor in `mentor` (a one-row table).

    The explanation lists `[label, points, words]` for each criterion the scheme counts that
    gave points or that the mentee expressed a wish about (so "a different specialty, though the
    mentee asked for their own" is shown with 0 points).
    """
    counted, points = _points(mentee, mentor, weights)
    explanation = []
    for row, criterion in enumerate(counted):
        value = float(points[row, 0])
        fraction = value / weights[criterion.name]
        words = criterion.words(mentee, mentor, fraction)
        if words is not None:
            explanation.append([criterion.label, value, words])
    return float(np.round(points.sum(axis=0), 2)[0]), explanation
