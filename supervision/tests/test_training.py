from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from supervision.evidence import EVIDENCE_MAX_BYTES
from supervision.models import TrainingBooking, TrainingRecord
from supervision.services import training_event_book

from .factories import (
    JPEG_BYTES,
    PDF_BYTES,
    PNG_BYTES,
    TrainingEventFactory,
    TrainingRecordFactory,
)

pytestmark = pytest.mark.django_db


def training_data(**overrides):
    data = {
        "kind": "formal_external",
        "title": "Mentoring in medicine",
        "provider": "Royal College of Psychiatrists",
        "completed_on": (timezone.localdate() - timedelta(days=10)).isoformat(),
        "hours": "7.5",
    }
    data.update(overrides)
    return data


def files_in(folder):
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


# --- Recording training -----------------------------------------------------------------------


def test_mentor_records_training_with_a_pdf_certificate(
    client, mentor, mentor_enrolment, private_media
):
    client.force_login(mentor)
    upload = SimpleUploadedFile("My certificate.pdf", PDF_BYTES, content_type="application/pdf")

    response = client.post(
        reverse("supervision:training-add", args=[mentor_enrolment.pk]),
        {**training_data(), "evidence": upload},
    )

    assert response.status_code == 302
    record = TrainingRecord.objects.get()
    assert record.mentor == mentor and record.scheme == mentor_enrolment.scheme
    assert record.status == TrainingRecord.Status.PENDING
    assert record.hours == Decimal("7.5")
    assert record.evidence_content_type == "application/pdf"
    assert record.evidence_name == "My_certificate.pdf"
    # Stored privately, under a random name, with the sniffed extension.
    stored = files_in(private_media)
    assert len(stored) == 1 and stored[0].suffix == ".pdf"
    assert "certificate" not in stored[0].name


@pytest.mark.parametrize(
    ("content", "name", "content_type"),
    [(PNG_BYTES, "photo.png", "image/png"), (JPEG_BYTES, "photo.jpeg", "image/jpeg")],
)
def test_a_photo_of_the_certificate_is_accepted(
    client, mentor, mentor_enrolment, content, name, content_type
):
    client.force_login(mentor)
    client.post(
        reverse("supervision:training-add", args=[mentor_enrolment.pk]),
        {**training_data(), "evidence": SimpleUploadedFile(name, content)},
    )
    assert TrainingRecord.objects.get().evidence_content_type == content_type


def test_training_without_evidence_is_fine(client, mentor, mentor_enrolment):
    client.force_login(mentor)
    client.post(reverse("supervision:training-add", args=[mentor_enrolment.pk]), training_data())
    assert not TrainingRecord.objects.get().evidence


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("big.pdf", PDF_BYTES + b"0" * EVIDENCE_MAX_BYTES),
            "the limit is 5 MB",
        ),
        (
            SimpleUploadedFile("notes.pdf", b"MZ\x90\x00 not really a pdf"),
            "not a PDF, PNG or JPEG image",
        ),
        (SimpleUploadedFile("page.html", b"<html><script>alert(1)</script>"), "not a PDF"),
        (SimpleUploadedFile("empty.pdf", b""), "empty"),
    ],
    ids=["too-big", "renamed-executable", "html", "empty"],
)
def test_bad_uploads_say_what_to_do_and_save_nothing(
    client, mentor, mentor_enrolment, private_media, upload, message
):
    client.force_login(mentor)

    response = client.post(
        reverse("supervision:training-add", args=[mentor_enrolment.pk]),
        {**training_data(), "evidence": upload},
    )

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["evidence"])
    assert message in response.content.decode()
    assert not TrainingRecord.objects.exists()
    assert files_in(private_media) == []


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"kind": ""}, "kind", "required"),
        (
            {"completed_on": (timezone.localdate() + timedelta(days=3)).isoformat()},
            "completed_on",
            "cannot be in the future",
        ),
        ({"hours": "0"}, "hours", "between 0.5 and 500"),
        ({"hours": "lots"}, "hours", "as a number"),
    ],
)
def test_bad_training_details_are_refused_with_a_clear_message(
    client, mentor, mentor_enrolment, overrides, field, message
):
    client.force_login(mentor)
    response = client.post(
        reverse("supervision:training-add", args=[mentor_enrolment.pk]), training_data(**overrides)
    )
    assert message in " ".join(response.context["form"].errors[field])
    assert not TrainingRecord.objects.exists()


