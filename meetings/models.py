"""What happens inside a pair: its agreement, goals, meeting logs, planned meetings and nudges.

Confidentiality lives in the shape of the data as well as in the views: a private note is a row of
its own keyed by its author, so a query for one member's note can never carry the other's, and
organisers' pages read only dates and counts (selectors.py).
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from matching.models import Pair
from schemes.models import MentoringArea, Scheme

DEFAULT_CONFIDENTIALITY = (
    "What we talk about stays between the two of us. The scheme's organisers see only that we "
    "have met and when, never what we wrote. The one exception: if either of us believes someone "
    "(one of us, a colleague or a patient) is at risk of serious harm, that may have to be shared "
    "with someone who can help, and we will say so first wherever we can."
)


def new_calendar_uid():
    return uuid.uuid4().hex


class MeetingMode(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    VIDEO = "video", "Video call"
    PHONE = "phone", "Phone"


def topic_choices():
    """Tags for what a meeting covered: the scheme's mentoring areas plus the seed's evaluation
    domains (feedback, raising issues, networking)."""
    return [
        *MentoringArea.choices,
        ("feedback", "Feedback"),
        ("challenge", "Raising issues and challenges"),
        ("networking", "Networking"),
    ]


class MentoringAgreement(models.Model):
    """What the pair will work on, how often they meet, and confidentiality: both confirm it.

    Changing the text asks the other member to confirm again, so a confirmation is always of the
    words now on the page.
    """

    confidential_fields = ("working_on", "meeting_frequency", "confidentiality")

    pair = models.OneToOneField(Pair, on_delete=models.CASCADE, related_name="agreement")
    working_on = models.TextField("what we will work on")
    meeting_frequency = models.CharField("how often we will meet", max_length=200)
    confidentiality = models.TextField(
        "confidentiality and its limits", default=DEFAULT_CONFIDENTIALITY
    )
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    mentee_confirmed_at = models.DateTimeField(null=True, blank=True)
    mentor_confirmed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Agreement of pair {self.pair_id}"

    @property
    def is_confirmed(self):
        return self.mentee_confirmed_at is not None and self.mentor_confirmed_at is not None

    def confirmation_field(self, user):
        return "mentee_confirmed_at" if user.pk == self.pair.mentee_id else "mentor_confirmed_at"

    def is_confirmed_by(self, user):
        return getattr(self, self.confirmation_field(user)) is not None


class Goal(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        PROGRESSING = "progressing", "Progressing"
        ACHIEVED = "achieved", "Achieved"
        DROPPED = "dropped", "Dropped"

    confidential_fields = ("title", "details")

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="goals")
    title = models.CharField(max_length=200)
    details = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"Goal {self.pk} of pair {self.pair_id}"

    @property
    def is_live(self):
        return self.status in (self.Status.OPEN, self.Status.PROGRESSING)


class PlannedMeetingQuerySet(models.QuerySet):
    def not_cancelled(self):
        return self.filter(cancelled_at=None)

    def upcoming(self, now=None):
        """Not cancelled and starting after `now` (default: this moment)."""
        return self.not_cancelled().filter(starts_at__gt=now or timezone.now())


class PlannedMeeting(models.Model):
    """The next meeting, sent to both members as a calendar invitation.

    `uid` is the invitation's stable iCalendar UID and `sequence` its revision: a reschedule or a
    cancellation raises the sequence, so calendars update the event instead of adding another.
    """

    confidential_fields = ("place",)

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="planned_meetings")
    starts_at = models.DateTimeField(help_text="Stored in UTC.")
    duration_minutes = models.PositiveSmallIntegerField(default=60)
    mode = models.CharField(max_length=10, choices=MeetingMode.choices)
    place = models.CharField("place or link", max_length=300, blank=True)
    uid = models.CharField(max_length=64, unique=True, default=new_calendar_uid, editable=False)
    sequence = models.PositiveIntegerField(default=0)
    planned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(
        default=timezone.now, help_text="When it was last planned, moved or cancelled."
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = PlannedMeetingQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5, duration_minutes__lte=600),
                name="planned_meeting_duration_5_to_600",
            )
        ]
        indexes = [models.Index(fields=["starts_at"], name="planned_meeting_start_idx")]

    def __str__(self):
        return f"Planned meeting {self.pk} of pair {self.pair_id}"

    @property
    def ends_at(self):
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def is_cancelled(self):
        return self.cancelled_at is not None


class Meeting(models.Model):
    """A meeting one member logged and the other confirms. The summary is shared by both."""

    confidential_fields = ("summary", "topics")

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="meetings")
    held_on = models.DateField("date")
    duration_minutes = models.PositiveSmallIntegerField("duration in minutes")
    mode = models.CharField(max_length=10, choices=MeetingMode.choices)
    topics = models.JSONField(default=list, blank=True)
    summary = models.TextField("shared summary", blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    logged_at = models.DateTimeField(default=timezone.now)
    confirmed_by_other_at = models.DateTimeField(null=True, blank=True)
    planned_meeting = models.OneToOneField(
        PlannedMeeting,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="logged_meeting",
    )

    class Meta:
        ordering = ["-held_on", "-logged_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5, duration_minutes__lte=600),
                name="meeting_duration_5_to_600",
            )
        ]
        indexes = [models.Index(fields=["pair", "held_on"], name="meeting_pair_date_idx")]

    def __str__(self):
        return f"Meeting {self.pk} of pair {self.pair_id} on {self.held_on}"

    @property
    def is_confirmed(self):
        return self.confirmed_by_other_at is not None

    def topic_labels(self):
        labels = dict(topic_choices())
        return [labels.get(topic, topic) for topic in self.topics]


class PrivateNote(models.Model):
    """One member's own note on a meeting. Read it only with `author=request.user`."""

    confidential_fields = ("text",)

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "author"], name="private_note_one_per_author"
            )
        ]

    def __str__(self):
        return f"Private note on meeting {self.meeting_id}"


