"""schemes' models in the personal-data registry (see accounts/personal_data.py)."""

from accounts.personal_data import exclude, register

from .models import (
    CohortImport,
    Enrolment,
    MentoringArea,
    OrganisationRole,
    Referral,
    RegionRole,
    SchemeRole,
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
