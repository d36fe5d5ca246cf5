"""Outcome surveys: versioned templates, each scheme's schedule, invitations, and responses.

Anonymity is a property of the schema, not of the views. Where a template is anonymous:

- `Response` and `Answer` have no foreign key to a person, an invitation, a pair or an enrolment;
  the only link to a person is the `ResponseAttribution` row, which is created for
  non-anonymous templates only.
- Their primary keys are random UUIDs, so the order in which responses were stored cannot be
  lined up with the order of the invitations' `responded_at`.
- A response keeps only the month it was given in (`submitted_month`), not the moment, so it
  cannot be joined to `Invitation.responded_at` either.

The invitation keeps only the "has responded" mark (`responded_at`), which the sweep needs to
stop reminders and the results need for the response rate.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from schemes.models import Scheme


class Audience(models.TextChoices):
    MENTEE = "mentee", "Mentees"
    MENTOR = "mentor", "Mentors"


class Domain(models.TextChoices):
    """The seed's evaluation framework (Grainger): process, content, outcome; plus two of ours."""

    PROCESS = "process", "Process"
    CONTENT = "content", "Content"
    OUTCOME = "outcome", "Outcome"
    WELLBEING = "wellbeing", "Wellbeing"
    SATISFACTION = "satisfaction", "Satisfaction"


class Moment(models.TextChoices):
    """When a survey goes out; also how its answers are grouped for baseline versus follow-up."""

    AT_MATCH = "at_match", "When a pair is matched (baseline)"
    PERIODIC = "periodic", "Every few months while the pair is active (follow-up)"
    END_OF_PAIR = "end_of_pair", "When a pair ends"
    END_OF_YEAR = "end_of_year", "At the end of the training year"


class TemplateInUse(ValidationError):
    """A template that has been sent is never edited in place: adapt it into a new version."""


class SurveyTemplate(models.Model):
    """One version of a survey. Built-in templates have no scheme; adapted ones belong to one.

    `key` names the survey across versions ("mentee-follow-up"); `version` counts within
    (scheme, key). Questions keep their `code` across versions while their wording is unchanged,
    so results pool versions question by question and answers always match the question asked.
    """

    scheme = models.ForeignKey(
        Scheme,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="survey_templates",
        help_text="Empty for the built-in templates every scheme may use.",
    )
    key = models.SlugField(max_length=60)
    version = models.PositiveSmallIntegerField(default=1)
    based_on = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="adaptations"
    )
    name = models.CharField(max_length=120)
    introduction = models.TextField(
        blank=True, help_text="Shown above the questions: why we ask, how long it takes."
    )
    audience = models.CharField(max_length=8, choices=Audience.choices)
    anonymous = models.BooleanField(
        default=True,
        help_text=(
            "Answers are stored apart from who gave them. Change over time is then measured "
            "between groups, not person by person."
        ),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["audience", "key", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "key", "version"], name="survey_template_version_once"
            ),
            # NULLs are distinct in a unique constraint, so built-ins need their own.
            models.UniqueConstraint(
                fields=["key", "version"],
                condition=Q(scheme__isnull=True),
                name="survey_builtin_template_version_once",
            ),
        ]

    def __str__(self):
        return f"{self.name} (version {self.version})"

    def save(self, *args, **kwargs):
        if self.pk and self.invitations.exists():
            stored = SurveyTemplate.objects.get(pk=self.pk)
            if any(
                getattr(stored, field) != getattr(self, field)
                for field in ("name", "introduction", "audience", "anonymous", "key", "version")
            ):
                raise TemplateInUse(
                    "This survey has been sent, so it cannot change. Adapt it into a new version "
                    "instead."
                )
        super().save(*args, **kwargs)

    @property
    def is_builtin(self):
        return self.scheme_id is None

    @property
    def is_in_use(self):
        """Sent to someone, or chosen in a schedule: from then on it is never edited."""
        return self.invitations.exists() or self.schedule_entries.exists()

    def version_label(self):
        owner = "built-in" if self.is_builtin else self.scheme.name
        return f"{owner}, version {self.version}"


