"""The admin is no back door: the site admin runs the service and reads no content.

Content (meeting summaries and notes, goals, agreements, places, referral and withdrawal reasons,
survey answers, supervisors' notes...) is named on each model in `confidential_fields`. Walking
every registered ModelAdmin and its inlines, these tests fail when a content field is reachable
by any admin route: a form, a column, a read-only field, a search, a filter, an ordering, or a
lookup typed into the URL (`?summary__contains=rota`). Every free-text field of the project must
be classified, so that a new one cannot slip into the admin unnoticed. Then, over HTTP as a
superuser: the issue's four oracle URLs answer 400 whatever is searched for; the changelists,
change pages and searches of every admin show none of the world's content; every change is
audited. Finally, a superuser is organiser, DME or regional lead of nothing they were not
appointed to.
"""

import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.db import models
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.admin_base import (
    ProjectModelAdmin,
    confidential_fields,
    is_project_inline,
    reaches_confidential,
)
from accounts.models import AuditEvent
from tests.access_world import (
    AGREEMENT,
    GOAL,
    MENTEE_NOTE,
    MENTOR_NOTE,
    REFERRAL_REASON,
    SUMMARY,
    SUPERVISOR_NOTES,
    world,  # noqa: F401 (the fixture)
)

pytestmark = pytest.mark.django_db

PROJECT_APPS = ("accounts", "schemes", "matching", "meetings", "surveys", "supervision", "reports")

# Free-text fields of the project that are not content, each with the reason. A free-text field
# (text, long character field, JSON, file) that is in neither this list nor its model's
# confidential_fields fails test_every_free_text_field_is_classified.
NOT_CONTENT = {
    "accounts.User.email_opt_outs": "kinds of email a user turned off",
    "accounts.Notification.context": "ids of the objects a message is about",
    "accounts.Notification.last_error": "the mail server's error",
    "accounts.AuditEvent.details": "ids, filters and counts by design (accounts/audit.py)",
    "accounts.ProviderIdentity.issuer": "the sign-in provider's address",
    "accounts.ProviderIdentity.subject": "the provider's opaque identifier for the person",
    "schemes.Organisation.email_domains": "the trust's email domains",
    "schemes.Organisation.reported_difficulties": "the trust's own account of running schemes",
    "schemes.Organisation.scheme_interest_note": "the trust's plans for a scheme, not a person's",
    "schemes.Scheme.description": "the scheme's public description",
    "schemes.Scheme.eligible_grades": "scheme configuration",
    "schemes.Scheme.eligible_specialties": "scheme configuration",
    "schemes.Scheme.mentor_support": "scheme configuration",
    "schemes.CohortImport.file_name": "the name of the uploaded file",
    "schemes.TraineeListImport.file_name": "the name of the uploaded file",
    "matching.MatchingSettings.introduction_guidance": "the organisers' guidance to every pair",
    "matching.MatchRound.pinned": "enrolment ids",
    "matching.MatchRound.forbidden": "enrolment ids",
    "matching.MatchRound.removed": "enrolment ids",
    "matching.MatchRound.summary": "counts",
    "matching.MatchRound.solver_state": "mentor enrolment ids and the solver's prices",
    "matching.MatchRound.error": "the matching engine's error",
    "matching.Proposal.explanation": "the matching criteria's points",
    "matching.Proposal.unmatched_reason": "written by the matching engine",
    "matching.HandPairing.overridden_rules": "codes of matching rules",
    "matching.HandPairing.override_reason": "an organiser's reason for a staff decision",
    "matching.HandPairing.capacity_reason": "an organiser's reason for a staff decision",
    "matching.Proposal.excluded_by": "counts per matching rule",
    "matching.Pair.explanation": "the matching criteria's points",
    "matching.MentorChoice.explanation": "the matching criteria's points",
    "surveys.SurveyTemplate.introduction": "the survey's own wording",
    "surveys.Question.text": "the question's wording",
    "surveys.Question.help_text": "the question's wording",
    "surveys.Question.choices": "the question's options",
    "supervision.TrainingEvent.description": "the organisers' listing of a training event",
    "supervision.MentorFlag.session_ids": "session ids",
    "supervision.Certificate.holder_name": "printed on a certificate anyone can verify",
    "supervision.Certificate.activity": "figures printed on a certificate anyone can verify",
    "reports.OutcomeImport.file_name": "the name of the uploaded file",
    "meetings.SchemeMessage.body": "an organiser's message written to be sent to a whole group",
    "meetings.SchemeMessage.filters": "the grade, specialty and site a message was narrowed to",
}

