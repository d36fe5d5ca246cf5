"""A mentor records training with a certificate; an organiser verifies it; the training gate
lifts. And the certificate of mentoring activity prints on one A4 page."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from supervision import recognition
from supervision.models import TrainingRecord
from supervision.services import certificate_issue
from supervision.tests.factories import PDF_BYTES, TrainingEventFactory, verified_training

from .conftest import (
    PHONE,
    assert_accessible_basics,
    assert_fits_phone_width,
    assert_no_axe_violations,
    log_in,
    screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def test_mentor_records_training_and_the_organiser_verifies_it(
    new_page, live_server, scheme, mentor, mentor_enrolment, organiser, tmp_path
):
    TrainingEventFactory(scheme=scheme, title="Peer mentoring skills afternoon")
    certificate = tmp_path / "mentoring-course.pdf"
    certificate.write_bytes(PDF_BYTES)
    not_a_pdf = tmp_path / "certificate.pdf"
    not_a_pdf.write_bytes(b"GIF89a this is not a pdf")

    page = new_page()
    log_in(page, mentor.email)
    page.get_by_role("link", name="Training & supervision").first.click()
    page.get_by_role("heading", name="Training & supervision").wait_for()
    assert page.get_by_text("Before you can be matched with a mentee").is_visible()
    assert page.get_by_role("button", name="Book Peer mentoring skills afternoon").is_visible()
    assert_accessible_basics(page)
    screenshot(page, "supervision-mine-untrained")

    page.get_by_role("link", name=f"Record training you have done for {scheme.name}").click()
    page.get_by_label("What kind of training was it?").select_option("formal_internal")
    page.get_by_label("Course or session title").fill("Mentoring skills for trainees")
    page.get_by_label("Who ran it?").fill("SLaM education centre")
    page.get_by_label("Date completed").fill(
        (timezone.localdate() - timedelta(days=14)).isoformat()
    )
    page.get_by_label("Hours of training").fill("6")
    # A file that is not what it says is refused, with what to do, and nothing is saved.
    page.get_by_label("Certificate or other evidence (optional)").set_input_files(str(not_a_pdf))
    page.get_by_role("button", name="Save training record").click()
    error = page.get_by_text("This file is not a PDF, PNG or JPEG image")
    error.first.wait_for()
    assert error.count() == 2  # in the summary at the top, and beside the field
    assert not TrainingRecord.objects.exists()
    assert_accessible_basics(page)
    screenshot(page, "supervision-training-form-error")

    page.get_by_label("Certificate or other evidence (optional)").set_input_files(str(certificate))
    page.get_by_role("button", name="Save training record").click()
    page.get_by_text("“Mentoring skills for trainees” is recorded").wait_for()
    assert page.get_by_text("Waiting to be checked").is_visible()
    assert page.get_by_text("is waiting for an organiser to verify it").is_visible()
    page.get_by_role("button", name="Log out").click()

    log_in(page, organiser.email)
    page.goto(f"/supervision/schemes/{scheme.slug}/")
    page.get_by_role("heading", name="Training records to check").wait_for()
    assert_accessible_basics(page)
    screenshot(page, "supervision-organiser-overview")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Open evidence for “Mentoring skills")).click()
    assert download.value.suggested_filename == "mentoring-course.pdf"
    page.get_by_role("button", name=re.compile("Verify “Mentoring skills for trainees”")).click()
    page.get_by_text("“Mentoring skills for trainees” by").wait_for()
    record = TrainingRecord.objects.get()
    assert record.status == "verified" and record.reviewed_by == organiser
    page.get_by_role("button", name="Log out").click()

    log_in(page, mentor.email)
    page.goto("/supervision/me/")
    page.get_by_text("You can be offered mentees.").wait_for()
    assert page.get_by_text("Verified").first.is_visible()
    screenshot(page, "supervision-mine-trained")


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_training_pages_fit_a_phone(
    new_page, live_server, scheme, mentor, mentor_enrolment, organiser, viewport
):
    TrainingEventFactory(scheme=scheme)
    verified_training(mentor_enrolment, kind="informal", title="Reading about mentoring")
    page = new_page(viewport) if viewport else new_page()
    log_in(page, mentor.email)
    for name, path in [
        ("supervision-mine", "/supervision/me/"),
        ("supervision-training-form", f"/supervision/me/{mentor_enrolment.pk}/training/new/"),
    ]:
        page.goto(path)
        screenshot(page, name)
        assert_accessible_basics(page)
        assert_fits_phone_width(page)
        assert_no_axe_violations(page)
    page = new_page(viewport) if viewport else new_page()  # a fresh session for the organiser
    log_in(page, organiser.email)
    for name, path in [
        ("supervision-organiser", f"/supervision/schemes/{scheme.slug}/"),
        ("supervision-records", f"/supervision/schemes/{scheme.slug}/records/?status="),
        ("supervision-event-form", f"/supervision/schemes/{scheme.slug}/events/new/"),
        ("supervision-recognition", f"/supervision/schemes/{scheme.slug}/recognition/"),
    ]:
        page.goto(path)
        screenshot(page, name)
        assert_accessible_basics(page)
        assert_fits_phone_width(page)
        assert_no_axe_violations(page)


def _pdf_page_count(pdf_bytes):
    """Pages in a PDF, counted from its page objects (Chromium writes them uncompressed)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf_bytes))


def test_the_certificate_prints_on_one_a4_page_and_verifies(
    new_page, live_server, scheme, mentor, mentor_enrolment, tmp_path
):
    mentor.first_name, mentor.last_name = "Oluwaseun Alexandra", "Montgomery-Fitzwilliam"
    mentor.save()
    for number in range(8):  # more records than the page lists, to prove it still fits
        verified_training(
            mentor_enrolment,
            kind="formal_external",
            title=f"Advanced coaching and mentoring practice for clinicians, module {number + 1}",
            provider="Academy of Medical Educators and the Royal College of Psychiatrists",
        )
    with (
        mock.patch.object(recognition, "meetings_logged_by_mentor", return_value=14),
        mock.patch.object(recognition, "end_of_pair_survey_returned", return_value=True),
    ):
        certificate = certificate_issue(enrolment=mentor_enrolment)

    page = new_page()
    log_in(page, mentor.email)
    page.goto(f"/supervision/certificates/{certificate.pk}/")
    page.get_by_role("heading", name="Certificate of mentoring activity").wait_for()
    assert_accessible_basics(page)
    screenshot(page, "supervision-certificate")
    assert_no_axe_violations(page)
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    (tmp_path / "certificate.pdf").write_bytes(pdf)
    assert _pdf_page_count(pdf) == 1
    # A4 is 595 × 842 points.
    box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert box and round(float(box.group(1))) == 595 and round(float(box.group(2))) == 842

    phone = new_page(PHONE)
    log_in(phone, mentor.email)
    phone.goto(f"/supervision/certificates/{certificate.pk}/")
    screenshot(phone, "supervision-certificate")
    assert_fits_phone_width(phone)

    anyone = new_page(PHONE)
    anyone.goto("/supervision/verify/")
    anyone.get_by_label("Verification code").fill(certificate.code.lower())
    anyone.get_by_role("button", name="Check").click()
    anyone.get_by_role("heading", name="Valid certificate").wait_for()
    assert anyone.get_by_text("Oluwaseun Alexandra Montgomery-Fitzwilliam").is_visible()
    assert_accessible_basics(anyone)
    assert_fits_phone_width(anyone)
    assert_no_axe_violations(anyone)
    screenshot(anyone, "supervision-verify")
