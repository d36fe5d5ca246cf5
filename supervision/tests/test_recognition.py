from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from supervision import recognition
from supervision.models import Certificate, RecognitionCriteria
from supervision.recognition import recognition_progress
from supervision.services import certificate_issue, certificate_revoke

from .factories import verified_training

pytestmark = pytest.mark.django_db


def log_meetings(pair, count):
    """Meetings logged through the meetings app's model, when it exists."""
    from meetings.models import Meeting

    for days in range(count):
        Meeting.objects.create(
            pair=pair,
            held_on=timezone.localdate() - timedelta(days=7 * (days + 1)),
            duration_minutes=45,
            mode="video",
            logged_by=pair.mentor,
        )


def return_end_of_pair_survey(pair):
    """The mentor's end-of-pair survey, answered, through the surveys app's model."""
    from surveys.models import Invitation, Moment, SurveyTemplate

    template = SurveyTemplate.objects.get(scheme=None, key="mentor-end-of-pair", version=1)
    return Invitation.objects.create(
        key=f"test:{pair.pk}:end",
        scheme=pair.scheme,
        template=template,
        user=pair.mentor,
        pair=pair,
        moment=Moment.END_OF_PAIR,
        period="end",
        token="t" * 43,
        anonymous=template.anonymous,
        closes_at=timezone.now() + timedelta(days=14),
        responded_at=timezone.now(),
    )


@pytest.fixture
def accomplished(pair, mentor_enrolment):
    """A mentor who meets the default criteria, with data made through each app's models."""
    pytest.importorskip("meetings.models")
    verified_training(mentor_enrolment)
    log_meetings(pair, 3)
    return_end_of_pair_survey(pair)
    return mentor_enrolment


# --- Criteria, read through the other apps ----------------------------------------------------


def test_the_default_criteria_are_met_with_training_three_meetings_and_the_survey(accomplished):
    progress = recognition_progress(accomplished)
    assert [row.met for row in progress["criteria"]] == [True, True, True]
    assert progress["met"]


def test_meetings_and_survey_are_read_from_their_apps(pair, mentor_enrolment):
    pytest.importorskip("meetings.models")
    assert recognition.meetings_logged_by_mentor(mentor_enrolment) == 0
    assert recognition.end_of_pair_survey_returned(mentor_enrolment) is False
    log_meetings(pair, 2)
    return_end_of_pair_survey(pair)
    assert recognition.meetings_logged_by_mentor(mentor_enrolment) == 2
    assert recognition.end_of_pair_survey_returned(mentor_enrolment) is True


def test_another_mentors_meetings_do_not_count(pair, other_pair, mentor_enrolment):
    pytest.importorskip("meetings.models")
    log_meetings(other_pair, 5)
    assert recognition.meetings_logged_by_mentor(mentor_enrolment) == 0


@pytest.mark.parametrize(
    ("training", "meetings", "survey", "met"),
    [
        (1, 3, True, True),
        (0, 3, True, False),
        (1, 2, True, False),
        (1, 3, False, False),
    ],
)
def test_each_default_criterion_is_needed(mentor_enrolment, training, meetings, survey, met):
    for _ in range(training):
        verified_training(mentor_enrolment)
    with (
        mock.patch.object(recognition, "meetings_logged_by_mentor", return_value=meetings),
        mock.patch.object(recognition, "end_of_pair_survey_returned", return_value=survey),
    ):
        assert recognition_progress(mentor_enrolment)["met"] is met


def test_organisers_change_the_numbers(client, organiser, scheme, mentor_enrolment):
    client.force_login(organiser)
    response = client.post(
        reverse("supervision:recognition", args=[scheme.slug]),
        {"min_verified_training": "2", "min_meetings_logged": "6"},
    )
    assert response.status_code == 302
    criteria = RecognitionCriteria.objects.get(scheme=scheme)
    assert (criteria.min_verified_training, criteria.min_meetings_logged) == (2, 6)
    assert not criteria.require_end_of_pair_survey

    verified_training(mentor_enrolment)
    with mock.patch.object(recognition, "meetings_logged_by_mentor", return_value=6):
        progress = recognition_progress(mentor_enrolment)
    assert [row.met for row in progress["criteria"]] == [False, True]


