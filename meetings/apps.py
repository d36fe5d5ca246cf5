from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "meetings"
    verbose_name = "Pairs and meetings"

    def ready(self):
        # Register header links, "My mentoring" panels, email kinds and personal data.
        from schemes.lifecycle import on_current_pairs_lookup, on_enrolment_end

        from . import handover, navigation, notifications, panels, personal_data  # noqa: F401
        from .lifecycle import current_pairs_for_enrolments, pairs_end_for_ended_enrolment

        on_enrolment_end(pairs_end_for_ended_enrolment)
        on_current_pairs_lookup(current_pairs_for_enrolments)
