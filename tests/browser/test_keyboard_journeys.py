"""Each main journey, on a phone-sized screen, with the keyboard alone.

No mouse: the tests press Tab, Shift+Tab, Enter, Space and the arrow keys, and type. Each journey
opens one page with page.goto (where a user would arrive from a bookmark or an email link); every
other page is reached by following links and buttons from the keyboard. Each field is reached
with Tab before it is typed into, every element a journey stops on shows where the focus is, and
the skip link takes the focus past the menu to the main content.
"""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from accounts.models import Grade, User
from accounts.tests.factories import DEFAULT_PASSWORD
from matching.models import Pair
from meetings.models import Meeting
from schemes.models import Enrolment
from schemes.tests.factories import MemberFactory
from supervision.models import SupervisionSession, TrainingRecord
from supervision.tests.factories import assign, session_with
from surveys.models import Response
from surveys.services import survey_sweep

from .conftest import PHONE
from .test_matching_round import cohort  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAX_PRESSES = 60


def is_focused(locator):
    return locator.evaluate_all("elements => elements.includes(document.activeElement)")


def describe_focus(page):
    return page.evaluate(
        """() => { const el = document.activeElement;
            if (!el || el === document.body) return 'the page itself';
            const text = el.getAttribute('aria-label') || el.innerText || el.value || '';
            const id = el.id ? ' id=' + el.id : '';
            return `<${el.tagName.toLowerCase()}${id}> ${text.trim().slice(0, 40)}`;
        }"""
    )


# The focused element's outline and focus rings (box-shadows), each colour's contrast with the
# background behind the element, and whether the element is on screen.
FOCUS_STYLE = """() => {
    const el = document.activeElement;
    // Past the last link the focus leaves the page; on a date field's calendar button it is
    // inside the browser's own control, which draws its own focus.
    if (el === document.body || !el.matches(':focus')) return null;
    const parse = text => {
        const m = text.match(/rgba?\\(([^)]+)\\)/);
        if (!m) return null;
        const [r, g, b, a = 1] = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
        return {r, g, b, a};
    };
    const colours = text => (text.match(/rgba?\\([^)]+\\)/g) || []).map(parse);
    const luminance = c => [c.r, c.g, c.b]
        .map(v => v / 255).map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
        .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
    const over = (c, bg) => ({r: c.r * c.a + bg.r * (1 - c.a), g: c.g * c.a + bg.g * (1 - c.a),
                              b: c.b * c.a + bg.b * (1 - c.a), a: 1});
    const contrast = (c, bg) => {
        const [hi, lo] = [luminance(over(c, bg)), luminance(bg)].sort((x, y) => y - x);
        return (hi + 0.05) / (lo + 0.05);
    };
    let background = {r: 255, g: 255, b: 255, a: 1};
    for (let node = el.parentElement; node; node = node.parentElement) {
        const c = parse(getComputedStyle(node).backgroundColor);
        if (c && c.a > 0) { background = over(c, background); break; }
    }
    const style = getComputedStyle(el);
    const indicators = [];
    if (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2) {
        indicators.push(parse(style.outlineColor));
    }
    if (style.boxShadow !== 'none') indicators.push(...colours(style.boxShadow));
    const box = el.getBoundingClientRect();
    return {
        contrast: Math.max(0, ...indicators.filter(Boolean).map(c => contrast(c, background))),
        outline: `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}`,
        ring: style.boxShadow,
        onScreen: box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0
            && box.top < window.innerHeight && box.left < window.innerWidth,
    };
}"""


def assert_focus_visible(page):
    """The focused element is on screen and shows an outline (2px or more) or a focus ring in a
    colour with at least 3:1 contrast against the background around it (WCAG 2.4.7, 1.4.11)."""
    focus = page.evaluate(FOCUS_STYLE)
    if focus is None:
        return
    where = describe_focus(page)
    assert focus["contrast"] >= 3, (
        f"{page.url}: the focus on {where} is hard to see: outline {focus['outline']}, "
        f"ring {focus['ring']} (best contrast {focus['contrast']:.1f}:1, 3:1 needed)"
    )
    assert focus["onScreen"], f"{page.url}: the focused {where} is off screen"


def tab_to(page, target, backwards=False, limit=MAX_PRESSES):
    """Press Tab (or Shift+Tab) until `target` (a locator) has the focus; check that the focus
    shows at each element on the way."""
    key = "Shift+Tab" if backwards else "Tab"
    visited = []
    if is_focused(target):  # the page put the focus there (autofocus)
        assert_focus_visible(page)
        return
    for _ in range(limit):
        page.keyboard.press(key)
        assert_focus_visible(page)  # every stop on the way, not just the target
        if is_focused(target):
            return
        visited.append(describe_focus(page))
    pytest.fail(
        f"{page.url}: {limit} presses of {key} did not reach {target}. "
        f"The focus went through: {' | '.join(visited)}",
        pytrace=False,
    )


