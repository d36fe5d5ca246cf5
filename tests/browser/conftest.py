"""Playwright driving Debian's Chromium against pytest-django's live server."""

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = (
            "Chromium is not installed at /usr/bin/chromium. Install it with "
            "`sudo apt-get install chromium` to run the browser tests."
        )
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message + " (REQUIRE_BROWSER=1 makes this a failure.)")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the tests' own database calls are
    # still plain synchronous calls, so Django's guard against ORM use inside async code is lifted.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


# Recorded in every page before its own scripts run: each `securitypolicyviolation` the browser
# fires, in the page (window.__cspViolations, for the document on screen) and sent to the test
# (across navigations). Chromium also writes each one to the console; those are kept too.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const violation = {
    page: location.pathname + location.search,
    directive: event.effectiveDirective || event.violatedDirective,
    blocked: event.blockedURI,
    source: event.sourceFile + ":" + event.lineNumber,
    sample: event.sample,
  };
  window.__cspViolations.push(violation);
  if (window.__reportCspViolation) { window.__reportCspViolation(violation); }
});
"""
CSP_SEEN = {}  # context -> violations not yet claimed by a test


def watch_csp(context):
    seen = CSP_SEEN.setdefault(context, [])

    def on_violation(violation):
        seen.append(violation)

    context.expose_function("__reportCspViolation", on_violation)
    context.add_init_script(CSP_LISTENER)

    def on_console(message):
        if "Content Security Policy" in message.text:
            seen.append({"page": message.page.url if message.page else "", "console": message.text})

    context.on("console", on_console)


def csp_violations(page):
    """The violations recorded in this page's browser context since the last call (and clears
    them): the current document's, read from the page, and any sent before it navigated."""
    current = page.evaluate("() => window.__cspViolations || []")
    seen = CSP_SEEN.get(page.context, [])
    found = seen + [violation for violation in current if violation not in seen]
    seen.clear()
    page.evaluate("() => { window.__cspViolations = []; }")
    return found


def describe_csp(violations):
    return "\n".join(
        f"  {violation['page']}: "
        + (
            violation["console"][:200]
            if "console" in violation
            else f"{violation['directive']} blocked {violation['blocked']} at {violation['source']}"
            f" ({violation['sample']!r})"
        )
        for violation in violations
    )


@pytest.fixture
def new_page(browser, live_server):
    contexts = []

    def open_page(viewport=DESKTOP):
        # Reduced motion switches off Bootstrap's colour transitions, so axe reads the colours a
        # button settles on, not a frame half-way through a hover (a flaky contrast failure).
        context = browser.new_context(
            viewport=viewport,
            base_url=live_server.url,
            locale="en-GB",
            timezone_id="Europe/London",
            reduced_motion="reduce",
        )
        context.set_default_timeout(15_000)
        watch_csp(context)
        contexts.append(context)
        return context.new_page()

    yield open_page
    unclaimed = [violation for context in contexts for violation in CSP_SEEN.pop(context, [])]
    for context in contexts:
        context.close()
    # Every page of every browser test runs under the Content-Security-Policy: anything it
    # blocked (an inline script, a style attribute) is a page that silently lost something.
    assert unclaimed == [], "Content-Security-Policy violations:\n" + describe_csp(unclaimed)


@pytest.fixture
def page(new_page):
    return new_page()


def screenshot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)


def screenshot_both_widths(page, name):
    """Screenshot the page at desktop width and at a phone's, checking it fits the phone."""
    screenshot(page, name)
    page.set_viewport_size(PHONE)
    assert_fits_phone_width(page)
    screenshot(page, name)
    page.set_viewport_size({"width": 1280, "height": 900})


def wait_for_page_scripts(page):
    """Wait until the page's own scripts have run.

    A heading can be visible while the browser is still parsing the scripts at the end of the
    body, so a check on what those scripts draw (charts) waits for the document to be complete.
    """
    page.wait_for_function("() => document.readyState === 'complete'")


def assert_accessible_basics(page):
    """Cheap checks on every page we visit: one h1, a language, every field labelled."""
    assert page.locator("h1").count() == 1, "a page has exactly one main heading"
    assert page.locator("html").get_attribute("lang")
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea')]
            .filter(el => el.type !== 'hidden' && el.type !== 'submit')
            .filter(el => el.labels.length === 0 && !el.getAttribute('aria-label'))
            .map(el => el.name)"""
    )
    assert unlabelled == [], f"fields without a label: {unlabelled}"


def assert_fits_phone_width(page):
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    widest = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1)
            .filter(el => !el.closest('.table-responsive'))
            .slice(0, 3).map(el => el.tagName + '.' + el.className)"""
    )
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the screen: {widest}"


def log_in(page, email, password=None):
    from accounts.tests.factories import DEFAULT_PASSWORD

    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password or DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="My mentoring").wait_for()


AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
AXE_SOURCE = AXE.read_text()


def axe_violations(page, impacts=("serious", "critical")):
    """Run axe-core (WCAG 2.1 A and AA rules) on the page; return the serious and critical ones."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated by the test driver, not added as an inline <script>, which the page's
        # Content-Security-Policy rightly refuses.
        page.evaluate(AXE_SOURCE)
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: {type: 'tag',
                values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }"""
    )
    return [violation for violation in result if violation["impact"] in impacts]


def assert_no_axe_violations(page):
    violations = axe_violations(page)
    assert violations == [], f"{page.url}: {violations}"
