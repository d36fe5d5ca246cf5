"""Limits on the forms that send email or check a second-step code, so none can flood an inbox or
be used to guess codes.

Counted with django-ratelimit in the cache (Redis when configured: see CACHES in settings), per
client address and, where the form names one, per email address or per account. A form that sends
email counts only submissions that would send one (a valid form), so a mistyped form costs
nothing. Over a limit the view answers 429 with a page that says when to try again, and the first
refusal in each window is audited (one row, not one per request, so a flood cannot fill the log).
"""

import logging
import math
from dataclasses import dataclass

from axes.helpers import get_client_ip_address
from django.shortcuts import render
from django_ratelimit.core import get_usage

from .audit import audit_record

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    by: str  # "ip", "email" (the address typed, normalised) or "user" (the signed-in account)
    rate: str  # django-ratelimit's notation: "3/h" is 3 an hour, "10/15m" 10 in 15 minutes


# Per client address the limits are loose: a whole hospital may sit behind one address, and an
# induction session signs up a cohort at once. Per email address they are tight: that is what
# stops one inbox being flooded.
LIMITS = {
    "sign-up": (Limit("ip", "60/h"), Limit("email", "3/h")),
    "password-reset": (Limit("ip", "30/h"), Limit("email", "3/h")),
    "resend-confirmation": (Limit("ip", "30/h"), Limit("email", "3/h")),
    "two-step-code": (Limit("user", "10/15m"), Limit("ip", "50/15m")),
    "two-step-setup-link": (Limit("user", "3/h"), Limit("ip", "10/h")),
}

WHAT_WAS_LIMITED = {
    "sign-up": "Too many accounts have been asked for from here or for this address.",
    "password-reset": "Too many password reset emails have been asked for.",
    "resend-confirmation": "Too many confirmation emails have been asked for.",
    "two-step-code": "Too many codes have been tried.",
    "two-step-setup-link": "Too many set-up links have been asked for.",
}


def client_address(request):
    """The client's address as django-axes sees it (behind a proxy: AXES_BEHIND_PROXY)."""
    return get_client_ip_address(request) or request.META.get("REMOTE_ADDR") or "0.0.0.0"


def _value(limit, request, email):
    if limit.by == "ip":
        return f"ip:{client_address(request)}"
    if limit.by == "user":
        return f"user:{request.user.pk}"
    return f"email:{(email or '').strip().lower()}"


def seconds_to_wait(request, group, *, email=None):
    """Count this request against `group`'s limits. Returns the seconds until it may be tried
    again if any limit is now exceeded, else None."""
    waits = []
    for limit in LIMITS[group]:
        value = _value(limit, request, email)
        try:
            usage = get_usage(
                request,
                group=f"{group}:{limit.by}",
                key=lambda _group, _request, value=value: value,
                rate=limit.rate,
                increment=True,
            )
        except Exception:  # a cache outage must not stop sign-in: log it and let the request by
            logger.exception("Rate-limit cache unavailable; %s not limited", group)
            return None
        if usage is not None and usage["should_limit"]:
            if usage["count"] == usage["limit"] + 1:
                audit_record(
                    actor=request.user,
                    action="rate_limited",
                    target=group,
                    details={"limit": f"{limit.by} {limit.rate}"},
                    request=request,
                )
            waits.append(max(usage["time_left"], 60))
    return max(waits) if waits else None


def too_many_requests(request, group, wait):
    """The 429 page: what happened and when to try again."""
    minutes = math.ceil(wait / 60)
    response = render(
        request,
        "accounts/rate_limited.html",
        {"what": WHAT_WAS_LIMITED[group], "minutes": minutes},
        status=429,
    )
    response["Retry-After"] = str(wait)
    return response
