"""Demo pairs and meetings in the SLaM scheme, so every page has something real to show.

Loaded after the region (`demo.services.demo_load` does). Safe to run again: a pair that exists is
left alone. Writes rows directly rather than through the services, so no demo email is sent.
"""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from matching.models import Pair
from meetings.models import Goal, Meeting, MentoringAgreement, PlannedMeeting, PrivateNote
from schemes.models import Enrolment, Scheme

SCHEME_SLUG = "slam-peer-mentoring"
PAIR_COUNT = 12
SUMMARIES = [
    "Talked through the new rota and how to protect study time.",
    "Reviewed the portfolio before ARCP; agreed which reflections to write up.",
    "Discussed a difficult on-call and what support is available.",
    "Planned revision for the written exam; shared useful question banks.",
]


@transaction.atomic
def demo_pairs_load():
    """Create demo pairs, meetings and goals in the SLaM scheme (idempotent). Returns a line that
    says what it did."""
    scheme = (
        Scheme.objects.filter(slug=SCHEME_SLUG).first()
        or Scheme.objects.filter(organisation__short_name="SLaM").first()
    )
    if scheme is None:
        return "Demo pairs: no SLaM scheme; load the demo region first."
    if Pair.objects.filter(scheme=scheme).exists():
        return "Demo pairs: already there."
    rng = random.Random(2015)
    now = timezone.now()
    mentees, mentors = _mentees_and_mentors(scheme)
    load = {mentor.pk: mentor.pairs_as_mentor.current().count() for mentor in mentors}
    created = 0
    for index, mentee in enumerate(mentees[:PAIR_COUNT]):
        mentor = next(
            (m for m in mentors if load[m.pk] < m.capacity and m.user_id != mentee.user_id),
            None,
        )
        if mentor is None:
            break
        load[mentor.pk] += 1
        _pair_create(scheme, mentee, mentor, index=index, rng=rng, now=now)
        created += 1
    return f"Demo pairs: {created} created in {scheme.name}."


def _mentees_and_mentors(scheme):
    """The active mentees not yet paired and the active mentors, the demo logins first (so
    mentee@ and mentor@ see a working pair)."""
    mentees = list(
        Enrolment.objects.mentees()
        .active()
        .filter(scheme=scheme, pairs_as_mentee__isnull=True)
        .select_related("user")
        .order_by("user__email")
    )
    mentors = list(
        Enrolment.objects.mentors()
        .active()
        .filter(scheme=scheme)
        .select_related("user")
        .order_by("user__email")
    )
    mentees.sort(key=lambda e: e.user.email != "mentee@example.nhs.uk")
    mentors.sort(key=lambda e: e.user.email != "mentor@example.nhs.uk")
    return mentees, mentors


def _pair_create(scheme, mentee, mentor, *, index, rng, now):
    """One pair with its agreement, a goal and its meetings; the first also has a meeting
    planned."""
    started = now - timedelta(days=70 if index == 0 else 150 - index * 9)
    pair = Pair.objects.create(
        scheme=scheme,
        mentee_enrolment=mentee,
        mentor_enrolment=mentor,
        mentee=mentee.user,
        mentor=mentor.user,
        status=Pair.Status.ACTIVE,
        created_at=started,
        status_changed_at=started,
        explanation=[["goals", 4, "Shares 2 of the mentee's goals"]],
    )
    MentoringAgreement.objects.create(
        pair=pair,
        working_on="Exams, portfolio and settling into the rotation.",
        meeting_frequency="Every 4–6 weeks, usually by video",
        confidentiality="What we discuss stays between us, unless someone is at risk.",
        updated_by=mentee.user,
        updated_at=started,
        mentee_confirmed_at=started,
        mentor_confirmed_at=started + timedelta(days=1),
    )
    goal = Goal.objects.create(pair=pair, title="Prepare for the next ARCP", created_by=mentee.user)
    # Some pairs meet regularly, some have gone quiet (the organiser's list shows both).
    meetings = 0 if index % 4 == 3 else rng.randint(1, 4)
    _meetings_create(pair, mentee, started, meetings, rng=rng, now=now)
    if index == 0:
        goal.status = Goal.Status.PROGRESSING
        goal.save(update_fields=["status"])
        PlannedMeeting.objects.create(
            pair=pair,
            starts_at=(now + timedelta(days=6)).replace(hour=18, minute=0, second=0, microsecond=0),
            duration_minutes=45,
            mode="video",
            place="Teams link in the invitation",
            planned_by=mentor.user,
        )


def _meetings_create(pair, mentee, started, meetings, *, rng, now):
    for number in range(meetings):
        held_on = (started + timedelta(days=20 + number * 35)).date()
        if held_on >= now.date():
            break  # no meeting is logged before it happens
        meeting = Meeting.objects.create(
            pair=pair,
            held_on=held_on,
            duration_minutes=rng.choice([30, 45, 60]),
            mode=rng.choice(["video", "in_person", "phone"]),
            topics=rng.sample(["career", "exams", "portfolio", "wellbeing"], 2),
            summary=rng.choice(SUMMARIES),
            logged_by=mentee.user,
            logged_at=started + timedelta(days=21 + number * 35),
            confirmed_by_other_at=started + timedelta(days=22 + number * 35),
        )
        if number == 0:
            PrivateNote.objects.create(
                meeting=meeting,
                author=mentee.user,
                text="Felt reassured; ask about less-than-full-time training next time.",
            )
