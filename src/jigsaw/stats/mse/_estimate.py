"""The public estimate: choose a model, fit it, and put an interval on the total."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from jigsaw.errors import InputError
from jigsaw.stats._intervals import ConfidenceInterval, check_level
from jigsaw.stats.mse import _intervals, _select
from jigsaw.stats.mse._bootstrap import ChoiceSpec, choose, single_threaded_blas, totals_for
from jigsaw.stats.mse._fit import NOT_EXIST, NOT_IDENTIFIABLE, BatchFit, Design
from jigsaw.stats.mse._table import CaptureTable

CI_METHODS = ("wald", "profile", "bca")
DEFAULT_PTHRESH = {"stepwise": 0.02, "aic": 0.05}
SOURCES = {
    "stepwise": "Chan, Silverman and Vincent (2021) JASA 116:1297; SparseMSE 2.0.1 stepwisefit",
    "aic": "Silverman (2014) Home Office; Bales, Hesketh and Silverman (2015); modslavmse 2.0 MSEfit",
    "bic": "Silverman, Chan and Vincent (2024) Statistics and Computing 34:44; MultipleSystemsEstimation 1.2.0",
    "main": "Poisson log-linear model with main effects only (independent lists)",
    "fixed": "Poisson log-linear model with the terms given",
}
CI_SOURCES = {
    "wald": "Wald interval on the log dark figure (SparseMSE estimatepopulation.0)",
    "profile": "multinomial profile likelihood (Rcapture closedpCI.t; Cormack 1992)",
    "bca": "BCa bootstrap, model choice repeated in every resample, jackknife acceleration (Chan, Silverman and Vincent 2021)",
}


@dataclass(frozen=True)
class Diagnostics:
    """Checks on the chosen model (Fienberg and Rinaldo 2012; Chan, Silverman and Vincent 2021)."""

    existence: bool
    identifiable: bool
    code: int  # 0 fine, 1 MLE does not exist, 2 not identifiable, 3 both (SparseMSE checkident)
    neg_inf_terms: tuple[str, ...]  # pairs that never overlap, fitted at -infinity
    dropped_cells: tuple[str, ...]  # capture patterns removed with those terms, e.g. "LA+GP"
    failed_resamples: int = 0  # bootstrap tables where no model could be estimated


@dataclass(frozen=True)
class _Inference:
    """What an interval for the chosen model needs, kept so one can be given at another level."""

    design: Design
    counts: np.ndarray
    fit: BatchFit
    acceleration: float | None = None  # BCa only
    bootstrap: np.ndarray | None = None  # BCa only
    jackknife: np.ndarray | None = (
        None  # BCa only: delete-one-child total per cell (0 for empty cells)
    )

    def limits(self, ci: str, level: float) -> tuple[float, float]:
        if ci == "wald":
            return _intervals.wald_interval(self.fit, level)
        if ci == "profile":
            low, high, _ = _intervals.profile_interval(self.design, self.counts, self.fit, level)
            return low, high
        if self.bootstrap is None or self.acceleration is None:
            raise ValueError("a BCa interval needs the bootstrap: estimate with ci='bca' first")
        return _intervals.bca_limits(
            self.bootstrap, float(self.fit.total[0]), self.acceleration, level
        )


@dataclass(frozen=True)
class MSEEstimate:
    """A dark-figure estimate with its interval, model and diagnostics.

    ``total`` = ``observed`` + ``dark_figure``; the interval is for the total.
    """

    lists: tuple[str, ...]
    observed: int
    dark_figure: float
    total: float
    ci_low: float
    ci_high: float
    ci: str
    level: float
    method: str
    terms: tuple[str, ...]
    search: str
    bic: float
    aic: float
    diagnostics: Diagnostics
    pthresh: float | None = None
    max_order: int = 2
    boot: int | None = None
    seed: int | None = None
    source: str = ""
    bootstrap: np.ndarray | None = field(default=None, repr=False, compare=False)
    inference: _Inference | None = field(default=None, repr=False, compare=False)

    def confidence_interval(
        self, level: float = 0.95, *, ci: str | None = None
    ) -> ConfidenceInterval:
        """Return the interval for the total at another ``level`` for the same table and model.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level as a fraction.
        ci : {"wald", "profile", "bca"}, optional
            Kind of interval; default the estimate's own (:attr:`ci`). ``bca`` reuses the
            estimate's bootstrap, so it needs an estimate made with ``ci="bca"``.

        Raises
        ------
        ValueError
            For a level that is not a fraction, an unknown kind, or ``bca`` without a bootstrap.

        >>> from jigsaw.stats.mse import read_table, estimate
        >>> from jigsaw.datasets.shipped import mse_example
        >>> uk = read_table(mse_example("UKdat"))
        >>> r = estimate(uk, "aic", ci="profile")
        >>> same = r.confidence_interval(0.95)
        >>> (same.lower, same.upper) == (r.ci_low, r.ci_high)
        True
        >>> wider = r.confidence_interval(0.998)
        >>> wider.lower < r.ci_low and wider.upper > r.ci_high
        True
        """
        level = check_level(level)
        kind = self.ci if ci is None else ci
        if kind not in CI_METHODS:
            raise InputError(f"unknown interval '{kind}' (choose from {', '.join(CI_METHODS)})")
        if self.inference is None:
            raise ValueError("this estimate carries no fitted model to give another interval from")
        low, high = self.inference.limits(kind, level)
        return ConfidenceInterval(low, high, level, CI_SOURCES[kind])

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dictionary (terms joined as ``"LA:NG"`` strings)."""
        out = {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name not in ("bootstrap", "inference")
        }
        out["diagnostics"] = asdict(self.diagnostics)
        out["lists"] = list(self.lists)
        out["terms"] = list(self.terms)
        out["diagnostics"]["neg_inf_terms"] = list(self.diagnostics.neg_inf_terms)
        out["diagnostics"]["dropped_cells"] = list(self.diagnostics.dropped_cells)
        return out

    def to_frame(self) -> pd.DataFrame:
        """One-row frame keeping the method, interval kind and level."""
        row = {k: v for k, v in self.to_dict().items() if k != "diagnostics"}
        row["terms"] = " ".join(self.terms)
        row["lists"] = " ".join(self.lists)
        row["existence"] = self.diagnostics.existence
        row["identifiable"] = self.diagnostics.identifiable
        return pd.DataFrame([row])


