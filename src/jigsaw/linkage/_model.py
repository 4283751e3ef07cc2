"""The trained linkage model: m and u probabilities per comparison level, the prior and the two
decision thresholds, stored as versioned JSON that batch (Splink) and one-record matching share.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from jigsaw.linkage._comparisons import BLOCKING_RULES, COMPARISONS, BlockingRule, Comparison

__all__ = ["Model", "MODEL_FORMAT", "probability", "splink_blocking_rules", "weight"]

MODEL_FORMAT = "jigsaw.linkage.model/1"


def weight(probability_value: float) -> float:
    """Return the match weight (log2 odds) of a match probability.

    >>> weight(0.5), round(weight(0.999), 3)
    (0.0, 9.964)
    """
    p = min(max(probability_value, 1e-300), 1 - 1e-16)
    return math.log2(p / (1 - p))


def probability(match_weight: float) -> float:
    """Return the match probability of a match weight (log2 odds).

    >>> probability(0.0), round(probability(10), 4)
    (0.5, 0.999)
    """
    if match_weight > 60:
        return 1.0
    odds = 2.0 ** float(match_weight)
    return float(odds / (1 + odds))


@dataclass(frozen=True)
class Model:
    """A linkage model: for each comparison level its m and u probabilities.

    ``levels[name][i]`` is ``(m, u)`` for level ``i`` of comparison ``name`` (``None`` for the
    null level). Pairs at or above ``link_threshold`` (a match probability) link automatically,
    pairs at or above ``review_threshold`` go to a person, the rest do not link.
    """

    version: str
    probability_two_random_records_match: float
    levels: Mapping[str, tuple[tuple[float, float] | None, ...]]
    link_threshold: float = 0.99
    review_threshold: float = 0.5
    trained_on: str = ""
    keep_twins_apart: bool = True
    trained_records: int | None = None
    notes: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Neutral levels weigh nothing (m = u), in every model however it was made or trained.
        levels = dict(self.levels)
        for comparison in COMPARISONS:
            values = levels.get(comparison.name)
            if values is None or not any(level.neutral for level in comparison.levels):
                continue
            levels[comparison.name] = tuple(
                (mu[1], mu[1]) if level.neutral and mu is not None else mu
                for level, mu in zip(comparison.levels, values, strict=True)
            )
        object.__setattr__(self, "levels", levels)

    # --- weights -------------------------------------------------------------------------
    @property
    def prior_weight(self) -> float:
        """Match weight of the prior: log2 of the odds that two random records match."""
        return weight(self.probability_two_random_records_match)

    def level_weight(self, comparison: str, index: int) -> float:
        """Return log2(m/u) for a level; 0 for the null level."""
        mu = self.levels[comparison][index]
        if mu is None:
            return 0.0
        m, u = mu
        return math.log2(m / u)

    def exact_u(self, comparison: str) -> float:
        """Return u of the comparison's term-frequency-adjusted exact level."""
        spec = _spec(comparison)
        for index, level in enumerate(spec.levels):
            if level.tf_column:
                mu = self.levels[comparison][index]
                if mu is None:
                    raise KeyError(f"{comparison}: its term-frequency level has no m and u")
                return mu[1]
        raise KeyError(f"{comparison} has no term-frequency level")

    # --- JSON ---------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Return the model as a JSON-ready dictionary (see :data:`MODEL_FORMAT`)."""
        return {
            "format": MODEL_FORMAT,
            "version": self.version,
            "trained_on": self.trained_on,
            "splink": "5.0",
            "probability_two_random_records_match": self.probability_two_random_records_match,
            "trained_records": self.trained_records,
            "thresholds": {"link": self.link_threshold, "review": self.review_threshold},
            # Constraints applied after scoring (jigsaw.linkage._decide): different valid NHS
            # numbers always; same date of birth with different forenames when "twins" is true.
            "constraints": {"different_nhs_numbers": True, "twins": self.keep_twins_apart},
            "comparisons": [
                {
                    "name": c.name,
                    "description": c.description,
                    "levels": [
                        {"label": level.label}
                        | (
                            {}
                            if mu is None
                            else {
                                "m": mu[0],
                                "u": mu[1],
                                "weight": round(math.log2(mu[0] / mu[1]), 3),
                            }
                        )
                        for level, mu in zip(c.levels, self.levels[c.name], strict=True)
                    ],
                }
                for c in COMPARISONS
            ],
            "blocking_rules": [rule.sql() for rule in BLOCKING_RULES],
            "notes": dict(self.notes),
        }

    def save(self, path: str | Path) -> None:
        """Write the model as JSON to ``path`` (atomically: a failed save keeps the old file)."""
        from jigsaw.datasets.csvfile import write_atomic

        write_atomic(path, json.dumps(self.to_dict(), indent=2) + "\n")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "model") -> Model:
        """Read a model from its dictionary form.

        Raises
        ------
        ValueError
            If the format is not :data:`MODEL_FORMAT`, or the comparisons and level labels differ
            from the ones this version of Jigsaw computes (the model was trained for another
            version and its weights would be applied to the wrong tests).
        """
        if not isinstance(data, Mapping):
            raise ValueError(f"{source}: not a Jigsaw linkage model (expected a JSON object)")
        if data.get("format") != MODEL_FORMAT:
            raise ValueError(
                f"{source}: not a Jigsaw linkage model (format {data.get('format')!r}, expected {MODEL_FORMAT!r})"
            )
        try:
            model = cls._read(data, source)
        except (KeyError, TypeError, AttributeError) as error:
            # A hand-edited or truncated file: say so instead of a traceback.
            raise ValueError(
                f"{source}: damaged linkage model ({type(error).__name__}: {error})"
            ) from None
        if not 0 < model.review_threshold <= model.link_threshold < 1:
            raise ValueError(
                f"{source}: thresholds must satisfy 0 < review <= link < 1, got "
                f"review={model.review_threshold}, link={model.link_threshold}"
            )
        return model

    @classmethod
    def _read(cls, data: Mapping[str, Any], source: str) -> Model:
        stored = {c["name"]: c["levels"] for c in data["comparisons"]}
        levels: dict[str, tuple[tuple[float, float] | None, ...]] = {}
        for comparison in COMPARISONS:
            if comparison.name not in stored:
                raise ValueError(f"{source}: comparison {comparison.name!r} missing")
            got = [level["label"] for level in stored[comparison.name]]
            want = [level.label for level in comparison.levels]
            if got != want:
                raise ValueError(
                    f"{source}: comparison {comparison.name!r} has levels {got}, this version of Jigsaw computes {want}"
                )
            levels[comparison.name] = tuple(
                None if spec.is_null else (float(level["m"]), float(level["u"]))
                for spec, level in zip(comparison.levels, stored[comparison.name], strict=True)
            )
        thresholds = data.get("thresholds", {})
        return cls(
            version=str(data["version"]),
            probability_two_random_records_match=float(
                data["probability_two_random_records_match"]
            ),
            levels=levels,
            link_threshold=float(thresholds.get("link", 0.99)),
            review_threshold=float(thresholds.get("review", 0.5)),
            trained_on=str(data.get("trained_on", "")),
            trained_records=data.get("trained_records"),
            keep_twins_apart=bool(data.get("constraints", {}).get("twins", True)),
            notes=dict(data.get("notes", {})),
        )

    @classmethod
    def load(cls, path: str | Path) -> Model:
        """Read a model saved by :meth:`save`."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}: not JSON ({error})") from None
        return cls.from_dict(data, source=str(path))

    @classmethod
    def default(cls) -> Model:
        """Return the model shipped with Jigsaw (trained on the synthetic world)."""
        text = resources.files("jigsaw.linkage").joinpath("default_model.json").read_text("utf-8")
        return cls.from_dict(json.loads(text), source="default_model.json")

    def for_records(self, n: int) -> Model:
        """Return the model with its prior rescaled to a run over ``n`` records.

        The chance that two random records are the same child falls as the population grows:
        with the same number of records per child, it is ``k / (n - 1)`` where ``k`` is the
        expected number of other records of a record's child. ``k`` is estimated from training;
        a model without ``trained_records`` is returned unchanged.

        >>> m = Model("v", 0.001, {}, trained_records=1001)
        >>> m.for_records(10001).probability_two_random_records_match
        0.0001
        """
        if not self.trained_records or n < 2:
            return self
        k = self.probability_two_random_records_match * (self.trained_records - 1)
        return replace(self, probability_two_random_records_match=min(k / (n - 1), 0.5))

    def with_thresholds(self, *, link: float, review: float) -> Model:
        """Return a copy with other decision thresholds (match probabilities, review <= link)."""
        if not 0 < review <= link < 1:
            raise ValueError(
                f"thresholds must satisfy 0 < review <= link < 1, got review={review}, link={link}"
            )
        return replace(self, link_threshold=link, review_threshold=review)

    # --- Splink --------------------------------------------------------------------------
    def splink_settings(self, dialect: str, *, trained: bool = True) -> dict[str, Any]:
        """Return a Splink 5 settings dictionary for ``dialect`` ("duckdb" or "spark").

        With ``trained=False`` the m and u probabilities are left out, for training afresh.
        """
        comparisons = []
        for comparison in COMPARISONS:
            levels = []
            for spec, mu in zip(comparison.levels, self.levels[comparison.name], strict=True):
                level: dict[str, Any] = {
                    "sql_condition": spec.sql(dialect),
                    "label_for_charts": spec.label,
                }
                if spec.is_null:
                    level["is_null_level"] = True
                if spec.tf_column:
                    level["tf_adjustment_column"] = spec.tf_column
                    level["tf_adjustment_weight"] = 1.0
                if trained and mu is not None:
                    level["m_probability"], level["u_probability"] = mu
                levels.append(level)
            comparisons.append(
                {
                    "output_column_name": comparison.name,
                    "comparison_levels": levels,
                    "comparison_description": comparison.description,
                }
            )
        return {
            "link_type": "dedupe_only",
            "unique_id_column_name": "unique_id",
            "probability_two_random_records_match": self.probability_two_random_records_match,
            "comparisons": comparisons,
            "blocking_rules_to_generate_predictions": splink_blocking_rules(),
            "retain_matching_columns": True,  # gives the gamma_ columns the explanations need
            "retain_intermediate_calculation_columns": True,
            "additional_columns_to_retain": [],
        }


def splink_blocking_rules() -> list[str]:
    """Return :data:`BLOCKING_RULES` as the Splink SQL that scores exactly their pairs.

    A rule that wants a column missing on either side becomes two rules, missing on the left and
    missing on the right: a condition on one side is applied before the join (the database
    filters that side's records first), whereas "left or right missing" can only be tested on
    every joined pair. Splink scores each pair once, under the first rule it meets, so the pairs
    are the same; on the synthetic world of 1,000,000 records the one rule joined 72.7 million
    candidate pairs to keep 4.5 million.

    >>> for r in splink_blocking_rules():
    ...     if "forename_group" in r and "dob IS NULL" in r:
    ...         print(r)
    l.forename_group = r.forename_group AND l.surname_sdx = r.surname_sdx AND l.postcode_sector = r.postcode_sector AND l.dob IS NULL
    l.forename_group = r.forename_group AND l.surname_sdx = r.surname_sdx AND l.postcode_sector = r.postcode_sector AND r.dob IS NULL
    """
    rules = []
    for rule in BLOCKING_RULES:
        if rule.either_missing is None:
            rules.append(rule.sql())
            continue
        keys = BlockingRule(rule.columns).sql()
        rules += [f"{keys} AND {side}.{rule.either_missing} IS NULL" for side in ("l", "r")]
    return rules


def _spec(name: str) -> Comparison:
    for comparison in COMPARISONS:
        if comparison.name == name:
            return comparison
    raise KeyError(name)


def untrained_model() -> Model:
    """Return a model with neutral starting values, the starting point for training."""
    levels = {}
    for comparison in COMPARISONS:
        n = sum(not level.is_null for level in comparison.levels)
        # m falls and u rises from the best level to the catch-all, as Splink's defaults do.
        ms = [0.95 * 0.5**i for i in range(n)]
        us = [0.05 * 2.0**i for i in range(n)]
        m_total, u_total = sum(ms), sum(us)
        values = iter(zip([m / m_total for m in ms], [u / u_total for u in us], strict=True))
        levels[comparison.name] = tuple(
            None if level.is_null else next(values) for level in comparison.levels
        )
    return Model(version="untrained", probability_two_random_records_match=1e-4, levels=levels)
