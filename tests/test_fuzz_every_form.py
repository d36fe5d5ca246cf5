"""Every form and filter in the product, driven with hostile input in the access matrix's world.

tests/test_fuzz_forms.py fuzzes the forms a freshly signed-up trainee or organiser meets; this
file covers the rest — the forms that need a pair with meetings, a matching round, a supervision
session, a survey invitation and so on — by reusing the world the access matrix builds. A form
class added to any app without a row in FORM_PAGES (or a reason in NOT_FUZZED) fails the suite,
as a URL without an access-matrix entry does.
"""

import importlib
import inspect
import pkgutil

import django_filters
import pytest
from django import forms
from django.urls import reverse

from tests.access_world import url_args, world  # noqa: F401 (world is a fixture)
from tests.test_fuzz_forms import FORMS, form_fields, send_hostile_input

PROJECT_APPS = ("accounts", "schemes", "matching", "meetings", "supervision", "surveys", "reports")


# Form class → (the page that shows it, the URL it posts to, who fills it in, method).
# "Who" is a member of the access matrix's cast, or someone PREPARE adds to it.
FORM_PAGES = {
    "accounts.forms.SignUpForm": ("accounts:sign-up", None, "anonymous", "post"),
    "accounts.forms.EmailAuthenticationForm": ("accounts:login", None, "anonymous", "post"),
    "accounts.forms.ResendConfirmationForm": (
        "accounts:resend-confirmation",
        None,
        "anonymous",
        "post",
    ),
    "accounts.forms.ProfileForm": ("accounts:profile", None, "mentee", "post"),
    "accounts.forms.EmailSettingsForm": ("accounts:email-settings", None, "mentee", "post"),
    "accounts.forms.PasswordResetForm": ("accounts:password-reset", None, "anonymous", "post"),
    "accounts.my_data.EraseForm": ("accounts:erase", None, "mentee", "post"),
    "accounts.two_factor.CodeForm": ("accounts:two-step-setup", None, "organiser", "post"),
    "schemes.forms.WithdrawForm": ("schemes:withdraw", None, "mentee", "post"),
    "schemes.forms.SchemeForm": ("schemes:edit", None, "organiser", "post"),
    "schemes.forms.IntakeWindowForm": ("schemes:edit", None, "organiser", "post"),
    "schemes.forms.SchemeCreateForm": ("schemes:create", None, "dme", "post"),
    "schemes.forms.RotationWindowsForm": ("schemes:rotation-windows", None, "organiser", "post"),
    "schemes.forms.HandoverForm": ("schemes:handover", None, "organiser", "post"),
    "schemes.forms.SchemeInterestForm": ("schemes:scheme-interest", None, "dme", "post"),
    "schemes.forms.PersonByEmailForm": ("schemes:people", None, "organiser", "post"),
    "schemes.forms.AppointForm": ("schemes:people", None, "organiser", "post"),
    "schemes.forms.EnrolmentAddForm": (
        "schemes:enrolments",
        "schemes:enrolment-add",
        "organiser",
        "post",
    ),
    "schemes.forms.ReferralForm": ("schemes:referral-create", None, "organiser", "post"),
    "schemes.forms_cohort.CohortUploadForm": ("schemes:cohort-upload", None, "organiser", "post"),
    "schemes.filters.EnrolmentFilter": ("schemes:enrolments", None, "organiser", "get"),
    "schemes.forms_trainee_list.TraineeListUploadForm": (
        "schemes:trainee-list-upload",
        None,
        "dme",
        "post",
    ),
    "schemes.forms_trainee_list.PlacementFilter": ("schemes:trainee-list", None, "dme", "get"),
    "matching.forms.MatchingSettingsForm": ("matching:settings", None, "organiser", "post"),
    "matching.forms.SwapForm": (
        "matching:round-detail",
        "matching:round-swap",
        "organiser",
        "post",
    ),
    "matching.forms.MentorRankingForm": ("matching:suggestions", None, "chooser", "post"),
    "matching.forms.HandPairingForm": (
        "matching:pair-by-hand-confirm",
        None,
        "organiser",
        "post",
    ),
    "matching.filters.ProposalFilter": ("matching:round-detail", None, "organiser", "get"),
    "meetings.forms.AgreementForm": ("meetings:agreement", None, "mentee", "post"),
    "meetings.forms.GoalForm": ("meetings:goal-add", None, "mentee", "post"),
    "meetings.forms.MeetingLogForm": ("meetings:meeting-log", None, "mentee", "post"),
    "meetings.forms.PrivateNoteForm": (
        "meetings:meeting-detail",
        "meetings:private-note",
        "mentee",
        "post",
    ),
    "meetings.forms.PlanMeetingForm": ("meetings:plan", None, "mentor", "post"),
    "meetings.forms.EndPairForm": ("meetings:pair-end", None, "mentee", "post"),
    "meetings.filters.PairFilter": ("meetings:organiser-pairs", None, "organiser", "get"),
    "meetings.forms.SchemeMessageForm": (
        "meetings:scheme-message-new",
        "meetings:scheme-message-send",
        "organiser",
        "post",
    ),
    "reports.forms.OutcomeUploadForm": ("reports:outcomes-upload", None, "dme", "post"),
    "reports.filters.DashboardFilter": ("reports:organisation-dashboard", None, "dme", "get"),
    "supervision.forms.TrainingRecordForm": ("supervision:training-add", None, "mentor", "post"),
    "supervision.forms.RejectForm": (
        "supervision:records",
        "supervision:record-reject",
        "organiser",
        "post",
    ),
    "supervision.forms.TrainingEventForm": ("supervision:event-create", None, "organiser", "post"),
    "supervision.forms.EventAttendanceForm": (
        "supervision:event",
        "supervision:event-attendance",
        "organiser",
        "post",
    ),
    "supervision.forms.AssignmentForm": (
        "supervision:scheme",
        "supervision:assignment-add",
        "organiser",
        "post",
    ),
    "supervision.forms.SessionScheduleForm": (
        "supervision:session-schedule",
        None,
        "supervisor",
        "post",
    ),
    "supervision.forms.SessionChangeForm": (
        "supervision:session-change",
        None,
        "supervisor",
        "post",
    ),
    "supervision.forms.SessionMentorsForm": (
        "supervision:session-change",
        "supervision:session-mentors",
        "supervisor",
        "post",
    ),
    "supervision.forms.SessionAttendanceForm": (
        "supervision:session",
        "supervision:session-attendance",
        "supervisor",
        "post",
    ),
    "supervision.forms.SessionNotesForm": (
        "supervision:session",
        "supervision:session-notes",
        "supervisor",
        "post",
    ),
    "supervision.forms.RecognitionCriteriaForm": (
        "supervision:recognition",
        None,
        "organiser",
        "post",
    ),
    "supervision.forms.RevokeForm": (
        "supervision:recognition",
        "supervision:certificate-revoke",
        "organiser",
        "post",
    ),
    "supervision.forms.VerifyForm": ("supervision:verify", None, "anonymous", "get"),
    "supervision.filters.TrainingRecordFilter": (
        "supervision:records",
        None,
        "organiser",
        "get",
    ),
    "surveys.forms.SurveyAnswerForm": ("surveys:answer", None, "anonymous", "post"),
    "surveys.forms.TemplateAdaptForm": ("surveys:template-adapt", None, "organiser", "post"),
    "surveys.forms.KeptQuestionForm": ("surveys:template-adapt", None, "organiser", "post"),
    "surveys.forms.NewQuestionForm": ("surveys:template-adapt", None, "organiser", "post"),
    "surveys.forms.ScheduleEntryForm": (
        "surveys:scheme",
        "surveys:schedule-update",
        "organiser",
        "post",
    ),
    "surveys.forms.ScheduleEntryAddForm": (
        "surveys:scheme",
        "surveys:schedule-add",
        "organiser",
        "post",
    ),
}

