"""Matching mentees to mentors, and the pairs that result.

`Pair` lives here rather than in meetings because approving a match creates it, and apps depend
one way (meetings → matching → schemes): meetings owns what happens inside a pair (agreement,
goals, meeting logs, reminders) and its life-cycle views.
"""

from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from schemes.models import Enrolment, Scheme

WEIGHT_NAMES = (
    "specialty",
    "site",
    "goals",
    "grade_distance",
    "availability",
    "mentee_ranking",
    "waiting_time",
)

DEFAULT_INTRODUCTION_GUIDANCE = (
    "The mentee gets in touch first, within two weeks, to arrange a first meeting. At that "
    "meeting agree how often you will meet (most pairs meet every month or two), how you will "
    "keep in touch, and what the mentee would like to work on. What you talk about stays between "
    "the two of you; the organisers only see that you met. Either of you can end the pair at any "
    "time, without giving a reason, from the My mentoring page."
)


class MatchingSettings(models.Model):
    """Per-scheme weights of the soft criteria, and whether mentees choose their mentor."""

    scheme = models.OneToOneField(Scheme, on_delete=models.CASCADE, related_name="matching")
    weight_specialty = models.PositiveSmallIntegerField(default=3)
    weight_site = models.PositiveSmallIntegerField(default=2)
    weight_goals = models.PositiveSmallIntegerField(default=4)
    weight_grade_distance = models.PositiveSmallIntegerField(default=3)
    weight_availability = models.PositiveSmallIntegerField(default=1)
    weight_mentee_ranking = models.PositiveSmallIntegerField(default=5)
    weight_waiting_time = models.PositiveSmallIntegerField(default=2)
    mentee_choice_enabled = models.BooleanField(
        "mentees choose from suggested mentors", default=False
    )
    choice_response_days = models.PositiveSmallIntegerField(
        "days a mentor has to accept or decline",
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    introduction_guidance = models.TextField(
        "guidance sent with each introduction",
        default=DEFAULT_INTRODUCTION_GUIDANCE,
        help_text="Included in the email introducing each new pair to each other.",
    )

    class Meta:
        verbose_name = verbose_name_plural = "matching settings"

    def __str__(self):
        return f"Matching settings of {self.scheme}"

    @classmethod
    def for_scheme(cls, scheme):
        """The scheme's settings, or the defaults (unsaved) if an organiser never changed them."""
        return cls.objects.filter(scheme=scheme).first() or cls(scheme=scheme)

    def weights(self):
        return {name: getattr(self, f"weight_{name}") for name in WEIGHT_NAMES}


class Exclusion(models.Model):
    """Someone who must never be suggested as this mentee's mentor."""

    class Reason(models.TextChoices):
        SUPERVISOR = "supervisor", "Educational or clinical supervisor"
        MENTEE = "mentee", "Excluded by the mentee"
        ORGANISER = "organiser", "Excluded by an organiser"

    mentee_enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="exclusions"
    )
    excluded_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(max_length=12, choices=Reason.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["mentee_enrolment", "excluded_user"], name="exclusion_once"
            )
        ]

    def __str__(self):
        return f"{self.excluded_user} excluded for {self.mentee_enrolment.user}"


class MatchRoundQuerySet(models.QuerySet):
    def open(self):
        """Running or proposed: a scheme has at most one."""
        return self.filter(status__in=MatchRound.OPEN_STATUSES)


class MatchRound(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        PROPOSED = "proposed", "Proposed, waiting for approval"
        APPROVED = "approved", "Approved"
        DISCARDED = "discarded", "Discarded"
        FAILED = "failed", "Failed"

    OPEN_STATUSES = (Status.RUNNING, Status.PROPOSED)

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="match_rounds")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    solve_started_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    progress = models.PositiveSmallIntegerField(default=0, help_text="0–100, for the progress bar")
    progress_note = models.CharField(
        max_length=200,
        blank=True,
        help_text="The phase the solve is in, as the round page says it.",
    )
    solve_attempts = models.PositiveSmallIntegerField(
        default=0,
        help_text="Workers that have claimed this solve. A round whose worker died is solved once "
        "more by another; one that stops twice is marked failed.",
    )
    pinned = models.JSONField(
        default=list, blank=True, help_text="[[mentee_enrolment_id, mentor_enrolment_id]]"
    )
    forbidden = models.JSONField(default=list, blank=True)
    removed = models.JSONField(
        default=list, blank=True, help_text="Mentee enrolment ids left out of this round."
    )
    summary = models.JSONField(default=dict, blank=True)
    # The solver's mentor prices from the last solve, by mentor enrolment id, so that the
    # organiser's next change re-solves from them (matching.engine.WarmStart).
    solver_state = models.JSONField(default=dict, blank=True, editable=False)
    error = models.TextField(blank=True)

    objects = MatchRoundQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # Two open rounds of one scheme would propose the same mentors twice.
            models.UniqueConstraint(
                fields=["scheme"],
                condition=Q(status__in=["running", "proposed"]),
                name="match_round_one_open_per_scheme",
            )
        ]

    def __str__(self):
        return f"Round {self.pk} of {self.scheme}"

    @property
    def is_open(self):
        return self.status in self.OPEN_STATUSES


