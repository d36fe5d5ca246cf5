"""Intake windows from the UK rotation dates: the date rules, and the organiser's page."""

from datetime import date
from unittest import mock

import pytest
from django.urls import reverse

from schemes.models import IntakeWindow
from schemes.rotations import (
    first_wednesday,
    next_rotation_windows,
    rotation_window,
    windows_to_create,
)

# --- The date rules ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "month", "expected"),
    [
        (2026, 8, date(2026, 8, 5)),
        (2027, 2, date(2027, 2, 3)),
        (2027, 9, date(2027, 9, 1)),  # the 1st is itself a Wednesday
        (2028, 2, date(2028, 2, 2)),  # a leap year
        (2024, 2, date(2024, 2, 7)),  # a leap year whose 1st is a Thursday
    ],
)
def test_rotations_start_on_the_first_wednesday_of_the_month(year, month, expected):
    assert first_wednesday(year, month) == expected
    assert expected.weekday() == 2


def test_a_window_opens_four_weeks_before_and_closes_six_weeks_after_the_rotation():
    window = rotation_window(date(2027, 8, 4))

    assert window.opens_on == date(2027, 7, 7)
    assert window.closes_on == date(2027, 9, 15)
    assert window.label == "August 2027 rotation"


def test_a_february_window_in_a_leap_year_counts_the_29th():
    window = rotation_window(date(2024, 2, 7))

    assert window.closes_on == date(2024, 3, 20)  # 42 days, through 29 February


def test_the_next_windows_alternate_february_and_august():
    windows = next_rotation_windows(date(2026, 12, 5), 4)

    assert [window.rotation_starts_on for window in windows] == [
        date(2027, 2, 3),
        date(2027, 8, 4),
        date(2028, 2, 2),
        date(2028, 8, 2),
    ]


def test_a_window_open_today_comes_first():
    # 20 August 2026 is in the middle of the August 2026 window (8 July – 16 September).
    windows = next_rotation_windows(date(2026, 8, 20), 2)

    assert windows[0].label == "August 2026 rotation"
    assert windows[0].opens_on <= date(2026, 8, 20) <= windows[0].closes_on
    assert windows[1].label == "February 2027 rotation"


def test_in_january_the_february_window_comes_first():
    # In January the February window has opened already; last August's closed long ago.
    windows = next_rotation_windows(date(2027, 1, 10), 1)

    assert windows[0].label == "February 2027 rotation"


def test_a_window_that_closes_today_is_still_offered():
    window = rotation_window(date(2027, 2, 3))

    assert next_rotation_windows(window.closes_on, 1)[0] == window
    assert next_rotation_windows(window.closes_on.replace(day=18), 1)[0] != window


def test_an_existing_overlapping_window_is_never_duplicated():
    proposed = next_rotation_windows(date(2026, 12, 5), 2)
    existing = [(date(2027, 1, 20), date(2027, 2, 28))]  # the organiser's own February window

    new, skipped = windows_to_create(proposed, existing)

    assert [window.label for window in new] == ["August 2027 rotation"]
    assert [window.label for window in skipped] == ["February 2027 rotation"]


def test_windows_that_only_touch_on_one_day_overlap():
    window = rotation_window(date(2027, 2, 3))

    assert window.overlaps(window.closes_on, window.closes_on)
    assert not window.overlaps(date(2027, 3, 18), date(2027, 4, 1))


# --- The organiser's page ------------------------------------------------------------------

TODAY = date(2026, 12, 5)


@pytest.fixture
def fixed_today():
    with mock.patch("schemes.views.organiser.timezone.localdate", return_value=TODAY):
        yield


@pytest.mark.django_db
def test_organiser_previews_then_creates_the_next_two_rotation_windows(
    client, organiser, scheme, fixed_today
):
    client.force_login(organiser)
    url = reverse("schemes:rotation-windows", args=[scheme.slug])

    preview = client.get(url)
    assert "February 2027 rotation" in preview.text and "August 2027 rotation" in preview.text
    assert not IntakeWindow.objects.filter(scheme=scheme).exists()  # a preview saves nothing

    response = client.post(url, {"count": "2"}, follow=True)

    assert list(
        IntakeWindow.objects.filter(scheme=scheme).values_list("label", "opens_on", "closes_on")
    ) == [
        ("February 2027 rotation", date(2027, 1, 6), date(2027, 3, 17)),
        ("August 2027 rotation", date(2027, 7, 7), date(2027, 9, 15)),
    ]
    assert "Intake windows added: February 2027 rotation, August 2027 rotation." in response.text


@pytest.mark.django_db
def test_confirming_twice_creates_each_window_once(client, organiser, scheme, fixed_today):
    client.force_login(organiser)
    url = reverse("schemes:rotation-windows", args=[scheme.slug])

    client.post(url, {"count": "2"})
    response = client.post(url, {"count": "4"}, follow=True)

    labels = list(IntakeWindow.objects.filter(scheme=scheme).values_list("label", flat=True))
    assert labels == [
        "February 2027 rotation",
        "August 2027 rotation",
        "February 2028 rotation",
        "August 2028 rotation",
    ]
    assert "Intake windows added: February 2028 rotation, August 2028 rotation." in response.text


@pytest.mark.django_db
def test_a_window_the_organiser_made_by_hand_is_kept_and_not_duplicated(
    client, organiser, scheme, fixed_today
):
    IntakeWindow.objects.create(
        scheme=scheme, label="Spring intake", opens_on=date(2027, 2, 1), closes_on=date(2027, 3, 1)
    )
    client.force_login(organiser)
    url = reverse("schemes:rotation-windows", args=[scheme.slug])

    preview = client.get(url)
    assert "Already covered" in preview.text

    client.post(url, {"count": "2"})

    assert sorted(IntakeWindow.objects.filter(scheme=scheme).values_list("label", flat=True)) == [
        "August 2027 rotation",
        "Spring intake",
    ]


@pytest.mark.django_db
def test_a_count_not_offered_is_refused_with_a_message_and_nothing_saved(
    client, organiser, scheme, fixed_today
):
    client.force_login(organiser)

    response = client.post(reverse("schemes:rotation-windows", args=[scheme.slug]), {"count": "40"})

    assert response.status_code == 400
    assert "Select a valid choice" in response.text
    assert not IntakeWindow.objects.filter(scheme=scheme).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("member", "expected"),
    [("other_organiser", 404), ("mentee", 403), ("mentor", 403), ("other_dme", 404), ("dme", 403)],
)
def test_only_the_schemes_organisers_may_add_rotation_windows(
    client, request, scheme, member, expected, fixed_today
):
    client.force_login(request.getfixturevalue(member))
    url = reverse("schemes:rotation-windows", args=[scheme.slug])

    assert client.get(url).status_code == expected
    assert client.post(url, {"count": "2"}).status_code == expected
    assert not IntakeWindow.objects.filter(scheme=scheme).exists()


@pytest.mark.django_db
def test_an_anonymous_visitor_is_sent_to_sign_in(client, scheme):
    response = client.get(reverse("schemes:rotation-windows", args=[scheme.slug]))

    assert response.status_code == 302 and "/login" in response["Location"]
