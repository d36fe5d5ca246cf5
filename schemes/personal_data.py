"""schemes' models in the personal-data registry (see accounts/personal_data.py)."""

from accounts.personal_data import exclude, register

from .models import (
    CohortImport,
    Enrolment,
    MentoringArea,
    OrganisationRole,
    Placement,
    Referral,
    RegionRole,
    SchemeRole,
    TraineeListImport,
)


def _anonymise_enrolments(rows, user):
    # Counts in reports stay: the enrolment remains, stripped of what the person wrote.
    rows.update(
        areas_other="",
        availability="",
        withdrawal_reason="",
        educational_supervisor_email="",
        clinical_supervisor_email="",
        site="",
        programme="",
    )


def _unlink_placements(rows, user):
    # The placement is the trust's record of its trainee (from its own list) and stays; only the
    # link to the erased account goes.
    rows.update(user=None)


def _erase_referral_reasons(rows, user):
    rows.update(reason="(erased at the trainee's request)")


register(
    Enrolment,
    user_fields=("user",),
    fields=(
        "scheme__name",
        "role",
        "status",
        "source",
        "created_at",
        "areas",
        "areas_other",
        "availability",
        "meeting_mode",
        "mentor_specialty_preference",
        "prefers_same_site",
        "mentor_gender_preference",
        "capacity",
        "consent_given_at",
        "withdrawal_reason",
    ),
    erase=_anonymise_enrolments,
    label="Your scheme enrolments and answers",
    columns={"areas": "Areas", "created_at": "Enrolled"},
    value_labels={"areas": MentoringArea.choices},
)
register(
    Referral,
    user_fields=("enrolment__user",),
    fields=("enrolment__scheme__name", "reason", "created_at"),
    erase=_erase_referral_reasons,
    label="Referrals of you to a scheme",
)
register(
    SchemeRole,
    user_fields=("user",),
    fields=("scheme__name", "role", "appointed_at"),
    label="Roles you hold in schemes",
)
register(
    OrganisationRole,
    user_fields=("user",),
    fields=("organisation__name", "role"),
    label="Roles you hold in trusts",
)
register(RegionRole, user_fields=("user",), fields=("region__name", "role"), label="Regional roles")
exclude(CohortImport, reason="The uploader is staff; the file's rows are other people's data.")
register(
    Placement,
    user_fields=("user",),
    fields=(
        "organisation__name",
        "gmc_number",
        "first_name",
        "last_name",
        "email",
        "grade",
        "specialty",
        "site",
        "starts_on",
        "ends_on",
    ),
    erase=_unlink_placements,
    label="Your placements on your trust's trainee list",
    columns={"starts_on": "Placement start", "ends_on": "Placement end"},
)
exclude(TraineeListImport, reason="The uploader is staff; the list's rows are the trust's record.")
