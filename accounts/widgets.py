"""The project's date and time widgets: every form in every app uses these.

A browser's `<input type="date">` accepts only an ISO value (yyyy-mm-dd). Django's own DateInput
renders the active locale's format (dd/mm/yyyy in en-GB), which the browser rejects and shows as an
empty field, so an untouched form saved a blank date. These widgets always render ISO, whatever
the locale; the browser then displays the date the user's way.
"""

from django import forms

DATE_FORMAT = "%Y-%m-%d"
TIME_FORMAT = "%H:%M"
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATE_FORMAT)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=TIME_FORMAT)


def as_sent_back(stored, sent):
    """The stored date-time if `sent` is what a DateTimeInput showed of it, else `sent`.

    The field shows minutes only, so a stored value with seconds comes back cut to the minute;
    a service comparing the two would see a move that nobody made.
    """
    if stored is not None and sent == stored.replace(second=0, microsecond=0):
        return stored
    return sent


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATETIME_FORMAT)
