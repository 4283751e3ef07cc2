"""Every deterministic reference in tests/data/mse/reference_estimates.csv, reproduced.

Point estimates within 0.1%, Wald and profile limits within 0.5%, selected terms exact, and the
Artificial_3 existence/identifiability codes exact (tests/data/mse/README.md).
"""

import re
from pathlib import Path

import pandas as pd
import pytest

from jigsaw.datasets.shipped import folder
from jigsaw.stats.mse import check_models, estimate, read_table

MSE = folder("mse")
REFERENCES = Path(__file__).resolve().parents[2] / "data" / "mse"
REFERENCE = pd.read_csv(REFERENCES / "reference_estimates.csv")

# (dataset, start of the reference 'method' text, call options, interval kind to compare or None)
CASES = [
    ("UKdat", "BHS AIC-forward-stepwise p<0.05 (selects", dict(method="aic", ci="profile"), "ci"),
    (
        "UKdat",
        "BHS AIC-forward-stepwise p<0.05 | multinomial profile-likelihood 80%",
        dict(method="aic", ci="profile", level=0.8),
        "ci",
    ),
    (
        "UKdat",
        "BHS AIC-forward-stepwise p<0.001",
        dict(method="aic", pthresh=0.001, ci="profile"),
        "ci",
    ),
    ("UKdat", "main effects only | multinomial", dict(method="main", ci="profile"), "ci"),
    ("UKdat", "SparseMSE stepwise pthresh=0.02", dict(method="stepwise"), "ci"),
    ("UKdat", "SparseMSE main effects", dict(method="main"), "ci"),
    ("UKdat_5", "SparseMSE stepwise pthresh=0.02", dict(method="stepwise"), "ci"),
    ("UKdat_5", "BHS AIC-forward-stepwise p<0.05", dict(method="aic", ci="profile"), "ci"),
    (
        "UKdat_5",
        "BHS AIC-forward-stepwise p<0.001",
        dict(method="aic", pthresh=0.001, ci="profile"),
        "ci",
    ),
    ("UKdat_5", "main effects only | Wald", dict(method="main"), "ci"),
    ("UKdat_5", "minimum-BIC over all 1024 two-list models", dict(method="bic"), None),
    (
        "UKdat_5",
        "minimum-BIC over all hierarchical models up to order 4",
        dict(method="bic", max_order=4),
        None,
    ),
    ("UKdat_4", "SparseMSE stepwise pthresh=0.02", dict(method="stepwise"), "ci"),
    ("UKdat_4", "BHS AIC-forward-stepwise p<0.05", dict(method="aic", ci="profile"), "ci"),
    ("UKdat_4", "main effects only | multinomial", dict(method="main", ci="profile"), "ci"),
    ("Korea", "stepwise pthresh=0.02 (selects b:c) | point", dict(method="stepwise"), None),
    ("Korea", "stepwise pthresh=0.02 | Wald", dict(method="stepwise"), "ci"),
    ("Korea", "minimum-BIC two-list model", dict(method="bic"), None),
    ("Korea", "fixed main-effects model", dict(method="main"), None),
    ("Korea", "fixed model [23 1]", dict(method="fixed", terms=["c:d"]), None),
    ("Korea", "fixed model [13 23]", dict(method="fixed", terms=["b:d", "c:d"]), None),
    ("Korea", "fixed model [13 2]", dict(method="fixed", terms=["b:d"]), None),
    ("NewOrl_5", "SparseMSE main effects", dict(method="main"), "ci"),
    ("NewOrl_5_186", "stepwise pthresh=0.02", dict(method="stepwise"), None),
    ("NewOrl_5_186", "main effects | Wald", dict(method="main"), "ci"),
    ("HIV", "main effects + c1:c2", dict(method="fixed", terms=["c1:c2"], ci="profile"), "ci"),
    ("HIV", "main effects only", dict(method="main", ci="profile"), "ci"),
    ("HIV", "SparseMSE stepwise pthresh=0.02", dict(method="stepwise"), "ci"),
    ("HIV", "SparseMSE stepwise pthresh=0.05", dict(method="stepwise", pthresh=0.05), "ci"),
]

