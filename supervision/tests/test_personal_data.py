import io
import json
import zipfile
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.personal_data import erase_person, export_zip
from supervision import recognition
from supervision.models import Certificate, SessionAttendance, TrainingRecord
from supervision.services import (
    certificate_issue,
    supervision_attendance_record,
    training_record_create,
)

from .factories import PDF_BYTES, assign, session_with, verified_training

pytestmark = pytest.mark.django_db


@pytest.fixture
def mentor_with_history(mentor_enrolment, supervisor):
    training_record_create(
        enrolment=mentor_enrolment,
        kind="formal_external",
        provider="A college",
        title="Mentoring course",
        completed_on=timezone.localdate(),
        hours=6,
        evidence=SimpleUploadedFile("cert.pdf", PDF_BYTES),
    )
    verified_training(mentor_enrolment)
    assign(supervisor, mentor_enrolment)
    session = session_with(supervisor, [mentor_enrolment], supervisor_notes="About Tom")
    supervision_attendance_record(session=session, statuses={mentor_enrolment.pk: "attended"})
    with (
        mock.patch.object(recognition, "meetings_logged_by_mentor", return_value=3),
        mock.patch.object(recognition, "end_of_pair_survey_returned", return_value=True),
    ):
        certificate_issue(enrolment=mentor_enrolment)
    return mentor_enrolment


def test_a_mentor_exports_their_training_attendance_and_certificate(mentor_with_history):
    archive = zipfile.ZipFile(io.BytesIO(export_zip(mentor_with_history.user)))
    names = archive.namelist()
    assert "supervision-trainingrecord.json" in names
    assert "supervision-sessionattendance.json" in names
    assert "supervision-certificate.json" in names
    everything = b"".join(archive.read(name) for name in names).decode()
    # The supervisor's notes about the mentor are the supervisor's, not the mentor's.
    assert "About Tom" not in everything
    titles = {row["title"] for row in json.loads(archive.read("supervision-trainingrecord.json"))}
    assert "Mentoring course" in titles


def test_a_supervisor_exports_their_own_notes(mentor_with_history, supervisor):
    archive = zipfile.ZipFile(io.BytesIO(export_zip(supervisor)))
    sessions = json.loads(archive.read("supervision-supervisionsession.json"))
    assert sessions[0]["supervisor_notes"] == "About Tom"


def test_erasing_a_mentor_deletes_records_and_files_and_stops_the_certificate_verifying(
    mentor_with_history, private_media
):
    stored = [path for path in private_media.rglob("*") if path.is_file()]
    assert len(stored) == 1

    erase_person(user=mentor_with_history.user)

    assert not TrainingRecord.objects.exists()
    assert not stored[0].exists()
    certificate = Certificate.objects.get()
    assert not certificate.is_valid and certificate.holder_name == "(erased)"
    # Attendance stays for the scheme's figures; it names nobody once the account is erased.
    assert SessionAttendance.objects.get().status == "attended"


def test_erasing_a_supervisor_removes_their_notes_but_keeps_the_sessions(
    mentor_with_history, supervisor
):
    erase_person(user=supervisor)
    session = SessionAttendance.objects.get().session
    assert session.supervisor_notes == ""
