"""One staged CSV import: upload → preview → confirm, written once for every import.

An import is a column spec (`ImportSpec` of `Column`s, with the messages that name what the file
holds) and a row checker (a `RowChecker` subclass). This module does the rest:

1. `decode_upload`: the file's text, UTF-8 with or without a byte order mark, else Windows-1252;
   Excel workbooks, UTF-16 and mixed encodings are refused with what to do. `size_check` refuses
   a file over the spec's limit.
2. `columns_map`: which column of the file is which, by header aliases ("GMC number" →
   gmc_number); a required column missing, or two columns meaning one thing, refuses the file.
3. `rows_check`: every row cleaned (`Column.cleaner`) and checked (`RowChecker.check`), then
   checked against the others (`RowChecker.duplicate_keys`). Nothing is written.
4. `staged_import_preview`: the checked file kept in a model row for the person to confirm.
5. `staged_import_confirm`: claim the import with a conditional update, so that confirming twice
   saves once, and save it, all in one transaction: every row is saved or none is.

Rows are numbered as a spreadsheet shows them: the header is row 1. A problem is a dict of
`field`, `message` (what is wrong) and `fix` (what to do); a row with problems is kept as the
checker's `describe(row)` plus `row` and `problems`, a row without as `row` and its clean values.
"""

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

MAX_FILE_BYTES = 5 * 1024 * 1024
SAVE_AS_CSV = "In your spreadsheet choose File › Save As › “CSV UTF-8 (Comma delimited)”"


class ImportFileError(ValidationError):
    """The whole file cannot be used; the message says why and what to do."""


class StagedImport(models.Model):
    """An uploaded file, read and checked, waiting to be confirmed: nothing is saved from it until
    `confirmed_at` is set, and then all of it in one transaction. A concrete import adds whose it
    is (a scheme, a trust) and a count of what confirming made."""

    # The file's people, row by row, and the problems found in them.
    confidential_fields = ("rows", "problems")

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    file_name = models.CharField(max_length=255)
    rows = models.JSONField(default=list)
    problems = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]


def problem(field_name: str, message: str, fix: str) -> dict:
    return {"field": field_name, "message": message, "fix": fix}


def presence_problems(row: dict, spec: "ImportSpec", max_lengths: dict[str, int]) -> list[dict]:
    """A problem for each required column left empty and each value longer than its field."""
    problems = []
    for column in spec.columns:
        value = row[column.name]
        limit = max_lengths.get(column.name)
        if column.required and not value:
            problems.append(
                problem(
                    column.name, f"The {column.says} is empty.", f"Add the trainee's {column.says}."
                )
            )
        elif limit and len(value) > limit:
            problems.append(
                problem(
                    column.name,
                    f"The {column.says} is longer than {limit} characters.",
                    "Shorten it.",
                )
            )
    return problems


def _unchanged(value: str) -> str:
    return value


@dataclass(frozen=True)
class Column:
    """One column an import reads. `label` names it in messages (default: name with spaces);
    `cleaner` turns the stripped text of a cell into the value checked and kept."""

    name: str
    aliases: tuple[str, ...]
    required: bool = False
    cleaner: Callable[[str], str] = _unchanged
    label: str = ""

    @property
    def says(self) -> str:
        return self.label or self.name.replace("_", " ")


