"""An organiser's messages to a group of their scheme: compose, preview, send, and the list.

Organisers of the scheme only (`schemes.access.scheme_for(need="organise")`): the trust's DME,
supervisors and trainees get 403, people of other trusts 404. Sending goes through
`services.scheme_message_send`, which records one Notification per person.
"""

import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from schemes.access import scheme_for

from . import services
from .forms import SchemeMessageForm
from .models import SchemeMessage
from .notifications import scheme_message_context
from .selectors import scheme_message_recipients

PREVIEW_NAMES = 5
NO_ONE = (
    "No one in the scheme matches, so there is no one to send it to. "
    "Choose another group or remove a filter."
)


@login_required
def scheme_message_list(request, slug):
    scheme = scheme_for(request.user, slug, need="organise")
    sent = SchemeMessage.objects.filter(scheme=scheme).select_related("sent_by")
    return render(request, "meetings/scheme_message_list.html", {"scheme": scheme, "sent": sent})


def _compose(request, scheme, form, status=200):
    # The form always posts to the preview, also when shown again after a refused send.
    form.helper.form_action = reverse("meetings:scheme-message-new", args=[scheme.slug])
    return render(
        request,
        "meetings/scheme_message_form.html",
        {"scheme": scheme, "form": form},
        status=status,
    )


def _preview(request, scheme, form, recipients):
    message = SchemeMessage(
        scheme=scheme,
        audience=form.cleaned_data["audience"],
        subject=form.cleaned_data["subject"].strip(),
        body=form.cleaned_data["body"].strip(),
        sent_by=request.user,
    )
    email = {"site_url": settings.SITE_URL, **scheme_message_context(message, recipients[0])}
    return render(
        request,
        "meetings/scheme_message_preview.html",
        {
            "scheme": scheme,
            "form": form,
            "message": message,
            "filters": form.filters(),
            "count": len(recipients),
            "names": recipients[:PREVIEW_NAMES],
            "more": max(0, len(recipients) - PREVIEW_NAMES),
            "send_token": uuid.uuid4(),
            "email_subject": " ".join(
                render_to_string("emails/scheme_message_subject.txt", email).split()
            ),
            # The plain-text version: the HTML one carries inline styles for mail clients,
            # which this page's Content-Security-Policy rightly refuses.
            "email_text": render_to_string("emails/scheme_message_body.txt", email).strip(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def scheme_message_new(request, slug):
    """GET: the empty form. POST: the preview, or the form again with what is wrong (or with
    what was written, when the organiser chose to change it)."""
    scheme = scheme_for(request.user, slug, need="organise")
    if request.method == "GET":
        audience = request.GET.get("audience")
        initial = {"audience": audience} if audience in SchemeMessage.Audience.values else {}
        return _compose(request, scheme, SchemeMessageForm(initial=initial))
    form = SchemeMessageForm(request.POST)
    if "change" in request.POST or not form.is_valid():
        return _compose(request, scheme, form)
    recipients = list(
        scheme_message_recipients(scheme, form.cleaned_data["audience"], form.filters())
    )
    if not recipients:
        form.add_error(None, NO_ONE)
        return _compose(request, scheme, form)
    return _preview(request, scheme, form, recipients)


@login_required
@require_POST
def scheme_message_send(request, slug):
    scheme = scheme_for(request.user, slug, need="organise")
    form = SchemeMessageForm(request.POST)
    if not form.is_valid():
        return _compose(request, scheme, form, status=400)
    try:
        message = services.scheme_message_send(
            scheme=scheme,
            audience=form.cleaned_data["audience"],
            subject=form.cleaned_data["subject"],
            body=form.cleaned_data["body"],
            sent_by=request.user,
            filters=form.filters(),
            send_token=form.cleaned_data["send_token"],
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _compose(request, scheme, form, status=400)
    skipped = (
        f" {message.skipped_count} turned scheme messages off in their email settings, so "
        "were not emailed."
        if message.skipped_count
        else ""
    )
    messages.success(
        request,
        f"“{message.subject}” is on its way to {message.sent_count} "
        f"{'person' if message.sent_count == 1 else 'people'}.{skipped}",
    )
    return redirect("meetings:scheme-messages", slug=scheme.slug)