# Ways a URL lookup could read a content field: a test per value, an oracle per letter.
ORACLE_LOOKUPS = ("", "__exact", "__contains", "__icontains", "__startswith", "__regex", "__gt")


def is_free_text(field):
    if isinstance(field, (models.TextField, models.JSONField, models.FileField)):
        return True
    return (
        isinstance(field, models.CharField)
        and not isinstance(field, models.EmailField)
        and (field.max_length or 0) > 200
        and not field.choices
    )


def confidential_paths(model, depth=2, prefix=""):
    """Every lookup path from `model` to a content field, following relations `depth` deep:
    "summary", "pair__meetings__summary", "mentee_enrolment__referral__reason"..."""
    for name in confidential_fields(model):
        yield prefix + name
    if depth == 0:
        return
    for field in model._meta.get_fields():
        if field.is_relation and field.related_model is not None:
            yield from confidential_paths(field.related_model, depth - 1, f"{prefix}{field.name}__")


def registered_admins():
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def admin_ids():
    return [model._meta.label for model, _ in registered_admins()]


@pytest.fixture
def admin_request(superuser):
    request = RequestFactory().get("/admin/")
    request.user = superuser
    return request


# --- Classification ------------------------------------------------------------------------


def test_every_free_text_field_is_classified():
    unclassified = []
    for app in PROJECT_APPS:
        for model in apps.get_app_config(app).get_models():
            for field in model._meta.concrete_fields:
                label = f"{model._meta.label}.{field.name}"
                if not is_free_text(field):
                    continue
                if field.name not in confidential_fields(model) and label not in NOT_CONTENT:
                    unclassified.append(label)
    assert unclassified == [], (
        "Classify these free-text fields: content goes in the model's confidential_fields, "
        f"anything else in NOT_CONTENT with the reason: {unclassified}"
    )


def test_confidential_fields_name_real_fields_and_the_allow_list_is_current():
    for app in PROJECT_APPS:
        for model in apps.get_app_config(app).get_models():
            names = {field.name for field in model._meta.get_fields()}
            assert confidential_fields(model) <= names, model._meta.label
    for label in NOT_CONTENT:
        app_model, name = label.rsplit(".", 1)
        apps.get_model(app_model)._meta.get_field(name)  # raises if gone


def test_the_content_the_issue_names_is_classified_as_content():
    expected = {
        "meetings.Meeting": {"summary", "topics"},
        "meetings.PrivateNote": {"text"},
        "meetings.Goal": {"title", "details"},
        "meetings.GoalProgress": {"note"},
        "meetings.MentoringAgreement": {"working_on", "meeting_frequency", "confidentiality"},
        "meetings.PlannedMeeting": {"place"},
        "schemes.Referral": {"reason"},
        "schemes.Enrolment": {"withdrawal_reason", "areas_other", "availability"},
        "surveys.Answer": {"text", "choices", "number"},
        "supervision.SupervisionSession": {"supervisor_notes"},
        "matching.Pair": {"end_note"},
    }
    for label, names in expected.items():
        assert names <= confidential_fields(apps.get_model(label)), label


# --- Every registered admin, walked -----------------------------------------------------------


def test_every_registered_admin_and_inline_is_built_on_the_project_base(admin_request):
    for model, model_admin in registered_admins():
        assert isinstance(model_admin, ProjectModelAdmin), model._meta.label
        for inline in model_admin.get_inline_instances(admin_request):
            assert is_project_inline(type(inline)), f"{model._meta.label}: {type(inline)}"


@pytest.mark.parametrize(("model", "model_admin"), registered_admins(), ids=admin_ids())
def test_no_content_field_in_any_list_search_filter_or_ordering(model, model_admin, admin_request):
    def reaching(names):
        names = [name[0] if isinstance(name, (list, tuple)) else name for name in names or ()]
        return [
            name for name in names if isinstance(name, str) and reaches_confidential(model, name)
        ]

    list_display = model_admin.get_list_display(admin_request)
    assert reaching(list_display) == []
    assert reaching(model_admin.get_list_display_links(admin_request, list_display)) == []
    assert reaching(model_admin.get_list_filter(admin_request)) == []
    assert reaching(model_admin.get_search_fields(admin_request)) == []
    assert reaching(model_admin.get_sortable_by(admin_request)) == []
    assert reaching(model_admin.get_ordering(admin_request)) == []
    assert reaching([model_admin.date_hierarchy]) == []