def activate(page, target, navigates=True, **options):
    """Tab to a link or button and press Enter; wait for the page it opens."""
    tab_to(page, target, **options)
    if navigates:
        with page.expect_navigation():
            page.keyboard.press("Enter")
    else:
        page.keyboard.press("Enter")


def type_into(page, field, text, **options):
    """Tab to a text field and type."""
    tab_to(page, field, **options)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def choose(page, select, option):
    """Tab to a drop-down and move through its options with the arrow keys to `option` (its
    value or its label): down to the last, then back up."""
    tab_to(page, select)
    key, previous = "ArrowDown", None
    for _ in range(MAX_PRESSES):
        current = select.evaluate("el => [el.value, el.selectedOptions[0]?.label]")
        if option in current:
            return
        if current == previous:
            key = "ArrowUp"
        previous = current
        page.keyboard.press(key)
    pytest.fail(f"{page.url}: the arrow keys never chose “{option}” in {select}", pytrace=False)


def type_date(page, field, day):
    """Tab to a date field and type the date. Chromium's date field reads the digits in the
    order it shows (month, day, year here, whatever the page's locale)."""
    tab_to(page, field)
    page.keyboard.type(day.strftime("%m%d%Y"))
    assert field.input_value() == day.isoformat(), (
        f"typed {day}, the field holds {field.input_value()}"
    )


def tick(page, box):
    """Tab to a checkbox and tick it with Space."""
    tab_to(page, box)
    page.keyboard.press("Space")
    assert box.is_checked()


def pick(page, group, option):
    """Tab into a group of radio buttons, then arrow to `option` (arrows check as they move)."""
    tab_to(page, group.get_by_role("radio"))
    for _ in range(MAX_PRESSES):
        if is_focused(option):
            page.keyboard.press("Space")
            assert option.is_checked()
            return
        page.keyboard.press("ArrowDown")
    pytest.fail(f"{page.url}: the arrow keys never reached {option}", pytrace=False)


def skip_to_main(page):
    """The first Tab on a page reaches the skip link; Enter puts the focus in the main content."""
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert is_focused(skip), f"{page.url}: the first Tab reached {describe_focus(page)}"
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    focus_in_main = page.evaluate("() => document.activeElement.closest('main') !== null")
    assert focus_in_main, f"{page.url}: the skip link left the focus on {describe_focus(page)}"


def open_menu_item(page, name):
    """On a phone the menu is behind its toggle: open it and follow one of its links."""
    activate(page, page.get_by_role("button", name="Show or hide the menu"), navigates=False)
    activate(page, page.get_by_role("navigation", name="Main").get_by_role("link", name=name))


def wait_for_text(page, text):
    """Wait for `text`; if it never comes, say what the page shows instead (a form's errors)."""
    try:
        page.get_by_text(text).first.wait_for(timeout=5_000)
    except PlaywrightTimeoutError:
        errors = page.locator(".invalid-feedback, .alert, .errorlist").all_inner_texts()
        pytest.fail(f"{page.url}: no “{text}”; the page says {errors}", pytrace=False)


def wait_for_heading(page, name):
    page.get_by_role("heading", name=name, level=1).wait_for()


@pytest.fixture
def phone(new_page):
    page = new_page(PHONE)
    # Bootstrap scrolls smoothly unless the user asks for less motion; without the animation the
    # focused element is on screen as soon as the key is pressed.
    page.emulate_media(reduced_motion="reduce")
    return page


def log_in_by_keyboard(page, email, password=DEFAULT_PASSWORD):
    """From the home page: skip link, the menu's Log in, the form. Ends on My mentoring."""
    page.goto("/")
    skip_to_main(page)
    activate(page, page.get_by_role("main").get_by_role("link", name="Log in"))
    wait_for_heading(page, "Log in")
    type_into(page, page.get_by_label("Email address"), email)
    type_into(page, page.get_by_label("Password"), password)
    with page.expect_navigation():
        page.keyboard.press("Enter")  # sends the form from its last field
    wait_for_heading(page, "My mentoring")


