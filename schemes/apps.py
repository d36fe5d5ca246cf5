from django.apps import AppConfig


class SchemesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "schemes"
    verbose_name = "Organisations and schemes"

    def ready(self):
        # Register header links, "My mentoring" panels and email kinds.
        from . import navigation, notifications, panels  # noqa: F401