@dataclass(frozen=True)
class ImportSpec:
    """What an import reads and how it speaks of it.

    `one_of` lists groups of columns of which at least one must be present, with the words for
    the group ("email or GMC number"). The messages finish the sentences this module begins:
    `empty_file` when the file is empty, `too_big` after the size and the limit, `no_rows` when
    only the header is there, `extra_values_fix` for a row with more values than the header.
    `columns_text` lists the columns to name in the first row (default: from the columns).
    """

    columns: tuple[Column, ...]
    empty_file: str
    too_big: str
    no_rows: str
    extra_values_fix: str = (
        "A value probably contains a comma: put that value in double quotes, or remove the comma."
    )
    one_of: tuple[tuple[tuple[str, ...], str], ...] = ()
    columns_text: str = ""
    name_both_headers: bool = True  # "Two columns both mean email: “Email” and “E-mail”."
    max_bytes: int = MAX_FILE_BYTES
    reads_xlsx: bool = False  # an Excel workbook's first sheet is read as the CSV would be

    def column_for(self, header_name: str) -> Column | None:
        key = header_key(header_name)
        return next((column for column in self.columns if key in column.aliases), None)

    def columns_named(self) -> str:
        if self.columns_text:
            return self.columns_text
        required = ", ".join(column.name for column in self.columns if column.required)
        optional = ", ".join(column.name for column in self.columns if not column.required)
        return f"{required} (and, if you have them, {optional})" if optional else required


class RowChecker:
    """Checks the rows of one import. Subclasses write `check`; the other hooks are optional."""

    def check(self, row: dict) -> list[dict]:
        """The problems of one row of clean values, on its own (no other rows)."""
        raise NotImplementedError

    def rows_tidy(self, rows: list[dict]) -> None:
        """Change the clean rows in place once all are read (one spelling per value, say)."""

    def duplicate_keys(self, row: dict) -> list:
        """Keys that no two rows may share (an email, say); none by default."""
        return []

    def duplicate_problem(self, others: list[int]) -> dict:
        rows = f"row{'s' if len(others) > 1 else ''} {', '.join(str(n) for n in others)}"
        return problem("", f"The same values are also on {rows}.", "Keep one of these rows.")

    def describe(self, row: dict) -> dict:
        """Who or what a row with problems is about, for the preview."""
        return {}


@dataclass
class ParsedFile:
    rows: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    ignored_columns: list = field(default_factory=list)


# --- 1. Reading the file ----------------------------------------------------------------------


def size_label(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def size_check(size: int, spec: ImportSpec) -> None:
    if size > spec.max_bytes:
        raise ImportFileError(
            f"The file is {size_label(size)}; the limit is {size_label(spec.max_bytes)}. "
            f"{spec.too_big}"
        )


def _refuse(reason: str) -> ImportFileError:
    return ImportFileError(f"{reason} {SAVE_AS_CSV} and upload that file.")


def decode_upload(data: bytes) -> str:
    """Return the file's text: UTF-8 (with or without a byte order mark) or Windows-1252."""
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise _refuse("This is an Excel workbook, not a CSV file.")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data[:4096]:
        raise _refuse("This file is saved as UTF-16 (“Unicode text”), which we cannot read.")
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = _decode_not_utf8(data)
    if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text):
        raise _refuse(
            "This file contains characters that are not text, so it is probably not a CSV file."
        )
    return text


def _decode_not_utf8(data: bytes) -> str:
    # Valid UTF-8 letters next to bytes that are not UTF-8 mean two encodings in one file:
    # decoding it all as Windows-1252 would garble every name written in UTF-8.
    escaped = data.decode("utf-8", errors="surrogateescape")
    if re.search("[^\x00-\x7f\udc80-\udcff]", escaped):
        raise ImportFileError(
            "This file mixes two text encodings (UTF-8 and another), so some names would come "
            f"out garbled. {SAVE_AS_CSV}, check the names look right, and upload it again."
        )
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise _refuse(
            "We cannot read the text of this file: it is neither UTF-8 nor Windows-1252 text."
        ) from None


