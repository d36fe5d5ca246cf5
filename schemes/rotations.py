"""Intake windows from the UK rotation dates: pure date logic, no Django.

Doctors in training in England change post on the first Wednesday of August and of February, and
the seed survey says schemes recruit mentees at the start of each rotation. An intake window
therefore sits around each rotation start:

- it opens four weeks before, when trainees usually learn their next post and trust, so a newcomer
  can ask for a mentor before arriving (induction material goes out about then);
- it closes six weeks after, so a trainee who starts late, or only settles in after the first
  on-call weeks, can still sign up, while the window ends well before the next rotation's opens.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

ROTATION_MONTHS = (2, 8)  # February and August
OPENS_BEFORE = timedelta(weeks=4)
CLOSES_AFTER = timedelta(weeks=6)
WEDNESDAY = 2  # date.weekday()


@dataclass(frozen=True)
class RotationWindow:
    """The intake window of the rotation that starts on `rotation_starts_on`."""

    rotation_starts_on: date
    opens_on: date
    closes_on: date

    @property
    def label(self) -> str:
        return f"{self.rotation_starts_on:%B %Y} rotation"

    def overlaps(self, opens_on: date, closes_on: date) -> bool:
        return self.opens_on <= closes_on and opens_on <= self.closes_on


def first_wednesday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(WEDNESDAY - first.weekday()) % 7)


def rotation_window(rotation_starts_on: date) -> RotationWindow:
    return RotationWindow(
        rotation_starts_on=rotation_starts_on,
        opens_on=rotation_starts_on - OPENS_BEFORE,
        closes_on=rotation_starts_on + CLOSES_AFTER,
    )


def next_rotation_windows(today: date, count: int = 2) -> list[RotationWindow]:
    """The next `count` rotation windows that have not closed by `today`: a window open today
    (today in the middle of it) comes first."""
    windows: list[RotationWindow] = []
    year = today.year - 1  # last August's window may still be open in January
    while len(windows) < count:
        for month in ROTATION_MONTHS:
            window = rotation_window(first_wednesday(year, month))
            if window.closes_on >= today and len(windows) < count:
                windows.append(window)
        year += 1
    return windows


def windows_to_create(
    proposed: Iterable[RotationWindow], existing: Iterable[tuple[date, date]]
) -> tuple[list[RotationWindow], list[RotationWindow]]:
    """Split `proposed` into (new, skipped): a window overlapping any existing one (an
    (opens_on, closes_on) pair) is skipped, so creating twice never duplicates a window."""
    existing = list(existing)
    new, skipped = [], []
    for window in proposed:
        if any(window.overlaps(opens_on, closes_on) for opens_on, closes_on in existing):
            skipped.append(window)
        else:
            new.append(window)
    return new, skipped
