"""Every method and every interval on every shipped table and on sparse tables with empty overlaps.

A profile interval on a sparse table once failed with a bare "Singular matrix" from plain Newton
steps overshooting; the limits here are checked against an independent fit (statsmodels GLM)
of the multinomial profile likelihood, not only for not raising.
"""

import json

import numpy as np
import pytest
import statsmodels.api as sm
from scipy.optimize import minimize_scalar
from scipy.special import gammaln
from scipy.stats import chi2

from jigsaw.datasets.shipped import mse_example
from jigsaw.errors import InputError
from jigsaw.stats.mse import CaptureTable, estimate, read_table
from jigsaw.stats.mse._fit import Design
from jigsaw.stats.mse._table import all_patterns

SHIPPED = [
    "UKdat",
    "UKdat_5",
    "UKdat_4",
    "Korea",
    "NewOrl_5",
    "NewOrl_5_186",
    "HIV",
    "Artificial_3",
]
METHODS = ["stepwise", "aic", "bic", "main", "fixed"]
INTERVALS = ["wald", "profile", "bca"]


def sparse_table(seed: int) -> CaptureTable:
    """A five-list table of about 8,000 children with a referral link and empty overlaps."""
    rng = np.random.default_rng(seed)
    n = 30_000
    caught = rng.random((n, 5)) < rng.uniform(0.01, 0.2, 5)
    caught[:, 1] |= caught[:, 0] & (rng.random(n) < 0.3)
    counts = np.bincount((caught * (1 << np.arange(5))).sum(axis=1), minlength=32)[1:]
    patterns = all_patterns(5)
    multi = np.flatnonzero(patterns.sum(axis=1) >= 2)
    counts[rng.choice(multi, size=rng.integers(3, 12), replace=False)] = 0
    return CaptureTable(tuple("ABCDE"), patterns, counts, f"sparse table {seed}")


def never_meeting_table() -> CaptureTable:
    """About 9,000 children; C and E, and D and E, never meet; nobody is on four lists."""
    rng = np.random.default_rng(5)
    n = 20_000
    caught = rng.random((n, 5)) < np.array([0.25, 0.15, 0.08, 0.04, 0.02])
    caught[:, 1] |= caught[:, 0] & (rng.random(n) < 0.2)
    counts = np.bincount((caught * (1 << np.arange(5))).sum(axis=1), minlength=32)[1:]
    patterns = all_patterns(5)
    empty = (
        (patterns[:, 2] & patterns[:, 4])
        | (patterns[:, 3] & patterns[:, 4])
        | (patterns.sum(axis=1) >= 4)
    )
    counts[empty.astype(bool)] = 0
    return CaptureTable(tuple("ABCDE"), patterns, counts, "never-meeting table")


def _options(table: CaptureTable, method: str, ci: str) -> dict:
    options: dict = dict(ci=ci, boot=20, seed=3)
    if method == "fixed":
        options["terms"] = [f"{table.lists[0]}:{table.lists[1]}"]
    if method == "bic" and ci == "bca":
        options["ntop"] = 20  # the re-selection path, kept small for the test's time
    return options


def _check_all(table: CaptureTable) -> None:
    for method in METHODS:
        try:
            wald = estimate(table, method, **_options(table, method, "wald"))
        except InputError as error:
            # Refused for the model, not the interval: every interval says the same.
            for ci in ("profile", "bca"):
                with pytest.raises(InputError, match="cannot be estimated"):
                    estimate(table, method, **_options(table, method, ci))
            assert "cannot be estimated" in str(error)
            continue
        for ci in INTERVALS:
            result = estimate(table, method, **_options(table, method, ci))
            assert result.total == pytest.approx(wald.total)
            assert np.isfinite(result.ci_low) and result.ci_low >= table.observed, (method, ci)
            assert result.ci_low <= result.total <= result.ci_high, (method, ci)


@pytest.mark.parametrize("name", SHIPPED)
def test_every_method_and_interval_on_every_shipped_table(name):
    _check_all(read_table(mse_example(name)))


@pytest.mark.parametrize("seed", [0, 3, 10, 16])
def test_every_method_and_interval_on_sparse_tables(seed):
    _check_all(sparse_table(seed))


def test_never_meeting_lists_are_fixed_at_minus_infinity_in_the_profile():
    table = never_meeting_table()
    result = estimate(table, "stepwise", ci="profile")
    assert set(result.diagnostics.neg_inf_terms) == {"C:E", "D:E"}
    _check_all(table)


