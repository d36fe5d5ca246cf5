"""Matching's part of a person's own-data export and erasure."""

import io
import json
import zipfile

import pytest

from accounts.personal_data import erase_person, export_zip
from matching.models import Exclusion, MentorChoice, Pair


def exported(user):
    archive = zipfile.ZipFile(io.BytesIO(export_zip(user)))
    return {name: archive.read(name).decode() for name in archive.namelist()}


@pytest.fixture
def history(pair, make_mentor):
    Pair.objects.filter(pk=pair.pk).update(end_note="We met six times.")
    other_mentor = make_mentor(pair.scheme, user={"first_name": "Zed", "last_name": "Quinn"})
    MentorChoice.objects.create(
        mentee_enrolment=pair.mentee_enrolment, mentor_enrolment=other_mentor, rank=2
    )
    Exclusion.objects.create(
        mentee_enrolment=pair.mentee_enrolment,
        excluded_user=other_mentor.user,
        reason=Exclusion.Reason.MENTEE,
    )
    return pair, other_mentor


@pytest.mark.django_db
def test_a_mentee_exports_their_pairs_choices_and_exclusions(history):
    pair, other_mentor = history
    files = exported(pair.mentee)
    assert "We met six times." in files["matching-pair.json"]
    assert json.loads(files["matching-mentorchoice.json"])[0]["rank"] == 2
    assert "Quinn" in files["matching-exclusion.json"]


@pytest.mark.django_db
def test_a_mentor_never_gets_a_mentees_ranking_or_exclusions(history):
    pair, other_mentor = history
    files = exported(other_mentor.user)
    assert "matching-mentorchoice.json" not in files
    assert "matching-exclusion.json" not in files


@pytest.mark.django_db
def test_erasure_keeps_the_pair_for_reports_but_not_its_words(history):
    pair, _ = history
    erase_person(user=pair.mentee)
    pair.refresh_from_db()
    assert pair.end_note == "" and pair.explanation == []
    assert not MentorChoice.objects.exists() and not Exclusion.objects.exists()
