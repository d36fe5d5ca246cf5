"""A strict Content-Security-Policy on every page, and no inline code for it to block.

The policy allows scripts, styles and everything else from this site alone: no inline script, no
inline event handler, no style attribute or <style> block, no eval. Two kinds of test hold to it:

- the header itself, on pages, redirects, errors and the admin;
- a scan of the templates, the JavaScript and the Python that writes HTML, so inline code that
  the policy would block (and the page would silently lose) cannot come back.

The browser proves the rest: tests/browser/test_csp.py and the accessibility sweep listen for
`securitypolicyviolation` on every page.
"""

import re
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import reverse

from matching.models import MatchRound

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"
SCRIPTS = ROOT / "static" / "js"
APPS = ("accounts", "schemes", "matching", "meetings", "surveys", "supervision", "reports")

# Exactly the policy, directive by directive. img-src adds data: for the small SVG icons that
# Bootstrap's own stylesheet draws (the menu button, a select's arrow, a checkbox's tick).
POLICY = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "object-src": {"'none'"},
    "base-uri": {"'none'"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
}


def parse_policy(header):
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        assert name not in directives, f"{name} appears twice in {header!r}"
        directives[name] = set(sources)
    return directives


def assert_strict_policy(response):
    header = response.headers.get("Content-Security-Policy")
    assert header, f"{response.status_code} response without a Content-Security-Policy"
    assert "unsafe-" not in header, header
    assert parse_policy(header) == POLICY
    assert response.headers.get("X-Frame-Options") == "DENY"


# --- The header ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_public_pages_send_the_strict_policy(client):
    for path in ("/", reverse("accounts:login"), reverse("accounts:sign-up")):
        assert_strict_policy(client.get(path))


@pytest.mark.django_db
def test_signed_in_pages_redirects_and_json_send_the_strict_policy(
    client, mentee, organiser, scheme
):
    client.force_login(mentee)
    assert_strict_policy(client.get(reverse("accounts:my-mentoring")))
    client.force_login(organiser)
    assert_strict_policy(client.get(reverse("schemes:enrolments", args=[scheme.slug])))
    match_round = MatchRound.objects.create(scheme=scheme, started_by=organiser, progress=35)
    progress = reverse("matching:round-progress", args=[scheme.slug, match_round.pk])
    assert_strict_policy(client.get(progress, HTTP_ACCEPT="application/json"))
    client.logout()
    redirect = client.get(reverse("accounts:my-mentoring"))
    assert redirect.status_code == 302
    assert_strict_policy(redirect)


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_error_pages_send_the_strict_policy_in_production(client, mentee, scheme):
    # With DEBUG on, django-csp leaves Django's technical 404 and 500 pages alone; live, they
    # are our own templates and carry the policy like any other page.
    assert_strict_policy(client.get("/no-such-page/"))
    client.force_login(mentee)
    forbidden = client.get(reverse("schemes:enrolments", args=[scheme.slug]))
    assert forbidden.status_code in (403, 404)
    assert_strict_policy(forbidden)


@pytest.mark.django_db
def test_the_admin_sends_the_same_strict_policy(client, superuser):
    client.force_login(superuser)
    for path in ("/admin/", "/admin/accounts/user/", "/admin/accounts/user/add/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_strict_policy(response)


def test_the_policy_check_fails_on_a_loose_policy():
    """The header check can fail: a policy with 'unsafe-inline' or a missing directive is caught."""

    class Loose:
        status_code = 200
        headers = {
            "Content-Security-Policy": "default-src 'self'; script-src 'self' 'unsafe-inline'",
            "X-Frame-Options": "DENY",
        }

    with pytest.raises(AssertionError):
        assert_strict_policy(Loose())
    Loose.headers["Content-Security-Policy"] = "default-src 'self'; script-src 'self'"
    with pytest.raises(AssertionError):
        assert_strict_policy(Loose())


# --- No inline code in what we write -------------------------------------------------------------

# Emails are read in mail clients, which never see our headers; HTML mail is styled inline.
EXEMPT_TEMPLATE_DIRS = {"emails"}

TEMPLATE_LANGUAGE = re.compile(
    r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}|{%.*?%}|{{.*?}}", re.DOTALL
)
SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.DOTALL | re.IGNORECASE)
TAG = re.compile(r"<[a-zA-Z][^<>]*>", re.DOTALL)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
STYLE_BLOCK = re.compile(r"<style\b", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"javascript\s*:", re.IGNORECASE)


