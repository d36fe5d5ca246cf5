from accounts.navigation import NavItem, register
from schemes.navigation import SchemeNavItem, register_scheme_page

from .access import sees_results

register(NavItem("Survey results", "surveys:results-index", sees_results, position=40))
register_scheme_page(SchemeNavItem("Surveys", "surveys:scheme", position=60, section=True))