def _pattern_name(lists: Sequence[str], pattern: Sequence[int] | np.ndarray) -> str:
    return "+".join(name for name, bit in zip(lists, pattern, strict=True) if bit)


def estimate(
    table: CaptureTable,
    method: str = "stepwise",
    *,
    ci: str = "wald",
    level: float = 0.95,
    pthresh: float | None = None,
    max_order: int = 2,
    terms: list[str] | tuple[str, ...] | None = None,
    boot: int = 1000,
    seed: int = 1234,
    ntop: int | None = None,
    workers: int | None = None,
) -> MSEEstimate:
    """Estimate the total number of children, seen and unseen, from overlapping lists.

    Parameters
    ----------
    table : CaptureTable
    method : {"stepwise", "aic", "bic", "main", "fixed"}
        Model choice: SparseMSE stepwise (overlap p-value below ``pthresh``, default 0.02); Home
        Office forward AIC with a Wald guard (``pthresh`` default 0.05); minimum BIC over all
        admissible hierarchical models up to ``max_order``; main effects; the given ``terms``.
    ci : {"wald", "profile", "bca"}
        Interval: Wald on the log dark figure; multinomial profile likelihood; BCa bootstrap with
        the model choice repeated in each of ``boot`` resamples (seeded by ``seed``, on
        ``workers`` processes, default every core this process may run on). For ``bic`` the bootstrap re-selects among the best ``ntop``
        models on the original data (all admissible models when None).
    level : float
        Confidence level as a fraction.
    terms : list of str
        Interactions like ``"LA:NG"`` for ``method="fixed"``.

    Returns
    -------
    MSEEstimate

    Raises
    ------
    InputError
        Unknown method or interval, bad terms, or a model whose MLE does not exist or is not
        identifiable (the message says which).

    Notes
    -----
    Poisson log-linear models on the complete table of 2^t - 1 observable cells; total =
    observed + exp(intercept). Pairs of lists that never overlap have their interaction at -inf
    (cells removed). See ``docs/methods/mse.md``.

    Examples
    --------
    >>> from jigsaw.stats.mse import read_table, estimate
    >>> from jigsaw.datasets.shipped import mse_example
    >>> korea = read_table(mse_example("Korea"))
    >>> round(estimate(korea, "stepwise").total, 2)  # MultipleSystemsEstimation 1.2.0 docs: 268.78
    268.78
    >>> result = estimate(korea, "bic")
    >>> round(result.total, 2), result.terms, round(result.bic, 3)  # docs: 157.17, BIC 57.141
    (157.17, ('b:c', 'c:d'), 57.141)
    """
    # One BLAS thread: the bootstrap's worker processes would otherwise contend for the cores.
    with single_threaded_blas():
        return _estimate_body(
            table, method, ci, level, pthresh, max_order, terms, boot, seed, ntop, workers
        )


