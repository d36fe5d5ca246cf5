"""The disclosure rules (schemes/disclosure.py), one promise at a time."""

from collections import defaultdict
from itertools import product

import pytest
from django.template import Context, Template

from schemes import disclosure
from schemes.disclosure import Shown


def shown(result):
    """A group's result as the reader sees it: numbers, or the words."""
    return {key: str(value) for key, value in result.items()}


def test_counts_of_one_to_four_read_fewer_than_5_and_the_rest_are_exact():
    assert [str(disclosure.count(n)) for n in range(7)] == [
        "0",
        "fewer than 5",
        "fewer than 5",
        "fewer than 5",
        "fewer than 5",
        "5",
        "6",
    ]
    assert disclosure.count(3) == Shown(value=None, suppressed=True)
    assert disclosure.count(42) == Shown(value=42, suppressed=False)


def test_a_cell_for_csv_or_xlsx_is_the_number_itself_or_the_words():
    assert disclosure.count(12).cell() == 12
    assert disclosure.count(0).cell() == 0
    assert disclosure.count(2).cell() == "fewer than 5"
    assert disclosure.count(2).plotted is None and disclosure.count(9).plotted == 9


def test_the_threshold_is_read_from_settings_at_call_time(settings):
    settings.DISCLOSURE_MIN_COUNT = 8
    assert disclosure.min_count() == 8
    assert str(disclosure.count(7)) == "fewer than 8"
    assert str(disclosure.count(8)) == "8"
    assert shown(disclosure.group({"a": 7, "b": 2, "c": 20})) == {
        "a": "fewer than 8",
        "b": "fewer than 8",
        "c": "20",
    }
    assert disclosure.share(7, 10) is None and disclosure.share(8, 10) == "80%"
    assert not disclosure.enough(7) and disclosure.enough(8)


def test_a_group_with_nothing_small_is_shown_exactly():
    assert shown(disclosure.group({"CT1": 7, "ST4": 0, "ST6": 12})) == {
        "CT1": "7",
        "ST4": "0",
        "ST6": "12",
    }


def test_one_small_cell_takes_the_next_smallest_with_it():
    # ST4 = 1 alone would be 35 − 7 − 12 − 15. The next-smallest (CT1, 7) is hidden with it;
    # but ST4 + CT1 = 8 with CT1 at least 5 would leave ST4 at most 3, so ST6 goes too. As the
    # hidden cells include some of 5 or more, none reads "fewer than 5".
    result = disclosure.group({"CT1": 7, "ST4": 1, "ST6": 12, "ST8": 15})
    assert shown(result) == {
        "CT1": "not shown",
        "ST4": "not shown",
        "ST6": "not shown",
        "ST8": "15",
    }
    assert result["CT1"] == Shown(value=None, suppressed=True, withheld=True)


def test_two_small_cells_holding_five_between_them_hide_each_other():
    assert shown(disclosure.group({"CT1": 20, "ST4": 3, "ST6": 2})) == {
        "CT1": "20",
        "ST4": "fewer than 5",
        "ST6": "fewer than 5",
    }


def test_a_zero_beside_a_suppressed_cell_does_not_betray_it():
    # Showing "0" for ST6 would leave ST4 = 49 − 10 − 6 − 30; the zero reads like the hidden
    # cell, and as ST4 and ST6 together hold fewer than 5, the next cell (ST8) goes too.
    assert shown(disclosure.group({"CT1": 10, "ST4": 3, "ST6": 0, "ST8": 6, "ST9": 30})) == {
        "CT1": "10",
        "ST4": "not shown",
        "ST6": "not shown",
        "ST8": "not shown",
        "ST9": "30",
    }


def test_every_zero_in_a_group_with_a_suppressed_cell_reads_fewer_than_5():
    # ST4 and ST6 hide each other (6 between them); the 0 beside them is not shown as 0.
    assert shown(disclosure.group({"ST4": 2, "ST6": 4, "ST8": 0, "CT1": 20})) == {
        "ST4": "fewer than 5",
        "ST6": "fewer than 5",
        "ST8": "fewer than 5",
        "CT1": "20",
    }


