from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import Notification, User
from matching.models import Pair
from supervision.models import TrainingRecord

from .test_region import snapshot

pytestmark = pytest.mark.django_db


def load_demo():
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue().strip().splitlines()


def test_one_command_loads_the_region_then_its_supervision_then_its_pairs():
    lines = load_demo()

    assert len(lines) == 3
    assert lines[0].startswith("Demo data for South London: created 1 region, 10 organisations")
    assert lines[1].startswith("Demo training and supervision: ")
    assert lines[2].startswith("Demo pairs: ") and "created" in lines[2]
    assert User.objects.exists() and TrainingRecord.objects.exists() and Pair.objects.exists()
    assert not Notification.objects.exists(), "the demo sends no email"


def test_running_it_twice_changes_nothing():
    load_demo()
    before = snapshot()

    lines = load_demo()

    assert snapshot() == before
    assert "created nothing" in lines[0]
    assert lines[2] == "Demo pairs: already there."