@pytest.mark.parametrize(("model", "model_admin"), registered_admins(), ids=admin_ids())
def test_no_content_field_in_any_form_or_read_only_field(
    model,
    model_admin,
    admin_request,
    world,  # noqa: F811
):
    obj = model.objects.first()
    for instance in {None, obj}:
        form = model_admin.get_form(admin_request, instance, change=instance is not None)
        assert confidential_fields(model).isdisjoint(form.base_fields)
        shown = flatten_fieldsets(model_admin.get_fieldsets(admin_request, instance))
        assert confidential_fields(model).isdisjoint(shown)
        readonly = model_admin.get_readonly_fields(admin_request, instance)
        assert confidential_fields(model).isdisjoint(readonly)
        for inline in model_admin.get_inline_instances(admin_request, instance):
            secret = confidential_fields(inline.model)
            formset = inline.get_formset(admin_request, instance)
            assert secret.isdisjoint(formset.form.base_fields), type(inline)
            assert secret.isdisjoint(
                flatten_fieldsets(inline.get_fieldsets(admin_request, instance))
            )
            assert secret.isdisjoint(inline.get_readonly_fields(admin_request, instance))


@pytest.mark.parametrize(("model", "model_admin"), registered_admins(), ids=admin_ids())
def test_no_url_lookup_reaches_a_content_field(model, model_admin, admin_request):
    accepted = [
        path + lookup
        for path in set(confidential_paths(model))
        for lookup in ORACLE_LOOKUPS
        if model_admin.lookup_allowed(path + lookup, "a", admin_request)
    ]
    assert accepted == []


@pytest.mark.parametrize(("model", "model_admin"), registered_admins(), ids=admin_ids())
def test_url_lookups_only_on_the_admins_own_filters(model, model_admin, admin_request):
    """Not only content: no field outside list_filter can be probed either (password hashes,
    emails), and what the admin's own filters write is still accepted."""
    filters = {
        item[0] if isinstance(item, (list, tuple)) else item
        for item in model_admin.get_list_filter(admin_request)
        if not isinstance(item, type)
    }
    for field in model._meta.concrete_fields:
        for lookup in ("__contains", "__startswith", "__regex"):
            assert not model_admin.lookup_allowed(field.name + lookup, "a", admin_request)
        if field.name not in filters:
            assert not model_admin.lookup_allowed(field.name, "a", admin_request)
    for path in filters:
        assert model_admin.lookup_allowed(f"{path}__exact", "a", admin_request)
        assert model_admin.lookup_allowed(f"{path}__isnull", "True", admin_request)


# --- Over HTTP, as the site admin ------------------------------------------------------------


@pytest.fixture
def rota_everywhere(pair):
    """The issue's data: content that mentions the rota, in each field it probed."""
    from meetings.tests.factories import AgreementFactory, MeetingFactory, PlannedMeetingFactory
    from schemes.tests.factories import EnrolmentFactory

    for _ in range(3):
        MeetingFactory(pair=pair, summary="We talked about the on-call rota and sleep.")
    AgreementFactory(pair=pair, working_on="Coping with the rota")
    PlannedMeetingFactory(pair=pair, place="Café by the rota office")
    EnrolmentFactory(
        scheme=pair.scheme,
        status="withdrawn",
        withdrawal_reason="The rota leaves me no time",
    )


ORACLES = [
    ("admin:meetings_meeting_changelist", "summary__contains"),
    ("admin:meetings_mentoringagreement_changelist", "working_on__contains"),
    ("admin:meetings_plannedmeeting_changelist", "place__contains"),
    ("admin:schemes_enrolment_changelist", "withdrawal_reason__regex"),
    ("admin:schemes_enrolment_changelist", "pairs_as_mentee__meetings__summary__contains"),
    ("admin:accounts_user_changelist", "enrolments__referral__reason__contains"),
    ("admin:accounts_user_changelist", "password__startswith"),
]


@pytest.mark.parametrize(("url_name", "lookup"), ORACLES)
def test_the_admin_url_is_no_search_oracle(client, superuser, rota_everywhere, url_name, lookup):
    client.force_login(superuser)
    url = reverse(url_name)
    hit = client.get(url, {lookup: "rota"})
    miss = client.get(url, {lookup: "zzzz"})
    assert hit.status_code == miss.status_code == 400
    assert _without_csrf_token(hit) == _without_csrf_token(miss)
    assert "a list can be filtered only by the filters shown beside it" in hit.content.decode()
    refused = AuditEvent.objects.filter(action="admin.lookup-refused")
    assert refused.count() == 2
    assert refused.first().details == {"parameters": [lookup]}
    assert "rota" not in str(list(refused.values()))


