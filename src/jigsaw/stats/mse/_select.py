"""Model choice: SparseMSE stepwise, Home Office AIC forward selection, minimum BIC, main, fixed."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import cast

import numpy as np
from scipy.special import gammaln, pdtr, pdtrc
from scipy.stats import norm

from jigsaw.stats.mse._fit import BatchFit, Design, fit_batch, is_hierarchical, single_fit

METHODS = ("stepwise", "aic", "bic", "main", "fixed")
# Exhaustive BIC search is used while the number of hierarchical models is at most this.
MAX_EXHAUSTIVE = 8_192
_CHUNK = 1024


@dataclass
class Choice:
    """A chosen model and its fit on the table it was chosen for."""

    mask: np.ndarray
    fit: BatchFit  # batch of one
    search: str  # how the model was found
    ranking: list[tuple[float, np.ndarray]] | None = (
        None  # (BIC, mask) of admissible models, best first
    )


def overlap_pvalues(
    design: Design, counts: np.ndarray, fit: BatchFit, mask: np.ndarray
) -> np.ndarray:
    """One-sided Poisson p-values of each two-list overlap under the current fit (SparseMSE).

    The overlap of a pair (children on both lists, whatever else they are on) is Poisson under
    the current model with mean the sum of fitted values of those cells; the p-value is the
    smaller tail probability at the observed overlap. Terms already in the model get +inf.
    """
    cells = design.term_cells
    nstar = cells @ counts
    pstar = cells @ fit.mu[0]
    lower = pdtr(nstar, pstar)
    upper = np.where(nstar > 0, pdtrc(np.maximum(nstar - 1, 0), pstar), 1.0)
    p = np.minimum(lower, upper)
    p[mask] = np.inf
    return cast(np.ndarray, p)


def stepwise(design: Design, counts: np.ndarray, pthresh: float = 0.02) -> Choice:
    """SparseMSE stepwise selection (Chan, Silverman and Vincent 2021; SparseMSE 2.0.1 ``stepwisefit``).

    From main effects, repeatedly add the two-list term with the smallest overlap p-value
    (:func:`overlap_pvalues`) provided it is below ``pthresh``; candidates whose model fails the
    existence or identifiability check count as p = 1. Ties go to the earlier pair.
    """
    mask = np.zeros(len(design.terms), dtype=bool)
    # SparseMSE does not check its starting model; we do, so a table whose main-effects MLE does
    # not exist is reported rather than given an overflowing estimate.
    fit = single_fit(design, counts, mask)
    while True:
        p = overlap_pvalues(design, counts, fit, mask)
        order = np.lexsort((np.arange(p.size), p))
        accepted = None
        for j in order:
            if not p[j] < pthresh:
                break
            candidate = mask.copy()
            candidate[j] = True
            trial = single_fit(design, counts, candidate, beta0=fit.beta[0])
            if trial.code[0] == 0:
                accepted = (candidate, trial)
                break
        if accepted is None:
            return Choice(mask, fit, f"stepwise p<{pthresh:g}")
        mask, fit = accepted


def stepwise_totals(design: Design, Y: np.ndarray, pthresh: float = 0.02) -> np.ndarray:
    """:func:`stepwise` on many tables at once (bootstrap), returning each table's total.

    The tables step in lockstep: each round every table still moving proposes its best untried
    candidate, all proposals are fitted in one batch (warm-started), a table whose proposal fails
    the checks tries its next candidate in the following round. Same choices as :func:`stepwise`.
    """
    Y = np.asarray(Y, dtype=float)
    K, T = Y.shape[0], len(design.terms)
    masks = np.zeros((K, T), dtype=bool)
    fits = fit_batch(design, Y, masks, variances=False)
    beta, mu, total = fits.beta.copy(), fits.mu.copy(), np.where(fits.code == 0, fits.total, np.nan)
    cells_t = design.term_cells.T.astype(float)
    nstar = Y @ cells_t
    tried = np.zeros((K, T), dtype=bool)
    active = np.flatnonzero(fits.code == 0)
    while active.size:
        pstar = mu[active] @ cells_t
        n_a = nstar[active]
        lower = pdtr(n_a, pstar)
        upper = np.where(n_a > 0, pdtrc(np.maximum(n_a - 1, 0), pstar), 1.0)
        p = np.minimum(lower, upper)
        p[masks[active] | tried[active]] = np.inf
        j = np.argmin(p, axis=1)  # first of equal p-values, as SparseMSE
        go = p[np.arange(active.size), j] < pthresh
        active, j = active[go], j[go]
        if not active.size:
            break
        candidates = masks[active].copy()
        candidates[np.arange(active.size), j] = True
        trial = fit_batch(design, Y[active], candidates, beta0=beta[active], variances=False)
        ok = trial.code == 0
        good = active[ok]
        masks[good] = candidates[ok]
        beta[good], mu[good], total[good] = trial.beta[ok], trial.mu[ok], trial.total[ok]
        tried[good] = False
        tried[active[~ok], j[~ok]] = True
    return total


def aic_forward(design: Design, counts: np.ndarray, pthresh: float = 0.05) -> Choice:
    """Home Office forward AIC selection with a Wald guard (Bales, Hesketh and Silverman 2015).

    As modslavmse ``MSEfit``: at each step fit every admissible model with one more two-list term
    and take the one with the lowest AIC; stop when AIC no longer falls or when that term's
    two-sided Wald p-value is not below ``pthresh``. A term fitted at -inf has p-value 1.
    """
    mask = np.zeros(len(design.terms), dtype=bool)
    fit = single_fit(design, counts, mask)
    current = fit.aic()[0]
    while not mask.all():
        free = np.flatnonzero(~mask)
        models = np.repeat(mask[None, :], free.size, axis=0)
        models[np.arange(free.size), free] = True
        trials = fit_batch(design, counts[None, :], models, beta0=fit.beta[0])
        aic = np.where(trials.code == 0, trials.aic(), np.inf)
        best = int(np.argmin(aic))
        if not aic[best] < current:
            break
        j = free[best]
        column = design.n_main + j
        if trials.neginf[best, j]:
            pvalue = 1.0
        else:
            z = trials.beta[best, column] / np.sqrt(trials.var[best, column])
            pvalue = 2 * norm.sf(abs(z))
        if not pvalue < pthresh:
            break
        mask = models[best]
        current = aic[best]
        fit = single_fit(design, counts, mask, beta0=trials.beta[best])
    return Choice(mask, fit, f"forward AIC, Wald p<{pthresh:g}")


def hierarchical_models(design: Design, limit: int = MAX_EXHAUSTIVE) -> np.ndarray | None:
    """Every hierarchical model over the design's terms, as masks; None if more than ``limit``."""
    terms = design.terms
    index = {term: j for j, term in enumerate(terms)}
    parents = [
        [index[s] for s in combinations(term, len(term) - 1)] if len(term) > 2 else []
        for term in terms
    ]
    out: list[np.ndarray] = []
    mask = np.zeros(len(terms), dtype=bool)

    def walk(j: int) -> bool:
        if j == len(terms):
            out.append(mask.copy())
            return len(out) <= limit
        mask[j] = False
        if not walk(j + 1):
            return False
        if all(mask[q] for q in parents[j]):
            mask[j] = True
            ok = walk(j + 1)
            mask[j] = False
            return ok
        return True

    if not walk(0):
        return None
    return np.array(out).reshape(len(out), len(terms))


