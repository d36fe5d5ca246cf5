from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

from accounts.navigation import NavItem, register

from .models import EnrolmentModel, OrganisationRole, RegionRole, SchemeRole


def _is_staff_of_any_scheme(user):
    return user.is_authenticated and (
        SchemeRole.objects.filter(user=user, role=SchemeRole.Role.ORGANISER).exists()
        or OrganisationRole.objects.filter(user=user).exists()
        or RegionRole.objects.filter(user=user).exists()
    )


register(NavItem("Schemes", "schemes:list", lambda user: user.is_authenticated, position=20))
register(NavItem("Run schemes", "schemes:manage", _is_staff_of_any_scheme, position=30))


# --- The scheme's organiser navigation --------------------------------------------------------
# The links above a scheme's organiser pages. Each app registers its own pages here, as the header's
# entries are registered in accounts.navigation, so this app names none of the apps above it.


@dataclass(frozen=True)
class SchemeNavItem:
    """A link to a scheme's page `url_name` (reversed with the scheme's slug).

    `section`: the link is current on every page whose path holds its URL (a section of pages),
    not only on the URL itself. `is_shown_for(scheme)`: whether the scheme has the page at all.
    """

    label: str
    url_name: str
    position: int = 100
    section: bool = False
    is_shown_for: Callable = lambda scheme: True
    slug_of: Callable = lambda scheme: scheme.slug  # the URL's slug: the scheme's, or its trust's


_scheme_items: list[SchemeNavItem] = []


def register_scheme_page(item):
    if all(existing.url_name != item.url_name for existing in _scheme_items):
        _scheme_items.append(item)
        _scheme_items.sort(key=lambda entry: entry.position)


def scheme_items_for(scheme, current_path=""):
    entries = []
    for item in _scheme_items:
        if not item.is_shown_for(scheme):
            continue
        url = reverse(item.url_name, args=[item.slug_of(scheme)])
        is_current = url in current_path if item.section else current_path == url
        entries.append({"label": item.label, "url": url, "is_current": is_current})
    return entries


register_scheme_page(SchemeNavItem("Enrolments", "schemes:enrolments", position=10))
register_scheme_page(SchemeNavItem("Import a cohort", "schemes:cohort-upload", position=40))
register_scheme_page(
    SchemeNavItem(
        "Invite the trainee list",
        "schemes:invite",
        position=42,
        is_shown_for=lambda scheme: scheme.enrolment_model != EnrolmentModel.OPT_OUT,
    )
)
register_scheme_page(
    SchemeNavItem(
        "Trust's trainee list",
        "schemes:trainee-list",
        position=45,
        section=True,
        slug_of=lambda scheme: scheme.organisation.slug,
    )
)
register_scheme_page(
    SchemeNavItem(
        "Refer a trainee",
        "schemes:referral-create",
        position=50,
        is_shown_for=lambda scheme: scheme.accepts_referrals,
    )
)
register_scheme_page(SchemeNavItem("Organisers and supervisors", "schemes:people", position=100))
register_scheme_page(SchemeNavItem("Settings", "schemes:edit", position=110))
register_scheme_page(SchemeNavItem("Hand over", "schemes:handover", position=120))