def _without_csrf_token(response):
    """The page, less the logout form's CSRF token (masked afresh on every response)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "", response.content.decode())


def test_the_admins_own_filters_still_work(client, superuser, rota_everywhere, pair):
    client.force_login(superuser)
    meetings = reverse("admin:meetings_meeting_changelist")
    response = client.get(
        meetings, {"pair__scheme__id__exact": pair.scheme_id, "mode__exact": "video"}
    )
    assert response.status_code == 200
    response = client.get(
        reverse("admin:schemes_enrolment_changelist"), {"status__exact": "withdrawn"}
    )
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    audit = reverse("admin:accounts_auditevent_changelist")
    assert client.get(audit, {"created_at__year": timezone.now().year}).status_code == 200


@pytest.fixture
def content_everywhere(world):  # noqa: F811
    """The world's content, and a marker in every other content field it holds."""
    from matching.models import Pair
    from meetings.models import MentoringAgreement, PlannedMeeting
    from schemes.models import Enrolment
    from supervision.models import Certificate, TrainingRecord
    from surveys.models import Invitation

    more = {
        "withdrawal": "ADMIN-WITHDRAWAL-REASON",
        "areas": "ADMIN-AREAS-OTHER",
        "availability": "ADMIN-AVAILABILITY",
        "place": "ADMIN-PLACE",
        "frequency": "ADMIN-MEETING-FREQUENCY",
        "end": "ADMIN-END-NOTE",
        "evidence": "ADMIN-EVIDENCE-NAME",
        "rejection": "ADMIN-REJECTION-REASON",
        "revoke": "ADMIN-REVOKE-REASON",
        "token": "ADMIN-INVITATION-TOKEN",
    }
    Enrolment.objects.update(
        withdrawal_reason=more["withdrawal"],
        areas_other=more["areas"],
        availability=more["availability"],
    )
    PlannedMeeting.objects.update(place=more["place"])
    MentoringAgreement.objects.update(meeting_frequency=more["frequency"])
    Pair.objects.update(end_note=more["end"])
    TrainingRecord.objects.update(
        evidence_name=more["evidence"], rejection_reason=more["rejection"]
    )
    Certificate.objects.update(revoke_reason=more["revoke"])
    Invitation.objects.update(token=more["token"])
    secrets = [SUMMARY, MENTEE_NOTE, MENTOR_NOTE, GOAL, AGREEMENT, REFERRAL_REASON]
    return [*secrets, SUPERVISOR_NOTES, *more.values()]


@pytest.mark.parametrize(("model", "model_admin"), registered_admins(), ids=admin_ids())
def test_no_admin_page_shows_or_finds_content(
    client, superuser, content_everywhere, model, model_admin
):
    client.force_login(superuser)
    prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    pages = [reverse(f"{prefix}_changelist"), reverse(f"{prefix}_add")]
    for pk in model.objects.values_list("pk", flat=True)[:5]:
        pages.append(reverse(f"{prefix}_change", args=[pk]))
        pages.append(reverse(f"{prefix}_history", args=[pk]))
    for page in pages:
        response = client.get(page)
        assert response.status_code in (200, 403), page
        body = response.content.decode()
        assert [secret for secret in content_everywhere if secret in body] == [], page
    if model_admin.search_fields:
        changelist = reverse(f"{prefix}_changelist")
        for secret in content_everywhere:
            response = client.get(changelist, {"q": secret})
            assert response.context["cl"].result_count == 0, secret


def test_a_totp_devices_key_and_qr_code_are_not_shown(client, superuser, mentee):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=mentee, name="phone", confirmed=True)
    client.force_login(superuser)
    page = client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))
    assert page.status_code == 200
    assert device.key not in page.content.decode()
    config = client.get(reverse("admin:otp_totp_totpdevice_config", args=[device.pk]))
    assert config.status_code == 403


# --- Every admin change audited ----------------------------------------------------------------


def test_every_admin_add_change_and_delete_is_audited_with_field_names_only(client, superuser):
    from django.contrib.auth.models import Group

    client.force_login(superuser)
    client.post(reverse("admin:auth_group_add"), {"name": "Helpdesk secret name"})
    group = Group.objects.get()
    client.post(
        reverse("admin:auth_group_change", args=[group.pk]), {"name": "Helpdesk other name"}
    )
    client.post(reverse("admin:auth_group_delete", args=[group.pk]), {"post": "yes"})

    events = list(AuditEvent.objects.filter(action__startswith="admin.").order_by("pk"))
    assert [event.action for event in events] == ["admin.add", "admin.change", "admin.delete"]
    for event in events:
        assert event.actor == superuser
        assert event.target == f"auth.Group:{group.pk}"
        assert event.details["model"] == "auth.Group"
        assert event.details["object_id"] == str(group.pk)
        assert "Helpdesk" not in str(event.details)
    assert events[1].details["changes"] == [{"kind": "changed", "fields": ["Name"]}]