class Question(models.Model):
    class Kind(models.TextChoices):
        LIKERT = "likert", "Scale of 1 to 5"
        YES_NO = "yes_no", "Yes or no"
        SINGLE_CHOICE = "single_choice", "One choice from a list"
        MULTIPLE_CHOICE = "multiple_choice", "Any choices from a list"
        SHORT_TEXT = "short_text", "Short free text"

    template = models.ForeignKey(SurveyTemplate, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    code = models.SlugField(
        max_length=60,
        help_text="Kept across versions while the wording stays, so results can pool them.",
    )
    text = models.CharField(max_length=300)
    help_text = models.CharField(max_length=300, blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    domain = models.CharField(max_length=12, choices=Domain.choices)
    choices = models.JSONField(
        default=list, blank=True, help_text="The options of a single or multiple choice question."
    )
    low_label = models.CharField(max_length=60, blank=True, help_text="What 1 means.")
    high_label = models.CharField(max_length=60, blank=True, help_text="What 5 means.")
    required = models.BooleanField(default=False)
    is_repeated = models.BooleanField(
        default=False,
        help_text="Asked at baseline and again at follow-up, so that change can be measured.",
    )

    class Meta:
        ordering = ["template", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["template", "code"], name="question_code_once"),
            models.CheckConstraint(
                condition=Q(is_repeated=False) | Q(kind="likert"),
                name="question_repeated_items_are_likert",
            ),
        ]

    def __str__(self):
        return self.text

    def save(self, *args, **kwargs):
        # The database row of a question that people have been asked never changes; the
        # data migration uses historical models, which do not run this check.
        if self.template_id and self.template.invitations.exists():
            raise TemplateInUse(
                "This survey has been sent, so its questions cannot change. Adapt it into a new "
                "version instead."
            )
        super().save(*args, **kwargs)

    @property
    def is_numeric(self):
        return self.kind in (self.Kind.LIKERT, self.Kind.YES_NO)


class SchemeSurveySchedule(models.Model):
    """Which survey goes to whom, and when, in one scheme."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="survey_schedule")
    moment = models.CharField(max_length=12, choices=Moment.choices)
    audience = models.CharField(max_length=8, choices=Audience.choices)
    template = models.ForeignKey(
        SurveyTemplate, on_delete=models.PROTECT, related_name="schedule_entries"
    )
    every_months = models.PositiveSmallIntegerField(
        "every (months)",
        default=3,
        help_text="For follow-up surveys: how many months apart, counted from the match.",
    )
    year_end_month = models.PositiveSmallIntegerField(
        "month the training year ends",
        default=7,
        help_text="For end-of-year surveys: sent from the 1st of this month (7 = July, before "
        "the August rotation).",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["scheme", "audience", "moment"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "moment", "audience"], name="survey_schedule_once_per_moment"
            ),
            models.CheckConstraint(
                condition=Q(every_months__gte=1, every_months__lte=24),
                name="survey_schedule_every_1_to_24_months",
            ),
            models.CheckConstraint(
                condition=Q(year_end_month__gte=1, year_end_month__lte=12),
                name="survey_schedule_year_end_is_a_month",
            ),
        ]

    def __str__(self):
        return f"{self.get_audience_display()}: {self.get_moment_display()} — {self.template}"

    def clean(self):
        if self.template_id and self.template.audience != self.audience:
            raise ValidationError(
                {"template": "Choose a survey written for the same people (mentees or mentors)."}
            )
        if self.template_id and self.template.scheme_id not in (None, self.scheme_id):
            raise ValidationError({"template": "Choose a built-in survey or one of this scheme's."})


class Invitation(models.Model):
    """One person asked to answer one survey for one period. Knows whether they answered; never
    what they answered when the survey is anonymous."""

    # The token is the key of the answer link: a secret, kept like content.
    confidential_fields = ("token",)

    key = models.CharField(
        max_length=200,
        unique=True,
        help_text="scheme:person:survey:period — the sweep can run any number of times.",
    )
    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="survey_invitations")
    template = models.ForeignKey(
        SurveyTemplate, on_delete=models.PROTECT, related_name="invitations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="survey_invitations"
    )
    pair = models.ForeignKey(
        "matching.Pair",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_invitations",
    )
    moment = models.CharField(max_length=12, choices=Moment.choices)
    period = models.CharField(max_length=40, help_text="e.g. match, month-3, end, year-2026")
    token = models.CharField(
        max_length=43, help_text="Random; signed into the link with the invitation's id."
    )
    anonymous = models.BooleanField(help_text="Copied from the template when invited.")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["scheme", "template"], name="invitation_results_idx"),
            models.Index(fields=["responded_at", "reminded_at"], name="invitation_reminder_idx"),
        ]

    def __str__(self):
        return self.key

    @property
    def has_responded(self):
        return self.responded_at is not None

    def is_open(self, now=None):
        return self.responded_at is None and (now or timezone.now()) < self.closes_at

    def partner_first_name(self):
        """The first name of the other member of the pair the survey is about, if any; never
        that of a closed account."""
        if self.pair is None:
            return ""
        partner = self.pair.other_member(self.user)
        return "" if partner.is_erased else partner.first_name

    def pair_description(self):
        """Which pair the survey is about, in words, e.g. "your mentoring with Tom in SLaM peer
        mentoring, which ended on 3 December 2026". Nobody whose account is closed is named."""
        pair = self.pair
        if pair is None:
            return ""
        partner_name = self.partner_first_name()
        with_whom = f" with {partner_name}" if partner_name else ""
        text = f"your mentoring{with_whom} in {self.scheme.name}"
        if self.moment == Moment.END_OF_PAIR and pair.ended_at:
            day = timezone.localdate(pair.ended_at)
            text += f", which ended on {day.day} {day:%B %Y}"
        return text


def first_of_month(moment):
    day = timezone.localdate(moment)
    return day.replace(day=1)


class Response(models.Model):
    """One completed survey. Holds no link to a person: see the module docstring."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    template = models.ForeignKey(SurveyTemplate, on_delete=models.PROTECT, related_name="responses")
    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="survey_responses")
    audience = models.CharField(max_length=8, choices=Audience.choices)
    moment = models.CharField(max_length=12, choices=Moment.choices)
    is_anonymous = models.BooleanField()
    submitted_month = models.DateField(
        help_text="The first day of the month it was given in: never the day or the time."
    )

    class Meta:
        indexes = [
            models.Index(fields=["scheme", "template"], name="response_results_idx"),
        ]

    def __str__(self):
        return f"Response to {self.template} ({self.submitted_month:%B %Y})"

    def save(self, *args, **kwargs):
        # Whatever the caller passed, only the month is kept.
        self.submitted_month = self.submitted_month.replace(day=1)
        super().save(*args, **kwargs)


class ResponseAttribution(models.Model):
    """Who gave a non-anonymous response. Never created when the template is anonymous."""

    response = models.OneToOneField(Response, on_delete=models.CASCADE, related_name="attribution")
    invitation = models.OneToOneField(
        Invitation, on_delete=models.CASCADE, related_name="attributed_response"
    )
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="survey_responses"
    )
    submitted_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.respondent} answered {self.response.template}"

    def save(self, *args, **kwargs):
        if self.response.is_anonymous:
            raise ValidationError("An anonymous response is never attributed to anyone.")
        super().save(*args, **kwargs)


class Answer(models.Model):
    confidential_fields = ("number", "choices", "text")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    number = models.SmallIntegerField(
        null=True, blank=True, help_text="Scale 1–5, or 1 for yes and 0 for no."
    )
    choices = models.JSONField(default=list, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="answer_once"),
            models.CheckConstraint(
                condition=Q(number__isnull=True) | Q(number__gte=0, number__lte=5),
                name="answer_number_0_to_5",
            ),
        ]

    def __str__(self):
        return f"Answer to {self.question.code}"