def _estimate_body(
    table: CaptureTable,
    method: str,
    ci: str,
    level: float,
    pthresh: float | None,
    max_order: int,
    terms: Sequence[str] | None,
    boot: int,
    seed: int,
    ntop: int | None,
    workers: int | None,
) -> MSEEstimate:
    if method not in _select.METHODS:
        raise InputError(f"unknown method '{method}' (choose from {', '.join(_select.METHODS)})")
    if ci not in CI_METHODS:
        raise InputError(f"unknown interval '{ci}' (choose from {', '.join(CI_METHODS)})")
    level = check_level(level)
    if max_order < 2:
        raise InputError("max_order must be at least 2")
    if method in ("stepwise", "aic") and max_order != 2:
        max_order = 2  # these procedures add two-list terms only
    design = Design(table.lists, max_order if method == "bic" else max(2, _order_of(terms)))
    if pthresh is None:
        pthresh = DEFAULT_PTHRESH.get(method, 0.02)
    mask = None
    if method == "fixed":
        if not terms:
            raise InputError("method 'fixed' needs terms, e.g. LA:NG,NG:GO")
        mask = design.model_mask(list(terms))
    elif terms:
        raise InputError(f"terms are only used with method 'fixed', not '{method}'")
    spec = ChoiceSpec(method, pthresh, mask, complete=ci == "bca")
    counts = table.counts
    choice = choose(design, counts, spec)
    fit = choice.fit
    code = int(fit.code[0])
    names = design.names(choice.mask)
    if code:
        reasons = []
        if code & NOT_EXIST:
            reasons.append("the maximum likelihood estimate does not exist (linear-programme test)")
        if code & NOT_IDENTIFIABLE:
            reasons.append("the parameters are not identifiable (design matrix rank deficient)")
        raise InputError(
            f"model [{' '.join(names) or 'main effects'}] cannot be estimated: {'; '.join(reasons)}"
        )
    neg_inf = tuple(design.term_name(int(j)) for j in np.flatnonzero(fit.neginf[0]))
    dropped = tuple(
        _pattern_name(table.lists, design.patterns[i]) for i in np.flatnonzero(~fit.cells[0])
    )
    failed = 0
    boot_totals = None
    total = float(fit.total[0])
    inference = _Inference(design, counts, fit)
    if ci != "bca":
        low, high = inference.limits(ci, level)
    else:
        if boot < 10:
            raise InputError("a BCa interval needs at least 10 bootstrap resamples")
        if method == "bic" and choice.ranking is not None:
            ranked = np.array([m for _, m in choice.ranking])
            spec = ChoiceSpec("bic", pthresh, None, ranked[: ntop or len(ranked)])
        rng = np.random.default_rng(seed)
        n = int(counts.sum())
        resamples = rng.multinomial(n, counts / n, size=boot)
        boot_totals = totals_for(design, resamples, spec, workers)
        failed = int(np.sum(~np.isfinite(boot_totals)))
        jack_tables, jack_cells = _intervals.jackknife_tables(counts)
        jack = totals_for(design, jack_tables, spec, workers)
        jack = np.where(np.isfinite(jack), jack, total)
        accel = _intervals.jackknife_acceleration(counts, jack_cells, jack)
        jack_full = np.zeros(counts.size)
        jack_full[jack_cells] = jack
        inference = _Inference(design, counts, fit, accel, boot_totals, jack_full)
        low, high = inference.limits(ci, level)
    return MSEEstimate(
        lists=table.lists,
        observed=table.observed,
        dark_figure=total - table.observed,
        total=total,
        ci_low=low,
        ci_high=high,
        ci=ci,
        level=level,
        method=method,
        terms=names,
        search=choice.search,
        bic=float(fit.bic()[0]),
        aic=float(fit.aic()[0]),
        diagnostics=Diagnostics(True, True, code, neg_inf, dropped, failed),
        pthresh=pthresh if method in ("stepwise", "aic") else None,
        max_order=design.max_order,
        boot=boot if ci == "bca" else None,
        seed=seed if ci == "bca" else None,
        source=f"{SOURCES[method]}; {CI_SOURCES[ci]}",
        bootstrap=boot_totals,
        inference=inference,
    )


