"""Regions, organisations (trusts), their schemes, who runs them, and who is enrolled.

A Scheme holds every dimension of the South London survey (seed), so the regional provision report
can be drawn from live configuration rather than emailed questionnaires.
"""

from datetime import date

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import TRAINING_GRADES, Grade
from accounts.staged_import import StagedImport

TRAINEE_GRADES = list(TRAINING_GRADES)  # one home: accounts.models


class Region(models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class SchemeInterest(models.TextChoices):
    """The seed asked trusts without a scheme whether they would like to set one up."""

    NOT_ASKED = "not_asked", "Not asked"
    INTERESTED = "interested", "Interested"
    NOT_INTERESTED = "not_interested", "Not interested"
    SETTING_UP = "setting_up", "Setting one up"


class Organisation(models.Model):
    """A Local Education Provider: an NHS trust."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="organisations")
    name = models.CharField(max_length=200, unique=True)
    short_name = models.CharField(max_length=40, help_text="As people say it, e.g. GSTT, SLaM.")
    slug = models.SlugField(max_length=60, unique=True)
    email_domains = models.JSONField(
        default=list,
        blank=True,
        help_text="Domains its staff sign up with, e.g. nhs.net and the trust's own.",
    )
    reported_difficulties = models.TextField(
        blank=True, help_text="What the trust reports makes running its scheme hard."
    )
    # For a trust without a scheme: whether it would like one, as its DME or the regional lead
    # last recorded it.
    scheme_interest = models.CharField(
        "interest in a peer mentoring scheme",
        max_length=16,
        choices=SchemeInterest.choices,
        default=SchemeInterest.NOT_ASKED,
    )
    scheme_interest_note = models.CharField(
        "note", max_length=300, blank=True, help_text="e.g. who is leading it, or what is missing."
    )
    scheme_interest_recorded_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def accepts_email(self, email):
        domain = email.rsplit("@", 1)[-1].lower()
        return any(domain == allowed.lower() for allowed in self.email_domains)


class MenteeEligibility(models.TextChoices):
    ALL_TRAINEES = "all", "All trainees"
    CHOSEN = "chosen", "Chosen grades and specialties"


class EnrolmentModel(models.TextChoices):
    OPT_IN = "opt_in", "Opt-in"
    OPT_OUT = "opt_out", "Opt-out"
    NOT_STATED = "not_stated", "Not stated"


class MentorTraining(models.TextChoices):
    FORMAL_EXTERNAL = "formal_external", "Formal external training"
    FORMAL_INTERNAL = "formal_internal", "Formal internal training"
    INFORMAL = "informal", "Informal training"
    NONE = "none", "No training"


class MentorSupport(models.TextChoices):
    ONE_TO_ONE = "one_to_one", "1:1 supervision"
    GROUP = "group", "Group supervision"
    DME = "dme", "Support from the DME"
    AD_HOC = "ad_hoc", "Ad hoc, when required"


class RunBy(models.TextChoices):
    TRAINEE_LED = "trainee_led", "Trainee-led"
    POSTGRADUATE_CENTRE = "postgraduate_centre", "Postgraduate centre"
    WORKFORCE_DEVELOPMENT = "workforce_development", "Workforce development team"
    TRAINING_AND_DEVELOPMENT = "training_and_development", "Training and development service"
    JOINT = "joint", "Jointly (trainees and consultants)"


class SchemeQuerySet(models.QuerySet):
    def serving(self, organisation):
        """Schemes open to the organisation's trainees: its own, and those it is a partner of."""
        return self.filter(
            Q(organisation=organisation) | Q(partner_organisations=organisation)
        ).distinct()


class Scheme(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="schemes")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    is_open = models.BooleanField(
        "open for sign-up", default=True, help_text="Closed schemes take no new enrolments."
    )

    # Who may be a mentee
    mentee_eligibility = models.CharField(
        max_length=16, choices=MenteeEligibility.choices, default=MenteeEligibility.ALL_TRAINEES
    )
    eligible_grades = models.JSONField(default=list, blank=True)
    eligible_specialties = models.JSONField(default=list, blank=True)
    enrolment_model = models.CharField(
        max_length=16, choices=EnrolmentModel.choices, default=EnrolmentModel.OPT_IN
    )

    # When mentees are recruited
    recruits_at_intake = models.BooleanField("recruits at rotation start", default=True)
    accepts_requests = models.BooleanField("takes requests at any time", default=False)
    accepts_referrals = models.BooleanField("takes confidential referrals", default=False)

    # Who may mentor
    mentors_may_be_trainees = models.BooleanField(default=True)
    mentor_min_years_in_training = models.PositiveSmallIntegerField(
        "minimum years in training for a trainee mentor", default=1
    )
    mentors_may_be_consultants = models.BooleanField(default=False)
    mentors_may_be_sas = models.BooleanField("mentors may be SAS doctors", default=False)
    mentors_may_be_other_professionals = models.BooleanField(
        "mentors may be other healthcare professionals", default=False
    )
    allows_mentee_and_mentor = models.BooleanField(
        "a person may be mentee and mentor in this scheme", default=False
    )
    max_mentees_per_mentor = models.PositiveSmallIntegerField(default=3)

    # How it runs
    meeting_interval_min_weeks = models.PositiveSmallIntegerField(default=4)
    meeting_interval_max_weeks = models.PositiveSmallIntegerField(default=8)
    mentor_training_required = models.CharField(
        max_length=24, choices=MentorTraining.choices, default=MentorTraining.FORMAL_INTERNAL
    )
    mentor_support = models.JSONField(
        default=list, blank=True, help_text="Any of: " + ", ".join(MentorSupport.values)
    )
    run_by = models.CharField(max_length=32, choices=RunBy.choices, default=RunBy.TRAINEE_LED)
    admin_hours_per_month = models.DecimalField(max_digits=6, decimal_places=1, default=0)
    budget_pounds_per_year = models.DecimalField(
        "budget for training and supervision (£ a year)", max_digits=10, decimal_places=2, default=0
    )
    collects_outcome_data = models.BooleanField(default=True)
    asks_mentor_gender_preference = models.BooleanField(
        "mentees may state a preferred mentor gender", default=False
    )
    # Rotations and schemes run for several trusts
    pairs_continue_across_trusts = models.BooleanField(
        "pairs may continue when a member rotates to another trust",
        default=False,
        help_text="Otherwise a pair ends, without blame, when either member's placement ends.",
    )
    partner_organisations = models.ManyToManyField(
        Organisation,
        blank=True,
        related_name="partner_schemes",
        verbose_name="also open to the trainees of",
        help_text="For a scheme run by a region or a host trust for several trusts: the other "
        "trusts whose trainees may join. Each trainee counts in their own trust's uptake.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = SchemeQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(meeting_interval_min_weeks__lte=models.F("meeting_interval_max_weeks")),
                name="scheme_interval_min_not_above_max",
            ),
            models.CheckConstraint(
                condition=Q(max_mentees_per_mentor__gte=1, max_mentees_per_mentor__lte=5),
                name="scheme_mentor_capacity_1_to_5",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_peer_only(self):
        """The seed's peer model: mentors are trainees only."""
        return not (
            self.mentors_may_be_consultants
            or self.mentors_may_be_sas
            or self.mentors_may_be_other_professionals
        )

    def grade_may_mentor(self, grade):
        """Whether a person of `grade` may mentor in this scheme. A person with no grade
        recorded is taken for a trainee (the enrolment form asks them to add it)."""
        if grade in TRAINEE_GRADES or not grade:
            return self.mentors_may_be_trainees
        return {
            Grade.CONSULTANT: self.mentors_may_be_consultants,
            Grade.SAS: self.mentors_may_be_sas,
            Grade.OTHER_PROFESSIONAL: self.mentors_may_be_other_professionals,
        }.get(grade, False)

    def mentee_eligibility_summary(self):
        if self.mentee_eligibility == MenteeEligibility.ALL_TRAINEES:
            return "All trainees"
        parts = [", ".join(self.eligible_grades) or "any grade"]
        parts.append(", ".join(self.eligible_specialties) or "any specialty")
        return " in ".join(parts)

    def mentor_pool_summary(self):
        kinds = []
        if self.mentors_may_be_trainees:
            kinds.append(f"trainees with {self.mentor_min_years_in_training}+ years in training")
        if self.mentors_may_be_consultants:
            kinds.append("consultants")
        if self.mentors_may_be_sas:
            kinds.append("SAS doctors")
        if self.mentors_may_be_other_professionals:
            kinds.append("other healthcare professionals")
        return ", ".join(kinds) or "nobody yet"

    def mentor_support_labels(self):
        labels = dict(MentorSupport.choices)
        return [labels[value] for value in self.mentor_support if value in labels] or ["None"]

    def open_intake_window(self, on=None):
        on = on or timezone.localdate()
        return self.intake_windows.filter(opens_on__lte=on, closes_on__gte=on).first()

    # A scheme run for several trusts: the host (`organisation`) and its partners. Read through
    # `partner_organisations.all()` so that a prefetch serves a list of schemes.

    def partner_ids(self):
        return {organisation.pk for organisation in self.partner_organisations.all()}

    def trust_ids(self):
        """The trusts whose trainees may join: the host and its partners."""
        return {self.organisation_id} | self.partner_ids()

    @property
    def has_partners(self):
        return bool(self.partner_ids())

    def serves(self, organisation_id):
        return organisation_id is not None and organisation_id in self.trust_ids()

    def attributed_trust_id(self, user):
        """The trust an enrolment of `user` counts in: their own, if it is the host or a
        partner; None (the host, by default) otherwise."""
        return user.organisation_id if self.serves(user.organisation_id) else None


class IntakeWindow(models.Model):
    """A period, usually at rotation start, when mentees are recruited."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="intake_windows")
    label = models.CharField(max_length=80, help_text="e.g. August 2026 rotation")
    opens_on = models.DateField()
    closes_on = models.DateField()

    class Meta:
        ordering = ["opens_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(opens_on__lte=models.F("closes_on")), name="intake_opens_before_closes"
            )
        ]

    def __str__(self):
        return f"{self.label} ({self.opens_on:%d %b} – {self.closes_on:%d %b %Y})"


class SchemeRole(models.Model):
    class Role(models.TextChoices):
        ORGANISER = "organiser", "Organiser"
        SUPERVISOR = "supervisor", "Supervisor"

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="roles")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scheme_roles"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    appointed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    appointed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scheme", "user", "role"], name="scheme_role_once")
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} of {self.scheme}"


class OrganisationRole(models.Model):
    class Role(models.TextChoices):
        DME = "dme", "Director of Medical Education"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="roles")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="organisation_roles"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.DME)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user", "role"], name="organisation_role_once"
            )
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} at {self.organisation}"


class RegionRole(models.Model):
    class Role(models.TextChoices):
        REGIONAL_LEAD = "regional_lead", "Regional lead"

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="roles")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="region_roles"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.REGIONAL_LEAD)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["region", "user", "role"], name="region_role_once")
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} of {self.region}"


class MentoringArea(models.TextChoices):
    CAREER = "career", "Career planning"
    EXAMS = "exams", "Exams"
    PORTFOLIO = "portfolio", "Portfolio and ARCP"
    WELLBEING = "wellbeing", "Wellbeing"
    WORK_LIFE = "work_life", "Work–life balance"
    NEW_POST = "new_post", "Starting a new post"
    DIFFICULTIES = "difficulties", "Difficulties at work"


def attributed_trust():
    """The trust an enrolment counts in: its own `organisation`, else the scheme's (host)."""
    return Coalesce("organisation", "scheme__organisation")


class EnrolmentQuerySet(models.QuerySet):
    """The states every app asks about, named once."""

    def with_trust(self):
        """Each enrolment annotated with `trust_id`: the trust it counts in."""
        return self.annotate(trust_id=attributed_trust())

    def attributed_to(self, organisation_ids):
        """Enrolments that count in one of the trusts (a host's own and its partners' parts)."""
        return self.alias(counted_in=attributed_trust()).filter(counted_in__in=organisation_ids)

    def current(self):
        """Not withdrawn: still a member of the scheme (requested, active or paused)."""
        return self.exclude(status=Enrolment.Status.WITHDRAWN)

    def enrolled(self):
        """Taking part now: active or paused (not a request, not withdrawn)."""
        return self.filter(status__in=Enrolment.ENROLLED_STATUSES)

    def active(self):
        return self.filter(status=Enrolment.Status.ACTIVE)

    def requested(self):
        """Requests waiting for an organiser to accept them."""
        return self.filter(status=Enrolment.Status.REQUESTED)

    def mentees(self):
        return self.filter(role=Enrolment.Role.MENTEE)

    def mentors(self):
        return self.filter(role=Enrolment.Role.MENTOR)


class Enrolment(models.Model):
    class Role(models.TextChoices):
        MENTEE = "mentee", "Mentee"
        MENTOR = "mentor", "Mentor"

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested, waiting for the organiser"
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        WITHDRAWN = "withdrawn", "Withdrawn"

    ENROLLED_STATUSES = (Status.ACTIVE, Status.PAUSED)

    class Source(models.TextChoices):
        SELF = "self", "Self sign-up"
        COHORT = "cohort", "Opt-out cohort import"
        REQUEST = "request", "Request outside an intake window"
        REFERRAL = "referral", "Referral"
        ORGANISER = "organiser", "Added by an organiser"

    class SpecialtyPreference(models.TextChoices):
        SAME = "same", "The same specialty as mine"
        DIFFERENT = "different", "A different specialty"
        ANY = "any", "It does not matter"

    class MeetingMode(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        VIDEO = "video", "Video call"
        PHONE = "phone", "Phone"
        ANY = "any", "Any of these"

    class GenderPreference(models.TextChoices):
        NONE = "", "No preference"
        WOMAN = "woman", "A woman"
        MAN = "man", "A man"

    # What the trainee wrote or chose about themselves, and why they left.
    confidential_fields = ("withdrawal_reason", "areas", "areas_other", "availability")

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="enrolments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments"
    )
    role = models.CharField(max_length=8, choices=Role.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.SELF)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="For a scheme run for several trusts: the person's own trust, where the "
        "enrolment counts in uptake. Empty means the scheme's own trust.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    status_changed_at = models.DateTimeField(default=timezone.now)
    withdrawal_reason = models.TextField(
        blank=True, help_text="Optional: only if the trainee chose to give one."
    )

    # Where the trainee works in this scheme (from a cohort file or the trainee)
    programme = models.CharField(max_length=120, blank=True)
    site = models.CharField(max_length=120, blank=True)

    # Both roles
    areas = models.JSONField(
        default=list, blank=True, help_text="Mentee: areas to explore. Mentor: areas of experience."
    )
    areas_other = models.CharField("anything else", max_length=500, blank=True)
    availability = models.CharField(max_length=300, blank=True)
    meeting_mode = models.CharField(
        max_length=10, choices=MeetingMode.choices, default=MeetingMode.ANY
    )

    # Mentee preferences
    mentor_specialty_preference = models.CharField(
        max_length=10, choices=SpecialtyPreference.choices, default=SpecialtyPreference.ANY
    )
    prefers_same_site = models.BooleanField(default=False)
    mentor_gender_preference = models.CharField(
        max_length=8, choices=GenderPreference.choices, blank=True, default=""
    )
    consent_given_at = models.DateTimeField(null=True, blank=True)

    # Waiting for a mentor: since when, and whether a re-match after a pair ended comes first.
    waiting_since = models.DateTimeField(default=timezone.now)
    rematch_priority = models.BooleanField(default=False)
    educational_supervisor_email = models.EmailField(
        blank=True, help_text="So that your own supervisors are never suggested as your mentor."
    )
    clinical_supervisor_email = models.EmailField(blank=True)

    # Mentor
    available_for_matching = models.BooleanField(
        default=True, help_text="Mentor: untick to take no new mentees for now."
    )
    capacity = models.PositiveSmallIntegerField(
        default=0, help_text="Mentor: how many mentees at once (1–3)."
    )

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "user", "role"],
                condition=~Q(status="withdrawn"),
                name="enrolment_one_current_per_scheme_user_role",
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=0, capacity__lte=5), name="enrolment_capacity_0_to_5"
            ),
        ]
        indexes = [
            models.Index(fields=["scheme", "role", "status"], name="enrolment_dashboard_idx"),
            models.Index(fields=["scheme", "source"], name="enrolment_source_idx"),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} in {self.scheme}"

    @property
    def is_current(self):
        return self.status != self.Status.WITHDRAWN

    def area_labels(self):
        labels = dict(MentoringArea.choices)
        return [labels.get(value, value) for value in self.areas]


