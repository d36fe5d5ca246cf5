from accounts.navigation import NavItem, register

from .models import OrganisationRole, RegionRole, SchemeRole


def _is_staff_of_any_scheme(user):
    return user.is_authenticated and (
        user.is_superuser
        or SchemeRole.objects.filter(user=user, role=SchemeRole.Role.ORGANISER).exists()
        or OrganisationRole.objects.filter(user=user).exists()
        or RegionRole.objects.filter(user=user).exists()
    )


register(NavItem("Schemes", "schemes:list", lambda user: user.is_authenticated, position=20))
register(NavItem("Run schemes", "schemes:manage", _is_staff_of_any_scheme, position=30))
