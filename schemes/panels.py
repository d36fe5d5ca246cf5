from accounts.panels import register

from .models import Enrolment


@register
def my_enrolments(request):
    enrolments = (
        Enrolment.objects.current()
        .filter(user=request.user)
        .select_related("scheme__organisation", "referral")
    )
    return {
        "template": "schemes/panels/my_enrolments.html",
        "context": {"enrolments": list(enrolments)},
        "position": 20,
    }
