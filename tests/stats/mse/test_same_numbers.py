"""The faster bootstrap gives the numbers the earlier one gave: same seed, same resamples, same choices.

``bootstrap_reference.json`` was written by the bootstrap before existence was decided without
a solver and before the batched fits were rearranged (every resample's total to 6 decimals, and
the limits). Only the order of floating-point sums changed, so totals agree to 1e-9 relative and
every resample with no admissible model is the same one.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from jigsaw.datasets.shipped import mse_example
from jigsaw.stats.mse import estimate as mse_estimate
from jigsaw.stats.mse import read_table
from jigsaw.stats.mse._fit import Design, decide_existence, mle_exists

REFERENCE = json.loads((Path(__file__).parent / "bootstrap_reference.json").read_text())


# The 1,000-resample case on one worker; the smaller ones on one and on two workers.
CASES = [
    (key, w) for key, case in REFERENCE.items() for w in ((1,) if case["boot"] > 200 else (1, 2))
]


@pytest.mark.parametrize(("key", "workers"), CASES)
def test_bootstrap_totals_and_limits_are_unchanged(key, workers):
    case = REFERENCE[key]
    result = mse_estimate(
        read_table(mse_example(case["table"])),
        case["method"],
        ci="bca",
        boot=case["boot"],
        seed=case["seed"],
        workers=workers,
        **case["options"],
    )
    expected = np.array([np.nan if v is None else v for v in case["bootstrap"]])
    assert np.array_equal(np.isnan(result.bootstrap), np.isnan(expected))
    finite = ~np.isnan(expected)
    assert result.bootstrap[finite] == pytest.approx(expected[finite], rel=1e-9, abs=1e-6)
    assert result.total == pytest.approx(case["total"], rel=1e-12)
    assert result.ci_low == pytest.approx(case["ci_low"], rel=1e-9)
    assert result.ci_high == pytest.approx(case["ci_high"], rel=1e-9)


def test_existence_without_a_solver_agrees_with_the_linear_programme():
    # Every support pattern of 300 resamples of the sparse New Orleans and the UK tables, for
    # main effects and every one-pair model: the rank rules and the LP give the same answer.
    rng = np.random.default_rng(4)
    checked = 0
    for name in ("NewOrl_5_186", "UKdat_5", "Korea"):
        table = read_table(mse_example(name))
        design = Design(table.lists, 2)
        resamples = rng.multinomial(table.observed, table.counts / table.observed, size=300)
        supports = {tuple(r > 0) for r in resamples}
        for support in supports:
            y = np.array(support, float) * 3
            for j in [None, *range(len(design.terms))]:
                columns = np.ones(design.X.shape[1], bool)
                columns[design.n_main :] = False
                if j is not None:
                    columns[design.n_main + j] = True
                X = design.X[:, columns]
                if np.linalg.matrix_rank(X) < X.shape[1]:
                    continue
                assert decide_existence(X, y) == mle_exists(X, y), (name, support, j)
                checked += 1
    assert checked > 500
