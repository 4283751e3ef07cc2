"""``jigsaw oversight --linked``: the dark-figure section inside the national page."""

import re

import pandas as pd

from jigsaw.cli import main
from jigsaw.datasets.shipped import mse_example
from jigsaw.stats.mse import read_table


def korea_records(path):
    """The Korean capture-recapture table (shipped with jigsaw.datasets) as linked records, one row per listing."""
    table = read_table(mse_example("Korea"))
    rows, children = [], 0
    for pattern, count in zip(table.patterns, table.counts, strict=True):
        for _ in range(int(count)):
            children += 1
            child = f"k{children}"
            rows += [
                {"child": child, "list": name}
                for name, bit in zip(table.lists, pattern, strict=True)
                if bit
            ]
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_linked_records_add_the_dark_figure_section(tmp_path):
    linked = korea_records(tmp_path / "linked.csv")
    out = tmp_path / "report"
    assert (
        main(
            [
                "oversight",
                "--out",
                str(out),
                "--linked",
                str(linked),
                "--list-column",
                "list",
                "--child-column",
                "child",
            ]
        )
        == 0
    )
    html = (out / "index.html").read_text(encoding="utf-8")
    section = html[html.index('<div id="dark-figure">') : html.index('<h2 id="caveats">')]
    # SparseMSE stepwise on the Korean data: 268.78 (MultipleSystemsEstimation 1.2.0 docs).
    assert "About 269 children in all" in section
    assert "of whom 123 are known to an agency" in section
    assert not re.search(r"(src|href)=\"(https?:)?//|<script[^>]*src=", html)


def test_linked_file_errors_name_the_file_and_column(tmp_path, capsys):
    linked = korea_records(tmp_path / "linked.csv")
    out = tmp_path / "report"
    assert main(["oversight", "--out", str(out), "--linked", str(linked)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("jigsaw oversight: error: ") and "missing column agency" in err
    assert str(linked) in err
    assert not (out / "index.html").exists()
    assert main(["oversight", "--out", str(out), "--linked", str(tmp_path / "none.csv")]) == 2
    assert "none.csv: no such file" in capsys.readouterr().err


def test_unreadable_linked_file_is_a_one_line_error_naming_it(tmp_path, capsys):
    out = tmp_path / "report"
    for name, content in (("empty.csv", b""), ("latin1.csv", b"child_id,agency\n\xff,police\n")):
        linked = tmp_path / name
        linked.write_bytes(content)
        assert main(["oversight", "--out", str(out), "--linked", str(linked)]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"jigsaw oversight: error: {linked}: not a readable CSV"), err
    assert not (out / "index.html").exists()
