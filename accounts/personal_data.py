"""What the product holds about a person: one registry for own-data export and erasure.

Every model with a foreign key to the user is either registered here (how to export it, how to
erase it) or listed as excluded with a reason; a test fails when a model is neither, so a new
model cannot silently escape a subject access request or an erasure.

Apps register their models in `<app>/personal_data.py`, imported from their AppConfig.ready().
"""

import csv
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone


@dataclass(frozen=True)
class Entry:
    model: type
    user_fields: tuple  # foreign keys that point at the person
    fields: tuple  # columns exported; empty: erased but never exported
    erase: Callable | None = None  # erase(queryset, user); None means "rows are deleted"
    label: str = ""
    columns: dict = field(default_factory=dict)  # field path → CSV heading a person reads
    value_labels: dict = field(default_factory=dict)  # field path → {code: label} for lists


@dataclass
class Registry:
    entries: dict = field(default_factory=dict)
    excluded: dict = field(default_factory=dict)  # model → reason it holds nothing to export
    # Run first on erasure, in the same transaction: end what depends on the account (its
    # enrolments, and through them pairs, places and reminders) while the rows are intact.
    closing_steps: list = field(default_factory=list)


registry = Registry()


def register_closing_step(step):
    """`step(user=...)` runs at the start of every erasure; registering twice is harmless."""
    if step not in registry.closing_steps:
        registry.closing_steps.append(step)
    return step


def register(model, *, user_fields, fields, erase=None, label="", columns=None, value_labels=None):
    """`columns` names a CSV heading where the field's own name would not read well;
    `value_labels` gives the labels of codes stored in a list (choice fields label themselves)."""
    registry.entries[model] = Entry(
        model=model,
        user_fields=tuple(user_fields),
        fields=tuple(fields),
        erase=erase,
        label=label or model._meta.verbose_name_plural.capitalize(),
        columns=dict(columns or {}),
        value_labels={path: dict(choices) for path, choices in (value_labels or {}).items()},
    )


def exclude(model, *, reason):
    registry.excluded[model] = reason


def _rows_for(entry, user):
    from django.db.models import Q

    condition = Q()
    for name in entry.user_fields:
        condition |= Q(**{name: user.pk})
    return entry.model._default_manager.filter(condition)


def export_zip(user):
    """A ZIP with one JSON and one CSV file per kind of record, and a README."""
    buffer = io.BytesIO()
    index = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry in sorted(registry.entries.values(), key=lambda e: e.model._meta.label):
            if not entry.fields:
                continue  # erased but never exported (e.g. authenticator secrets)
            rows = list(_rows_for(entry, user).values(*entry.fields))
            if not rows:
                continue
            name = entry.model._meta.label_lower.replace(".", "-")
            archive.writestr(f"{name}.json", json.dumps(rows, cls=DjangoJSONEncoder, indent=2))
            archive.writestr(f"{name}.csv", _csv_text(entry, rows))
            index.append(f"- {name}.json / .csv: {entry.label} ({len(rows)})")
        archive.writestr(
            "README.txt",
            "Everything Peer Mentoring holds about you, exported on "
            f"{timezone.now():%d %B %Y at %H:%M} UTC.\n\n" + "\n".join(index) + "\n",
        )
    return buffer.getvalue()


def _csv_text(entry, rows):
    """The CSV a person opens in a spreadsheet: headings and values in words, not codes.

    (The JSON file beside it keeps the stored values, for anyone who wants to reuse them.)
    """
    fields = {path: _field_at(entry.model, path) for path in entry.fields}
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(
        [entry.columns.get(path) or _column_label(entry.model, path) for path in entry.fields]
    )
    for row in rows:
        writer.writerow(
            [
                _csv_safe(_readable(row[path], fields[path], entry.value_labels.get(path)))
                for path in entry.fields
            ]
        )
    return text.getvalue()


def _path_fields(model, path):
    """The model fields a lookup path such as `pair__scheme__name` walks through."""
    walked = []
    for part in path.split("__"):
        if part == "pk":
            part = model._meta.pk.name
        model_field = model._meta.get_field(part)
        walked.append(model_field)
        model = model_field.related_model or model
    return walked


def _field_at(model, path):
    return _path_fields(model, path)[-1]


def _name_of(model_field):
    name = getattr(model_field, "verbose_name", None)
    if name is None:  # a reverse relation: name it by the model it reaches
        name = model_field.related_model._meta.verbose_name_plural
    return str(name)


def _column_label(model, path):
    """`pair__scheme__name` → "Scheme"; `mentee__first_name` → "Mentee first name"."""
    walked = _path_fields(model, path)
    last = walked[-1]
    if len(walked) == 1:
        label = _name_of(last)
    elif last.name == "name":
        label = _name_of(walked[-2])
    else:
        label = f"{_name_of(walked[-2])} {_name_of(last)}"
    return label[:1].upper() + label[1:]


def _readable(value, model_field, labels=None):
    """A stored value as a person reads it: labels for codes, lists as text, dates in words."""
    choices = labels or dict(getattr(model_field, "flatchoices", None) or ())
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list | tuple):
        return ", ".join(
            filter(None, (str(_readable(item, None, choices or None)) for item in value))
        )
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_readable(item, None)}" for key, item in value.items())
    if isinstance(value, datetime):
        return f"{timezone.localtime(value):%d %B %Y %H:%M}"
    if isinstance(value, date):
        return f"{value:%d %B %Y}"
    if choices and not isinstance(value, list | dict):
        return str(choices.get(value, value))
    return str(value)


def _csv_safe(text):
    text = "" if text is None else str(text)
    # Spreadsheet programs run cells that start like a formula.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def erase_person(*, user):
    """Remove or anonymise everything about `user`; other people's records stay intact.

    Rows are anonymised rather than deleted where reports count them, so aggregate figures do
    not change. Runs in one transaction.
    """
    with transaction.atomic():
        for step in registry.closing_steps:
            step(user=user)
        for entry in registry.entries.values():
            if entry.model._meta.label == settings.AUTH_USER_MODEL:
                continue  # the account itself is anonymised last, never deleted
            rows = _rows_for(entry, user)
            if entry.erase is None:
                rows.delete()
            else:
                entry.erase(rows, user)
        _anonymise_user(user)


def _anonymise_user(user):
    from .sessions import sessions_end_all

    sessions_end_all(user=user)
    user.email = f"erased-{user.pk}@erased.invalid"
    user.first_name = "Erased"
    user.last_name = "user"
    user.specialty = ""
    user.site = ""
    user.gender = ""
    user.email_opt_outs = []
    user.is_active = False
    user.set_unusable_password()
    user.save()
