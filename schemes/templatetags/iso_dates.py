"""Dates kept as ISO text (the rows of a staged import are JSON) shown as people read them."""

from datetime import date

from django import template

register = template.Library()


@register.filter
def iso_date(value):
    """'2026-08-05' → date(2026, 8, 5), for the date filter; other text as it is."""
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return value
