from django.apps import AppConfig


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = "Reports"

    def ready(self):
        # header links; TrainingOutcome in the personal-data registry
        from . import navigation, personal_data  # noqa: F401
