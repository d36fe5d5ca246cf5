"""An unchanged save changes nothing: every edit page, opened by its owner and sent untouched.

The pages come from the URL configuration through the access matrix (tests/test_access_matrix.py):
every GET page that shows someone who may open it a form to post is either an edit page, listed in
EDIT_PAGES with the person whose object it edits, or listed in NOT_EDIT_PAGES with the reason it is
not (it creates something, or acts). A new form page with no row fails the suite, as a URL with no
access-matrix entry does.

For each edit page the owner signs in to Chromium, opens the page, and presses its button without
touching a field. What the browser sends back must be what the page showed, so no stored value may
change and no error may appear. This is how a date field that the browser could not read (a
dd/mm/yyyy value in an `<input type="date">`) showed up: blank on screen, then saved as blank.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.access_world import CAST, url_args
from tests.access_world import world as world  # noqa: F401 (the fixture)
from tests.test_access_matrix import ACCESS, OK
from tests.test_fuzz_forms import BOOKKEEPING

from .conftest import PHONE, log_in, screenshot

# --- The table -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Edit:
    """Who owns what the page edits; the state the world is put in first; the button to press
    (the first whose name starts so) when the page has more than one form."""

    owner: str
    state: str = "as built"
    button: str | None = None


def _six_intake_windows(w):
    """The scheme recruits at intake: six windows, each with two dates the form must keep."""
    from schemes.models import IntakeWindow

    w.scheme.recruits_at_intake = True
    w.scheme.save(update_fields=["recruits_at_intake"])
    start = timezone.localdate().replace(day=1)
    for number in range(6):
        opens_on = start + timedelta(days=61 * number)
        IntakeWindow.objects.create(
            scheme=w.scheme,
            label=f"Rotation {number + 1}",
            opens_on=opens_on,
            closes_on=opens_on + timedelta(weeks=8),
        )


def _open_to_a_partner_trust(w):
    """The scheme is run for several trusts: the other trust of the region is its partner, so
    the page shows that box ticked and an untouched save must keep it."""
    w.scheme.partner_organisations.add(w.other_scheme.organisation)


def _saved_matching_settings(w):
    """Settings an organiser saved before (until then the page shows the defaults, unsaved)."""
    from matching.models import MatchingSettings

    settings = MatchingSettings.for_scheme(w.scheme)
    settings.weight_site = 4
    settings.save()


def _saved_recognition_criteria(w):
    from supervision.models import RecognitionCriteria

    RecognitionCriteria.objects.update_or_create(
        scheme=w.scheme, defaults={"min_meetings_logged": 4}
    )


def _session_held_and_recorded(w):
    """The session happened yesterday and the supervisor recorded who came."""
    from supervision.models import SessionAttendance
    from supervision.services import supervision_attendance_record

    w.session.starts_at = timezone.now() - timedelta(days=1)
    w.session.save(update_fields=["starts_at"])
    supervision_attendance_record(
        session=w.session,
        statuses={
            attendance.mentor_enrolment_id: SessionAttendance.Status.ATTENDED
            for attendance in w.session.attendances.all()
        },
    )


def _event_held_and_recorded(w):
    """The training event happened yesterday and the organiser recorded who came."""
    from supervision.services import training_event_attendance_record

    w.event.starts_at = timezone.now() - timedelta(days=1)
    w.event.save(update_fields=["starts_at"])
    training_event_attendance_record(
        event=w.event,
        attended_enrolment_ids=[w.mentor_enrolment.pk],
        recorded_by=w.people["organiser"],
    )


def _agreement_confirmed_by_both(w):
    """Saving the agreement is its writer's confirmation; here both have confirmed it."""
    from meetings.models import MentoringAgreement

    now = timezone.now()
    MentoringAgreement.objects.filter(pair=w.pair).update(
        mentee_confirmed_at=now, mentor_confirmed_at=now
    )


def _scheme_interest_recorded(w):
    """The trust's DME recorded its interest in a scheme, with a note, some time ago."""
    from schemes.models import Organisation

    Organisation.objects.filter(pk=w.organisation.pk).update(
        scheme_interest="interested",
        scheme_interest_note="Looking for a consultant lead",
        scheme_interest_recorded_on=date(2026, 3, 2),
    )


