from schemes.navigation import SchemeNavItem, register_scheme_page

register_scheme_page(SchemeNavItem("Matching", "matching:scheme", position=80, section=True))
