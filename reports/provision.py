"""The seed's regional survey, answered live from each trust's configuration and enrolments.

The per-scheme facts a trust declares (who may mentor, training required, support, resources) are
not counts of people and are shown as they are. The counts of people, each scheme's eligible
trainees and enrolled mentees, go through schemes.disclosure (`count`): 1 to 4 reads "fewer than
5". Uptake, a percentage, is given only when both counts are shown and at least the threshold
were eligible; so is its band (a band and an exact number eligible can pin a small number
enrolled), and a scheme whose uptake is not shown is left out of the uptake figure and of the
average.

"Observed against declared" (`_observed`) sets beside each scheme's declared meeting interval,
supervision and training what happened in the last 12 months (reports.activity), and the time
it cost mentees and mentors. Counts of people go through `disclosure.count`; a part of a whole
(pairs that met as declared of pairs judged, mentors attending supervision and mentors who met
a mentee, each of the mentors, and mentors meeting the training of active mentors) is a group of
two cells through `disclosure.group`, its share given only when neither cell is suppressed and
the whole is `enough`. A mean per person or a total of hours is given only when the count of
the people behind it is shown (a total of hours of two people is personal, and a total beside a
mean gives a hidden count back); meetings held and meetings per pair only when the pairs are
enough, as on the dashboards.
"""

from collections import Counter
from dataclasses import dataclass, field

from schemes import disclosure
from schemes.selectors import region_organisations, region_schemes, report_vocabulary

from .activity import WINDOW_MONTHS, SchemeActivity, scheme_activity
from .uptake import (
    BANDS,
    counted_from,
    part_label,
    scheme_totals,
    uptake_band,
    uptake_by_part,
)

MENTOR_KINDS = [
    ("trainees", "Trainees"),
    ("consultants", "Consultants"),
    ("sas", "SAS doctors"),
    ("other", "Other healthcare professionals"),
]


@dataclass
class ProvisionRow:
    organisation: object  # a schemes Organisation
    # [{scheme, eligible, enrolled (disclosure.Shown), percent, band, recruitment}]
    schemes: list = field(default_factory=list)
    counted_from: str = ""  # where its eligible trainees come from (reports.uptake.counted_from)

    @property
    def has_scheme(self):
        return bool(self.schemes)


def _recruitment(scheme):
    parts = []
    if scheme.recruits_at_intake:
        parts.append("At rotation start")
    if scheme.accepts_requests:
        parts.append("on request at any time")
    if scheme.accepts_referrals:
        parts.append("by referral")
    return ", ".join(parts).capitalize() or "Any time"


UPTAKE_NOT_SHOWN = "Not shown"


def _uptake_shown(eligible, enrolled, percent):
    """(eligible, enrolled) as disclosure.Shown, and the percent and band that may be shown."""
    eligible_shown, enrolled_shown = disclosure.count(eligible), disclosure.count(enrolled)
    if percent is None:
        return eligible_shown, enrolled_shown, None, uptake_band(None)
    if eligible_shown.suppressed or enrolled_shown.suppressed or not disclosure.enough(eligible):
        return eligible_shown, enrolled_shown, None, UPTAKE_NOT_SHOWN
    return eligible_shown, enrolled_shown, percent, uptake_band(percent)


def _scheme_entry(scheme, shown):
    eligible, enrolled, percent, band = shown
    return {
        "scheme": scheme,
        "label": part_label(scheme),
        "eligible": eligible,
        "enrolled": enrolled,
        "percent": percent,
        "band": band,
        "recruitment": _recruitment(scheme),
    }


def _rows(organisations, schemes, parts, list_dates):
    """One ProvisionRow per organisation, holding its part of each scheme that serves it: its
    own schemes, and those run by another trust for several (each trainee counts in their own
    trust, so each trust's row shows its own part, never the scheme's total)."""
    rows = {
        organisation.pk: ProvisionRow(
            organisation, counted_from=counted_from(list_dates.get(organisation.pk))
        )
        for organisation in organisations
    }
    for scheme in sorted(schemes, key=lambda scheme: scheme.name):
        for trust_id in sorted(scheme.trust_ids(), key=lambda pk: pk != scheme.organisation_id):
            if trust_id in rows:
                entry = _scheme_entry(scheme, _uptake_shown(*parts[(scheme.pk, trust_id)]))
                rows[trust_id].schemes.append(entry)
    return list(rows.values())