# URL name → the edits to try there. Owners are members of the access world's cast.
EDIT_PAGES = {
    # The mentor: their training start date decides whether they may take mentees.
    "accounts:profile": [Edit("mentor"), Edit("mentee")],
    "accounts:email-settings": [Edit("mentee")],
    "schemes:edit": [
        Edit("organiser", "six intake windows"),
        Edit("organiser", "open to a partner trust"),
    ],
    "schemes:scheme-interest": [Edit("dme"), Edit("dme", "recorded before")],
    "matching:settings": [Edit("organiser", "saved before")],
    "meetings:agreement": [Edit("mentee", "confirmed by both")],
    "meetings:goal-edit": [Edit("mentee")],
    "meetings:meeting-detail": [Edit("mentee")],  # their private note on the meeting
    "meetings:planned-edit": [Edit("mentor")],
    "supervision:session": [Edit("supervisor"), Edit("supervisor", "held and recorded")],
    "supervision:session-change": [Edit("supervisor", button="Save and tell the mentors")],
    "supervision:event-change": [Edit("organiser", button="Save the changes")],
    "supervision:event": [Edit("organiser", "held and recorded")],
    "supervision:recognition": [Edit("organiser", "saved before", button="Save criteria")],
    "surveys:scheme": [Edit("organiser", button="Save")],  # the first entry of the schedule
}

STATES = {
    ("schemes:edit", "six intake windows"): _six_intake_windows,
    ("schemes:edit", "open to a partner trust"): _open_to_a_partner_trust,
    ("schemes:scheme-interest", "recorded before"): _scheme_interest_recorded,
    ("matching:settings", "saved before"): _saved_matching_settings,
    ("meetings:agreement", "confirmed by both"): _agreement_confirmed_by_both,
    ("supervision:recognition", "saved before"): _saved_recognition_criteria,
    ("supervision:session", "held and recorded"): _session_held_and_recorded,
    ("supervision:event", "held and recorded"): _event_held_and_recorded,
}

# Pages with a form that is not an edit of something stored, and why.
NOT_EDIT_PAGES = {
    "accounts:sign-up": "creates an account",
    "matching:pair-by-hand-confirm": "creates a pair",
    "meetings:scheme-message-new": "writes a new message to the scheme",
    "accounts:login": "signs in",
    "accounts:password-reset": "sends a reset link",
    "accounts:resend-confirmation": "sends a confirmation link",
    "accounts:password-change": "a password is typed afresh each time, never shown",
    "accounts:two-step-setup": "pairs an authenticator app",
    "accounts:two-step-verify": "checks a code",
    "accounts:erase": "closes the account",
    "schemes:join-mentee": "creates an enrolment",
    "schemes:join-mentor": "creates an enrolment",
    "schemes:withdraw": "ends an enrolment",
    "schemes:create": "creates a scheme",
    "schemes:people": "appoints someone",
    "schemes:handover": "appoints a successor and steps down",
    "schemes:organiser-appoint": "appoints an organiser",
    "schemes:enrolments": "adds an enrolment",
    "schemes:referral-create": "creates a referral",
    "schemes:cohort-upload": "uploads a file",
    "schemes:invite": "sends invitations",
    "schemes:trainee-list-upload": "uploads a file",
    "matching:suggestions": "a mentee's ranking is a new choice, sent once",
    "meetings:goal-add": "creates a goal",
    "meetings:meeting-log": "logs a new meeting",
    "meetings:plan": "plans a new meeting",
    "meetings:pair-end": "ends the pair",
    "supervision:training-add": "adds a training record",
    "supervision:session-schedule": "schedules a new session",
    "supervision:event-create": "creates an event",
    "supervision:scheme": "assigns a supervisor, or rejects a record",
    "supervision:records": "rejects a record",
    "surveys:answer": "answers a survey once",
    "surveys:template-adapt": "copies the template into a new version; the source is never edited",
    "reports:outcomes-upload": "uploads a file",
}


# --- Finding the form pages ----------------------------------------------------------------

POST_FORM = re.compile(r"<form\b[^>]*\bmethod=\"post\"[^>]*>(.*?)</form>", re.S | re.I)
FIELD = re.compile(r"<(?:input|select|textarea)\b([^>]*)>", re.I)
NOT_A_FIELD = re.compile(r'type="(?:hidden|submit|button)"', re.I)