def inline_code(markup):
    """What the policy would block in this markup, as short descriptions (template tags aside)."""
    # Template tags and variables are replaced by a neutral word: `{% include ... style="x" %}`
    # passes a variable, not an attribute, and `{{ value }}` inside a tag stays a value.
    markup = TEMPLATE_LANGUAGE.sub("X", markup)
    found = []
    for match in SCRIPT.finditer(markup):
        attributes, body = match.group(1), match.group(2).strip()
        is_data = re.search(r"type\s*=\s*[\"']?application/(ld\+)?json", attributes, re.I)
        if body and not is_data:
            found.append(f"inline <script>: {body[:60]!r}")
        if not body and "src" not in attributes and not is_data:
            found.append("empty <script> without src")
    for tag in TAG.findall(markup):
        if INLINE_HANDLER.search(tag):
            found.append(f"inline event handler: {tag[:80]!r}")
        if STYLE_ATTRIBUTE.search(tag):
            found.append(f"style attribute: {tag[:80]!r}")
    if STYLE_BLOCK.search(markup):
        found.append("<style> block")
    if JAVASCRIPT_URL.search(markup):
        found.append("javascript: URL")
    return found


def page_templates():
    for path in sorted(TEMPLATES.rglob("*.html")):
        if path.relative_to(TEMPLATES).parts[0] not in EXEMPT_TEMPLATE_DIRS:
            yield path


def test_no_template_has_inline_script_style_or_event_handler():
    offenders = [
        f"{path.relative_to(ROOT)}: {finding}"
        for path in page_templates()
        for finding in inline_code(path.read_text())
    ]
    assert offenders == [], "the Content-Security-Policy would block:\n" + "\n".join(offenders)


HTML_IN_PYTHON = re.compile(r"""["'][^"'\n]*<[a-zA-Z][^"'\n]*["']""")


def test_no_python_writes_html_with_inline_script_or_style():
    """HTML built in Python (format_html, mark_safe, widgets) is held to the same rule."""
    offenders = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            for literal in HTML_IN_PYTHON.findall(path.read_text()):
                offenders += [f"{path.relative_to(ROOT)}: {f}" for f in inline_code(literal)]
    assert offenders == [], "\n".join(offenders)


# What our own JavaScript must not do under the policy: eval, or write inline styles or handlers
# as markup (setting element.style.x through the CSSOM is allowed, and is what we use).
BLOCKED_IN_SCRIPT = {
    "eval": re.compile(r"\beval\s*\(|new\s+Function\s*\(|set(Timeout|Interval)\s*\(\s*[\"']"),
    "style written as markup": re.compile(r"setAttribute\s*\(\s*[\"']style|style\s*=\s*[\\\"']"),
    "handler written as markup": re.compile(
        r"setAttribute\s*\(\s*[\"']on[a-z]+|\son[a-z]+\s*=\s*[\\\"']"
    ),
    "javascript: URL": JAVASCRIPT_URL,
}


JS_COMMENT = re.compile(r"/\*.*?\*/|^\s*//.*?$", re.DOTALL | re.MULTILINE)


def blocked_in_script(source):
    code = JS_COMMENT.sub("", source)
    return [what for what, pattern in BLOCKED_IN_SCRIPT.items() if pattern.search(code)]


def test_our_javascript_neither_evaluates_strings_nor_writes_inline_styles():
    offenders = [
        f"{path.relative_to(ROOT)}: {what}"
        for path in sorted(SCRIPTS.glob("*.js"))
        for what in blocked_in_script(path.read_text())
    ]
    assert offenders == [], "\n".join(offenders)


@pytest.mark.parametrize(
    "source",
    [
        'var f = eval("1 + 1");',
        "var f = new Function('return 1');",
        'window.setTimeout("poll()", 1000);',
        'bar.setAttribute("style", "width: 5%");',
        "box.innerHTML = '<p style=\"color: red\">x</p>';",
        "box.innerHTML = '<a onclick=\"go()\">x</a>';",
        'link.href = "javascript:void(0)";',
    ],
)
def test_the_script_scan_finds_what_the_policy_blocks(source):
    assert blocked_in_script(source)


def test_the_script_scan_allows_the_cssom_and_comments():
    assert blocked_in_script('/* style="width: 5%" is refused */ bar.style.width = "5%";') == []
    assert blocked_in_script("// eval(x) would be refused\nwindow.setTimeout(poll, 500);") == []


@pytest.mark.parametrize(
    "markup",
    [
        "<script>alert(1)</script>",
        '<script type="text/javascript">\n  go();\n</script>',
        "<script></script>",
        '<button type="button" onclick="window.print()">Print</button>',
        '<body onload="start()">',
        '<div class="x" style="width: {{ percent }}%">',
        "<style>p { color: red }</style>",
        '<a href="javascript:void(0)">Open</a>',
    ],
)
def test_the_scan_finds_each_kind_of_inline_code(markup):
    assert inline_code(markup)


@pytest.mark.parametrize(
    "markup",
    [
        "<script src=\"{% static 'js/site.js' %}\"></script>",
        '<script id="chart" type="application/json">{"labels": []}</script>',
        "{{ chart|json_script:'chart-1' }}",
        '{% include "schemes/_status_button.html" with action="remove" style="outline-danger" %}',
        '<div class="progress" data-percent="{{ percent }}">',
        "<p>Press the button online=yes</p>",
    ],
)
def test_the_scan_allows_what_the_policy_allows(markup):
    assert inline_code(markup) == []
