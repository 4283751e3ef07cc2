"""Poisson log-linear fits of capture-history tables, many at once, with the existence and
identifiability checks of Fienberg and Rinaldo (2012) as used by SparseMSE (Chan, Silverman and
Vincent 2021).

Every model considered for a table is a subset of the terms of one full design matrix, so a model
is a boolean mask over those terms. Fitting many models (or many bootstrap tables) is then one
batched Newton iteration over stacked arrays, which is what makes exhaustive BIC search and the
bootstrap fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from itertools import combinations
from typing import cast

import numpy as np
from scipy.optimize import linprog
from scipy.special import gammaln

OK, NOT_EXIST, NOT_IDENTIFIABLE = 0, 1, 2
# A converged Newton fit whose fitted values are all clearly positive is a certificate that the
# MLE exists. When it does not exist, Newton escapes along a direction that sends some fitted
# values to zero; it can stall there with values ~4e-8, so anything below this threshold is left
# to the linear programme (whose answer is cached by support, see check_codes).
_TINY = 1e-6
_RIDGE = 1e-9
# exp overflows above ~709: a trial step past this is too long, not an answer.
_ETA_MAX = 700.0


@dataclass(frozen=True)
class Design:
    """The full design for a table's lists: intercept, main effects and all terms up to ``max_order``.

    ``terms`` are tuples of list indices (size 2 to ``max_order``), ordered by size then
    lexicographically, so the two-list terms come first in the order SparseMSE uses.
    """

    lists: tuple[str, ...]
    max_order: int

    @cached_property
    def patterns(self) -> np.ndarray:
        t = len(self.lists)
        codes = np.arange(1, 2**t)
        return ((codes[:, None] >> np.arange(t)[None, :]) & 1).astype(np.int8)

    @cached_property
    def terms(self) -> tuple[tuple[int, ...], ...]:
        t = len(self.lists)
        out: list[tuple[int, ...]] = []
        for size in range(2, min(self.max_order, t) + 1):
            out.extend(combinations(range(t), size))
        return tuple(out)

    @cached_property
    def term_cells(self) -> np.ndarray:
        """``(T, c)`` bool: cell contains every list of the term."""
        p = self.patterns.astype(bool)
        return np.array([p[:, list(term)].all(axis=1) for term in self.terms]).reshape(
            len(self.terms), -1
        )

    @cached_property
    def main_cells(self) -> np.ndarray:
        return self.patterns.T.astype(bool)

    @cached_property
    def X(self) -> np.ndarray:
        """``(c, 1 + t + T)`` design: intercept, main effects, interaction indicators."""
        c = self.patterns.shape[0]
        return np.hstack(
            [np.ones((c, 1)), self.patterns.astype(float), self.term_cells.T.astype(float)]
        )

    @cached_property
    def rank_cache(self) -> dict[tuple[bytes, bytes], bool]:
        """Rank deficiency depends only on the cells kept and the columns used: remember it."""
        return {}

    @cached_property
    def exist_cache(self) -> dict[tuple[bytes, bytes, bytes], bool]:
        return {}

    @property
    def n_main(self) -> int:
        return 1 + len(self.lists)

    def term_name(self, j: int) -> str:
        return ":".join(self.lists[i] for i in self.terms[j])

    def term_index(self, name: str) -> int:
        parts = [p.strip() for p in name.split(":")]
        try:
            key = tuple(sorted(self.lists.index(p) for p in parts))
        except ValueError:
            raise ValueError(
                f"term '{name}': unknown list (lists are {', '.join(self.lists)})"
            ) from None
        if len(key) < 2 or len(set(key)) != len(key):
            raise ValueError(f"term '{name}': an interaction names two or more different lists")
        if key not in self.terms:
            raise ValueError(f"term '{name}': higher than the maximum order {self.max_order}")
        return self.terms.index(key)

    def model_mask(self, names: list[str] | tuple[str, ...]) -> np.ndarray:
        """Boolean mask over terms for the named terms, refusing non-hierarchical models."""
        mask = np.zeros(len(self.terms), dtype=bool)
        for name in names:
            mask[self.term_index(name)] = True
        if not is_hierarchical(self, mask):
            raise ValueError(
                "model is not hierarchical: every interaction needs all its lower-order interactions"
            )
        return mask

    def names(self, mask: np.ndarray) -> tuple[str, ...]:
        return tuple(self.term_name(int(j)) for j in np.flatnonzero(mask))


def is_hierarchical(design: Design, mask: np.ndarray) -> bool:
    """True when every included term's sub-interactions (order >= 2) are included too."""
    included = {design.terms[j] for j in np.flatnonzero(mask)}
    for term in included:
        if len(term) > 2:
            for sub in combinations(term, len(term) - 1):
                if sub not in included:
                    return False
    return True