def shows_a_form(html):
    """Whether the page's main content has a POST form with a field a person fills in."""
    main = html.split("<main", 1)[-1]
    return any(
        not NOT_A_FIELD.search(attributes)
        for body in POST_FORM.findall(main)
        for attributes in FIELD.findall(body)
    )


def form_pages(world):  # noqa: F811
    """The GET pages on which someone who may open them is shown a form to post."""
    found = set()
    for name, (method, expected) in sorted(ACCESS.items()):
        if method != "GET":
            continue
        url = reverse(name, args=url_args(name, world))
        for member in (member for member in CAST if expected[member] == OK):
            client = Client()
            if world.people[member] is not None:
                client.force_login(world.people[member])
            response = client.get(url)
            if response.status_code != 200 or response.streaming:
                continue
            if response["Content-Type"].startswith("text/html") and shows_a_form(
                response.content.decode()
            ):
                found.add(name)
                break
    return found


@pytest.mark.django_db
def test_every_page_with_a_form_is_an_edit_page_or_says_why_not(world):  # noqa: F811
    found = form_pages(world)
    assert {"accounts:profile", "schemes:edit", "accounts:sign-up"} <= found, (
        "the discovery is broken"
    )
    missing = found - EDIT_PAGES.keys() - NOT_EDIT_PAGES.keys()
    assert not missing, (
        f"pages with a form and no row: {sorted(missing)}. Add each to EDIT_PAGES (with its "
        "owner) or NOT_EDIT_PAGES (with the reason) in tests/browser/test_unchanged_save.py."
    )
    both = EDIT_PAGES.keys() & NOT_EDIT_PAGES.keys()
    assert not both, f"listed as an edit page and not: {both}"
    stale = (EDIT_PAGES.keys() | NOT_EDIT_PAGES.keys()) - ACCESS.keys()
    assert not stale, f"these URL names no longer exist: {stale}"


def test_the_discovery_tells_a_form_to_fill_from_a_button_alone():
    button_only = '<main><form method="post"><input type="hidden" name="csrfmiddlewaretoken">'
    button_only += '<button type="submit">Pause</button></form></main>'
    assert not shows_a_form(button_only)
    with_field = button_only.replace("<button", '<input type="date" name="on"><button')
    assert shows_a_form(with_field)
    outside_main = '<form method="post"><input name="q"></form><main></main>'
    assert not shows_a_form(outside_main)


# --- Sending the page untouched ------------------------------------------------------------

ERRORS = ".invalid-feedback, .errorlist, .alert-danger, [aria-invalid=true]"


def stored_values():
    """Every stored row but the bookkeeping (sessions, the audit trail, sign-in counting)."""
    values = {}
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label
        if label in BOOKKEEPING:
            continue
        rows = model._default_manager.order_by("pk").values()
        values[label] = {row["id"] if "id" in row else repr(row): row for row in rows}
    return values


def differences(before, after):
    changes = []
    for label in sorted(before.keys() | after.keys()):
        rows_before, rows_after = before.get(label, {}), after.get(label, {})
        for key in sorted(rows_before.keys() | rows_after.keys(), key=str):
            old, new = rows_before.get(key), rows_after.get(key)
            if old == new:
                continue
            if old is None or new is None:
                changes.append(f"{label} {key}: {'added' if old is None else 'deleted'}")
                continue
            changed = {field: (old[field], new[field]) for field in old if old[field] != new[field]}
            changes.append(f"{label} {key}: {changed}")
    return changes


def _cases():
    for name, edits in sorted(EDIT_PAGES.items()):
        for edit in edits:
            yield pytest.param(name, edit, id=f"{name}-{edit.owner}-{edit.state}".replace(" ", "_"))


