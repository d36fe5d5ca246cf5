"""The access matrix: every URL name, every member of the cast, one stated outcome each.

The URL names come from the URL configuration itself, so a new URL without an entry in ACCESS
fails the suite. For each name the test signs in as each member of the cast (tests/access_world.py)
and checks the outcome:

- "ok": 200, or a redirect somewhere other than the login page (the view let them in);
- "login": a redirect to the login page with ?next= (anonymous visitors);
- 403: related to the scheme but without the role; 404: an outsider, who must not learn the
  object exists; 405: the view refuses the method; 400: let in, the empty form refused.

A page (GET row) is checked with GET. A POST-only view (POST row) is checked twice: a GET gets 405
for everyone signed in, and an empty POST (CSRF not enforced here) gets the row's outcome, which
is how its access check is reached. Every request runs in a savepoint that is rolled back, so no
member's request changes what the next one finds.

On every page a member may open, text they must never see is looked for (meeting content, private
notes, the referral's reason, a supervisor's notes). And every URL refuses a POST without a CSRF
token, signed in as a member who may use it.
"""

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from tests.access_world import (
    AGREEMENT,
    CAST,
    GOAL,
    MENTEE_NOTE,
    MENTOR_NOTE,
    REFERRAL_REASON,
    SUMMARY,
    SUPERVISOR_NOTES,
    url_args,
    world,  # noqa: F401 (the fixture)
)

pytestmark = pytest.mark.django_db

OK, LOGIN = "ok", "login"
OUTCOMES = {OK, LOGIN, 400, 403, 404, 405}


# --- The table -----------------------------------------------------------------------------


def cells(default, **given):
    """One outcome per member: `given` ones, anonymous "login" unless given, else `default`.

    The site admin (a superuser appointed to nothing) is a stranger to every scheme, pair and
    report: roles come from appointment only. Unless given, it gets what the DME of another trust
    gets (404 on this trust's pages); the index pages that list what a role oversees say 403.
    """
    unknown = set(given) - set(CAST)
    assert not unknown, f"not in the cast: {unknown}"
    given.setdefault("anonymous", LOGIN)
    given.setdefault("superuser", given.get("other_dme", default))
    return {member: given.get(member, default) for member in CAST}


def _row(method, default, given):
    """`default` is an outcome, or a shape below that `given` adjusts."""
    if isinstance(default, dict):
        return (method, {**default, **given})
    return (method, cells(default, **given))


def get(default, **given):
    """A page: checked with GET."""
    return _row("GET", default, given)


def post(default, **given):
    """A POST-only view: GET is 405 once signed in; an empty POST gets these outcomes."""
    return _row("POST", default, given)


# Common shapes, each a deliberate rule of the product.
PUBLIC = cells(OK, anonymous=OK)  # no login: token links, sign-in, the public verify page
SIGNED_IN = cells(OK)  # the user's own pages; show only what is theirs
# The scheme's organisers; related people 403, the other trust 404.
ORGANISE = cells(403, organiser=OK, other_organiser=404, other_dme=404)
# Inside the pair: its two members; the scheme's organisers 403, because they know the pair
# exists; everyone else 404, supervisors, DMEs and the site admin too.
PAIR = cells(404, mentee=OK, mentor=OK, organiser=403)
# Supervision sessions: the supervisor alone may change one or read its notes.
SUPERVISE = cells(403, supervisor=OK, other_organiser=404, other_dme=404)
REGION = cells(403, regional_lead=OK)
# A trust's outcomes: its DME; the regional lead may read; its people 403; other trusts 404.
OUTCOMES_READ = cells(403, dme=OK, regional_lead=OK, other_organiser=404, other_dme=404)
OUTCOMES_IMPORT = {**OUTCOMES_READ, "regional_lead": 403}
# A trust's trainee list (names, GMC numbers): its DME and its schemes' organisers; its people
# and the regional lead 403; other trusts 404.
TRAINEES = cells(403, dme=OK, organiser=OK, other_organiser=404, other_dme=404)


