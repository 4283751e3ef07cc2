"""Intervals for the total: Wald on the log dark figure, multinomial profile likelihood, BCa bootstrap."""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq, minimize_scalar
from scipy.special import gammaln
from scipy.stats import chi2, norm

from jigsaw.errors import InputError
from jigsaw.stats._intervals import z_value
from jigsaw.stats.mse._fit import BatchFit, Design, damped_fit


def wald_interval(fit: BatchFit, level: float = 0.95) -> tuple[float, float]:
    """n_obs + exp(intercept -/+ z * SE): Wald interval on the log dark figure.

    As SparseMSE 2.0.1 ``estimatepopulation.0`` (SE from the inverse Fisher information).
    """
    z = z_value(level)
    b, se, n = fit.beta[0, 0], float(np.sqrt(fit.var0[0])), float(fit.observed[0])
    if not (np.isfinite(b) and np.isfinite(se)):
        raise InputError(
            "Wald interval cannot be computed: the standard error of the dark figure is not finite "
            "(the information matrix is singular at the fit); use --ci profile or --ci bca"
        )
    return n + float(np.exp(b - z * se)), n + float(np.exp(b + z * se))


def _model_label(design: Design, fit: BatchFit) -> str:
    names = design.names(fit.colmask[0, design.n_main :] & ~fit.neginf[0])
    neginf = design.names(fit.neginf[0])
    label = " ".join(names) or "main effects"
    if neginf:
        label += f"; {' '.join(neginf)} fixed at -inf"
    return label


def profile_interval(
    design: Design, counts: np.ndarray, fit: BatchFit, level: float = 0.95
) -> tuple[float, float, float]:
    """Multinomial profile-likelihood interval for the total, as Rcapture ``closedpCI.t``.

    For each candidate total N the unobserved cell gets count N - n and the log-linear model is
    fitted to the complete table (the zero cell's design row is the intercept alone); the
    multinomial log-likelihood is log N!/(N-n)! + sum y log(mu/N) + (N-n) log(mu_0/N) - sum log y!.
    The interval holds every N whose deviance from the profile maximum is below the chi-squared(1)
    quantile (Cormack 1992; Rivest and Baillargeon, Rcapture 1.4).

    Parameters on the boundary are treated as SparseMSE treats them: an interaction whose lists
    never meet is fixed at minus infinity, its cells dropped and its column left out of the
    profiled model (the fit's ``cells`` and ``colmask``); a coefficient whose maximum is at
    minus infinity for another reason is followed to its supremum by the damped fit.

    Returns
    -------
    (low, high, profile_maximum)

    Raises
    ------
    InputError
        When the profile cannot be computed (the likelihood is not finite, or the deviance never
        reaches the chi-squared quantile below the maximum), naming the model and the cause.
    """
    cells = fit.cells[0]
    colmask = fit.colmask[0]
    X = design.X[np.ix_(cells, colmask)]
    y = counts[cells].astype(float)
    n = float(y.sum())
    zero_row = np.zeros((1, X.shape[1]))
    zero_row[0, 0] = 1.0
    Xe = np.vstack([X, zero_row])
    start = fit.beta[0, colmask].copy()
    state = {"beta": start}
    label = _model_label(design, fit)

    def fail(cause: str) -> InputError:
        return InputError(
            f"profile-likelihood interval for model [{label}] cannot be computed: {cause}; "
            "use --ci wald or --ci bca"
        )

    def loglik(N: float) -> float:
        ye = np.append(y, N - n)
        beta, mu, _ = damped_fit(Xe, ye, state["beta"])
        if not np.all(np.isfinite(mu)):
            beta, mu, _ = damped_fit(Xe, ye, start)  # a warm start gone astray: start again
        if not np.all(np.isfinite(mu)):
            raise fail(f"the log-linear fit does not converge at a total of {N:,.1f}")
        state["beta"] = beta
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(ye > 0, ye * np.log(mu / N), 0.0)
        value = float(gammaln(N + 1) - gammaln(N - n + 1) - gammaln(y + 1).sum() + terms.sum())
        if not np.isfinite(value):
            raise fail(f"the likelihood is not finite at a total of {N:,.1f}")
        return value

    point = float(fit.total[0])
    best = minimize_scalar(
        lambda N: -loglik(N),
        bounds=(n, max(point * 3, n + 10)),
        method="bounded",
        options={"xatol": 1e-6},
    )
    n_max, l_max = float(best.x), -float(best.fun)
    q = float(chi2.ppf(level, 1))

    def excess(N: float) -> float:
        return 2 * (l_max - loglik(N)) - q

    # At N = n exactly the unobserved cell is empty and its fitted value goes to zero (the MLE is
    # on the boundary); the profile is continuous there, so evaluate just inside.
    floor = n + max(1e-9 * n, 1e-9)
    if excess(floor) <= 0:
        low = n
    elif n_max <= floor:
        raise fail(
            "the profile maximum is at the observed count, so no lower limit can be bracketed"
        )
    else:
        low = float(brentq(excess, floor, n_max, xtol=1e-6))
    high_end = n_max * 2
    while excess(high_end) < 0:
        high_end *= 2
        if high_end > 1e12:
            return low, float("inf"), n_max
    high = brentq(excess, n_max, high_end, xtol=1e-6)
    return float(low), float(high), n_max