def test_nobody_records_training_on_someone_elses_enrolment(client, mentee, mentor_enrolment):
    client.force_login(mentee)
    response = client.post(
        reverse("supervision:training-add", args=[mentor_enrolment.pk]), training_data()
    )
    assert response.status_code == 404
    assert not TrainingRecord.objects.exists()


def test_a_mentee_enrolment_cannot_hold_mentor_training(client, mentee, mentee_enrolment):
    client.force_login(mentee)
    response = client.get(reverse("supervision:training-add", args=[mentee_enrolment.pk]))
    assert response.status_code == 404


# --- Who may open an evidence file ------------------------------------------------------------


@pytest.fixture
def record_with_evidence(client, mentor, mentor_enrolment):
    client.force_login(mentor)
    client.post(
        reverse("supervision:training-add", args=[mentor_enrolment.pk]),
        {**training_data(), "evidence": SimpleUploadedFile("cert.png", PNG_BYTES)},
    )
    client.logout()
    return TrainingRecord.objects.get()


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("mentor", 200),
        ("organiser", 200),
        ("mentee", 403),
        ("other_pair_mentee", 403),
        ("other_pair_mentor", 403),
        ("supervisor", 403),
        ("dme", 403),
        ("regional_lead", 403),
        ("other_organiser", 404),
        ("other_dme", 404),
        ("anonymous", 302),
    ],
)
def test_only_the_mentor_and_the_schemes_organisers_open_an_evidence_file(
    as_role, record_with_evidence, role, expected
):
    response = as_role(role).get(reverse("supervision:evidence", args=[record_with_evidence.pk]))

    assert response.status_code == expected
    if expected == 200:
        assert b"".join(response.streaming_content) == PNG_BYTES
        assert response["Content-Type"] == "image/png"
        assert response["Cache-Control"] == "private, no-store"
    if role == "anonymous":
        assert response["Location"].startswith(reverse("accounts:login"))


def test_evidence_is_not_under_media_or_static(record_with_evidence, settings, private_media):
    path = record_with_evidence.evidence.path
    assert path.startswith(str(private_media))
    assert not path.startswith(str(settings.STATIC_ROOT))
    with pytest.raises(ValueError):
        record_with_evidence.evidence.url  # noqa: B018 — no public URL exists


# --- Organisers verify or reject --------------------------------------------------------------


def test_organiser_verifies_a_record_and_the_mentor_is_told(
    client, organiser, mentor, scheme, django_capture_on_commit_callbacks
):
    record = TrainingRecordFactory(scheme=scheme, mentor=mentor)
    client.force_login(organiser)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("supervision:record-verify", args=[scheme.slug, record.pk]))

    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == "verified" and record.reviewed_by == organiser
    assert [message.to for message in mail.outbox] == [[mentor.email]]
    assert "verified" in mail.outbox[0].subject


def test_organiser_rejects_a_record_with_a_reason_the_mentor_reads(
    client, organiser, mentor, scheme, django_capture_on_commit_callbacks
):
    record = TrainingRecordFactory(scheme=scheme, mentor=mentor)
    client.force_login(organiser)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("supervision:record-reject", args=[scheme.slug, record.pk]),
            {"reason": "The certificate is for a different course."},
        )

    record.refresh_from_db()
    assert record.status == "rejected"
    assert record.rejection_reason == "The certificate is for a different course."
    assert "different course" in mail.outbox[0].body


def test_rejecting_without_a_reason_changes_nothing_and_says_why(client, organiser, mentor, scheme):
    record = TrainingRecordFactory(scheme=scheme, mentor=mentor)
    client.force_login(organiser)

    response = client.post(
        reverse("supervision:record-reject", args=[scheme.slug, record.pk]),
        {"reason": "  "},
        follow=True,
    )

    assert "say why it is not accepted" in response.content.decode()
    record.refresh_from_db()
    assert record.status == "pending"


@pytest.mark.parametrize("action", ["record-verify", "record-reject"])
@pytest.mark.parametrize(
    ("role", "expected"),
    [("mentor", 403), ("supervisor", 403), ("dme", 403), ("other_organiser", 404)],
)
def test_only_organisers_review_records(as_role, cast, scheme, action, role, expected):
    record = TrainingRecordFactory(scheme=scheme, mentor=cast["mentor"])
    response = as_role(role).post(
        reverse(f"supervision:{action}", args=[scheme.slug, record.pk]), {"reason": "No"}
    )
    assert response.status_code == expected
    record.refresh_from_db()
    assert record.status == "pending"


