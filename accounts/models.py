from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class Grade(models.TextChoices):
    FY1 = "FY1", "Foundation year 1 (FY1)"
    FY2 = "FY2", "Foundation year 2 (FY2)"
    CT1 = "CT1", "Core trainee year 1 (CT1)"
    CT2 = "CT2", "Core trainee year 2 (CT2)"
    CT3 = "CT3", "Core trainee year 3 (CT3)"
    ST1 = "ST1", "Specialty trainee year 1 (ST1)"
    ST2 = "ST2", "Specialty trainee year 2 (ST2)"
    ST3 = "ST3", "Specialty trainee year 3 (ST3)"
    ST4 = "ST4", "Specialty trainee year 4 (ST4)"
    ST5 = "ST5", "Specialty trainee year 5 (ST5)"
    ST6 = "ST6", "Specialty trainee year 6 (ST6)"
    ST7 = "ST7", "Specialty trainee year 7 (ST7)"
    ST8 = "ST8", "Specialty trainee year 8 (ST8)"
    SAS = "SAS", "SAS doctor"
    CONSULTANT = "CONSULTANT", "Consultant"
    OTHER_PROFESSIONAL = "OTHER", "Other healthcare professional"


# Doctors in training (foundation, core and specialty grades): the people a training start date
# and years in training mean something for. Consultants, SAS doctors and other staff are not.
TRAINING_GRADES = (
    Grade.FY1, Grade.FY2, Grade.CT1, Grade.CT2, Grade.CT3,
    Grade.ST1, Grade.ST2, Grade.ST3, Grade.ST4, Grade.ST5, Grade.ST6, Grade.ST7, Grade.ST8,
)  # fmt: skip

# Erasure (accounts.personal_data) gives the account an address in this reserved domain.
ERASED_EMAIL_DOMAIN = "erased.invalid"


class Gender(models.TextChoices):
    WOMAN = "woman", "Woman"
    MAN = "man", "Man"
    NON_BINARY = "non_binary", "Non-binary"
    UNSAID = "", "Prefer not to say"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def normalize_email(self, email):
        # The whole address is compared case-insensitively: people type NHS.net and nhs.net alike.
        return (email or "").strip().lower()

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        extra_fields.setdefault("email_confirmed_at", timezone.now())
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    username = None
    email = models.EmailField("email address", unique=True)
    grade = models.CharField(max_length=16, choices=Grade.choices, blank=True)
    specialty = models.CharField(max_length=100, blank=True)
    organisation = models.ForeignKey(
        "schemes.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        help_text="The trust (Local Education Provider) you work for now.",
    )
    site = models.CharField(
        max_length=120, blank=True, help_text="The hospital or site you mostly work at."
    )
    gender = models.CharField(
        max_length=12,
        choices=Gender.choices,
        blank=True,
        help_text="Optional. Used only where a scheme lets mentees ask for a mentor's gender.",
    )
    training_started_on = models.DateField("date training started", null=True, blank=True)
    email_confirmed_at = models.DateTimeField(null=True, blank=True)
    email_opt_outs = models.JSONField(
        default=list,
        blank=True,
        help_text="Kinds of non-essential email this user chose not to receive.",
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    objects = UserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self):
        return self.get_full_name() or self.email

    @property
    def has_confirmed_email(self):
        return self.email_confirmed_at is not None

    @property
    def email_domain(self):
        return self.email.rsplit("@", 1)[-1].lower()

    @property
    def is_doctor_in_training(self):
        return self.grade in TRAINING_GRADES

    @property
    def is_erased(self):
        """The person erased their account: show neither the placeholder name nor address."""
        return self.email_domain == ERASED_EMAIL_DOMAIN


class Notification(models.Model):
    """One outgoing message, recorded before it is sent so that it is sent at most once.

    `key` names the message (kind, object, period): a sweep that runs twice, a retried task or a
    restarted worker finds the row already there and sends nothing more (DESIGN.md).
    """

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=64)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        help_text="Empty for someone with no account (an invitation to a trust's trainee list): "
        "the kind's context then gives the address when the email is sent, so none is stored here.",
    )
    context = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [models.Index(fields=["sent_at", "created_at"], name="notification_unsent_idx")]

    def __str__(self):
        return self.key


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Audit events cannot be changed.")

    def delete(self):
        raise PermissionError("Audit events cannot be deleted.")


class AuditEvent(models.Model):
    """An append-only record of a sensitive action: who, what, when, from where.

    Never holds note text or survey answers: `details` carries ids, filters and counts only.
    The model refuses updates and deletes, and the admin shows it read-only.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_email = models.EmailField(blank=True, help_text="Kept if the account is later erased.")
    action = models.CharField(max_length=64)
    target = models.CharField(max_length=200, blank=True)
    details = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["action", "created_at"], name="audit_action_idx")]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_email} {self.action} {self.target}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events cannot be deleted.")


class UserSession(models.Model):
    """Which sessions belong to a user, so all of them can be ended at once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sessions"
    )
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Session of {self.user} since {self.created_at:%Y-%m-%d %H:%M}"


class ProviderIdentity(models.Model):
    """An NHS identity (an NHSmail or CIS2 account) linked to an account on its first sign-in.

    Found again by the provider's issuer and the subject it gives the person, which never change,
    so a later sign-in reaches the same account even after the person's address changes.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="provider_identities"
    )
    provider = models.CharField(max_length=40, help_text="The sign-in provider's key in settings.")
    issuer = models.CharField(max_length=300)
    subject = models.CharField(max_length=255)
    linked_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "subject"], name="accounts_provider_identity_unique"
            ),
        ]
        verbose_name_plural = "provider identities"

    def __str__(self):
        return f"{self.provider} sign-in of {self.user}"