def test_an_admin_edit_of_an_enrolment_keeps_its_content_and_audits_no_value(
    client, superuser, mentee_enrolment
):
    from schemes.models import Enrolment

    Enrolment.objects.filter(pk=mentee_enrolment.pk).update(
        withdrawal_reason="Private reason", availability="Tuesdays", areas_other="My own words"
    )
    client.force_login(superuser)
    url = reverse("admin:schemes_enrolment_change", args=[mentee_enrolment.pk])
    data = _as_posted(client.get(url).context["adminform"].form)
    data["status"] = Enrolment.Status.PAUSED
    response = client.post(url, data)
    assert response.status_code == 302

    mentee_enrolment.refresh_from_db()
    assert mentee_enrolment.status == Enrolment.Status.PAUSED
    assert mentee_enrolment.withdrawal_reason == "Private reason"
    assert mentee_enrolment.availability == "Tuesdays"
    event = AuditEvent.objects.get(action="admin.change")
    (change,) = event.details["changes"]
    assert change["kind"] == "changed" and "Status" in change["fields"]
    assert "Private reason" not in str(event.details)
    assert Enrolment.Status.PAUSED not in str(event.details)  # names, never values


def _as_posted(form):
    """What a browser posts for an unchanged form."""
    from django import forms

    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        widget = field.widget
        if isinstance(widget, forms.MultiWidget):
            for index, part in enumerate(widget.decompress(value)):
                data[f"{name}_{index}"] = "" if part is None else str(part)
        elif isinstance(widget, forms.CheckboxInput):
            if value:
                data[name] = "on"
        elif isinstance(value, (list, tuple)):
            data[name] = [str(item) for item in value]
        else:
            data[name] = "" if value is None else str(value)
    return data


# --- The site admin holds no role by being admin -----------------------------------------------


def test_a_superuser_is_organiser_dme_or_lead_of_nothing_by_being_admin(superuser, scheme):
    from schemes import access

    organisation = scheme.organisation
    assert not access.is_organiser(superuser, scheme)
    assert not access.is_dme_of(superuser, organisation)
    assert not access.is_regional_lead_of(superuser, organisation.region)
    assert not access.is_related(superuser, scheme)
    assert not access.organised_schemes(superuser).exists()
    assert not access.schemes_visible_to_staff(superuser).exists()


@pytest.mark.parametrize(
    "url_name",
    [
        "schemes:referral-detail",  # the referral's reason
        "surveys:scheme-results",  # free-text survey answers
        "schemes:enrolments",
        "reports:enrolments-csv",
        "meetings:pair-overview",
    ],
)
def test_a_superuser_not_appointed_cannot_open_a_schemes_confidential_pages(
    client,
    world,  # noqa: F811
    url_name,
):
    from tests.access_world import url_args

    client.force_login(world.people["superuser"])
    response = client.get(reverse(url_name, args=url_args(url_name, world)))
    assert response.status_code == 404
    assert REFERRAL_REASON not in response.content.decode()


def test_a_superuser_appointed_organiser_organises_that_scheme_and_no_other(
    client,
    world,  # noqa: F811
    superuser,
):
    from schemes.tests.factories import appoint

    appoint(superuser, world.scheme)
    client.force_login(superuser)
    referral = client.get(reverse("schemes:referral-detail", args=[world.referral.pk]))
    assert referral.status_code == 200
    assert REFERRAL_REASON in referral.content.decode()
    other = client.get(reverse("schemes:enrolments", args=[world.other_scheme.slug]))
    assert other.status_code == 404


def test_the_site_admin_is_offered_the_admin_not_the_schemes_it_does_not_run(client, superuser):
    client.force_login(superuser)
    page = client.get(reverse("home")).content.decode()
    assert reverse("admin:index") in page
    assert reverse("schemes:manage") not in page
    assert client.get(reverse("schemes:manage")).status_code == 403


def test_an_admin_that_names_a_content_field_fails_the_system_checks():
    from meetings.models import Meeting

    class CarelessMeetingAdmin(ProjectModelAdmin):
        list_display = ["held_on", "summary"]
        search_fields = ["pair__goals__title"]

    errors = CarelessMeetingAdmin(Meeting, admin.AdminSite()).check()
    assert [error.id for error in errors] == ["accounts.E101", "accounts.E101"]
    assert "'summary'" in errors[0].msg and "'pair__goals__title'" in errors[1].msg