def test_a_trainee_signs_up_with_the_keyboard(phone, live_server):
    page = phone
    page.goto("/")
    skip_to_main(page)
    activate(page, page.get_by_role("main").get_by_role("link", name="Sign up"))
    wait_for_heading(page, "Create your account")
    type_into(page, page.get_by_label("Email address"), "nia.adeyemi@example.nhs.uk")
    type_into(page, page.get_by_label("First name"), "Nia")
    type_into(page, page.get_by_label("Last name"), "Adeyemi")
    choose(page, page.get_by_label("Grade"), "CT1")
    type_into(page, page.get_by_label("Specialty"), "Paediatrics")
    type_into(page, page.get_by_label("Site"), "Kingston Hospital")
    type_date(page, page.get_by_label("Date training started"), timezone.localdate().replace(day=6))
    type_into(page, page.locator("#id_password1"), "harbour-lantern-violet-93")
    type_into(page, page.get_by_label("Password confirmation"), "harbour-lantern-violet-93")
    activate(page, page.get_by_role("button", name="Create my account"))
    wait_for_heading(page, "Check your email")
    assert User.objects.get(email="nia.adeyemi@example.nhs.uk").grade == Grade.CT1
    assert len(mail.outbox) == 1


def test_a_trainee_joins_a_scheme_as_a_mentee_with_the_keyboard(phone, live_server, scheme):
    MemberFactory(organisation=scheme.organisation, email="maya@example.nhs.uk", grade=Grade.CT1)
    page = phone
    log_in_by_keyboard(page, "maya@example.nhs.uk")
    activate(page, page.get_by_role("link", name="Find a scheme to join"))
    wait_for_heading(page, "Schemes open to you")
    activate(page, page.get_by_role("link", name="Join as a mentee"))
    wait_for_heading(page, f"Join {scheme.name} as a mentee")
    tick(page, page.get_by_label("Career planning"))
    tick(page, page.get_by_label("Exams"))
    type_into(page, page.get_by_label("Anything else you would like to explore?"), "Specialty")
    choose(page, page.get_by_label("How would you like to meet?"), "video")
    tick(page, page.get_by_label("I agree that the scheme's organisers"))
    activate(page, page.get_by_role("button", name="Join as a mentee"))
    wait_for_text(page, f"You have joined {scheme.name} as a mentee.")
    enrolment = Enrolment.objects.get(user__email="maya@example.nhs.uk")
    assert enrolment.areas == ["career", "exams"] and enrolment.meeting_mode == "video"


def test_a_mentee_logs_a_meeting_with_the_keyboard(phone, live_server, pair, mentee, mentor):
    a_month_ago = timezone.now() - timedelta(days=30)
    Pair.objects.filter(pk=pair.pk).update(created_at=a_month_ago, status_changed_at=a_month_ago)
    page = phone
    log_in_by_keyboard(page, mentee.email)
    activate(page, page.get_by_role("main").get_by_role("link", name=mentor.get_full_name()).first)
    wait_for_heading(page, f"Your mentoring with {mentor.get_full_name()}")
    activate(page, page.get_by_role("link", name="Log a meeting"))
    wait_for_heading(page, "Log a meeting")
    yesterday = timezone.localdate() - timedelta(days=1)
    type_date(page, page.get_by_label("Date of the meeting"), yesterday)
    choose(page, page.get_by_label("How long"), "45")
    pick(
        page,
        page.get_by_role("group", name=re.compile("How did you meet")),
        page.get_by_label("Video call"),
    )
    tick(page, page.get_by_label("Exams"))
    type_into(page, page.get_by_label("Shared summary (you both see this)"), "A revision plan.")
    activate(page, page.get_by_role("button", name="Log the meeting"))
    wait_for_text(page, "is logged.")
    meeting = Meeting.objects.get()
    assert (meeting.held_on, meeting.duration_minutes, meeting.mode) == (yesterday, 45, "video")
    assert meeting.topics == ["exams"] and meeting.summary == "A revision plan."


def test_a_mentee_answers_a_survey_with_the_keyboard(phone, live_server, pair):
    survey_sweep()
    [message] = [m for m in mail.outbox if m.to == [pair.mentee.email]]
    path = re.search(r"https?://\S+(/surveys/answer/\S+/)", message.body)[1]
    page = phone
    page.goto(path)  # from the email, not logged in
    skip_to_main(page)
    wait_for_heading(page, "Mentee survey: at the start")
    career = page.get_by_role("group", name="I feel confident about the next steps in my career.")
    pick(page, career, career.get_by_label("4", exact=True))
    wellbeing = page.get_by_role("group", name="How would you rate your wellbeing at work")
    pick(page, wellbeing, wellbeing.get_by_label("5 – Very good"))
    tick(page, page.get_by_label("Exams"))
    activate(page, page.get_by_role("button", name="Send my answers"))
    wait_for_heading(page, "Thank you")
    answers = {a.question.code: a for a in Response.objects.get().answers.all()}
    assert answers["confidence-career"].number == 4
    assert answers["wellbeing-overall"].number == 5
    assert answers["baseline-hopes"].choices == ["Exams"]