ACCESS = {
    # Public pages and links sent by email (the token is the key; no login).
    "home": get(PUBLIC),
    "favicon": get(PUBLIC),  # a permanent redirect to the static icon
    "health-live": get(PUBLIC),  # the load balancer's checks: no login, no data
    "health-ready": get(PUBLIC),
    "accounts:sign-up": get(PUBLIC),  # signed in: redirected to My mentoring
    "accounts:sign-up-done": get(PUBLIC),
    "accounts:confirm-email": get(PUBLIC),
    "accounts:resend-confirmation": get(PUBLIC),
    "accounts:login": get(PUBLIC),  # signed in: redirected to My mentoring
    "accounts:logout": post(PUBLIC),  # POST only (Django's LogoutView): GET is 405 for everyone
    "accounts:signed-out": get(PUBLIC),  # once, after signing out of a provider sign-in
    # Sign-in with an NHS identity: off here, so no provider is found; the callback without a
    # state it sent sends everyone back to the login page.
    "accounts:sign-in": get(cells(404, anonymous=404)),
    "accounts:sign-in-callback": get(PUBLIC),
    "accounts:password-reset": get(PUBLIC),
    "accounts:password-reset-done": get(PUBLIC),
    "accounts:password-reset-confirm": get(PUBLIC),
    "accounts:password-reset-complete": get(PUBLIC),
    "schemes:opt-out": get(PUBLIC),
    "surveys:answer": get(PUBLIC),
    "supervision:verify": get(PUBLIC),
    # Everyone's own pages.
    "accounts:password-change": get(SIGNED_IN),
    "accounts:password-change-done": get(SIGNED_IN),
    "accounts:two-step-setup": get(SIGNED_IN),
    "accounts:two-step-verify": get(SIGNED_IN),
    "accounts:two-step-setup-link-send": post(SIGNED_IN),  # staff without a device are sent one
    "accounts:two-step-setup-link": get(cells(400)),  # the emailed link: without a token, refused
    "accounts:two-step-backup-codes": post(SIGNED_IN),
    "accounts:profile": get(SIGNED_IN),
    "accounts:my-data": get(SIGNED_IN),
    "accounts:my-data-download": post(SIGNED_IN),
    "accounts:erase": get(SIGNED_IN),
    "accounts:my-mentoring": get(SIGNED_IN),
    "accounts:email-settings": get(SIGNED_IN),
    "schemes:list": get(SIGNED_IN),
    "meetings:my-pairs": get(SIGNED_IN),
    "supervision:mine": get(SIGNED_IN),  # a non-mentor sees an empty page
    "supervision:supervising": get(SIGNED_IN),  # a non-supervisor sees an empty page
    # Schemes: trainees.
    "schemes:detail": get(OK, other_organiser=404, other_dme=404),
    # Let in by schemes.access (related), then the eligibility rules answer: the mentee and the
    # other trainee are already mentees, the mentor already a mentor, consultants and people
    # without a trust are not trainees; the organiser (an ST6 of the trust) may join.
    "schemes:join-mentee": get(403, organiser=OK, other_organiser=404, other_dme=404),
    "schemes:join-mentor": get(403, organiser=OK, other_organiser=404, other_dme=404),
    "schemes:withdraw": get(404, mentee=OK),  # the mentee's own enrolment
    # Schemes: staff.
    "schemes:manage": get(
        403,
        organiser=OK,
        other_organiser=OK,
        dme=OK,
        other_dme=OK,
        regional_lead=OK,
        superuser=403,
    ),  # each sees the schemes they oversee
    "schemes:create": get(403, dme=OK, other_dme=OK, superuser=403),  # for their own trust
    "schemes:edit": get(ORGANISE),
    "schemes:people": get(ORGANISE),
    "schemes:rotation-windows": get(ORGANISE),
    "schemes:handover": get(ORGANISE),
    # The trust's DME appoints an organiser (a scheme whose last one left); organisers use
    # the people page.
    "schemes:organiser-appoint": get(403, dme=OK, other_organiser=404, other_dme=404),
    # Whether a trust would like a scheme: its DME and the region's lead record it
    # (schemes.access.organisation_for "oversee": another trust's DME 404, anyone else 403).
    "schemes:scheme-interest": get(403, dme=OK, regional_lead=OK, other_dme=404, superuser=403),
    "schemes:enrolments": get(ORGANISE),
    "schemes:enrolment-add": post(ORGANISE),
    "schemes:enrolment-status": post(ORGANISE),
    "schemes:referral-create": get(ORGANISE, dme=OK),  # the trust's DME may refer
    # The reason: the referred trainee and the scheme's organisers; nobody else learns the
    # referral exists (the DME who referred included, and the trainee's mentor above all).
    "schemes:referral-detail": get(404, mentee=OK, organiser=OK),
    "schemes:cohort-upload": get(ORGANISE),
    "schemes:cohort-preview": get(ORGANISE),
    "schemes:cohort-from-list": post(ORGANISE),
    "schemes:invite": get(ORGANISE),
    "schemes:cohort-confirm": post(ORGANISE),
    "schemes:trainee-list": get(TRAINEES),
    "schemes:trainee-list-upload": get(TRAINEES),
    "schemes:trainee-list-preview": get(TRAINEES),
    "schemes:trainee-list-confirm": post(TRAINEES),
    # Matching: organisers run rounds.
    "matching:scheme": get(ORGANISE),
    "matching:settings": get(ORGANISE),
    "matching:round-start": post(ORGANISE),
    "matching:round-detail": get(ORGANISE),
    "matching:round-progress": get(ORGANISE),
    "matching:round-change": post(ORGANISE),
    "matching:round-allow": post(ORGANISE),
    "matching:round-swap": post(ORGANISE),
    "matching:round-approve": post(ORGANISE),
    "matching:round-discard": post(ORGANISE),
    "matching:pair-by-hand": get(ORGANISE),
    "matching:pair-by-hand-confirm": get(ORGANISE),  # an empty POST: the form asks for reasons
    # Matching: a trainee's own enrolment, or a request made to them; anyone else's is a 404.
    "matching:suggestions": get(404, mentee=OK),
    "matching:choices-withdraw": post(404, mentee=OK),
    "matching:availability": post(404, mentor=OK),
    "matching:request-answer": post(404, mentor=OK),
    # Meetings: the pair's confidential space.
    "meetings:pair-detail": get(PAIR),
    "meetings:agreement": get(PAIR),
    "meetings:agreement-confirm": post(PAIR),
    "meetings:goal-add": get(PAIR),
    "meetings:goal-edit": get(PAIR),
    "meetings:meeting-log": get(PAIR),
    "meetings:meeting-detail": get(PAIR),  # each member sees their own private note only
    "meetings:meeting-confirm": post(PAIR),
    "meetings:private-note": post(PAIR),
    "meetings:plan": get(PAIR),
    "meetings:planned-edit": get(PAIR),
    "meetings:planned-cancel": post(PAIR),
    "meetings:planned-ics": get(PAIR),
    "meetings:pair-pause": post(PAIR),
    "meetings:pair-resume": post(PAIR),
    "meetings:pair-end": get(PAIR),
    "meetings:mentee-next-step": post(PAIR),
    # The metadata page: the members (to see what organisers see) and the organisers.
    "meetings:pair-overview": get(404, mentee=OK, mentor=OK, organiser=OK),
    "meetings:organiser-pairs": get(ORGANISE),
    "meetings:scheme-messages": get(ORGANISE),
    "meetings:scheme-message-new": get(ORGANISE),
    "meetings:scheme-message-send": post(ORGANISE, organiser=400),  # empty form: 400
    # Surveys: organisers; aggregates for the DME and the regional lead.
    "surveys:results-index": get(
        403,
        organiser=OK,
        other_organiser=OK,
        dme=OK,
        other_dme=OK,
        regional_lead=OK,
        superuser=403,
    ),  # each sees what they may open
    "surveys:scheme": get(ORGANISE),
    "surveys:schedule-add": post(ORGANISE, organiser=400),  # empty form: 400
    "surveys:schedule-update": post(ORGANISE, organiser=400),
    "surveys:template-detail": get(ORGANISE),
    "surveys:template-adapt": get(ORGANISE),
    "surveys:scheme-results": get(ORGANISE),
    # The trust's aggregate: its DME and the regional lead; its own people 403, others 404.
    "surveys:organisation-results": get(
        403, dme=OK, regional_lead=OK, other_organiser=404, other_dme=404
    ),
    # Supervision: a mentor's own enrolment.
    "supervision:training-add": get(404, mentor=OK),
    "supervision:certificate-issue": post(404, mentor=OK),
    # The mentor's evidence file and certificate: the mentor and the scheme's organisers, who
    # check the evidence to verify the record. Not the supervisor, not the DME.
    "supervision:evidence": get(403, mentor=OK, organiser=OK, other_organiser=404, other_dme=404),
    "supervision:certificate": get(
        403, mentor=OK, organiser=OK, other_organiser=404, other_dme=404
    ),
    # Events: the scheme's mentors book; organisers pass the event check but hold no booking
    # enrolment, so the booking itself is a 404 for them.
    "supervision:event-book": post(
        403, mentor=OK, organiser=404, other_organiser=404, other_dme=404
    ),
    "supervision:event-cancel": post(
        403, mentor=OK, organiser=404, other_organiser=404, other_dme=404
    ),
    # Sessions: the supervisor, the invited mentor and the organisers see the session (its
    # notes: the supervisor only, checked below); apologies need an invitation.
    "supervision:session": get(
        403,
        mentor=OK,
        organiser=OK,
        supervisor=OK,
        other_organiser=404,
        other_dme=404,
    ),
    "supervision:session-calendar": get(
        403,
        mentor=OK,
        organiser=OK,
        supervisor=OK,
        other_organiser=404,
        other_dme=404,
    ),
    "supervision:session-apologies": post(
        403,
        mentor=OK,
        organiser=404,
        supervisor=404,
        other_organiser=404,
        other_dme=404,
    ),
    "supervision:session-schedule": get(SUPERVISE),
    "supervision:session-attendance": post(SUPERVISE),
    "supervision:session-notes": post(SUPERVISE),
    # Moving, cancelling and choosing mentors: the supervisor and the scheme's organisers.
    "supervision:session-cancel": post(SUPERVISE, organiser=OK),
    "supervision:session-change": get(SUPERVISE, organiser=OK),
    "supervision:session-mentors": post(SUPERVISE, organiser=OK),
    # Supervision: organisers.
    "supervision:scheme": get(ORGANISE),
    "supervision:records": get(ORGANISE),
    "supervision:record-verify": post(ORGANISE),
    "supervision:record-reject": post(ORGANISE),
    "supervision:event-create": get(ORGANISE),
    "supervision:event": get(ORGANISE),
    "supervision:event-attendance": post(ORGANISE),
    "supervision:event-change": get(ORGANISE),
    "supervision:event-cancel-event": post(ORGANISE),
    "supervision:assignment-add": post(ORGANISE),
    "supervision:assignment-remove": post(ORGANISE),
    "supervision:flag-resolve": post(ORGANISE),
    "supervision:recognition": get(ORGANISE),
    "supervision:certificate-revoke": post(ORGANISE),
    # Reports: regional leads (the region holds both trusts).
    "reports:regions": get(REGION),
    "reports:provision": get(REGION),
    # Evaluation across schemes: the region's for its leads; a trust's for its DMEs and leads.
    "reports:evaluation": get(REGION),
    "reports:trust-evaluation": get(OUTCOMES_READ),
    # Dashboards: the scheme's organisers; the trust's DMEs and the region's leads.
    "reports:dashboards": get(
        403,
        organiser=OK,
        other_organiser=OK,
        dme=OK,
        other_dme=OK,
        regional_lead=OK,
        superuser=403,
    ),  # each sees the dashboards they may open
    "reports:scheme-dashboard": get(ORGANISE),
    "reports:organisation-dashboard": get(
        403, dme=OK, regional_lead=OK, other_dme=404, superuser=403
    ),
    "reports:provision-csv": get(REGION),
    "reports:provision-xlsx": get(REGION),
    "reports:research-extract-csv": get(REGION),
    "reports:research-extract-xlsx": get(REGION),
    # Objective outcomes: the trust's DME imports and reads; the regional lead reads only.
    "reports:outcomes-index": get(403, dme=OK, other_dme=OK, regional_lead=OK, superuser=403),
    "reports:outcomes": get(OUTCOMES_READ),
    "reports:outcomes-csv": get(OUTCOMES_READ),
    "reports:outcomes-xlsx": get(OUTCOMES_READ),
    "reports:outcomes-upload": get(OUTCOMES_IMPORT),
    "reports:outcomes-preview": get(OUTCOMES_IMPORT),
    "reports:outcomes-confirm": post(OUTCOMES_IMPORT),
    # A scheme's enrolment list: its organisers.
    "reports:enrolments-csv": get(ORGANISE),
    "reports:enrolments-xlsx": get(ORGANISE),
    # The organisation report, print-ready: its DME and the regional lead; other DMEs 404.
    "reports:organisation-print": get(403, dme=OK, regional_lead=OK, other_dme=404, superuser=403),
    # The dashboards' exports: exactly who may read the dashboard.
    "reports:scheme-dashboard-csv": get(ORGANISE),
    "reports:scheme-dashboard-xlsx": get(ORGANISE),
    "reports:organisation-dashboard-csv": get(
        403, dme=OK, regional_lead=OK, other_dme=404, superuser=403
    ),
    "reports:organisation-dashboard-xlsx": get(
        403, dme=OK, regional_lead=OK, other_dme=404, superuser=403
    ),
    # The survey results' exports: exactly who may read the results page (surveys.access).
    "reports:scheme-survey-results-csv": get(ORGANISE),
    "reports:scheme-survey-results-xlsx": get(ORGANISE),
    "reports:organisation-survey-results-csv": get(
        403, dme=OK, regional_lead=OK, other_organiser=404, other_dme=404
    ),
    "reports:organisation-survey-results-xlsx": get(
        403, dme=OK, regional_lead=OK, other_organiser=404, other_dme=404
    ),
}

