from accounts.navigation import NavItem, register
from schemes.models import Enrolment, SchemeRole
from schemes.navigation import SchemeNavItem, register_scheme_page


def _is_mentor(user):
    return (
        user.is_authenticated and Enrolment.objects.mentors().current().filter(user=user).exists()
    )


def _is_supervisor(user):
    return (
        user.is_authenticated
        and SchemeRole.objects.filter(user=user, role=SchemeRole.Role.SUPERVISOR).exists()
    )


register(NavItem("Training & supervision", "supervision:mine", _is_mentor, position=40))
register(NavItem("Supervising", "supervision:supervising", _is_supervisor, position=45))
register_scheme_page(
    SchemeNavItem("Training & supervision", "supervision:scheme", position=70, section=True)
)
