"""The header navigation: each entry says who may use it, so nobody sees a link they cannot follow.

Apps add their entries with `register(...)` in their AppConfig.ready(); order is by `position`.
Hiding a link is a courtesy only: every view checks access itself.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    is_visible_to: Callable
    position: int = 100


_items: list[NavItem] = []


def register(item):
    if all(existing.url_name != item.url_name for existing in _items):
        _items.append(item)
        _items.sort(key=lambda entry: entry.position)


def items_for(user, current_path=""):
    visible = [
        {"label": item.label, "url": reverse(item.url_name), "is_current": False}
        for item in _items
        if item.is_visible_to(user)
    ]
    # The current section is the entry with the longest URL that starts the current path.
    matching = [entry for entry in visible if current_path.startswith(entry["url"])]
    if matching:
        max(matching, key=lambda entry: len(entry["url"]))["is_current"] = True
    return visible


def signed_in(user):
    return user.is_authenticated


def site_admin(user):
    return user.is_authenticated and user.is_staff


register(NavItem("My mentoring", "accounts:my-mentoring", signed_in, position=10))
register(NavItem("Profile", "accounts:profile", signed_in, position=90))
register(NavItem("Site admin", "admin:index", site_admin, position=99))