# Known access bugs, each an xfail(strict=True) until fixed: {url name: reason}.
KNOWN_BUGS = {}

# Text each member may see; any other member finding it on a page they opened is a leak.
SECRETS = {
    SUMMARY: {"mentee", "mentor"},
    GOAL: {"mentee", "mentor"},
    AGREEMENT: {"mentee", "mentor"},
    MENTEE_NOTE: {"mentee"},
    MENTOR_NOTE: {"mentor"},
    REFERRAL_REASON: {"mentee", "organiser"},
    SUPERVISOR_NOTES: {"supervisor"},
}


# --- Finding the URL names -----------------------------------------------------------------


def _walk(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}"


def url_names():
    """Every named URL outside the admin, with its namespaces: "meetings:pair-detail"."""
    return sorted(set(_walk(get_resolver().url_patterns)))


def _params():
    for name in url_names():
        if name in KNOWN_BUGS:
            yield pytest.param(
                name, marks=pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[name]), id=name
            )
        else:
            yield pytest.param(name, id=name)


# --- Asking --------------------------------------------------------------------------------


def classify(response):
    status = response.status_code
    if status in (301, 302, 303):
        target = urlsplit(response["Location"])
        if target.path == resolve_url(settings.LOGIN_URL) and "next=" in target.query:
            return LOGIN
        return OK
    if status == 200:
        return OK
    return status


