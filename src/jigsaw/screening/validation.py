"""Measure the grading against a synthetic world's ground truth.

The grade a partnership acts on is the one computed each time a concern arrives, so a child
*reaches* a level if the grade computed on the date of any of their concerns (from the concerns
known by then) is at that level or above. Two ways of grading are compared:

* **combined**: all agencies' concerns about the child, joined (here through the world's truth
  table, i.e. perfect linkage: an upper bound on what record linkage delivers);
* **single agency**: each agency grades only its own concerns; the child counts as reached if
  any one agency alone gets there.

The *jigsaw effect* is the number of true victims who reach ``medium`` or ``high`` when agencies
share, less the number reached when each agency grades alone at the same false-positive rate
(read off the single-agency ROC curve at the combined grade's false-positive rate).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from jigsaw import disclosure
from jigsaw.catalogue import Catalogue, Grade, load
from jigsaw.screening._grade import _evaluate

__all__ = [
    "JigsawEffect",
    "concerns_by_child",
    "dobs_of",
    "fairness",
    "jigsaw_effect",
    "reached",
    "rates",
]

MEDIUM = Grade.MEDIUM.rank


def concerns_by_child(concerns: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Attach the true ``child_id`` to each concern (perfect linkage) and parse dates and ids.

    ``concerns`` has ``record_id``, ``agency``, ``date`` (ISO text or dates) and ``indicators``
    (``;``-separated); ``truth`` maps ``record_id`` to ``child_id``. Returns ``child_id``,
    ``agency``, ``date`` (``datetime.date``) and ``indicators`` (list), sorted by child and date.
    Raises ``ValueError`` naming the first concern whose record is not in ``truth``.
    """
    child = concerns["record_id"].map(truth.set_index("record_id")["child_id"])
    if child.isna().any():
        row = int(np.flatnonzero(child.isna().to_numpy())[0])
        raise ValueError(
            f"concerns row {row + 1}: record_id {concerns['record_id'].iloc[row]!r} not in truth"
        )
    out = pd.DataFrame(
        {
            "child_id": child.to_numpy(),
            "agency": concerns["agency"].to_numpy(),
            "date": pd.to_datetime(concerns["date"]).dt.date.to_numpy(),
            "indicators": [s.split(";") if s else [] for s in concerns["indicators"]],
        }
    )
    return out.sort_values(["child_id", "date"], kind="stable").reset_index(drop=True)


def reached(
    linked: pd.DataFrame,
    dobs: dict[Any, dt.date],
    *,
    by_agency: bool = False,
    catalogue: Catalogue | None = None,
) -> pd.DataFrame:
    """Highest grade each child reaches when graded on each of their concern dates.

    Parameters
    ----------
    linked : pandas.DataFrame
        From :func:`concerns_by_child`.
    dobs : dict
        Child id -> date of birth (``datetime.date``).
    by_agency : bool
        False: grade all agencies' concerns together. True: grade each agency's concerns alone
        and keep, per child, the highest any single agency reaches.
    catalogue : Catalogue, optional
        Defaults to the shipped catalogue.

    Returns
    -------
    pandas.DataFrame
        Indexed by child id (children with concerns only): ``level`` (index into
        ``('none', 'low', 'medium', 'high')``) and ``key``, the level plus score/1000, a ranking
        of how strongly the child was graded (used to match false-positive rates).
    """
    cat = catalogue or load()
    best_level: dict[Any, int] = {}
    best_key: dict[Any, float] = {}
    children = linked["child_id"].to_numpy()
    agencies = linked["agency"].to_numpy()
    dates = linked["date"].to_numpy()
    indicators = linked["indicators"].to_numpy()
    order = np.lexsort((dates, agencies, children)) if by_agency else np.arange(len(linked))
    group: list[dict[str, Any]] = []
    current = None
    for k in order:
        ident = (children[k], agencies[k]) if by_agency else children[k]
        if ident != current:
            group = []
            current = ident
        group.append({"agency": agencies[k], "date": dates[k], "indicators": indicators[k]})
        child = children[k]
        level, score, _ = _evaluate(dobs[child], group, dates[k], cat, explain=False)
        key = level + min(score, 999.0) / 1000.0
        if key > best_key.get(child, -1.0):
            best_key[child] = key
            best_level[child] = level
    return pd.DataFrame(
        {"level": pd.Series(best_level, dtype="int64"), "key": pd.Series(best_key, dtype="float64")}
    ).rename_axis("child_id")


def rates(reach: pd.DataFrame, truth: pd.Series, level: int = MEDIUM) -> tuple[float, float]:
    """(sensitivity, false-positive rate) of reaching ``level`` or above.

    ``truth`` is a boolean Series indexed by child id over *all* children (exploited or not);
    children absent from ``reach`` had no concerns and count as not reached.
    """
    got = reach["level"].reindex(truth.index).fillna(-1).to_numpy() >= level
    victims = truth.to_numpy(dtype=bool)
    return float(got[victims].mean()), float(got[~victims].mean())


@dataclass(frozen=True)
class JigsawEffect:
    """Victims reaching medium or high when agencies share, against each agency alone."""

    victims: int
    combined_sensitivity: float
    combined_fpr: float
    single_sensitivity: float
    single_fpr: float
    single_sensitivity_at_combined_fpr: float
    extra_victims_at_same_fpr: int
    extra_victims_at_medium: int
    combined_sensitivity_at_single_fpr: float
    extra_victims_at_single_fpr: int


