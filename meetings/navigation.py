from django.db.models import Q

from accounts.navigation import NavItem, register
from matching.models import Pair
from schemes.navigation import SchemeNavItem, register_scheme_page


def _has_a_pair(user):
    return user.is_authenticated and Pair.objects.filter(Q(mentee=user) | Q(mentor=user)).exists()


register(NavItem("My pairs", "meetings:my-pairs", _has_a_pair, position=15))
register_scheme_page(SchemeNavItem("Pairs", "meetings:organiser-pairs", position=20))
register_scheme_page(
    SchemeNavItem("Messages", "meetings:scheme-messages", position=30, section=True)
)
