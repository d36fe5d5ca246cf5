"""A synthetic region whose true effects are known, for testing the evaluation across schemes.

Eight schemes, one per trust, in a full 2 × 2 × 2 design: opt-in or opt-out, peer or senior
mentors, formal or no mentor training (so each variable's levels are balanced over the others).
Each outcome depends on one variable only, with these true values:

- uptake: 70% of eligible trainees in opt-out schemes, 30% in opt-in ones;
- days to a first pair: mean 10 in opt-out schemes (matched at intake), 30 in opt-in ones;
- pairs meeting as often as declared: 80% in peer schemes, 40% in senior ones;
- satisfactory ARCP outcome of mentees: 90% with formal training, 70% with none; mentors 95%;
  non-participants 75%;
- mentees' wellbeing score, follow-up less baseline: +0.6 with formal training, 0 with none.

As in a real opt-in trust, most trainees are on the trainee list with no account; mentors'
trainees rotate out and end pairs; some outcome rows name a GMC number only. A ninth trust runs a
scheme too small to show (three mentees), which must be left out without giving it away.

Everything is made with bulk_create and a seeded random generator: the same region every run.
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from matching.models import Pair
from meetings.models import Meeting
from reports.models import TrainingOutcome
from schemes.models import (
    Enrolment,
    Organisation,
    Placement,
    Region,
    Scheme,
    TraineeListImport,
)
from surveys.models import Answer, Question, Response, SurveyTemplate

TRUE_UPTAKE = {"opt_out": 70, "opt_in": 30}
TRUE_DAYS = {"opt_out": 10, "opt_in": 30}
TRUE_MEETING = {"peer": 80, "senior": 40}
TRUE_ARCP_MENTEES = {"formal": 90, "none": 70}
TRUE_ARCP_MENTORS = 95
TRUE_ARCP_NON_PARTICIPANTS = 75
TRUE_WELLBEING_CHANGE = {"formal": 0.6, "none": 0.0}

PERIOD = "2025/26"


@dataclass
class World:
    region: Region
    schemes: list = field(default_factory=list)
    small_scheme: Scheme | None = None
    organisations: list = field(default_factory=list)


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10)))


class _Builder:
    def __init__(self, seed: int, today: date):
        self.random = random.Random(seed)
        self.today = today
        self.gmc = 7100000
        self.users = 0

    def next_gmc(self) -> str:
        self.gmc += 1
        return str(self.gmc)

    def users_create(self, organisation, count, grade="CT2") -> list[User]:
        users = []
        for _ in range(count):
            self.users += 1
            users.append(
                User(
                    email=f"synthetic{self.users}@{organisation.slug}.nhs.uk",
                    first_name="Synthetic",
                    last_name=f"Trainee {self.users}",
                    grade=grade,
                    organisation=organisation,
                    password="!",
                    email_confirmed_at=timezone.now(),
                )
            )
        return User.objects.bulk_create(users)

    def bernoulli(self, percent: float) -> bool:
        return self.random.random() * 100 < percent


def _template() -> tuple[SurveyTemplate, Question]:
    template, _new = SurveyTemplate.objects.get_or_create(
        key="synthetic-wellbeing", name="Wellbeing", audience="mentee", anonymous=False
    )
    question, _new = Question.objects.get_or_create(
        template=template,
        code="wellbeing",
        text="How well are you coping at work?",
        kind=Question.Kind.LIKERT,
        domain="wellbeing",
        is_repeated=True,
    )
    return template, question


# Answers drawn evenly from these: baseline mean 3; follow-up 3.6 with formal training, else 3.
BASELINE_ANSWERS = (2, 3, 4)
FOLLOW_UP_ANSWERS = {"formal": (3, 4, 4, 3, 4), "none": (2, 3, 4)}


def synthetic_region(
    *,
    seed: int = 7,
    trainees: int = 160,
    copies: int = 1,
    name: str = "Synthetic Region",
    today: date | None = None,
) -> World:
    """The region; `copies` repeats the eight designs (three copies make the 24 schemes an
    adjusted comparison needs)."""
    builder = _Builder(seed, today or timezone.localdate())
    prefix = slugify(name)
    region = Region.objects.create(name=name, slug=prefix)
    world = World(region)
    template, question = _template()
    designs = [
        (enrolment, mentors, training)
        for _copy in range(copies)
        for enrolment in ("opt_in", "opt_out")
        for mentors in ("peer", "senior")
        for training in ("formal", "none")
    ]
    for index, design in enumerate(designs):
        organisation = Organisation.objects.create(
            region=region,
            name=f"{name} Trust {index}",
            short_name=f"ST{index}",
            slug=f"{prefix}-trust-{index}",
            email_domains=[f"{prefix}-trust-{index}.nhs.uk"],
        )
        world.organisations.append(organisation)
        world.schemes.append(
            _scheme(builder, organisation, index, design, trainees, template, question)
        )
    small_trust = Organisation.objects.create(
        region=region,
        name=f"{name} Small Trust",
        short_name="SST",
        slug=f"{prefix}-small",
        email_domains=[f"{prefix}-small.nhs.uk"],
    )
    world.organisations.append(small_trust)
    world.small_scheme = _scheme(
        builder, small_trust, 99, ("opt_in", "peer", "formal"), 40, template, question, mentees=3
    )
    return world


def _scheme(builder, organisation, index, design, trainees, template, question, mentees=None):
    enrolment_model, mentors, training = design
    scheme = Scheme.objects.create(
        organisation=organisation,
        name=f"Synthetic scheme {index}",
        slug=f"{organisation.slug}-scheme-{index}",
        enrolment_model=enrolment_model,
        mentors_may_be_trainees=mentors == "peer",
        mentors_may_be_consultants=mentors == "senior",
        mentor_training_required="formal_internal" if training == "formal" else "none",
        mentor_support=["group"],
        meeting_interval_min_weeks=4,
        meeting_interval_max_weeks=8,
        recruits_at_intake=False,
    )
    _trainee_list(builder, organisation, trainees)
    if mentees is None:
        mentees = sum(builder.bernoulli(TRUE_UPTAKE[enrolment_model]) for _ in range(trainees))
    mentee_users = builder.users_create(organisation, mentees)
    mentor_users = builder.users_create(organisation, max(1, (mentees + 1) // 2), grade="ST5")
    started = builder.today - timedelta(days=300)
    mentee_enrolments = Enrolment.objects.bulk_create(
        [
            Enrolment(
                scheme=scheme,
                user=user,
                role=Enrolment.Role.MENTEE,
                organisation=organisation,
                created_at=_aware(started + timedelta(days=builder.random.randrange(20))),
                consent_given_at=_aware(started),
            )
            for user in mentee_users
        ]
    )
    mentor_enrolments = Enrolment.objects.bulk_create(
        [
            Enrolment(
                scheme=scheme,
                user=user,
                role=Enrolment.Role.MENTOR,
                organisation=organisation,
                created_at=_aware(started - timedelta(days=30)),
                capacity=2,
            )
            for user in mentor_users
        ]
    )
    pairs = _pairs(builder, scheme, mentee_enrolments, mentor_enrolments, enrolment_model)
    _meetings(builder, pairs, mentors)
    _outcomes(builder, organisation, mentee_users, mentor_users, training, trainees - mentees)
    _survey(builder, scheme, template, question, len(mentee_users), training)
    return scheme


def _trainee_list(builder, organisation, trainees):
    trainee_list = TraineeListImport.objects.create(
        organisation=organisation,
        file_name="list.csv",
        as_of=builder.today - timedelta(days=30),
        confirmed_at=timezone.now(),
    )
    Placement.objects.bulk_create(
        [
            Placement(
                organisation=organisation,
                gmc_number=builder.next_gmc(),
                first_name="Listed",
                last_name=f"Trainee {n}",
                grade="CT2",
                specialty="Psychiatry",
                starts_on=builder.today - timedelta(days=400),
                trainee_list=trainee_list,
            )
            for n in range(trainees)
        ]
    )


def _pairs(builder, scheme, mentee_enrolments, mentor_enrolments, enrolment_model):
    pairs = []
    mean_days = TRUE_DAYS[enrolment_model]
    for number, mentee in enumerate(mentee_enrolments):
        mentor = mentor_enrolments[number // 2]
        # Whole days, evenly from mean − 10 to mean + 10: the true mean is the mean.
        days = mean_days + builder.random.randint(-10, 10)
        created = mentee.created_at + timedelta(days=days)
        # One pair in ten ends when a trainee rotates out, 20 weeks in: still judged.
        ended = created + timedelta(weeks=20) if number % 10 == 9 else None
        pairs.append(
            Pair(
                scheme=scheme,
                mentee_enrolment=mentee,
                mentor_enrolment=mentor,
                mentee_id=mentee.user_id,
                mentor_id=mentor.user_id,
                status=Pair.Status.ENDED if ended else Pair.Status.ACTIVE,
                created_at=created,
                status_changed_at=ended or created,
                ended_at=ended,
                end_reason="rotated_out" if ended else "",
            )
        )
    return Pair.objects.bulk_create(pairs)


def _meetings(builder, pairs, mentors):
    """A pair meeting as declared meets every 3 weeks; one that does not, once."""
    meetings = []
    for pair in pairs:
        start = timezone.localdate(pair.created_at)
        end = timezone.localdate(pair.ended_at) if pair.ended_at else builder.today
        every = 21 if builder.bernoulli(TRUE_MEETING[mentors]) else None
        days = range(10, (end - start).days, every) if every else [10]
        for offset in days:
            meetings.append(
                Meeting(
                    pair=pair,
                    held_on=start + timedelta(days=offset),
                    duration_minutes=60,
                    mode="in_person",
                    logged_by_id=pair.mentee_id,
                )
            )
    Meeting.objects.bulk_create(meetings)


def _outcomes(builder, organisation, mentee_users, mentor_users, training, non_participants):
    rows = [
        TrainingOutcome(
            organisation=organisation,
            trainee=user,
            email=user.email,
            period=PERIOD,
            arcp_outcome="1" if builder.bernoulli(TRUE_ARCP_MENTEES[training]) else "2",
        )
        for user in mentee_users
    ]
    rows += [
        TrainingOutcome(
            organisation=organisation,
            trainee=user,
            email=user.email,
            period=PERIOD,
            arcp_outcome="1" if builder.bernoulli(TRUE_ARCP_MENTORS) else "3",
        )
        for user in mentor_users
    ]
    # Non-participants: on the list, no account; a few rows name only a GMC number.
    for number in range(non_participants):
        satisfactory = builder.bernoulli(TRUE_ARCP_NON_PARTICIPANTS)
        rows.append(
            TrainingOutcome(
                organisation=organisation,
                email="" if number % 25 == 0 else f"listed{number}@{organisation.slug}.nhs.uk",
                gmc_number=builder.next_gmc(),
                period=PERIOD,
                arcp_outcome="1" if satisfactory else "2",
            )
        )
    TrainingOutcome.objects.bulk_create(rows)


def _survey(builder, scheme, template, question, mentees, training):
    """Each mentee answers at baseline (centre 3) and, most of them, at follow-up."""
    month = builder.today.replace(day=1)
    responses, answers = [], []
    for number in range(mentees):
        for moment, choices in (
            ("at_match", BASELINE_ANSWERS),
            ("periodic", FOLLOW_UP_ANSWERS[training]),
        ):
            if moment == "periodic" and number % 5 == 4:
                continue  # one in five does not answer the follow-up
            response = Response(
                template=template,
                scheme=scheme,
                audience="mentee",
                moment=moment,
                is_anonymous=True,
                submitted_month=month,
            )
            responses.append(response)
            answers.append(
                Answer(response=response, question=question, number=builder.random.choice(choices))
            )
    Response.objects.bulk_create(responses)
    Answer.objects.bulk_create(answers)
