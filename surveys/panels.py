from django.urls import reverse

from accounts.panels import register

from .selectors import open_invitations_for
from .tokens import survey_link_token


@register
def surveys_to_answer(request):
    """'Surveys to answer' on My mentoring: the user's open invitations, each with a fresh link."""
    invitations = list(open_invitations_for(request.user))
    if not invitations:
        return None
    return {
        "template": "surveys/panels/surveys_to_answer.html",
        "context": {
            "invitations": [
                (
                    invitation,
                    reverse("surveys:answer", kwargs={"token": survey_link_token(invitation)}),
                )
                for invitation in invitations
            ]
        },
        "position": 15,
    }
