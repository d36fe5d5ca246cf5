"""static/js/poll.js: a page that polls for background work backs off when the server fails and
stops, saying so, after the attempts it was given; it reloads when the work is done."""

import pytest

from matching.models import MatchRound

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _round_page_with(page, attributes):
    """Serve the round's page with the poll's data attributes replaced by `attributes`."""

    def rewrite(route):
        response = route.fetch()
        html = response.text().replace('data-poll-interval="1000"', attributes)
        route.fulfill(response=response, body=html)

    page.route("**/rounds/*/", rewrite)


def test_polling_backs_off_after_failures_and_stops(page, live_server, scheme, organiser):
    running = MatchRound.objects.create(scheme=scheme, started_by=organiser, progress=35)
    asked = []

    def fail(route):
        asked.append(route.request.url)
        route.fulfill(status=503, body="")

    log_in(page, organiser.email)
    _round_page_with(page, 'data-poll-interval="200" data-poll-attempts="3"')
    page.route("**/progress/**", fail)
    waits = []
    page.expose_function("noteWait", lambda wait: waits.append(int(wait)))
    page.add_init_script(
        "new MutationObserver(records => records.forEach(r => {"
        " if (r.attributeName === 'data-poll-wait') { window.noteWait(r.target.dataset.pollWait); }"
        "})).observe(document, {attributes: true, subtree: true});"
    )
    page.goto(f"/matching/schemes/{scheme.slug}/rounds/{running.pk}/")

    bar = page.locator("#round-progress")
    page.wait_for_function(
        "() => document.querySelector('#round-progress').dataset.pollState === 'stopped'"
    )
    # Each failure doubles the wait; after the third, polling stops and the page says so.
    assert waits == [400, 800]
    assert len(asked) == 3
    assert bar.get_attribute("aria-valuenow") == "35"
    assert page.get_by_text("This page stopped checking for news").is_visible()
    page.wait_for_timeout(1000)
    assert len(asked) == 3, "a stopped poll asks no more"


def test_polling_recovers_after_a_failure_and_reloads_when_done(
    page, live_server, scheme, organiser
):
    running = MatchRound.objects.create(scheme=scheme, started_by=organiser, progress=35)
    failures = []

    def fail_once(route):
        if not failures:
            failures.append(route.request.url)
            route.fulfill(status=503, body="")
        else:
            route.continue_()

    log_in(page, organiser.email)
    _round_page_with(page, 'data-poll-interval="200" data-poll-attempts="3"')
    page.route("**/progress/**", fail_once)
    page.goto(f"/matching/schemes/{scheme.slug}/rounds/{running.pk}/")
    MatchRound.objects.filter(pk=running.pk).update(progress=70)
    page.wait_for_function(
        "() => document.querySelector('#round-progress').getAttribute('aria-valuenow') == '70'"
    )
    assert failures, "the first ask failed and a later one got through"

    MatchRound.objects.filter(pk=running.pk).update(status=MatchRound.Status.FAILED)
    page.locator("#round-progress").wait_for(state="detached")