def test_an_organiser_runs_and_approves_a_matching_round_with_the_keyboard(
    phone,
    live_server,
    scheme,
    organiser,
    cohort,  # noqa: F811
):
    page = phone
    log_in_by_keyboard(page, organiser.email)
    open_menu_item(page, "Run schemes")
    activate(page, page.get_by_role("link", name=scheme.name))
    activate(page, page.get_by_role("link", name="Matching"))
    wait_for_heading(page, f"{scheme.name}: matching")
    activate(page, page.get_by_role("button", name="Start a matching round"))
    wait_for_text(page, "Solved: 3 of 3 mentees have a proposed mentor.")
    activate(page, page.get_by_role("button", name="Approve 3 pairs and introduce them"))
    wait_for_text(page, "This will create 3 pairs and send 6 introduction emails")
    activate(page, page.get_by_role("button", name="Yes, create 3 pairs and send the emails"))
    wait_for_text(page, "Approved: 3 pairs created.")
    assert Pair.objects.filter(mentee_enrolment__scheme=scheme).count() == 3


def test_a_mentor_records_training_with_the_keyboard(
    phone, live_server, scheme, mentor, mentor_enrolment
):
    page = phone
    log_in_by_keyboard(page, mentor.email)
    open_menu_item(page, "Training & supervision")
    wait_for_heading(page, "Training & supervision")
    activate(
        page, page.get_by_role("link", name=f"Record training you have done for {scheme.name}")
    )
    choose(page, page.get_by_label("What kind of training was it?"), "formal_internal")
    type_into(page, page.get_by_label("Course or session title"), "Mentoring skills")
    type_into(page, page.get_by_label("Who ran it?"), "SLaM education centre")
    type_date(page, page.get_by_label("Date completed"), timezone.localdate() - timedelta(days=14))
    type_into(page, page.get_by_label("Hours of training"), "6")
    activate(page, page.get_by_role("button", name="Save training record"))
    wait_for_text(page, "“Mentoring skills” is recorded")
    record = TrainingRecord.objects.get()
    assert (record.kind, record.title, record.hours) == ("formal_internal", "Mentoring skills", 6)


def test_a_supervisor_records_attendance_with_the_keyboard(
    phone, live_server, scheme, supervisor, mentor_enrolment
):
    assign(supervisor, mentor_enrolment)
    session = session_with(
        supervisor, [mentor_enrolment], starts_at=timezone.now() - timedelta(hours=2)
    )
    page = phone
    log_in_by_keyboard(page, supervisor.email)
    open_menu_item(page, "Supervising")
    wait_for_heading(page, "Supervising")
    activate(page, page.get_by_role("main").get_by_role("link", name=re.compile(" on ")).first)
    page.get_by_role("heading", name="Attendance").wait_for()
    attended = page.locator(f"input[name=mentor_{mentor_enrolment.pk}][value=attended]")
    pick(page, page.get_by_role("group", name=mentor_enrolment.user.get_full_name()), attended)
    type_into(page, page.get_by_label("Your notes"), "A good first session.")
    activate(page, page.get_by_role("button", name="Save attendance and notes"))
    wait_for_text(page, "Attendance is saved.")
    assert session.attendances.get().status == "attended"
    assert SupervisionSession.objects.get().supervisor_notes == "A good first session."


def test_a_dme_filters_the_dashboard_and_downloads_the_figures_with_the_keyboard(
    phone, live_server
):
    call_command("load_demo", verbosity=0)
    page = phone
    log_in_by_keyboard(page, "dme@example.nhs.uk", "mentoring-demo-2026")
    open_menu_item(page, "Dashboards")
    wait_for_heading(page, "Peer mentoring at SLaM")
    choose(page, page.get_by_label("Grade", exact=True), "CT1")
    activate(page, page.get_by_role("button", name="Show figures"))
    page.wait_for_url("**grade=CT1**")
    tab_to(page, page.get_by_role("link", name="Figures as CSV"))
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename.endswith(".csv")
    assert "grade=CT1" in download.value.url


def test_a_regional_lead_opens_the_provision_report_with_the_keyboard(phone, live_server):
    call_command("load_demo", verbosity=0)
    page = phone
    log_in_by_keyboard(page, "lead@example.nhs.uk", "mentoring-demo-2026")
    open_menu_item(page, "Regional report")
    wait_for_heading(page, "Peer mentoring provision in South London")
    skip_to_main(page)
    tab_to(page, page.get_by_role("link", name="CSV"))
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename.endswith(".csv")


def test_a_trainee_downloads_their_own_data_with_the_keyboard(phone, live_server, mentee):
    page = phone
    log_in_by_keyboard(page, mentee.email)
    open_menu_item(page, "Profile")
    activate(page, page.get_by_role("link", name="Download your data or erase your account"))
    wait_for_heading(page, "Your data")
    tab_to(page, page.get_by_role("button", name="Download my data"))
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename.endswith(".zip")
    assert Path(download.value.path()).read_bytes()[:2] == b"PK"