# Terms named in the reference text, with the published list names.
SELECTED = {
    ("UKdat", "aic", None): "PF:NCA LA:NG NG:GP LA:PF PF:GP GO:GP NG:GO",
    ("UKdat", "aic", 0.001): "PF:NCA LA:NG",
    ("UKdat", "stepwise", None): "PF:NCA LA:NG NG:GP LA:PF PF:GP GO:GP NG:GO",
    ("UKdat_5", "stepwise", None): "LA:NG NG:GP PFNCA:GP LA:PFNCA GO:GP NG:GO",
    ("UKdat_5", "aic", 0.001): "LA:NG",
    ("UKdat_5", "bic", None): "LA:NG LA:PFNCA NG:PFNCA NG:GP PFNCA:GO",
    ("UKdat_4", "stepwise", None): "LA:NG LA:PFNCA NG:GO",
    ("Korea", "stepwise", None): "b:c",
    ("Korea", "bic", None): "b:c c:d",
    ("NewOrl_5_186", "stepwise", None): "",
    ("HIV", "stepwise", None): "",
    ("HIV", "stepwise", 0.05): "c1:c2",
}


def _row(dataset, prefix):
    rows = REFERENCE[(REFERENCE.dataset == dataset) & REFERENCE.method.str.startswith(prefix)]
    assert len(rows) == 1, f"{dataset}: {len(rows)} reference rows start with {prefix!r}"
    return rows.iloc[0]


def _canon(terms: str) -> set[frozenset[str]]:
    return {frozenset(t.split(":")) for t in terms.split()}


@pytest.mark.parametrize(
    ("dataset", "prefix", "options", "interval"), CASES, ids=[f"{c[0]}-{c[1][:30]}" for c in CASES]
)
def test_reference_estimate(dataset, prefix, options, interval):
    row = _row(dataset, prefix)
    options = dict(options)
    method = options.pop("method")
    result = estimate(read_table(MSE / f"{dataset}.csv"), method, **options)
    assert result.total == pytest.approx(row.estimate, rel=1e-3)
    if interval:
        assert result.ci_low == pytest.approx(row.ci_low, rel=5e-3)
        assert result.ci_high == pytest.approx(row.ci_high, rel=5e-3)
    key = (dataset, method, options.get("pthresh"))
    if key in SELECTED and "max_order" not in options:
        assert _canon(" ".join(result.terms)) == _canon(SELECTED[key])
    if options.get("max_order") == 4:
        # Silverman, Chan and Vincent (2024): the order-4 search adds a three-list term.
        assert result.search.startswith("minimum BIC over 6893")
        assert "LA:NG:PFNCA" in result.terms


def test_korea_bic_value_matches_package_docs():
    row = _row("Korea", "minimum-BIC two-list model")
    published = float(re.search(r"BIC ([0-9.]+)", row.method).group(1))
    result = estimate(read_table(MSE / "Korea.csv"), "bic")
    assert result.bic == pytest.approx(published, abs=1e-4)


def test_artificial_3_codes_exact():
    checks = pd.read_csv(REFERENCES / "artificial_3_checks.csv")
    models = [[] if terms == "none" else terms.split() for terms in checks.two_list_terms]
    got = check_models(read_table(MSE / "Artificial_3.csv"), models)
    assert got.code.tolist() == checks.expected_code.tolist()


def test_model_that_cannot_be_estimated_is_refused_with_reason():
    with pytest.raises(ValueError, match="does not exist"):
        estimate(read_table(MSE / "Korea.csv"), "fixed", terms=["b:c", "b:d", "c:d"])
    with pytest.raises(ValueError, match="not identifiable"):
        estimate(read_table(MSE / "Artificial_3.csv"), "fixed", terms=["A:B", "A:C", "B:C"])


def test_never_overlapping_pair_is_minus_infinity_not_divergence():
    # A and C never overlap in Artificial_3: the A:C model drops the A+C cells and fits.
    result = estimate(read_table(MSE / "Artificial_3.csv"), "fixed", terms=["A:C"])
    assert result.diagnostics.neg_inf_terms == ("A:C",)
    assert set(result.diagnostics.dropped_cells) == {"A+C", "A+B+C"}
    main = estimate(read_table(MSE / "Artificial_3.csv"), "main")
    assert result.total > main.observed and abs(result.total) < 10 * main.total
