from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import Notification
from schemes.models import Scheme
from supervision.models import MentorFlag, SupervisionSession, TrainingRecord
from supervision.selectors import scheme_supervision_summary, training_requirement

pytestmark = pytest.mark.django_db


def test_demo_supervision_fills_the_demo_schemes_once_and_sends_nothing():
    out = StringIO()

    call_command("load_demo", stdout=out)
    records = TrainingRecord.objects.count()
    call_command("load_demo", stdout=StringIO())

    assert "Demo training and supervision" in out.getvalue()
    assert records > 0 and TrainingRecord.objects.count() == records
    assert SupervisionSession.objects.exists() and MentorFlag.objects.exists()
    assert not Notification.objects.filter(kind__startswith="supervision").exists()
    slam = Scheme.objects.get(slug__startswith="slam")
    summary = scheme_supervision_summary(slam)
    assert 0 < summary["training"]["meets_requirement_share"] < 1
    untrained = next(
        enrolment
        for enrolment in slam.enrolments.filter(role="mentor", status="active")
        if not training_requirement(enrolment).is_met
    )
    assert training_requirement(untrained).steps
