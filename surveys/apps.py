from django.apps import AppConfig


class SurveysConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "surveys"
    verbose_name = "Outcome surveys"

    def ready(self):
        # Register the header link, the "Surveys to answer" panel, the email kinds and the
        # personal-data registrations.
        from schemes.lifecycle import on_enrolment_end

        from . import navigation, notifications, panels, personal_data  # noqa: F401
        from .lifecycle import invitations_close_for_ended_enrolment

        on_enrolment_end(invitations_close_for_ended_enrolment)
