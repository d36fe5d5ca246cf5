from django.apps import AppConfig


class MatchingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "matching"
    verbose_name = "Matching"

    def ready(self):
        # Register the "My mentoring" panel, the email kinds and the personal-data entries.
        from . import notifications, panels, personal_data  # noqa: F401
