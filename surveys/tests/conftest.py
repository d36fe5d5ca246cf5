import re

import pytest
from django.core import mail

from surveys.services import survey_sweep


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    """Run the survey sweep as beat would, sending the emails it queues."""

    def run(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return survey_sweep(**kwargs)

    return run


def survey_link(message):
    """The one-time survey link in an email."""
    match = re.search(r"https?://\S+/surveys/answer/\S+/", message.body)
    assert match, message.body
    return match.group(0)


def emails_to(address):
    return [message for message in mail.outbox if message.to == [address]]
