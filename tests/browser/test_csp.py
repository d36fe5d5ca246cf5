"""The pages that run scripts still work under the strict Content-Security-Policy.

Every browser test already fails on a policy violation (tests/browser/conftest.py listens for
`securitypolicyviolation` and for "Refused to ..." in the console on every page), and the
accessibility sweep opens every page of every member of the cast. These tests work the scripts
themselves: the print buttons, the matching round's progress bar, the charts and the answer bars,
two-step sign-in's QR code, and the admin. Each ends by asking the page what it blocked.
"""

import re
from datetime import date
from unittest import mock

import pytest
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from matching.models import MatchRound
from supervision import recognition
from supervision.services import certificate_issue
from supervision.tests.factories import verified_training
from surveys.tests.factories import builtin, response_with

from .conftest import (
    PHONE,
    csp_violations,
    describe_csp,
    log_in,
    screenshot,
    wait_for_page_scripts,
)
from .test_matching_round import cohort  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# window.print opens a dialog a headless browser cannot show: count the calls instead.
COUNT_PRINTS = "() => { window.__prints = 0; window.print = () => { window.__prints += 1; }; }"


def assert_nothing_blocked(page):
    blocked = csp_violations(page)
    assert blocked == [], "Content-Security-Policy violations:\n" + describe_csp(blocked)


def test_the_policy_is_on_and_an_inline_script_is_refused(page, live_server):
    """What the other tests rely on: the browser enforces the header, and reports what it blocks."""
    response = page.goto("/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.evaluate(
        """() => { const s = document.createElement('script');
            s.textContent = 'window.__ran = true'; document.body.append(s); }"""
    )
    assert page.evaluate("() => window.__ran") is None  # it did not run
    blocked = csp_violations(page)
    assert any(v.get("directive") == "script-src-elem" for v in blocked), blocked
    assert any("inline script" in v.get("console", "") for v in blocked)  # and in the console


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_the_certificate_print_button_prints(
    new_page, live_server, scheme, mentor, mentor_enrolment, viewport
):
    verified_training(mentor_enrolment, kind="formal_external", title="Coaching skills")
    with (
        mock.patch.object(recognition, "meetings_logged_by_mentor", return_value=4),
        mock.patch.object(recognition, "end_of_pair_survey_returned", return_value=True),
    ):
        certificate = certificate_issue(enrolment=mentor_enrolment)
    page = new_page(viewport) if viewport else new_page()
    log_in(page, mentor.email)
    page.goto(f"/supervision/certificates/{certificate.pk}/")
    page.get_by_role("heading", name="Certificate of mentoring activity").wait_for()
    # The certificate's own stylesheet applies: the double frame and the A4 sheet.
    frame = page.locator(".frame")
    assert frame.evaluate("f => getComputedStyle(f).borderTopStyle") == "double"
    page.evaluate(COUNT_PRINTS)
    page.get_by_role("button", name="Print or save as PDF").click()
    assert page.evaluate("() => window.__prints") == 1
    screenshot(page, "csp-certificate")
    assert_nothing_blocked(page)


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_the_organisation_report_print_button_prints(new_page, live_server, dme, scheme, viewport):
    page = new_page(viewport) if viewport else new_page()
    log_in(page, dme.email)
    page.goto(f"/reports/organisations/{scheme.organisation.slug}/print/")
    page.get_by_role("heading", name="Peer mentoring at").wait_for()
    page.evaluate(COUNT_PRINTS)
    page.get_by_role("button", name="Print or save as PDF").click()
    assert page.evaluate("() => window.__prints") == 1
    # The print rules come from the stylesheet: on paper, tables are not cut across pages.
    page.emulate_media(media="print")
    table_box = page.locator(".table-responsive").first
    if table_box.count():
        assert table_box.evaluate("t => getComputedStyle(t).overflowX") == "visible"
    assert not page.get_by_role("button", name="Print or save as PDF").is_visible()
    page.emulate_media(media="screen")
    screenshot(page, "csp-organisation-print")
    assert_nothing_blocked(page)


def test_the_matching_round_progress_bar_moves_and_the_page_reloads_when_done(
    page,
    live_server,
    scheme,
    organiser,
    cohort,  # noqa: F811
):
    running = MatchRound.objects.create(scheme=scheme, started_by=organiser, progress=35)
    log_in(page, organiser.email)
    page.goto(f"/matching/schemes/{scheme.slug}/rounds/{running.pk}/")
    bar = page.get_by_role("progressbar", name="Progress of the round")
    inner = bar.locator(".progress-bar")
    # The bar is drawn at its width from the start, without an inline style.
    page.wait_for_function(
        "() => document.querySelector('#round-progress .progress-bar')"
        ".getBoundingClientRect().width > 0"
    )
    width = inner.evaluate("b => b.getBoundingClientRect().width / b.parentElement.clientWidth")
    assert width == pytest.approx(0.35, abs=0.02)
    assert bar.evaluate("b => getComputedStyle(b).height") == "24px"  # 1.5rem, from site.css

    MatchRound.objects.filter(pk=running.pk).update(progress=80)
    page.wait_for_function(
        "() => document.querySelector('#round-progress').getAttribute('aria-valuenow') == '80'"
    )
    page.wait_for_function(
        "() => { const b = document.querySelector('#round-progress .progress-bar');"
        " return Math.abs(b.getBoundingClientRect().width / b.parentElement.clientWidth - 0.8)"
        " < 0.02; }"
    )
    assert inner.inner_text() == "80%"
    assert_nothing_blocked(page)

    MatchRound.objects.filter(pk=running.pk).update(
        status=MatchRound.Status.FAILED, progress=100, error="the solver stopped"
    )
    page.get_by_text("This round could not be solved: the solver stopped").wait_for()
    assert_nothing_blocked(page)