def xlsx_text(data: bytes) -> str:
    """The first sheet of an Excel workbook as CSV text: dates as ISO dates, numbers as they
    read (a GMC number stored as a number keeps no ".0")."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged or foreign file
        raise _refuse("We cannot read this Excel workbook.") from None
    text = io.StringIO()
    writer = csv.writer(text)
    for values in workbook.worksheets[0].iter_rows(values_only=True):
        writer.writerow([_xlsx_cell(value) for value in values])
    workbook.close()
    return text.getvalue()


def _xlsx_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()  # spreadsheets keep dates as midnight date-times
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _text(data: bytes, spec: ImportSpec) -> str:
    if spec.reads_xlsx and data.startswith(b"PK\x03\x04"):
        return xlsx_text(data)
    return decode_upload(data)


def _delimiter(first_line: str) -> tuple[str, bool]:
    if first_line.lower().startswith("sep=") and len(first_line.strip()) == 5:
        return first_line.strip()[4], True  # Excel's "sep=;" hint line
    counts = {delimiter: first_line.count(delimiter) for delimiter in ",;\t"}
    best = max(counts, key=lambda delimiter: (counts[delimiter], delimiter == ","))
    return best, False


def csv_records(text: str) -> Iterator[tuple[int, list[str]]]:
    """Yield (spreadsheet row number, list of cells), the header first."""
    first_line = text.split("\n", 1)[0]
    delimiter, has_hint = _delimiter(first_line)
    if has_hint:
        text = text.split("\n", 1)[1] if "\n" in text else ""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, cells
    except csv.Error as error:
        raise ImportFileError(
            f"We could not read row {number + 1} as CSV ({error}). Check that row for a stray "
            f"quotation mark, or {SAVE_AS_CSV[0].lower()}{SAVE_AS_CSV[1:]} and upload it again."
        ) from None


# --- 2. Mapping the columns -------------------------------------------------------------------


def header_key(text: str) -> str:
    """'First name', 'FIRST_NAME' and 'Start date (dd/mm/yyyy)' → 'first_name', 'start_date'."""
    text = re.sub(r"\(.*?\)", "", text)
    return re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_")


def columns_map(header: list[str], spec: ImportSpec) -> tuple[dict[str, int], list[str]]:
    """({column name: position}, names of the columns ignored). Raises ImportFileError when a
    required column is missing or two columns mean one thing."""
    positions, ignored, seen = {}, [], {}
    for position, name in enumerate(header):
        column = spec.column_for(name)
        if column is None:
            if name.strip():
                ignored.append(name.strip())
        elif column.name in positions:
            raise _two_columns(spec, column, seen[column.name], name.strip())
        else:
            positions[column.name] = position
            seen[column.name] = name.strip()
    _missing_check(header, positions, spec)
    return positions, ignored


def _two_columns(spec: ImportSpec, column: Column, first: str, second: str) -> ImportFileError:
    both = f": “{first}” and “{second}”" if spec.name_both_headers else ""
    return ImportFileError(
        f"Two columns both mean {column.says}{both}. Delete one of them and upload the file again."
    )


def _missing_check(header: list[str], positions: dict[str, int], spec: ImportSpec) -> None:
    missing = [says for names, says in spec.one_of if not set(names) & set(positions)]
    missing += [
        column.says for column in spec.columns if column.required and column.name not in positions
    ]
    if missing:
        found = ", ".join(f"“{name.strip()}”" for name in header if name.strip()) or "nothing"
        raise ImportFileError(
            f"The file has no {' or '.join(missing)} column, so we cannot use it. The first row "
            f"must name the columns: {spec.columns_named()}. Its first row says: {found}. Add or "
            "rename the columns and upload the file again."
        )


# --- 3. Checking the rows ---------------------------------------------------------------------


def _header(records: Iterator) -> list[str]:
    for _number, header in records:
        if any(cell.strip() for cell in header):
            return header
    return []


def _row_values(cells: list[str], positions: dict[str, int], spec: ImportSpec) -> dict:
    row = {}
    for column in spec.columns:
        index = positions.get(column.name)
        text = cells[index] if index is not None and index < len(cells) else ""
        row[column.name] = column.cleaner(text.strip())
    return row


def _extra_values_problems(cells: list[str], header: list[str], spec: ImportSpec) -> list:
    if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
        return [
            problem(
                "",
                f"This row has {len(cells)} values but the header has {len(header)} columns.",
                spec.extra_values_fix,
            )
        ]
    return []


def _entries(records, header, positions, spec, checker) -> list[tuple[int, dict, list]]:
    """(row number, clean values, problems) of every row that is not blank."""
    entries = []
    for number, cells in records:
        if not any(cell.strip() for cell in cells):
            continue
        row = _row_values(cells, positions, spec)
        problems = _extra_values_problems(cells, header, spec) + checker.check(row)
        entries.append((number, row, problems))
    return entries


def _duplicates_mark(entries, checker: RowChecker) -> None:
    numbers_by_key = {}
    for number, row, _problems in entries:
        for key in checker.duplicate_keys(row):
            numbers_by_key.setdefault(key, []).append(number)
    for number, row, problems in entries:
        others = {
            other
            for key in checker.duplicate_keys(row)
            for other in numbers_by_key[key]
            if other != number
        }
        if others:
            problems.append(checker.duplicate_problem(sorted(others)))


def rows_check(data: bytes, spec: ImportSpec, checker: RowChecker) -> ParsedFile:
    """Read the bytes of a file and check every row. No database writes.

    1. Decode and find the columns from the first row that is not blank.
    2. Check each row on its own, skipping blank rows; then let the checker tidy them all.
    3. Mark every row that shares a key with another row.
    """
    if not data.strip():
        raise ImportFileError(spec.empty_file)
    records = csv_records(_text(data, spec))
    header = _header(records)
    positions, ignored = columns_map(header, spec)
    entries = _entries(records, header, positions, spec, checker)
    if not entries:
        raise ImportFileError(spec.no_rows)
    checker.rows_tidy([row for _number, row, _problems in entries])
    _duplicates_mark(entries, checker)
    parsed = ParsedFile(ignored_columns=ignored)
    for number, row, problems in entries:
        if problems:
            parsed.problems.append({"row": number, **checker.describe(row), "problems": problems})
        else:
            parsed.rows.append({"row": number, **row})
    return parsed


# --- 4 and 5. Preview and confirm -------------------------------------------------------------


def staged_import_preview(
    *,
    model,
    spec: ImportSpec,
    checker: RowChecker,
    uploaded_file,
    uploaded_by,
    default_name: str,
    **owner,
):
    """Check an uploaded file and keep the result, as a new `model` row (`owner` says whose), for
    confirming. Raises ImportFileError when the file as a whole cannot be used. The instance
    returned carries `ignored_columns` (not stored) for the page after the upload."""
    size_check(uploaded_file.size, spec)
    parsed = rows_check(b"".join(uploaded_file.chunks()), spec, checker)
    with transaction.atomic():
        staged = model.objects.create(
            **owner,
            uploaded_by=uploaded_by,
            file_name=(uploaded_file.name or default_name)[:255],
            rows=parsed.rows,
            problems=parsed.problems,
        )
    staged.ignored_columns = parsed.ignored_columns
    return staged


def staged_import_confirm(
    staged,
    *,
    save: Callable[..., int],
    count_field: str,
    already_confirmed: Callable[..., ValidationError],
):
    """Claim `staged` and save it in one transaction: all of it or, on any error, nothing.

    `save(now)` writes what the import makes and returns how many it made, kept in
    `count_field`. Confirming an import claimed already raises `already_confirmed(claimed)`,
    given the import as stored.
    """
    model = type(staged)
    with transaction.atomic():
        now = timezone.now()
        claimed = model.objects.filter(pk=staged.pk, confirmed_at=None).update(confirmed_at=now)
        if claimed != 1:
            raise already_confirmed(model.objects.get(pk=staged.pk))
        count = save(now)
        model.objects.filter(pk=staged.pk).update(**{count_field: count})
    staged.refresh_from_db(fields=["confirmed_at", count_field])
    return staged


def chunks(items: list, size: int = 2000) -> Iterable[list]:
    """Slices for `IN (...)` look-ups, well under every backend's limit on query parameters."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
