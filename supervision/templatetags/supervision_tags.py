from django import template

register = template.Library()


@register.filter
def percent(share):
    """0.756 → "76%"; None (nothing to divide by) → "—"."""
    if share is None:
        return "—"
    return f"{round(share * 100)}%"