def _client(person, **kwargs):
    client = Client(**kwargs)
    if person is not None:
        client.force_login(person)
    return client


def _ask(client, method, url):
    """One request in a savepoint that is rolled back: the next member finds the same world."""
    with transaction.atomic():
        response = getattr(client, method.lower())(url)
        # Reading a streamed body through the client's wrapper closes it the way the client
        # does. Never call response.close() here: it fires request_finished, which on
        # PostgreSQL closes the test's connection (it is not in autocommit mode).
        body = b"".join(response.streaming_content) if response.streaming else response.content
        transaction.set_rollback(True)
    return response, body


def _url(name, world):  # noqa: F811
    try:
        return reverse(name, args=url_args(name, world))
    except NoReverseMatch as error:
        pytest.fail(f"{name}: give it arguments in url_args() in tests/access_world.py ({error})")


def _leaks(member, body, content_type):
    if not content_type.startswith(("text/", "application/json")):
        return []
    text = body.decode(errors="replace")
    return [
        secret for secret, allowed in SECRETS.items() if member not in allowed and secret in text
    ]


# --- The tests -----------------------------------------------------------------------------


def test_every_url_name_has_an_entry():
    missing = [name for name in url_names() if name not in ACCESS]
    stale = sorted(set(ACCESS) - set(url_names()))
    assert not missing, (
        f"URL names with no access expectations: {', '.join(missing)}. "
        "Add an entry to ACCESS in tests/test_access_matrix.py."
    )
    assert not stale, f"ACCESS names URLs that no longer exist: {', '.join(stale)}."
    odd = {
        name: expected
        for name, (method, expected) in ACCESS.items()
        if method not in ("GET", "POST")
        or set(expected) != set(CAST)
        or not set(expected.values()) <= OUTCOMES
    }
    assert not odd, f"ACCESS rows need GET or POST and one outcome of {OUTCOMES} each: {odd}"


