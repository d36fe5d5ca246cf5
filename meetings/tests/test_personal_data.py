"""A member's own-data export holds their pairs' shared records and their own notes only;
erasure removes their words and keeps the dates that reports count."""

import pytest

from accounts.personal_data import erase_person, export_zip
from meetings.models import Meeting, MentoringAgreement, PrivateNote

from .conftest import AGREEMENT, GOAL, MENTEE_NOTE, MENTOR_NOTE, SUMMARY


def zip_text(user):
    import io
    import zipfile

    archive = zipfile.ZipFile(io.BytesIO(export_zip(user)))
    return "".join(archive.read(name).decode() for name in archive.namelist())


@pytest.mark.django_db
def test_export_holds_shared_records_and_only_the_members_own_note(full_pair, mentor):
    text = zip_text(mentor)
    assert SUMMARY in text and GOAL in text and AGREEMENT in text and MENTOR_NOTE in text
    assert MENTEE_NOTE not in text


@pytest.mark.django_db
def test_erasure_removes_the_words_and_keeps_the_dates(full_pair, mentee):
    held_on = Meeting.objects.get().held_on

    erase_person(user=mentee)

    meeting = Meeting.objects.get()
    assert meeting.held_on == held_on and meeting.summary == "" and meeting.topics == []
    assert list(PrivateNote.objects.values_list("text", flat=True)) == [MENTOR_NOTE]
    assert AGREEMENT not in MentoringAgreement.objects.get().working_on
    assert not full_pair.goals.exists()