# Forms fuzzed in tests/test_fuzz_forms.py, which signs in a trainee with no enrolment yet.
FUZZED_ELSEWHERE = {
    "schemes.forms.MenteeJoinForm": "schemes:join-mentee",
    "schemes.forms.MentorJoinForm": "schemes:join-mentor",
}

# Forms deliberately left out, with the reason.
NOT_FUZZED = {
    "accounts.admin.UserCreationAdminForm": "Django admin, superusers only; Django's own form",
    "accounts.admin.UserChangeAdminForm": "Django admin, superusers only; Django's own form",
    "accounts.filters.LabelledFilterSet": "a base with no filters: each list's subclass is fuzzed",
}


def project_form_classes():
    """Every Form, ModelForm and FilterSet class defined in the project's apps."""
    found = set()
    for app in PROJECT_APPS:
        package = importlib.import_module(app)
        for module_info in pkgutil.walk_packages(package.__path__, f"{app}."):
            name = module_info.name
            if ".tests" in name or ".migrations" in name:
                continue
            module = importlib.import_module(name)
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if cls.__module__ != name:
                    continue
                if issubclass(cls, forms.BaseForm | django_filters.FilterSet):
                    found.add(f"{name}.{cls.__name__}")
    return found


def test_every_form_in_the_product_is_fuzzed_or_excused():
    found = project_form_classes()
    assert found, "no form classes found: the discovery is broken"
    listed = FORM_PAGES.keys() | FUZZED_ELSEWHERE.keys() | NOT_FUZZED.keys()
    missing = found - listed
    assert not missing, f"add these forms to FORM_PAGES (or NOT_FUZZED with a reason): {missing}"
    stale = listed - found
    assert not stale, f"these forms no longer exist; remove them from the tables: {stale}"