def test_reviewing_needs_a_post(client, organiser, mentor, scheme):
    record = TrainingRecordFactory(scheme=scheme, mentor=mentor)
    client.force_login(organiser)
    response = client.get(reverse("supervision:record-verify", args=[scheme.slug, record.pk]))
    assert response.status_code == 405


def test_organiser_filters_the_records_list(client, organiser, mentor, scheme):
    TrainingRecordFactory(scheme=scheme, mentor=mentor, title="Pending one")
    TrainingRecordFactory(
        scheme=scheme, mentor=mentor, title="Done one", status="verified", kind="informal"
    )
    client.force_login(organiser)

    default = client.get(reverse("supervision:records", args=[scheme.slug]))
    informal = client.get(reverse("supervision:records", args=[scheme.slug]), {"kind": "informal"})

    assert [r.title for r in default.context["page"]] == ["Pending one"]
    assert [r.title for r in informal.context["page"]] == ["Done one"]


# --- Training events --------------------------------------------------------------------------


def test_organiser_creates_an_event(client, organiser, scheme):
    client.force_login(organiser)
    starts = timezone.localtime() + timedelta(days=20)
    response = client.post(
        reverse("supervision:event-create", args=[scheme.slug]),
        {
            "title": "Mentoring skills",
            "kind": "formal_internal",
            "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
            "hours": "3",
            "place": "Maudsley Learning, Room 1",
            "capacity": "12",
        },
    )
    assert response.status_code == 302
    assert scheme.training_events.get().capacity == 12


def test_an_event_in_the_past_is_refused(client, organiser, scheme):
    client.force_login(organiser)
    response = client.post(
        reverse("supervision:event-create", args=[scheme.slug]),
        {
            "title": "Mentoring skills",
            "kind": "formal_internal",
            "starts_at": "2020-01-01T10:00",
            "hours": "3",
            "place": "Room 1",
            "capacity": "12",
        },
    )
    assert "in the future" in " ".join(response.context["form"].errors["starts_at"])
    assert not scheme.training_events.exists()


def test_mentor_books_an_event_and_cannot_take_a_place_that_is_not_there(
    client, mentor, mentor_enrolment, scheme
):
    from schemes.tests.factories import MentorEnrolmentFactory

    event = TrainingEventFactory(scheme=scheme, capacity=1)
    client.force_login(mentor)

    client.post(reverse("supervision:event-book", args=[event.pk]))
    other = MentorEnrolmentFactory(scheme=scheme)
    client.force_login(other.user)
    response = client.post(reverse("supervision:event-book", args=[event.pk]), follow=True)

    assert TrainingBooking.objects.get().enrolment == mentor_enrolment
    assert "is full" in response.content.decode()


def test_booking_twice_keeps_one_place(mentor_enrolment, scheme):
    event = TrainingEventFactory(scheme=scheme, capacity=5)
    training_event_book(event=event, enrolment=mentor_enrolment)
    training_event_book(event=event, enrolment=mentor_enrolment)
    assert event.bookings.count() == 1


def test_a_mentee_cannot_book_mentor_training(client, mentee, scheme):
    event = TrainingEventFactory(scheme=scheme)
    client.force_login(mentee)
    response = client.post(reverse("supervision:event-book", args=[event.pk]))
    assert response.status_code == 403
    assert not TrainingBooking.objects.exists()


def test_attending_an_event_marks_the_training_done(
    client, organiser, mentor, mentor_enrolment, scheme
):
    event = TrainingEventFactory(scheme=scheme, kind="formal_internal")
    training_event_book(event=event, enrolment=mentor_enrolment)
    event.starts_at = timezone.now() - timedelta(hours=1)
    event.save()
    client.force_login(organiser)

    client.post(
        reverse("supervision:event-attendance", args=[scheme.slug, event.pk]),
        {"attended": [mentor_enrolment.pk]},
    )

    record = TrainingRecord.objects.get(mentor=mentor)
    assert record.status == "verified" and record.event == event
    assert record.kind == "formal_internal" and record.hours == event.hours

    # Recording again is harmless; correcting to "did not attend" removes the record.
    client.post(
        reverse("supervision:event-attendance", args=[scheme.slug, event.pk]),
        {"attended": [mentor_enrolment.pk]},
    )
    assert TrainingRecord.objects.filter(mentor=mentor).count() == 1
    client.post(reverse("supervision:event-attendance", args=[scheme.slug, event.pk]), {})
    assert not TrainingRecord.objects.filter(mentor=mentor).exists()
    assert TrainingBooking.objects.get().status == "absent"
