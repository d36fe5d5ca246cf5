from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        # Connect the login and logout signals; put accounts' models in the personal-data registry.
        from . import personal_data_registrations, sessions  # noqa: F401