@pytest.mark.parametrize("name", list(_params()))
def test_access(name, world):  # noqa: F811
    if name not in ACCESS:
        pytest.fail(f"{name} has no entry: add an entry to ACCESS in tests/test_access_matrix.py.")
    method, expected = ACCESS[name]
    url = _url(name, world)
    mismatches, leaks = [], []
    for member in CAST:
        client = _client(world.people[member])
        if method == "POST":
            # A POST-only view: GET is refused (after the login check, where there is one).
            response, _ = _ask(client, "GET", url)
            wanted = LOGIN if expected[member] == LOGIN else 405
            if classify(response) != wanted:
                mismatches.append(f"{member}: GET expected {wanted}, got {classify(response)}")
        response, body = _ask(client, method, url)
        if classify(response) != expected[member]:
            mismatches.append(
                f"{member}: {method} expected {expected[member]}, got {classify(response)}"
            )
        if response.status_code == 200:
            found = _leaks(member, body, response.get("Content-Type", ""))
            leaks += [f"{member} sees {secret}" for secret in found]
    assert not mismatches, f"{url}: " + "; ".join(mismatches)
    assert not leaks, f"{url}: " + "; ".join(leaks)


def _member_who_may(name):
    _, expected = ACCESS[name]
    for member in CAST:
        if expected[member] == OK and member != "anonymous":
            return member
    return "mentee"


def test_every_url_refuses_a_post_without_a_csrf_token(world):  # noqa: F811
    """Every URL, POST endpoints and pages alike, as a member who may use it: 403, no token."""
    accepted = {}
    for name in url_names():
        if name not in ACCESS:
            continue  # reported by test_every_url_name_has_an_entry
        member = _member_who_may(name)
        client = _client(world.people[member], enforce_csrf_checks=True)
        response, body = _ask(client, "POST", _url(name, world))
        if response.status_code != 403 or b"CSRF" not in body:
            accepted[name] = f"{member}: {response.status_code}"
    assert not accepted, f"POSTs accepted without a CSRF token: {accepted}"
