"""Sections of the "My mentoring" page contributed by other apps.

accounts sits at the bottom of the dependency graph and cannot import the apps above it, so each
app registers a function `panel(request) -> dict | None` in its AppConfig.ready(). A panel is a
dict with `template` and `context` (and `position` for order); None means "nothing to show".
"""

_providers = []


def register(provider):
    if provider not in _providers:
        _providers.append(provider)
    return provider


def panels_for(request):
    panels = [panel for provider in _providers if (panel := provider(request))]
    return sorted(panels, key=lambda panel: panel.get("position", 100))
