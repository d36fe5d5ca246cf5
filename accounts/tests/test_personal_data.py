import csv
import io
import json
import zipfile

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import reverse

from accounts.models import AuditEvent, User
from accounts.personal_data import registry
from accounts.tests.factories import DEFAULT_PASSWORD
from schemes.models import Enrolment


def models_pointing_at_the_user():
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    for model in apps.get_models():
        for field in model._meta.get_fields():
            points_at_user = (field.many_to_one or field.one_to_one) and field.concrete
            if points_at_user and field.related_model is user_model:
                yield model
                break


def test_every_model_holding_a_persons_data_is_exported_or_excluded_with_a_reason():
    missing = [
        model._meta.label
        for model in models_pointing_at_the_user()
        if model not in registry.entries and model not in registry.excluded
    ]
    assert missing == [], f"add these to a personal_data.py registry: {missing}"
    assert all(reason.strip() for reason in registry.excluded.values())


@pytest.mark.django_db
def test_a_trainee_downloads_a_zip_of_everything_about_them(
    client, mentee_enrolment, other_trainee
):
    mentee = mentee_enrolment.user
    client.force_login(mentee)

    response = client.post(reverse("accounts:my-data-download"))

    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    assert (
        "README.txt" in names and "accounts-user.json" in names and "schemes-enrolment.csv" in names
    )
    profile = json.loads(archive.read("accounts-user.json"))
    assert profile[0]["email"] == mentee.email
    enrolments = json.loads(archive.read("schemes-enrolment.json"))
    assert len(enrolments) == 1
    assert other_trainee.email not in b"".join(archive.read(name) for name in names).decode()
    assert AuditEvent.objects.get().action == "own_data_export"


@pytest.mark.django_db
def test_download_is_post_only_and_needs_login(client, mentee):
    assert client.post(reverse("accounts:my-data-download")).status_code == 302
    client.force_login(mentee)
    assert client.get(reverse("accounts:my-data-download")).status_code == 405


@pytest.mark.django_db
def test_erasure_removes_the_person_but_keeps_the_counts(client, mentee_enrolment):
    mentee = mentee_enrolment.user
    mentee_enrolment.areas_other = "something personal"
    mentee_enrolment.save()
    client.force_login(mentee)
    enrolments_before = Enrolment.objects.count()

    response = client.post(
        reverse("accounts:erase"), {"password": DEFAULT_PASSWORD, "confirm": "on"}
    )

    assert response.status_code == 302
    mentee.refresh_from_db()
    assert mentee.email.startswith("erased-") and mentee.first_name == "Erased"
    assert not mentee.is_active and not mentee.has_usable_password()
    assert Enrolment.objects.count() == enrolments_before
    assert Enrolment.objects.get().areas_other == ""
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(email="mentee@example.nhs.uk").exists()


@pytest.mark.django_db
def test_erasure_needs_the_password_and_a_confirmation(client, mentee):
    client.force_login(mentee)
    response = client.post(reverse("accounts:erase"), {"password": "wrong", "confirm": ""})
    form = response.context["form"]
    assert "That is not your password" in " ".join(form.errors["password"])
    assert "Tick the box" in " ".join(form.errors["confirm"])
    mentee.refresh_from_db()
    assert mentee.is_active


@pytest.mark.django_db
def test_the_export_csvs_use_headings_and_values_a_person_can_read(client, pair):
    from datetime import date

    from meetings.tests.factories import MeetingFactory

    MeetingFactory(
        pair=pair, held_on=date(2026, 3, 4), topics=["exams", "wellbeing", "revision plan"]
    )
    enrolment = pair.mentee_enrolment
    enrolment.areas = ["exams", "career"]
    enrolment.save()
    client.force_login(pair.mentee)

    archive = zipfile.ZipFile(io.BytesIO(client.post(reverse("accounts:my-data-download")).content))

    meetings = list(csv.reader(io.StringIO(archive.read("meetings-meeting.csv").decode())))
    assert meetings[0][:3] == ["Scheme", "Meeting date", "Minutes"]
    row = dict(zip(meetings[0], meetings[1], strict=True))
    assert row["Scheme"] == pair.scheme.name
    assert row["Meeting date"] == "04 March 2026"
    assert row["Topics"] == "Exams, Wellbeing, revision plan"  # a free tag stays as typed
    assert row["Mode"] == "Video call"
    enrolments = list(csv.DictReader(io.StringIO(archive.read("schemes-enrolment.csv").decode())))
    assert enrolments[0]["Areas"] == "Exams, Career planning"
    assert enrolments[0]["Role"] == "Mentee" and enrolments[0]["Status"] == "Active"
    headings = " ".join(
        line
        for name in archive.namelist()
        if name.endswith(".csv")
        for line in archive.read(name).decode().splitlines()[:1]
    )
    assert "__" not in headings and "_at" not in headings
    assert "['" not in archive.read("meetings-meeting.csv").decode()
    # The JSON keeps the stored values for reuse.
    assert json.loads(archive.read("meetings-meeting.json"))[0]["topics"][0] == "exams"
