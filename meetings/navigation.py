from django.db.models import Q

from accounts.navigation import NavItem, register
from matching.models import Pair


def _has_a_pair(user):
    return user.is_authenticated and Pair.objects.filter(Q(mentee=user) | Q(mentor=user)).exists()


register(NavItem("My pairs", "meetings:my-pairs", _has_a_pair, position=15))