def test_fewer_than_5_beside_cells_that_could_only_be_four_each_is_not_enough():
    # "fewer than 5" twice with 8 behind them would say 4 and 4.
    assert shown(disclosure.group({"a": 4, "b": 4, "c": 30, "d": 40})) == {
        "a": "not shown",
        "b": "not shown",
        "c": "not shown",
        "d": "40",
    }


def test_a_group_whose_total_is_under_five_is_suppressed_whole():
    assert shown(disclosure.group({"a": 3, "b": 0})) == {
        "a": "fewer than 5",
        "b": "fewer than 5",
    }
    assert shown(disclosure.group({"a": 0, "b": 0, "c": 0})) == {"a": "0", "b": "0", "c": "0"}


def test_a_larger_total_given_counts_the_people_in_no_listed_cell():
    # 30 people, 26 in the listed cells: the 4 in none make the hidden cells' total 2 + 4.
    assert shown(disclosure.group({"a": 2, "b": 0, "c": 24}, total=30)) == {
        "a": "fewer than 5",
        "b": "fewer than 5",
        "c": "24",
    }
    assert shown(disclosure.group({"a": 6, "b": 7}, total=3)) == {
        "a": "fewer than 5",
        "b": "fewer than 5",
    }


def test_the_group_keeps_the_order_of_its_cells():
    assert list(disclosure.group({"z": 9, "a": 1, "m": 8})) == ["z", "a", "m"]


@pytest.mark.parametrize(("cells", "largest"), [(2, 16), (3, 13), (4, 9), (5, 6)])
def test_no_reader_can_work_out_a_hidden_cell_of_one_to_four(cells, largest):
    """Every group of `cells` cells of 0..`largest` people. What a reader sees is the total
    (itself suppressed if 1 to 4) and each cell's words. (1) No total less the cells shown is
    1 to 4. (2) A reader who knows the rule lists every group that shows the same: whenever
    a cell is 1 to 4, the groups it could be hold at least two values for that cell."""
    behind_what_is_shown = defaultdict(list)
    for counts in product(range(largest + 1), repeat=cells):
        result = disclosure.group(dict(enumerate(counts)))
        total = disclosure.count(sum(counts))
        for index, value in result.items():
            if not value.suppressed:
                assert value.value == counts[index]
        hidden = sum(counts[i] for i, value in result.items() if value.suppressed)
        if total.suppressed:
            assert all(value.suppressed for value in result.values())
        else:
            assert hidden == 0 or hidden >= 5, counts
        seen = (str(total), tuple(str(value) for value in result.values()))
        behind_what_is_shown[seen].append(counts)
    for seen, groups in behind_what_is_shown.items():
        if any(largest in group for group in groups):
            continue  # at the edge of the search the other possibilities lie outside it
        for index in range(cells):
            possible = {group[index] for group in groups}
            assert not (len(possible) == 1 and 0 < min(possible) < 5), (seen, groups)


def test_derived_figures_need_a_group_of_five():
    assert not disclosure.enough(4) and disclosure.enough(5)
    assert disclosure.share(5, 8) == "62%"
    assert disclosure.share(0, 10) == "0%"
    assert disclosure.share(3, 10) is None  # 30% of 10 is 3 people
    assert disclosure.share(4, 4) is None  # a group of four
    assert disclosure.share(7, 9, places=1) == "77.8%"


def test_the_sensitive_note_says_what_is_missing_and_why():
    assert "whole trust only" in disclosure.SENSITIVE_NOTE
    assert "singled out" in disclosure.SENSITIVE_NOTE


def test_templates_load_the_rules():
    rendered = Template(
        "{% load disclosure %}{{ 3|shown }} {{ 7|shown }} {{ cell }} {% fewer_than %}"
    ).render(Context({"cell": disclosure.count(0)}))
    assert rendered == "fewer than 5 7 0 fewer than 5"