@dataclass
class BatchFit:
    """Fits of K (model, table) pairs. Arrays have leading dimension K."""

    beta: np.ndarray  # (K, P) coefficients, 0 for columns not in the model
    mu: np.ndarray  # (K, c) fitted values, 0 for removed cells
    var: np.ndarray  # (K, P) variances of the coefficients (diagonal of the inverse information)
    loglik: np.ndarray  # (K,) Poisson log-likelihood over observable cells
    n_params: np.ndarray  # (K,) intercept + main effects + terms, -inf terms included
    code: np.ndarray  # (K,) 0 fine, 1 MLE does not exist, 2 not identifiable, 3 both
    neginf: np.ndarray  # (K, T) terms fitted at -infinity (no overlap)
    cells: np.ndarray  # (K, c) cells kept in the fit
    colmask: np.ndarray  # (K, P) design columns used in the fit
    observed: np.ndarray  # (K,) observed total of each table

    @property
    def var0(self) -> np.ndarray:
        return self.var[:, 0]

    @property
    def dark(self) -> np.ndarray:
        return cast(np.ndarray, np.exp(self.beta[:, 0]))

    @property
    def total(self) -> np.ndarray:
        return cast(np.ndarray, self.observed + self.dark)

    def bic(self) -> np.ndarray:
        """BIC = -2 log L + p log(n_obs), -inf terms counted in p (Silverman, Chan and Vincent 2024)."""
        return cast(np.ndarray, -2 * self.loglik + self.n_params * np.log(self.observed))

    def aic(self) -> np.ndarray:
        return cast(np.ndarray, -2 * self.loglik + 2 * self.n_params)