class GoalProgress(models.Model):
    """How a goal moved at a meeting."""

    confidential_fields = ("note",)

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="goal_progress")
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="progress")
    status = models.CharField(max_length=12, choices=Goal.Status.choices)
    note = models.TextField(blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "goal progress"
        constraints = [
            models.UniqueConstraint(fields=["meeting", "goal"], name="goal_progress_once")
        ]

    def __str__(self):
        return f"Progress on goal {self.goal_id} at meeting {self.meeting_id}"


class Nudge(models.Model):
    """A reminder to a pair that has not logged a meeting within the scheme's interval.

    `anchor_on` is the date the silence is counted from (the last meeting, or the day the pair
    began or resumed): one nudge per number per anchor, so a sweep run twice nudges once. A nudge
    is answered when the anchor moves (a later meeting is logged, or the pair's status changes);
    a second nudge still unanswered flags the pair for the organiser ("may need a check-in").
    """

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="nudges")
    anchor_on = models.DateField()
    number = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["pair", "anchor_on", "number"], name="nudge_once_per_anchor"
            ),
            models.CheckConstraint(
                condition=Q(number__in=[1, 2]), name="nudge_number_first_or_second"
            ),
        ]
        indexes = [models.Index(fields=["pair", "answered_at"], name="nudge_open_idx")]

    def __str__(self):
        return f"Nudge {self.number} of pair {self.pair_id} since {self.anchor_on}"


class SchemeMessage(models.Model):
    """An organiser's message to a group of the scheme's people, sent once as one Notification
    per person (`services.scheme_message_send`). It carries what the organiser wrote and the
    counts sent; replies are not collected and nothing a pair wrote is ever part of it.
    """

    class Audience(models.TextChoices):
        MENTEES = "mentees", "All mentees"
        MENTORS = "mentors", "All mentors"
        WAITING = "waiting", "Mentees waiting for a mentor"
        CHECK_IN = "check_in", "Both members of pairs that may need a check-in"

    SUBJECT_MAX = 150
    BODY_MAX = 5000

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="scheme_messages")
    audience = models.CharField(max_length=16, choices=Audience.choices)
    filters = models.JSONField(default=dict, blank=True, help_text="Grade, specialty and site.")
    subject = models.CharField(max_length=SUBJECT_MAX)
    body = models.TextField(max_length=BODY_MAX)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # One per preview: a second press of Send (or a resubmitted page) finds the message sent.
    send_token = models.UUIDField(default=uuid.uuid4, unique=True)
    sent_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(
        default=0, help_text="People who turned scheme messages off in their email settings."
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.scheme}: {self.subject}"
