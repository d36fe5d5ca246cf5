from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "supervision"
    verbose_name = "Mentor training and supervision"

    def ready(self):
        # Register header links, the "My mentor training" panel, email kinds and personal data.
        from . import handover, navigation, notifications, panels, personal_data  # noqa: F401
        from .gate import register_with_matching

        register_with_matching()
