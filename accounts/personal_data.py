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


@dataclass
class Registry:
    entries: dict = field(default_factory=dict)
    excluded: dict = field(default_factory=dict)  # model → reason it holds nothing to export


registry = Registry()


def register(model, *, user_fields, fields, erase=None, label=""):
    registry.entries[model] = Entry(
        model=model,
        user_fields=tuple(user_fields),
        fields=tuple(fields),
        erase=erase,
        label=label or model._meta.verbose_name_plural.capitalize(),
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
            text = io.StringIO()
            writer = csv.DictWriter(text, fieldnames=list(entry.fields))
            writer.writeheader()
            for row in rows:
                writer.writerow({key: _csv_value(value) for key, value in row.items()})
            archive.writestr(f"{name}.csv", text.getvalue())
            index.append(f"- {name}.json / .csv: {entry.label} ({len(rows)})")
        archive.writestr(
            "README.txt",
            "Everything Peer Mentoring holds about you, exported on "
            f"{timezone.now():%d %B %Y at %H:%M} UTC.\n\n" + "\n".join(index) + "\n",
        )
    return buffer.getvalue()


def _csv_value(value):
    text = "" if value is None else str(value)
    # Spreadsheet programs run cells that start like a formula.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def erase_person(*, user):
    """Remove or anonymise everything about `user`; other people's records stay intact.

    Rows are anonymised rather than deleted where reports count them, so aggregate figures do
    not change. Runs in one transaction.
    """
    with transaction.atomic():
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
