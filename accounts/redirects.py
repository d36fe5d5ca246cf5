"""The one way a view redirects to an address taken from the request (`?next=`, a hidden field).

A target that points at another site (`https://evil.example/`, `//evil.example`,
`/\\evil.example`) is replaced by the view's default, so a link we send or a form we serve can
never bounce someone to a look-alike sign-in page.
"""

from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, default, *args, field="next", within="", **kwargs):
    """The request's `field` (POST first, then GET) if it stays on this site, else `default`.

    `within`: a path prefix the target must also start with, for views that only return to their
    own pages. `default` (with `args` and `kwargs`) is what `redirect()` takes: a URL, a URL
    name and its arguments, or a model.
    """
    target = request.POST.get(field) or request.GET.get(field) or ""
    if (
        target
        and target.startswith(within)
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return resolve_url(default, *args, **kwargs)
