from accounts.navigation import NavItem, register

from .access import regions_led_by


def _leads_a_region(user):
    return user.is_authenticated and regions_led_by(user).exists()


register(NavItem("Regional report", "reports:regions", _leads_a_region, position=60))


def _has_a_dashboard(user):
    from schemes.access import organised_schemes
    from schemes.models import OrganisationRole

    return user.is_authenticated and (
        organised_schemes(user).exists() or OrganisationRole.objects.filter(user=user).exists()
    )


register(NavItem("Dashboards", "reports:dashboards", _has_a_dashboard, position=55))


def _reads_outcomes(user):
    from .views_exports import reads_outcomes

    return reads_outcomes(user)


register(NavItem("Outcomes", "reports:outcomes-index", _reads_outcomes, position=58))
