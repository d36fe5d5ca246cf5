import pytest
from django.core.management import call_command

from matching.models import Pair
from meetings.models import Meeting, PrivateNote


@pytest.mark.django_db
def test_demo_pairs_give_the_demo_mentee_and_mentor_a_working_pair_once():
    call_command("load_demo", verbosity=0)
    counts = (Pair.objects.count(), Meeting.objects.count())
    call_command("load_demo", verbosity=0)

    assert (Pair.objects.count(), Meeting.objects.count()) == counts
    pair = Pair.objects.get(mentee__email="mentee@example.nhs.uk")
    assert pair.mentor.email == "mentor@example.nhs.uk"
    assert pair.mentee_enrolment.scheme == pair.mentor_enrolment.scheme == pair.scheme
    assert pair.meetings.exists()
    assert PrivateNote.objects.filter(author=pair.mentee).exists()
    for demo_pair in Pair.objects.select_related("mentor_enrolment"):
        active = demo_pair.mentor_enrolment.pairs_as_mentor.exclude(status="ended").count()
        assert active <= demo_pair.mentor_enrolment.capacity


@pytest.mark.django_db
def test_demo_meetings_are_all_in_the_past():
    from django.utils import timezone

    call_command("load_demo", verbosity=0)
    assert not Meeting.objects.filter(held_on__gte=timezone.localdate()).exists()
