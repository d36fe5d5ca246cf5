from django.apps import AppConfig


class MatchingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "matching"
    verbose_name = "Matching"

    def ready(self):
        # Register the "My mentoring" panel, the scheme nav link, the email kinds and the
        # personal-data entries.
        from schemes.lifecycle import on_enrolment_end

        from . import checks, navigation, notifications, panels, personal_data  # noqa: F401
        from .lifecycle import mentor_choices_close_for_ended_enrolment

        on_enrolment_end(mentor_choices_close_for_ended_enrolment)
