"""Model fits by their inputs, with the fits of the published national data stored beside it.

The national report fits the persistence model (REML, statsmodels ``MixedLM``) and the
related-indicators model (Huber, statsmodels ``RLM``, once per fold) on every run. On DfE's
published data those fits are the same every time, and importing statsmodels and fitting are
about half of ``jigsaw oversight``'s time; so the fits of every shipped year's report are
stored in ``national_fits.json``, keyed by the SHA-256 of each fit's inputs (:func:`key`). A
fit whose inputs are not there (a partnership's areas or returns, a world's countries) is
computed on the run, as before. The stored file is written by ``make national-fits``
(:func:`write_stored`) and checked by ``tests/oversight/test_stored_fits.py``: every stored fit
refitted with statsmodels gives the same figures, every fit a shipped year's report needs is
stored, and each is still found when every input differs in its last bit.

Within one process a fit is also remembered by its key, because the report fits the same
inputs at both of its levels (only the limits drawn from a fit depend on the level).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

__all__ = ["STORED", "fitted", "fitting_all", "key", "shipped_fits", "write_stored"]

STORED = Path(__file__).with_name("national_fits.json")

_stored: dict[str, tuple[float, ...]] | None = None
_use_stored = True
# Fits computed in this process (bounded: a web process compares many partnerships' returns).
_memo: dict[str, tuple[float, ...]] = {}
_MEMO_SIZE = 512
# Where fitting_all() collects the fits computed inside it.
_recording: dict[str, tuple[float, ...]] | None = None


def key(kind: str, *arrays: NDArray[np.generic]) -> str:
    """The SHA-256 of a fit's kind and inputs (each array's shape and values).

    Floating-point inputs are hashed on a grid of 2**-24 of the array's largest magnitude
    (about seven significant digits of it), and that magnitude to 24 bits: numpy's logarithms
    and sums may differ in the last bit between processors (their vector code is chosen at run
    time), and such a difference, or a difference of sums that should be zero, must not make
    the published data look new. A last-bit change moves a value across a grid line once in
    about 2**28 values.
    """
    digest = hashlib.sha256(kind.encode())
    for array in arrays:
        array = np.asarray(array)
        if array.dtype.kind == "f":
            finite = np.isfinite(array)
            values = np.where(finite, array, 0.0)
            largest = float(np.max(np.abs(values))) if values.size else 0.0
            grid = np.round(values / largest * 2.0**24) if largest > 0 else values
            mantissa, exponent = np.frexp(largest)
            digest.update(f"|{round(float(mantissa) * 2**24)}e{int(exponent)}|".encode())
            array = np.stack([grid, finite]).astype(np.int64)
        array = np.ascontiguousarray(array, dtype=np.int64)
        digest.update(f"|{array.shape}|".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def _load() -> dict[str, tuple[float, ...]]:
    global _stored
    if _stored is None:
        raw = json.loads(STORED.read_text(encoding="utf-8")) if STORED.exists() else {}
        _stored = {k: tuple(float(v) for v in values) for k, values in raw.get("fits", {}).items()}
    return _stored


def fitted(
    kind: str, arrays: Sequence[NDArray[np.generic]], fit: Callable[[], Sequence[float]]
) -> tuple[float, ...]:
    """The fit of ``arrays`` by ``fit``: stored, remembered from this process, or computed now."""
    k = key(kind, *arrays)
    if _use_stored and (found := _load().get(k)) is not None:
        return found
    if k not in _memo:
        if len(_memo) >= _MEMO_SIZE:
            _memo.clear()
        _memo[k] = tuple(float(v) for v in fit())
        if _recording is not None:
            _recording[k] = _memo[k]
    return _memo[k]


@contextmanager
def fitting_all() -> Iterator[dict[str, tuple[float, ...]]]:
    """Fit everything afresh inside the block; yields the fits computed there, by key."""
    global _use_stored, _recording
    saved, before = (_use_stored, _recording), dict(_memo)
    _use_stored, _recording = False, {}
    _memo.clear()
    try:
        yield _recording
    finally:
        _use_stored, _recording = saved
        _memo.clear()
        _memo.update(before)


def shipped_fits() -> dict[str, tuple[float, ...]]:
    """Every fit the national report of each shipped year needs, fitted now with statsmodels."""
    # Imported here: the national analysis imports this module.
    from jigsaw.datasets import england
    from jigsaw.oversight.national import analyse_national, load_national

    with fitting_all() as computed:
        for year in england.YEARS:
            analyse_national(load_national(year))
        return dict(computed)


def write_stored(path: Path = STORED) -> int:
    """Write the shipped years' fits to ``path``; return how many."""
    import statsmodels

    fits = shipped_fits()
    document = {
        "about": "Fits of the national report on DfE's published data, by the SHA-256 of "
        "their inputs (jigsaw.oversight._fits). Written by make national-fits.",
        "statsmodels": statsmodels.__version__,
        "fits": {k: list(fits[k]) for k in sorted(fits)},
    }
    path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    return len(fits)