def _mentor_kinds(schemes):
    """How many schemes take each kind of mentor."""
    kinds = Counter()
    for scheme in schemes:
        kinds["trainees"] += scheme.mentors_may_be_trainees
        kinds["consultants"] += scheme.mentors_may_be_consultants
        kinds["sas"] += scheme.mentors_may_be_sas
        kinds["other"] += scheme.mentors_may_be_other_professionals
    return kinds


def _average(percents):
    return round(sum(percents) / len(percents), 1) if percents else None


def _scheme_counts(schemes):
    """The counts of schemes the seed reports: opt-in, opt-out, collecting outcome data."""
    vocabulary = report_vocabulary()
    return {
        "scheme_count": len(schemes),
        "opt_in_count": sum(1 for s in schemes if s.enrolment_model == vocabulary["opt_in"]),
        "opt_out_count": sum(1 for s in schemes if s.enrolment_model == vocabulary["opt_out"]),
        "outcome_data_count": sum(1 for s in schemes if s.collects_outcome_data),
    }


def _peer_figures(peer, shown):
    """The seed's figures on uptake and training, over the peer schemes it analysed."""
    bands = Counter(shown[scheme.pk][3] for scheme in peer)
    training = Counter(scheme.mentor_training_required for scheme in peer)
    percents = [shown[s.pk][2] for s in peer if shown[s.pk][2] is not None]
    choices = report_vocabulary()["mentor_training_choices"]
    return {
        "peer_scheme_count": len(peer),
        "peer_only_count": sum(1 for scheme in peer if scheme.is_peer_only),
        "average_peer_uptake": _average(percents),
        "uptake_not_shown_count": bands[UPTAKE_NOT_SHOWN],
        "uptake": [(band, bands[band]) for band in BANDS],
        "training": [(label, training[value]) for value, label in choices],
    }


# --- Observed against declared ------------------------------------------------------------------

NOTHING = "—"  # nothing to divide by: no pairs, no mentors


def _hours(minutes):
    return round(minutes / 60, 1)


def _over(cell, people, value):
    """A figure taken over `people` (a mean, or a total of their hours), shown beside their
    count `cell`: "not shown" when the cell is suppressed (whether too few, or hidden beside a
    small one: a total and a mean would give the count back), "—" when there is nobody."""
    if cell.suppressed:
        return disclosure.NOT_SHOWN
    if not people:
        return NOTHING
    return value()


def _part_of(part, whole):
    """(part, whole) as shown (part and the rest a group of two cells), and the share of the
    whole as "62%" when neither cell is suppressed and the whole is enough, else None."""
    cells = disclosure.group({"part": part, "rest": whole - part}, total=whole)
    shown = not any(cell.suppressed for cell in cells.values()) and disclosure.enough(whole)
    return cells["part"], disclosure.count(whole), disclosure.share(part, whole) if shown else None


def _declared_meetings(scheme, activity: SchemeActivity):
    low, high = activity.target_per_quarter
    return {
        "declared_interval": (
            f"every {scheme.meeting_interval_min_weeks}–{scheme.meeting_interval_max_weeks} weeks"
        ),
        "declared_per_quarter": f"{low:.1f}–{high:.1f}",
    }


def _held_meetings(activity: SchemeActivity):
    """Meetings held and per pair per quarter, shown when the pairs are enough (as the
    dashboards' meetings per pair); pairs that met as declared of those judged."""
    met, judged, share = _part_of(activity.pairs_meeting_as_declared, activity.pairs_judged)
    per_pair = activity.meetings_per_pair_quarter
    shown = not activity.pairs or disclosure.enough(activity.pairs)
    return {
        "pairs": disclosure.count(activity.pairs),
        "meetings": activity.meetings if shown else disclosure.NOT_SHOWN,
        "meetings_per_pair_quarter": (
            NOTHING if per_pair is None else round(per_pair, 1) if shown else disclosure.NOT_SHOWN
        ),
        "pairs_judged": judged,
        "pairs_met_as_declared": met,
        "pairs_met_share": share,
    }


def _supervision(scheme, activity: SchemeActivity):
    attending, mentors, share = _part_of(activity.mentors_attending_supervision, activity.mentors)
    labels = scheme.mentor_support_labels()
    return {
        "support_declared": "None declared" if labels == ["None"] else ", ".join(labels),
        "one_to_one_sessions": activity.one_to_one_sessions,
        "group_sessions": activity.group_sessions,
        "mentors": mentors,
        "mentors_attending": attending,
        "mentors_attending_share": share,
    }


def _training(scheme, activity: SchemeActivity):
    trained, active, share = _part_of(activity.mentors_meeting_training, activity.active_mentors)
    return {
        "training_declared": scheme.get_mentor_training_required_display(),
        "active_mentors": active,
        "mentors_trained": trained,
        "mentors_trained_share": share,
    }


