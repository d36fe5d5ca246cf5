"""Objective training outcomes, imported by a trust's DME to compare mentees with others.

An `OutcomeImport` holds an uploaded file, parsed and checked, until the DME confirms it; only
then are its rows saved as `TrainingOutcome`s, all in one transaction (reports/outcomes.py).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.staged_import import StagedImport
from schemes.models import Organisation


class ArcpOutcome(models.TextChoices):
    """ARCP outcome codes (the Gold Guide). 1 and 6 are the satisfactory ones."""

    ONE = "1", "1: achieving progress"
    TWO = "2", "2: development needed, no extra time"
    THREE = "3", "3: inadequate progress, extra time"
    FOUR = "4", "4: released from training"
    FIVE = "5", "5: incomplete evidence"
    SIX = "6", "6: completed training"
    EIGHT = "8", "8: out of programme"
    N = "N", "N: no outcome this period"


SATISFACTORY_ARCP = frozenset({ArcpOutcome.ONE.value, ArcpOutcome.SIX.value})


class OutcomeImport(StagedImport):
    """An uploaded outcomes file waiting for the DME to confirm. Nothing is saved from it before.
    The fields it shares with other imports are in accounts.staged_import."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="outcome_imports"
    )
    saved_count = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.file_name} for {self.organisation}"


class TrainingOutcome(models.Model):
    """One trainee's ARCP outcome (and exam result) for one training year at one trust."""

    class Exam(models.TextChoices):
        PASSED = "yes", "Passed"
        FAILED = "no", "Not passed"
        NONE = "", "No exam"

    confidential_fields = ("arcp_outcome", "exam_passed")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="training_outcomes"
    )
    trainee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="training_outcomes",
        help_text="The account the row's email matched, if any.",
    )
    email = models.EmailField(blank=True)
    gmc_number = models.CharField("GMC number", max_length=7, blank=True)
    period = models.CharField(max_length=7, help_text="Training year, e.g. 2025/26.")
    arcp_outcome = models.CharField("ARCP outcome", max_length=1, choices=ArcpOutcome.choices)
    exam_passed = models.CharField(max_length=3, choices=Exam.choices, blank=True)
    imported_at = models.DateTimeField(default=timezone.now)
    outcome_import = models.ForeignKey(
        OutcomeImport, on_delete=models.SET_NULL, null=True, related_name="outcomes"
    )

    class Meta:
        ordering = ["organisation", "period"]
        indexes = [models.Index(fields=["organisation", "period"], name="outcome_org_period_idx")]

    def __str__(self):
        return f"{self.period} ARCP {self.arcp_outcome}"

    @property
    def is_satisfactory(self):
        return self.arcp_outcome in SATISFACTORY_ARCP
