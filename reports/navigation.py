from accounts.navigation import NavItem, register
from schemes.access import is_dme, organised_schemes, regions_led_by
from schemes.navigation import SchemeNavItem, register_scheme_page


def _leads_a_region(user):
    return user.is_authenticated and regions_led_by(user).exists()


register(NavItem("Regional report", "reports:regions", _leads_a_region, position=60))


def _has_a_dashboard(user):
    return user.is_authenticated and (organised_schemes(user).exists() or is_dme(user))


register(NavItem("Dashboards", "reports:dashboards", _has_a_dashboard, position=55))


def _reads_outcomes(user):
    from .views.outcomes import reads_outcomes

    return reads_outcomes(user)


register(NavItem("Outcomes", "reports:outcomes-index", _reads_outcomes, position=58))


register_scheme_page(SchemeNavItem("Dashboard", "reports:scheme-dashboard", position=90))
