from accounts.panels import register

from .selectors import pairs_for_member


@register
def my_pairs(request):
    rows = pairs_for_member(request.user)
    if not rows:
        return None
    return {"template": "meetings/panels/my_pairs.html", "context": {"rows": rows}, "position": 10}
