from accounts.panels import register

from .selectors import my_matches


@register
def my_mentoring_matches(request):
    """ "Your mentoring matches": current pairs, open requests, and requests to answer."""
    matches = my_matches(request.user)
    if not any(matches.values()):
        return None
    return {"template": "matching/panels/my_matches.html", "context": matches, "position": 15}
