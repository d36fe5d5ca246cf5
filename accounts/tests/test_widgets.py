"""One date widget for the project: every date, time and date-time field renders ISO.

A browser's date field takes only yyyy-mm-dd; given the en-GB dd/mm/yyyy it shows nothing, and an
untouched form then saves a blank date. The form classes are found the way the fuzz test finds
them, so a form added to any app is checked without being listed here.
"""

import ast
import re
from datetime import date, datetime, time
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.utils import translation

from accounts import widgets
from tests.test_fuzz_every_form import NOT_FUZZED, PROJECT_APPS, project_form_classes

# The value each kind of field is rendered with, the project widget it must use, and what the
# browser must receive.
KINDS = [
    (forms.DateTimeField, widgets.DateTimeInput, datetime(2024, 8, 7, 13, 35), "2024-08-07T13:35"),
    (forms.DateField, widgets.DateInput, date(2024, 8, 7), "2024-08-07"),
    (forms.TimeField, widgets.TimeInput, time(13, 35), "13:35"),
]


def _import(dotted):
    module_name, _, class_name = dotted.rpartition(".")
    module = __import__(module_name, fromlist=[class_name])
    return getattr(module, class_name)


def _fields(cls):
    """The form's declared fields, or a FilterSet's filters' fields."""
    if hasattr(cls, "base_filters"):
        return {name: item.field for name, item in cls.base_filters.items()}
    return dict(cls.base_fields)


def date_fields():
    """Every date, time and date-time field in the product's forms (the admin's have its own)."""
    found = []
    for dotted in sorted(project_form_classes() - NOT_FUZZED.keys()):
        for name, field in _fields(_import(dotted)).items():
            if isinstance(field, forms.DateField | forms.TimeField | forms.DateTimeField):
                found.append(pytest.param(field, id=f"{dotted}.{name}"))
    return found


def _kind(field):
    for field_class, widget_class, value, expected in KINDS:
        if isinstance(field, field_class):
            return widget_class, value, expected
    raise AssertionError(f"not a date or time field: {field!r}")


def test_the_discovery_finds_the_date_fields_we_know_of():
    names = {param.id for param in date_fields()}
    assert "accounts.forms.ProfileForm.training_started_on" in names
    assert "schemes.forms.IntakeWindowForm.opens_on" in names
    assert "meetings.forms.PlanMeetingForm.at" in names
    assert "supervision.forms.TrainingEventForm.starts_at" in names


@pytest.mark.parametrize("field", date_fields())
def test_every_date_field_uses_the_project_widget_and_renders_iso(field):
    widget_class, value, expected = _kind(field)
    assert isinstance(field.widget, widget_class), (
        f"use accounts.widgets.{widget_class.__name__}, not {type(field.widget).__name__}"
    )
    with translation.override(settings.LANGUAGE_CODE):
        html = field.widget.render("when", value)
    assert f'value="{expected}"' in html
    assert f'type="{widget_class.input_type}"' in html


@pytest.mark.parametrize("widget_class, value, expected", [kind[1:] for kind in KINDS])
def test_the_project_widgets_render_iso_in_the_en_gb_locale(widget_class, value, expected):
    with translation.override("en-gb"):
        assert widget_class().format_value(value) == expected
        # Django's own widget renders the locale's format, which a browser's date field refuses.
        plain = widget_class.__mro__[1]()
        plain.input_type = widget_class.input_type
        assert plain.format_value(value) != expected


# Ways of writing a date, time or date-time input that bypass accounts.widgets.
RAW = re.compile(
    r"forms\.(DateInput|TimeInput|DateTimeInput)\b"
    r"""|["']type["']\s*:\s*["'](date|time|datetime-local)["']"""
    r"""|input_type\s*=\s*["'](date|time|datetime-local)["']"""
)


def _source_files():
    base = Path(settings.BASE_DIR)
    for app in PROJECT_APPS:
        for path in (base / app).rglob("*.py"):
            relative = path.relative_to(base)
            if "tests" in relative.parts or "migrations" in relative.parts:
                continue
            if relative == Path("accounts/widgets.py"):
                continue
            yield relative, path.read_text()


def raw_date_inputs(files):
    return [
        f"{relative}:{number}: {line.strip()}"
        for relative, text in files
        for number, line in enumerate(text.splitlines(), start=1)
        if RAW.search(line)
    ]


def test_no_form_builds_its_own_date_or_time_input():
    found = raw_date_inputs(_source_files())
    assert not found, "use accounts.widgets instead of these:\n" + "\n".join(found)


def test_the_raw_input_check_catches_each_way_of_writing_one():
    samples = [
        'widget=forms.DateInput(attrs={"type": "date"}),',
        "class DateInput(forms.DateInput):",
        '    input_type = "time"',
        "widget=forms.DateTimeInput,",
    ]
    found = raw_date_inputs([(Path("x.py"), "\n".join(samples))])
    assert len(found) == len(samples)
    assert not raw_date_inputs([(Path("x.py"), "widget=DateInput(),")])


def test_every_app_imports_its_date_widgets_from_accounts_widgets():
    """A module that subclasses a widget named like ours is the old copy come back."""
    for relative, text in _source_files():
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef):
                assert node.name not in {"DateInput", "TimeInput", "DateTimeInput"}, (
                    f"{relative} defines its own {node.name}: import it from accounts.widgets"
                )


def test_a_stored_time_with_seconds_sent_back_as_shown_is_the_stored_time():
    from datetime import UTC, datetime

    from accounts.widgets import as_sent_back

    stored = datetime(2026, 12, 12, 5, 7, 21, 154674, tzinfo=UTC)
    assert as_sent_back(stored, datetime(2026, 12, 12, 5, 7, tzinfo=UTC)) == stored
    moved = datetime(2026, 12, 12, 5, 8, tzinfo=UTC)
    assert as_sent_back(stored, moved) == moved
    assert as_sent_back(None, moved) == moved