def _structure(
    design: Design, Y: np.ndarray, models: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cells kept, columns used and -inf terms for each (model, table) pair."""
    overlap = Y @ design.term_cells.T  # (K, T)
    neginf = models & (overlap == 0)
    main_overlap = Y @ design.main_cells.T  # (K, t)
    empty_main = main_overlap == 0
    removed = (neginf.astype(np.int64) @ design.term_cells.astype(np.int64)) > 0
    removed |= (empty_main.astype(np.int64) @ design.main_cells.astype(np.int64)) > 0
    cells = ~removed
    K = Y.shape[0]
    colmask = np.hstack([np.ones((K, 1), bool), ~empty_main, models & ~neginf])
    return cells, colmask, neginf, empty_main


def fit_batch(
    design: Design,
    Y: np.ndarray,
    models: np.ndarray,
    *,
    beta0: np.ndarray | None = None,
    check: bool | str = True,
    max_iter: int = 60,
    tol: float = 1e-9,
    variances: bool = True,
) -> BatchFit:
    """Fit Poisson log-linear models to tables by Newton's method (IRLS), all at once.

    Parameters
    ----------
    design : Design
    Y : numpy.ndarray
        ``(K, c)`` or ``(c,)`` counts.
    models : numpy.ndarray
        ``(K, T)`` or ``(T,)`` boolean term masks; broadcast against ``Y``.
    beta0 : numpy.ndarray, optional
        Starting coefficients (warm start).
    check : bool or "lazy"
        Compute existence (linear programme when needed) and identifiability (rank) codes;
        ``"lazy"`` leaves uncertified existence as ``UNKNOWN`` (see :func:`check_codes`).
    variances : bool
        Compute the coefficients' variances (an inverse per member); a bootstrap that keeps
        only totals skips them and gets NaN.

    Returns
    -------
    BatchFit

    Notes
    -----
    Terms whose lists never overlap in a table get coefficient -inf: the cells containing them
    are removed and the term does not enter the fit (Chan, Silverman and Vincent 2021, Sec. 2).
    A converged fit with every kept cell's fitted value clearly positive is a certificate that the
    MLE exists (its fitted values are a strictly positive solution of the sufficient-statistic
    equations); otherwise the Fienberg-Rinaldo linear programme decides.
    """
    Y = np.atleast_2d(np.asarray(Y, dtype=float))
    models = np.atleast_2d(np.asarray(models, dtype=bool))
    K = max(Y.shape[0], models.shape[0])
    shared = models.shape[0] == 1 and K > 1
    Y = np.broadcast_to(Y, (K, Y.shape[1]))
    models = np.broadcast_to(models, (K, models.shape[1]))
    cells, colmask_full, neginf, _ = _structure(design, Y, models)
    # Columns no member uses are left out of the iteration: they would only carry an identity
    # block through every information matrix and every solve.
    used = colmask_full.any(axis=0)
    X = design.X[:, used]
    c, P = X.shape
    colmask = colmask_full[:, used]
    masked_diag = (~colmask).astype(float)
    eye = np.eye(P)
    if shared:
        # One model for every table (bootstrap of a fixed model): the information matrices are
        # one matrix product w @ (x x') over cells, and removed cells simply get weight 0 (a
        # -inf term's column is non-zero only on its removed cells).
        Xs = X * np.concatenate([np.ones(design.n_main, bool), models[0]])[None, used]
        XX = (Xs[:, :, None] * Xs[:, None, :]).reshape(c, P * P)

        def hessian(idx: np.ndarray | None, w: np.ndarray) -> np.ndarray:
            return cast(np.ndarray, (w @ XX).reshape(-1, P, P))

        def score(idx: np.ndarray | None, v: np.ndarray) -> np.ndarray:
            return cast(np.ndarray, v @ Xs)

        def linear(idx: np.ndarray | None, b: np.ndarray) -> np.ndarray:
            return cast(np.ndarray, b @ Xs.T)
    else:
        # Each member's information is sum_c w_kc x_c x_c' over its kept cells and used columns:
        # one (K, c) @ (c, P*P) product, masked, instead of K small products.
        XX = (X[:, :, None] * X[:, None, :]).reshape(c, P * P)
        pair_mask = colmask[:, :, None] & colmask[:, None, :]
        cells_f, colmask_f = cells.astype(float), colmask.astype(float)

        def hessian(idx: np.ndarray | None, w: np.ndarray) -> np.ndarray:
            pm = pair_mask if idx is None else pair_mask[idx]
            return cast(np.ndarray, (w @ XX).reshape(-1, P, P) * pm)

        def score(idx: np.ndarray | None, v: np.ndarray) -> np.ndarray:
            cf, mf = (cells_f, colmask_f) if idx is None else (cells_f[idx], colmask_f[idx])
            return cast(np.ndarray, ((v * cf) @ X) * mf)

        def linear(idx: np.ndarray | None, b: np.ndarray) -> np.ndarray:
            cf, mf = (cells_f, colmask_f) if idx is None else (cells_f[idx], colmask_f[idx])
            return cast(np.ndarray, ((b * mf) @ X.T) * cf)

    if beta0 is None:
        mu = np.where(cells, Y + 0.1, 1.0)
        eta = np.log(mu)
        mu = mu * cells
        beta = np.zeros((K, P))
        first = True
    else:
        beta = np.broadcast_to(np.asarray(beta0)[..., used], (K, P)) * colmask
        eta = linear(None, beta)
        mu = np.exp(np.clip(eta, -700, 700)) * cells
        first = False
    converged = np.zeros(K, bool)
    # Members leave the batch as they converge, so a few escaping fits (MLE does not exist)
    # do not keep the whole batch iterating.
    active = np.arange(K)
    for _ in range(max_iter):
        if active.size == 0:
            break
        idx = None if active.size == K else active  # no copies while every member iterates
        ca, mua, Ya = (cells, mu, Y) if idx is None else (cells[idx], mu[idx], Y[idx])
        w = mua * ca
        z = np.where(ca, eta[active] + (Ya - mua) / np.where(mua > 0, mua, 1.0), 0.0)
        H = hessian(idx, w) + (masked_diag[active][:, :, None] * eye) + _RIDGE * eye
        g = score(idx, w * z)
        new = _solve_batch(H, g) * colmask[active]
        # Step size, not deviance: when the MLE does not exist the steps stay near 1 (see _TINY).
        with np.errstate(invalid="ignore"):
            step = np.max(np.abs(new - beta[active]), axis=1)
        done = (step < tol) if not first else np.zeros(active.size, bool)
        first = False
        beta[active] = new
        eta_a = linear(idx, new)
        eta[active] = eta_a
        mu[active] = np.exp(np.clip(eta_a, -700, 700)) * ca
        converged[active[done]] = True
        active = active[~done]
    P_full = design.X.shape[1]
    beta_full = np.zeros((K, P_full))
    beta_full[:, used] = beta
    # An unused column's variance is what its identity block gives, as when it was iterated.
    var = np.full((K, P_full), 1 / (1 + _RIDGE) if variances else np.nan)
    with np.errstate(all="ignore"):
        if variances:
            H = hessian(None, mu * cells) + masked_diag[:, :, None] * eye + _RIDGE * eye
            var[:, used] = _inverse_diagonal(H)
        loglik = (
            np.where(cells, Y * np.log(np.where(mu > 0, mu, 1e-300)) - mu, 0.0) - gammaln(Y + 1)
        ).sum(axis=1)
    n_params = design.n_main + models.sum(axis=1)
    code = np.zeros(K, dtype=np.int64)
    if check:
        code = check_codes(design, Y, cells, colmask_full, mu, converged, lazy=check == "lazy")
    return BatchFit(
        beta_full, mu, var, loglik, n_params, code, neginf, cells, colmask_full, Y.sum(axis=1)
    )


UNKNOWN = -1


def _solve(H: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Newton direction; least squares where the information is singular (a parameter on the boundary)."""
    try:
        step = np.linalg.solve(H + 1e-10 * np.eye(H.shape[0]), g)
        if np.all(np.isfinite(step)):
            return cast(np.ndarray, step)
    except np.linalg.LinAlgError:
        pass
    return cast(np.ndarray, np.linalg.lstsq(H, g, rcond=None)[0])


def damped_fit(
    X: np.ndarray, y: np.ndarray, beta: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Coefficients, fitted values and convergence of a Poisson log-linear fit that cannot overshoot.

    Newton's method with step halving on the log-likelihood, so every step climbs: plain Newton
    from a warm start at another total can overshoot on a sparse table until exp overflows. Where
    the maximum lies on the boundary (a cell whose fitted value goes to zero as some coefficients
    go to minus infinity) the likelihood still converges to its supremum, which is the value the
    profile needs; the information there is singular, so the step falls back to least squares.
    Used by the profile likelihood at every total, and by :func:`single_fit` when plain Newton
    fails.
    """

    def objective(eta: np.ndarray) -> float:
        return float(np.sum(y * eta - np.exp(eta)))

    if beta is None or not np.all(np.isfinite(beta)):
        w = np.sqrt(y + 0.1)
        beta = np.linalg.lstsq(X * w[:, None], np.log(y + 0.1) * w, rcond=None)[0]
    eta = X @ beta
    if not np.all(eta < _ETA_MAX):
        beta = np.linalg.lstsq(X, np.log(y + 0.1), rcond=None)[0]
        eta = X @ beta
    value = objective(eta)
    converged = False
    for _ in range(200):
        mu = np.exp(eta)
        step = _solve((X.T * mu) @ X, X.T @ (y - mu))
        t = 1.0
        while t > 1e-12:
            trial = beta + t * step
            eta_trial = X @ trial
            if np.all(eta_trial < _ETA_MAX):
                trial_value = objective(eta_trial)
                if trial_value >= value - 1e-12 * abs(value):
                    break
            t /= 2
        else:
            converged = True  # no step climbs: at the maximum to machine precision
            break
        gain = trial_value - value
        beta, eta, value = trial, eta_trial, trial_value
        if np.max(np.abs(t * step)) < 1e-10 or abs(gain) < 1e-14 * (1 + abs(value)):
            converged = True
            break
    return beta, np.exp(eta), converged


def _solve_batch(H: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Newton steps for a batch; a member whose information is singular gets a least-squares step.

    One singular member (a fit escaping to infinity, its fitted values overflowing) must not
    stop the whole batch; the existence check then judges that member.
    """
    try:
        return cast(np.ndarray, np.linalg.solve(H, g[..., None])[..., 0])
    except np.linalg.LinAlgError:
        out = np.zeros_like(g)
        for k in range(H.shape[0]):
            out[k] = _solve(H[k], g[k])
        return out


def _inverse_diagonal(H: np.ndarray) -> np.ndarray:
    """Diagonals of the inverses of a batch; a pseudo-inverse for a singular member."""
    try:
        return np.diagonal(np.linalg.inv(H), axis1=-2, axis2=-1).copy()
    except np.linalg.LinAlgError:
        return np.diagonal(np.linalg.pinv(H), axis1=-2, axis2=-1).copy()


def exists(design: Design, y: np.ndarray, cells: np.ndarray, colmask: np.ndarray) -> bool:
    """Existence of the MLE for one (table, model), cached by support; see :func:`decide_existence`.

    Existence depends on the data only through which cells are positive (Fienberg and Rinaldo
    2012), so one answer serves every resample with the same support.
    """
    yk = y[cells]
    key = (cells.tobytes(), colmask.tobytes(), (yk > 0).tobytes())
    if key not in design.exist_cache:
        design.exist_cache[key] = decide_existence(design.X[np.ix_(cells, colmask)], yk)
    return design.exist_cache[key]


def decide_existence(X: np.ndarray, y: np.ndarray) -> bool:
    """Does the Poisson MLE exist for design ``X`` and counts ``y``? Exact; a solver only when needed.

    The likelihood has no maximum exactly when some direction d moves no positive cell and lowers
    at least one empty one: X d <= 0, X d != 0, (X d)_i = 0 wherever y_i > 0. Hence:

    - the positive cells alone have full column rank: only d = 0 leaves them unmoved, so the MLE
      exists (this decides almost every bootstrap table without a solver);
    - they leave one direction d free: the MLE fails to exist exactly when X d has one sign on
      the empty cells (take d or -d);
    - otherwise the Fienberg-Rinaldo linear programme (:func:`mle_exists`) decides.
    """
    positive = y > 0
    if positive.all():
        return True
    P = X[positive]
    if not P.size:
        return False
    _, sv, vt = np.linalg.svd(P, full_matrices=True)
    tol = sv.max() * max(P.shape) * np.finfo(float).eps if sv.size else 0.0
    free = X.shape[1] - int(np.sum(sv > tol))
    if free == 0:
        return True
    if free == 1:
        moved = X[~positive] @ vt[-1]
        scale = np.abs(moved).max()
        if scale <= 1e-9:
            return mle_exists(
                X, y
            )  # the free direction moves nothing: not identifiable, let the LP say
        signs = moved / scale
        return bool(signs.max() > 1e-9 and signs.min() < -1e-9)
    return mle_exists(X, y)


def check_codes(
    design: Design,
    Y: np.ndarray,
    cells: np.ndarray,
    colmask: np.ndarray,
    mu: np.ndarray,
    converged: np.ndarray,
    lazy: bool = False,
) -> np.ndarray:
    """Existence (1) and identifiability (2) codes, as SparseMSE ``checkident``.

    With ``lazy``, a fit that is identifiable but not certified by convergence gets ``UNKNOWN``
    instead of running the linear programme (the caller runs :func:`exists` only if it matters).
    """
    X = design.X
    K = Y.shape[0]
    code = np.zeros(K, dtype=np.int64)
    ranks = design.rank_cache
    # Bootstrap tables mostly share one structure (cells kept, columns used): work per structure.
    packed = np.packbits(np.hstack([cells, colmask]), axis=1)
    unique, first, inverse = np.unique(packed, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    keys = [(cells[i].tobytes(), colmask[i].tobytes()) for i in first]
    todo = [u for u, key in enumerate(keys) if key not in ranks]
    if todo:
        # One batched SVD: removed cells and unused columns are zeroed, so the rank falls short
        # of the number of columns used exactly when the kept design is rank deficient.
        rows = first[todo]
        stacked = X[None, :, :] * cells[rows][:, :, None] * colmask[rows][:, None, :]
        deficient = np.linalg.matrix_rank(stacked) < colmask[rows].sum(axis=1)
        for u, flag in zip(todo, deficient, strict=True):
            ranks[keys[u]] = bool(flag)
    code = np.array([NOT_IDENTIFIABLE if ranks[key] else 0 for key in keys], dtype=np.int64)[
        inverse
    ]
    # The data themselves are a strictly positive solution when every kept cell is positive, and
    # converged fitted values clearly above zero certify existence (see _TINY).
    all_positive = ((Y > 0) | ~cells).all(axis=1)
    certified = converged & (np.where(cells, mu, np.inf).min(axis=1) > _TINY)
    for k in np.flatnonzero(~all_positive & ~(certified & (code == 0))):
        if lazy:
            if code[k] == 0:
                code[k] = UNKNOWN
            continue
        if not exists(design, Y[k], cells[k], colmask[k]):
            code[k] += NOT_EXIST
    return code


def mle_exists(X: np.ndarray, y: np.ndarray) -> bool:
    """Fienberg-Rinaldo (2012) linear programme: is there z > 0 with X'z = X'y?

    Maximises s subject to X'z = X'y, z_i >= s, z >= 0, s >= 0 (the programme of SparseMSE's
    ``checkident``); the MLE exists if and only if the optimum is positive.
    """
    c, p = X.shape
    A_eq = np.hstack([X.T, np.zeros((p, 1))])
    b_eq = X.T @ y
    A_ub = np.hstack([-np.eye(c), np.ones((c, 1))])
    b_ub = np.zeros(c)
    cost = np.zeros(c + 1)
    cost[-1] = -1.0
    result = linprog(
        cost, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=b_eq, bounds=(0, None), method="highs"
    )
    if result.status != 0:
        return False
    return bool(-result.fun > 1e-8)


def single_fit(
    design: Design,
    counts: np.ndarray,
    mask: np.ndarray,
    *,
    beta0: np.ndarray | None = None,
    check: bool = True,
    max_iter: int = 60,
) -> BatchFit:
    """Fit one model to one table; same result as :func:`fit_batch` with K = 1, less overhead.

    Newton's method on the kept cells and used columns only, which is what makes repeated
    stepwise selection in the bootstrap fast.
    """
    y_all = np.asarray(counts, dtype=float)
    mask = np.asarray(mask, dtype=bool)
    cells, colmask, neginf, _ = _structure(design, y_all[None, :], mask[None, :])
    c0, m0 = cells[0], colmask[0]
    X = design.X[np.ix_(c0, m0)]
    y = y_all[c0]
    p = X.shape[1]
    ridge = _RIDGE * np.eye(p)
    if beta0 is None:
        mu = y + 0.1
        z = np.log(mu) * mu + (y - mu)
        beta = np.linalg.solve((X.T * mu) @ X + ridge, X.T @ z)
    else:
        beta = np.asarray(beta0, dtype=float)[m0].copy()
    converged = False
    failed = False
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(max_iter):
            mu = np.exp(np.minimum(X @ beta, 700))
            H = (X.T * mu) @ X + ridge
            try:
                step = np.linalg.solve(H, X.T @ (y - mu))
            except np.linalg.LinAlgError:
                failed = True
                break
            beta = beta + step
            if not np.all(np.isfinite(beta)):
                failed = True
                break
            if np.max(np.abs(step)) < 1e-9:
                converged = True
                break
    if failed:
        # Plain Newton overshot until the information overflowed: climb with step halving from
        # a cold start instead. If the MLE does not exist this follows the fit to its boundary,
        # and the existence check below refuses it.
        beta, _, converged = damped_fit(X, y, None)
    mu = np.exp(np.minimum(X @ beta, 700))
    H = (X.T * mu) @ X + ridge
    with np.errstate(all="ignore"):
        var_used = _inverse_diagonal(H)
        loglik = float(
            np.sum(np.where(y > 0, y * np.log(np.where(mu > 0, mu, 1e-300)), 0.0) - mu)
            - gammaln(y_all + 1).sum()
        )
    P = design.X.shape[1]
    beta_full = np.zeros((1, P))
    beta_full[0, m0] = beta
    var_full = np.zeros((1, P))
    var_full[0, m0] = var_used
    mu_full = np.zeros((1, y_all.size))
    mu_full[0, c0] = mu
    code = np.zeros(1, dtype=np.int64)
    if check:
        code = check_codes(design, y_all[None, :], cells, colmask, mu_full, np.array([converged]))
    return BatchFit(
        beta_full,
        mu_full,
        var_full,
        np.array([loglik]),
        np.array([design.n_main + mask.sum()]),
        code,
        neginf,
        cells,
        colmask,
        np.array([y_all.sum()]),
    )
