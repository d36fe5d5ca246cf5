"""`{% load disclosure %}`: the disclosure rules in templates (schemes/disclosure.py).

A `Shown` renders itself (`{{ cell }}` gives "42" or "fewer than 5"); these are for the rest:
`{{ n|shown }}` applies primary suppression to a plain count, `{% fewer_than %}` is the words a
suppressed count reads, and `{% sensitive_note %}` the sentence that replaces sensitive figures
in a filtered view.
"""

from django import template

from schemes import disclosure

register = template.Library()


@register.filter
def shown(value):
    """A plain count of people as it may be shown; a Shown passes through unchanged."""
    if isinstance(value, disclosure.Shown) or value is None:
        return value
    return disclosure.count(int(value))


@register.simple_tag
def fewer_than():
    return disclosure.fewer_than()


@register.simple_tag
def sensitive_note():
    return disclosure.SENSITIVE_NOTE
