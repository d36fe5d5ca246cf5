from accounts.navigation import NavItem, register

from .access import regions_led_by


def _leads_a_region(user):
    return user.is_authenticated and regions_led_by(user).exists()


register(NavItem("Regional report", "reports:regions", _leads_a_region, position=60))
