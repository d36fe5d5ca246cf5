from django.apps import AppConfig


class SchemesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "schemes"
    verbose_name = "Organisations and schemes"

    def ready(self):
        # Register header links, "My mentoring" panels and email kinds.
        from accounts.personal_data import register_closing_step
        from accounts.services import register_email_confirmed_hook
        from accounts.two_factor import register_staff_check

        from . import handover, navigation, notifications, panels, personal_data  # noqa: F401
        from .access import holds_staff_role
        from .services import enrolments_end_for_closed_account
        from .trainee_list import placements_link_user

        register_staff_check(holds_staff_role)
        register_closing_step(enrolments_end_for_closed_account)
        register_email_confirmed_hook(placements_link_user)
