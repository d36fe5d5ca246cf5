"""Every page, for everyone who may open it, passes axe-core: no serious or critical violations;
and none of them trips the Content-Security-Policy (no `securitypolicyviolation` event, no
"Refused to ..." in the console), so nothing on it was silently blocked.

The pages come from the access matrix (tests/test_access_matrix.py): for each member of the cast,
every GET page their row marks "ok", pointed at the access world's objects (tests/access_world.py).
Each page is checked at desktop width and again at 390 px, where the menu collapses and tables
scroll. Downloads (CSV, XLSX, ICS, PDF...) are skipped by their content type.

Pages that only appear part-way through a journey are checked too: forms sent empty (their error
state), a cohort file's preview with a bad row, a matching round just solved, the survey form
with a question left unanswered.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Error as PlaywrightError

from tests.access_world import (
    CAST,
    url_args,
    world,  # noqa: F401 (the fixture)
)
from tests.test_access_matrix import ACCESS, OK

from .conftest import DESKTOP, PHONE, axe_violations, csp_violations, describe_csp, log_in
from .test_cohort_import import BAD_ROW, ROWS, write_csv
from .test_matching_round import cohort  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def pages_for(member, world):  # noqa: F811
    """The GET pages `member` may open, as (URL name, path)."""
    return [
        (name, reverse(name, args=url_args(name, world)))
        for name, (method, expected) in sorted(ACCESS.items())
        if method == "GET" and expected[member] == OK
    ]


def describe(url, width, violations):
    lines = []
    for violation in violations:
        lines.append(
            f"  {url} at {width}px: {violation['id']} ({violation['impact']}): "
            f"{violation['help']}\n      nodes: {'; '.join(violation['nodes'])}"
        )
    return lines


def check_both_widths(page, label=None):
    """Axe on the page as it is, at desktop width and at 390 px, and anything the
    Content-Security-Policy blocked while it loaded or re-laid itself out; the failures as text."""
    label = label or page.url
    failures = []
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        failures += describe(label, viewport["width"], axe_violations(page))
    page.set_viewport_size(DESKTOP)
    blocked = csp_violations(page)
    if blocked:
        failures.append(f"  {label}: Content-Security-Policy violations\n{describe_csp(blocked)}")
    return failures


def open_html(page, path):
    """Open `path`; None when it is a download or not an HTML page."""
    try:
        response = page.goto(path)
    except PlaywrightError as error:
        if "Download is starting" in str(error) or "ERR_ABORTED" in str(error):
            return None
        raise
    content_type = response.headers.get("content-type", "") if response else ""
    return response if content_type.startswith("text/html") else None


def fail_with(failures):
    if failures:
        pytest.fail(
            "serious or critical axe-core violations, or Content-Security-Policy violations:\n"
            + "\n".join(failures),
            pytrace=False,
        )


@pytest.mark.parametrize("member", CAST)
def test_every_page_a_member_may_open_passes_axe(member, world, new_page):  # noqa: F811
    page = new_page()
    person = world.people[member]
    if person is not None:
        log_in(page, person.email)
    seen, failures, checked = set(), [], 0
    for name, path in pages_for(member, world):
        response = open_html(page, path)
        if response is None:
            continue
        # A signed-in member sent from the sign-in page to My mentoring: checked once.
        final = page.url.split("?")[0]
        if final in seen:
            continue
        seen.add(final)
        assert response.status == 200, f"{name} ({path}): {response.status}"
        failures += check_both_widths(page, f"{name} {path}")
        checked += 1
    assert checked >= 5, f"{member} opened only {checked} HTML pages"
    fail_with(failures)


def test_the_sweep_names_the_page_rule_impact_and_element_of_a_violation(new_page, live_server):
    """The check can fail, and says what to fix: white-on-white text is a serious violation."""
    page = new_page()
    page.goto("/")
    page.evaluate(
        """() => { const p = document.createElement('p'); p.id = 'faint';
            p.textContent = 'Hard to read'; p.style.color = '#fafafa';
            document.querySelector('main').append(p); }"""
    )
    failures = check_both_widths(page, "home /")
    assert len(failures) == 2  # once per width
    assert "home / at 1280px: color-contrast (serious)" in failures[0]
    assert "home / at 390px: color-contrast (serious)" in failures[1]
    assert "#faint" in failures[0]


def test_the_sweep_names_the_page_and_directive_of_a_blocked_inline_style(new_page, live_server):
    """The policy check can fail: markup with a style attribute is refused; the sweep says so."""
    page = new_page()
    page.goto("/")
    page.evaluate(
        """() => document.querySelector('main').insertAdjacentHTML('beforeend',
            '<p id="inline" style="color: #005eb8">Styled inline</p>')"""
    )
    assert page.locator("#inline").evaluate("p => p.style.color") == ""  # refused
    failures = check_both_widths(page, "home /")
    assert len(failures) == 1
    assert "home /: Content-Security-Policy violations" in failures[0]
    assert "style-src-attr" in failures[0]


# --- Pages met part-way through a journey --------------------------------------------------

# Forms sent empty, by who may send them: each must come back with its errors, and pass axe.
EMPTY_FORMS = {
    "anonymous": [
        "accounts:sign-up",
        "accounts:login",
        "accounts:password-reset",
        "accounts:resend-confirmation",
        "surveys:answer",
    ],
    "mentee": [
        "accounts:profile",
        "accounts:password-change",
        "accounts:erase",
        "meetings:meeting-log",
        "meetings:plan",
        "meetings:goal-add",
        "meetings:agreement",
        "meetings:pair-end",
    ],
    "mentor": ["supervision:training-add"],
    "organiser": [
        "schemes:join-mentee",
        "schemes:edit",
        "schemes:referral-create",
        "schemes:cohort-upload",
        "supervision:event-create",
        "meetings:scheme-message-new",
    ],
    "supervisor": ["supervision:session-schedule"],
    "dme": ["schemes:create", "reports:outcomes-upload", "schemes:trainee-list-upload"],
}

ERRORS = ".invalid-feedback, .errorlist, .alert-danger, [aria-invalid=true]"


def send_empty(page):
    """Send the page's main form with its text fields emptied, past the browser's own checks."""
    form = page.locator("main form[method=post]").filter(
        has=page.locator("input:not([type=hidden]), select, textarea")
    )
    form = form.last if form.count() > 1 else form.first
    form.evaluate(
        """form => {
            form.noValidate = true;
            form.querySelectorAll('textarea, input:not([type=hidden]):not([type=checkbox])'
                + ':not([type=radio]):not([type=submit]):not([type=file])')
                .forEach(field => { field.value = ''; });
        }"""
    )
    with page.expect_navigation():
        form.locator("button[type=submit], input[type=submit]").last.click()


@pytest.mark.parametrize("member", sorted(EMPTY_FORMS))
def test_forms_sent_empty_show_their_errors_and_pass_axe(member, world, new_page):  # noqa: F811
    page = new_page()
    person = world.people[member]
    if person is not None:
        log_in(page, person.email)
    failures = []
    for name in EMPTY_FORMS[member]:
        path = reverse(name, args=url_args(name, world))
        page.goto(path)
        send_empty(page)
        assert page.locator(ERRORS).count(), f"{name}: the empty form shows no error"
        failures += check_both_widths(page, f"{name} {path} (sent empty)")
    fail_with(failures)


def test_a_cohort_preview_and_a_matching_round_pass_axe(
    new_page,
    live_server,
    tmp_path,
    scheme,
    organiser,
    cohort,  # noqa: F811
):
    page = new_page()
    log_in(page, organiser.email)
    failures = []

    # A cohort file with a bad row: the preview lists the problem.
    page.goto(reverse("schemes:cohort-upload", args=[scheme.slug]))
    page.get_by_label("Cohort file (CSV)").set_input_files(
        write_csv(tmp_path / "intake.csv", [*ROWS, BAD_ROW])
    )
    page.get_by_role("button", name="Check the file").click()
    page.get_by_role("table", name="Rows with problems").wait_for()
    failures += check_both_widths(page, f"cohort preview {page.url}")

    # A matching round, solved and waiting for approval; then approved.
    page.goto(reverse("matching:scheme", args=[scheme.slug]))
    page.get_by_role("button", name="Start a matching round").click()
    page.get_by_role("heading", name="Proposals").wait_for()
    failures += check_both_widths(page, f"matching round {page.url}")
    page.get_by_role("button", name=re.compile("^Approve")).click()
    page.get_by_text(re.compile("This will create .* pairs")).wait_for()
    failures += check_both_widths(page, f"approve confirmation {page.url}")
    page.get_by_role("button", name=re.compile("^Yes, create")).click()
    page.get_by_text(re.compile("Approved: .* pairs created.")).wait_for()
    failures += check_both_widths(page, f"approved round {page.url}")
    fail_with(failures)


def test_an_outcomes_preview_with_problems_passes_axe(new_page, live_server, tmp_path, dme):
    bad = tmp_path / "bad.csv"
    bad.write_text("email,period,arcp\na@nhs.net,2025/26,7\n,2025/26,1\n")
    page = new_page()
    log_in(page, dme.email)
    page.goto(reverse("reports:outcomes-upload", args=[dme.organisation.slug]))
    page.get_by_label("Outcomes file (CSV)").set_input_files(str(bad))
    page.get_by_role("button", name="Check the file").click()
    page.get_by_role("heading", name="Nothing can be saved yet").wait_for()
    fail_with(check_both_widths(page, f"outcomes preview {page.url}"))


def test_a_scheme_message_preview_the_sent_list_and_a_refused_referral_pass_axe(
    new_page, live_server, scheme, organiser, mentee_enrolment
):
    page = new_page()
    log_in(page, organiser.email)
    failures = []

    # A message to the scheme's mentees, previewed, then sent and listed.
    page.goto(reverse("meetings:scheme-message-new", args=[scheme.slug]))
    page.get_by_label("All mentees").check()
    page.get_by_label("Subject").fill("Drop-in on Friday")
    page.get_by_label("Message").fill("The organisers are in the library from 12:30.")
    page.get_by_role("button", name="Preview").click()
    page.get_by_role("heading", name="Check your message before it is sent").wait_for()
    failures += check_both_widths(page, f"scheme message preview {page.url}")
    page.get_by_role("button", name="Send to 1 person").click()
    page.get_by_text("is on its way to 1 person").wait_for()
    failures += check_both_widths(page, f"scheme messages sent {page.url}")

    # A scheme that takes no referrals refuses the form up front.
    page.goto(reverse("schemes:referral-create", args=[scheme.slug]))
    page.get_by_role("heading", name=f"{scheme.name} takes no referrals").wait_for()
    failures += check_both_widths(page, f"referral refused {page.url}")
    fail_with(failures)