def test_bad_criteria_are_refused_with_a_clear_message(client, organiser, scheme):
    client.force_login(organiser)
    response = client.post(
        reverse("supervision:recognition", args=[scheme.slug]),
        {"min_verified_training": "50", "min_meetings_logged": "-1"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "from 0 to 20" in " ".join(errors["min_verified_training"])
    assert "min_meetings_logged" in errors
    assert not RecognitionCriteria.objects.exists()


@pytest.mark.parametrize(("role", "expected"), [("mentor", 403), ("other_organiser", 404)])
def test_only_organisers_change_the_criteria(as_role, scheme, role, expected):
    response = as_role(role).post(
        reverse("supervision:recognition", args=[scheme.slug]), {"min_verified_training": "0"}
    )
    assert response.status_code == expected
    assert not RecognitionCriteria.objects.exists()


def test_when_another_app_is_missing_the_criterion_says_so_and_is_not_met(mentor_enrolment):
    verified_training(mentor_enrolment)
    with (
        mock.patch.object(recognition, "meetings_logged_by_mentor", return_value=None),
        mock.patch.object(recognition, "end_of_pair_survey_returned", return_value=None),
    ):
        progress = recognition_progress(mentor_enrolment)
    assert [row.have for row in progress["criteria"][1:]] == ["not available yet"] * 2
    assert not progress["met"]


def test_the_readers_degrade_when_an_app_cannot_be_imported(mentor_enrolment, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "meetings.models", None)
    monkeypatch.setitem(sys.modules, "surveys.models", None)
    assert recognition.meetings_logged_by_mentor(mentor_enrolment) is None
    assert recognition.end_of_pair_survey_returned(mentor_enrolment) is None


# --- The certificate --------------------------------------------------------------------------


def test_mentor_gets_a_certificate_with_their_activity(client, settings, mentor, accomplished):
    client.force_login(mentor)

    response = client.post(reverse("supervision:certificate-issue", args=[accomplished.pk]))

    certificate = Certificate.objects.get()
    assert response["Location"] == reverse("supervision:certificate", args=[certificate.pk])
    assert certificate.holder_name == mentor.get_full_name()
    assert certificate.activity["meetings_logged"] == 3
    assert certificate.activity["mentees"] == 1
    page = client.get(response["Location"]).content.decode()
    assert "Certificate of mentoring activity" in page
    assert certificate.code in page
    # Its own print stylesheet (one A4 page), linked rather than inline for the CSP.
    assert '<link rel="stylesheet" href="/static/css/certificate.css">' in page
    assert "@page { size: A4" in (settings.BASE_DIR / "static/css/certificate.css").read_text()
    # Asking again gives the same certificate.
    client.post(reverse("supervision:certificate-issue", args=[accomplished.pk]))
    assert Certificate.objects.count() == 1


def test_a_mentor_who_falls_short_gets_no_certificate_and_is_told_what_is_missing(
    client, mentor, mentor_enrolment
):
    client.force_login(mentor)
    with (
        mock.patch.object(recognition, "meetings_logged_by_mentor", return_value=1),
        mock.patch.object(recognition, "end_of_pair_survey_returned", return_value=True),
    ):
        response = client.post(
            reverse("supervision:certificate-issue", args=[mentor_enrolment.pk]), follow=True
        )
    page = response.content.decode()
    assert "Not yet" in page and "meetings logged with your mentees (1, need at least 3)" in page
    assert not Certificate.objects.exists()


def test_issuing_needs_a_post(client, mentor, mentor_enrolment):
    client.force_login(mentor)
    response = client.get(reverse("supervision:certificate-issue", args=[mentor_enrolment.pk]))
    assert response.status_code == 405


@pytest.fixture
def certificate(mentor_enrolment):
    verified_training(mentor_enrolment)
    with (
        mock.patch.object(recognition, "meetings_logged_by_mentor", return_value=3),
        mock.patch.object(recognition, "end_of_pair_survey_returned", return_value=True),
    ):
        return certificate_issue(enrolment=mentor_enrolment)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("mentor", 200),
        ("organiser", 200),
        ("mentee", 403),
        ("supervisor", 403),
        ("dme", 403),
        ("other_organiser", 404),
        ("anonymous", 302),
    ],
)
def test_the_certificate_page_is_for_the_mentor_and_organisers(
    as_role, certificate, role, expected
):
    response = as_role(role).get(reverse("supervision:certificate", args=[certificate.pk]))
    assert response.status_code == expected