def test_the_forms_fuzzed_elsewhere_are_in_that_table():
    assert set(FUZZED_ELSEWHERE.values()) <= {row[0] for row in FORMS}


# Some forms show only in a given state of the world; these put the world in that state.
def _trained_mentors_and_new_mentees(w, count, capacity=2):
    from matching.tests.conftest import _make_mentee, _make_mentor
    from supervision.tests.factories import verified_training

    for _ in range(count):
        verified_training(_make_mentor(w.scheme, years=4, capacity=capacity))
    return [_make_mentee(w.scheme) for _ in range(count)]


def _a_solved_round_with_two_proposals(w):
    """The world's round has a single unsolved proposal; the swap form needs two pairs with
    different mentors (one place each), which the rules let swap."""
    from matching.models import MatchRound
    from matching.services import match_round_start

    MatchRound.objects.filter(pk=w.match_round.pk).update(status=MatchRound.Status.DISCARDED)
    _trained_mentors_and_new_mentees(w, 2, capacity=1)
    w.objects["match_round"] = match_round_start(scheme=w.scheme, started_by=w.people["organiser"])


def _a_new_mentee_chooses_mentors(w):
    from matching.models import MatchingSettings

    settings = MatchingSettings.for_scheme(w.scheme)
    settings.mentee_choice_enabled = True
    settings.save()
    (chooser,) = _trained_mentors_and_new_mentees(w, 1)
    w.objects["mentee_enrolment"] = chooser
    w.people["chooser"] = chooser.user


def _a_full_mentor_the_rules_refuse(w):
    """The confirm form shows every field: a rule to override and a place to raise."""
    from schemes.models import Enrolment

    Enrolment.objects.filter(pk=w.mentor_enrolment.pk).update(capacity=1)
    w.scheme.asks_mentor_gender_preference = True
    w.scheme.save()
    wanted = "man" if w.mentor_enrolment.user.gender == "woman" else "woman"
    Enrolment.objects.filter(pk=w.waiting.pk).update(mentor_gender_preference=wanted)


def _the_event_has_happened(w):
    from datetime import timedelta

    from django.utils import timezone

    w.event.starts_at = timezone.now() - timedelta(days=1)
    w.event.save()


PREPARE = {
    "matching.forms.SwapForm": _a_solved_round_with_two_proposals,
    "matching.filters.ProposalFilter": _a_solved_round_with_two_proposals,
    "matching.forms.MentorRankingForm": _a_new_mentee_chooses_mentors,
    "matching.forms.HandPairingForm": _a_full_mentor_the_rules_refuse,
    "supervision.forms.EventAttendanceForm": _the_event_has_happened,
}


@pytest.mark.django_db
@pytest.mark.parametrize("form_class", sorted(FORM_PAGES))
def test_hostile_input_never_breaks_a_form_in_the_world(client, world, form_class):  # noqa: F811
    page_name, post_name, who, method = FORM_PAGES[form_class]
    if form_class in PREPARE:
        PREPARE[form_class](world)
    person = world.people[who]
    if person is not None:
        client.force_login(person)
    page_url = reverse(page_name, args=url_args(page_name, world))
    post_url = reverse(post_name, args=url_args(post_name, world)) if post_name else page_url
    page = client.get(page_url)
    assert page.status_code == 200, f"{page_url} did not render for {who}"
    fields = form_fields(page.content.decode())
    assert fields, f"no form fields found on {page_url}"

    send_hostile_input(client, post_url, fields, method=method, examples=8)