class Referral(models.Model):
    """A confidential referral of a trainee (e.g. in difficulty) into a scheme.

    The reason is seen by the scheme's organisers and the trainee only: never by the mentor, and
    referral numbers reach reports only in groups of five or more.
    """

    confidential_fields = ("reason",)

    enrolment = models.OneToOneField(Enrolment, on_delete=models.CASCADE, related_name="referral")
    reason = models.TextField()
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Referral of {self.enrolment.user}"


class CohortImport(StagedImport):
    """An uploaded cohort file, parsed and checked, waiting for the organiser to confirm.

    Nothing is enrolled from it until `confirmed_at` is set, and then every valid row is enrolled
    in one transaction. The fields it shares with other imports are in accounts.staged_import.
    """

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="cohort_imports")
    enrolled_count = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.file_name} for {self.scheme}"


GMC_NUMBER = RegexValidator(r"^[0-9]{7}$", "A GMC number is exactly 7 digits.")


class TraineeListImport(StagedImport):
    """A trust's list of its doctors in training (a TIS or ESR export), checked and waiting to be
    confirmed; once confirmed, the trust's placements as of `as_of`.

    Nothing is saved from it until `confirmed_at` is set, and then all of it in one transaction
    (schemes/trainee_list.py). `as_of` is the list's date: placements of the trust's earlier
    lists missing from this one end the day before it.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="trainee_lists"
    )
    as_of = models.DateField("list date")
    joiner_count = models.PositiveIntegerField(default=0)
    change_count = models.PositiveIntegerField(default=0)
    leaver_count = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.file_name} for {self.organisation} ({self.as_of:%d %b %Y})"


class PlacementQuerySet(models.QuerySet):
    def current(self, on):
        """Placed at the trust on the day `on`: started by then and not ended before it."""
        return self.filter(starts_on__lte=on).filter(Q(ends_on=None) | Q(ends_on__gte=on))

    def not_ended_by(self, on):
        """Current on `on` or starting later: what a list dated `on` should still name."""
        return self.filter(Q(ends_on=None) | Q(ends_on__gte=on))


class Placement(models.Model):
    """A doctor in training (keyed by GMC number) placed at a trust between two dates, from the
    trust's trainee list, whether or not they have an account. Placements are the trust's record
    and the denominator of uptake; `user` is the account linked by email, if any."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="placements"
    )
    gmc_number = models.CharField("GMC number", max_length=7, validators=[GMC_NUMBER])
    first_name = models.CharField(max_length=150)
    last_name = models.CharField(max_length=150)
    email = models.EmailField(blank=True)
    grade = models.CharField(max_length=10, choices=Grade.choices)
    specialty = models.CharField(max_length=100, blank=True)
    site = models.CharField(max_length=120, blank=True)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="placements",
    )
    trainee_list = models.ForeignKey(
        TraineeListImport,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="placements",
        help_text="The list that last added or changed this placement.",
    )

    objects = PlacementQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "starts_on"]
        constraints = [
            # One placement per person and start date at a trust: re-importing a list finds it.
            models.UniqueConstraint(
                fields=["organisation", "gmc_number", "starts_on"], name="placement_once"
            ),
            models.CheckConstraint(
                condition=Q(ends_on=None) | Q(ends_on__gte=models.F("starts_on")),
                name="placement_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(
                fields=["organisation", "starts_on", "ends_on"], name="placement_current_idx"
            ),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name} ({self.gmc_number}) at {self.organisation}"


def years_in_training(user, on=None):
    """Whole years since the user started postgraduate training (0 if unknown)."""
    if not user.training_started_on:
        return 0
    on = on or date.today()
    started = user.training_started_on
    years = on.year - started.year - ((on.month, on.day) < (started.month, started.day))
    return max(years, 0)