def test_the_matching_round_table_keeps_its_column_widths(
    page,
    live_server,
    scheme,
    organiser,
    cohort,  # noqa: F811
):
    # A tablet: wide enough for the table (a phone shows each proposal as a card), narrow
    # enough for the columns' minimum widths to matter.
    page.set_viewport_size({"width": 800, "height": 900})
    log_in(page, organiser.email)
    page.goto(f"/matching/schemes/{scheme.slug}/")
    page.get_by_role("button", name="Start a matching round").click()
    page.get_by_role("heading", name="Proposals").wait_for()
    for name, rem in [("Mentee", 9), ("Proposed mentor", 9), ("Why", 18)]:
        column = page.get_by_role("columnheader", name=name, exact=True)
        assert column.evaluate("th => getComputedStyle(th).minWidth") == f"{rem * 16}px"
        assert column.evaluate("th => th.getBoundingClientRect().width") >= rem * 16
    assert_nothing_blocked(page)


def survey_answers(scheme):
    follow_up = builtin("mentee-follow-up")
    for value in [4] * 5 + [5] * 5:  # five of each, so each answer's share is shown
        response_with(
            scheme,
            follow_up,
            {
                "process-objectives": value,
                "process-regular": value - 1,
                "content-feedback": value,
                "content-challenge": 4,
                "outcome-career": value,
                "confidence-career": value,
                "wellbeing-overall": 4,
                "satisfaction-overall": value,
                "satisfaction-recommend": 1,
            },
            month=date(2026, 4, 1),
        )


def test_survey_results_draw_their_charts_and_answer_bars(page, live_server, organiser, scheme):
    survey_answers(scheme)
    log_in(page, organiser.email)
    page.goto(f"/surveys/schemes/{scheme.slug}/results/")
    page.get_by_role("heading", name="Survey results").wait_for()
    wait_for_page_scripts(page)
    canvases = page.locator("canvas[data-chart]")
    assert canvases.count() >= 1
    assert page.evaluate(
        "() => [...document.querySelectorAll('canvas[data-chart]')]"
        ".every(c => Chart.getChart(c) !== undefined && c.height > 0)"
    )
    # A chart's box is 16rem tall on screen, from site.css.
    assert canvases.first.evaluate("c => c.parentElement.getBoundingClientRect().height") == 256
    # Each answer's bar is as wide as its share.
    page.get_by_text("Question by question").first.click()
    row = page.get_by_role("row").filter(has=page.locator(".progress-bar")).first
    share = int(re.sub(r"\D", "", row.locator("td").nth(1).inner_text()))
    drawn = row.locator(".progress-bar").evaluate(
        "b => Math.round(100 * b.getBoundingClientRect().width / b.parentElement.clientWidth)"
    )
    assert drawn == pytest.approx(share, abs=1)
    screenshot(page, "csp-survey-results")
    assert_nothing_blocked(page)


def test_a_trainee_turns_on_two_step_sign_in_from_the_qr_code_page(page, live_server, mentee):
    log_in(page, mentee.email)
    page.goto("/accounts/two-step/")
    page.get_by_role("heading", name="Set up two-step sign-in").wait_for()
    qr = page.get_by_role("img", name="QR code for your authenticator app")
    assert qr.locator("svg").is_visible()
    assert qr.evaluate("q => q.getBoundingClientRect().width") <= 220  # .qr-code in site.css
    screenshot(page, "csp-two-step-setup")
    assert_nothing_blocked(page)

    device = TOTPDevice.objects.get(user=mentee)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = timezone.now().timestamp()
    page.get_by_role("textbox", name=re.compile("code", re.I)).fill(f"{totp.token():06d}")
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    page.get_by_role("heading", name="Your backup codes").wait_for()
    with page.expect_navigation():
        page.get_by_role("link", name="I have saved them — continue").click()
    assert_nothing_blocked(page)


def test_the_admin_works_under_the_policy(page, live_server, superuser, mentee):
    log_in(page, superuser.email)
    page.goto("/admin/")
    page.get_by_role("heading", name="Site administration").wait_for()
    page.goto("/admin/accounts/user/")
    page.get_by_role("link", name=mentee.email).first.wait_for()
    # The admin's own scripts run: the select-all box ticks every row.
    page.locator("#action-toggle").check()
    assert page.locator("input.action-select:checked").count() >= 2
    page.get_by_role("link", name=mentee.email).first.click()
    page.get_by_role("button", name="Save", exact=True).wait_for()
    assert_nothing_blocked(page)