def type8_quantile(values: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Hyndman and Fan (1996) type 8 quantiles (median-unbiased), as R ``quantile(type=8)``."""
    x = np.sort(values)
    n = x.size
    h = (n + 1 / 3) * np.asarray(probs) + 1 / 3
    lo = np.clip(np.floor(h).astype(int), 1, n)
    hi = np.clip(lo + 1, 1, n)
    frac = np.clip(h - np.floor(h), 0, 1)
    out = x[lo - 1] + frac * (x[hi - 1] - x[lo - 1])
    out = np.where(h < 1, x[0], out)
    quantiles: np.ndarray = np.where(h >= n, x[-1], out)
    return quantiles


def bca_limits(
    boot: np.ndarray, estimate: float, acceleration: float, level: float = 0.95
) -> tuple[float, float]:
    """BCa limits (Efron 1987; as SparseMSE ``bcaconfvalues``): type 8 quantiles at adjusted levels."""
    usable = boot[np.isfinite(boot)]
    if usable.size < 10:
        raise InputError(
            f"BCa interval cannot be computed: only {usable.size} of {boot.size} bootstrap resamples "
            "had a model that could be estimated; use --ci wald or --ci profile"
        )
    boot = usable
    below = float(np.mean(boot < estimate))
    if below in (0.0, 1.0):
        side = "above" if below == 0.0 else "below"
        raise InputError(
            f"BCa interval cannot be computed: every bootstrap total is {side} the estimate, so the "
            "bias correction is infinite; use --ci wald or --ci profile"
        )
    z0 = norm.ppf(below)
    z = z_value(level)
    za = np.array([-z, z])
    adjusted = norm.cdf(z0 + (z0 + za) / (1 - acceleration * (z0 + za)))
    low, high = type8_quantile(boot, adjusted)
    return float(low), float(high)


def jackknife_tables(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Delete-one-child tables: one per non-empty cell, and the cells they come from."""
    cells = np.flatnonzero(np.asarray(counts) > 0)
    tables = np.repeat(np.asarray(counts)[None, :], cells.size, axis=0)
    tables[np.arange(cells.size), cells] -= 1
    return tables, cells


def jackknife_acceleration(counts: np.ndarray, cells: np.ndarray, estimates: np.ndarray) -> float:
    """Acceleration from deleting one child at a time, each deletion weighted by its cell's count.

    As SparseMSE ``estimatepopulation``: a = sum c r^3 / (6 (sum c r^2)^1.5) with r the jackknife
    residuals (weighted mean minus the delete-one estimate); the estimates repeat model choice.
    """
    counts = np.asarray(counts)
    jack = np.zeros(counts.size)
    jack[cells] = estimates
    residual = (counts * jack).sum() / counts.sum() - jack
    denom = 6 * (counts * residual**2).sum() ** 1.5
    return float((counts * residual**3).sum() / denom) if denom > 0 else 0.0