def _independent_profile(table: CaptureTable, result) -> tuple[float, float, float]:
    """Profile deviance at the limits, from statsmodels' Poisson GLM on the complete table."""
    design = Design(table.lists, 2)
    fit = result.inference.fit
    cells, columns = fit.cells[0], fit.colmask[0]
    X = design.X[np.ix_(cells, columns)]
    y = table.counts[cells].astype(float)
    n = y.sum()
    zero = np.zeros((1, X.shape[1]))
    zero[0, 0] = 1
    Xe = np.vstack([X, zero])

    def loglik(N):
        ye = np.append(y, N - n)
        mu = sm.GLM(ye, Xe, family=sm.families.Poisson()).fit(tol=1e-12, maxiter=200).fittedvalues
        return (
            gammaln(N + 1) - gammaln(N - n + 1) - gammaln(y + 1).sum() + np.sum(ye * np.log(mu / N))
        )

    top = minimize_scalar(
        lambda N: -loglik(N),
        bounds=(n + 1, 3 * result.total),
        method="bounded",
        options={"xatol": 1e-4},
    )
    lmax = -top.fun
    return 2 * (lmax - loglik(result.ci_low)), 2 * (lmax - loglik(result.ci_high)), top.x


@pytest.mark.parametrize("seed", [0, 16])
def test_sparse_profile_limits_are_where_the_deviance_reaches_the_quantile(seed):
    table = sparse_table(seed)
    result = estimate(table, "stepwise", ci="profile")
    assert len(result.terms) >= 3  # a model with interactions, where plain Newton failed
    low_dev, high_dev, top = _independent_profile(table, result)
    q = chi2.ppf(0.95, 1)
    assert low_dev == pytest.approx(q, abs=0.01)
    assert high_dev == pytest.approx(q, abs=0.01)
    assert result.ci_low < top < result.ci_high


def test_profile_on_never_meeting_lists_matches_an_independent_fit():
    table = never_meeting_table()
    result = estimate(table, "stepwise", ci="profile")
    low_dev, high_dev, _ = _independent_profile(table, result)
    q = chi2.ppf(0.95, 1)
    assert low_dev == pytest.approx(q, abs=0.01)
    assert high_dev == pytest.approx(q, abs=0.01)


def test_cli_profile_on_a_sparse_table_prints_the_interval(tmp_path, capsys):
    from jigsaw.cli import main

    path = tmp_path / "sparse.csv"
    sparse_table(0).to_frame().to_csv(path, index=False)
    for method in ("stepwise", "aic", "bic"):
        assert main(["mse", str(path), "--method", method, "--ci", "profile", "--json"]) == 0
        out = json.loads(capsys.readouterr().out)
        assert out["ci_low"] <= out["total"] <= out["ci_high"], method
        assert out["terms_list"], method  # models with interactions, where it used to fail


def varied_sparse_table(seed: int) -> CaptureTable:
    """Three to six lists, 300 to 40,000 children, a referral link and up to 11 empty overlaps."""
    rng = np.random.default_rng(seed)
    t = int(rng.integers(3, 7))
    patterns = all_patterns(t)
    n = int(rng.integers(300, 40_000))
    caught = rng.random((n, t)) < rng.uniform(0.01, 0.3, t)
    caught[:, 1] |= caught[:, 0] & (rng.random(n) < 0.3)
    counts = np.bincount((caught * (1 << np.arange(t))).sum(axis=1), minlength=2**t)[1:]
    multi = np.flatnonzero(patterns.sum(axis=1) >= 2)
    counts[rng.choice(multi, size=min(len(multi) - 1, int(rng.integers(1, 12))), replace=False)] = 0
    return CaptureTable(tuple("ABCDEF"[:t]), patterns, counts, f"varied sparse table {seed}")


@pytest.mark.parametrize(
    ("seed", "methods"),
    [(149, ("stepwise", "aic")), (109, ("bic",)), (111, ("stepwise", "aic", "bic"))],
)
def test_tables_where_plain_newton_overflowed(seed, methods):
    # Seed 149: the stepwise and AIC searches themselves stopped with "Singular matrix" when a
    # candidate's Newton fit overflowed; seeds 109 and 111: the profile's fits did.
    table = varied_sparse_table(seed)
    for method in methods:
        for ci in ("wald", "profile"):
            result = estimate(table, method, ci=ci)
            assert np.isfinite(result.ci_low) and result.ci_low <= result.total <= result.ci_high, (
                method,
                ci,
            )