def _time_given(activity: SchemeActivity, attending):
    """Cost to the individual: hours in meetings, in all and per mentee who met; per mentor,
    hours in meetings (per mentor who met) and in supervision (per mentor who attended).

    Mentors who met, like those who attended (`attending`, as `_supervision` shows it), are a
    part of the mentors: a group of two cells, so that the rest cannot be read off."""
    mentees = activity.mentees_meeting
    mentors = activity.mentors_meeting
    supervised = activity.mentors_attending_supervision
    mentees_shown = disclosure.count(mentees)
    mentors_shown, _, _ = _part_of(mentors, activity.mentors)

    def hours(minutes, people=1):
        return lambda: _hours(minutes / people)

    return {
        "mentees_meeting": mentees_shown,
        "mentee_hours": _over(mentees_shown, mentees, hours(activity.mentee_meeting_minutes)),
        "hours_per_mentee": _over(
            mentees_shown, mentees, hours(activity.mentee_meeting_minutes, mentees)
        ),
        "mentors_meeting": mentors_shown,
        "mentor_meeting_hours": _over(
            mentors_shown, mentors, hours(activity.mentor_meeting_minutes)
        ),
        "meeting_hours_per_mentor": _over(
            mentors_shown, mentors, hours(activity.mentor_meeting_minutes, mentors)
        ),
        "mentor_supervision_hours": _over(
            attending, supervised, hours(activity.mentor_supervision_minutes)
        ),
        "supervision_hours_per_mentor": _over(
            attending, supervised, hours(activity.mentor_supervision_minutes, supervised)
        ),
        "meetings_without_duration": activity.meetings_without_duration,
    }


def _observed(schemes):
    """One dict per scheme, in name order: what it declared beside what happened, as shown."""
    rows = []
    activities = scheme_activity(schemes)
    for scheme in sorted(schemes, key=lambda scheme: (scheme.name, scheme.pk)):
        activity = activities[scheme.pk]
        supervision = _supervision(scheme, activity)
        rows.append(
            {
                "scheme": scheme,
                "trust": scheme.organisation.short_name or scheme.organisation.name,
                "label": part_label(scheme),
                "since": activity.since,
                **_declared_meetings(scheme, activity),
                **_held_meetings(activity),
                **supervision,
                **_training(scheme, activity),
                **_time_given(activity, supervision["mentors_attending"]),
            }
        )
    return rows


def region_provision(region):
    """One row per organisation of the region, and the seed's three figures.

    Returns a dict: rows, figures (who are the mentors, uptake bands, mentor training) and the
    headline counts the seed reports (organisations, with a scheme, peer schemes).

    1. Read the region's organisations and schemes, and each scheme's uptake as shown.
    2. One row per organisation with its part of each scheme that serves it.
    3. The figures over all schemes (mentor kinds, counts) and over the peer schemes.
    4. Each scheme observed against what it declared, over the last WINDOW_MONTHS months.
    """
    organisations = region_organisations(region)
    schemes = region_schemes(region)
    parts, list_dates = uptake_by_part(schemes)
    uptake = scheme_totals(parts)
    shown = {scheme.pk: _uptake_shown(*uptake[scheme.pk]) for scheme in schemes}
    rows = _rows(organisations, schemes, parts, list_dates)
    # As in the seed: a peer scheme has trainees as mentors (7 in South London); two of those also
    # use consultants and so are not peer-only. A scheme of senior mentors only is not peer.
    peer = [scheme for scheme in schemes if scheme.mentors_may_be_trainees]
    mentor_kinds = _mentor_kinds(schemes)
    peer_figures = _peer_figures(peer, shown)
    activity = _observed(schemes)
    return {
        "rows": rows,
        "organisation_count": len(organisations),
        "with_scheme_count": sum(1 for row in rows if row.has_scheme),
        "peer_scheme_count": peer_figures["peer_scheme_count"],
        "peer_only_count": peer_figures["peer_only_count"],
        **_scheme_counts(schemes),
        "average_peer_uptake": peer_figures["average_peer_uptake"],
        "uptake_not_shown_count": peer_figures["uptake_not_shown_count"],
        "min_count": disclosure.min_count(),
        "figures": {
            "mentors": [(label, mentor_kinds[key]) for key, label in MENTOR_KINDS],
            "uptake": peer_figures["uptake"],
            "training": peer_figures["training"],
        },
        "activity": activity,
        "activity_months": WINDOW_MONTHS,
        "activity_since": activity[0]["since"] if activity else None,
    }