def jigsaw_effect(combined: pd.DataFrame, single: pd.DataFrame, truth: pd.Series) -> JigsawEffect:
    """Compare combined and single-agency grading at the ``medium`` threshold and at equal FPR.

    ``extra_victims_at_same_fpr``: the single-agency ranking (``key``: level, then score) is
    read at the false-positive rate of the combined grade at medium, on its ROC curve
    interpolated between operating points. ``extra_victims_at_single_fpr``: the reverse, the
    combined ranking read at the single-agency grade's false-positive rate (the stricter
    comparison when sharing also raises false positives).
    """
    sens_c, fpr_c = rates(combined, truth)
    sens_s, fpr_s = rates(single, truth)
    victims = truth.to_numpy(dtype=bool)
    sens_s_at = _sensitivity_at(single, truth, fpr_c)
    sens_c_at = _sensitivity_at(combined, truth, fpr_s)
    n_victims = int(victims.sum())
    return JigsawEffect(
        victims=n_victims,
        combined_sensitivity=sens_c,
        combined_fpr=fpr_c,
        single_sensitivity=sens_s,
        single_fpr=fpr_s,
        single_sensitivity_at_combined_fpr=sens_s_at,
        extra_victims_at_same_fpr=int(round((sens_c - sens_s_at) * n_victims)),
        extra_victims_at_medium=int(round((sens_c - sens_s) * n_victims)),
        combined_sensitivity_at_single_fpr=sens_c_at,
        extra_victims_at_single_fpr=int(round((sens_c_at - sens_s) * n_victims)),
    )


def _sensitivity_at(reach: pd.DataFrame, truth: pd.Series, fpr: float) -> float:
    """Sensitivity of the ``reach['key']`` ranking at false-positive rate ``fpr``.

    Read off the ROC curve with linear interpolation between its operating points, which is
    what breaking ties in the ranking at random achieves (Fawcett, "An introduction to ROC
    analysis", Pattern Recognition Letters 27, 2006, section 6). Without it, a block of tied
    keys would have to be taken or left whole, and the comparison would turn on the tie.
    """
    key = reach["key"].reindex(truth.index).fillna(-1.0).to_numpy()
    victims = truth.to_numpy(dtype=bool)
    thresholds = np.unique(key)[::-1]
    pos = np.sort(key[victims])
    neg = np.sort(key[~victims])
    tpr = 1 - np.searchsorted(pos, thresholds, side="left") / max(len(pos), 1)
    fpr_points = 1 - np.searchsorted(neg, thresholds, side="left") / max(len(neg), 1)
    xs = np.concatenate([[0.0], fpr_points])
    ys = np.concatenate([[0.0], tpr])
    # Several thresholds can share a false-positive rate: keep the best sensitivity for each.
    frame = pd.DataFrame({"x": xs, "y": ys}).groupby("x", sort=True)["y"].max()
    return float(np.interp(fpr, frame.index.to_numpy(), frame.to_numpy()))


def fairness(
    combined: pd.DataFrame,
    children: pd.DataFrame,
    groups: tuple[str, ...] = ("sex", "ethnicity", "disability"),
) -> pd.DataFrame:
    """Grade rates, sensitivity and false-positive rate of the combined grade by group.

    ``children`` has ``child_id``, ``exploited`` and the group columns; ``combined`` is indexed
    by the children who have concerns. Returns one row per (group, value) with counts of
    children and victims, the share of all children reaching low or above and medium or above,
    sensitivity and FPR at medium, and sensitivity among victims with at least one concern (which
    separates what the rules do from how visible the group is to agencies). Small counts
    follow :mod:`jigsaw.disclosure`: shown as ``"<5"`` (zero too), and rates computed from them
    left empty, as official statistics do; other counts stay whole numbers.
    """

    def published(count: int) -> int | str:
        return disclosure.SUPPRESSED if disclosure.is_small(count) else count

    def shown(count: int) -> bool:
        return not disclosure.is_small(count)

    level = combined["level"].reindex(children["child_id"]).fillna(-1).to_numpy()
    seen = children["child_id"].isin(combined.index).to_numpy()
    victim = children["exploited"].to_numpy(dtype=bool)
    rows = []
    for group in groups:
        values = children[group].astype(str).to_numpy()
        for value in sorted(set(values)):
            inside = values == value
            n, v = int(inside.sum()), int((inside & victim).sum())
            vs = int((inside & victim & seen).sum())
            nv = n - v
            medium = level >= MEDIUM
            rows.append(
                {
                    "group": group,
                    "value": value,
                    "children": published(n),
                    "victims": published(v),
                    "low_or_above": float((level[inside] >= 1).mean()) if shown(n) else None,
                    "medium_or_above": float(medium[inside].mean()) if shown(n) else None,
                    "sensitivity": float(medium[inside & victim].mean()) if shown(v) else None,
                    "victims_with_concerns": published(vs),
                    "sensitivity_with_concerns": (
                        float(medium[inside & victim & seen].mean()) if shown(vs) else None
                    ),
                    "fpr": float(medium[inside & ~victim].mean()) if shown(nv) else None,
                }
            )
    return pd.DataFrame(rows)


def dobs_of(children: pd.DataFrame) -> dict[Any, dt.date]:
    """Child id -> date of birth from a world's children table (ISO text dates)."""
    return dict(zip(children["child_id"], pd.to_datetime(children["dob"]).dt.date, strict=True))