def _submit_button(page, edit):
    if edit.button:
        name = re.compile(rf"^{re.escape(edit.button)}")
        return page.locator("main").get_by_role("button", name=name).first
    forms = page.locator("main form[method=post]").filter(
        has=page.locator("input:not([type=hidden]), select, textarea")
    )
    assert forms.count() == 1, (
        f"{page.url} has {forms.count()} forms: name the button to press in EDIT_PAGES"
    )
    return forms.locator("button[type=submit], input[type=submit]").last


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("name", "edit"), list(_cases()))
def test_an_unchanged_save_changes_nothing(name, edit, world, new_page):  # noqa: F811
    prepare = STATES.get((name, edit.state))
    assert prepare or edit.state == "as built", f"no way to put the world in {edit.state!r}"
    if prepare:
        prepare(world)
    page = new_page()
    log_in(page, world.people[edit.owner].email)
    page.goto(reverse(name, args=url_args(name, world)))
    button = _submit_button(page, edit)
    before = stored_values()
    mail.outbox.clear()

    with page.expect_navigation():
        button.click()

    shown = page.locator(ERRORS)
    assert shown.count() == 0, (
        f"{name}: an untouched form came back with: {shown.all_inner_texts()}"
    )
    changed = differences(before, stored_values())
    assert not changed, f"{name}: saving it untouched changed stored values: {changed}"
    assert mail.outbox == [], f"{name}: saving it untouched sent {len(mail.outbox)} emails"


# --- Named defects -------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_trainee_who_saves_their_profile_keeps_their_training_start_date(world, new_page):  # noqa: F811
    """Issue #13, 1: the date field showed blank, and Save wiped the date."""
    mentor = world.people["mentor"]
    started = date(2019, 8, 7)
    type(mentor).objects.filter(pk=mentor.pk).update(training_started_on=started)
    for viewport in (None, PHONE):
        page = new_page(viewport) if viewport else new_page()
        log_in(page, mentor.email)
        page.goto(reverse("accounts:profile"))
        field = page.get_by_label("Date training started")
        assert field.input_value() == "2019-08-07"
        screenshot(page, "profile-untouched")
        page.get_by_role("button", name="Save profile").click()
        page.get_by_text("Your profile is saved").wait_for()
        mentor.refresh_from_db()
        assert mentor.training_started_on == started


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_organiser_changes_a_scheme_description_without_retyping_the_intake_dates(
    world,  # noqa: F811
    new_page,
):
    """Issue #13, 1: six blank intake windows, six "This field is required" at the bottom."""
    _six_intake_windows(world)
    for viewport in (None, PHONE):
        page = new_page(viewport) if viewport else new_page()
        log_in(page, world.people["organiser"].email)
        page.goto(reverse("schemes:edit", args=[world.scheme.slug]))
        page.get_by_label("Description").fill(f"Peer support, kept short ({viewport}).")
        page.get_by_role("button", name="Save").last.click()
        page.get_by_text("The scheme's settings are saved.").wait_for()
        screenshot(page, "scheme-settings-saved")
    world.scheme.refresh_from_db()
    assert world.scheme.description.startswith("Peer support, kept short")
    assert world.scheme.intake_windows.count() == 6


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_moving_a_meeting_without_changing_it_says_so_and_sends_nothing(world, new_page):  # noqa: F811
    """Issue #13, 13: "Move it" with nothing changed said an updated invitation was sent."""
    page = new_page()
    log_in(page, world.people["mentor"].email)
    page.goto(reverse("meetings:planned-edit", args=[world.pair.pk, world.planned.pk]))
    mail.outbox.clear()
    page.get_by_role("button", name="Move the meeting and send updates").click()
    page.get_by_text("Nothing changed, so no updated invitation was sent.").wait_for()
    screenshot(page, "move-meeting-nothing-changed")
    assert page.get_by_text("updated invitation, which replaces").count() == 0
    assert mail.outbox == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_scheme_settings_with_a_missing_date_say_so_at_the_top_and_link_to_it(world, new_page):  # noqa: F811
    """Issue #13, 1: the errors were at the bottom of a 3,700 px page, with nothing at the top."""
    _six_intake_windows(world)
    for viewport in (None, PHONE):
        page = new_page(viewport) if viewport else new_page()
        log_in(page, world.people["organiser"].email)
        page.goto(reverse("schemes:edit", args=[world.scheme.slug]))
        page.locator("#id_windows-5-closes_on").fill("")
        page.get_by_role("button", name="Save").last.click()

        summary = page.get_by_role("alert").filter(has_text="Please check what you entered")
        summary.wait_for()
        box = summary.bounding_box()
        assert box["y"] < page.viewport_size["height"], "the summary is not on the first screen"
        screenshot(page, "scheme-settings-error-summary")
        summary.get_by_role(
            "link", name="Intake window 6, Closes on: This field is required."
        ).click()
        assert page.evaluate("document.activeElement.id") == "id_windows-5-closes_on"
    assert world.scheme.intake_windows.filter(closes_on__isnull=True).count() == 0
