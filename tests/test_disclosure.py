"""The one small-count rule: threshold, zero, totals that cannot be worked back, the frame form."""

from __future__ import annotations

import itertools
import math
import subprocess
import sys

import pandas as pd
import pytest

from jigsaw import disclosure


def test_threshold_and_text_are_the_published_convention():
    assert disclosure.THRESHOLD == 5
    assert disclosure.SUPPRESSED == "<5"


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (0, "<5"),
        (1, "<5"),
        (4, "<5"),
        (4.0, "<5"),
        (5, "5"),
        (12, "12"),
        (12_401, "12,401"),
        (None, ""),
        (math.nan, ""),
    ],
)
def test_counts_as_published(count, text):
    assert disclosure.count_text(count) == text


def test_zero_is_suppressed_so_the_text_never_says_someone_is_there():
    # Were 0 shown, "<5" would mean 1 to 4: at least one child in the cell.
    assert disclosure.is_small(0) and disclosure.count_text(0) == disclosure.count_text(3)


def test_scalar_rule_needs_neither_pandas_nor_django():
    code = (
        "import sys; import jigsaw.disclosure as d; d.count_text(3); d.shown_total([1, 9]); "
        "print('pandas' in sys.modules, 'django' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False False"


# Five areas; C and E are small. Published naively, total minus the shown cells gives C + E.
TABLE = {"A": 120, "B": 57, "C": 3, "D": 41, "E": 0}


def _published_with_total(counts: dict[str, int]) -> tuple[list[str], str, str]:
    total = disclosure.shown_total(counts.values())
    return (
        [disclosure.count_text(v) for v in counts.values()],
        total.text(),
        total.note(what="areas"),
    )


def test_a_naive_total_gives_the_hidden_cells_back():
    naive_total = sum(TABLE.values())
    shown = sum(v for v in TABLE.values() if not disclosure.is_small(v))
    assert naive_total - shown == TABLE["C"] + TABLE["E"] == 3  # and E >= 0, C <= 4: recovered


def test_the_published_total_is_the_same_whatever_the_hidden_cells_are():
    published = _published_with_total(TABLE)
    assert published == (
        ["120", "57", "<5", "41", "<5"],
        "218",
        "the 2 areas with fewer than 5 are left out",
    )
    # Every pair of hidden values 0..4 publishes exactly the same: nothing can be worked back.
    for c, e in itertools.product(range(5), repeat=2):
        assert _published_with_total({**TABLE, "C": c, "E": e}) == published
    total = disclosure.shown_total(TABLE.values())
    assert total.value - sum(v for v in TABLE.values() if not disclosure.is_small(v)) == 0


def test_a_total_without_small_cells_says_nothing_extra():
    total = disclosure.shown_total([120, 57, None])
    assert (total.value, total.withheld, total.note()) == (177.0, 0, "")


def test_frame_blanks_what_would_reveal_a_small_count():
    frame = pd.DataFrame(
        {
            "area": ["A", "B", "C"],
            "identified": [3.0, 12.0, None],
            "children": [24_000.0, 30_000.0, 5_000.0],
            "rate": [1.25, 4.0, None],
            "expected": [50.4, 11.0, 3.0],
        }
    )
    out = disclosure.suppress_frame(
        frame,
        count="identified",
        revealing=["rate"],
        counts=["children"],
        digits={"rate": 2, "expected": 1},
    )
    assert out.values.tolist() == [
        ["A", "<5", "24000", "", "50.4"],
        ["B", "12", "30000", "4.00", "11.0"],
        ["C", "", "5000", "", "3.0"],
    ]
    assert frame["identified"].tolist()[:2] == [3.0, 12.0]  # the input is left as it was


def test_hidden_blanks_a_value_beside_a_small_count():
    assert math.isnan(disclosure.hidden(1.25, 0)) and disclosure.hidden(4.0, 12) == 4.0
    assert disclosure.hidden(4.0, None) == 4.0
