"""The dark-figure section of the oversight report."""

import re

import pandas as pd
import pytest

from jigsaw.datasets.shipped import mse_example
from jigsaw.report.dark_figure import dark_figure_section
from jigsaw.stats.mse import read_table


def _records(table, extra=()):
    rows = []
    for pattern, count in zip(table.patterns, table.counts, strict=True):
        for _ in range(int(count)):
            child = f"c{len(rows)}"
            rows.extend(
                {"child_id": child, "agency": name}
                for name, bit in zip(table.lists, pattern, strict=True)
                if bit
            )
    rows.extend(extra)
    return pd.DataFrame(rows)


def test_section_shows_estimate_model_and_sensitivity_without_external_assets():
    records = _records(read_table(mse_example("Korea")))
    fragment = dark_figure_section(records, ci="wald")
    # Korea, SparseMSE stepwise: 268.78 (MultipleSystemsEstimation 1.2.0 docs), Wald 202.5-390.2
    assert "About 269 children in all (203 to 390)" in fragment
    assert "b:c" in fragment
    assert "How much the answer depends" in fragment
    assert fragment.count("<tr>") >= 4 + 3 * 2  # per-list rows + sensitivity rows
    assert not re.search(r"(src|href)=|https?://|<script", fragment)


def test_counts_below_five_are_suppressed():
    small = [{"child_id": f"s{i}", "agency": "e"} for i in range(3)] + [
        {"child_id": "c0", "agency": "e"}
    ]
    records = _records(read_table(mse_example("Korea")), small)
    fragment = dark_figure_section(records, ci="bca", boot=40)
    assert '<td>e</td><td class="num">&lt;5</td>' in fragment
    assert ">4<" not in fragment


def test_lists_that_cannot_support_an_estimate_say_why():
    records = pd.DataFrame({"child_id": ["a", "b", "c"], "agency": ["police", "police", "health"]})
    fragment = dark_figure_section(records)
    assert "cannot be estimated" in fragment


def test_missing_column_is_an_error():
    with pytest.raises(ValueError, match="no 'agency' column"):
        dark_figure_section(pd.DataFrame({"child_id": ["a"], "list": ["x"]}))


def test_share_known_is_not_given_when_fewer_than_five_children_are_seen():
    # Lists a = {c0, c1, c3}, b = {c2, c3}: 4 children seen, and the two-list (Lincoln-Petersen)
    # estimate 3 x 2 / 1 = 6 in all; "roughly 67%" of 6 would reveal the 4.
    records = pd.DataFrame(
        {"child_id": ["c0", "c1", "c3", "c2", "c3"], "agency": ["a", "a", "a", "b", "b"]}
    )
    fragment = dark_figure_section(records, ci="wald")
    assert "About 6 children in all" in fragment
    assert "of whom &lt;5 are known" in fragment
    assert "%" not in fragment.split("Estimate of the unseen")[1].split("(95% interval)")[0]
    assert "67%" not in fragment
