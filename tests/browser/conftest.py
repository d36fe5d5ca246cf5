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
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


def screenshot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)


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


def axe_violations(page, impacts=("serious", "critical")):
    """Run axe-core (WCAG 2.1 A and AA rules) on the page; return the serious and critical ones."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
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
