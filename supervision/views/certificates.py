"""The certificate of mentoring activity (print-ready A4) and its public verification page."""

from datetime import date

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from ..access import certificate_for
from ..forms import VerifyForm
from ..models import Certificate


@login_required
def certificate(request, pk):
    certificate = certificate_for(request.user, pk)
    verify_path = reverse("supervision:verify")
    activity = certificate.activity
    training = [
        {**record, "completed_on": date.fromisoformat(record["completed_on"])}
        for record in activity.get("training", [])
    ]
    return render(
        request,
        "supervision/certificate.html",
        {
            "certificate": certificate,
            "scheme": certificate.scheme,
            "activity": activity,
            "training": training,
            "since": date.fromisoformat(activity["since"]) if activity.get("since") else None,
            # The canonical address, whichever host name the mentor reached the site by.
            "verify_url": f"{settings.SITE_URL}{verify_path}",
        },
    )


@require_GET
def verify(request):
    """Anyone may check a code: valid, revoked or unknown. It shows the holder's name and the
    scheme, nothing more about them."""
    form = VerifyForm(request.GET or None)
    result = None
    if request.GET and form.is_valid():
        found = (
            Certificate.objects.select_related("scheme__organisation")
            .filter(code=form.cleaned_data["code"])
            .first()
        )
        if found is None:
            result = {"status": "unknown", "code": form.cleaned_data["code"]}
        else:
            result = {
                "status": "valid" if found.is_valid else "revoked",
                "code": found.code,
                "holder_name": found.holder_name,
                "scheme": found.scheme,
                "issued_at": found.issued_at,
            }
    response = render(request, "supervision/verify.html", {"form": form, "result": result})
    response["X-Robots-Tag"] = "noindex"
    return response