class Proposal(models.Model):
    """One line of a round's result: a proposed pair, or a mentee left unmatched with the reason."""

    match_round = models.ForeignKey(MatchRound, on_delete=models.CASCADE, related_name="proposals")
    mentee_enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="+")
    mentor_enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    score = models.FloatField(default=0)
    explanation = models.JSONField(
        default=list, blank=True, help_text="[[criterion, points, words]]"
    )
    unmatched_reason = models.TextField(blank=True)
    excluded_by = models.JSONField(
        default=dict, blank=True, help_text="Unmatched: {rule label: how many mentors it excluded}"
    )
    is_pinned = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["match_round", "mentee_enrolment"], name="proposal_once_per_mentee"
            )
        ]

    def __str__(self):
        return f"Proposal for {self.mentee_enrolment.user} in round {self.match_round_id}"


class PairQuerySet(models.QuerySet):
    def current(self):
        """Not ended: introduced, active or paused."""
        return self.exclude(status=Pair.Status.ENDED)

    def meeting(self):
        """Introduced or active: the pairs that meet and are nudged (a paused pair is not)."""
        return self.filter(status__in=Pair.MEETING_STATUSES)

    def ended(self):
        return self.filter(status=Pair.Status.ENDED)


class Pair(models.Model):
    class Status(models.TextChoices):
        INTRODUCED = "introduced", "Introduced"
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        ENDED = "ended", "Ended"

    # The pairs that meet and are nudged; a paused pair does neither.
    MEETING_STATUSES = (Status.INTRODUCED, Status.ACTIVE)

    class EndReason(models.TextChoices):
        GOALS_MET = "goals_met", "We achieved what we set out to"
        NATURAL_END = "natural_end", "It came to a natural end"
        NO_TIME = "no_time", "Not enough time"
        ROTATION = "rotation", "One of us moved on (rotation, leave)"
        NOT_A_GOOD_FIT = "not_a_good_fit", "Not a good fit"
        OTHER = "other", "Another reason"
        # Recorded by the life cycle (schemes.lifecycle), never chosen on the form: nobody's fault.
        MEMBER_LEFT = "member_left", "A member left the scheme"
        PLACE_ENDED = "place_ended", "The organiser ended a member's place"
        ACCOUNT_CLOSED = "account_closed", "A member closed their account"
        ROTATED_OUT = "rotated_out", "A member rotated to another trust"

    # The reasons a member may choose when they end a pair themselves.
    MEMBER_END_REASONS = (
        EndReason.GOALS_MET,
        EndReason.NATURAL_END,
        EndReason.NO_TIME,
        EndReason.ROTATION,
        EndReason.NOT_A_GOOD_FIT,
        EndReason.OTHER,
    )

    confidential_fields = ("end_note",)

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="pairs")
    mentee_enrolment = models.ForeignKey(
        Enrolment, on_delete=models.PROTECT, related_name="pairs_as_mentee"
    )
    mentor_enrolment = models.ForeignKey(
        Enrolment, on_delete=models.PROTECT, related_name="pairs_as_mentor"
    )
    mentee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="pairs_as_mentee"
    )
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="pairs_as_mentor"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.INTRODUCED)
    match_round = models.ForeignKey(
        MatchRound, on_delete=models.SET_NULL, null=True, blank=True, related_name="pairs"
    )
    score = models.FloatField(default=0)
    explanation = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    status_changed_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=16, choices=EndReason.choices, blank=True)
    end_note = models.TextField(
        blank=True,
        help_text="Optional; seen by whoever ended the pair, the organisers, and the partner "
        "only if `end_reason_shared`.",
    )
    end_reason_shared = models.BooleanField(
        "the partner may read the reason",
        default=False,
        help_text="The member who ended the pair chose to tell their partner the reason and note "
        "as well as the organisers.",
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ended_badly = models.BooleanField(
        default=False, help_text="Never match these two people again."
    )

    objects = PairQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["mentee_enrolment"],
                condition=~Q(status="ended"),
                name="pair_one_current_per_mentee_enrolment",
            ),
            models.CheckConstraint(
                condition=~Q(mentee=models.F("mentor")), name="pair_two_different_people"
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("created_at")),
                name="pair_ends_after_it_starts",
            ),
        ]
        indexes = [models.Index(fields=["scheme", "status"], name="pair_dashboard_idx")]

    def __str__(self):
        return f"{self.mentee} with {self.mentor}"

    @property
    def is_current(self):
        return self.status != self.Status.ENDED

    def has_member(self, user):
        return user.is_authenticated and user.pk in (self.mentee_id, self.mentor_id)

    def other_member(self, user):
        return self.mentor if user.pk == self.mentee_id else self.mentee

    @property
    def ended_by_life_cycle(self):
        """Ended because a member left, closed their account or rotated to another trust, not by
        either member's choice."""
        return self.end_reason in (
            self.EndReason.MEMBER_LEFT,
            self.EndReason.PLACE_ENDED,
            self.EndReason.ACCOUNT_CLOSED,
            self.EndReason.ROTATED_OUT,
        )

    def end_reason_visible_to(self, user):
        """Whether `user` may read why the pair ended: the member who ended it, and the partner
        if they chose to share it. A life-cycle ending has no words and is shown to both."""
        if self.ended_by_life_cycle:
            return True
        return self.ended_by_id == user.pk or (self.end_reason_shared and self.has_member(user))

    def partner_label(self, user):
        """How `user` sees their partner named: an erased account is never shown by its
        placeholder name or address."""
        return self.mentor_label if user.pk == self.mentee_id else self.mentee_label

    @property
    def mentee_label(self):
        return _member_label(self.mentee, "mentee")

    @property
    def mentor_label(self):
        return _member_label(self.mentor, "mentor")


