from django import template

register = template.Library()


@register.filter
def hours(value):
    """A number of hours as "12.5 h"; anything else (the words of a figure not shown, or "—")
    as it is."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:g} h"
    return value
