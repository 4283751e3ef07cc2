"""Model choice repeated on many tables (bootstrap resamples, jackknife deletions), on every core given."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from jigsaw.stats.mse import _select
from jigsaw.stats.mse._fit import UNKNOWN, Design, exists, fit_batch, single_fit

# Below this many tables the cost of starting worker processes outweighs the gain.
_PARALLEL_MIN = 64


@dataclass(frozen=True)
class ChoiceSpec:
    """How to choose a model, so the same choice can be repeated on every resample.

    ``candidates`` (for ``bic``) are the models the bootstrap may re-select among: the best
    ``ntop`` admissible models on the original data (Silverman, Chan and Vincent 2024); None
    means a full search on every table.
    """

    method: str
    pthresh: float = 0.02
    mask: np.ndarray | None = None
    candidates: np.ndarray | None = None
    complete: bool = False  # bic: rank every model (the bootstrap needs the full ranking)


def choose(design: Design, counts: np.ndarray, spec: ChoiceSpec) -> _select.Choice:
    """Choose and fit a model for one table."""
    if spec.method == "stepwise":
        return _select.stepwise(design, counts, spec.pthresh)
    if spec.method == "aic":
        return _select.aic_forward(design, counts, spec.pthresh)
    if spec.method == "main":
        return _select.fixed(design, counts, np.zeros(len(design.terms), bool), "main effects")
    if spec.method == "fixed":
        if spec.mask is None:
            raise ValueError("method 'fixed' needs terms, e.g. LA:NG,NG:GO")
        return _select.fixed(design, counts, spec.mask)
    if spec.method == "bic":
        if spec.candidates is not None:
            totals, best = _best_of(design, counts[None, :], spec.candidates)
            if best[0] < 0:
                raise ValueError(
                    "no candidate model passes the existence and identifiability checks"
                )
            mask = spec.candidates[best[0]]
            return _select.fixed(
                design, counts, mask, f"minimum BIC over {len(spec.candidates)} models"
            )
        return _select.min_bic(design, counts, complete=spec.complete)
    raise ValueError(f"unknown method '{spec.method}' (choose from {', '.join(_select.METHODS)})")


def _best_bic(
    design: Design, Y: np.ndarray, candidates: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lowest-BIC admissible candidate for each table: (BIC, total, index), index -1 if none.

    Fits are checked lazily: the linear programme runs only for a fit that would become a
    table's current best without a convergence certificate, which keeps it rare.
    """
    best_bic = np.full(Y.shape[0], np.inf)
    totals = np.full(Y.shape[0], np.nan)
    best = np.full(Y.shape[0], -1)
    centre = Y.mean(axis=0)
    for i, mask in enumerate(candidates):
        # Resamples scatter around their mean table: its fit is a close warm start for all.
        start = single_fit(design, centre, mask, check=False).beta[0]
        fits = fit_batch(design, Y, mask[None, :], beta0=start, check="lazy", variances=False)
        bic = fits.bic()
        better = (fits.code <= 0) & (bic < best_bic)
        for k in np.flatnonzero(better & (fits.code == UNKNOWN)):
            better[k] = exists(design, Y[k], fits.cells[k], fits.colmask[k])
        best_bic = np.where(better, bic, best_bic)
        totals = np.where(better, fits.total, totals)
        best = np.where(better, i, best)
    return best_bic, totals, best


def _best_of(
    design: Design, Y: np.ndarray, candidates: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each table, the total under the admissible candidate with the lowest BIC, and its index."""
    _, totals, best = _best_bic(design, Y, candidates)
    return totals, best


def _totals_serial(design: Design, Y: np.ndarray, spec: ChoiceSpec) -> np.ndarray:
    if spec.method in ("main", "fixed"):
        mask = (
            spec.mask
            if spec.method == "fixed" and spec.mask is not None
            else np.zeros(len(design.terms), bool)
        )
        fits = fit_batch(design, Y, mask[None, :], variances=False)
        return np.where(fits.code == 0, fits.total, np.nan)
    if spec.method == "bic" and spec.candidates is not None:
        return _best_of(design, Y, spec.candidates)[0]
    if spec.method == "stepwise":
        return _select.stepwise_totals(design, Y, spec.pthresh)
    out = np.full(Y.shape[0], np.nan)
    for k, counts in enumerate(Y):
        try:
            choice = choose(design, counts, spec)
        except ValueError:
            continue  # no admissible model for this resample: left out, and counted
        if choice.fit.code[0] == 0:
            out[k] = choice.fit.total[0]
    return out


def _worker(args: tuple[Design, np.ndarray, ChoiceSpec]) -> np.ndarray:
    design, Y, spec = args
    return _totals_serial(design, Y, spec)


def _bic_worker(args: tuple[Design, np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    design, Y, candidates = args
    best_bic, totals, _ = _best_bic(design, Y, candidates)
    return best_bic, totals


def single_threaded_blas() -> threadpool_limits:
    """Context keeping BLAS to one thread.

    The fits are many small matrix products; BLAS threads only contend with each other and with
    the second worker process (measured: twice as slow with OpenBLAS's default threads).
    """
    return threadpool_limits(limits=1)


def _init_worker() -> None:
    threadpool_limits(limits=1)


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity, which a scheduler or container sets)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # platforms without affinity (macOS)
        return os.cpu_count() or 1


def totals_for(
    design: Design, Y: np.ndarray, spec: ChoiceSpec, workers: int | None = None
) -> np.ndarray:
    """Total under the repeated model choice for every table in ``Y`` (NaN when none is admissible).

    Work is split over ``workers`` processes (default: every core this process is given, see
    :func:`available_cores`): per-table searches by table, BIC choice among fixed candidates by
    candidate model. Resamples are drawn before the split, so the worker count changes no choice.
    """
    workers = max(1, min(workers or available_cores(), available_cores()))
    Y = np.asarray(Y)
    if workers == 1 or Y.shape[0] < _PARALLEL_MIN:
        return _totals_serial(design, Y, spec)
    if spec.method == "bic" and spec.candidates is not None:
        if len(spec.candidates) < 2 * workers:
            return _totals_serial(design, Y, spec)
        parts = np.array_split(np.arange(len(spec.candidates)), workers)
        with ProcessPoolExecutor(workers, initializer=_init_worker) as pool:
            results = list(pool.map(_bic_worker, [(design, Y, spec.candidates[p]) for p in parts]))
        bics = np.vstack([r[0] for r in results])
        totals = np.vstack([r[1] for r in results])
        pick = np.argmin(bics, axis=0)
        out = totals[pick, np.arange(Y.shape[0])]
        return np.where(np.isfinite(bics.min(axis=0)), out, np.nan)
    if spec.method in ("main", "fixed"):
        return _totals_serial(design, Y, spec)
    # Stepwise runs tables in lockstep batches, so one big chunk per worker; other searches run
    # table by table, so smaller chunks balance the load.
    chunks = np.array_split(Y, workers if spec.method == "stepwise" else workers * 4)
    with ProcessPoolExecutor(workers, initializer=_init_worker) as pool:
        return np.concatenate(list(pool.map(_worker, [(design, chunk, spec) for chunk in chunks])))