def _member_label(user, role):
    if user.is_erased:
        return f"Former {role} (account closed)"
    return user.get_full_name() or user.email


class MentorChoiceQuerySet(models.QuerySet):
    def open(self):
        """Queued or waiting: not yet answered, lapsed or withdrawn."""
        return self.filter(status__in=MentorChoice.OPEN_STATUSES)

    def waiting(self):
        """Waiting for the mentor's answer (a mentee has at most one)."""
        return self.filter(status=MentorChoice.Status.WAITING)


class MentorChoice(models.Model):
    """A mentee's pick among suggested mentors, waiting for the mentor's answer."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Asked next if the choice before says no"
        WAITING = "waiting", "Waiting for the mentor"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        EXPIRED = "expired", "No answer in time"
        WITHDRAWN = "withdrawn", "Withdrawn"

    OPEN_STATUSES = (Status.QUEUED, Status.WAITING)

    mentee_enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="mentor_choices"
    )
    mentor_enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="mentee_choices"
    )
    rank = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    created_at = models.DateTimeField(default=timezone.now)
    offered_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    explanation = models.JSONField(default=list, blank=True)
    score = models.FloatField(default=0)

    objects = MentorChoiceQuerySet.as_manager()

    class Meta:
        ordering = ["mentee_enrolment", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["mentee_enrolment", "mentor_enrolment"], name="choice_once_per_mentor"
            ),
            # A mentee asks one mentor at a time; the others wait their turn.
            models.UniqueConstraint(
                fields=["mentee_enrolment"],
                condition=Q(status="waiting"),
                name="choice_one_waiting_per_mentee",
            ),
        ]
        indexes = [models.Index(fields=["status", "offered_at"], name="choice_due_idx")]

    def __str__(self):
        return f"{self.mentee_enrolment.user} asks {self.mentor_enrolment.user}"

    @property
    def is_open(self):
        return self.status in self.OPEN_STATUSES

    def answer_due_at(self, response_days):
        if self.offered_at is None:
            return None
        return self.offered_at + timedelta(days=response_days)


class HandPairing(models.Model):
    """An organiser paired a mentee with a mentor they chose: who, when, and the reasons they
    gave for overriding a rule or raising the mentor's capacity for this one pair.

    The reasons are the organiser's own words about the decision (staff metadata, like the audit
    log), never anything from inside the pair.
    """

    pair = models.OneToOneField(Pair, on_delete=models.CASCADE, related_name="hand_pairing")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    overridden_rules = models.JSONField(
        default=list, blank=True, help_text="Codes of the hard rules the organiser overrode."
    )
    override_reason = models.TextField(blank=True)
    capacity_raised = models.BooleanField(default=False)
    capacity_reason = models.TextField(blank=True)

    def __str__(self):
        return f"{self.pair} paired by hand"