def _order_of(terms: Sequence[str] | None) -> int:
    if not terms:
        return 2
    return max(len(str(t).split(":")) for t in terms)


def check_models(table: CaptureTable, models: list[list[str]]) -> pd.DataFrame:
    """Existence and identifiability codes of the given models (SparseMSE ``checkident`` codes).

    Returns one row per model: ``terms`` (space-separated), ``code`` (0 fine, 1 the extended MLE
    does not exist, 2 not identifiable, 3 both), ``existence`` and ``identifiable``.
    """
    from jigsaw.stats.mse._fit import fit_batch

    order = max([2] + [_order_of(m) for m in models])
    design = Design(table.lists, order)
    masks = np.array([design.model_mask(m) for m in models]).reshape(len(models), len(design.terms))
    fits = fit_batch(design, table.counts[None, :], masks)
    return pd.DataFrame(
        {
            "terms": [" ".join(design.names(m)) for m in masks],
            "code": fits.code,
            "existence": (fits.code & NOT_EXIST) == 0,
            "identifiable": (fits.code & NOT_IDENTIFIABLE) == 0,
        }
    )


def sensitivity(table: CaptureTable, *, level: float = 0.95, max_order: int = 2) -> pd.DataFrame:
    """The estimate under each model-choice method, and with each pair of lists merged.

    Returns one row per (lists used, method): ``lists`` ("all" or "A+B merged"), ``method``,
    ``terms``, ``total``, ``ci_low``, ``ci_high`` (Wald), and ``note`` (why a row could not be
    estimated). Merging is how partnerships often combine small agencies; the spread of this
    table is the honest size of the model uncertainty.
    """
    rows = []
    variants = [("all", table)]
    if table.n_lists > 2:
        for a, b in combinations(table.lists, 2):
            try:
                variants.append((f"{a}+{b} merged", table.merge_lists(a, b)))
            except ValueError as error:
                rows.append(
                    {
                        "lists": f"{a}+{b} merged",
                        "method": "",
                        "terms": "",
                        "total": np.nan,
                        "ci_low": np.nan,
                        "ci_high": np.nan,
                        "note": str(error),
                    }
                )
    for label, variant in variants:
        methods = ("stepwise", "aic", "bic", "main") if label == "all" else ("stepwise", "bic")
        for method in methods:
            try:
                result = estimate(
                    variant, method, level=level, max_order=max_order if method == "bic" else 2
                )
                rows.append(
                    {
                        "lists": label,
                        "method": method,
                        "terms": " ".join(result.terms),
                        "total": result.total,
                        "ci_low": result.ci_low,
                        "ci_high": result.ci_high,
                        "note": "",
                    }
                )
            except ValueError as error:
                rows.append(
                    {
                        "lists": label,
                        "method": method,
                        "terms": "",
                        "total": np.nan,
                        "ci_low": np.nan,
                        "ci_high": np.nan,
                        "note": str(error),
                    }
                )
    return pd.DataFrame(
        rows, columns=["lists", "method", "terms", "total", "ci_low", "ci_high", "note"]
    )