# --- Public verification ----------------------------------------------------------------------


def test_anyone_can_check_a_valid_code_and_sees_only_name_and_scheme(client, certificate, scheme):
    response = client.get(reverse("supervision:verify"), {"code": certificate.code.lower()})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Valid certificate" in page
    assert certificate.holder_name in page and scheme.name in page
    # Nothing else about the person: no email, grade or activity figures.
    user = certificate.enrolment.user
    assert user.email not in page and user.get_grade_display() not in page
    assert "meetings" not in page.lower()


def test_a_code_typed_without_dashes_is_found(client, certificate):
    response = client.get(
        reverse("supervision:verify"), {"code": certificate.code.replace("-", " ")}
    )
    assert "Valid certificate" in response.content.decode()


def test_a_revoked_certificate_is_reported_not_valid(client, organiser, scheme, certificate):
    client.force_login(organiser)
    client.post(
        reverse("supervision:certificate-revoke", args=[scheme.slug, certificate.pk]),
        {"reason": "Issued in error"},
    )
    client.logout()
    response = client.get(reverse("supervision:verify"), {"code": certificate.code})
    assert "this certificate was revoked" in response.content.decode()


def test_revoking_without_a_reason_keeps_it_valid(client, organiser, scheme, certificate):
    client.force_login(organiser)
    response = client.post(
        reverse("supervision:certificate-revoke", args=[scheme.slug, certificate.pk]),
        {"reason": ""},
        follow=True,
    )
    assert "say why you revoke it" in response.content.decode()
    certificate.refresh_from_db()
    assert certificate.is_valid


@pytest.mark.parametrize(("role", "expected"), [("mentor", 403), ("other_organiser", 404)])
def test_only_organisers_revoke(as_role, scheme, certificate, role, expected):
    response = as_role(role).post(
        reverse("supervision:certificate-revoke", args=[scheme.slug, certificate.pk]),
        {"reason": "Because"},
    )
    assert response.status_code == expected
    certificate.refresh_from_db()
    assert certificate.is_valid


def test_an_unknown_code_is_reported_not_valid(client, certificate):
    response = client.get(reverse("supervision:verify"), {"code": "ABCD-EFGH-JKMN"})
    assert "unknown code" in response.content.decode()


def test_the_verify_page_asks_for_a_code(client):
    response = client.get(reverse("supervision:verify"), {"code": ""})
    assert "Enter the code printed on the certificate" in response.content.decode()
    assert client.post(reverse("supervision:verify")).status_code == 405


def test_a_new_certificate_can_be_issued_after_a_revocation(mentor_enrolment, certificate):
    certificate_revoke(certificate=certificate, revoked_by=None, reason="Name misspelt")
    verified = recognition
    with (
        mock.patch.object(verified, "meetings_logged_by_mentor", return_value=3),
        mock.patch.object(verified, "end_of_pair_survey_returned", return_value=True),
    ):
        again = certificate_issue(enrolment=mentor_enrolment)
    assert again.pk != certificate.pk and again.code != certificate.code
