"""`{% load scheme_nav %}`: `{% scheme_nav_items scheme as items %}` gives the links of the scheme's
organiser navigation (schemes/navigation.py), each with its label, URL and whether it is current."""

from django import template

from schemes.navigation import scheme_items_for

register = template.Library()


@register.simple_tag(takes_context=True)
def scheme_nav_items(context, scheme):
    request = context.get("request")
    return scheme_items_for(scheme, request.path if request else "")
