"""System checks: the training gate must be wired, or no mentor of a scheme that requires
training can be matched (the gate fails closed)."""

from django.core.checks import Warning, register

from . import rules


@register()
def training_check_registered(app_configs, **kwargs):
    if rules.training_check_registered():
        return []
    return [
        Warning(
            "No training check is registered with matching.rules.register_training_check.",
            hint=(
                "Install the supervision app (it registers the check in its AppConfig.ready()). "
                "Until a check is registered, no mentor of a scheme that requires training is "
                "offered to the matcher."
            ),
            id="matching.W001",
        )
    ]
