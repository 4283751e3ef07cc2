"""Fit the linkage model to a partnership's own records, starting from the shipped model.

The shipped model's m and u probabilities come from the synthetic world. A partnership's records
differ: their names, how often each agency records an NHS number, the slips its systems make.
:func:`fit` re-estimates the model on the records to be linked, without labels, as Splink's
unsupervised training does: u from random pairs (almost all different children), m by
expectation maximisation (EM) on blocked pairs. It starts from the model given (the shipped one
by default) and keeps that model's thresholds and constraints, so only the evidence weights
change.

Training is refused, and the starting model used instead, when the records are too few to learn
from or EM does not converge; a level whose weight moves further than :data:`MAX_SHIFT_BITS`
from the starting model, or that the records never show, keeps the starting value. Every such
decision is recorded in :attr:`Fitted.summary` (and in the saved model's notes) in plain words.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from jigsaw.linkage._backend import NHS_M, _db_api, _input_table, _pairs_sharing_nhs_number
from jigsaw.linkage._batch import LinkResult, _collector_paused, link_prepared
from jigsaw.linkage._comparisons import COMPARISONS
from jigsaw.linkage._model import Model
from jigsaw.linkage._prepare import prepare

__all__ = [
    "Fitted",
    "LinkRun",
    "fit",
    "link_records",
    "MAX_SHIFT_BITS",
    "MIN_RECORDS",
    "PAIRS_IN_WORDS",
]

#: Fewer records than this give too few pairs sharing an NHS number or a date of birth for EM.
MIN_RECORDS = 1000
#: A level's weight (log2 m/u) may move at most this far from the starting model. Further, and
#: the records more likely lack the level's evidence than contradict it (a level met by a handful
#: of pairs); 6 bits is a factor of 64 in the odds, beyond any difference between two
#: partnerships' recording habits that would keep the same comparisons sensible.
MAX_SHIFT_BITS = 6.0
# EM stops when no probability moves by more than this between iterations (Splink's default).
_CONVERGENCE = 1e-4
_MAX_ITERATIONS = 25
_MIN_EM_PAIRS = 1000
#: The pairs each EM session learns from, in words (the summary keeps the rule too, for Splink).
PAIRS_IN_WORDS = {
    "l.nhs_number = r.nhs_number": "pairs of records sharing an NHS number",
    "l.dob = r.dob": "pairs of records sharing a date of birth",
    "l.forename_sdx = r.forename_sdx AND l.surname_sdx = r.surname_sdx": (
        "pairs of records whose first names and last names sound alike"
    ),
}
# Fixed, not estimated: EM cannot tell twins (who share everything else) from one child, so the
# m of agreeing and differing identifiers stays where the starting model put it.
_FIXED_M = (
    {("nhs_number", label) for label in NHS_M}
    | {
        ("nhs_as_written", "same number as written"),
        ("nhs_as_written", "different numbers as written"),
    }
    | {
        # Neutral levels (m = u, jigsaw.linkage._comparisons.Level.neutral): never estimated.
        (c.name, level.label)
        for c in COMPARISONS
        for level in c.levels
        if level.neutral
    }
)


@dataclass(frozen=True)
class Fitted:
    """A model fitted to a partnership's records, or the starting model and why it was kept.

    ``model`` is the one to link with. ``trained`` is whether any fitted value is in it;
    ``summary`` says what training saw and did (records, pairs, EM iterations, levels kept at
    their starting value and why), and is saved with the model.
    """

    model: Model
    trained: bool
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def messages(self) -> list[str]:
        """The decisions of training in plain English, one a line."""
        return list(self.summary.get("messages", []))


def fit(
    frame: pd.DataFrame,
    *,
    start: Model | None = None,
    source: str = "records",
    seed: int = 1,
    max_pairs: float = 2e6,
    recall: float = 0.8,
    backend: str = "duckdb",
    max_shift_bits: float = MAX_SHIFT_BITS,
    max_iterations: int = _MAX_ITERATIONS,
) -> Fitted:
    """Fit the model's m and u probabilities to prepared records, without labels.

    Parameters
    ----------
    frame : pandas.DataFrame
        Prepared records (``prepare(...).frame``), the ones that will be linked.
    start : Model, optional
        The starting point, the fallback and the source of thresholds (the shipped model when
        omitted).
    source : str
        What the records are (a file name), recorded in the model.
    seed, max_pairs : int, float
        The random sample of pairs for u (Splink suggests 1e7 or more for a national run).
    recall : float
        Assumed recall of the deterministic rules (same valid NHS number; same forename, surname
        and date of birth) from which the prior is estimated.
    max_shift_bits : float
        Largest move of a level's weight from ``start`` that is accepted.
    max_iterations : int
        EM iterations allowed; EM that is still moving a probability by more than 1e-4 after
        them has not converged, and training is refused.

    Returns
    -------
    Fitted
        The fitted model (version ``<start>+fit.<UTC date>``), or ``start`` itself with
        ``trained`` false when the records are too few or EM does not converge.

    Notes
    -----
    Method: the Fellegi-Sunter model as Splink 5 trains it (Linacre et al., *Splink*, Ministry
    of Justice): the prior from deterministic rules; u by random sampling; m by EM with u fixed,
    on pairs sharing a valid NHS number when at least 1,000 such pairs exist (almost all one
    child, so m is learnt free of the siblings and twins a block on names or dates mixes in),
    else in two sessions blocked on date of birth and on the forename and surname sound codes.
    """
    from splink import Linker

    start = start or Model.default()
    messages: list[str] = []
    summary: dict[str, Any] = {
        "records": len(frame),
        "source": source,
        "started_from": start.version,
        "seed": seed,
        "u_random_pairs": max_pairs,
        "prior_recall": recall,
        "max_shift_bits": max_shift_bits,
        "trained_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "messages": messages,
    }
    if len(frame) < MIN_RECORDS:
        messages.append(
            f"not trained: {len(frame):,} records, fewer than the {MIN_RECORDS:,} needed; "
            f"the starting model {start.version} is used unchanged"
        )
        return Fitted(start, False, summary)

    db_api = _db_api(backend)
    settings = start.splink_settings(backend, trained=True)
    for comparison in settings["comparisons"]:
        for level in comparison["comparison_levels"]:
            if (comparison["output_column_name"], level["label_for_charts"]) in _FIXED_M:
                level["fix_m_probability"] = True
    settings["em_convergence"] = _CONVERGENCE
    settings["max_iterations"] = max_iterations
    linker = Linker(_input_table(frame, backend, db_api), settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        [
            "l.nhs_number = r.nhs_number",
            "l.forename = r.forename AND l.surname = r.surname AND l.dob = r.dob",
        ],
        recall=recall,
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
    nhs_pairs = _pairs_sharing_nhs_number(frame)
    summary["pairs_sharing_nhs_number"] = nhs_pairs
    if nhs_pairs >= _MIN_EM_PAIRS:
        blocks = ["l.nhs_number = r.nhs_number"]
    else:
        blocks = [
            "l.dob = r.dob",
            "l.forename_sdx = r.forename_sdx AND l.surname_sdx = r.surname_sdx",
        ]
    sessions = []
    for block in blocks:
        session = linker.training.estimate_parameters_using_expectation_maximisation(block)
        sessions.append(
            {"blocked_on": block, "pairs": PAIRS_IN_WORDS[block], **_convergence(session)}
        )
    summary["em"] = sessions
    if not all(s["converged"] for s in sessions):
        messages.append(
            f"not trained: EM did not converge within {max_iterations} iterations "
            f"({'; '.join(s['pairs'] for s in sessions if not s['converged'])}); "
            f"the starting model {start.version} is used unchanged"
        )
        return Fitted(start, False, summary)

    trained = linker.misc.save_model_to_json()
    levels: dict[str, tuple[tuple[float, float] | None, ...]] = {}
    kept: list[dict[str, Any]] = []
    for comparison, stored in zip(COMPARISONS, trained["comparisons"], strict=True):
        values: list[tuple[float, float] | None] = []
        for spec, level, before in zip(
            comparison.levels,
            stored["comparison_levels"],
            start.levels[comparison.name],
            strict=True,
        ):
            if spec.is_null or before is None:
                values.append(None)
                continue
            m, u = level.get("m_probability"), level.get("u_probability")
            if spec.neutral:  # weighs nothing: m = u (Model keeps it so), never a move to guard
                values.append((float(u or before[1]), float(u or before[1])))
                continue
            if not m or not u:
                # Never seen among the pairs EM or the random sample looked at: the records say
                # nothing about the level, so the starting model's value stands.
                values.append(before)
                kept.append(
                    {
                        "comparison": comparison.name,
                        "level": spec.label,
                        "reason": "not seen in these records",
                    }
                )
                continue
            shift = math.log2(float(m) / float(u)) - math.log2(before[0] / before[1])
            # A starting weight of exactly 0 with m = u is the stand-in for a level the starting
            # model never saw among matches, not an estimate: there is nothing to stay near.
            if abs(shift) > max_shift_bits and before[0] != before[1]:
                values.append(before)
                kept.append(
                    {
                        "comparison": comparison.name,
                        "level": spec.label,
                        "reason": f"moved {shift:+.1f} bits, more than {max_shift_bits:g}",
                    }
                )
                continue
            values.append((float(m), float(u)))
        levels[comparison.name] = tuple(values)
    summary["levels_kept_from_start"] = kept
    for item in kept:
        messages.append(
            f"{item['comparison']}: {item['level']!r} keeps the starting weight ({item['reason']})"
        )
    prior = float(trained["probability_two_random_records_match"])
    summary["prior"] = prior
    summary["weight_changes"] = {
        c.name: [
            None
            if a is None or b is None
            else round(math.log2(a[0] / a[1]) - math.log2(b[0] / b[1]), 3)
            for a, b in zip(levels[c.name], start.levels[c.name], strict=True)
        ]
        for c in COMPARISONS
    }
    fitted_levels = sum(1 for c in COMPARISONS for a in levels[c.name] if a is not None) - len(kept)
    messages.append(
        f"trained on {len(frame):,} records of {source}: {fitted_levels} levels fitted, "
        f"{len(kept)} kept from {start.version}; EM {', '.join(str(s['iterations']) for s in sessions)} "
        "iteration(s)"
    )
    model = replace(
        start,
        version=f"{start.version}+fit.{summary['trained_at'][:10]}",
        probability_two_random_records_match=prior,
        levels=levels,
        trained_on=f"{source}: {len(frame)} records, no labels used (started from {start.version})",
        trained_records=len(frame),
        notes={"training": summary},
    )
    return Fitted(model, True, summary)


def _convergence(session: Any) -> dict[str, Any]:
    """Iterations EM ran and whether its last one still moved a probability by 1e-4 or more."""
    from splink.internals.expectation_maximisation import (
        _max_change_in_parameters_comparison_levels,
    )

    history = session._core_model_settings_history  # Splink keeps the parameters of each iteration
    change = float(_max_change_in_parameters_comparison_levels(history)["max_abs_change_value"])
    return {
        "iterations": len(history) - 1,
        "last_change": change,
        "converged": change < _CONVERGENCE,
    }


@dataclass(frozen=True)
class LinkRun:
    """What ``jigsaw link`` did: the batch result (``review`` holds only the pairs for a person),
    the review pairs decided automatically (:func:`jigsaw.linkage._review.settle_review`) and, when
    it trained, the fitted model."""

    result: LinkResult
    decided: pd.DataFrame
    fitted: Fitted | None = None


def link_records(
    records: pd.DataFrame,
    *,
    model: Model | None = None,
    train: bool = False,
    source: str = "records",
    backend: str = "duckdb",
    progress: Callable[[str], None] | None = None,
    seed: int = 1,
    max_pairs: float = 2e6,
) -> LinkRun:
    """Prepare records once, fit the model to them when ``train`` (:func:`fit`, from ``model``
    or the shipped one), link them and settle the review pairs the children's records decide.

    What ``jigsaw link`` runs, with ``--train`` or without.
    """
    from jigsaw.linkage._review import records_to_settle, review_by_child, settle_review

    say = progress or (lambda message: None)
    start = model or Model.default()
    began = time.perf_counter()
    # As link() does: preparing makes millions of short-lived objects and no cycles.
    with _collector_paused():
        prepared = prepare(records, source=source)
    seconds = {"prepare": time.perf_counter() - began}
    fitted = None
    if train:
        began = time.perf_counter()
        say(f"training on {len(prepared.frame):,} prepared records (starting from {start.version})")
        fitted = fit(
            prepared.frame,
            start=start,
            source=source,
            backend=backend,
            seed=seed,
            max_pairs=max_pairs,
        )
        for message in fitted.messages:
            say(message)
        start = fitted.model
        seconds["train"] = time.perf_counter() - began
    result = link_prepared(prepared.frame, model=start, backend=backend, progress=progress)
    with _collector_paused():
        settling = prepared.records(records_to_settle(result.clusters, result.review_pairs))
        pairs, decided = settle_review(
            settling, result.clusters, result.review_pairs, twins=start.keep_twins_apart
        )
    review = review_by_child(pairs)
    if len(decided):
        say(
            f"{len(decided):,} review pairs decided by the children's other records; "
            f"{len(review):,} pairs of children for a person ({len(pairs):,} pairs of records)"
        )
    return LinkRun(
        replace(
            result,
            problems=prepared.problems,
            review=review,
            review_pairs=pairs,
            seconds={**seconds, **result.seconds},
        ),
        decided,
        fitted,
    )