def rank_models(
    design: Design, counts: np.ndarray, models: np.ndarray
) -> list[tuple[float, np.ndarray, float]]:
    """Fit every model; return admissible ones as (BIC, mask, total), best first."""
    ranking = []
    for start in range(0, len(models), _CHUNK):
        chunk = models[start : start + _CHUNK]
        fits = fit_batch(design, counts[None, :], chunk)
        bic = fits.bic()
        for k in np.flatnonzero((fits.code == 0) & np.isfinite(bic)):
            ranking.append((float(bic[k]), chunk[k], float(fits.total[k])))
    ranking.sort(key=lambda r: r[0])
    return ranking


def downhill(design: Design, counts: np.ndarray) -> Choice:
    """Downhill BIC search from main effects (Silverman, Chan and Vincent 2024).

    Move to the admissible hierarchical neighbour (one term added or removed) with the lowest
    BIC while BIC falls. May stop in a secondary minimum; used when exhaustive search is too big.
    """
    mask = np.zeros(len(design.terms), dtype=bool)
    fit = single_fit(design, counts, mask)
    current = fit.bic()[0]
    while True:
        neighbours = []
        for j in range(len(design.terms)):
            trial = mask.copy()
            trial[j] = not trial[j]
            if is_hierarchical(design, trial):
                neighbours.append(trial)
        models = np.array(neighbours)
        fits = fit_batch(design, counts[None, :], models)
        bic = np.where(fits.code == 0, fits.bic(), np.inf)
        best = int(np.argmin(bic))
        if not bic[best] < current:
            return Choice(mask, fit, "downhill BIC")
        mask, current = models[best], bic[best]
        fit = single_fit(design, counts, mask)


def min_bic(design: Design, counts: np.ndarray, *, complete: bool = False) -> Choice:
    """Minimum BIC over all admissible hierarchical models up to the design's maximum order.

    Exhaustive when there are at most ``MAX_EXHAUSTIVE`` models (MultipleSystemsEstimation 1.2.0
    ``estimate_population_bic``), otherwise :func:`downhill`. BIC as :meth:`BatchFit.bic`.

    Models are fitted smallest first, and a model is skipped when even a perfect fit could not
    beat the best BIC so far (-2 log L is at least that of the saturated fit, mu = y). The
    minimum is exact; the ranking then holds only the models fitted, so ``complete=True`` fits
    every model (the bootstrap's candidate list needs them all).
    """
    models = hierarchical_models(design)
    if models is None:
        return downhill(design, counts)
    y = counts.astype(float)
    saturated = -2 * float(
        np.sum(np.where(y > 0, y * np.log(np.where(y > 0, y, 1)), 0) - y - gammaln(y + 1))
    )
    log_n = np.log(y.sum())
    sizes = models.sum(axis=1)
    order = np.argsort(sizes, kind="stable")
    ranking: list[tuple[float, np.ndarray, float]] = []
    best = np.inf
    for start in range(0, len(order), _CHUNK):
        idx = order[start : start + _CHUNK]
        if not complete:
            bound = saturated + (design.n_main + sizes[idx]) * log_n
            idx = idx[bound < best]
            if not idx.size:
                break
        ranking.extend(rank_models(design, counts, models[idx]))
        if ranking:
            best = min(best, min(r[0] for r in ranking))
    ranking.sort(key=lambda r: r[0])
    if not ranking:
        raise ValueError("no model passes the existence and identifiability checks")
    mask = ranking[0][1]
    fit = single_fit(design, counts, mask)
    return Choice(
        mask, fit, f"minimum BIC over {len(models)} models", [(b, m) for b, m, _ in ranking]
    )


def fixed(design: Design, counts: np.ndarray, mask: np.ndarray, search: str = "fixed") -> Choice:
    """Fit the given model; refuse it when the MLE does not exist or is not identifiable."""
    fit = single_fit(design, counts, mask)
    return Choice(mask, fit, search)
