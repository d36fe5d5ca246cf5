"""No view sends anyone to another site because a request asked it to (an open redirect).

The views are found, not listed by hand: every view in the URL configuration whose source (or
the source of a helper in its module that it calls) reads a redirect target from the request —
`"next"`, `"return_query"`, `"back_to"` — or that inherits Django's RedirectURLMixin. Each must
have a row in REDIRECTING_VIEWS saying who may use it and what makes it redirect; a new one without
a row fails `test_every_view_that_redirects_to_a_request_value_is_in_the_table`. Each row is then
sent every off-site target below and must stay on this site.
"""

import inspect
import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.views import RedirectURLMixin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.tests.factories import DEFAULT_PASSWORD
from tests.access_world import url_args, world  # noqa: F401 (world is a fixture)

OFF_SITE = ["https://evil.example/", "//evil.example", "/\\evil.example", "https:evil.example"]

TARGET_FIELDS = r"""["'](next|return_to|return_query|back_to|redirect_to)["']"""
READS_A_TARGET = re.compile(rf"request\.(GET|POST)(\.get\(\s*|\[){TARGET_FIELDS}|safe_next\(")


def _code(device):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def _verify_data(w, user):
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    return {"code": _code(device)}


def _setup_data(w, user):
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return {"code": _code(device)}


def _login_data(w, user):
    return {"username": w.people["mentee"].email, "password": DEFAULT_PASSWORD}


# URL name → (who uses it, method, extra data that makes it do its work, whether it answers
# with a redirect (True) or a page whose links must stay on the site (False)).
REDIRECTING_VIEWS = {
    "accounts:login": ("anonymous", "post", _login_data, True),
    "accounts:logout": ("mentee", "post", None, True),
    "accounts:two-step-verify": ("organiser", "post", _verify_data, True),
    "accounts:two-step-setup": ("organiser", "post", _setup_data, False),
    # Keeps a safe `next` in the session for the emailed link to return to (tested with the link).
    "accounts:two-step-setup-link-send": ("organiser", "post", None, True),
    "schemes:enrolment-status": ("organiser", "post", None, True),
    "supervision:record-verify": ("organiser", "post", None, True),
    "supervision:record-reject": ("organiser", "post", lambda w, u: {"reason": "No date"}, True),
    "matching:round-change": ("organiser", "post", None, True),
    "matching:round-allow": ("organiser", "post", None, True),
    "matching:round-swap": ("organiser", "post", None, True),
    "meetings:meeting-confirm": ("mentor", "post", None, True),
}


def _walk(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":  # Django's own admin: its login checks `next` itself
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry.callback


def _source_with_helpers(function, seen=None):
    """The function's source, and that of every function of its module it calls, transitively."""
    seen = set() if seen is None else seen
    function = inspect.unwrap(function)
    if function in seen:
        return ""
    seen.add(function)
    try:
        source = inspect.getsource(function)
    except (OSError, TypeError):
        return ""
    module_globals = getattr(function, "__globals__", {})
    for name in set(re.findall(r"\b(\w+)\(", source)):
        helper = module_globals.get(name)
        if inspect.isfunction(helper) and helper.__module__ == function.__module__:
            source += _source_with_helpers(helper, seen)
    return source


def reads_a_redirect_target(callback):
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        if issubclass(view_class, RedirectURLMixin):
            return True
        own = [k for k in view_class.__mro__ if k.__module__.split(".")[0] != "django"]
        return any(READS_A_TARGET.search(inspect.getsource(k)) for k in own if k is not object)
    return bool(READS_A_TARGET.search(_source_with_helpers(callback)))


def views_reading_a_redirect_target():
    return sorted(
        name
        for name, callback in _walk(get_resolver().url_patterns)
        if reads_a_redirect_target(callback)
    )


def test_every_view_that_redirects_to_a_request_value_is_in_the_table():
    found = views_reading_a_redirect_target()
    assert set(found) == set(REDIRECTING_VIEWS), (
        "Views that read a redirect target from the request must have a row in "
        f"REDIRECTING_VIEWS (missing: {sorted(set(found) - set(REDIRECTING_VIEWS))}; "
        f"stale: {sorted(set(REDIRECTING_VIEWS) - set(found))})"
    )


def assert_stays_on_site(url):
    parts = urlsplit(url)
    assert not parts.scheme and not parts.netloc, f"sent off-site to {url!r}"
    assert url.startswith("/") and not url.startswith(("//", "/\\")), f"sent off-site to {url!r}"
    assert "evil.example" not in parts.path, f"sent to {url!r}"


@pytest.mark.django_db
@pytest.mark.parametrize("target", OFF_SITE)
@pytest.mark.parametrize("name", sorted(REDIRECTING_VIEWS))
def test_an_off_site_next_is_never_followed(world, name, target):  # noqa: F811
    member, method, extra, redirects = REDIRECTING_VIEWS[name]
    user = world.people[member]
    client = Client()
    if user is not None:
        client.force_login(user)
    data = {"next": target, "return_query": target, "back_to": target}
    if extra is not None:
        data.update(extra(world, user))
    url = reverse(name, args=url_args(name, world))
    response = getattr(client, method)(url, data)

    if redirects:
        assert response.status_code == 302, f"{name} did not do its work: {response.status_code}"
        assert_stays_on_site(response["Location"])
    else:
        assert response.status_code == 200
        for href in re.findall(r'href="([^"]*)"', response.content.decode()):
            assert "evil.example" not in href, f"{name} links off-site: {href}"


@pytest.mark.django_db
def test_a_next_on_this_site_is_still_followed_with_its_query(
    client, organiser, scheme, mentee_enrolment
):
    target = f"/schemes/{scheme.slug}/enrolments/?status=paused&page=2"
    client.force_login(organiser)
    response = client.post(
        reverse("schemes:enrolment-status", args=[scheme.slug, mentee_enrolment.pk, "pause"]),
        {"next": target},
    )
    assert response["Location"] == target
