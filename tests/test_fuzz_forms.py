"""Hostile input on every form: no 500, nothing shown back unescaped, nothing half-saved.

Each form is found by GETting its page and reading the names of its fields; Hypothesis then fills
every field with hostile text (empty, very long, NUL, right-to-left, HTML and script, far dates).
"""

import re

import pytest
from django.apps import apps
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

MARKER = "<script>alert('pwned')</script>"
HOSTILE = st.one_of(
    st.just(""),
    st.just("x" * 10_000),
    st.just("nul\x00byte"),
    st.just("\u202eevil right-to-left\u202c"),
    st.just(MARKER),
    st.just('"><img src=x onerror=alert(1)>'),
    st.just("0001-01-01"),
    st.just("9999-12-31"),
    st.just("-1"),
    st.just("1e309"),
    st.text(max_size=200),
)

FIELD = re.compile(r'<(?:input|select|textarea)[^>]*\sname="([^"]+)"', re.I)
SKIP_FIELDS = {"csrfmiddlewaretoken"}


# Rows a rejected form may rightly add: the audit trail, lockout counting, the session.
BOOKKEEPING = {
    "accounts.AuditEvent",
    "axes.AccessAttempt",
    "axes.AccessFailureLog",
    "axes.AccessLog",
    "sessions.Session",
}


def form_fields(html):
    return sorted({name for name in FIELD.findall(html) if name not in SKIP_FIELDS})


def row_counts():
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


# (url name, how to get the URL's arguments from the cast, who is signed in).
FORMS = [
    ("accounts:sign-up", None, None),
    ("accounts:login", None, None),
    ("accounts:resend-confirmation", None, None),
    ("accounts:password-reset", None, None),
    ("accounts:profile", None, "mentee"),
    ("accounts:password-change", None, "mentee"),
    ("accounts:erase", None, "mentee"),
    ("schemes:join-mentee", "scheme", "other_trainee_unenrolled"),
    ("schemes:join-mentor", "scheme", "senior_trainee"),
    ("schemes:edit", "scheme", "organiser"),
    ("schemes:people", "scheme", "organiser"),
    ("schemes:referral-create", "referring_scheme", "organiser"),
    ("matching:settings", "scheme", "organiser"),
    ("meetings:agreement", "pair", "mentee"),
    ("meetings:goal-add", "pair", "mentee"),
    ("meetings:meeting-log", "pair", "mentee"),
    ("meetings:plan", "pair", "mentor"),
    ("meetings:pair-end", "pair", "mentee"),
    ("supervision:training-add", "mentor_enrolment", "mentor"),
    ("supervision:session-schedule", "scheme", "assigned_supervisor"),
]


def url_args(request, arg):
    if arg is None:
        return []
    value = request.getfixturevalue(arg)
    return [value.slug] if hasattr(value, "slug") else [value.pk]


@pytest.fixture
def assigned_supervisor(supervisor, mentor_enrolment):
    from supervision.models import SupervisorAssignment

    SupervisorAssignment.objects.create(
        scheme=mentor_enrolment.scheme, supervisor=supervisor, mentor_enrolment=mentor_enrolment
    )
    return supervisor


@pytest.fixture
def other_trainee_unenrolled(organisation):
    from schemes.tests.factories import MemberFactory

    return MemberFactory(organisation=organisation, grade="CT1")


@pytest.fixture
def senior_trainee(organisation):
    from schemes.tests.factories import MemberFactory

    return MemberFactory(organisation=organisation, grade="ST5")


@pytest.fixture
def referring_scheme(scheme):
    scheme.accepts_referrals = True
    scheme.save()
    return scheme


@pytest.mark.django_db
@pytest.mark.parametrize(("url_name", "arg", "who"), FORMS, ids=[row[0] for row in FORMS])
def test_hostile_input_never_breaks_a_form(client, request, url_name, arg, who):
    if who:
        client.force_login(request.getfixturevalue(who))
    url = reverse(url_name, args=url_args(request, arg))
    page = client.get(url)
    assert page.status_code == 200, f"{url} did not render for {who}"
    fields = form_fields(page.content.decode())
    assert fields, f"no form fields found on {url}"

    send_hostile_input(client, url, fields, examples=10)


def send_hostile_input(client, url, fields, *, method="post", examples=10):
    """Send `examples` sets of hostile values for `fields` to `url`: never a 500, never the
    input shown back unescaped, and when a POST comes back as the form again (status 200),
    nothing of it saved."""

    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        derandomize=True,
    )
    @given(values=st.fixed_dictionaries(dict.fromkeys(fields, HOSTILE)))
    def send(values):
        before = row_counts()
        response = client.get(url, values) if method == "get" else client.post(url, values)
        assert response.status_code < 500
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert MARKER not in body.decode(errors="replace"), f"{url} shows input back unescaped"
        if method == "post" and response.status_code == 200:
            # The form was shown again with errors: nothing of it may have been saved.
            after = row_counts()
            changed = {
                label: (count, after[label])
                for label, count in before.items()
                if after[label] != count and label not in BOOKKEEPING
            }
            assert changed == {}, f"{url} saved part of a rejected form: {changed}"

    send()
