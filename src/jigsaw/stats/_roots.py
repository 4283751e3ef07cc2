"""Brent's root finder, as ``scipy.optimize.brentq`` computes it, without importing scipy.optimize.

Importing :mod:`scipy.optimize` costs about 0.15 s of CPU, a tenth of the whole
``jigsaw oversight`` command, which needs only this one function from it. The iteration is
scipy's C code (``brentq.c``) step for step, in the same floating-point operations, so the
root is the same to the last bit (``tests/stats/test_roots.py`` compares them); scipy's
defaults (``xtol=2e-12``, ``rtol=4 * machine epsilon``, 100 iterations) and its errors are kept.
"""

from __future__ import annotations

import math
from collections.abc import Callable

__all__ = ["brentq"]

_RTOL = 4 * 2.220446049250313e-16


def brentq(
    f: Callable[[float], float],
    a: float,
    b: float,
    *,
    xtol: float = 2e-12,
    rtol: float = _RTOL,
    maxiter: int = 100,
) -> float:
    """A root of ``f`` in ``[a, b]``, where ``f(a)`` and ``f(b)`` differ in sign.

    Raises
    ------
    ValueError
        ``f(a)`` and ``f(b)`` have the same sign, ``f`` gave a NaN, or a bad tolerance.
    RuntimeError
        No convergence in ``maxiter`` iterations.
    """
    if xtol <= 0:
        raise ValueError(f"xtol too small ({xtol:g} <= 0)")
    if rtol < _RTOL:
        raise ValueError(f"rtol too small ({rtol:g} < {_RTOL:g})")

    def value(x: float) -> float:
        fx = float(f(x))
        if math.isnan(fx):
            raise ValueError(f"the function value at x={x} is NaN")
        return fx

    xpre, xcur = float(a), float(b)
    xblk = fblk = spre = scur = 0.0
    fpre, fcur = value(xpre), value(xcur)
    if fpre == 0:
        return xpre
    if fcur == 0:
        return xcur
    if math.copysign(1.0, fpre) == math.copysign(1.0, fcur):
        raise ValueError("f(a) and f(b) must have different signs")
    for _ in range(maxiter):
        if fpre != 0 and fcur != 0 and math.copysign(1.0, fpre) != math.copysign(1.0, fcur):
            xblk, fblk = xpre, fpre
            spre = scur = xcur - xpre
        if abs(fblk) < abs(fcur):
            xpre, xcur, xblk = xcur, xblk, xcur
            fpre, fcur, fblk = fcur, fblk, fcur
        delta = (xtol + rtol * abs(xcur)) / 2
        sbis = (xblk - xcur) / 2
        if fcur == 0 or abs(sbis) < delta:
            return xcur
        if abs(spre) > delta and abs(fcur) < abs(fpre):
            if xpre == xblk:
                # Interpolate (secant).
                stry = -fcur * (xcur - xpre) / (fcur - fpre)
            else:
                # Extrapolate (inverse quadratic).
                dpre = (fpre - fcur) / (xpre - xcur)
                dblk = (fblk - fcur) / (xblk - xcur)
                stry = -fcur * (fblk * dblk - fpre * dpre) / (dblk * dpre * (fblk - fpre))
            if 2 * abs(stry) < min(abs(spre), 3 * abs(sbis) - delta):
                spre, scur = scur, stry
            else:
                spre = scur = sbis
        else:
            spre = scur = sbis
        xpre, fpre = xcur, fcur
        if abs(scur) > delta:
            xcur += scur
        else:
            xcur += delta if sbis > 0 else -delta
        fcur = value(xcur)
    raise RuntimeError(f"brentq: no convergence in {maxiter} iterations (last x {xcur})")
