"""reports' models in the personal-data registry (see accounts/personal_data.py)."""

from accounts.personal_data import exclude, register

from .models import OutcomeImport, TrainingOutcome

register(
    TrainingOutcome,
    user_fields=("trainee",),
    fields=(
        "organisation__name",
        "period",
        "arcp_outcome",
        "exam_passed",
        "email",
        "gmc_number",
        "imported_at",
    ),
    label="Training outcomes your trust recorded (ARCP and exams)",
)
exclude(OutcomeImport, reason="The uploader is staff; the file's rows are other people's data.")
