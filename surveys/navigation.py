from accounts.navigation import NavItem, register

from .access import sees_results

register(NavItem("Survey results", "surveys:results-index", sees_results, position=40))
