from django import template

register = template.Library()


@register.filter
def signed(value, places=2):
    """+0.40 or −0.25: a change reads with its direction."""
    if value is None:
        return ""
    text = f"{abs(value):.{int(places)}f}"
    if round(value, int(places)) == 0:
        return text
    return f"+{text}" if value > 0 else f"−{text}"
